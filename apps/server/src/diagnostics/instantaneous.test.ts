import { describe, expect, it } from "vitest";
import { InstantaneousMetric, InstantaneousMetrics } from "./instantaneous.js";

describe("instantaneous metrics", () => {
  it("averages the per-second rate over the last 16 samples", () => {
    const m = new InstantaneousMetric(0);
    // 100 more every 100 ms: 1000/s; half of the 16 slots filled -> mean 500/s.
    for (let i = 1; i <= 8; i++) m.sample(i * 100, i * 100);
    expect(m.get()).toBe(500);
    for (let i = 9; i <= 16; i++) m.sample(i * 100, i * 100);
    expect(m.get()).toBe(1000);
    // The load stops: the figure fades as old samples are replaced.
    for (let i = 17; i <= 32; i++) m.sample(1600, i * 100);
    expect(m.get()).toBe(0);
  });

  it("samples at most every 100 ms, whatever the cron's rate", () => {
    const ms = new InstantaneousMetrics(0);
    const totals = { ops: 0, netIn: 0, netOut: 0, replIn: 0, replOut: 0 };
    for (let t = 10; t <= 1600; t += 10) {
      totals.ops += 10;
      ms.track(t, totals);
    }
    expect(ms.ops.get()).toBeCloseTo(1000, 6);
    expect(ms.netInput.get()).toBe(0);
  });
});

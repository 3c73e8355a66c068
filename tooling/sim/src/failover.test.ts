// Masters killed on 3–4 master layouts with 1–2 replicas each (see schedules.ts), and the replay
// of a single seed: SHOAL_SIM_REPLAY=<scenario>:<seed> runs only the "replay" test for it.
import { describe, expect, it } from "vitest";
import { SimFailure } from "./fault-run.js";
import { runScenario, type ScenarioResult } from "./schedules.js";
import { failoverSuite } from "./suite.js";
import { livenessMisses, replayTarget } from "./sweep.js";

failoverSuite("masters killed", [
  ["kill-3x1", 250],
  ["kill-4x1", 150],
  ["kill-3x2", 100],
  ["kill-4x2", 40],
  ["kill-3x1-nt3000", 20],
]);

const REPLAY = replayTarget();

describe("replay", () => {
  // Registered only on demand, so an ordinary run counts no skipped test.
  if (REPLAY !== null)
    it(`SHOAL_SIM_REPLAY=${process.env.SHOAL_SIM_REPLAY ?? ""}`, () => {
      const { scenario, seed } = REPLAY!;
      const run = () => {
        try {
          return runScenario(scenario, seed, { keepLogs: true });
        } catch (err) {
          if (err instanceof SimFailure) return err;
          throw err;
        }
      };
      const a = run();
      const b = run();
      const hash = (x: ScenarioResult | SimFailure) =>
        x instanceof SimFailure ? /trace ([0-9a-f]+)/.exec(x.message)?.[1] : x.trace;
      console.log(`${scenario}:${seed}: trace ${hash(a)} (again: ${hash(b)})`);
      expect(hash(b)).toBe(hash(a));
      if (a instanceof SimFailure) throw a;
      console.log(a.ops.join("\n"));
      expect(livenessMisses([a])).toEqual([]);
    });

  it("a seed replays bit for bit (same trace hash, same events)", () => {
    for (const [scenario, seed] of [
      ["chaos-3x2", 7],
      ["kill-4x1", 3],
    ] as const) {
      const a = runScenario(scenario, seed);
      const b = runScenario(scenario, seed);
      expect(b.trace, `${scenario}:${seed}`).toBe(a.trace);
      expect(b.events).toBe(a.events);
      expect(b.ops).toEqual(a.ops);
    }
    expect(runScenario("kill-3x1", 1).trace).not.toBe(runScenario("kill-3x1", 2).trace);
  });

  it("a failure names its seed and the exact replay command", () => {
    const err = new SimFailure("kill-3x1", 42, "boom", "");
    expect(err.message).toContain("SHOAL_SIM_REPLAY=kill-3x1:42");
    expect(err.message).toContain("sim:replay kill-3x1:42");
  });
});

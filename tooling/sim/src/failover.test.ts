// Elections under faults, over many seeded schedules on 3–4 master layouts (see schedules.ts):
// safety after every step (one winner per epoch, no slot claimed twice at one configEpoch,
// nofailover respected), convergence after healing, and liveness (a master lost with a healthy
// replica is replaced within NT·2 + 5 s). Prints the failover-time table. SHOAL_SIM_SEEDS=<n>
// multiplies the seeds; SHOAL_SIM_REPLAY=<scenario>:<seed> runs just that seed (test "replay").
import { describe, expect, it } from "vitest";
import { SimFailure } from "./fault-run.js";
import { runScenario, type ScenarioResult } from "./schedules.js";
import { failoverRows, failoverTable } from "./stats.js";
import { livenessMisses, replayTarget, seedMultiplier, strictObligations, sweep } from "./sweep.js";

const SWEEP = seedMultiplier();
const REPLAY = replayTarget();

/** Scenario and seeds per run (times SHOAL_SIM_SEEDS). */
const GROUPS: [string, number][] = [
  ["kill-3x1", 300],
  ["kill-4x1", 150],
  ["kill-3x2", 100],
  ["kill-4x2", 40],
  ["kill-3x1-nt3000", 20],
  ["pause-3x1", 100],
  ["isolate-3x1", 60],
  ["isolate-4x1", 60],
  ["nofailover-3x2", 50],
  ["chaos-3x1", 80],
  ["chaos-4x1", 40],
  ["chaos-3x2", 40],
];

const results: ScenarioResult[] = [];

describe.skipIf(REPLAY !== null)("failover schedules: safety and convergence", () => {
  for (const [scenario, seeds] of GROUPS) {
    it(`${scenario}, ${seeds * SWEEP} seeds`, () => {
      const out = sweep(scenario, seeds * SWEEP);
      results.push(...out.results);
      if (out.failures.length) console.error(out.failures.join("\n\n"));
      expect(out.failures, out.failures[0]).toEqual([]);
    });
  }

  it("liveness: every master lost with a healthy replica is replaced within NT·2 + 5 s", () => {
    const rows = failoverRows(results);
    console.log(
      `failover times (virtual ms from the fault; ${results.length} schedules):\n${failoverTable(rows)}`,
    );
    // Not vacuous: every strict schedule opened exactly one obligation (runScenario fails otherwise).
    expect(strictObligations(results)).toBeGreaterThanOrEqual(
      results.filter((r) => r.strict).length,
    );
    const misses = livenessMisses(results);
    if (misses.length) console.error(misses.slice(0, 20).join("\n"));
    expect(misses, misses[0]).toEqual([]);
  });
});

describe("replay", () => {
  it.runIf(REPLAY !== null)(`SHOAL_SIM_REPLAY=${process.env.SHOAL_SIM_REPLAY ?? ""}`, () => {
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

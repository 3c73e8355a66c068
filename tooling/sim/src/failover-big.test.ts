// Elections on bigger layouts (20 to 200 nodes): fewer seeds, same checks as failover.test.ts.
import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "./schedules.js";
import { failoverRows, failoverTable } from "./stats.js";
import { livenessMisses, replayTarget, seedMultiplier, sweep } from "./sweep.js";

const SWEEP = seedMultiplier();

const GROUPS: [string, number][] = [
  ["kill-10x1", 8],
  ["chaos-10x1", 3],
  ["kill-25x1", 2],
  ["kill-100x1-nt3000", 1],
];

const results: ScenarioResult[] = [];

describe.skipIf(replayTarget() !== null)("failover schedules on big clusters", () => {
  for (const [scenario, seeds] of GROUPS) {
    it(`${scenario} (${scenario.startsWith("kill-100") ? 200 : ""}), ${seeds * SWEEP} seeds`, () => {
      const out = sweep(scenario, seeds * SWEEP, 1);
      results.push(...out.results);
      expect(out.failures, out.failures[0]).toEqual([]);
    });
  }

  it("liveness on big clusters", () => {
    console.log(
      `failover times, big clusters (virtual ms):\n${failoverTable(failoverRows(results))}`,
    );
    const misses = livenessMisses(results);
    expect(misses, misses[0]).toEqual([]);
  });
});

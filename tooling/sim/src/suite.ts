// The vitest suite shape shared by the failover test files: one test per scenario group (safety
// and convergence over its seeds, failures listed with their replay commands), then the liveness
// check over every strict schedule of the file and the failover-time table. Skipped when
// SHOAL_SIM_REPLAY selects a single seed.
import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "./schedules.js";
import { failoverRows, failoverTable } from "./stats.js";
import { livenessMisses, replayTarget, seedMultiplier, strictObligations, sweep } from "./sweep.js";

export function failoverSuite(title: string, groups: [string, number][]): void {
  const mult = seedMultiplier();
  const results: ScenarioResult[] = [];
  describe.skipIf(replayTarget() !== null)(title, () => {
    for (const [scenario, seeds] of groups) {
      it(`${scenario}, ${seeds * mult} seeds: safety after every step, convergence after healing`, () => {
        const out = sweep(scenario, seeds * mult);
        results.push(...out.results);
        if (out.failures.length) console.error(out.failures.join("\n\n"));
        expect(out.failures, out.failures[0]).toEqual([]);
      });
    }

    it("liveness: every master lost with a healthy replica is replaced within NT·2 + 5 s", () => {
      console.log(
        `${title}: failover times (virtual ms from the fault; ${results.length} schedules)\n${failoverTable(failoverRows(results))}`,
      );
      // Not vacuous: each strict schedule opened its obligation (runScenario fails otherwise).
      const strict = results.filter((r) => r.strict).length;
      expect(strictObligations(results)).toBeGreaterThanOrEqual(strict);
      const misses = livenessMisses(results);
      if (misses.length) console.error(misses.slice(0, 20).join("\n"));
      expect(misses, misses[0]).toEqual([]);
    });
  });
}

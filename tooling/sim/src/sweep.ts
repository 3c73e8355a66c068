// Running many seeds of the schedules (tests and the sim:failover script share this): safety and
// convergence failures are collected with their replay commands, results kept for the liveness
// check and the failover-time table.
import { SimFailure } from "./fault-run.js";
import { runScenario, type ScenarioResult } from "./schedules.js";

/** SHOAL_SIM_SEEDS=<n> multiplies every group's seeds (SHOAL_TEST_SIM_SEEDS through turbo). */
export function seedMultiplier(): number {
  return Math.max(
    1,
    Number(process.env.SHOAL_SIM_SEEDS ?? process.env.SHOAL_TEST_SIM_SEEDS ?? "1") || 1,
  );
}

/** `<scenario>:<seed>` from SHOAL_SIM_REPLAY, or null. */
export function replayTarget(
  value = process.env.SHOAL_SIM_REPLAY,
): { scenario: string; seed: number } | null {
  if (!value) return null;
  const m = /^(.+):(\d+)$/.exec(value.trim());
  if (!m)
    throw new Error(`SHOAL_SIM_REPLAY=${value}: expected <scenario>:<seed>, e.g. kill-3x1:42`);
  return { scenario: m[1]!, seed: Number(m[2]) };
}

export interface SweepOutcome {
  results: ScenarioResult[];
  /** Failure messages (each names its seed and replay command). */
  failures: string[];
}

/** Runs seeds 1..n of a scenario; stops after `maxFailures` failures. */
export function sweep(scenario: string, seeds: number, maxFailures = 3): SweepOutcome {
  const out: SweepOutcome = { results: [], failures: [] };
  for (let seed = 1; seed <= seeds; seed++) {
    try {
      out.results.push(runScenario(scenario, seed));
    } catch (err) {
      if (err instanceof SimFailure) out.failures.push(err.message);
      else
        out.failures.push(
          `${scenario}:${seed}: ${(err as Error)?.stack ?? String(err)}\n  replay: SHOAL_SIM_REPLAY=${scenario}:${seed} npx pnpm exec vitest run tooling/sim -t replay`,
        );
      if (out.failures.length >= maxFailures) break;
    }
  }
  return out;
}

/** Liveness misses of strict runs (nothing else happened while the failover was due). */
export function livenessMisses(results: readonly ScenarioResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (!r.strict) continue;
    for (const o of r.obligations)
      if (o.status === "missed" || o.status === "open")
        out.push(
          `${r.scenario}:${r.seed}: master n${o.master.index} (${o.cause}) not replaced within the bound: promotion ${o.promotedAt === null ? "never" : `${Math.round(o.promotedAt - o.createdAt)} ms`}, ok everywhere ${o.okAt === null ? "never" : `${Math.round(o.okAt - o.createdAt)} ms`} — replay: SHOAL_SIM_REPLAY=${r.scenario}:${r.seed} npx pnpm exec vitest run tooling/sim -t replay`,
        );
  }
  return out;
}

/** Obligations checked in strict runs (must be > 0: a liveness check must not pass vacuously). */
export function strictObligations(results: readonly ScenarioResult[]): number {
  return results.filter((r) => r.strict).reduce((a, r) => a + r.obligations.length, 0);
}

// Failover-time distributions for the report: per scenario, the virtual ms from the fault to the
// winning replica's promotion and to every survivor being ok with the old master's slots served.
import type { ScenarioResult } from "./schedules.js";

export interface Distribution {
  n: number;
  median: number;
  p90: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    v.length ? v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)]! : NaN;
  return { n: v.length, median: at(0.5), p90: at(0.9), max: v.length ? v[v.length - 1]! : NaN };
}

export interface FailoverRow {
  scenario: string;
  /** Obligations that had to be met (strict runs) or were not waived (chaos). */
  checked: number;
  misses: number;
  waived: number;
  promote: Distribution;
  ok: Distribution;
}

/** One row per scenario (seeds pooled). */
export function failoverRows(results: readonly ScenarioResult[]): FailoverRow[] {
  const by = new Map<string, ScenarioResult[]>();
  for (const r of results) {
    const list = by.get(r.scenario) ?? [];
    list.push(r);
    by.set(r.scenario, list);
  }
  return [...by].map(([scenario, list]) => {
    const all = list.flatMap((r) => r.obligations);
    const met = all.filter((o) => o.status === "met");
    return {
      scenario,
      checked: all.filter((o) => o.status !== "waived").length,
      misses: all.filter((o) => o.status === "missed" || o.status === "open").length,
      waived: all.filter((o) => o.status === "waived").length,
      promote: distribution(met.map((o) => o.promotedAt! - o.createdAt)),
      ok: distribution(met.map((o) => o.okAt! - o.createdAt)),
    };
  });
}

const ms = (x: number) => (Number.isNaN(x) ? "-" : `${Math.round(x)}`);

/** A fixed-width table (virtual ms). */
export function failoverTable(rows: readonly FailoverRow[]): string {
  const head = [
    "scenario",
    "failovers",
    "misses",
    "waived",
    "promote p50/p90/max",
    "all ok p50/p90/max",
  ];
  const body = rows.map((r) => [
    r.scenario,
    String(r.checked),
    String(r.misses),
    String(r.waived),
    `${ms(r.promote.median)} / ${ms(r.promote.p90)} / ${ms(r.promote.max)}`,
    `${ms(r.ok.median)} / ${ms(r.ok.p90)} / ${ms(r.ok.max)}`,
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join("  ")
      .trimEnd();
  return [line(head), ...body.map(line)].join("\n");
}

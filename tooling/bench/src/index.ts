// Side-by-side benchmarks: Shoal and its competitor run in the same process, interleaved over
// several rounds, and the ratio of their median throughputs is printed. Medians over rounds,
// because one tinybench run on a shared 2-core machine varies by more than the effects we measure.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Bench } from "tinybench";

export interface Contender {
  name: string;
  /** One operation (or one batch, see `opsPerCall`). */
  fn: () => unknown;
}

export interface CompareOptions {
  /** Operations performed by one call of `fn` (e.g. keys hashed per call). Default 1. */
  opsPerCall?: number;
  /** Bytes processed by one call, to print MB/s. */
  bytesPerCall?: number;
  /** Rounds of (shoal, competitors...) runs; the median is reported. Default 5. */
  rounds?: number;
  /** Milliseconds per task per round. Default 300. */
  time?: number;
}

export interface CompareResult {
  case: string;
  results: { name: string; opsPerSec: number; mbPerSec?: number }[];
  /** shoal ÷ each competitor, by competitor name. */
  ratios: Record<string, number>;
}

const allResults: CompareResult[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function fmt(n: number): string {
  return n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e3
      ? `${(n / 1e3).toFixed(1)}k`
      : n.toFixed(1);
}

/**
 * Benchmarks `shoal` against each competitor and prints a block like
 *   keySlot(string) — shoal 21.3M ops/s, cluster-key-slot 12.9M ops/s, ratio shoal/cluster-key-slot: 1.65x
 */
export async function compare(
  caseName: string,
  shoal: Contender,
  competitors: Contender[],
  opts: CompareOptions = {},
): Promise<CompareResult> {
  const opsPerCall = opts.opsPerCall ?? 1;
  const rounds = opts.rounds ?? 5;
  const all = [shoal, ...competitors];
  const samples = new Map<string, number[]>(all.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    // Alternate the order each round so neither side always runs on a warmer or cooler machine.
    const order = r % 2 === 0 ? all : [...all].reverse();
    for (const c of order) {
      const bench = new Bench({ time: opts.time ?? 300, warmupTime: 50 });
      bench.add(c.name, c.fn);
      await bench.run();
      const task = bench.tasks[0]!;
      const hz =
        (task.result as { throughput?: { mean: number } } | undefined)?.throughput?.mean ?? 0;
      samples.get(c.name)!.push(hz * opsPerCall);
    }
  }
  const results = all.map((c) => {
    const opsPerSec = median(samples.get(c.name)!);
    const mbPerSec =
      opts.bytesPerCall !== undefined
        ? ((opsPerSec / opsPerCall) * opts.bytesPerCall) / 1e6
        : undefined;
    return { name: c.name, opsPerSec, ...(mbPerSec !== undefined ? { mbPerSec } : {}) };
  });
  const ratios: Record<string, number> = {};
  const base = results[0]!.opsPerSec;
  for (const r of results.slice(1))
    ratios[r.name] = r.opsPerSec > 0 ? base / r.opsPerSec : Number.NaN;
  const line = results
    .map(
      (r) =>
        `${r.name} ${fmt(r.opsPerSec)} ops/s${r.mbPerSec !== undefined ? ` (${r.mbPerSec.toFixed(1)} MB/s)` : ""}`,
    )
    .join(", ");
  console.log(`\n${caseName}\n  ${line}`);
  for (const [name, ratio] of Object.entries(ratios)) {
    console.log(`  ratio ${shoal.name}/${name}: ${ratio.toFixed(2)}x`);
  }
  const result = { case: caseName, results, ratios };
  allResults.push(result);
  return result;
}

/** Writes every comparison made so far to bench-results/<name>.json at the workspace root. */
export function writeResults(name: string, root = process.cwd()): string {
  const dir = path.join(root, "bench-results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ name, date: new Date().toISOString(), node: process.version, results: allResults }, null, 2)}\n`,
  );
  return file;
}

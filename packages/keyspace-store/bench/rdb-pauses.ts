// How long an asynchronous RDB save (BGSAVE, a full sync) keeps the event loop from other work:
// the longest gap between two ticks of a 1 ms interval timer, and monitorEventLoopDelay's max,
// while ks.rdbSnapshot() runs with the server's chunking (256 keys / 64 KiB). The keyspace holds
// small strings and one big key of each collection type (the case a per-key writer can't cut).
// Run alone: `npx tsx --conditions=@shoal/source bench/rdb-pauses.ts` (SHOAL_BENCH_BIG changes the
// 1M elements per big key).
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { Keyspace } from "../src/keyspace.js";
import { ZSet } from "../src/types/zset.js";
import { Denque } from "../src/value.js";

const BIG = Number(process.env.SHOAL_BENCH_BIG ?? 1_000_000);

function build(big: number): Keyspace {
  const ks = new Keyspace({ databases: 1 });
  const db = ks.db(0);
  for (let i = 0; i < 200_000; i++) db.add(`key:${i}`, `value:${i}`);
  if (big === 0) return ks;
  const h = new Map<string, string>();
  for (let i = 0; i < big; i++) h.set(`field:${i}`, `v${i}`);
  db.add("big:hash", h);
  const l = new Denque<string>();
  for (let i = 0; i < big; i++) l.push(`element:${i}`);
  db.add("big:list", l);
  const s = new Set<string>();
  for (let i = 0; i < big; i++) s.add(`member:${i}`);
  db.add("big:set", s);
  const z = new ZSet();
  for (let i = 0; i < big; i++) z.add(`member:${i}`, i * 1.5);
  db.add("big:zset", z);
  return ks;
}

const opts = { batchKeys: 256, batchBytes: 64 * 1024 };

/** The async save as the server runs it: a 1 ms timer's longest gap, the loop delay's max. */
async function asyncGaps(ks: Keyspace): Promise<{ ms: number; gap: number; delay: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20));
  gap = 0;
  h.enable();
  const t = performance.now();
  let bytes = 0;
  for await (const c of ks.rdbSnapshot(opts)) bytes += c.length;
  const ms = performance.now() - t;
  h.disable();
  clearInterval(timer);
  if (bytes === 0) throw new Error("empty snapshot");
  return { ms, gap, delay: h.max / 1e6 };
}

// V8's GC pauses, to tell the writer's long chunks from the collector's (a heap of 4M objects).
const gcs: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ["gc"] });

/**
 * The work between two chunks, timed chunk by chunk, sorted; and how many of those over 12 ms
 * had no GC pause of 12 ms or more inside them (the writer's own).
 */
async function chunkTimes(
  ks: Keyspace,
): Promise<{ times: number[]; ownOver: number; cpuMax: number }> {
  const times: number[] = [];
  const long: [number, number][] = [];
  let cpuMax = 0;
  gcs.length = 0;
  const it = ks.rdbSnapshotSync(opts)[Symbol.iterator]();
  for (;;) {
    const t = performance.now();
    const c = process.cpuUsage();
    const r = it.next();
    const e = performance.now();
    // CPU time (all threads, GC helpers included) tells the work from time the OS gave others.
    const u = process.cpuUsage(c);
    cpuMax = Math.max(cpuMax, (u.user + u.system) / 1000);
    times.push(e - t);
    if (e - t > 12) long.push([t, e]);
    if (r.done) break;
  }
  await new Promise((r) => setTimeout(r, 10)); // GC entries arrive asynchronously
  const ownOver = long.filter(
    ([t, e]) => !gcs.some(([gs, ge]) => gs < e && ge > t && ge - gs >= 12),
  ).length;
  return { times: times.sort((a, b) => a - b), ownOver, cpuMax };
}

const pct = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(a.length * p))]!;

for (const big of [0, BIG]) {
  const ks = build(big);
  const what =
    big === 0 ? "200k strings" : `200k strings + 4 keys of ${big} elements (hash, list, set, zset)`;
  for (let round = 1; round <= 2; round++) {
    globalThis.gc?.();
    const { times: c, ownOver, cpuMax } = await chunkTimes(ks);
    const r = await asyncGaps(ks);
    console.log(
      `RDB async save, ${what}, round ${round}: ${r.ms.toFixed(0)} ms; ${c.length} chunks, work per chunk p50 ` +
        `${pct(c, 0.5).toFixed(2)} ms, p99 ${pct(c, 0.99).toFixed(1)} ms, max ${c[c.length - 1]!.toFixed(1)} ms, ` +
        `${c.filter((x) => x > 12).length} over 12 ms (${ownOver} without a GC pause of 12 ms in them), ` +
        `most CPU time in one chunk ${cpuMax.toFixed(1)} ms; ` +
        `async: longest timer gap ${r.gap.toFixed(1)} ms, ` +
        `event-loop delay max ${r.delay.toFixed(1)} ms`,
    );
  }
}

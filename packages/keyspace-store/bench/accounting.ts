// How far the keyspace's running memory accounting (Keyspace.datasetBytes, the dataset part of
// shoal-server's used_memory, which eviction compares with maxmemory) is from what the V8 heap
// really holds for the same keys, measured after a forced full GC so no garbage is counted. Each
// workload runs on a fresh keyspace through the command handlers, as the server runs them; the
// real figure is heapUsed + external after the workload minus before it. Prints one row per
// workload: keys, real bytes, estimated bytes and the error (estimate / real - 1).
// Run: `node --expose-gc --import tsx bench/accounting.ts` (part of the package's bench script).
// Env: SHOAL_BENCH_ACCOUNTING_SCALE (default 1: 200k small strings and proportionate others).
import { commands } from "../src/commands/index.js";
import { TestStore } from "../src/test-kit.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");
const SCALE = Number(process.env.SHOAL_BENCH_ACCOUNTING_SCALE ?? 1);

function heapBytes(): number {
  (gc as () => void)();
  (gc as () => void)();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const n = (x: number) => Math.max(1, Math.round(x * SCALE));
const pad = (i: number, len: number) => `${i}:`.padEnd(len, "x");

/** Workloads: a name and the commands to run, by index. */
const workloads: [string, number, (t: TestStore, i: number) => void][] = [
  ["small strings (SET k:i value:i)", n(200_000), (t, i) => t.run("SET", `k:${i}`, `value:${i}`)],
  ["1 KiB strings", n(30_000), (t, i) => t.run("SET", `k:${i}`, pad(i, 1024))],
  ["16 KiB strings (Buffers)", n(3_000), (t, i) => t.run("SET", `k:${i}`, pad(i, 16384))],
  [
    "small strings, half with a TTL",
    n(150_000),
    (t, i) => t.run("SET", `k:${i}`, `value:${i}`, ...(i % 2 === 0 ? ["EX", "1000"] : [])),
  ],
  [
    "hashes of 20 fields",
    n(10_000),
    (t, i) => {
      const fv: string[] = [];
      for (let f = 0; f < 20; f++) fv.push(`field:${f}`, `value:${i}:${f}`);
      t.run("HSET", `h:${i}`, ...fv);
    },
  ],
  [
    "lists of 50 elements, pushed one by one",
    n(4_000),
    (t, i) => {
      for (let e = 0; e < 50; e++) t.run("RPUSH", `l:${i}`, `element:${e}`);
    },
  ],
  [
    "lists of 1000 elements, pushed 100 at a time",
    n(200),
    (t, i) => {
      for (let e = 0; e < 1000; e += 100)
        t.run("RPUSH", `l:${i}`, ...Array.from({ length: 100 }, (_, k) => `${i}:${e + k}`));
    },
  ],
  // Elements past ELEMENT_INLINE_MAX are Buffers; up to 4 KiB they are slices of Node's 8 KiB
  // pool, and a kept slice keeps its whole slab, shared with the short-lived buffers cut from it
  // between pushes: the heap holds far more than the estimate counts (as it did when every
  // element was a Buffer).
  [
    "lists of 20 elements of 1 KiB (Buffers)",
    n(1_500),
    (t, i) => {
      for (let e = 0; e < 20; e++) t.run("RPUSH", `l:${i}`, pad(e, 1024));
    },
  ],
  [
    "sets of 50 members",
    n(5_000),
    (t, i) => {
      const m: string[] = [];
      for (let e = 0; e < 50; e++) m.push(`member:${i}:${e}`);
      t.run("SADD", `s:${i}`, ...m);
    },
  ],
  [
    "sorted sets of 50 members",
    n(5_000),
    (t, i) => {
      const m: string[] = [];
      for (let e = 0; e < 50; e++) m.push(String(e * 1.5), `member:${i}:${e}`);
      t.run("ZADD", `z:${i}`, ...m);
    },
  ],
  [
    "mixed writes, then a third deleted and a third overwritten",
    n(60_000),
    (t, i) => {
      const r = i % 6;
      if (r < 3) t.run("SET", `k:${i}`, `value:${i}`);
      else if (r === 3) t.run("HSET", `h:${i}`, "a", "1", "b", "2", "c", String(i));
      else if (r === 4) t.run("RPUSH", `l:${i}`, "a", "b", "c", String(i));
      else t.run("ZADD", `z:${i}`, "1", "a", "2", String(i));
      if (i % 3 === 1 && i >= 6) t.run("DEL", `k:${i - 6}`, `h:${i - 3}`);
      if (i % 3 === 2) t.run("SET", `k:${i - (i % 6)}`, `other:${i}`);
    },
  ],
];

console.log("keyspace accounting vs the V8 heap after a forced GC (node %s)", process.version);
console.log(
  `${"workload".padEnd(60)} ${"keys".padStart(8)} ${"real B".padStart(12)} ${"estimate B".padStart(12)} ${"error".padStart(7)}`,
);
for (const [name, count, step] of workloads) {
  let t: TestStore | null = new TestStore(commands, { databases: 1 });
  const before = heapBytes();
  for (let i = 0; i < count; i++) step(t, i);
  const real = heapBytes() - before;
  const est = t.keyspace.datasetBytes();
  const keys = t.keyspace.db(0).size;
  console.log(
    `${name.padEnd(60)} ${String(keys).padStart(8)} ${String(real).padStart(12)} ${String(est).padStart(12)} ${`${(((est - real) / real) * 100).toFixed(1)}%`.padStart(7)}`,
  );
  t = null;
}

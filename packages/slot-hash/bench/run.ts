// Keys per second of @shoal/slot-hash against cluster-key-slot, side by side in one process:
// string keys, Buffer keys, and keys as (start, end) ranges of one read buffer. Each call hashes
// a batch of pre-generated keys so the per-call cost of the harness does not dominate.
import { compare, writeResults } from "@shoal/bench";
import { keySlotBytes, keySlotRange, keySlotString } from "../src/index.js";
import {
  competitorBuffers,
  competitorRanges,
  competitorStrings,
} from "./adapters/cluster-key-slot.js";

const BATCH = 1000;

// A deterministic generator (mulberry32), so every run hashes the same keys.
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
const id = () => Math.floor(random() * 1e7).toString(36);

// Shapes seen in application keyspaces: prefixed ids, hash-tagged groups, redis-benchmark's
// key:{tag}:__rand_int__, and a few non-ASCII names.
function makeKey(): string {
  const r = random();
  if (r < 0.5)
    return `${pick(["user", "session", "cart", "order"])}:${id()}:${pick(["profile", "items", "ttl", "v2"])}`;
  if (r < 0.7) return `{user${id()}}.${pick(["following", "followers", "inbox"])}`;
  if (r < 0.85) return `key:{tag}:${String(Math.floor(random() * 1e12)).padStart(12, "0")}`;
  if (r < 0.95) return id();
  return `${pick(["café", "naïve", "日本", "emoji😀"])}:${id()}`;
}

const strings = Array.from({ length: BATCH }, makeKey);
const buffers = strings.map((s) => Buffer.from(s, "utf8"));
const totalBytes = buffers.reduce((n, b) => n + b.length, 0);
// One arena with every key back to back, plus their bounds, as a RESP decoder would yield them.
const arena = Buffer.concat(buffers);
const bounds = new Int32Array(BATCH * 2);
for (let i = 0, off = 0; i < BATCH; i++) {
  bounds[2 * i] = off;
  off += buffers[i]!.length;
  bounds[2 * i + 1] = off;
}

function shoalStrings(keys: string[]): number {
  let sum = 0;
  for (let i = 0; i < keys.length; i++) sum += keySlotString(keys[i]!);
  return sum;
}
function shoalBuffers(keys: Buffer[]): number {
  let sum = 0;
  for (let i = 0; i < keys.length; i++) sum += keySlotBytes(keys[i]!);
  return sum;
}
function shoalRanges(buf: Buffer, b: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += keySlotRange(buf, b[i]!, b[i + 1]!);
  return sum;
}

// Both sides must agree on these keys, or the comparison would be meaningless.
if (shoalStrings(strings) !== competitorStrings(strings))
  throw new Error("string slots disagree with cluster-key-slot");
if (shoalBuffers(buffers) !== competitorBuffers(buffers))
  throw new Error("Buffer slots disagree with cluster-key-slot");
if (shoalRanges(arena, bounds) !== competitorRanges(arena, bounds))
  throw new Error("range slots disagree with cluster-key-slot");

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const opts = { opsPerCall: BATCH, bytesPerCall: totalBytes, rounds };
console.log(
  `${BATCH} keys per call, ${(totalBytes / BATCH).toFixed(1)} bytes per key on average, median of ${rounds} rounds`,
);

let sink = 0;
await compare(
  "keySlot(string)",
  { name: "shoal", fn: () => (sink ^= shoalStrings(strings)) },
  [{ name: "cluster-key-slot", fn: () => (sink ^= competitorStrings(strings)) }],
  opts,
);
await compare(
  "keySlot(Buffer)",
  { name: "shoal", fn: () => (sink ^= shoalBuffers(buffers)) },
  [{ name: "cluster-key-slot", fn: () => (sink ^= competitorBuffers(buffers)) }],
  opts,
);
await compare(
  "keySlotRange(buffer, start, end) vs cluster-key-slot(buffer.subarray(start, end))",
  { name: "shoal", fn: () => (sink ^= shoalRanges(arena, bounds)) },
  [{ name: "cluster-key-slot", fn: () => (sink ^= competitorRanges(arena, bounds)) }],
  opts,
);
if (sink === 0.5) console.log(sink); // Keeps the results observable so nothing is optimised away.
console.log(
  `\nresults: ${writeResults("slot-hash", new URL("../../..", import.meta.url).pathname)}`,
);

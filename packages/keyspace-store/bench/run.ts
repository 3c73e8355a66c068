// `pnpm bench`: throughput of the hot commands run directly on the store (no sockets: the
// handler, the CommandArgs view and a reply writer that discards), and memory per key next to
// real redis-server 7.0.15 (`INFO memory` used_memory) for the same workload:
//   - 1M small strings (SET key:N value:N)
//   - one sorted set of 1M members (ZADD z N member:N)
//   - one stream of 1M entries (XADD s * f v), and one of 1M entries with four small fields:
//     memory per stream entry
// Commands whose family is not in the table yet are skipped. SHOAL_BENCH_KEYS overrides 1M;
// SHOAL_BENCH_ONLY (a regular expression) keeps only the throughput cases and memory workloads
// whose names match.
import net from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { compare, writeResults } from "@shoal/bench";
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { hasRedis, startRedisServer } from "@shoal/test-utils";
import type { CommandContext, CommandSpec } from "../src/command-types.js";
import { commands } from "../src/commands/index.js";
import { Keyspace } from "../src/keyspace.js";
import { keyMemoryUsage } from "../src/memory.js";
import { ArrayArgs } from "../src/test-kit.js";
import { rdbBench } from "./rdb.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const N = Number(process.env.SHOAL_BENCH_KEYS ?? 1_000_000);
const ONLY = new RegExp(process.env.SHOAL_BENCH_ONLY ?? "");

// ---- A minimal server loop around the store ----------------------------------------------------

class NullWriter implements ReplyWriter {
  readonly resp = 2 as const;
  ok(): void {}
  simple(): void {}
  error(msg: string): void {
    throw new Error(`bench command failed: ${msg}`);
  }
  integer(): void {}
  bulk(): void {}
  bulkLatin1(): void {}
  bulkSlice(): void {}
  nullBulk(): void {}
  nullArray(): void {}
  array(): void {}
  map(): void {}
  set(): void {}
  push(): void {}
  double(): void {}
  bool(): void {}
  verbatim(): void {}
  bigNumber(): void {}
  raw(): void {}
}

const table = new Map<string, CommandSpec>(commands.map((c) => [c.name, c]));
const ks = new Keyspace({ databases: 1 });
const noop = () => {};
const ctx: CommandContext = {
  keyspace: ks,
  db: ks.db(0),
  dbIndex: 0,
  now: Date.now(),
  canBlock: false,
  propagateSelf: noop,
  propagate: noop,
  addDirty: noop,
  block: noop,
};
const writer = new NullWriter();

/** A runner for `name`, or null when the command is not in the table (family not merged yet). */
function runner(name: string): ((args: CommandArgs) => void) | null {
  const h = table.get(name)?.handler;
  return h ? (args) => h(ctx, args, writer) : null;
}
const argv = (...xs: string[]) => new ArrayArgs(xs.map((x) => Buffer.from(x, "latin1")));

// ---- Throughput ----------------------------------------------------------------------------

const BATCH = 1000;
const keys = Array.from({ length: BATCH }, (_, i) => `key:${i}`);
const cases: [string, () => void][] = [];
const set = runner("set");
const get = runner("get");
const incr = runner("incr");
const lpush = runner("lpush");
const rpop = runner("rpop");
const hset = runner("hset");
const zadd = runner("zadd");
const zrange = runner("zrange");

if (set) {
  const a = keys.map((k) => argv("SET", k, "value"));
  cases.push(["SET", () => a.forEach(set)]);
}
if (get) {
  const a = keys.map((k) => argv("GET", k));
  cases.push(["GET", () => a.forEach(get)]);
}
if (incr) {
  const a = keys.map((_, i) => argv("INCR", `ctr:${i}`));
  cases.push(["INCR", () => a.forEach(incr)]);
}
if (lpush && rpop) {
  const p = keys.map((_, i) => argv("LPUSH", `list:${i % 10}`, "element"));
  const q = keys.map((_, i) => argv("RPOP", `list:${i % 10}`));
  cases.push(["LPUSH", () => p.forEach(lpush)]);
  cases.push(["RPOP", () => q.forEach(rpop)]);
} else console.log("LPUSH/RPOP: list commands not in the table yet, skipped");
if (hset) {
  const a = keys.map((_, i) => argv("HSET", `hash:${i % 10}`, `field:${i}`, "value"));
  cases.push(["HSET", () => a.forEach(hset)]);
} else console.log("HSET: hash commands not in the table yet, skipped");
if (zadd && zrange) {
  const a = keys.map((_, i) => argv("ZADD", "zbench", String(i % 997), `member:${i}`));
  for (const x of a) zadd(x);
  const r = keys.map((_, i) => argv("ZRANGE", "zbench", String(i % 900), String((i % 900) + 9)));
  cases.push(["ZADD", () => a.forEach(zadd)]);
  cases.push(["ZRANGE (10 members)", () => r.forEach(zrange)]);
} else console.log("ZADD/ZRANGE: sorted-set commands not in the table yet, skipped");

{
  const xadd = runner("xadd");
  const xreadgroup = runner("xreadgroup");
  const xack = runner("xack");
  const xrange = runner("xrange");
  // Bounded, so that the stream stays the same size however many rounds tinybench runs.
  const a = keys.map((_, i) => argv("XADD", "xbench", "MAXLEN", "~", "100000", "*", "f", `${i}`));
  cases.push(["XADD (* f v, MAXLEN ~ 100000)", () => a.forEach(xadd!)]);
  // XREADGROUP COUNT 10 and the XACK of the ten IDs it delivered, over a stream of 1M entries
  // with explicit IDs 1-1..1-1000000; the group starts over at its end.
  const total = 1_000_000;
  for (let i = 1; i <= total; i++)
    xadd!(argv("XADD", "xgroups", `1-${i}`, "name", "alice", "ts", `${i}`));
  const create = table.get("xgroup")?.subcommands?.find((c) => c.name === "xgroup|create");
  create?.handler?.(ctx, argv("XGROUP", "CREATE", "xgroups", "g", "0"), writer);
  const setid = table.get("xgroup")?.subcommands?.find((c) => c.name === "xgroup|setid");
  const read = argv("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "xgroups", ">");
  const restart = argv("XGROUP", "SETID", "xgroups", "g", "0");
  const acks = Array.from({ length: total / 10 }, (_, k) =>
    argv("XACK", "xgroups", "g", ...Array.from({ length: 10 }, (_, j) => `1-${k * 10 + j + 1}`)),
  );
  let next = 0;
  cases.push([
    "XREADGROUP COUNT 10 + XACK of the 10 IDs",
    () => {
      for (let b = 0; b < BATCH; b++) {
        if (next === acks.length) {
          setid?.handler?.(ctx, restart, writer);
          next = 0;
        }
        xreadgroup!(read);
        xack!(acks[next++] as CommandArgs);
      }
    },
  ]);
  const r = keys.map((_, i) => argv("XRANGE", "xgroups", `1-${i * 997 + 1}`, "+", "COUNT", "10"));
  cases.push(["XRANGE (10 entries from an ID)", () => r.forEach(xrange!)]);
}

for (const [name, fn] of cases.filter(([name]) => ONLY.test(name)))
  await compare(`${name} (direct on the store)`, { name: "shoal", fn }, [], {
    opsPerCall: BATCH,
    rounds: 3,
    time: 300,
  });

// ---- Memory per key ------------------------------------------------------------------------

function heap(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Heap growth per command, and MEMORY USAGE of `key` (SAMPLES 0) when given. */
function shoalBytesPerKey(
  fill: (ks: Keyspace) => void,
  slotIndex = false,
  key?: string,
): { heap: number; usage: number } {
  const k = new Keyspace({ databases: 1, slotIndex });
  const before = heap();
  fill(k);
  const after = heap();
  const per = (after - before) / N;
  if (k.db(0).size === 0) throw new Error("nothing was stored");
  const v = key === undefined ? undefined : k.db(0).dict.get(key);
  return { heap: per, usage: v === undefined ? 0 : keyMemoryUsage(key as string, v, false, 0) };
}

function viaCommands(ks2: Keyspace, name: string, make: (i: number) => string[]): void {
  const h = table.get(name)?.handler;
  if (!h) throw new Error(`${name} not in the table`);
  const c2: CommandContext = { ...ctx, keyspace: ks2, db: ks2.db(0) };
  for (let i = 0; i < N; i++) h(c2, argv(...make(i)), writer);
}

/**
 * Sends `n` RESP commands pipelined in batches and waits for all replies (counted by line ends:
 * only for commands with one-line replies).
 */
async function pipeline(port: number, make: (i: number) => string[], n = N): Promise<void> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  await new Promise<void>((r) => sock.once("connect", () => r()));
  let replies = 0;
  let waiting: (() => void) | null = null;
  let want = 0;
  sock.on("data", (d: Buffer) => {
    for (const b of d) if (b === 10) replies++;
    if (waiting && replies >= want) waiting();
  });
  const STEP = 10_000;
  for (let i = 0; i < n; i += STEP) {
    let s = "";
    for (let j = i; j < Math.min(n, i + STEP); j++) {
      const a = make(j);
      s += `*${a.length}\r\n`;
      for (const x of a) s += `$${Buffer.byteLength(x)}\r\n${x}\r\n`;
    }
    want = Math.min(n, i + STEP);
    await new Promise<void>((r) => {
      waiting = r;
      sock.write(s);
      if (replies >= want) r();
    });
  }
  sock.destroy();
}

/** MEMORY USAGE <key> SAMPLES 0 on a server. */
async function memoryUsage(port: number, key: string): Promise<number> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  const text = await new Promise<string>((resolve) => {
    sock.on("data", (d) => resolve(d.toString()));
    sock.write(`MEMORY USAGE ${key} SAMPLES 0\r\n`);
  });
  sock.destroy();
  return Number(/:(\d+)/.exec(text)?.[1]);
}

async function usedMemory(port: number): Promise<number> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  const text = await new Promise<string>((resolve) => {
    let b = "";
    sock.on("data", (d) => {
      b += d.toString();
      if (b.includes("used_memory_peak:")) resolve(b);
    });
    sock.write("INFO memory\r\n");
  });
  sock.destroy();
  return Number(/used_memory:(\d+)/.exec(text)?.[1]);
}

const workloads: {
  name: string;
  cmd: string;
  make: (i: number) => string[];
  cluster?: boolean;
  /** What one command adds: a key, or an entry of one stream. */
  unit?: string;
  /** The one key the workload fills: MEMORY USAGE <key> SAMPLES 0 is printed for both too. */
  key?: string;
}[] = [
  { name: `${N} small strings`, cmd: "set", make: (i) => ["SET", `key:${i}`, `value:${i}`] },
  {
    name: `${N} small strings, cluster mode (per-slot key index on both sides)`,
    cmd: "set",
    make: (i) => ["SET", `key:${i}`, `value:${i}`],
    cluster: true,
  },
  {
    name: `one sorted set of ${N} members`,
    cmd: "zadd",
    make: (i) => ["ZADD", "z", String(i), `member:${i}`],
  },
  {
    name: `one stream of ${N} entries (XADD s * f v)`,
    cmd: "xadd",
    unit: "entry",
    key: "s",
    make: () => ["XADD", "s", "*", "f", "v"],
  },
  {
    name: `one stream of ${N} entries (XADD s * name alice ts <n> status ok n <n>)`,
    cmd: "xadd",
    unit: "entry",
    key: "s",
    make: (i) => ["XADD", "s", "*", "name", "alice", "ts", `${i}`, "status", "ok", "n", `${i}`],
  },
];

/** A one-node Redis cluster serving every slot, so plain SETs are accepted. */
async function startClusterRedis() {
  const r = await startRedisServer({ args: ["--cluster-enabled", "yes"] });
  await pipeline(r.port, () => ["CLUSTER", "ADDSLOTSRANGE", "0", "16383"], 1);
  for (let i = 0; i < 200; i++) {
    const sock = net.connect({ port: r.port, host: "127.0.0.1" });
    const info = await new Promise<string>((resolve) => {
      sock.on("data", (d) => resolve(d.toString()));
      sock.write("CLUSTER INFO\r\n");
    });
    sock.destroy();
    if (info.includes("cluster_state:ok")) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error("the one-node cluster never reached cluster_state:ok");
}

for (const w of workloads.filter((x) => ONLY.test(x.name))) {
  if (!table.get(w.cmd)?.handler) {
    console.log(`\nmemory, ${w.name}: ${w.cmd.toUpperCase()} not in the table yet, skipped`);
    continue;
  }
  const measured = shoalBytesPerKey(
    (k) => viaCommands(k, w.cmd, w.make),
    w.cluster ?? false,
    w.key,
  );
  const shoal = measured.heap;
  const unit = `B/${w.unit ?? "key"}`;
  let line = `\nmemory, ${w.name}\n  shoal ${shoal.toFixed(1)} ${unit}`;
  let usage = w.key === undefined ? "" : `  MEMORY USAGE: shoal ${(measured.usage / N).toFixed(1)}`;
  if (hasRedis()) {
    const redis = w.cluster ? await startClusterRedis() : await startRedisServer();
    try {
      const before = await usedMemory(redis.port);
      await pipeline(redis.port, w.make);
      const after = await usedMemory(redis.port);
      const r = (after - before) / N;
      line += `, redis-server 7.0.15 ${r.toFixed(1)} ${unit}\n  ratio shoal/redis: ${(shoal / r).toFixed(2)}x`;
      if (w.key !== undefined)
        usage += `, redis-server ${((await memoryUsage(redis.port, w.key)) / N).toFixed(1)} ${unit}`;
    } finally {
      await redis.stop();
    }
  } else line += " (redis-server not installed: no comparison)";
  console.log(line);
  if (usage) console.log(usage);
}

// ---- RDB snapshot throughput of small strings (mixed keys against Redis: bench/rdb.ts) ---------

if (ONLY.test("RDB snapshot")) {
  const src = new Keyspace({ databases: 1 });
  for (let i = 0; i < N; i++) src.db(0).add(`key:${i}`, `value:${i}`); // as SET stores them
  gc(); // the garbage of the memory runs above is not the snapshot's cost
  let t = performance.now();
  let worst = 0;
  let last = t;
  const chunks: Uint8Array[] = [];
  for (const c of src.rdbSnapshotSync()) {
    chunks.push(c);
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }
  const ms = performance.now() - t;
  const mb = chunks.reduce((a, c) => a + c.length, 0) / 1e6;
  t = performance.now();
  new Keyspace({ databases: 1 }).loadRdb(chunks);
  const loadMs = performance.now() - t;
  console.log(
    `\nRDB snapshot of ${N} small strings: ${ms.toFixed(0)} ms (${(mb / (ms / 1000)).toFixed(0)} MB/s, ` +
      `${chunks.length} chunks, longest pause ${worst.toFixed(1)} ms incl. the capture); load ${loadMs.toFixed(0)} ms`,
  );
}

if (ONLY.test("RDB snapshot")) await rdbBench();

console.log(`\nresults: ${writeResults("keyspace-store")}`);

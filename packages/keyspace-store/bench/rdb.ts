// RDB throughput next to redis-server 7.0.15 in the same run (part of `pnpm bench`; also runs
// alone: `tsx bench/rdb.ts`). One dataset of N mixed keys is built in Redis (70% strings, 10%
// hashes, 10% lists, 5% sets, 5% sorted sets, 10% with a TTL), SAVEd by Redis, and:
//   - load: Shoal reads Redis's dump.rdb (loadRdb) vs Redis's DEBUG RELOAD NOSAVE of the same file;
//   - save: Shoal writes the loaded keyspace (rdbSnapshotSync; and the event-loop-friendly
//     rdbSnapshot, for its longest pause) vs Redis's SAVE (no fork, the same work);
//   - DUMP and RESTORE per second: directly on values for Shoal, pipelined over loopback for
//     Redis (which then includes its protocol work: an upper bound for the store's share).
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { hasRedis, startRedisServer } from "@shoal/test-utils";
import { dumpValue, restoreValue } from "../src/dump.js";
import { Keyspace } from "../src/keyspace.js";
import type { Value } from "../src/value.js";
import { replyLength } from "../test/redis-oracle.js";

const N = Number(process.env.SHOAL_BENCH_KEYS ?? 1_000_000);

function commandFor(i: number): string[][] {
  const r = i % 20;
  const cmds: string[][] =
    r < 14
      ? [
          [
            "SET",
            `str:${i}`,
            r < 12 ? `value:${i}` : `a longer value that compresses ${"x".repeat(60)}:${i}`,
          ],
        ]
      : r < 16
        ? [["HSET", `hash:${i}`, "name", `user${i}`, "age", String(i % 90), "city", "Lisbon"]]
        : r < 18
          ? [["RPUSH", `list:${i}`, "a", "bb", String(i), "dddd", "e"]]
          : r < 19
            ? [["SADD", `set:${i}`, "1", "2", String(i)]]
            : [["ZADD", `zset:${i}`, "1", "a", "2.5", "b", String(i), "c"]];
  if (i % 10 === 3) cmds.push(["PEXPIRE", cmds[0]![1]!, "36000000"]);
  return cmds;
}

function resp(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

/** Sends the commands pipelined and resolves with the replies (raw), in batches of 10k. */
async function pipelined(port: number, argvs: (string | Buffer)[][]): Promise<Buffer[]> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  await new Promise<void>((r) => sock.once("connect", () => r()));
  const replies: Buffer[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let want = 0;
  let done: (() => void) | null = null;
  sock.on("data", (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    let p = 0;
    for (;;) {
      const n = replyLength(buf, p);
      if (n < 0) break;
      replies.push(buf.subarray(p, p + n));
      p += n;
    }
    buf = buf.subarray(p);
    if (done && replies.length >= want) done();
  });
  for (let i = 0; i < argvs.length; i += 10_000) {
    const parts: Buffer[] = [];
    for (const a of argvs.slice(i, i + 10_000)) {
      parts.push(Buffer.from(`*${a.length}\r\n`));
      for (const x of a) {
        const b: Buffer = typeof x === "string" ? Buffer.from(x) : x;
        parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
      }
    }
    want = Math.min(argvs.length, i + 10_000);
    await new Promise<void>((r) => {
      done = r;
      sock.write(Buffer.concat(parts));
      if (replies.length >= want) r();
    });
  }
  sock.destroy();
  return replies;
}

/**
 * CPU time (ms) redis-server's main thread has run, from /proc/<pid>/schedstat (ns): SAVE and
 * DEBUG RELOAD run there. On a box shared with other work, wall times swing 2-6x between runs
 * with how much of a core each side got; CPU time is the work itself.
 */
function redisCpuMs(pid: number): number {
  return Number(fs.readFileSync(`/proc/${pid}/schedstat`, "latin1").split(" ")[0]) / 1e6;
}

/** Shoal's CPU time (ms), all threads (V8's GC helpers included: counted against Shoal). */
function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wall and redis-server CPU time of one command. */
async function timed(port: number, argv: string[], pid: number): Promise<[number, number]> {
  const c = redisCpuMs(pid);
  const t = performance.now();
  const [r] = await pipelined(port, [argv]);
  if (r![0] === 0x2d) throw new Error(`${argv.join(" ")}: ${r!.toString()}`);
  return [performance.now() - t, redisCpuMs(pid) - c];
}

function bulkBody(r: Buffer): Buffer {
  const nl = r.indexOf("\r\n");
  return r.subarray(nl + 2, r.length - 2);
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const rate = (n: number, ms: number) => `${(((n / ms) * 1000) / 1000).toFixed(0)}k/s`;

export async function rdbBench(): Promise<void> {
  if (!hasRedis()) {
    console.log("\nrdb: redis-server not installed: no comparison, skipped");
    return;
  }
  const redis = await startRedisServer({ args: ["--enable-debug-command", "yes"] });
  try {
    // Build the dataset with raw pipelined commands (replies are one line each).
    const sock = net.connect({ port: redis.port, host: "127.0.0.1" });
    await new Promise<void>((r) => sock.once("connect", () => r()));
    let lines = 0;
    let sent = 0;
    let wake: (() => void) | null = null;
    sock.on("data", (d: Buffer) => {
      for (const b of d) if (b === 10) lines++;
      if (wake && lines >= sent) wake();
    });
    for (let i = 0; i < N; i += 20_000) {
      let s = "";
      for (let j = i; j < Math.min(N, i + 20_000); j++)
        for (const c of commandFor(j)) {
          s += resp(c);
          sent++;
        }
      await new Promise<void>((r) => {
        wake = r;
        sock.write(s);
      });
    }
    sock.destroy();

    const pid = redis.process.pid!;
    const [redisSave, redisSaveCpu] = await timed(redis.port, ["SAVE"], pid);
    const file = fs.readFileSync(path.join(redis.dir, "dump.rdb"));
    if (process.env.SHOAL_RDB_KEEP) fs.writeFileSync(process.env.SHOAL_RDB_KEEP, file);
    const [redisLoad, redisLoadCpu] = await timed(redis.port, ["DEBUG", "RELOAD", "NOSAVE"], pid);

    // Three rounds each: the first is what a cold start pays, the best is the warmed-up cost.
    let ks = new Keyspace({ databases: 16 });
    const loads: number[] = [];
    const saves: number[] = [];
    const loadCpu: number[] = [];
    const saveCpu: number[] = [];
    let bytes = 0;
    for (let round = 0; round < 3; round++) {
      ks = new Keyspace({ databases: 16 });
      let t0 = performance.now();
      let c0 = ownCpuMs();
      const loaded = ks.loadRdb(file).loaded;
      loads.push(performance.now() - t0);
      loadCpu.push(ownCpuMs() - c0);
      if (loaded !== N) throw new Error(`loaded ${loaded} keys of ${N}`);
      t0 = performance.now();
      c0 = ownCpuMs();
      bytes = 0;
      for (const c of ks.rdbSnapshotSync()) bytes += c.length;
      saves.push(performance.now() - t0);
      saveCpu.push(ownCpuMs() - c0);
    }
    const shoalLoad = Math.min(...loads);
    const shoalSave = Math.min(...saves);
    const shoalLoadCpu = Math.min(...loadCpu);
    const shoalSaveCpu = Math.min(...saveCpu);
    // The async form, as the server runs it (its chunking: 256 keys / 64 KiB): the longest
    // stretch without yielding, in wall time and in CPU time.
    let worst = 0;
    let worstCpu = 0;
    let last = performance.now();
    let lastCpu = ownCpuMs();
    let t = last;
    for await (const c of ks.rdbSnapshot({ batchKeys: 256, batchBytes: 64 * 1024 })) {
      void c;
      const now = performance.now();
      worst = Math.max(worst, now - last);
      worstCpu = Math.max(worstCpu, ownCpuMs() - lastCpu);
      await new Promise<void>((r) => setImmediate(r));
      last = performance.now();
      lastCpu = ownCpuMs();
    }
    const shoalSaveAsync = performance.now() - t;

    console.log(
      `\nRDB, ${N} mixed keys (file ${(file.length / 1e6).toFixed(1)} MB from Redis, ${(bytes / 1e6).toFixed(1)} MB from Shoal)` +
        `\n  load: shoal ${fmt(shoalLoad)} (cold ${fmt(loads[0]!)}), redis-server 7.0.15 (DEBUG RELOAD NOSAVE) ${fmt(redisLoad)}, ratio shoal/redis time ${(shoalLoad / redisLoad).toFixed(2)}x (cold ${(loads[0]! / redisLoad).toFixed(2)}x)` +
        `\n  save: shoal ${fmt(shoalSave)} (cold ${fmt(saves[0]!)}; async chunked ${fmt(shoalSaveAsync)}, longest pause ${worst.toFixed(1)} ms, ${worstCpu.toFixed(1)} ms of CPU), redis SAVE ${fmt(redisSave)}, ratio shoal/redis time ${(shoalSave / redisSave).toFixed(2)}x (cold ${(saves[0]! / redisSave).toFixed(2)}x)` +
        `\n  CPU time: load shoal ${fmt(shoalLoadCpu)} (cold ${fmt(loadCpu[0]!)}), redis ${fmt(redisLoadCpu)}, ratio ${(shoalLoadCpu / redisLoadCpu).toFixed(2)}x (cold ${(loadCpu[0]! / redisLoadCpu).toFixed(2)}x); ` +
        `save shoal ${fmt(shoalSaveCpu)} (cold ${fmt(saveCpu[0]!)}), redis ${fmt(redisSaveCpu)}, ratio ${(shoalSaveCpu / redisSaveCpu).toFixed(2)}x (cold ${(saveCpu[0]! / redisSaveCpu).toFixed(2)}x)`,
    );

    // DUMP / RESTORE of a 100k-key sample.
    const S = Math.min(N, 100_000);
    const keys: string[] = [];
    const values: Value[] = [];
    const db = ks.db(0);
    for (const [k, v] of db.dict) {
      keys.push(k);
      values.push(v);
      if (keys.length === S) break;
    }
    t = performance.now();
    const payloads = values.map((v) => dumpValue(v));
    const shoalDump = performance.now() - t;
    t = performance.now();
    for (const p of payloads) restoreValue(p);
    const shoalRestore = performance.now() - t;
    t = performance.now();
    const dumps = await pipelined(
      redis.port,
      keys.map((k) => ["DUMP", k]),
    );
    const redisDump = performance.now() - t;
    t = performance.now();
    await pipelined(
      redis.port,
      dumps.map((r, i) => ["RESTORE", `copy:${keys[i]}`, "0", bulkBody(r)]),
    );
    const redisRestore = performance.now() - t;
    console.log(
      `  DUMP ${S} values: shoal ${rate(S, shoalDump)} (on the store), redis ${rate(S, redisDump)} (pipelined), ratio ${(redisDump / shoalDump).toFixed(2)}x` +
        `\n  RESTORE ${S} payloads: shoal ${rate(S, shoalRestore)} (on the store), redis ${rate(S, redisRestore)} (pipelined), ratio ${(redisRestore / shoalRestore).toFixed(2)}x`,
    );
  } finally {
    await redis.stop();
  }
}

if (process.argv[1]?.endsWith("rdb.ts")) await rdbBench();

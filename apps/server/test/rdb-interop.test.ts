// Files that move between Shoal and a real redis-server 7.0.15: dump.rdb both ways, the
// multi-part AOF directory both ways (RDB base and plain base), checked by redis-check-rdb and
// redis-check-aof, compared by DEBUG DIGEST (the same algorithm on both sides). Real processes.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { outputContaining, run, waitFor } from "@shoal/test-utils";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanup,
  connect,
  digest,
  fillEveryType,
  info,
  redisAt,
  shoalAt,
  writeStream,
} from "./rdb-helpers.js";

afterEach(cleanup);

async function waitRewriteDone(r: Redis, rewrites: number): Promise<void> {
  await waitFor(
    async () => {
      const p = await info(r, "persistence");
      return p.aof_rewrite_in_progress === "0" && Number(p.aof_rewrites) >= rewrites;
    },
    { timeout: 20_000, interval: 50, what: "AOF rewrite finished" },
  );
}

describe("dump.rdb between Shoal and redis-server 7.0.15", () => {
  it("Shoal's dump.rdb: redis-check-rdb accepts it and redis-server loads it with an equal digest", async () => {
    for (const opts of [[], ["--rdbcompression", "no", "--rdbchecksum", "no"]]) {
      const s = await shoalAt(opts);
      const c = connect(s.port);
      await fillEveryType(c, 5000);
      const want = await digest(c);
      expect(await c.save()).toBe("OK");
      const file = path.join(s.dir, "dump.rdb");
      const check = await run("redis-check-rdb", [file]);
      expect(check.stdout).toContain("\\o/ RDB looks OK! \\o/");
      expect(check.code).toBe(0);
      // Shoal reads its own file back the same.
      expect(await c.call("DEBUG", "RELOAD")).toBe("OK");
      expect(await digest(c)).toBe(want);
      await s.kill();
      const r = await redisAt([], s.dir);
      const rc = connect(r.port);
      expect(await digest(rc)).toBe(want);
      await r.kill();
    }
  }, 60_000);

  it("redis-server's dump.rdb loads into Shoal with an equal digest", async () => {
    const r = await redisAt();
    const rc = connect(r.port);
    await fillEveryType(rc, 5000);
    const want = await digest(rc);
    await rc.save();
    await r.kill();
    const s = await shoalAt([], r.dir);
    const c = connect(s.port);
    expect(await digest(c)).toBe(want);
    await outputContaining(s, "Loading RDB produced by version 7.0.15");
    await outputContaining(s, /Done loading RDB, keys loaded: \d+, keys expired: 0\./);
    // INFO persistence tells what the load did, as Redis's does; a SAVE is counted.
    // Keys of every database (the fill uses more than db 0), from INFO keyspace.
    const keyspace = String(await c.info("keyspace"));
    const total = [...keyspace.matchAll(/^db\d+:keys=(\d+),/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    const persistence = async () => {
      const out: Record<string, string> = {};
      for (const line of String(await c.info("persistence")).split("\r\n")) {
        const i = line.indexOf(":");
        if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
      }
      return out;
    };
    const before = await persistence();
    expect(total).toBeGreaterThan(5000);
    expect(before.rdb_last_load_keys_loaded).toBe(String(total));
    expect(before.rdb_last_load_keys_expired).toBe("0");
    expect(await c.save()).toBe("OK");
    expect(Number((await persistence()).rdb_saves)).toBe(Number(before.rdb_saves) + 1);
  }, 60_000);

  // rdbSaveKeyValuePair writes a key's idle seconds (IDLE) under an LRU policy and its decayed
  // LFU counter (FREQ) under an LFU policy, nothing otherwise; the loader applies them.
  it("access records: IDLE under an LRU policy, FREQ under LFU, none otherwise, both ways", async () => {
    const cases = [
      { policy: "allkeys-lru", set: "IDLETIME", get: "IDLETIME", values: [5000, 123456] },
      { policy: "volatile-lfu", set: "FREQ", get: "FREQ", values: [77, 255] },
    ];
    /** Keys k0, k1... restored with the access records `values`; their OBJECT <get> after a move. */
    const write = async (r: Redis, set: string, values: number[]) => {
      await r.set("tmp", "v");
      const payload = await r.dumpBuffer("tmp");
      await r.del("tmp");
      for (const [i, v] of values.entries())
        await r.call("RESTORE", `k${i}`, "0", payload, set, String(v));
      expect(await r.save()).toBe("OK");
    };
    const read = (r: Redis, get: string, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => r.call("OBJECT", get, `k${i}`) as Promise<number>),
      );
    // An idle time read after the move may have grown by the seconds the move took.
    const near = (got: number[], want: number[]) =>
      got.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual(want[i]!);
        expect(g).toBeLessThanOrEqual(want[i]! + 5);
      });
    for (const { policy, set, get, values } of cases) {
      // lfu-decay-time 0: the counter does not decay across a minute boundary between the ends.
      const args = ["--maxmemory-policy", policy, "--lfu-decay-time", "0"];
      const s = await shoalAt(args);
      await write(connect(s.port), set, values);
      await s.kill();
      const r = await redisAt(args, s.dir);
      const rc = connect(r.port);
      near(await read(rc, get, values.length), values);
      // And Redis's file, written under the same policy, into Shoal.
      await rc.flushall();
      await write(rc, set, values);
      await r.kill();
      const back = await shoalAt(args, r.dir);
      near(await read(connect(back.port), get, values.length), values);
      await back.kill();
    }
    // Under noeviction neither is written: the keys load as just accessed.
    const s = await shoalAt();
    await write(connect(s.port), "IDLETIME", [5000]);
    await s.kill();
    const r = await redisAt(["--maxmemory-policy", "allkeys-lru"], s.dir);
    expect(await read(connect(r.port), "IDLETIME", 1)).toEqual([0]);
  }, 60_000);

  it("redis-server's dump.rdb with streams (groups, pending entries, tombstones) loads into Shoal and back", async () => {
    const r = await redisAt();
    const rc = connect(r.port);
    await fillEveryType(rc, 200);
    for (let i = 1; i <= 250; i++)
      await rc.xadd("events", `${i}-1`, "a", String(i), "b", "x".repeat(i % 30));
    await rc.xdel("events", "7-1", "120-1");
    await rc.call("XGROUP", "CREATE", "events", "g", "0");
    await rc.call("XGROUP", "CREATE", "events", "late", "$", "ENTRIESREAD", "250");
    await rc.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "20", "STREAMS", "events", ">");
    await rc.call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "5", "STREAMS", "events", ">");
    await rc.call("XACK", "events", "g", "3-1", "4-1");
    await rc.call("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM");
    const want = await digest(rc);
    const info = await rc.call("XINFO", "STREAM", "events", "FULL", "COUNT", "0");
    await rc.save();
    await r.kill();
    const s = await shoalAt([], r.dir);
    const c = connect(s.port);
    expect(await digest(c)).toBe(want);
    expect(await c.call("XINFO", "STREAM", "events", "FULL", "COUNT", "0")).toEqual(info);
    expect(await c.call("TYPE", "empty")).toBe("stream");
    expect(await c.save()).toBe("OK");
    await s.kill();
    const r2 = await redisAt([], s.dir);
    const rc2 = connect(r2.port);
    expect(await digest(rc2)).toBe(want);
    expect(await rc2.call("XINFO", "STREAM", "events", "FULL", "COUNT", "0")).toEqual(info);
    await r2.kill();
  }, 60_000);
});

/** Streams with tombstones, groups, pending entries, an idle consumer and an empty stream. */
async function fillStreams(c: Redis): Promise<void> {
  for (let i = 1; i <= 150; i++)
    await c.xadd("events", `${i}-1`, "a", String(i), "b", "x".repeat(i % 9));
  await c.xdel("events", "150-1", "9-1");
  await c.call("XGROUP", "CREATE", "events", "g", "0");
  await c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "7", "STREAMS", "events", ">");
  await c.call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "STREAMS", "events", ">");
  await c.call("XGROUP", "CREATECONSUMER", "events", "g", "idle");
  await c.call("XACK", "events", "g", "2-1");
  await c.call("XGROUP", "CREATE", "events", "late", "$", "ENTRIESREAD", "149");
  await c.call("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM");
}

/** What must survive: entries, counters, groups and PELs (not idle or seen times). */
async function streamState(c: Redis): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const k of ["events", "empty"]) {
    out.push(await c.call("XINFO", "STREAM", k), await c.call("XINFO", "GROUPS", k));
    out.push(await c.call("XRANGE", k, "-", "+"));
  }
  const pel = (await c.call("XPENDING", "events", "g", "-", "+", "100")) as unknown[][];
  out.push(pel.map(([id, owner, , n]) => [id, owner, n]));
  return out;
}

describe("the multi-part AOF between Shoal and redis-server 7.0.15", () => {
  for (const preamble of ["yes", "no"]) {
    it(`aof-use-rdb-preamble ${preamble}: streams survive a rewrite, in Shoal and in redis-server`, async () => {
      const s = await shoalAt(["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]);
      const c = connect(s.port);
      await fillStreams(c);
      const want = await streamState(c);
      const sum = await digest(c);
      await c.bgrewriteaof();
      await waitRewriteDone(c, 1);
      await s.kill("SIGKILL");
      const s2 = await shoalAt(["--appendonly", "yes"], s.dir);
      expect(await streamState(connect(s2.port))).toEqual(want);
      await s2.kill();
      const r = await redisAt(["--appendonly", "yes"], s.dir);
      const rc = connect(r.port);
      expect(await digest(rc)).toBe(sum);
      expect(await streamState(rc)).toEqual(want);
      await r.kill();
    }, 60_000);

    it(`aof-use-rdb-preamble ${preamble}: manifest as Redis writes it, redis-check-aof accepts it, redis-server starts from it`, async () => {
      const s = await shoalAt([
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--aof-use-rdb-preamble",
        preamble,
      ]);
      const c = connect(s.port);
      const dir = path.join(s.dir, "appendonlydir");
      const ext = preamble === "yes" ? "rdb" : "aof";
      // Start: an empty base and the first increment, as aofOpenIfNeededOnServerStart.
      expect(readFileSync(path.join(dir, "appendonly.aof.manifest"), "latin1")).toBe(
        `file appendonly.aof.1.base.${ext} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n`,
      );
      await fillEveryType(c, 3000);
      await c.bgrewriteaof();
      await writeStream(c, 3000, "during");
      await waitRewriteDone(c, 1);
      await writeStream(c, 3000, "after");
      expect(readFileSync(path.join(dir, "appendonly.aof.manifest"), "latin1")).toBe(
        `file appendonly.aof.2.base.${ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`,
      );
      // The history went, as aofDelHistoryFiles does.
      expect(readdirSync(dir).sort()).toEqual([
        `appendonly.aof.2.base.${ext}`,
        "appendonly.aof.2.incr.aof",
        "appendonly.aof.manifest",
      ]);
      const base = readFileSync(path.join(dir, `appendonly.aof.2.base.${ext}`));
      expect(base.subarray(0, 5).toString("latin1") === "REDIS").toBe(preamble === "yes");
      const want = await digest(c);
      await s.kill("SIGKILL");
      const check = await run("redis-check-aof", [path.join(dir, "appendonly.aof.manifest")]);
      expect(check.stdout).toContain("is valid");
      expect(check.code).toBe(0);
      const r = await redisAt(["--appendonly", "yes"], s.dir);
      expect(await digest(connect(r.port))).toBe(want);
      await r.kill();
      // And Shoal starts from it again (after redis-server, which left it as it was).
      const s2 = await shoalAt(["--appendonly", "yes"], s.dir);
      expect(await digest(connect(s2.port))).toBe(want);
      await outputContaining(s2, `DB loaded from base file appendonly.aof.2.base.${ext}`);
      await outputContaining(s2, "DB loaded from incr file appendonly.aof.2.incr.aof");
    }, 60_000);
  }

  it("Shoal starts from a real redis-server's appendonlydir (RDB base + increments)", async () => {
    const r = await redisAt(["--appendonly", "yes", "--appendfsync", "always"]);
    const rc = connect(r.port);
    await fillEveryType(rc, 3000);
    await rc.bgrewriteaof();
    await waitRewriteDone(rc, 1);
    await writeStream(rc, 3000);
    const want = await digest(rc);
    await r.kill("SIGKILL");
    expect(existsSync(path.join(r.dir, "appendonlydir", "appendonly.aof.2.base.rdb"))).toBe(true);
    const s = await shoalAt(["--appendonly", "yes"], r.dir);
    expect(await digest(connect(s.port))).toBe(want);
  }, 60_000);
});

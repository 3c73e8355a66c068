// maxmemory against real redis-server 7.0.15: OOM refusals byte for byte, what each
// maxmemory-policy evicts (volatile-* with and without TTL keys; LRU, LFU and TTL order on keys
// given their idle time, frequency or TTL through RESTORE/EXPIRE so the order is known), OBJECT
// FREQ sequences with a deterministic counter (lfu-log-factor 0), INFO's eviction fields, the
// `evicted` keyspace event, CONFIG SET maxmemory evicting at once, and replicas: they don't evict
// on their own, and the master's evictions reach them as DELs.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { MAXMEMORY_POLICIES } from "@shoal/keyspace-store";
import { type ServerHandle, startRedisServer, waitFor } from "@shoal/test-utils";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cmd, exchange, shoalAndRedisForSuite } from "./helpers.js";
import { cleanup, connect, info, shoal } from "./replication-helpers.js";

const both = (s: { shoal: ServerHandle; redis: ServerHandle }, payload: string) =>
  Promise.all([exchange(s.shoal.port, payload), exchange(s.redis.port, payload)]);

const script = (...cmds: string[][]) => cmds.map((c) => cmd(...c)).join("");

describe("OOM refusal (noeviction)", () => {
  const s = shoalAndRedisForSuite();

  it("refuses denyoom commands, queued commands and EXEC as Redis does, lets reads and DEL through", async () => {
    const payload = script(
      ["FLUSHALL"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
      ["SET", "a", "1"],
      ["RPUSH", "l", "x"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "b", "1"],
      ["GET", "a"],
      ["INCR", "a"],
      ["APPEND", "a", "x"],
      ["LPUSH", "l", "y"],
      ["LPOP", "l"],
      ["EXPIRE", "a", "100"],
      ["DEL", "a"],
      ["MULTI"],
      ["GET", "l"],
      ["EXEC"],
      ["MULTI"],
      ["DISCARD"],
      ["SET", "c", "1"],
      ["INFO", "nosuchsection"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["SET", "b", "1"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toContain("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(mine).toContain("-EXECABORT Transaction discarded because of previous errors.\r\n");
    expect(mine).toBe(ref);
  });

  it("EXEC of a queue holding a denyoom command is aborted with the OOM reason", async () => {
    const payload = script(
      ["FLUSHALL"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["MULTI"],
      ["SET", "a", "1"],
      ["GET", "a"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["EXEC"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["EXISTS", "a"],
    );
    // CONFIG SET inside MULTI is queued too; run the EXEC from a second connection's view.
    const [mine, ref] = await both(s, payload);
    expect(mine).toBe(ref);
  });
});

describe("what each policy evicts", () => {
  const s = shoalAndRedisForSuite(["--maxmemory-eviction-tenacity", "100"]);

  /** Keys `a` (no TTL) and `t` (TTL), then maxmemory 1: every evictable key goes. */
  const scenario = (policy: string) =>
    script(
      ["CONFIG", "SET", "maxmemory", "0"],
      ["FLUSHALL"],
      ["CONFIG", "RESETSTAT"],
      ["SET", "a", "1"],
      ["SET", "t", "1", "EX", "1000"],
      ["CONFIG", "SET", "maxmemory-policy", policy],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["EXISTS", "a"],
      ["EXISTS", "t"],
      ["SET", "b", "1"],
      ["DBSIZE"],
      ["CONFIG", "SET", "maxmemory", "0"],
    );

  for (const policy of MAXMEMORY_POLICIES) {
    it(`${policy}: with and without TTL keys`, async () => {
      const [mine, ref] = await both(s, scenario(policy));
      expect(mine).toBe(ref);
      const volatile = policy.startsWith("volatile-");
      const evicted = policy === "noeviction" ? 0 : volatile ? 1 : 2;
      const [im, ir] = await both(s, cmd("INFO", "stats"));
      expect(im).toContain(`evicted_keys:${evicted}\r\n`);
      expect(ir).toContain(`evicted_keys:${evicted}\r\n`);
    });
  }

  /** Evicts `n` of the keys by lowering maxmemory from what they use now; returns those left. */
  async function evictSome(r: Redis, keys: string[], n: number): Promise<Set<string>> {
    const used = Number((await info(r, "memory")).used_memory);
    // Lower the cap step by step until n keys went (bytes per key differ between servers).
    let cap = used;
    while ((await r.dbsize()) > keys.length - n) {
      cap -= 512;
      await r.config("SET", "maxmemory", String(cap));
      await r.ping();
    }
    await r.config("SET", "maxmemory", "0");
    const left = new Set<string>();
    for (const k of keys) if ((await r.exists(k)) === 1) left.add(k);
    return left;
  }

  async function orderScenario(
    policy: string,
    setup: (r: Redis, key: string, i: number) => Promise<unknown>,
    cold: (i: number) => boolean,
  ): Promise<void> {
    const wrong: Record<string, number> = {};
    for (const port of [s.shoal.port, s.redis.port]) {
      const who = port === s.shoal.port ? "shoal" : "redis";
      const r = connect(port);
      await r.config("SET", "maxmemory", "0");
      await r.flushall();
      await r.config("SET", "maxmemory-policy", policy);
      await r.config("SET", "lfu-decay-time", "0");
      const keys: string[] = [];
      for (let i = 0; i < 400; i++) {
        const k = `k${i}`;
        keys.push(k);
        await setup(r, k, i);
      }
      const left = await evictSome(r, keys, 100);
      const gone = keys.filter((k) => !left.has(k));
      expect(gone.length, who).toBeGreaterThanOrEqual(100);
      wrong[who] = gone.filter((k) => !cold(Number(k.slice(1)))).length;
      r.disconnect();
    }
    // Sampling is approximate in both (Redis's own picks here miss by 3-25%): the order must
    // show in Redis, and Shoal may miss no more than Redis does, give or take 5 keys.
    expect(wrong.redis, "redis").toBeLessThan(50);
    expect(wrong.shoal, `shoal ${wrong.shoal}, redis ${wrong.redis}`).toBeLessThanOrEqual(
      (wrong.redis ?? 0) + 5,
    );
  }

  /** RESTOREs a 50-byte string under `key` with `opt` (IDLETIME or FREQ) set to `value`. */
  async function restoreWith(r: Redis, key: string, opt: string, value: string): Promise<unknown> {
    await r.set("src", "x".repeat(50));
    const p = (await r.dumpBuffer("src")) as Buffer;
    await r.del("src");
    return r.call("RESTORE", key, "0", p, opt, value);
  }

  it("allkeys-lru evicts the keys idle longest", async () => {
    await orderScenario(
      "allkeys-lru",
      (r, k, i) => restoreWith(r, k, "IDLETIME", i % 2 === 0 ? "100000" : "1"),
      (i) => i % 2 === 0,
    );
  }, 60_000);

  it("allkeys-lfu evicts the keys used least", async () => {
    await orderScenario(
      "allkeys-lfu",
      (r, k, i) => restoreWith(r, k, "FREQ", i % 2 === 0 ? "0" : "200"),
      (i) => i % 2 === 0,
    );
  }, 60_000);

  it("volatile-ttl evicts the keys expiring soonest, and never a key without TTL", async () => {
    await orderScenario(
      "volatile-ttl",
      (r, k, i) =>
        i % 4 === 3
          ? r.set(k, "x".repeat(50))
          : r.set(k, "x".repeat(50), "EX", i % 4 === 0 ? 1000 : 100000),
      (i) => i % 4 === 0,
    );
  }, 60_000);
});

describe("OBJECT FREQ and IDLETIME under LFU and LRU", () => {
  // maxmemory set: Redis then gives each integer value its own object (no shared integers, whose
  // access record is shared and meaningless), so INCR's key has a counter of its own.
  const s = shoalAndRedisForSuite([
    "--lfu-log-factor",
    "0",
    "--lfu-decay-time",
    "0",
    "--maxmemory",
    "1gb",
  ]);

  it("counts accesses as Redis does (log factor 0: every access counts)", async () => {
    const payload = script(
      ["FLUSHALL"],
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
      ["SET", "k", "v"],
      ["OBJECT", "FREQ", "k"],
      ["GET", "k"],
      ["GET", "k"],
      ["OBJECT", "FREQ", "k"],
      ["SET", "k", "w"],
      ["OBJECT", "FREQ", "k"],
      ["EXISTS", "k"],
      ["TYPE", "k"],
      ["OBJECT", "FREQ", "k"],
      ["APPEND", "k", "x"],
      ["INCR", "n"],
      ["INCR", "n"],
      ["OBJECT", "FREQ", "n"],
      ["HSET", "h", "f", "1"],
      ["HGET", "h", "f"],
      ["OBJECT", "FREQ", "h"],
      ["OBJECT", "IDLETIME", "k"],
      ["OBJECT", "FREQ", "missing"],
      ["DUMP", "k"],
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
      ["OBJECT", "FREQ", "k"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toContain(":5\r\n");
    expect(mine).toBe(ref);
  });

  it("RESTORE FREQ sets the counter under LFU; IDLETIME under LRU", async () => {
    const r = connect(s.redis.port);
    await r.set("src", "v");
    const p = (await r.dumpBuffer("src")) as Buffer;
    r.disconnect();
    const payload = (policy: string) =>
      [
        cmd("CONFIG", "SET", "maxmemory-policy", policy),
        cmd("DEL", "x", "y"),
        "*6\r\n$7\r\nRESTORE\r\n$1\r\nx\r\n$1\r\n0\r\n",
        `$${p.length}\r\n${p.toString("latin1")}\r\n$4\r\nFREQ\r\n$2\r\n42\r\n`,
        "*6\r\n$7\r\nRESTORE\r\n$1\r\ny\r\n$1\r\n0\r\n",
        `$${p.length}\r\n${p.toString("latin1")}\r\n$8\r\nIDLETIME\r\n$3\r\n500\r\n`,
        policy.endsWith("lfu") ? cmd("OBJECT", "FREQ", "x") : cmd("OBJECT", "IDLETIME", "y"),
        policy.endsWith("lfu") ? cmd("OBJECT", "FREQ", "y") : cmd("OBJECT", "IDLETIME", "x"),
        cmd("CONFIG", "SET", "maxmemory-policy", "noeviction"),
      ].join("");
    for (const policy of ["allkeys-lfu", "volatile-lru"]) {
      const [mine, ref] = await both(s, payload(policy));
      expect(mine).toBe(ref);
    }
  });
});

describe("configuration and INFO", () => {
  const s = shoalAndRedisForSuite();

  it("CONFIG SET/GET of the eviction directives, valid and not", async () => {
    const payload = script(
      ["CONFIG", "SET", "maxmemory", "10mb"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "maxmemory", "lots"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
      ["CONFIG", "GET", "maxmemory-policy"],
      ["CONFIG", "SET", "maxmemory-policy", "lru"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
      ["CONFIG", "SET", "maxmemory-samples", "10"],
      ["CONFIG", "GET", "maxmemory-samples"],
      ["CONFIG", "SET", "maxmemory-samples", "0"],
      ["CONFIG", "SET", "maxmemory-samples", "5"],
      ["CONFIG", "SET", "maxmemory-eviction-tenacity", "100"],
      ["CONFIG", "SET", "maxmemory-eviction-tenacity", "101"],
      ["CONFIG", "SET", "maxmemory-eviction-tenacity", "10"],
      ["CONFIG", "SET", "lfu-log-factor", "-1"],
      ["CONFIG", "GET", "lfu-log-factor"],
      ["CONFIG", "GET", "lfu-decay-time"],
      ["CONFIG", "SET", "replica-ignore-maxmemory", "no"],
      ["CONFIG", "GET", "replica-ignore-maxmemory"],
      ["CONFIG", "SET", "replica-ignore-maxmemory", "yes"],
      ["CONFIG", "GET", "lazyfree-lazy-eviction"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toBe(ref);
  });

  it("INFO reports maxmemory, the policy and the eviction counters", async () => {
    await both(s, script(["CONFIG", "SET", "maxmemory", "123456789"]));
    const [mine, ref] = await both(s, cmd("INFO", "everything"));
    await both(s, script(["CONFIG", "SET", "maxmemory", "0"]));
    const fields = (text: string) =>
      new Map(
        text
          .split("\r\n")
          .filter((l) => l.includes(":"))
          .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)] as const),
      );
    const m = fields(mine);
    const r = fields(ref);
    for (const f of [
      "used_memory",
      "used_memory_dataset",
      "used_memory_overhead",
      "used_memory_startup",
      "mem_not_counted_for_evict",
      "evicted_keys",
      "total_eviction_exceeded_time",
      "current_eviction_exceeded_time",
    ]) {
      expect(m.has(f), f).toBe(true);
      expect(r.has(f), f).toBe(true);
    }
    for (const f of ["maxmemory", "maxmemory_human", "maxmemory_policy"])
      expect(m.get(f), f).toBe(r.get(f));
  });
});

describe("eviction's side effects", () => {
  afterEach(cleanup);
  const redisHandles: ServerHandle[] = [];
  afterAll(async () => {
    await Promise.all(redisHandles.map((h) => h.stop()));
  });

  /** Fills `n` string keys of ~100 bytes. */
  async function fill(r: Redis, n: number, prefix = "k"): Promise<void> {
    const p = r.pipeline();
    for (let i = 0; i < n; i++) p.set(`${prefix}${i}`, "v".repeat(100));
    await p.exec();
  }

  it("CONFIG SET maxmemory below usage evicts at once, each key an `evicted` event", async () => {
    for (const start of [
      () => shoal(),
      async () => {
        const h = await startRedisServer({ args: ["--save", ""] });
        redisHandles.push(h);
        return h;
      },
    ]) {
      const h = await start();
      const r = connect(h.port);
      await r.config("SET", "notify-keyspace-events", "Ee");
      await r.config("SET", "maxmemory-policy", "allkeys-random");
      await fill(r, 2000);
      const sub = connect(h.port);
      const events: string[] = [];
      sub.on("message", (ch: string, key: string) => events.push(`${ch} ${key}`));
      await sub.subscribe("__keyevent@0__:evicted");
      const used = Number((await info(r, "memory")).used_memory);
      const dataset = Number((await info(r, "memory")).used_memory_dataset);
      // No command after CONFIG SET: the eviction runs on its own.
      await r.config("SET", "maxmemory", String(Math.floor(used - dataset / 2)));
      await waitFor(() => events.length >= 500, {
        timeout: 10_000,
        what: "evicted events",
      });
      expect(events[0]).toMatch(/^__keyevent@0__:evicted k\d+$/);
      // Eviction may still be going on (500 us per step at the default tenacity): until it stops,
      // every key gone is counted once and announced once.
      await waitFor(
        async () => {
          const evicted = Number((await info(r, "stats")).evicted_keys);
          return evicted + (await r.dbsize()) === 2000 && events.length === evicted;
        },
        { timeout: 10_000, what: "evicted_keys, DBSIZE and the events to agree" },
      );
      // Shoal's figure is back under the limit; Redis's drifts above it by its client buffers.
      const mem = await info(r, "memory");
      if (h.port !== redisHandles[0]?.port)
        expect(Number(mem.used_memory) - Number(mem.mem_not_counted_for_evict)).toBeLessThanOrEqual(
          Number(mem.maxmemory),
        );
      sub.disconnect();
      r.disconnect();
    }
  }, 60_000);

  it("evictions reach the AOF as DEL, or UNLINK under lazyfree-lazy-eviction", async () => {
    for (const lazy of ["no", "yes"]) {
      const h = await shoal([
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--lazyfree-lazy-eviction",
        lazy,
        "--maxmemory-policy",
        "allkeys-random",
      ]);
      const r = connect(h.port);
      await fill(r, 200, "e");
      await r.config("SET", "maxmemory", "1");
      await waitFor(async () => (await r.dbsize()) === 0, { what: "every key evicted" });
      const dir = path.join(h.dir, "appendonlydir");
      const incr = readdirSync(dir).find((f) => f.endsWith(".incr.aof")) as string;
      const aof = readFileSync(path.join(dir, incr), "latin1");
      const verb = lazy === "yes" ? "UNLINK" : "DEL";
      // Every key written, then every key removed by the verb.
      expect(aof.split(`$${verb.length}\r\n${verb}\r\n`).length - 1).toBe(200);
      r.disconnect();
    }
  }, 60_000);

  it("replicas don't evict on their own; the master's evictions reach them as DELs", async () => {
    const master = await shoal();
    const m = connect(master.port);
    await fill(m, 2000);
    const replica = await shoal([
      "--replicaof",
      "127.0.0.1",
      String(master.port),
      "--maxmemory",
      "1",
      "--maxmemory-policy",
      "allkeys-lru",
    ]);
    const rep = connect(replica.port);
    await waitFor(async () => (await rep.dbsize()) === 2000, {
      timeout: 20_000,
      what: "the replica to sync",
    });
    // Far over its own maxmemory, the replica (replica-ignore-maxmemory yes) keeps every key.
    await rep.ping();
    expect(await rep.dbsize()).toBe(2000);
    expect((await info(rep, "stats")).evicted_keys).toBe("0");
    const used = Number((await info(m, "memory")).used_memory);
    const dataset = Number((await info(m, "memory")).used_memory_dataset);
    await m.config("SET", "maxmemory-policy", "allkeys-lru");
    await m.config("SET", "maxmemory", String(Math.floor(used - dataset / 2)));
    await m.ping();
    expect(await m.dbsize()).toBeLessThan(2000);
    // The DELs feed the backlog, which counts: the master may evict a little more meanwhile.
    await waitFor(async () => (await rep.dbsize()) === (await m.dbsize()), {
      timeout: 10_000,
      what: "the master's DELs to reach the replica",
    });
    expect((await info(rep, "stats")).evicted_keys).toBe("0");
    // With replica-ignore-maxmemory no, the replica evicts by itself.
    await rep.config("SET", "replica-ignore-maxmemory", "no");
    await waitFor(async () => (await rep.dbsize()) === 0, {
      timeout: 10_000,
      what: "the replica to evict every key",
    });
  }, 60_000);
});

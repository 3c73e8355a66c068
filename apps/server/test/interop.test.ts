// Unmodified Redis tools and clients against shoal-server with its real data store: redis-cli
// (incl. a --pipe mass insert and --scan), redis-benchmark on the data commands (also at 1000
// clients), ioredis and node-redis over RESP2 and RESP3.

import { redisCli, run, type ServerHandle, startRedisServer, waitFor } from "@shoal/test-utils";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, startShoal } from "./helpers.js";

describe("redis tools and clients", () => {
  let s: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    [s, redis] = await Promise.all([startShoal(), startRedisServer()]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([s?.stop(), redis?.stop()]);
  });

  it("redis-cli: commands, errors, RESP3", async () => {
    expect(await redisCli(s.port, ["ping"])).toBe("PONG\n");
    expect(await redisCli(s.port, ["echo", "hello world"])).toBe("hello world\n");
    expect(await redisCli(s.port, ["nosuch", "a"])).toContain(
      "ERR unknown command 'nosuch', with args beginning with: 'a' ",
    );
    expect(await redisCli(s.port, ["-3", "hello"])).toMatch(/proto\s+3/);
    expect(await redisCli(s.port, ["client", "info"])).toMatch(
      /^id=\d+ addr=127\.0\.0\.1:\d+ .* cmd=client\|info user=default redir=-1 resp=2\n$/,
    );
  });

  it("redis-cli: data commands", async () => {
    await redisCli(s.port, ["flushall"]);
    expect(await redisCli(s.port, ["set", "greeting", "hello world"])).toBe("OK\n");
    expect(await redisCli(s.port, ["get", "greeting"])).toBe("hello world\n");
    expect(await redisCli(s.port, ["incrby", "n", "41"])).toBe("41\n");
    expect(await redisCli(s.port, ["rpush", "l", "a", "b", "c"])).toBe("3\n");
    expect(await redisCli(s.port, ["lrange", "l", "0", "-1"])).toBe("a\nb\nc\n");
    expect(await redisCli(s.port, ["hset", "h", "f", "v"])).toBe("1\n");
    expect(await redisCli(s.port, ["zadd", "z", "1", "a", "2", "b"])).toBe("2\n");
    expect(await redisCli(s.port, ["zrange", "z", "0", "-1", "withscores"])).toBe("a\n1\nb\n2\n");
    expect(await redisCli(s.port, ["type", "h"])).toBe("hash\n");
    expect(await redisCli(s.port, ["lpush", "greeting", "x"])).toContain(
      "WRONGTYPE Operation against a key holding the wrong kind of value",
    );
  });

  it("redis-cli --pipe mass-inserts 100k keys; --scan lists them all", async () => {
    await redisCli(s.port, ["flushall"]);
    const parts: string[] = [];
    for (let i = 0; i < 100_000; i++) parts.push(cmd("SET", `key:${i}`, `value:${i}`));
    const r = await run("redis-cli", ["-p", String(s.port), "--pipe"], {
      input: parts.join(""),
      timeout: 60_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("errors: 0, replies: 100000");
    expect(await redisCli(s.port, ["dbsize"])).toBe("100000\n");
    expect(await redisCli(s.port, ["get", "key:99999"])).toBe("value:99999\n");
    const scan = await run("redis-cli", ["-p", String(s.port), "--scan"], { timeout: 60_000 });
    expect(scan.code).toBe(0);
    const keys = new Set(scan.stdout.split("\n").filter((k) => k !== ""));
    expect(keys.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 997) expect(keys.has(`key:${i}`)).toBe(true);
    const some = await run(
      "redis-cli",
      ["-p", String(s.port), "--scan", "--pattern", "key:4242*"],
      { timeout: 60_000 },
    );
    expect(
      some.stdout
        .split("\n")
        .filter((k) => k !== "")
        .sort(),
    ).toEqual(["key:4242", ...Array.from({ length: 10 }, (_, i) => `key:4242${i}`)]);
    await redisCli(s.port, ["flushall"]);
  }, 120_000);

  it("redis-cli --pipe with mixed commands reports errors", async () => {
    let input = "";
    for (let i = 0; i < 20_000; i++) input += cmd("ECHO", `e${i}`);
    input += cmd("SET", "pipe-str", "x") + cmd("LPUSH", "pipe-str", "y");
    const r = await run("redis-cli", ["-p", String(s.port), "--pipe"], { input, timeout: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("errors: 1, replies: 20002");
  });

  const DATA_TESTS = "set,get,incr,lpush,rpop,hset,zadd";

  it("redis-benchmark on the data commands, without errors", async () => {
    const r = await run(
      "redis-benchmark",
      ["-p", String(s.port), "-t", `ping_mbulk,${DATA_TESTS}`, "-n", "20000", "-c", "20", "--csv"],
      { timeout: 90_000 },
    );
    expect(r.code).toBe(0);
    for (const t of ["PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPOP", "HSET", "ZADD"])
      expect(r.stdout).toContain(`"${t}"`);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.stdout).not.toMatch(/error/i);
    // Its keys are there (RPOP emptied mylist again).
    expect(await redisCli(s.port, ["strlen", "key:__rand_int__"])).toBe("3\n");
    expect(await redisCli(s.port, ["type", "myhash"])).toBe("hash\n");
    expect(await redisCli(s.port, ["type", "myzset"])).toBe("zset\n");
  }, 120_000);

  it("redis-benchmark with 1000 clients on the data commands", async () => {
    const r = await run(
      "redis-benchmark",
      ["-p", String(s.port), "-t", DATA_TESTS, "-n", "20000", "-c", "1000", "--csv"],
      { timeout: 150_000 },
    );
    expect(r.code).toBe(0);
    for (const t of ["SET", "GET", "INCR", "LPUSH", "RPOP", "HSET", "ZADD"])
      expect(r.stdout).toContain(`"${t}"`);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.stdout).not.toMatch(/error/i);
  }, 180_000);

  it("ioredis: commands, pipeline, MULTI, pub/sub", async () => {
    const r = new Redis(s.port, "127.0.0.1", { lazyConnect: true });
    const sub = new Redis(s.port, "127.0.0.1", { lazyConnect: true });
    try {
      await r.connect();
      await sub.connect();
      expect(await r.ping()).toBe("PONG");
      expect(await r.echo("hi")).toBe("hi");
      expect(await r.pipeline().ping().echo("x").exec()).toEqual([
        [null, "PONG"],
        [null, "x"],
      ]);
      expect(await r.multi().ping().echo("y").exec()).toEqual([
        [null, "PONG"],
        [null, "y"],
      ]);
      const got: string[] = [];
      sub.on("message", (ch: string, m: string) => got.push(`${ch}:${m}`));
      await sub.subscribe("news");
      expect(await r.publish("news", "hello")).toBe(1);
      await waitFor(() => got.length === 1);
      expect(got).toEqual(["news:hello"]);
      await expect(r.call("nosuch")).rejects.toThrow("ERR unknown command 'nosuch'");
    } finally {
      r.disconnect();
      sub.disconnect();
    }
  });

  it("ioredis: data commands give the same results as redis-server", async () => {
    const [a, b] = await Promise.all([ioredisScript(s.port), ioredisScript(redis.port)]);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(20);
  }, 60_000);

  it("node-redis: data commands give the same results as redis-server, RESP2 and RESP3", async () => {
    for (const RESP of [2, 3] as const) {
      const [a, b] = await Promise.all([
        nodeRedisScript(s.port, RESP),
        nodeRedisScript(redis.port, RESP),
      ]);
      expect(a).toEqual(b);
      expect(a.length).toBeGreaterThan(20);
    }
  }, 60_000);

  it("node-redis over RESP2 and RESP3", async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { port: s.port, host: "127.0.0.1" }, RESP });
      c.on("error", () => {});
      await c.connect();
      try {
        expect(await c.ping()).toBe("PONG");
        expect(await c.echo("z")).toBe("z");
        expect(await c.multi().ping().echo("w").exec()).toEqual(["PONG", "w"]);
        const sub = c.duplicate();
        sub.on("error", () => {});
        await sub.connect();
        const got: string[] = [];
        await sub.subscribe("ch", (m) => got.push(m));
        expect(await c.publish("ch", `r${RESP}`)).toBe(1);
        await waitFor(() => got.length === 1);
        expect(got).toEqual([`r${RESP}`]);
        await sub.close();
      } finally {
        await c.close();
      }
    }
  });
});

/** Data commands through ioredis (pipelines, MULTI, blocking, scanStream, buffers); the results. */
async function ioredisScript(port: number): Promise<unknown[]> {
  const r = new Redis(port, "127.0.0.1", { lazyConnect: true });
  const b = new Redis(port, "127.0.0.1", { lazyConnect: true });
  const out: unknown[] = [];
  try {
    await r.connect();
    await b.connect();
    await r.select(4);
    await b.select(4);
    await r.flushdb();
    out.push(await r.set("str", "v1"), await r.get("str"), await r.set("str", "v2", "GET"));
    out.push(await r.set("nx", "1", "NX"), await r.set("nx", "2", "NX"), await r.getdel("nx"));
    out.push(await r.incr("cnt"), await r.incrby("cnt", 10), await r.incrbyfloat("cnt", 1.5));
    out.push(await r.mset({ m1: "a", m2: "b" }), await r.mget("m1", "m2", "m3"));
    out.push(await r.append("str", "!"), await r.strlen("str"), await r.getrange("str", 0, 1));
    out.push(await r.getBuffer("str"));
    out.push(await r.set("bin", Buffer.from([0, 1, 255])), await r.getBuffer("bin"));
    out.push(await r.expire("str", 100), await r.ttl("str"), await r.persist("str"));
    out.push(await r.rpush("list", "a", "b", "c"), await r.lpush("list", "z"));
    out.push(await r.lrange("list", 0, -1), await r.lpop("list"), await r.rpop("list", 2));
    out.push(await r.hset("hash", { f1: "1", f2: "2" }), await r.hgetall("hash"));
    out.push(await r.hincrby("hash", "f1", 5), await r.hmget("hash", "f1", "nope"));
    out.push(await r.sadd("set", "x", "y", "z"), (await r.smembers("set")).sort());
    out.push(await r.sismember("set", "y"), await r.srem("set", "y"), await r.scard("set"));
    out.push(
      await r.zadd("zs", 1, "a", 2, "b", 3, "c"),
      await r.zrange("zs", "0", "-1", "WITHSCORES"),
    );
    out.push(await r.zincrby("zs", 2.5, "a"), await r.zrank("zs", "a"), await r.zscore("zs", "a"));
    out.push(await r.zrangebyscore("zs", "(2", "+inf"), await r.zpopmin("zs"));
    out.push(await r.type("zs"), await r.exists("zs", "hash", "nope"), await r.del("hash"));
    out.push(await r.pipeline().set("p1", "x").incr("p2").lpush("list", "q").get("list").exec());
    out.push(await r.multi().incr("t1").incr("t1").get("t1").exec());
    // Blocking: BLPOP answered by a push from another connection, BZPOPMIN with a timeout.
    const waiting = b.blpop("bq", 5);
    await waitFor(async () => /blocked_clients:1/.test(await r.info("clients")));
    out.push(await r.rpush("bq", "woken"), await waiting);
    out.push(await b.bzpopmin("bz", 0.1));
    const keys: string[] = [];
    for await (const batch of r.scanStream({ match: "*", count: 3 })) keys.push(...batch);
    out.push([...new Set(keys)].sort());
    out.push(await r.dbsize());
    await r.flushdb();
  } finally {
    r.disconnect();
    b.disconnect();
  }
  return out;
}

/** Data commands through node-redis in one protocol version; the results. */
async function nodeRedisScript(port: number, RESP: 2 | 3): Promise<unknown[]> {
  const c = createClient({ socket: { port, host: "127.0.0.1" }, RESP, database: 5 });
  c.on("error", () => {});
  await c.connect();
  const b = c.duplicate();
  b.on("error", () => {});
  await b.connect();
  const out: unknown[] = [];
  try {
    await c.flushDb();
    out.push(
      await c.set("s", "1"),
      await c.get("s"),
      await c.incr("s"),
      await c.incrByFloat("s", 0.5),
    );
    out.push(await c.set("e", "v", { PX: 100000 }), (await c.pTTL("e")) > 90000);
    out.push(await c.mSet(["a", "1", "b", "2"]), await c.mGet(["a", "b", "c"]));
    out.push(await c.rPush("l", ["1", "2", "3"]), await c.lRange("l", 0, -1));
    out.push(await c.lPop("l"), await c.rPop("l"), await c.lLen("l"), await c.lIndex("l", 0));
    out.push(await c.hSet("h", { x: "1", y: "2" }), await c.hGetAll("h"), await c.hGet("h", "y"));
    out.push(await c.hExists("h", "x"), await c.hKeys("h"), await c.hIncrBy("h", "x", 2));
    out.push(await c.sAdd("st", ["m1", "m2"]), (await c.sMembers("st")).sort());
    out.push(await c.sIsMember("st", "m1"), await c.sCard("st"));
    out.push(
      await c.zAdd("z", [
        { score: 1.5, value: "p" },
        { score: 3, value: "q" },
      ]),
    );
    out.push(await c.zRangeWithScores("z", 0, -1), await c.zScore("z", "p"), await c.zCard("z"));
    out.push(await c.zIncrBy("z", 1, "p"), await c.zRank("z", "q"), await c.zCount("z", 0, 10));
    out.push(await c.type("z"), await c.exists(["z", "h", "nope"]), await c.del(["h"]));
    out.push(await c.multi().set("t", "1").incr("t").get("t").exec());
    const waiting = b.blPop("bq", 5);
    await waitFor(async () => /blocked_clients:1/.test(await c.info("clients")));
    out.push(await c.lPush("bq", "w"), await waiting);
    const scanned: string[] = [];
    for await (const keys of c.scanIterator({ COUNT: 2 })) scanned.push(...keys);
    out.push([...new Set(scanned)].sort(), await c.dbSize());
    await c.flushDb();
  } finally {
    await b.close();
    await c.close();
  }
  return out;
}

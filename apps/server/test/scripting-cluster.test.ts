// Scripts on a 3-master cluster (issue 15), a Shoal one and a redis-server 7.0.15 one formed the
// same way: declared keys routed (CROSSSLOT, MOVED), keys a script reaches checked (a non-local
// key refused, another slot refused unless the script is in EVAL compatibility mode or allows
// cross-slot keys), `no-cluster` refused; the replies the same but for the MOVED target's port.
// Then the libraries with the hash-tagged keys their docs prescribe for cluster use (and
// rate-limit-redis through node-redis's cluster client, its documented sendCommandCluster, on
// both clusters).
import { type ClusterHandle, startCluster } from "@shoal/test-utils";
import Queue from "bull";
import { Queue as MqQueue, Worker } from "bullmq";
import { Cluster } from "ioredis";
import { type RedisReply, RedisStore, type SendCommandClusterDetails } from "rate-limit-redis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { createCluster } from "redis";
import Redlock from "redlock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS } from "./helpers.js";
import { rateLimitedRequests } from "./rate-limit-requests.js";

/** bull's client type (its own ioredis 5): the ioredis 6 Cluster is used as one. */
type BullClient = ReturnType<NonNullable<Queue.QueueOptions["createClient"]>>;
/** BullMQ's connection type (its own ioredis 5), likewise. */
type MqConnection = NonNullable<ConstructorParameters<typeof MqQueue>[1]>["connection"];

let shoal: ClusterHandle;
let redis: ClusterHandle;

beforeAll(async () => {
  [shoal, redis] = await Promise.all([
    startCluster({ command: [process.execPath, MAIN_JS], nodeTimeout: 2000 }),
    startCluster({ nodeTimeout: 2000 }),
  ]);
  await Promise.all([shoal.waitHealthy(), redis.waitHealthy()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([shoal?.stop(), redis?.stop()]);
});

/** The node of `c` that serves `key` (the one that does not redirect). */
async function ownerOf(c: ClusterHandle, key: string): Promise<number> {
  for (const port of c.ports) {
    const r = await exchange(port, cmd("EVAL", "return 1", "1", key));
    if (!r.startsWith("-MOVED")) return port;
  }
  throw new Error(`no owner for ${key}`);
}

/** A key the same node serves as `key`, in another slot. */
async function sameNodeOtherSlot(c: ClusterHandle, key: string): Promise<string> {
  const owner = await ownerOf(c, key);
  const slotOf = async (k: string) => (await exchange(owner, cmd("CLUSTER", "KEYSLOT", k))).trim();
  const mine = await slotOf(key);
  for (let i = 0; ; i++) {
    const k = `k${i}`;
    if ((await slotOf(k)) !== mine && (await ownerOf(c, k)) === owner) return k;
  }
}

async function scenario(c: ClusterHandle): Promise<string> {
  const owner = await ownerOf(c, "a");
  const other = await sameNodeOtherSlot(c, "a");
  const remoteKey = await (async () => {
    for (let i = 0; ; i++) if ((await ownerOf(c, `r${i}`)) !== owner) return `r${i}`;
  })();
  const payload =
    cmd("SET", other, "local-other-slot") +
    cmd("EVAL", "return redis.call('SET', KEYS[1], 'x')", "1", "{a}1") +
    cmd("EVAL", "return 1", "2", "a", "b") +
    cmd("EVAL", "return redis.call('GET', KEYS[1])", "1", remoteKey) +
    cmd("EVAL", `return redis.call('GET', '${remoteKey}')`, "0") +
    cmd("EVAL", `return redis.call('GET', '${other}')`, "1", "a") +
    cmd("EVAL", `#!lua\nreturn redis.call('GET', '${other}')`, "1", "a") +
    cmd(
      "EVAL",
      `#!lua flags=allow-cross-slot-keys\nreturn redis.call('GET', '${other}')`,
      "1",
      "a",
    ) +
    cmd("EVAL", "#!lua flags=no-cluster\nreturn 1", "0") +
    cmd("EVAL", "#!lua\nreturn redis.call('GET', '{a}2')", "1", "{a}1");
  const out = await exchange(owner, payload);
  // MOVED names the serving node's address: its port differs between the two clusters.
  return out.replace(/(MOVED \d+ 127\.0\.0\.1:)\d+/g, "$1<port>").replace(/[0-9a-f]{40}/g, "<sha>");
}

describe("scripts in cluster mode", () => {
  it("route and check keys as redis-server's cluster", async () => {
    const [s, r] = await Promise.all([scenario(shoal), scenario(redis)]);
    expect(s).toBe(r);
    // What the scenario pins, read from Redis's replies.
    expect(r).toContain("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
    expect(r).toContain("Script attempted to access a non local key in a cluster node");
    expect(r).toContain("Script attempted to access keys that do not hash to the same slot");
    expect(r).toContain("-ERR Can not run script on cluster, 'no-cluster' flag is set.\r\n");
  });
});

describe("libraries on a Shoal cluster, hash-tagged keys", () => {
  it("redlock and rate-limiter-flexible", async () => {
    const cluster = new Cluster(shoal.seeds);
    // Lifetimes and retries leave room for a loaded machine (a 1 s lock expired before its
    // extend at load 15): the locks are released, never left to expire.
    const redlock = new Redlock([cluster], { retryCount: 500, retryDelay: 20 });
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const lock = await redlock.acquire(["{locks}:resource"], 10_000);
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 5));
        const extended = await lock.extend(10_000);
        inside--;
        await extended.release();
      }),
    );
    const limiter = new RateLimiterRedis({
      storeClient: cluster,
      keyPrefix: "{rl}",
      points: 3,
      duration: 60,
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        await limiter.consume("u").then(
          (r) => `ok ${r.remainingPoints}`,
          () => "limited",
        ),
      );
    }
    cluster.disconnect();
    expect({ maxInside, outcomes }).toEqual({
      maxInside: 1,
      outcomes: ["ok 2", "ok 1", "ok 0", "limited", "limited"],
    });
  }, 30_000);

  it("bull with a {hash-tagged} prefix", async () => {
    const queue = new Queue("jobs", {
      prefix: "{bull}",
      createClient: () =>
        new Cluster(shoal.seeds, {
          redisOptions: { maxRetriesPerRequest: null, enableReadyCheck: false },
        }) as unknown as BullClient,
    });
    const n = 100;
    const done = new Set<string>();
    const finished = new Promise<void>((resolve) => {
      queue.on("completed", (job) => {
        done.add(String(job.id));
        if (done.size === n) resolve();
      });
    });
    void queue.process(4, async (job) => job.data.i + 1);
    await queue.addBulk(Array.from({ length: n }, (_, i) => ({ data: { i } })));
    await finished;
    const counts = await queue.getJobCounts();
    await queue.close();
    expect(counts).toEqual({
      active: 0,
      completed: n,
      delayed: 0,
      failed: 0,
      paused: 0,
      waiting: 0,
    });
  }, 60_000);

  it("BullMQ with a {hash-tagged} prefix", async () => {
    const connection = () =>
      new Cluster(shoal.seeds, {
        redisOptions: { maxRetriesPerRequest: null },
      }) as unknown as MqConnection;
    const queue = new MqQueue("jobs", { connection: connection(), prefix: "{bullmq}" });
    const n = 200;
    const done = new Set<string>();
    const worker = new Worker("jobs", async (job) => job.data.i + 1, {
      connection: connection(),
      prefix: "{bullmq}",
      concurrency: 4,
    });
    const finished = new Promise<void>((resolve) => {
      worker.on("completed", (job) => {
        done.add(job.id!);
        if (done.size === n) resolve();
      });
    });
    await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: "j", data: { i } })));
    await finished;
    const counts = await queue.getJobCounts("completed", "failed", "waiting", "active");
    await worker.close();
    await queue.close();
    expect(counts).toEqual({ completed: n, failed: 0, waiting: 0, active: 0, paused: 0 });
  }, 60_000);

  it("rate-limit-redis through node-redis's cluster client, limits as on a redis-server cluster", async () => {
    const [s, r] = [await rateLimitRedisOn(shoal), await rateLimitRedisOn(redis)];
    expect(s).toEqual(r);
    expect(s).toEqual({
      outcomes: ["ok", "ok", "ok", "limited", "limited", "ok", "ok"],
      hits: 5,
      afterDecrement: 4,
      afterReset: 0,
      again: "ok",
      keysOnOneNode: true,
    });
  }, 30_000);
});

/**
 * rate-limit-redis 6 behind express-rate-limit's middleware on a cluster: 3 requests a minute per
 * client key under a `{rlr}:` prefix; 5 requests from "a" (the last 2 refused), 1 from "b" and 1
 * from "c", then a's counters, a decrement and a reset, all through its Lua scripts (loaded on
 * the node the key lives on, reloaded there after NOSCRIPT).
 */
async function rateLimitRedisOn(c: ClusterHandle) {
  const cluster = createCluster({
    rootNodes: c.seeds.map((s) => ({ url: `redis://${s.host}:${s.port}` })),
  });
  await cluster.connect();
  try {
    const store = new RedisStore({
      prefix: "{rlr}:",
      sendCommandCluster: ({ key, isReadOnly, command }: SendCommandClusterDetails) =>
        cluster.sendCommand(key, isReadOnly, command) as Promise<RedisReply>,
    });
    const request = rateLimitedRequests(store);
    const outcomes: string[] = [];
    for (const user of ["a", "a", "a", "a", "a", "b", "c"]) outcomes.push(await request(user));
    const hits = (await store.get("a"))?.totalHits;
    await store.decrement("a");
    const afterDecrement = (await store.get("a"))?.totalHits;
    await store.resetKey("a");
    const afterReset = await cluster.exists("{rlr}:a");
    const again = await request("a");
    // The hash tag keeps every client's counter on one node.
    const slots = new Set(
      await Promise.all(
        ["{rlr}:a", "{rlr}:b", "{rlr}:c"].map((k) =>
          cluster.sendCommand(k, true, ["CLUSTER", "KEYSLOT", k]),
        ),
      ),
    );
    return { outcomes, hits, afterDecrement, afterReset, again, keysOnOneNode: slots.size === 1 };
  } finally {
    await cluster.close();
  }
}

// The libraries people run on Redis's Lua scripting (issue 15's proof), from npm, against a
// standalone shoal-server and against redis-server 7.0.15, each with the same outcome: bull
// (jobs with retries, delays and priorities processed by workers, global events over pub/sub),
// redlock (acquire, extend, release under contention), rate-limiter-flexible (limits enforced
// exactly), BullMQ (the same jobs through its Lua scripts, a Worker and the events stream),
// redis-semaphore (a mutex and a 3-slot semaphore under contention), rate-limit-redis (express-rate-limit's
// Redis store: limits enforced exactly).
import { freePort, type ServerHandle, startRedisServer } from "@shoal/test-utils";
import Queue from "bull";
import { Queue as MqQueue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { RedisStore } from "rate-limit-redis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { Mutex, Semaphore } from "redis-semaphore";
import Redlock from "redlock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startShoal } from "./helpers.js";
import { rateLimitedRequests } from "./rate-limit-requests.js";

let shoal: ServerHandle;
let redis: ServerHandle;

beforeAll(async () => {
  [shoal, redis] = await Promise.all([
    startShoal([], { port: await freePort() }),
    startRedisServer({ port: await freePort() }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([shoal?.stop(), redis?.stop()]);
});

const servers = [
  ["shoal", () => shoal.port],
  ["redis", () => redis.port],
] as const;

/** Job `i`'s options, the same for bull and BullMQ: some delayed, some prioritised, one retry. */
function jobOptions(i: number) {
  return {
    attempts: 2,
    backoff: { type: "fixed" as const, delay: 10 },
    ...(i % 10 === 0 ? { delay: 50 } : {}),
    ...(i % 7 === 0 ? { priority: 1 + (i % 3) } : {}),
  };
}

/** bull: `n` jobs, some delayed, some prioritised, every third failing once then retried. */
async function runBull(port: number, n: number) {
  const queue = new Queue("shoal-test", { redis: { host: "127.0.0.1", port } });
  const attempts = new Map<string, number>();
  const done = new Set<string>();
  let globalCompleted = 0;
  queue.on("global:completed", () => {
    globalCompleted++;
  });
  const finished = new Promise<void>((resolve) => {
    queue.on("completed", (job) => {
      done.add(String(job.id));
      if (done.size === n) resolve();
    });
  });
  void queue.process(4, async (job) => {
    const id = String(job.id);
    const a = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, a);
    if (job.data.i % 3 === 0 && a === 1) throw new Error("first attempt fails");
    return job.data.i * 2;
  });
  await queue.addBulk(
    Array.from({ length: n }, (_, i) => ({
      data: { i },
      opts: jobOptions(i),
    })),
  );
  await finished;
  const counts = await queue.getJobCounts();
  const sample = await queue.getJob(done.values().next().value!);
  await new Promise((r) => setTimeout(r, 200));
  const result = {
    counts,
    completed: done.size,
    retried: [...attempts.values()].filter((a) => a === 2).length,
    returnvalue: sample?.returnvalue === sample!.data.i * 2,
    globalEvents: globalCompleted > 0,
  };
  await queue.obliterate({ force: true });
  await queue.close();
  return result;
}

describe("bull", () => {
  it.each(servers)(
    "%s: jobs with retries, delays and priorities all processed",
    async (_n, port) => {
      const n = 500;
      expect(await runBull(port(), n)).toEqual({
        counts: { active: 0, completed: n, delayed: 0, failed: 0, paused: 0, waiting: 0 },
        completed: n,
        retried: Math.ceil(n / 3),
        returnvalue: true,
        globalEvents: true,
      });
    },
    60_000,
  );
});

/** BullMQ: the same jobs through its scripts, a Worker, and QueueEvents reading the events stream. */
async function runBullmq(port: number, n: number) {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = "shoal-test-mq";
  const queue = new MqQueue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  let completedEvents = 0;
  events.on("completed", () => {
    completedEvents++;
  });
  const attempts = new Map<string, number>();
  const done = new Set<string>();
  const worker = new Worker(
    name,
    async (job) => {
      const a = (attempts.get(job.id!) ?? 0) + 1;
      attempts.set(job.id!, a);
      if (job.data.i % 3 === 0 && a === 1) throw new Error("first attempt fails");
      return job.data.i * 2;
    },
    { connection, concurrency: 4 },
  );
  const finished = new Promise<void>((resolve) => {
    worker.on("completed", (job) => {
      done.add(job.id!);
      if (done.size === n) resolve();
    });
  });
  await queue.addBulk(
    Array.from({ length: n }, (_, i) => ({
      name: "job",
      data: { i },
      opts: jobOptions(i),
    })),
  );
  await finished;
  const counts = await queue.getJobCounts("completed", "failed", "waiting", "delayed", "active");
  const sample = await queue.getJob(done.values().next().value!);
  // The events stream trails the jobs: every completion shows up there.
  const t0 = Date.now();
  while (completedEvents < n && Date.now() - t0 < 10_000)
    await new Promise((r) => setTimeout(r, 50));
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    counts,
    completed: done.size,
    retried: [...attempts.values()].filter((a) => a === 2).length,
    returnvalue: sample?.returnvalue === sample!.data.i * 2,
    completedEvents,
  };
}

describe("BullMQ", () => {
  it.each(servers)(
    "%s: jobs with retries, delays and priorities, the events stream",
    async (_n, port) => {
      const n = 10_000;
      expect(await runBullmq(port(), n)).toEqual({
        counts: { completed: n, failed: 0, waiting: 0, delayed: 0, active: 0, paused: 0 },
        completed: n,
        retried: Math.ceil(n / 3),
        returnvalue: true,
        completedEvents: n,
      });
    },
    60_000,
  );
});

/** redlock: clients racing for one lock, each extending then releasing it. */
async function runRedlock(port: number) {
  const clients = [new Redis(port, "127.0.0.1"), new Redis(port, "127.0.0.1")];
  const redlocks = clients.map((c) => new Redlock([c], { retryCount: 50, retryDelay: 20 }));
  let inside = 0;
  let maxInside = 0;
  let acquired = 0;
  await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const lock = await redlocks[i % 2]!.acquire(["{locks}:resource"], 1000);
      inside++;
      maxInside = Math.max(maxInside, inside);
      acquired++;
      await new Promise((r) => setTimeout(r, 5));
      const extended = await lock.extend(1000);
      inside--;
      await extended.release();
    }),
  );
  // A lock held elsewhere refuses: one attempt, no retries.
  const held = await redlocks[0]!.acquire(["{locks}:other"], 5000);
  const refused = await new Redlock([clients[1]!], { retryCount: 0 })
    .acquire(["{locks}:other"], 1000)
    .then(() => "acquired")
    .catch((e: Error) => e.name);
  await held.release();
  const left = await clients[0]!.exists("{locks}:resource", "{locks}:other");
  for (const c of clients) c.disconnect();
  return { acquired, maxInside, refused, left };
}

describe("redlock", () => {
  it.each(servers)(
    "%s: acquire, extend, release under contention",
    async (_n, port) => {
      expect(await runRedlock(port())).toEqual({
        acquired: 10,
        maxInside: 1,
        refused: "ExecutionError",
        left: 0,
      });
    },
    30_000,
  );
});

/** rate-limiter-flexible: 5 points per window; 8 consumptions, then the counters. */
async function runRateLimiter(port: number) {
  const client = new Redis(port, "127.0.0.1");
  const limiter = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: "rl",
    points: 5,
    duration: 60,
  });
  const outcomes: string[] = [];
  for (let i = 0; i < 8; i++) {
    outcomes.push(
      await limiter.consume("user1").then(
        (r) => `ok ${r.remainingPoints}`,
        (r: { remainingPoints: number }) => `limited ${r.remainingPoints}`,
      ),
    );
  }
  const two = await limiter.consume("user2", 2).then((r) => r.remainingPoints);
  client.disconnect();
  return { outcomes, two };
}

describe("rate-limiter-flexible", () => {
  it.each(servers)("%s: limits enforced exactly", async (_n, port) => {
    expect(await runRateLimiter(port())).toEqual({
      outcomes: ["ok 4", "ok 3", "ok 2", "ok 1", "ok 0", "limited 0", "limited 0", "limited 0"],
      two: 3,
    });
  });
});

/** redis-semaphore: 12 tasks through a mutex, then through a semaphore of 3 slots. */
async function runSemaphore(port: number) {
  const client = new Redis(port, "127.0.0.1");
  let inside = 0;
  let maxMutex = 0;
  let maxSem = 0;
  const work = async (max: (n: number) => void) => {
    inside++;
    max(inside);
    await new Promise((r) => setTimeout(r, 10));
    inside--;
  };
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      const m = new Mutex(client, "{sem}:mutex", { acquireTimeout: 10_000, retryInterval: 5 });
      await m.acquire();
      await work((n) => {
        maxMutex = Math.max(maxMutex, n);
      });
      await m.release();
    }),
  );
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      const s = new Semaphore(client, "{sem}:sem", 3, { acquireTimeout: 10_000, retryInterval: 5 });
      await s.acquire();
      await work((n) => {
        maxSem = Math.max(maxSem, n);
      });
      await s.release();
    }),
  );
  const left = await client.exists("{sem}:mutex", "{sem}:sem");
  client.disconnect();
  return { maxMutex, maxSem, left };
}

describe("redis-semaphore", () => {
  it.each(servers)(
    "%s: a mutex and a semaphore hold under contention",
    async (_n, port) => {
      const r = await runSemaphore(port());
      expect(r.maxMutex).toBe(1);
      expect(r.maxSem).toBeGreaterThanOrEqual(2);
      expect(r.maxSem).toBeLessThanOrEqual(3);
      expect(r.left).toBe(0);
    },
    30_000,
  );
});

/**
 * rate-limit-redis behind express-rate-limit's middleware: 3 requests a minute per client key;
 * 5 requests from "a" (the last 2 refused), 1 from "b", then the store's counters, a decrement
 * and a reset, all through its Lua scripts.
 */
async function runRateLimitRedis(port: number) {
  const client = new Redis(port, "127.0.0.1");
  const store = new RedisStore({
    prefix: "rlr:",
    sendCommand: (command: string, ...args: string[]) =>
      client.call(command, ...args) as Promise<number>,
  });
  const request = rateLimitedRequests(store);
  const outcomes: string[] = [];
  for (const user of ["a", "a", "a", "a", "a", "b"]) outcomes.push(await request(user));
  const a = await store.get("a");
  const ttl = await client.pttl("rlr:a");
  await store.decrement("a");
  const afterDecrement = (await store.get("a"))?.totalHits;
  await store.resetKey("a");
  const afterReset = await client.exists("rlr:a");
  const again = await request("a");
  client.disconnect();
  return {
    outcomes,
    hits: a?.totalHits,
    resetInWindow: a !== undefined && a.resetTime !== undefined,
    ttlSet: ttl > 0 && ttl <= 60_000,
    afterDecrement,
    afterReset,
    again,
  };
}

describe("rate-limit-redis", () => {
  it.each(servers)("%s: limits enforced exactly", async (_n, port) => {
    expect(await runRateLimitRedis(port())).toEqual({
      outcomes: ["ok", "ok", "ok", "limited", "limited", "ok"],
      hits: 5,
      resetInWindow: true,
      ttlSet: true,
      afterDecrement: 4,
      afterReset: 0,
      again: "ok",
    });
  });
});

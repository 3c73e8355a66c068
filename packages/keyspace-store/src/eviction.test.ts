// The data side of maxmemory: the LFU counter's arithmetic, the eviction pool's choices under each
// policy, and the dataset accounting coming back to zero whatever writes and deletes happened.
import { describe, expect, it } from "vitest";
import { commands } from "./commands/index.js";
import { lfuDecrAndReturn, lfuInitRecord, lfuLogIncr, lfuTouch } from "./lru-lfu.js";
import { seededRandom, TestStore } from "./test-kit.js";

const MIN = 60_000;

describe("LFU counter", () => {
  it("grows on every access with lfu-log-factor 0, never past 255", () => {
    let c = 5;
    for (let i = 0; i < 300; i++) c = lfuLogIncr(c, 0, Math.random);
    expect(c).toBe(255);
  });

  it("grows with probability 1 / ((counter - 5) * factor + 1)", () => {
    // random() just under the probability: grows; at it: doesn't.
    expect(lfuLogIncr(7, 10, () => 1 / 21 - 1e-9)).toBe(8);
    expect(lfuLogIncr(7, 10, () => 1 / 21)).toBe(7);
    // Below LFU_INIT_VAL the probability is 1.
    expect(lfuLogIncr(2, 10, () => 0.999)).toBe(3);
  });

  it("decays one step per lfu-decay-time minutes, not at all with 0", () => {
    const t0 = 1_700_000_000_000;
    const rec = (lfuInitRecord(t0) & ~255) | 20;
    expect(lfuDecrAndReturn(rec, t0 + 5 * MIN, 1)).toBe(15);
    expect(lfuDecrAndReturn(rec, t0 + 5 * MIN, 2)).toBe(18);
    expect(lfuDecrAndReturn(rec, t0 + 500 * MIN, 1)).toBe(0);
    expect(lfuDecrAndReturn(rec, t0 + 500 * MIN, 0)).toBe(20);
    // A touch decays first, then counts, and restamps the minute.
    const touched = lfuTouch(rec, t0 + 5 * MIN, { logFactor: 0, decayTime: 1 }, Math.random);
    expect(touched & 255).toBe(16);
    expect(lfuDecrAndReturn(touched, t0 + 5 * MIN, 1)).toBe(16);
  });
});

describe("eviction pool", () => {
  // Sampling is random, and a pool of 5-key samples can run out of the oldest keys now and then
  // (Redis's too): a seeded source makes each choice the same on every run.
  const store = (policy: string) => {
    const t = new TestStore(commands, { databases: 2, random: seededRandom(1) });
    t.keyspace.maxmemoryPolicy = policy;
    return t;
  };

  it("allkeys-lru takes the keys idle longest first", () => {
    const t = store("allkeys-lru");
    for (let i = 0; i < 200; i++) {
      t.run("SET", `k${i}`, "v");
      if (i % 2 === 0) t.keyspace.db(0).setAccess(`k${i}`, 10_000, -1, t.now);
    }
    for (let n = 0; n < 50; n++) {
      const p = t.keyspace.evictionPool.pick("allkeys-lru", 5, t.now);
      expect(p).toBeDefined();
      expect(Number(p?.key.slice(1)) % 2, p?.key).toBe(0);
      p?.db.evict(p.key, false);
    }
    expect(t.keyspace.stats.evictedKeys).toBe(50);
  });

  it("allkeys-lfu takes the least used keys first", () => {
    const t = store("allkeys-lfu");
    for (let i = 0; i < 200; i++) {
      t.run("SET", `k${i}`, "v");
      t.keyspace.db(0).setAccess(`k${i}`, -1, i % 2 === 0 ? 0 : 100, t.now);
    }
    for (let n = 0; n < 50; n++) {
      const p = t.keyspace.evictionPool.pick("allkeys-lfu", 5, t.now);
      expect(Number(p?.key.slice(1)) % 2, p?.key).toBe(0);
      p?.db.evict(p.key, false);
    }
  });

  it("volatile-* never take a key without a TTL; volatile-ttl the soonest to expire", () => {
    for (const policy of ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]) {
      const t = store(policy);
      for (let i = 0; i < 100; i++) t.run("SET", `plain${i}`, "v");
      t.dbIndex = 1;
      for (let i = 0; i < 20; i++) t.run("SET", `t${i}`, "v", "PX", String(100_000 + i * 1000));
      const order: string[] = [];
      for (;;) {
        const p = t.keyspace.evictionPool.pick(policy, 5, t.now);
        if (p === undefined) break;
        order.push(p.key);
        p.db.evict(p.key, false);
      }
      expect(order.length, policy).toBe(20);
      expect(
        order.every((k) => k.startsWith("t")),
        policy,
      ).toBe(true);
      expect(t.keyspace.db(0).size).toBe(100);
      if (policy === "volatile-ttl") expect(order.slice(0, 3)).toEqual(["t0", "t1", "t2"]);
    }
  });

  it("evicting propagates DEL (UNLINK when lazy) and notifies 'evicted'", () => {
    const t = store("allkeys-random");
    const seen: string[] = [];
    t.keyspace.hooks = {
      propagate: (_db, argv) => seen.push(argv.join(" ")),
      notify: (_db, _cls, event, key) => seen.push(`${event} ${key}`),
    };
    t.run("SET", "a", "1");
    t.run("SET", "b", "1");
    t.keyspace.db(0).evict("a", false);
    t.keyspace.db(0).evict("b", true);
    expect(seen.filter((s) => /^(evicted|DEL|UNLINK) /.test(s))).toEqual([
      "evicted a",
      "DEL a",
      "evicted b",
      "UNLINK b",
    ]);
  });
});

describe("dataset accounting", () => {
  it("follows writes in place and comes back to zero once every key is gone", () => {
    const t = new TestStore(commands, { databases: 2 });
    const ks = t.keyspace;
    expect(ks.datasetBytes()).toBe(0);
    t.run("SET", "s", "x".repeat(100));
    const one = ks.datasetBytes();
    expect(one).toBeGreaterThan(100);
    t.run("APPEND", "s", "y".repeat(5000));
    expect(ks.datasetBytes()).toBeGreaterThan(one + 5000);
    t.run("RPUSH", "l", "a");
    const small = ks.datasetBytes();
    for (let i = 0; i < 100; i++) t.run("RPUSH", "l", `element:${i}`);
    expect(ks.datasetBytes()).toBeGreaterThan(small + 100 * 20);
    t.run("HSET", "h", "f", "v");
    t.run("SADD", "set", "a", "b");
    t.run("ZADD", "z", "1", "a");
    t.run("EXPIRE", "h", "100");
    t.run("PERSIST", "h");
    t.run("EXPIRE", "set", "100");
    t.run("RENAME", "l", "l2");
    t.run("MOVE", "z", "1");
    t.run("COPY", "set", "set2");
    t.run("SET", "s", "short");
    t.run("LPOP", "l2", "50");
    t.run("SWAPDB", "0", "1");
    t.dbIndex = 1;
    expect(t.run("DEL", "s", "h", "set", "set2", "l2")).toBe(5);
    t.dbIndex = 0;
    expect(ks.datasetBytes()).toBeGreaterThan(0);
    t.run("FLUSHDB");
    expect(ks.datasetBytes()).toBe(0);
    t.run("SET", "k", "v", "PX", "10");
    t.now += 100;
    expect(t.run("GET", "k")).toBeNull();
    expect(ks.datasetBytes()).toBe(0);
  });
});

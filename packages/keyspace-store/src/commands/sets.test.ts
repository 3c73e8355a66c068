import { describe, expect, it } from "vitest";
import { ArrayArgs, ReplyErr, TestStore } from "../test-kit.js";
import { hashCommands } from "./hashes.js";
import { setCommands } from "./sets.js";

const WRONGTYPE = new ReplyErr("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INT = new ReplyErr("ERR value is not an integer or out of range");
const SYNTAX = new ReplyErr("ERR syntax error");

/** A store recording `events`, picking with `random` (the keyspace's random source). */
function store(events?: string[], random: () => number = Math.random): TestStore {
  return new TestStore([...setCommands, ...hashCommands], {
    random,
    hooks: events
      ? {
          // "new" (dbAdd's event) belongs to the core; these tests follow the family's events.
          notify: (_db, cls, ev, key) => cls !== "new" && events.push(`${cls}:${ev}:${key}`),
          keyModified: (_db, key) => events.push(`modified:${key}`),
        }
      : {},
  });
}

function propagated(t: TestStore): string[][] {
  return t.last.propagated.map((argv) =>
    argv.map((a) => (typeof a === "string" ? a : a.toString("latin1"))),
  );
}

const sorted = (v: unknown): string[] => [...(v as string[])].sort();

describe("SADD / SREM / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS", () => {
  it("adds and removes members, counting only changes", () => {
    const events: string[] = [];
    const t = store(events);
    expect(t.run("SADD", "s", "a", "b", "a")).toBe(2);
    expect(events).toEqual(["modified:s", "set:sadd:s"]);
    expect(t.last.dirty).toBe(2);
    expect(propagated(t)).toEqual([["SADD", "s", "a", "b", "a"]]);
    expect(t.run("SADD", "s", "a")).toBe(0);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("SCARD", "s")).toBe(2);
    expect(t.run("SISMEMBER", "s", "a")).toBe(1);
    expect(t.run("SISMEMBER", "s", "z")).toBe(0);
    expect(t.run("SISMEMBER", "nokey", "z")).toBe(0);
    expect(t.run("SMISMEMBER", "s", "a", "z", "b")).toEqual([1, 0, 1]);
    expect(t.run("SMISMEMBER", "nokey", "a", "b")).toEqual([0, 0]);
    expect(sorted(t.run("SMEMBERS", "s"))).toEqual(["a", "b"]);
    expect(t.run("SMEMBERS", "nokey")).toEqual([]);
    expect(t.run("SCARD", "nokey")).toBe(0);
    events.length = 0;
    expect(t.run("SREM", "s", "a", "zz")).toBe(1);
    expect(events).toEqual(["modified:s", "set:srem:s"]);
    events.length = 0;
    expect(t.run("SREM", "s", "b", "a")).toBe(1);
    expect(events).toEqual(["modified:s", "set:srem:s", "generic:del:s"]);
    expect(t.keyspace.db(0).size).toBe(0);
    expect(t.run("SREM", "s", "b")).toBe(0);
    expect(t.last.propagated).toEqual([]);
  });

  it("refuses other types", () => {
    const t = store();
    t.run("HSET", "h", "f", "v");
    for (const argv of [
      ["SADD", "h", "a"],
      ["SREM", "h", "a"],
      ["SCARD", "h"],
      ["SISMEMBER", "h", "a"],
      ["SMISMEMBER", "h", "a"],
      ["SMEMBERS", "h"],
      ["SPOP", "h"],
      ["SPOP", "h", "2"],
      ["SRANDMEMBER", "h"],
      ["SRANDMEMBER", "h", "2"],
      ["SINTER", "h"],
      ["SUNION", "h"],
      ["SDIFF", "h"],
      ["SINTERCARD", "1", "h"],
      ["SSCAN", "h", "0"],
    ]) {
      expect(t.run(...(argv as string[]))).toEqual(WRONGTYPE);
    }
  });

  it("replies with RESP3 sets where Redis does", () => {
    const t = store();
    t.run("SADD", "s", "a");
    t.resp = 3;
    expect(t.runResp("SMEMBERS", "s").toString()).toBe("~1\r\n$1\r\na\r\n");
    expect(t.runResp("SINTER", "s", "nokey").toString()).toBe("~0\r\n");
    expect(t.runResp("SUNION", "s").toString()).toBe("~1\r\n$1\r\na\r\n");
    expect(t.runResp("SRANDMEMBER", "s", "5").toString()).toBe("*1\r\n$1\r\na\r\n");
    expect(t.runResp("SPOP", "nokey", "2").toString()).toBe("~0\r\n");
    expect(t.runResp("SPOP", "nokey").toString()).toBe("_\r\n");
  });

  it("is binary safe", () => {
    const t = store();
    const m = Buffer.from([0, 0xff, 0x80, 0x0a]);
    t.run("SADD", "s", m);
    expect(t.runBuffers("SMEMBERS", "s")).toEqual([m]);
    expect(t.run("SISMEMBER", "s", m)).toBe(1);
  });
});

describe("SPOP", () => {
  it("pops one member and propagates it as SREM", () => {
    const events: string[] = [];
    const t = store(events, () => 0);
    t.run("SADD", "s", "a", "b");
    events.length = 0;
    expect(t.run("SPOP", "s")).toBe("a");
    expect(propagated(t)).toEqual([["SREM", "s", "a"]]);
    expect(events).toEqual(["set:spop:s", "modified:s"]);
    events.length = 0;
    expect(t.run("SPOP", "s")).toBe("b");
    expect(events).toEqual(["set:spop:s", "generic:del:s", "modified:s"]);
    expect(t.run("SPOP", "s")).toBeNull();
    expect(t.last.propagated).toEqual([]);
  });

  it("pops COUNT members as one SREM each, or the whole set as DEL", () => {
    const t = store();
    t.run("SADD", "s", "a", "b", "c", "d", "e");
    const popped = t.run("SPOP", "s", "3") as string[];
    expect(new Set(popped).size).toBe(3);
    expect(propagated(t)).toEqual(popped.map((m) => ["SREM", "s", m]));
    expect(t.last.dirty).toBe(3);
    expect(t.run("SCARD", "s")).toBe(2);
    const rest = t.run("SPOP", "s", "10") as string[];
    expect(sorted([...popped, ...rest])).toEqual(["a", "b", "c", "d", "e"]);
    expect(propagated(t)).toEqual([["DEL", "s"]]);
    expect(t.last.dirty).toBe(2);
    expect(t.keyspace.db(0).size).toBe(0);
    expect(t.run("SPOP", "s", "3")).toEqual([]);
    expect(t.run("SPOP", "s", "0")).toEqual([]);
  });

  it("validates the count before looking at the key", () => {
    const t = store();
    t.run("SADD", "s", "a");
    expect(t.run("SPOP", "s", "-1")).toEqual(
      new ReplyErr("ERR value is out of range, must be positive"),
    );
    expect(t.run("SPOP", "nokey", "x")).toEqual(
      new ReplyErr("ERR value is out of range, must be positive"),
    );
    expect(t.run("SPOP", "s", "1", "2")).toEqual(SYNTAX);
    expect(t.run("SPOP", "s", "0")).toEqual([]);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("SCARD", "s")).toBe(1);
  });
});

describe("random picks on big sets (indexed side array)", () => {
  it("SPOP drains a big set exactly, while SADD and SREM interleave", () => {
    const t = store();
    for (let i = 0; i < 500; i++) t.run("SADD", "s", `m${i}`);
    expect(t.run("SRANDMEMBER", "s")).toMatch(/^m\d+$/);
    const popped = new Set<string>();
    for (let i = 0; i < 200; i++) popped.add(t.run("SPOP", "s") as string);
    t.run("SREM", "s", "m0", "m1", "m2");
    t.run("SADD", "s", "extra1", "extra2");
    for (const m of t.run("SRANDMEMBER", "s", "-50") as string[])
      expect(t.run("SISMEMBER", "s", m)).toBe(1);
    let left = t.run("SCARD", "s") as number;
    while (left-- > 0) popped.add(t.run("SPOP", "s") as string);
    expect(t.keyspace.db(0).size).toBe(0);
    const expected = new Set([
      ...Array.from({ length: 500 }, (_, i) => `m${i}`),
      "extra1",
      "extra2",
    ]);
    for (const m of ["m0", "m1", "m2"]) if (!popped.has(m)) expected.delete(m);
    expect(popped).toEqual(expected);
  });

  it("HRANDFIELD follows HSET and HDEL on a big hash", () => {
    const t = store();
    for (let i = 0; i < 300; i++) t.run("HSET", "h", `f${i}`, `v${i}`);
    expect(t.run("HRANDFIELD", "h")).toMatch(/^f\d+$/);
    for (let i = 0; i < 150; i++) t.run("HDEL", "h", `f${i}`);
    t.run("HSET", "h", "new", "x");
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(t.run("HRANDFIELD", "h") as string);
    expect(seen.size).toBe(151);
    const pairs = t.run("HRANDFIELD", "h", "-20", "WITHVALUES") as string[];
    for (let i = 0; i < pairs.length; i += 2)
      expect(pairs[i + 1]).toBe(pairs[i] === "new" ? "x" : `v${(pairs[i] as string).slice(1)}`);
  });
});

describe("SRANDMEMBER", () => {
  it("returns members without removing them", () => {
    const t = store();
    expect(t.run("SRANDMEMBER", "nokey")).toBeNull();
    expect(t.run("SRANDMEMBER", "nokey", "3")).toEqual([]);
    expect(t.run("SRANDMEMBER", "nokey", "-3")).toEqual([]);
    t.run("SADD", "s", "a", "b", "c");
    expect(["a", "b", "c"]).toContain(t.run("SRANDMEMBER", "s"));
    expect(t.run("SRANDMEMBER", "s", "0")).toEqual([]);
    expect(sorted(t.run("SRANDMEMBER", "s", "5"))).toEqual(["a", "b", "c"]);
    const two = t.run("SRANDMEMBER", "s", "2") as string[];
    expect(new Set(two).size).toBe(2);
    const many = t.run("SRANDMEMBER", "s", "-10") as string[];
    expect(many).toHaveLength(10);
    for (const m of many) expect(["a", "b", "c"]).toContain(m);
    expect(t.run("SCARD", "s")).toBe(3);
  });

  it("follows the keyspace's random source", () => {
    const t = store(undefined, () => 0.5);
    t.run("SADD", "s", "a", "b", "c");
    expect(t.run("SRANDMEMBER", "s")).toBe("b");
    expect(t.run("SRANDMEMBER", "s", "-2")).toEqual(["b", "b"]);
  });

  it("validates the count", () => {
    const t = store();
    t.run("SADD", "s", "a");
    expect(t.run("SRANDMEMBER", "s", "x")).toEqual(NOT_INT);
    expect(t.run("SRANDMEMBER", "s", "-9223372036854775808")).toEqual(
      new ReplyErr(
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
      ),
    );
    expect(t.run("SRANDMEMBER", "s", "1", "2")).toEqual(SYNTAX);
    expect(t.run("SRANDMEMBER", "s", "9223372036854775807")).toEqual(["a"]);
  });
});

describe("SMOVE", () => {
  it("moves a member, creating the destination and deleting an emptied source", () => {
    const events: string[] = [];
    const t = store(events);
    t.run("SADD", "src", "a");
    events.length = 0;
    expect(t.run("SMOVE", "src", "dst", "a")).toBe(1);
    expect(events).toEqual([
      "set:srem:src",
      "generic:del:src",
      "modified:src",
      "modified:dst",
      "set:sadd:dst",
    ]);
    expect(t.last.dirty).toBe(2);
    expect(propagated(t)).toEqual([["SMOVE", "src", "dst", "a"]]);
    expect(t.run("SMEMBERS", "dst")).toEqual(["a"]);
    expect(t.keyspace.db(0).dict.has("src")).toBe(false);
  });

  it("handles missing members, same keys and members already in the destination", () => {
    const t = store();
    t.run("SADD", "a", "x", "y");
    t.run("SADD", "b", "x");
    expect(t.run("SMOVE", "a", "b", "zz")).toBe(0);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("SMOVE", "nokey", "b", "x")).toBe(0);
    expect(t.run("SMOVE", "a", "a", "x")).toBe(1);
    expect(t.run("SMOVE", "a", "a", "zz")).toBe(0);
    expect(t.run("SMOVE", "a", "b", "x")).toBe(1);
    expect(t.last.dirty).toBe(1);
    expect(t.run("SMEMBERS", "a")).toEqual(["y"]);
    expect(t.run("SMEMBERS", "b")).toEqual(["x"]);
  });

  it("type-checks both keys, but a missing source wins", () => {
    const t = store();
    t.run("SADD", "s", "x");
    t.run("HSET", "h", "f", "v");
    expect(t.run("SMOVE", "s", "h", "x")).toEqual(WRONGTYPE);
    expect(t.run("SMOVE", "h", "s", "x")).toEqual(WRONGTYPE);
    expect(t.run("SMOVE", "nokey", "h", "x")).toBe(0);
    expect(t.run("SCARD", "s")).toBe(1);
  });
});

describe("SINTER / SUNION / SDIFF and their STORE forms", () => {
  function seeded(): TestStore {
    const t = store();
    t.run("SADD", "a", "1", "2", "3", "4");
    t.run("SADD", "b", "3", "4", "5");
    t.run("SADD", "c", "4", "6");
    return t;
  }

  it("computes the algebra; a missing key is an empty set", () => {
    const t = seeded();
    expect(sorted(t.run("SINTER", "a", "b"))).toEqual(["3", "4"]);
    expect(sorted(t.run("SINTER", "a", "b", "c"))).toEqual(["4"]);
    expect(t.run("SINTER", "a", "nokey")).toEqual([]);
    expect(sorted(t.run("SINTER", "a"))).toEqual(["1", "2", "3", "4"]);
    expect(sorted(t.run("SUNION", "a", "b", "nokey", "c"))).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(sorted(t.run("SDIFF", "a", "b"))).toEqual(["1", "2"]);
    expect(sorted(t.run("SDIFF", "a", "nokey", "c"))).toEqual(["1", "2", "3"]);
    expect(t.run("SDIFF", "a", "a")).toEqual([]);
    expect(t.run("SDIFF", "nokey", "a")).toEqual([]);
    expect(t.run("SUNION", "nokey")).toEqual([]);
  });

  it("type-checks every key, even after a missing one", () => {
    const t = seeded();
    t.run("HSET", "h", "f", "v");
    expect(t.run("SINTER", "nokey", "h")).toEqual(WRONGTYPE);
    expect(t.run("SUNION", "a", "h")).toEqual(WRONGTYPE);
    expect(t.run("SDIFF", "nokey", "h")).toEqual(WRONGTYPE);
    expect(t.run("SINTERSTORE", "d", "nokey", "h")).toEqual(WRONGTYPE);
    expect(t.run("SINTERCARD", "2", "nokey", "h")).toEqual(WRONGTYPE);
  });

  it("stores results, overwriting any type and dropping the TTL", () => {
    const events: string[] = [];
    const t = seeded();
    t.keyspace.hooks = {
      notify: (_db, cls, ev, key) => cls !== "new" && events.push(`${cls}:${ev}:${key}`),
      keyModified: (_db, key) => events.push(`modified:${key}`),
    };
    t.run("HSET", "d", "f", "v");
    t.keyspace.db(0).setExpire("d", t.now + 100_000);
    events.length = 0;
    expect(t.run("SINTERSTORE", "d", "a", "b")).toBe(2);
    expect(events).toEqual(["modified:d", "set:sinterstore:d"]);
    expect(propagated(t)).toEqual([["SINTERSTORE", "d", "a", "b"]]);
    expect(t.keyspace.db(0).getExpire("d")).toBe(-1);
    expect(sorted(t.run("SMEMBERS", "d"))).toEqual(["3", "4"]);
    expect(t.run("SUNIONSTORE", "d", "b", "c")).toBe(4);
    expect(sorted(t.run("SMEMBERS", "d"))).toEqual(["3", "4", "5", "6"]);
    expect(t.run("SDIFFSTORE", "d", "a", "b")).toBe(2);
    expect(sorted(t.run("SMEMBERS", "d"))).toEqual(["1", "2"]);
    // A destination that is also a source.
    expect(t.run("SUNIONSTORE", "a", "a", "c")).toBe(5);
    expect(t.run("SDIFFSTORE", "a", "a", "c")).toBe(3);
  });

  it("deletes the destination on an empty result, propagating only when it existed", () => {
    const events: string[] = [];
    const t = seeded();
    t.keyspace.hooks = {
      notify: (_db, cls, ev, key) => cls !== "new" && events.push(`${cls}:${ev}:${key}`),
      keyModified: (_db, key) => events.push(`modified:${key}`),
    };
    t.run("SADD", "d", "x");
    events.length = 0;
    expect(t.run("SINTERSTORE", "d", "a", "nokey")).toBe(0);
    expect(events).toEqual(["modified:d", "generic:del:d"]);
    expect(t.last.dirty).toBe(1);
    expect(propagated(t)).toEqual([["SINTERSTORE", "d", "a", "nokey"]]);
    expect(t.keyspace.db(0).size).toBe(3);
    expect(t.run("SINTERSTORE", "d", "a", "nokey")).toBe(0);
    expect(t.last.propagated).toEqual([]);
    expect(t.last.dirty).toBe(0);
    expect(t.run("SDIFFSTORE", "d", "a", "a")).toBe(0);
    expect(t.run("SUNIONSTORE", "d", "nokey")).toBe(0);
    expect(t.run("SINTERSTORE", "d", "a", "c", "nokey2")).toBe(0);
    expect(t.keyspace.db(0).dict.has("d")).toBe(false);
  });
});

describe("redis.io examples", () => {
  it("SINTERCARD, SMISMEMBER, SMOVE", () => {
    const t = store();
    t.run("SADD", "key1", "a", "b", "c", "d");
    t.run("SADD", "key2", "c", "d", "e");
    expect(sorted(t.run("SINTER", "key1", "key2"))).toEqual(["c", "d"]);
    expect(t.run("SINTERCARD", "2", "key1", "key2")).toBe(2);
    expect(t.run("SINTERCARD", "2", "key1", "key2", "LIMIT", "1")).toBe(1);
    t.run("SADD", "myset", "one");
    expect(t.run("SMISMEMBER", "myset", "one", "notamember")).toEqual([1, 0]);
    t.run("SADD", "myset", "two");
    t.run("SADD", "myotherset", "three");
    expect(t.run("SMOVE", "myset", "myotherset", "two")).toBe(1);
    expect(t.run("SMEMBERS", "myset")).toEqual(["one"]);
    expect(sorted(t.run("SMEMBERS", "myotherset"))).toEqual(["three", "two"]);
  });
});

describe("SINTERCARD", () => {
  it("counts the intersection up to LIMIT", () => {
    const t = store();
    t.run("SADD", "a", "1", "2", "3", "4");
    t.run("SADD", "b", "2", "3", "4", "5");
    expect(t.run("SINTERCARD", "2", "a", "b")).toBe(3);
    expect(t.run("SINTERCARD", "2", "a", "b", "LIMIT", "2")).toBe(2);
    expect(t.run("SINTERCARD", "2", "a", "b", "limit", "0")).toBe(3);
    expect(t.run("SINTERCARD", "2", "a", "b", "LIMIT", "10")).toBe(3);
    expect(t.run("SINTERCARD", "1", "a")).toBe(4);
    expect(t.run("SINTERCARD", "2", "a", "nokey")).toBe(0);
  });

  it("reports Redis's argument errors", () => {
    const t = store();
    expect(t.run("SINTERCARD", "0", "a")).toEqual(
      new ReplyErr("ERR numkeys should be greater than 0"),
    );
    expect(t.run("SINTERCARD", "x", "a")).toEqual(
      new ReplyErr("ERR numkeys should be greater than 0"),
    );
    expect(t.run("SINTERCARD", "3", "a", "b")).toEqual(
      new ReplyErr("ERR Number of keys can't be greater than number of args"),
    );
    expect(t.run("SINTERCARD", "1", "a", "LIMIT", "-1")).toEqual(
      new ReplyErr("ERR LIMIT can't be negative"),
    );
    expect(t.run("SINTERCARD", "1", "a", "LIMIT", "x")).toEqual(
      new ReplyErr("ERR LIMIT can't be negative"),
    );
    expect(t.run("SINTERCARD", "1", "a", "LIMIT")).toEqual(SYNTAX);
    expect(t.run("SINTERCARD", "1", "a", "FOO", "1")).toEqual(SYNTAX);
  });

  it("finds its keys from numkeys", () => {
    const spec = setCommands.find((c) => c.name === "sintercard");
    const keys = (...argv: string[]) =>
      spec?.getKeys?.(new ArrayArgs(argv.map((a) => Buffer.from(a))));
    expect(keys("SINTERCARD", "2", "a", "b", "LIMIT", "1")).toEqual([2, 3]);
    expect(keys("SINTERCARD", "1", "a")).toEqual([2]);
    expect(keys("SINTERCARD", "0", "a")).toEqual([]);
    expect(keys("SINTERCARD", "3", "a")).toEqual([]);
    expect(keys("SINTERCARD", "x", "a")).toEqual([]);
  });
});

describe("SSCAN", () => {
  it("returns an intset-sized set whole, and pages through a big one", () => {
    const t = store();
    t.run("SADD", "small", "1", "2", "3");
    expect(t.run("SSCAN", "small", "0", "COUNT", "1")).toEqual(["0", ["1", "2", "3"]]);
    expect(t.run("SSCAN", "small", "0", "MATCH", "2")).toEqual(["0", ["2"]]);
    expect(t.run("SSCAN", "nokey", "0")).toEqual(["0", []]);
    for (let i = 0; i < 300; i++) t.run("SADD", "big", `m${i}`);
    const seen = new Set<string>();
    let cursor = "0";
    let calls = 0;
    do {
      const [next, items] = t.run("SSCAN", "big", cursor) as [string, string[]];
      for (const m of items) seen.add(m);
      cursor = next;
      calls++;
    } while (cursor !== "0" && calls < 1000);
    expect(calls).toBeGreaterThan(1);
    expect(seen.size).toBe(300);
  });

  it("validates cursor and options as Redis", () => {
    const t = store();
    t.run("SADD", "s", "a");
    expect(t.run("SSCAN", "s", "abc")).toEqual(new ReplyErr("ERR invalid cursor"));
    expect(t.run("SSCAN", "s", "0", "COUNT", "0")).toEqual(SYNTAX);
    expect(t.run("SSCAN", "s", "0", "TYPE", "set")).toEqual(SYNTAX);
    expect(t.run("SSCAN", "nokey", "0", "COUNT", "0")).toEqual(["0", []]);
  });
});

describe("intset order", () => {
  it("stays ascending through out-of-order adds, removals that leave a stale largest member, and SMOVE", () => {
    const t = store();
    for (let i = 0; i < 500; i++) t.run("SADD", "s", String(-i));
    t.run("SADD", "s", "5", "-1000", "7", "6");
    t.run("SREM", "s", "7");
    t.run("SADD", "s", "-1001", "6", "3");
    t.run("SADD", "src", "4", "-2000");
    t.run("SMOVE", "src", "s", "4");
    t.run("SMOVE", "src", "s", "-2000");
    // 507 integers: an intset (a hashtable would keep the insertion order checked against).
    const m = t.run("SMEMBERS", "s") as string[];
    expect(m).toEqual([...m].sort((a, b) => Number(a) - Number(b)));
    expect(m.slice(0, 3)).toEqual(["-2000", "-1001", "-1000"]);
    expect(m.slice(-4)).toEqual(["3", "4", "5", "6"]);
  });

  it("orders 64-bit members by value, not by their text", () => {
    const t = store();
    t.run("SADD", "s", "9223372036854775807", "-9223372036854775808", "10", "9", "-10", "-9", "0");
    expect(t.run("SMEMBERS", "s")).toEqual([
      "-9223372036854775808",
      "-10",
      "-9",
      "0",
      "9",
      "10",
      "9223372036854775807",
    ]);
    // A hashtable set keeps its own (insertion) order.
    t.run("SADD", "h", "3", "x", "1");
    expect(t.run("SMEMBERS", "h")).toEqual(["3", "x", "1"]);
  });
});

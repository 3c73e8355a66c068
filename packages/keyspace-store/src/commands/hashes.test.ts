import { describe, expect, it } from "vitest";
import { ReplyErr, Simple, TestStore } from "../test-kit.js";
import { hashCommands } from "./hashes.js";
import { setCommands } from "./sets.js";

const WRONGTYPE = new ReplyErr("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INT = new ReplyErr("ERR value is not an integer or out of range");
const SYNTAX = new ReplyErr("ERR syntax error");

/** A store recording `events`, picking with `random` (the keyspace's random source). */
function store(events?: string[], random: () => number = Math.random): TestStore {
  return new TestStore([...hashCommands, ...setCommands], {
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

/** Propagated commands as latin1 strings, for easy comparison. */
function propagated(t: TestStore): string[][] {
  return t.last.propagated.map((argv) =>
    argv.map((a) => (typeof a === "string" ? a : a.toString("latin1"))),
  );
}

describe("HSET / HMSET / HSETNX", () => {
  it("counts new fields, overwrites, replies OK for HMSET", () => {
    const t = store();
    expect(t.run("HSET", "h", "a", "1", "b", "2")).toBe(2);
    expect(t.run("HSET", "h", "a", "10", "c", "3")).toBe(1);
    expect(t.run("HMSET", "h", "d", "4")).toEqual(new Simple("OK"));
    expect(t.run("HGETALL", "h")).toEqual([
      ["a", "10"],
      ["b", "2"],
      ["c", "3"],
      ["d", "4"],
    ]);
    expect(t.last.dirty).toBe(0);
  });

  it("checks pairs with the command's own name in the arity error", () => {
    const t = store();
    expect(t.run("HSET", "h", "a")).toEqual(
      new ReplyErr("ERR wrong number of arguments for 'hset' command"),
    );
    expect(t.run("HSET", "h", "a", "1", "b")).toEqual(
      new ReplyErr("ERR wrong number of arguments for 'hset' command"),
    );
    expect(t.run("HMSET", "h", "a", "1", "b")).toEqual(
      new ReplyErr("ERR wrong number of arguments for 'hmset' command"),
    );
    expect(t.keyspace.db(0).size).toBe(0);
  });

  it("signals, notifies, counts dirty and propagates", () => {
    const events: string[] = [];
    const t = store(events);
    t.run("HSET", "h", "a", "1", "b", "2");
    expect(events).toEqual(["modified:h", "hash:hset:h"]);
    expect(t.last.dirty).toBe(2);
    expect(propagated(t)).toEqual([["HSET", "h", "a", "1", "b", "2"]]);
  });

  it("HSETNX sets only absent fields", () => {
    const t = store();
    expect(t.run("HSETNX", "h", "a", "1")).toBe(1);
    expect(t.run("HSETNX", "h", "a", "2")).toBe(0);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("HGET", "h", "a")).toBe("1");
  });

  it("refuses other types", () => {
    const t = store();
    t.run("SADD", "s", "x");
    expect(t.run("HSET", "s", "a", "1")).toEqual(WRONGTYPE);
    expect(t.run("HSETNX", "s", "a", "1")).toEqual(WRONGTYPE);
    expect(t.run("HGET", "s", "a")).toEqual(WRONGTYPE);
    expect(t.run("HGETALL", "s")).toEqual(WRONGTYPE);
    expect(t.run("HMGET", "s", "a")).toEqual(WRONGTYPE);
    expect(t.run("HLEN", "s")).toEqual(WRONGTYPE);
    expect(t.run("HDEL", "s", "a")).toEqual(WRONGTYPE);
    expect(t.run("HINCRBY", "s", "a", "1")).toEqual(WRONGTYPE);
    expect(t.run("HRANDFIELD", "s")).toEqual(WRONGTYPE);
    expect(t.run("HSCAN", "s", "0")).toEqual(WRONGTYPE);
  });

  it("is binary safe in fields and values", () => {
    const t = store();
    const field = Buffer.from([0, 0xff, 0x0d, 0x0a]);
    const value = Buffer.from([0xc3, 0x28, 0]);
    expect(t.run("HSET", "h", field, value)).toBe(1);
    expect(t.runBuffers("HGET", "h", field)).toEqual(value);
    expect(t.runBuffers("HKEYS", "h")).toEqual([field]);
  });

  it("stores a copy of the value, not the caller's buffer", () => {
    const t = store();
    const v = Buffer.from("abc");
    t.run("HSET", "h", "f", v);
    v[0] = 0x7a;
    expect(t.run("HGET", "h", "f")).toBe("abc");
  });
});

describe("HGET / HMGET / HEXISTS / HLEN / HSTRLEN / HKEYS / HVALS / HGETALL", () => {
  it("reads fields and misses", () => {
    const t = store();
    t.run("HSET", "h", "a", "hello", "b", "");
    expect(t.run("HGET", "h", "a")).toBe("hello");
    expect(t.run("HGET", "h", "zz")).toBeNull();
    expect(t.run("HGET", "nokey", "a")).toBeNull();
    expect(t.run("HMGET", "h", "a", "zz", "b")).toEqual(["hello", null, ""]);
    expect(t.run("HMGET", "nokey", "a", "b")).toEqual([null, null]);
    expect(t.run("HEXISTS", "h", "a")).toBe(1);
    expect(t.run("HEXISTS", "h", "zz")).toBe(0);
    expect(t.run("HEXISTS", "nokey", "a")).toBe(0);
    expect(t.run("HLEN", "h")).toBe(2);
    expect(t.run("HLEN", "nokey")).toBe(0);
    expect(t.run("HSTRLEN", "h", "a")).toBe(5);
    expect(t.run("HSTRLEN", "h", "b")).toBe(0);
    expect(t.run("HSTRLEN", "h", "zz")).toBe(0);
    expect(t.run("HKEYS", "h")).toEqual(["a", "b"]);
    expect(t.run("HVALS", "h")).toEqual(["hello", ""]);
    expect(t.run("HKEYS", "nokey")).toEqual([]);
    expect(t.run("HVALS", "nokey")).toEqual([]);
    expect(t.run("HGETALL", "nokey")).toEqual([]);
  });

  it("replies HGETALL as a map in RESP3 and a flat array in RESP2", () => {
    const t = store();
    t.run("HSET", "h", "a", "1", "b", "2");
    expect(t.runResp("HGETALL", "h").toString()).toBe(
      "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    expect(t.runResp("HGET", "h", "zz").toString()).toBe("$-1\r\n");
    t.resp = 3;
    expect(t.runResp("HGETALL", "h").toString()).toBe(
      "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    expect(t.runResp("HGETALL", "nokey").toString()).toBe("%0\r\n");
    expect(t.runResp("HGET", "h", "zz").toString()).toBe("_\r\n");
  });

  it("treats an expired hash as missing", () => {
    const t = store();
    t.run("HSET", "h", "a", "1");
    t.keyspace.db(0).setExpire("h", t.now + 10);
    t.now += 11; // expired once now > when
    expect(t.run("HGET", "h", "a")).toBeNull();
    expect(t.run("HLEN", "h")).toBe(0);
    expect(t.keyspace.db(0).size).toBe(0);
  });
});

describe("HDEL", () => {
  it("deletes fields and the emptied key, notifying del", () => {
    const events: string[] = [];
    const t = store(events);
    t.run("HSET", "h", "a", "1", "b", "2");
    events.length = 0;
    expect(t.run("HDEL", "h", "a", "zz")).toBe(1);
    expect(events).toEqual(["modified:h", "hash:hdel:h"]);
    events.length = 0;
    expect(t.run("HDEL", "h", "b", "a")).toBe(1);
    expect(events).toEqual(["modified:h", "hash:hdel:h", "generic:del:h"]);
    expect(t.keyspace.db(0).size).toBe(0);
    expect(t.run("HDEL", "h", "a")).toBe(0);
    expect(t.last.propagated).toEqual([]);
  });

  it("does not propagate when nothing was deleted", () => {
    const t = store();
    t.run("HSET", "h", "a", "1");
    expect(t.run("HDEL", "h", "x", "y")).toBe(0);
    expect(t.last.propagated).toEqual([]);
    expect(t.last.dirty).toBe(0);
  });
});

describe("HINCRBY", () => {
  it("increments, creating key and field", () => {
    const t = store();
    expect(t.run("HINCRBY", "h", "n", "5")).toBe(5);
    expect(t.run("HINCRBY", "h", "n", "-7")).toBe(-2);
    expect(propagated(t)).toEqual([["HINCRBY", "h", "n", "-7"]]);
    expect(t.run("HGET", "h", "n")).toBe("-2");
  });

  it("uses exact int64 arithmetic and refuses overflow", () => {
    const t = store();
    t.run("HSET", "h", "n", "9223372036854775806");
    expect(t.run("HINCRBY", "h", "n", "1")).toBe(9223372036854775807n);
    expect(t.run("HINCRBY", "h", "n", "1")).toEqual(
      new ReplyErr("ERR increment or decrement would overflow"),
    );
    t.run("HSET", "h", "m", "-9223372036854775807");
    expect(t.run("HINCRBY", "h", "m", "-1")).toBe(-9223372036854775808n);
    expect(t.run("HINCRBY", "h", "m", "-1")).toEqual(
      new ReplyErr("ERR increment or decrement would overflow"),
    );
    expect(t.run("HGET", "h", "m")).toBe("-9223372036854775808");
    expect(t.run("HINCRBY", "h", "m", "9223372036854775807")).toBe(-1);
  });

  it("refuses a bad increment or a non-integer value", () => {
    const t = store();
    t.run("HSET", "h", "s", " 1", "f", "1.5", "z", "01");
    expect(t.run("HINCRBY", "h", "s", "x")).toEqual(NOT_INT);
    expect(t.run("HINCRBY", "h", "s", "9223372036854775808")).toEqual(NOT_INT);
    expect(t.run("HINCRBY", "h", "s", "1")).toEqual(
      new ReplyErr("ERR hash value is not an integer"),
    );
    expect(t.run("HINCRBY", "h", "f", "1")).toEqual(
      new ReplyErr("ERR hash value is not an integer"),
    );
    expect(t.run("HINCRBY", "h", "z", "1")).toEqual(
      new ReplyErr("ERR hash value is not an integer"),
    );
    // A bad increment never creates the key.
    expect(t.run("HINCRBY", "nokey", "a", "x")).toEqual(NOT_INT);
    expect(t.keyspace.db(0).dict.has("nokey")).toBe(false);
  });
});

describe("HINCRBYFLOAT", () => {
  it("adds in long double precision and prints like Redis", () => {
    const t = store();
    expect(t.run("HINCRBYFLOAT", "h", "f", "10.1")).toBe("10.1");
    expect(t.run("HINCRBYFLOAT", "h", "f", "0.1")).toBe("10.2");
    expect(t.run("HINCRBYFLOAT", "h", "g", "0.1")).toBe("0.1");
    expect(t.run("HINCRBYFLOAT", "h", "g", "0.2")).toBe("0.3");
    t.run("HSET", "h", "e", "5.0e3");
    expect(t.run("HINCRBYFLOAT", "h", "e", "2.0e2")).toBe("5200");
    expect(t.run("HINCRBYFLOAT", "h", "x", "1e18")).toBe("1000000000000000000");
    expect(t.run("HINCRBYFLOAT", "h", "y", "-1.5")).toBe("-1.5");
    expect(t.run("HINCRBYFLOAT", "h", "y", "1.5")).toBe("0");
  });

  it("propagates as HSET with the printed result", () => {
    const t = store();
    t.run("HINCRBYFLOAT", "h", "f", "3.0e0");
    expect(propagated(t)).toEqual([["HSET", "h", "f", "3"]]);
    expect(t.last.dirty).toBe(1);
  });

  it("reports Redis's errors", () => {
    const t = store();
    t.run("HSET", "h", "s", "abc", "i", "inf");
    expect(t.run("HINCRBYFLOAT", "h", "f", "abc")).toEqual(
      new ReplyErr("ERR value is not a valid float"),
    );
    expect(t.run("HINCRBYFLOAT", "h", "f", "nan")).toEqual(
      new ReplyErr("ERR value is not a valid float"),
    );
    expect(t.run("HINCRBYFLOAT", "h", "f", "inf")).toEqual(
      new ReplyErr("ERR value is NaN or Infinity"),
    );
    expect(t.run("HINCRBYFLOAT", "h", "s", "1")).toEqual(
      new ReplyErr("ERR hash value is not a float"),
    );
    expect(t.run("HINCRBYFLOAT", "h", "i", "1")).toEqual(
      new ReplyErr("ERR increment would produce NaN or Infinity"),
    );
    t.run("HSET", "h", "big", "1.18e4932");
    expect(t.run("HINCRBYFLOAT", "h", "big", "1.18e4932")).toEqual(
      new ReplyErr("ERR increment would produce NaN or Infinity"),
    );
    expect(t.last.propagated).toEqual([]);
  });
});

describe("redis.io examples", () => {
  it("HINCRBYFLOAT", () => {
    const t = store();
    expect(t.run("HSET", "mykey", "field", "10.50")).toBe(1);
    expect(t.run("HINCRBYFLOAT", "mykey", "field", "0.1")).toBe("10.6");
    expect(t.run("HINCRBYFLOAT", "mykey", "field", "-5")).toBe("5.6");
    expect(t.run("HSET", "mykey", "field", "5.0e3")).toBe(0);
    expect(t.run("HINCRBYFLOAT", "mykey", "field", "2.0e2")).toBe("5200");
  });

  it("HINCRBY and HSTRLEN", () => {
    const t = store();
    t.run("HSET", "myhash", "field", "5");
    expect(t.run("HINCRBY", "myhash", "field", "1")).toBe(6);
    expect(t.run("HINCRBY", "myhash", "field", "-1")).toBe(5);
    expect(t.run("HINCRBY", "myhash", "field", "-10")).toBe(-5);
    t.run("HMSET", "myhash", "f1", "HelloWorld", "f2", "99", "f3", "-256");
    expect(t.run("HSTRLEN", "myhash", "f1")).toBe(10);
    expect(t.run("HSTRLEN", "myhash", "f2")).toBe(2);
    expect(t.run("HSTRLEN", "myhash", "f3")).toBe(4);
  });
});

describe("HRANDFIELD", () => {
  it("handles missing keys and the count forms", () => {
    const t = store();
    expect(t.run("HRANDFIELD", "nokey")).toBeNull();
    expect(t.run("HRANDFIELD", "nokey", "5")).toEqual([]);
    expect(t.run("HRANDFIELD", "nokey", "-5", "WITHVALUES")).toEqual([]);
    t.run("HSET", "h", "a", "1", "b", "2", "c", "3");
    expect(["a", "b", "c"]).toContain(t.run("HRANDFIELD", "h"));
    expect(t.run("HRANDFIELD", "h", "0")).toEqual([]);
    expect(t.run("HRANDFIELD", "h", "10")).toEqual(["a", "b", "c"]);
    expect(t.run("HRANDFIELD", "h", "3", "withvalues")).toEqual(["a", "1", "b", "2", "c", "3"]);
    const two = t.run("HRANDFIELD", "h", "2") as string[];
    expect(new Set(two).size).toBe(2);
    const many = t.run("HRANDFIELD", "h", "-20") as string[];
    expect(many).toHaveLength(20);
    for (const f of many) expect(["a", "b", "c"]).toContain(f);
    const pairs = t.run("HRANDFIELD", "h", "-4", "WITHVALUES") as string[];
    expect(pairs).toHaveLength(8);
    for (let i = 0; i < 8; i += 2)
      expect(pairs[i + 1]).toBe({ a: "1", b: "2", c: "3" }[pairs[i] as "a"]);
  });

  it("nests field/value pairs in RESP3", () => {
    const t = store();
    t.resp = 3;
    t.run("HSET", "h", "a", "1", "b", "2");
    expect(t.run("HRANDFIELD", "h", "5", "WITHVALUES")).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
    expect(t.run("HRANDFIELD", "h", "-3", "WITHVALUES")).toHaveLength(3);
    expect((t.run("HRANDFIELD", "h", "-3", "WITHVALUES") as unknown[][])[0]).toHaveLength(2);
    expect(t.run("HRANDFIELD", "h", "1", "WITHVALUES")).toHaveLength(1);
  });

  it("is deterministic with the keyspace's random source", () => {
    let r = 0.99;
    const t = store(undefined, () => r);
    t.run("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4");
    expect(t.run("HRANDFIELD", "h")).toBe("d");
    expect(t.run("HRANDFIELD", "h", "-2")).toEqual(["d", "d"]);
    r = 0;
    expect(t.run("HRANDFIELD", "h")).toBe("a");
  });

  it("validates count and options", () => {
    const t = store();
    t.run("HSET", "h", "a", "1");
    expect(t.run("HRANDFIELD", "h", "x")).toEqual(NOT_INT);
    expect(t.run("HRANDFIELD", "nokey", "x")).toEqual(NOT_INT);
    expect(t.run("HRANDFIELD", "h", "1", "withvaluesx")).toEqual(SYNTAX);
    expect(t.run("HRANDFIELD", "h", "1", "withvalues", "x")).toEqual(SYNTAX);
    expect(t.run("HRANDFIELD", "h", "9223372036854775807", "withvalues")).toEqual(
      new ReplyErr("ERR value is out of range"),
    );
    expect(t.run("HRANDFIELD", "h", "-4611686018427387904", "withvalues")).toEqual(
      new ReplyErr("ERR value is out of range"),
    );
    expect(t.run("HRANDFIELD", "h", "9223372036854775807")).toEqual(["a"]);
  });
});

describe("HSCAN", () => {
  it("returns a small hash whole with cursor 0 and filters with MATCH", () => {
    const t = store();
    t.run("HSET", "h", "a1", "1", "b1", "2", "a2", "3");
    expect(t.run("HSCAN", "h", "0")).toEqual(["0", ["a1", "1", "b1", "2", "a2", "3"]]);
    expect(t.run("HSCAN", "h", "0", "MATCH", "a*", "COUNT", "1")).toEqual([
      "0",
      ["a1", "1", "a2", "3"],
    ]);
    expect(t.run("HSCAN", "nokey", "0")).toEqual(["0", []]);
  });

  it("pages through a big hash, returning every field at least once while it changes", () => {
    const t = store();
    const n = 1000;
    for (let i = 0; i < n; i++) t.run("HSET", "h", `f${i}`, "v");
    const seen = new Set<string>();
    let cursor = "0";
    let calls = 0;
    do {
      const [next, items] = t.run("HSCAN", "h", cursor, "COUNT", "50") as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.add(items[i] as string);
      // Grow and shrink the hash between calls: fields added or deleted meanwhile may or may not
      // appear, fields present all along must.
      t.run("HSET", "h", `new${calls}`, "v");
      t.run("HDEL", "h", `f${n - 1 - calls}`);
      cursor = next;
      calls++;
    } while (cursor !== "0" && calls < 10_000);
    expect(cursor).toBe("0");
    for (let i = 0; i < n - calls; i++) expect(seen.has(`f${i}`)).toBe(true);
  });

  it("checks the cursor before the key and options after it, as Redis", () => {
    const t = store();
    t.run("HSET", "h", "a", "1");
    expect(t.run("HSCAN", "nokey", "x")).toEqual(new ReplyErr("ERR invalid cursor"));
    expect(t.run("HSCAN", "nokey", "0", "COUNT", "0")).toEqual(["0", []]);
    expect(t.run("HSCAN", "h", "0", "COUNT", "0")).toEqual(SYNTAX);
    expect(t.run("HSCAN", "h", "0", "COUNT", "x")).toEqual(NOT_INT);
    expect(t.run("HSCAN", "h", "0", "TYPE", "string")).toEqual(SYNTAX);
    expect(t.run("HSCAN", "h", "0", "MATCH")).toEqual(SYNTAX);
  });
});

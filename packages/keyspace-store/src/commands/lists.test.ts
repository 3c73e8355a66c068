import { describe, expect, it } from "vitest";
import type { KeyspaceHooks } from "../command-types.js";
import { ArrayArgs, ReplyErr, Simple, TestStore } from "../test-kit.js";
import { isList } from "../value.js";
import { listCommands } from "./lists.js";

const WRONGTYPE = new ReplyErr("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INT = new ReplyErr("ERR value is not an integer or out of range");
const SYNTAX = new ReplyErr("ERR syntax error");
const OK = new Simple("OK");

/** A store with the list commands and a record of every hook call. */
function store() {
  const events: string[] = [];
  const hooks: KeyspaceHooks = {
    // "new" events are the core's (db.add); these tests look at what the list commands emit.
    notify: (_db, cls, ev, key) => cls !== "new" && events.push(`${cls}:${ev}:${key}`),
    keyModified: (_db, key) => events.push(`modified:${key}`),
    keyReady: (_db, key) => events.push(`ready:${key}`),
  };
  const t = new TestStore(listCommands, { hooks });
  const db = t.keyspace.db(0);
  /** A string key, for WRONGTYPE checks. */
  const setString = (key: string) => db.setKey(key, Buffer.from("x"));
  const take = () => events.splice(0);
  const propagated = () => t.last.propagated.map((a) => a.map((x) => x.toString()).join(" "));
  return { t, db, events, take, setString, propagated };
}

const range = (t: TestStore, key: string) => t.run("LRANGE", key, 0, -1);

describe("LPUSH RPUSH LPUSHX RPUSHX", () => {
  it("push at either end, reply the new length, create the key", () => {
    const { t, take, propagated } = store();
    expect(t.run("RPUSH", "l", "a", "b")).toBe(2);
    expect(take()).toEqual(["ready:l", "modified:l", "list:rpush:l"]);
    expect(propagated()).toEqual(["RPUSH l a b"]);
    expect(t.last.dirty).toBe(2);
    expect(t.run("LPUSH", "l", "x", "y")).toBe(4);
    expect(take()).toEqual(["modified:l", "list:lpush:l"]); // not created: nobody to wake
    expect(range(t, "l")).toEqual(["y", "x", "a", "b"]);
  });

  it("X variants push only onto an existing list", () => {
    const { t, db, take, setString } = store();
    expect(t.run("LPUSHX", "l", "a")).toBe(0);
    expect(t.run("RPUSHX", "l", "a", "b")).toBe(0);
    expect(db.size).toBe(0);
    expect(take()).toEqual([]);
    expect(t.last.propagated).toEqual([]);
    t.run("RPUSH", "l", "m");
    expect(t.run("LPUSHX", "l", "a", "b")).toBe(3);
    expect(t.run("RPUSHX", "l", "z")).toBe(4);
    expect(range(t, "l")).toEqual(["b", "a", "m", "z"]);
    setString("s");
    expect(t.run("LPUSHX", "s", "a")).toEqual(WRONGTYPE);
    expect(t.run("LPUSH", "s", "a")).toEqual(WRONGTYPE);
  });

  it("arity", () => {
    const { t } = store();
    expect(t.run("LPUSH", "l")).toEqual(
      new ReplyErr("ERR wrong number of arguments for 'lpush' command"),
    );
  });

  it("is binary safe in keys and elements", () => {
    const { t, db } = store();
    const key = Buffer.from([0xff, 0x00, 0x80]);
    const el = Buffer.from([0x00, 0xe9, 0x0d, 0x0a]);
    t.run("RPUSH", key, el);
    expect(db.has(key.toString("latin1"), t.now)).toBe(true);
    expect(t.runBuffers("LPOP", key)).toEqual(el);
  });

  it("stores owned copies of the arguments", () => {
    const { t } = store();
    const el = Buffer.from("abc");
    t.run("RPUSH", "l", el);
    el.write("zzz");
    expect(t.run("LINDEX", "l", 0)).toBe("abc");
  });
});

describe("LPOP RPOP", () => {
  it("pop one element as a bulk string, or COUNT as an array", () => {
    const { t, propagated } = store();
    t.run("RPUSH", "l", "a", "b", "c", "d", "e");
    expect(t.run("LPOP", "l")).toBe("a");
    expect(propagated()).toEqual(["LPOP l"]);
    expect(t.run("RPOP", "l")).toBe("e");
    expect(t.run("LPOP", "l", 2)).toEqual(["b", "c"]);
    expect(t.last.dirty).toBe(2);
    expect(t.run("RPOP", "l", 5)).toEqual(["d"]);
    expect(t.run("LLEN", "l")).toBe(0);
  });

  it("RPOP with COUNT replies from the tail inwards", () => {
    const { t } = store();
    t.run("RPUSH", "l", "a", "b", "c");
    expect(t.run("RPOP", "l", 2)).toEqual(["c", "b"]);
  });

  it("count 0, missing keys, errors", () => {
    const { t, setString } = store();
    t.run("RPUSH", "l", "a");
    expect(t.run("LPOP", "l", 0)).toEqual([]);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("LPOP", "nokey")).toBeNull();
    expect(t.run("LPOP", "nokey", 0)).toBeNull(); // a null array (checked byte-exact vs Redis)
    const positive = new ReplyErr("ERR value is out of range, must be positive");
    expect(t.run("LPOP", "l", -1)).toEqual(positive);
    expect(t.run("LPOP", "l", "x")).toEqual(positive);
    expect(t.run("LPOP", "nokey", "x")).toEqual(positive); // parsed before the lookup
    expect(t.run("LPOP", "l", 1, 2)).toEqual(
      new ReplyErr("ERR wrong number of arguments for 'lpop' command"),
    );
    expect(t.run("RPOP", "l", 1, 2)).toEqual(
      new ReplyErr("ERR wrong number of arguments for 'rpop' command"),
    );
    setString("s");
    expect(t.run("RPOP", "s")).toEqual(WRONGTYPE);
    expect(t.run("RPOP", "s", 0)).toEqual(WRONGTYPE);
  });

  it("deletes the emptied list and notifies del", () => {
    const { t, db, take } = store();
    t.run("RPUSH", "l", "a", "b");
    take();
    expect(t.run("RPOP", "l", 9)).toEqual(["b", "a"]);
    expect(take()).toEqual(["list:rpop:l", "generic:del:l", "modified:l"]);
    expect(db.size).toBe(0);
  });

  it("an expired list is gone", () => {
    const { t, db } = store();
    t.run("RPUSH", "l", "a");
    db.setExpire("l", t.now - 1);
    expect(t.run("LPOP", "l")).toBeNull();
    expect(t.run("RPUSH", "l", "b")).toBe(1);
  });
});

describe("LLEN LRANGE LINDEX", () => {
  it("LLEN", () => {
    const { t, setString } = store();
    expect(t.run("LLEN", "l")).toBe(0);
    t.run("RPUSH", "l", "a", "b");
    expect(t.run("LLEN", "l")).toBe(2);
    setString("s");
    expect(t.run("LLEN", "s")).toEqual(WRONGTYPE);
  });

  it("LRANGE with negative and out-of-range indexes (the docs' examples)", () => {
    const { t, setString } = store();
    t.run("RPUSH", "mylist", "one", "two", "three");
    expect(t.run("LRANGE", "mylist", 0, 0)).toEqual(["one"]);
    expect(t.run("LRANGE", "mylist", -3, 2)).toEqual(["one", "two", "three"]);
    expect(t.run("LRANGE", "mylist", -100, 100)).toEqual(["one", "two", "three"]);
    expect(t.run("LRANGE", "mylist", 5, 10)).toEqual([]);
    expect(t.run("LRANGE", "mylist", 2, 1)).toEqual([]);
    expect(t.run("LRANGE", "mylist", 0, -4)).toEqual([]);
    expect(t.run("LRANGE", "mylist", "9223372036854775807", "-9223372036854775808")).toEqual([]);
    expect(t.run("LRANGE", "nokey", 0, -1)).toEqual([]);
    expect(t.run("LRANGE", "nokey", "a", -1)).toEqual(NOT_INT); // parsed before the lookup
    expect(t.run("LRANGE", "mylist", 0, "1.5")).toEqual(NOT_INT);
    setString("s");
    expect(t.run("LRANGE", "s", 0, -1)).toEqual(WRONGTYPE);
  });

  it("LINDEX", () => {
    const { t, setString } = store();
    t.run("LPUSH", "mylist", "World", "Hello");
    expect(t.run("LINDEX", "mylist", 0)).toBe("Hello");
    expect(t.run("LINDEX", "mylist", -1)).toBe("World");
    expect(t.run("LINDEX", "mylist", 3)).toBeNull();
    expect(t.run("LINDEX", "mylist", -3)).toBeNull();
    expect(t.run("LINDEX", "mylist", "x")).toEqual(NOT_INT);
    expect(t.run("LINDEX", "nokey", "x")).toBeNull(); // looked up before the index is parsed
    setString("s");
    expect(t.run("LINDEX", "s", "x")).toEqual(WRONGTYPE);
  });

  it("reads count keyspace hits and misses", () => {
    const { t } = store();
    t.run("LLEN", "l");
    t.run("RPUSH", "l", "a");
    t.run("LRANGE", "l", 0, -1);
    expect(t.keyspace.stats).toMatchObject({ keyspaceHits: 1, keyspaceMisses: 1 });
  });
});

describe("LSET LINSERT", () => {
  it("LSET at both ends and in the middle", () => {
    const { t, take, propagated } = store();
    t.run("RPUSH", "l", "a", "b", "c", "d", "e");
    take();
    expect(t.run("LSET", "l", 0, "A")).toEqual(OK);
    expect(take()).toEqual(["modified:l", "list:lset:l"]);
    expect(propagated()).toEqual(["LSET l 0 A"]);
    expect(t.run("LSET", "l", -1, "E")).toEqual(OK);
    expect(t.run("LSET", "l", 2, "C")).toEqual(OK);
    expect(t.run("LSET", "l", -4, "B")).toEqual(OK);
    expect(range(t, "l")).toEqual(["A", "B", "C", "d", "E"]);
  });

  it("LSET errors", () => {
    const { t, setString } = store();
    expect(t.run("LSET", "nokey", 0, "x")).toEqual(new ReplyErr("ERR no such key"));
    expect(t.run("LSET", "nokey", "x", "x")).toEqual(new ReplyErr("ERR no such key"));
    t.run("RPUSH", "l", "a");
    expect(t.run("LSET", "l", 1, "x")).toEqual(new ReplyErr("ERR index out of range"));
    expect(t.run("LSET", "l", -2, "x")).toEqual(new ReplyErr("ERR index out of range"));
    expect(t.run("LSET", "l", "x", "x")).toEqual(NOT_INT);
    setString("s");
    expect(t.run("LSET", "s", 0, "x")).toEqual(WRONGTYPE);
  });

  it("LINSERT before and after the first pivot", () => {
    const { t, take, propagated } = store();
    t.run("RPUSH", "mylist", "Hello", "World");
    take();
    expect(t.run("LINSERT", "mylist", "BEFORE", "World", "There")).toBe(3);
    expect(take()).toEqual(["modified:mylist", "list:linsert:mylist"]);
    expect(propagated()).toEqual(["LINSERT mylist BEFORE World There"]);
    expect(t.run("LINSERT", "mylist", "after", "World", "!")).toBe(4);
    expect(t.run("LINSERT", "mylist", "before", "Hello", "<")).toBe(5);
    expect(range(t, "mylist")).toEqual(["<", "Hello", "There", "World", "!"]);
  });

  it("LINSERT edge cases", () => {
    const { t, setString, take } = store();
    t.run("RPUSH", "l", "a");
    take();
    expect(t.run("LINSERT", "l", "before", "zz", "x")).toBe(-1);
    expect(take()).toEqual([]);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("LINSERT", "nokey", "before", "a", "x")).toBe(0);
    expect(t.run("LINSERT", "l", "middle", "a", "x")).toEqual(SYNTAX);
    expect(t.run("LINSERT", "nokey", "middle", "a", "x")).toEqual(SYNTAX); // checked first
    setString("s");
    expect(t.run("LINSERT", "s", "before", "a", "x")).toEqual(WRONGTYPE);
  });
});

describe("LREM LTRIM", () => {
  it("LREM by count sign (the docs' example)", () => {
    const { t, propagated } = store();
    t.run("RPUSH", "mylist", "hello", "hello", "foo", "hello");
    expect(t.run("LREM", "mylist", -2, "hello")).toBe(2);
    expect(propagated()).toEqual(["LREM mylist -2 hello"]);
    expect(range(t, "mylist")).toEqual(["hello", "foo"]);
    t.run("RPUSH", "l2", "a", "x", "b", "x", "c", "x", "d");
    expect(t.run("LREM", "l2", 2, "x")).toBe(2);
    expect(range(t, "l2")).toEqual(["a", "b", "c", "x", "d"]);
    t.run("RPUSH", "l3", "x", "a", "x", "x", "b", "x");
    expect(t.run("LREM", "l3", 0, "x")).toBe(4);
    expect(range(t, "l3")).toEqual(["a", "b"]);
  });

  it("LREM deletes an emptied list; a miss changes nothing", () => {
    const { t, db, take, setString } = store();
    t.run("RPUSH", "l", "x", "x");
    take();
    expect(t.run("LREM", "l", 0, "y")).toBe(0);
    expect(take()).toEqual([]);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("LREM", "l", 0, "x")).toBe(2);
    expect(take()).toEqual(["list:lrem:l", "generic:del:l", "modified:l"]);
    expect(db.size).toBe(0);
    expect(t.run("LREM", "l", 0, "x")).toBe(0);
    expect(t.run("LREM", "l", "x", "x")).toEqual(NOT_INT);
    setString("s");
    expect(t.run("LREM", "s", 0, "x")).toEqual(WRONGTYPE);
  });

  it("LTRIM (the docs' example and out-of-range bounds)", () => {
    const { t, db, take, propagated } = store();
    t.run("RPUSH", "mylist", "one", "two", "three");
    expect(t.run("LTRIM", "mylist", 1, -1)).toEqual(OK);
    expect(propagated()).toEqual(["LTRIM mylist 1 -1"]);
    expect(range(t, "mylist")).toEqual(["two", "three"]);
    take();
    expect(t.run("LTRIM", "mylist", 0, 100)).toEqual(OK); // removes nothing: not propagated
    expect(t.last.propagated).toEqual([]);
    expect(take()).toEqual(["list:ltrim:mylist", "modified:mylist"]);
    expect(t.run("LTRIM", "mylist", 5, 10)).toEqual(OK);
    expect(db.size).toBe(0);
    expect(take()).toEqual(["list:ltrim:mylist", "generic:del:mylist", "modified:mylist"]);
    expect(t.run("LTRIM", "nokey", 0, 1)).toEqual(OK);
    expect(t.run("LTRIM", "nokey", "a", 1)).toEqual(NOT_INT);
  });
});

describe("LPOS", () => {
  it("the docs' examples", () => {
    const { t } = store();
    t.run("RPUSH", "mylist", "a", "b", "c", "d", "1", "2", "3", "4", "3", "3", "3");
    expect(t.run("LPOS", "mylist", 3)).toBe(6);
    expect(t.run("LPOS", "mylist", 3, "COUNT", 0, "RANK", 2)).toEqual([8, 9, 10]);
    const { t: t2 } = store();
    t2.run("RPUSH", "mylist", "a", "b", "c", 1, 2, 3, "c", "c");
    expect(t2.run("LPOS", "mylist", "c", "RANK", 2)).toBe(6);
    expect(t2.run("LPOS", "mylist", "c", "RANK", -1)).toBe(7);
    expect(t2.run("LPOS", "mylist", "c", "COUNT", 2)).toEqual([2, 6]);
    expect(t2.run("LPOS", "mylist", "c", "RANK", -1, "COUNT", 2)).toEqual([7, 6]);
    expect(t2.run("LPOS", "mylist", "c", "COUNT", 0)).toEqual([2, 6, 7]);
    expect(t2.run("LPOS", "mylist", "c", "COUNT", 0, "MAXLEN", 3)).toEqual([2]);
    expect(t2.run("LPOS", "mylist", "c", "RANK", -1, "MAXLEN", 1)).toBe(7);
    expect(t2.run("LPOS", "mylist", "c", "RANK", 4)).toBeNull();
    expect(t2.run("LPOS", "mylist", "z", "COUNT", 1)).toEqual([]);
  });

  it("errors and missing keys", () => {
    const { t, setString } = store();
    t.run("RPUSH", "l", "a");
    expect(t.run("LPOS", "l", "a", "RANK", 0)).toEqual(
      new ReplyErr(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
      ),
    );
    expect(t.run("LPOS", "l", "a", "RANK", "x")).toEqual(NOT_INT);
    expect(t.run("LPOS", "l", "a", "COUNT", -1)).toEqual(
      new ReplyErr("ERR COUNT can't be negative"),
    );
    expect(t.run("LPOS", "l", "a", "COUNT", "x")).toEqual(
      new ReplyErr("ERR COUNT can't be negative"),
    );
    expect(t.run("LPOS", "l", "a", "MAXLEN", -1)).toEqual(
      new ReplyErr("ERR MAXLEN can't be negative"),
    );
    expect(t.run("LPOS", "l", "a", "RANK")).toEqual(SYNTAX);
    expect(t.run("LPOS", "l", "a", "FOO", 1)).toEqual(SYNTAX);
    expect(t.run("LPOS", "nokey", "a")).toBeNull();
    expect(t.run("LPOS", "nokey", "a", "COUNT", 0)).toEqual([]);
    expect(t.run("LPOS", "nokey", "a", "RANK", 0)).toEqual(
      expect.objectContaining({ message: expect.stringContaining("RANK can't be zero") }),
    );
    setString("s");
    expect(t.run("LPOS", "s", "a")).toEqual(WRONGTYPE);
  });

  it("RANK LONG_MIN behaves as Redis 7.0's overflowed negation (from the tail, COUNT ignored)", () => {
    const { t } = store();
    t.run("RPUSH", "l", "b", "a", "a", "a");
    expect(t.run("LPOS", "l", "a", "RANK", "-9223372036854775808")).toBe(3);
    expect(t.run("LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", 1)).toEqual([3, 2, 1]);
    expect(t.run("LPOS", "l", "a", "RANK", "-9223372036854775807", "COUNT", 1)).toEqual([]);
  });
});

describe("LMOVE RPOPLPUSH", () => {
  it("the docs' example", () => {
    const { t, propagated } = store();
    t.run("RPUSH", "mylist", "one", "two", "three");
    expect(t.run("LMOVE", "mylist", "myotherlist", "RIGHT", "LEFT")).toBe("three");
    expect(propagated()).toEqual(["LMOVE mylist myotherlist RIGHT LEFT"]);
    expect(t.run("LMOVE", "mylist", "myotherlist", "LEFT", "RIGHT")).toBe("one");
    expect(range(t, "mylist")).toEqual(["two"]);
    expect(range(t, "myotherlist")).toEqual(["three", "one"]);
  });

  it("events: push on the destination, then pop (and del) on the source", () => {
    const { t, take } = store();
    t.run("RPUSH", "src", "a");
    take();
    expect(t.run("RPOPLPUSH", "src", "dst")).toBe("a");
    expect(take()).toEqual([
      "ready:dst",
      "modified:dst",
      "list:lpush:dst",
      "list:rpop:src",
      "generic:del:src",
      "modified:src",
    ]);
    expect(t.last.dirty).toBe(1);
  });

  it("rotates a list onto itself, even a one-element list", () => {
    const { t, db } = store();
    t.run("RPUSH", "l", "a", "b", "c");
    expect(t.run("RPOPLPUSH", "l", "l")).toBe("c");
    expect(range(t, "l")).toEqual(["c", "a", "b"]);
    expect(t.run("LMOVE", "l", "l", "left", "right")).toBe("c");
    expect(range(t, "l")).toEqual(["a", "b", "c"]);
    t.run("RPUSH", "one", "x");
    expect(t.run("LMOVE", "one", "one", "left", "left")).toBe("x");
    expect(isList(db.dict.get("one") as never)).toBe(true);
    expect(range(t, "one")).toEqual(["x"]);
  });

  it("missing source, wrong types, bad directions", () => {
    const { t, setString } = store();
    setString("s");
    expect(t.run("LMOVE", "nokey", "s", "left", "left")).toBeNull(); // dst not checked
    expect(t.run("RPOPLPUSH", "nokey", "d")).toBeNull();
    expect(t.last.propagated).toEqual([]);
    t.run("RPUSH", "l", "a");
    expect(t.run("LMOVE", "l", "s", "left", "left")).toEqual(WRONGTYPE);
    expect(t.run("LMOVE", "s", "l", "left", "left")).toEqual(WRONGTYPE);
    expect(t.run("RPOPLPUSH", "l", "s")).toEqual(WRONGTYPE);
    expect(t.last.propagated).toEqual([]);
    expect(range(t, "l")).toEqual(["a"]);
    expect(t.run("LMOVE", "l", "d", "up", "left")).toEqual(SYNTAX);
    expect(t.run("LMOVE", "l", "d", "left", "down")).toEqual(SYNTAX);
  });
});

describe("LMPOP", () => {
  it("pops from the first non-empty list and propagates LPOP/RPOP key count", () => {
    const { t, propagated } = store();
    expect(t.run("LMPOP", 2, "non1", "non2", "LEFT", "COUNT", 10)).toBeNull();
    t.run("LPUSH", "mylist", "one", "two", "three", "four", "five");
    expect(t.run("LMPOP", 1, "mylist", "LEFT")).toEqual(["mylist", ["five"]]);
    expect(propagated()).toEqual(["LPOP mylist 1"]);
    expect(range(t, "mylist")).toEqual(["four", "three", "two", "one"]);
    expect(t.run("LMPOP", 1, "mylist", "RIGHT", "COUNT", 10)).toEqual([
      "mylist",
      ["one", "two", "three", "four"],
    ]);
    expect(propagated()).toEqual(["RPOP mylist 4"]);
    t.run("LPUSH", "mylist", "one", "two", "three", "four", "five");
    t.run("LPUSH", "mylist2", "a", "b", "c", "d", "e");
    expect(t.run("LMPOP", 2, "mylist", "mylist2", "right", "count", 3)).toEqual([
      "mylist",
      ["one", "two", "three"],
    ]);
    expect(t.run("LMPOP", 2, "mylist", "mylist2", "right", "count", 5)).toEqual([
      "mylist",
      ["four", "five"],
    ]);
    expect(t.run("LMPOP", 2, "mylist", "mylist2", "right", "count", 10)).toEqual([
      "mylist2",
      ["a", "b", "c", "d", "e"],
    ]);
    expect(t.keyspace.db(0).size).toBe(0);
  });

  it("errors", () => {
    const { t, setString } = store();
    const numkeys = new ReplyErr("ERR numkeys should be greater than 0");
    expect(t.run("LMPOP", 0, "k", "left")).toEqual(numkeys);
    expect(t.run("LMPOP", -1, "k", "left")).toEqual(numkeys);
    expect(t.run("LMPOP", "x", "k", "left")).toEqual(numkeys);
    expect(t.run("LMPOP", 2, "k", "left")).toEqual(SYNTAX);
    expect(t.run("LMPOP", "9223372036854775807", "k", "left")).toEqual(SYNTAX);
    expect(t.run("LMPOP", 1, "k", "middle")).toEqual(SYNTAX);
    expect(t.run("LMPOP", 1, "k", "left", "count")).toEqual(SYNTAX);
    expect(t.run("LMPOP", 1, "k", "left", "count", 1, "count", 2)).toEqual(SYNTAX);
    expect(t.run("LMPOP", 1, "k", "left", "count", 0)).toEqual(
      new ReplyErr("ERR count should be greater than 0"),
    );
    expect(t.run("LMPOP", 1, "k", "left", "count", "x")).toEqual(
      new ReplyErr("ERR count should be greater than 0"),
    );
    setString("s");
    expect(t.run("LMPOP", 2, "nokey", "s", "left")).toEqual(WRONGTYPE);
  });
});

describe("blocking pops", () => {
  it("BLPOP/BRPOP serve the first non-empty key and propagate the plain pop", () => {
    const { t, propagated } = store();
    t.run("RPUSH", "b", "1", "2");
    expect(t.run("BLPOP", "a", "b", 0)).toEqual(["b", "1"]);
    expect(propagated()).toEqual(["LPOP b"]);
    expect(t.run("BRPOP", "a", "b", "1.5")).toEqual(["b", "2"]);
    expect(propagated()).toEqual(["RPOP b"]);
    expect(t.keyspace.db(0).size).toBe(0);
  });

  it("block on every key once, with the timeout in ms, and reply nothing", () => {
    const { t } = store();
    expect(t.run("BLPOP", "a", "b", "a", "2.5")).toBeUndefined();
    expect(t.last.blocked).toEqual({
      keys: ["a", "b"],
      timeoutMs: 2500,
      timeoutReply: "nullArray",
    });
    expect(t.last.propagated).toEqual([]);
    expect(t.run("BRPOP", "a", 0)).toBeUndefined();
    expect(t.last.blocked?.timeoutMs).toBe(0); // forever
    expect(t.run("BRPOP", "a", "0.0001")).toBeUndefined();
    expect(t.last.blocked?.timeoutMs).toBe(1); // rounded up, not "forever"
  });

  it("are re-entrant: the server re-runs the same command once a key is ready", () => {
    const ready: string[] = [];
    const t = new TestStore(listCommands, { hooks: { keyReady: (_db, k) => ready.push(k) } });
    const argv = ["BLMPOP", 0, 2, "a", "b", "RIGHT", "COUNT", 2] as const;
    expect(t.run(...argv)).toBeUndefined();
    expect(t.last.blocked).toEqual({ keys: ["a", "b"], timeoutMs: 0, timeoutReply: "nullArray" });
    t.run("RPUSH", "b", "x", "y", "z");
    expect(ready).toEqual(["b"]);
    expect(t.run(...argv)).toEqual(["b", ["z", "y"]]);
    expect(t.last.propagated.map((a) => a.map(String).join(" "))).toEqual(["RPOP b 2"]);
  });

  it("re-run for a ready key: serve from it alone, stay blocked when it is not a list", () => {
    const { t, propagated, setString } = store();
    setString("a");
    t.run("RPUSH", "b", "x", "y");
    t.readyKey = "a";
    expect(t.run("BLPOP", "a", "b", 0)).toBeUndefined();
    expect(t.run("BLMPOP", 0, 2, "a", "b", "LEFT")).toBeUndefined();
    expect(t.run("BLMOVE", "a", "d", "LEFT", "RIGHT", 0)).toBeUndefined();
    expect(t.last.propagated).toEqual([]);
    t.readyKey = "b";
    expect(t.run("BLPOP", "a", "b", 0)).toEqual(["b", "x"]);
    // Served after blocking, BLMOVE propagates Redis's own direction words.
    expect(t.run("BLMOVE", "b", "d", "Left", "RIGHT", 0)).toBe("y");
    expect(propagated()).toEqual(["LMOVE b d left right"]);
  });

  it("inside MULTI (cannot block) reply as a timeout", () => {
    const { t } = store();
    t.canBlock = false;
    expect(t.run("BLPOP", "a", 0)).toBeNull();
    expect(t.run("BLMOVE", "a", "b", "left", "left", 0)).toBeNull();
    expect(t.run("BRPOPLPUSH", "a", "b", 0)).toBeNull();
    expect(t.run("BLMPOP", 0, 1, "a", "left")).toBeNull();
    expect(t.last.blocked).toBeNull();
  });

  it("WRONGTYPE on any key before it, but not on keys after a served one", () => {
    const { t, setString } = store();
    setString("s");
    t.run("RPUSH", "l", "x");
    expect(t.run("BLPOP", "nokey", "s", "l", 0)).toEqual(WRONGTYPE);
    expect(t.run("BLPOP", "l", "s", 0)).toEqual(["l", "x"]);
  });

  it("timeouts parse as Redis 7.0 and are checked before the keys", () => {
    const { t, setString } = store();
    setString("s");
    const notFloat = new ReplyErr("ERR timeout is not a float or out of range");
    const negative = new ReplyErr("ERR timeout is negative");
    expect(t.run("BLPOP", "s", "abc")).toEqual(notFloat);
    expect(t.run("BLPOP", "s", "-1")).toEqual(negative);
    expect(t.run("BRPOP", "s", "nan")).toEqual(notFloat);
    expect(t.run("BRPOPLPUSH", "s", "d", "inf")).toEqual(negative);
    expect(t.run("BLMOVE", "s", "d", "left", "left", " 1")).toEqual(notFloat);
    expect(t.run("BLMOVE", "s", "d", "up", "left", "x")).toEqual(SYNTAX); // directions first
    expect(t.run("BLMPOP", "x", 1, "s", "left")).toEqual(notFloat);
    expect(t.run("BLMPOP", "x", 0, "s", "left")).toEqual(
      new ReplyErr("ERR numkeys should be greater than 0"), // numkeys before the timeout
    );
    expect(t.run("BLPOP", "s", "0.001")).toEqual(WRONGTYPE);
  });

  it("BLMOVE/BRPOPLPUSH move now, or block on the source alone", () => {
    const { t, propagated, setString } = store();
    t.run("RPUSH", "src", "a", "b");
    expect(t.run("BLMOVE", "src", "dst", "LEFT", "RIGHT", 0)).toBe("a");
    expect(propagated()).toEqual(["LMOVE src dst LEFT RIGHT"]);
    expect(t.run("BRPOPLPUSH", "src", "dst", 0)).toBe("b");
    expect(propagated()).toEqual(["RPOPLPUSH src dst"]);
    expect(range(t, "dst")).toEqual(["b", "a"]);
    expect(t.run("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0.5")).toBeUndefined();
    expect(t.last.blocked).toEqual({ keys: ["src"], timeoutMs: 500, timeoutReply: "nullArray" });
    setString("s");
    expect(t.run("BRPOPLPUSH", "nokey", "s", 0)).toBeUndefined(); // dst checked once served
    t.run("RPUSH", "src", "c");
    expect(t.run("BRPOPLPUSH", "src", "s", 0)).toEqual(WRONGTYPE);
    expect(t.last.propagated).toEqual([]);
    expect(t.run("BRPOPLPUSH", "s", "src", 0)).toEqual(WRONGTYPE);
  });
});

describe("command table", () => {
  it("LMPOP/BLMPOP key positions follow numkeys", () => {
    const spec = (n: string) => listCommands.find((c) => c.name === n);
    const keys = (n: string, ...argv: string[]) =>
      spec(n)?.getKeys?.(new ArrayArgs(argv.map((a) => Buffer.from(a))));
    expect(keys("lmpop", "lmpop", "2", "a", "b", "left")).toEqual([2, 3]);
    expect(keys("lmpop", "lmpop", "3", "a", "b", "left")).toEqual([2, 3, 4]);
    expect(keys("lmpop", "lmpop", "4", "a", "b", "left")).toEqual([]);
    expect(keys("lmpop", "lmpop", "0", "a", "left")).toEqual([]);
    expect(keys("blmpop", "blmpop", "0", "2", "a", "b", "left", "count", "3")).toEqual([3, 4]);
  });

  it("has every list command of Redis 7.0", () => {
    expect(listCommands.map((c) => c.name).sort()).toEqual(
      [
        "blmove",
        "blmpop",
        "blpop",
        "brpop",
        "brpoplpush",
        "lindex",
        "linsert",
        "llen",
        "lmove",
        "lmpop",
        "lpop",
        "lpos",
        "lpush",
        "lpushx",
        "lrange",
        "lrem",
        "lset",
        "ltrim",
        "rpop",
        "rpoplpush",
        "rpush",
        "rpushx",
      ].sort(),
    );
  });
});

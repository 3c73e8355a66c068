import { describe, expect, it } from "vitest";
import { stringEncoding } from "../string-value.js";
import { ReplyErr, Simple, TestStore } from "../test-kit.js";
import { keyCommands } from "./keys.js";
import { stringCommands } from "./strings.js";

function store() {
  const events: string[] = [];
  const t = new TestStore([...stringCommands, ...keyCommands], {
    hooks: {
      notify: (db, cls, ev, key) => events.push(`${db}:${cls}:${ev}:${key}`),
      keyModified: (db, key) => events.push(`${db}:modified:${key}`),
    },
  });
  return { t, events };
}
const prop = (t: TestStore) => t.last.propagated.map((a) => a.map((x) => x.toString()).join(" "));

describe("SET and friends: propagation, events, dirty", () => {
  it("rewrites relative expiries to SET ... PXAT", () => {
    const { t, events } = store();
    expect(t.run("SET", "k", "v", "EX", "10")).toEqual(new Simple("OK"));
    expect(prop(t)).toEqual([`SET k v PXAT ${t.now + 10_000}`]);
    expect(t.last.dirty).toBe(1);
    expect(events).toEqual(["0:new:new:k", "0:modified:k", "0:string:set:k", "0:generic:expire:k"]);
    t.run("SETEX", "k", "5", "w");
    expect(prop(t)).toEqual([`SET k w PXAT ${t.now + 5000}`]);
    t.run("PSETEX", "k", "5", "w");
    expect(prop(t)).toEqual([`SET k w PXAT ${t.now + 5}`]);
    t.run("SET", "k", "v", "PXAT", "99999999999999");
    expect(prop(t)).toEqual(["SET k v PXAT 99999999999999"]);
  });

  it("drops GET from the propagated SET, and propagates nothing when NX/XX abort", () => {
    const { t } = store();
    expect(t.run("SET", "k", "v", "GET", "get")).toBeNull();
    expect(prop(t)).toEqual(["SET k v"]);
    expect(t.run("SET", "k", "w", "NX")).toBeNull();
    expect(prop(t)).toEqual([]);
    expect(t.last.dirty).toBe(0);
    expect(t.run("GETSET", "k", "x")).toBe("v");
    expect(prop(t)).toEqual(["SET k x"]);
  });

  it("KEEPTTL keeps the TTL, a plain SET clears it", () => {
    const { t } = store();
    t.run("SET", "k", "v", "PX", "5000");
    t.run("SET", "k", "w", "KEEPTTL");
    expect(t.run("PTTL", "k")).toBe(5000);
    t.run("SET", "k", "w");
    expect(t.run("PTTL", "k")).toBe(-1);
  });

  it("GETEX propagates PEXPIREAT, PERSIST or DEL", () => {
    const { t } = store();
    t.run("SET", "k", "v");
    t.run("GETEX", "k");
    expect(prop(t)).toEqual([]);
    t.run("GETEX", "k", "EX", "1");
    expect(prop(t)).toEqual([`PEXPIREAT k ${t.now + 1000}`]);
    t.run("GETEX", "k", "PERSIST");
    expect(prop(t)).toEqual(["PERSIST k"]);
    t.run("GETEX", "k", "PERSIST");
    expect(prop(t)).toEqual([]);
    expect(t.run("GETEX", "k", "PXAT", "1")).toBe("v");
    expect(prop(t)).toEqual(["DEL k"]);
    expect(t.run("EXISTS", "k")).toBe(0);
  });

  it("GETDEL propagates DEL; expired keys are gone for GET and propagate DEL", () => {
    const { t } = store();
    t.run("SET", "k", "v", "PX", "10");
    t.now += 10;
    expect(t.run("GET", "k")).toBe("v"); // keyIsExpired: now > when
    t.now += 1;
    expect(t.run("GET", "k")).toBeNull();
    t.run("SET", "k", "v");
    expect(t.run("GETDEL", "k")).toBe("v");
    expect(prop(t)).toEqual(["DEL k"]);
  });

  it("INCRBYFLOAT propagates SET ... KEEPTTL with the long double result", () => {
    const { t } = store();
    t.run("SET", "f", "1000.1");
    expect(t.run("INCRBYFLOAT", "f", "0.2")).toBe("1000.29999999999999999");
    expect(prop(t)).toEqual(["SET f 1000.29999999999999999 KEEPTTL"]);
    expect(t.run("INCRBYFLOAT", "f", "-1000.29999999999999999")).toBe("0");
  });
});

describe("counters", () => {
  it("works across the int64 range with exact overflow checks", () => {
    const { t } = store();
    t.run("SET", "n", "9007199254740991");
    expect(t.run("INCR", "n")).toBe(9007199254740992);
    expect(t.run("INCRBY", "n", "9223363029655521000")).toEqual(
      new ReplyErr("ERR increment or decrement would overflow"),
    );
    expect(t.run("INCRBY", "n", "9214364837600034815")).toBe(9223372036854775807n);
    expect(t.run("GET", "n")).toBe("9223372036854775807");
    expect(t.run("INCR", "n")).toEqual(new ReplyErr("ERR increment or decrement would overflow"));
    expect(t.run("DECRBY", "n", "-9223372036854775808")).toEqual(
      new ReplyErr("ERR decrement would overflow"),
    );
    t.run("SET", "m", "-0");
    expect(t.run("INCR", "m")).toEqual(new ReplyErr("ERR value is not an integer or out of range"));
  });

  it("keeps the TTL of a counter (dbOverwrite)", () => {
    const { t } = store();
    t.run("SET", "c", "1", "EX", "100");
    t.run("INCR", "c");
    expect(t.run("TTL", "c")).toBe(100);
  });
});

describe("APPEND and SETRANGE", () => {
  it("grow in place, stay binary safe, and report raw", () => {
    const { t } = store();
    t.run("APPEND", "a", "1");
    expect(stringEncoding(t.keyspace.db(0).dict.get("a") as Buffer)).toBe("int");
    let expected = "1";
    for (let i = 0; i < 2000; i++) {
      const piece = String.fromCharCode(i % 256);
      expected += piece;
      t.run("APPEND", "a", Buffer.from(piece, "latin1"));
    }
    expect(t.run("GET", "a")).toBe(expected);
    expect(t.run("OBJECT", "ENCODING", "a")).toBe("raw");
    // A copy taken before later appends keeps its bytes.
    t.run("COPY", "a", "b");
    t.run("APPEND", "a", "X");
    t.run("APPEND", "b", "Y");
    expect(t.run("GET", "a")).toBe(`${expected}X`);
    expect(t.run("GET", "b")).toBe(`${expected}Y`);
    expect(t.run("SETRANGE", "a", "0", "ZZ")).toBe(expected.length + 1);
    expect((t.run("GET", "a") as string).slice(0, 3)).toBe(`ZZ${expected[2]}`);
    expect(t.run("SETRANGE", "z", "3", "ab")).toBe(5);
    expect(t.runBuffers("GET", "z")).toEqual(Buffer.from([0, 0, 0, 97, 98]));
  });
});

describe("LCS", () => {
  it("matches the documented example", () => {
    const { t } = store();
    t.run("MSET", "key1", "ohmytext", "key2", "mynewtext");
    expect(t.run("LCS", "key1", "key2")).toBe("mytext");
    expect(t.run("LCS", "key1", "key2", "LEN")).toBe(6);
    expect(t.run("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")).toEqual([
      ["matches", [[[4, 7], [5, 8], 4]]],
      ["len", 6],
    ]);
  });
});

describe("redis.io examples", () => {
  it("strings", () => {
    const { t } = store();
    t.run("SET", "mykey", "This is a string");
    expect(t.run("GETRANGE", "mykey", "0", "3")).toBe("This");
    expect(t.run("GETRANGE", "mykey", "-3", "-1")).toBe("ing");
    expect(t.run("GETRANGE", "mykey", "0", "-1")).toBe("This is a string");
    expect(t.run("GETRANGE", "mykey", "10", "100")).toBe("string");
    t.run("SET", "key1", "Hello World");
    expect(t.run("SETRANGE", "key1", "6", "Redis")).toBe(11);
    expect(t.run("GET", "key1")).toBe("Hello Redis");
    expect(t.run("SETRANGE", "key2", "6", "Redis")).toBe(11);
    expect(t.run("GET", "key2")).toBe("\0\0\0\0\0\0Redis");
    expect(t.run("APPEND", "ap", "Hello")).toBe(5);
    expect(t.run("APPEND", "ap", " World")).toBe(11);
    t.run("SET", "f", "10.50");
    expect(t.run("INCRBYFLOAT", "f", "0.1")).toBe("10.6");
    expect(t.run("INCRBYFLOAT", "f", "-5")).toBe("5.6");
    t.run("SET", "f", "5.0e3");
    expect(t.run("INCRBYFLOAT", "f", "2.0e2")).toBe("5200");
    t.run("SET", "n", "10");
    expect(t.run("DECRBY", "n", "3")).toBe(7);
    expect(t.run("INCR", "n")).toBe(8);
    expect(t.run("MSETNX", "key1", "Hello", "key3", "there")).toBe(0);
    expect(t.run("MSETNX", "k4", "Hello", "k5", "there")).toBe(1);
    expect(t.run("MGET", "k4", "k5", "nonexisting")).toEqual(["Hello", "there", null]);
    expect(t.run("GETDEL", "k4")).toBe("Hello");
    expect(t.run("GET", "k4")).toBeNull();
    expect(t.run("GETEX", "k5", "EX", "60")).toBe("there");
    expect(t.run("TTL", "k5")).toBe(60);
    expect(t.run("GETEX", "k5", "PERSIST")).toBe("there");
    expect(t.run("TTL", "k5")).toBe(-1);
    expect(t.run("STRLEN", "key1")).toBe(11);
    expect(t.run("SETNX", "key1", "World")).toBe(0);
    expect(t.run("SET", "anotherkey", "will expire in a minute", "EX", "60")).toEqual(
      new Simple("OK"),
    );
    expect(t.run("GETSET", "n", "0")).toBe("8");
  });

  it("keys", () => {
    const { t } = store();
    t.run("MSET", "firstname", "Jack", "lastname", "Stuntman", "age", "35");
    expect(new Set(t.run("KEYS", "*name*") as string[])).toEqual(
      new Set(["firstname", "lastname"]),
    );
    expect(t.run("KEYS", "a??")).toEqual(["age"]);
    expect(t.run("EXISTS", "age", "age", "nosuchkey")).toBe(2);
    t.run("SET", "mykey", "Hello");
    expect(t.run("EXPIRE", "mykey", "10")).toBe(1);
    expect(t.run("TTL", "mykey")).toBe(10);
    expect(t.run("EXPIRE", "mykey", "10", "XX")).toBe(1);
    expect(t.run("EXPIRE", "mykey", "10", "NX")).toBe(0);
    expect(t.run("EXPIRE", "mykey", "20", "GT")).toBe(1);
    expect(t.run("PTTL", "mykey")).toBe(20000);
    t.run("SET", "dolly", "sheep");
    expect(t.run("COPY", "dolly", "clone")).toBe(1);
    expect(t.run("GET", "clone")).toBe("sheep");
    expect(t.run("RENAME", "mykey", "myotherkey")).toEqual(new Simple("OK"));
    expect(t.run("RENAMENX", "dolly", "clone")).toBe(0);
    expect(t.run("TYPE", "clone")).toEqual(new Simple("string"));
    expect(t.run("DEL", "clone", "dolly", "nokey")).toBe(2);
    expect(t.run("OBJECT", "ENCODING", "age")).toBe("int");
    expect(t.run("OBJECT", "ENCODING", "firstname")).toBe("embstr");
  });
});

describe("INCR's access stamp (lookupKeyWrite's)", () => {
  it("stamps the key whether the counter changed or the command failed", () => {
    const { t } = store();
    t.run("SET", "n", "1");
    t.run("SET", "s", "abc");
    t.run("SET", "big", "9223372036854775807");
    t.now += 30_000;
    expect(t.run("OBJECT", "IDLETIME", "n")).toBe(30);
    expect(t.run("INCR", "n")).toBe(2);
    expect(t.run("INCR", "s")).toBeInstanceOf(ReplyErr);
    expect(t.run("INCR", "big")).toBeInstanceOf(ReplyErr);
    for (const k of ["n", "s", "big"]) expect(t.run("OBJECT", "IDLETIME", k)).toBe(0);
    t.now += 5_000;
    expect(t.run("DECRBY", "n", "2")).toBe(0);
    expect(t.run("OBJECT", "IDLETIME", "n")).toBe(0);
  });
});

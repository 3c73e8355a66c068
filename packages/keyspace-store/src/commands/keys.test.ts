import { describe, expect, it } from "vitest";
import type { Database } from "../keyspace.js";
import { ReplyErr, Simple, TestStore } from "../test-kit.js";
import { Denque, type HashValue } from "../value.js";
import { decodeValue } from "../value-codec.js";
import { hashCommands } from "./hashes.js";
import { keyCommands } from "./keys.js";
import { setCommands } from "./sets.js";
import { stringCommands } from "./strings.js";

const table = [...stringCommands, ...keyCommands];
const withCollections = [...table, ...hashCommands, ...setCommands];
const prop = (t: TestStore) => t.last.propagated.map((a) => a.map((x) => x.toString()).join(" "));

/** One key of every type in `db`. */
function fill(db: Database) {
  db.add("s", Buffer.from("str"));
  db.add("l", new Denque(["a", "b"]));
  db.add("h", new Map([["f", "v"]]));
  db.add("set", new Set(["1", "2"]));
  db.add("z", decodeValue(4, ["a", 1, "b", 2.5, "c", Number.POSITIVE_INFINITY]));
}

describe("expiry commands", () => {
  it("propagate as PEXPIREAT with options, or DEL when the time has passed", () => {
    const t = new TestStore(table);
    t.run("SET", "k", "v");
    expect(t.run("EXPIRE", "k", "10", "NX")).toBe(1);
    expect(prop(t)).toEqual([`PEXPIREAT k ${t.now + 10_000} NX`]);
    expect(t.run("PEXPIREAT", "k", "99999999999999")).toBe(1);
    expect(prop(t)).toEqual(["PEXPIREAT k 99999999999999"]);
    expect(t.run("EXPIRE", "k", "0")).toBe(1);
    expect(prop(t)).toEqual(["DEL k"]);
    expect(t.run("EXISTS", "k")).toBe(0);
  });

  it("on a replica a past time sets the TTL instead of deleting", () => {
    const t = new TestStore(table);
    t.run("SET", "k", "v");
    t.keyspace.deleteExpired = false;
    expect(t.run("EXPIREAT", "k", "1")).toBe(1);
    expect(t.keyspace.db(0).dict.has("k")).toBe(true);
    expect(t.run("GET", "k")).toBeNull();
  });

  it("TTL rounds to the nearest second", () => {
    const t = new TestStore(table);
    t.run("SET", "k", "v", "PX", "1499");
    expect(t.run("TTL", "k")).toBe(1);
    t.run("SET", "k", "v", "PX", "1500");
    expect(t.run("TTL", "k")).toBe(2);
  });
});

describe("DUMP and RESTORE", () => {
  it("round-trip every type, check version and checksum, refuse busy keys", () => {
    const t = new TestStore(table);
    const db = t.keyspace.db(0);
    fill(db);
    for (const key of ["s", "l", "h", "set", "z"]) {
      const payload = t.runBuffers("DUMP", key) as Buffer;
      expect(t.run("RESTORE", key, "0", payload)).toEqual(
        new ReplyErr("BUSYKEY Target key name already exists."),
      );
      expect(t.run("RESTORE", `${key}2`, "0", payload)).toEqual(new Simple("OK"));
      expect(t.run("TYPE", `${key}2`)).toEqual(t.run("TYPE", key));
      expect(t.runBuffers("DUMP", `${key}2`)).toEqual(payload);
      const bad = Buffer.from(payload);
      bad[0] = (bad[0] as number) ^ 1;
      expect(t.run("RESTORE", "x", "0", bad)).toEqual(
        new ReplyErr("ERR DUMP payload version or checksum are wrong"),
      );
    }
    expect([...(db.dict.get("z2") as { entries(): Iterable<unknown> }).entries()]).toEqual([
      ["a", 1],
      ["b", 2.5],
      ["c", Number.POSITIVE_INFINITY],
    ]);
  });

  it("rewrites a relative TTL to ABSTTL and replaces with REPLACE", () => {
    const t = new TestStore(table);
    t.run("SET", "k", "v");
    const payload = t.runBuffers("DUMP", "k") as Buffer;
    expect(t.run("RESTORE", "k", "5000", payload, "REPLACE")).toEqual(new Simple("OK"));
    expect(
      t.last.propagated[0]?.map((x) => (Buffer.isBuffer(x) ? x.toString("latin1") : x)),
    ).toEqual([
      "RESTORE",
      "k",
      String(t.now + 5000),
      payload.toString("latin1"),
      "REPLACE",
      "ABSTTL",
    ]);
    expect(t.run("PTTL", "k")).toBe(5000);
    expect(t.run("RESTORE", "k", "1", payload, "REPLACE", "ABSTTL")).toEqual(new Simple("OK"));
    expect(prop(t)).toEqual(["DEL k"]);
    expect(t.run("EXISTS", "k")).toBe(0);
  });

  it("RESTORE-ASKING restores like RESTORE and propagates under its own name", () => {
    const t = new TestStore(table);
    fill(t.keyspace.db(0));
    const payload = t.runBuffers("DUMP", "l") as Buffer;
    expect(t.run("RESTORE-ASKING", "l", "0", payload)).toEqual(
      new ReplyErr("BUSYKEY Target key name already exists."),
    );
    expect(t.run("RESTORE-ASKING", "l2", "7000", payload)).toEqual(new Simple("OK"));
    expect(t.last.propagated[0]?.[0]?.toString()).toBe("RESTORE-ASKING");
    expect(t.runBuffers("DUMP", "l2")).toEqual(payload);
    expect(t.run("PTTL", "l2")).toBe(7000);
    expect(keyCommands.find((c) => c.name === "restore-asking")?.flags).toContain("asking");
  });
});

describe("COPY, MOVE, SWAPDB, FLUSH", () => {
  it("COPY makes a deep copy with the TTL, into another db too", () => {
    const t = new TestStore(table);
    const db = t.keyspace.db(0);
    fill(db);
    db.setExpire("h", t.now + 1000);
    expect(t.run("COPY", "h", "h2", "DB", "3")).toBe(1);
    const copy = t.keyspace.db(3).dict.get("h2") as HashValue;
    expect(copy).not.toBe(db.dict.get("h"));
    expect(copy.get("f")).toEqual("v");
    expect(t.keyspace.db(3).getExpire("h2")).toBe(t.now + 1000);
  });

  it("MOVE and SWAPDB move keys between databases and signal both", () => {
    const flushed: number[] = [];
    const t = new TestStore(table, { hooks: { dbFlushed: (i) => flushed.push(i) } });
    t.run("SET", "k", "v", "EX", "100");
    expect(t.run("MOVE", "k", "2")).toBe(1);
    expect(t.keyspace.db(2).getExpire("k")).toBe(t.now + 100_000);
    expect(t.run("SWAPDB", "0", "2")).toEqual(new Simple("OK"));
    expect(t.run("GET", "k")).toBe("v");
    expect(flushed).toEqual([0, 2]);
    // The swapped-in keys are scannable and in the slot-less index.
    expect(t.run("SCAN", "0")).toEqual(["0", ["k"]]);
    expect(t.run("FLUSHALL")).toEqual(new Simple("OK"));
    expect(flushed).toEqual([0, 2, -1]);
    expect(t.last.dirty).toBe(2);
  });

  it("refuses cross-database operations in cluster mode", () => {
    const t = new TestStore(table, { slotIndex: true });
    t.run("SET", "k", "v");
    expect(t.run("MOVE", "k", "1")).toEqual(
      new ReplyErr("ERR MOVE is not allowed in cluster mode"),
    );
    expect(t.run("SWAPDB", "0", "1")).toEqual(
      new ReplyErr("ERR SWAPDB is not allowed in cluster mode"),
    );
    expect(t.run("COPY", "k", "k2", "DB", "1")).toEqual(
      new ReplyErr("ERR Copying to another database is not allowed in cluster mode"),
    );
    expect(t.run("COPY", "k", "k2")).toBe(1);
  });
});

describe("OBJECT ENCODING of collections (Redis 7.0 defaults)", () => {
  it("names encodings by size thresholds", () => {
    const t = new TestStore(withCollections);
    const db = t.keyspace.db(0);
    fill(db);
    expect(t.run("OBJECT", "ENCODING", "l")).toBe("quicklist");
    expect(t.run("OBJECT", "ENCODING", "h")).toBe("listpack");
    expect(t.run("OBJECT", "ENCODING", "set")).toBe("intset");
    expect(t.run("OBJECT", "ENCODING", "z")).toBe("listpack");
    t.run("HSET", "h", "big", "x".repeat(65));
    expect(t.run("OBJECT", "ENCODING", "h")).toBe("hashtable");
    t.run("SADD", "set", "x");
    expect(t.run("OBJECT", "ENCODING", "set")).toBe("hashtable");
    db.add("z2", decodeValue(4, Array.from({ length: 129 }, (_, i) => [`m${i}`, i]).flat()));
    expect(t.run("OBJECT", "ENCODING", "z2")).toBe("skiplist");
  });
});

describe("one-way conversions", () => {
  it("a lowered limit converts an intset or listpack hash only at its next added member, as Redis's setTypeAdd/hashTypeSet", () => {
    const t = new TestStore(withCollections);
    t.run("SADD", "set", "1", "2", "3");
    t.run("HSET", "h", "a", "1", "b", "2", "c", "3");
    t.keyspace.configureEncoding({ setMaxIntsetEntries: 0, hashMaxListpackEntries: 2 });
    t.run("SADD", "set", "1");
    t.run("SREM", "set", "2");
    t.run("HDEL", "h", "c");
    expect(t.run("OBJECT", "ENCODING", "set")).toBe("intset");
    expect(t.run("OBJECT", "ENCODING", "h")).toBe("listpack");
    t.run("COPY", "set", "set2");
    expect(t.run("OBJECT", "ENCODING", "set2")).toBe("intset");
    t.run("SADD", "set", "7");
    t.run("HSET", "h", "a", "1"); // an update: hashTypeSet checks the length all the same
    expect(t.run("OBJECT", "ENCODING", "set")).toBe("hashtable");
    expect(t.run("OBJECT", "ENCODING", "h")).toBe("listpack");
    t.run("HSET", "h", "d", "1");
    expect(t.run("OBJECT", "ENCODING", "h")).toBe("hashtable");
    t.run("SADD", "new", "1");
    expect(t.run("OBJECT", "ENCODING", "new")).toBe("hashtable");
  });

  it("a hash or set marked as a hashtable stays one after shrinking, and through COPY", async () => {
    const { markHashtable } = await import("../encoding.js");
    const t = new TestStore(table);
    const db = t.keyspace.db(0);
    fill(db);
    markHashtable(db.dict.get("set") as Set<string>);
    expect(t.run("OBJECT", "ENCODING", "set")).toBe("hashtable");
    t.run("COPY", "set", "set2");
    expect(t.run("OBJECT", "ENCODING", "set2")).toBe("hashtable");
    expect(t.run("OBJECT", "ENCODING", "h")).toBe("listpack");
  });
});

describe("MEMORY USAGE estimates", () => {
  it("grow with the value and count the TTL entry", () => {
    const t = new TestStore(table);
    const db = t.keyspace.db(0);
    fill(db);
    const small = db.memoryUsage("s") as number;
    db.add("big", Buffer.alloc(10_000));
    expect(db.memoryUsage("big")).toBeGreaterThan(small + 9000);
    db.setExpire("s", t.now + 1000);
    expect(db.memoryUsage("s")).toBeGreaterThan(small);
    expect(db.memoryUsage("nokey")).toBeUndefined();
    for (const k of ["l", "h", "set", "z"]) expect(db.memoryUsage(k)).toBeGreaterThan(100);
    expect(t.keyspace.memoryEstimate()).toBeGreaterThan(10_000);
  });
});

describe("intset test", () => {
  it("accepts canonical int64 members only", async () => {
    const { isInt64String } = await import("../encoding.js");
    for (const ok of ["0", "-1", "9223372036854775807", "-9223372036854775808", "123"])
      expect(isInt64String(ok)).toBe(true);
    for (const bad of [
      "-0",
      "01",
      "+1",
      " 1",
      "9223372036854775808",
      "-9223372036854775809",
      "",
      "1a",
      "-",
    ])
      expect(isInt64String(bad)).toBe(false);
  });
});

// The options a Keyspace is built with belong to that keyspace alone: two keyspaces in one
// process judge encodings by their own limits (commands, CONFIG SET through configureEncoding,
// RDB loads, RESTORE, DUMP), and pick at random with their own random source.
import { describe, expect, it } from "vitest";
import { commands } from "./commands/index.js";
import { DEFAULT_ENCODING_LIMITS } from "./encoding.js";
import { Keyspace } from "./keyspace.js";
import { seededRandom, TestStore } from "./test-kit.js";

const concat = (chunks: Iterable<Uint8Array>): Buffer => Buffer.concat([...chunks]);

describe("encoding limits per keyspace", () => {
  it("two keyspaces in one process answer OBJECT ENCODING by their own limits", () => {
    const small = new TestStore(commands, {
      encodingLimits: {
        hashMaxListpackEntries: 2,
        setMaxIntsetEntries: 2,
        zsetMaxListpackEntries: 2,
      },
    });
    const plain = new TestStore(commands);
    for (const t of [small, plain]) {
      t.run("HSET", "h", "a", "1", "b", "2", "c", "3");
      t.run("SADD", "s", "1", "2", "3");
      t.run("ZADD", "z", "1", "a", "2", "b", "3", "c");
    }
    expect(["h", "s", "z"].map((k) => small.run("OBJECT", "ENCODING", k))).toEqual([
      "hashtable",
      "hashtable",
      "skiplist",
    ]);
    expect(["h", "s", "z"].map((k) => plain.run("OBJECT", "ENCODING", k))).toEqual([
      "listpack",
      "intset",
      "listpack",
    ]);
    expect(small.keyspace.encodingLimits.hashMaxListpackEntries).toBe(2);
    expect(small.keyspace.encodingLimits.hashMaxListpackValue).toBe(64); // the rest: defaults
    expect(plain.keyspace.encodingLimits).toEqual(DEFAULT_ENCODING_LIMITS);
  });

  it("configureEncoding changes one keyspace only, and its sorted sets see it at the next insert", () => {
    const a = new TestStore(commands);
    const b = new TestStore(commands);
    for (const t of [a, b]) t.run("ZADD", "z", "1", "a", "2", "b");
    a.keyspace.configureEncoding({ zsetMaxListpackEntries: 2 });
    expect(b.keyspace.encodingLimits.zsetMaxListpackEntries).toBe(128);
    for (const t of [a, b]) t.run("ZADD", "z", "3", "c");
    expect(a.run("OBJECT", "ENCODING", "z")).toBe("skiplist");
    expect(b.run("OBJECT", "ENCODING", "z")).toBe("listpack");
  });

  it("an RDB file loads under the limits of the keyspace it is loaded into", () => {
    const src = new TestStore(commands);
    src.run("ZADD", "z", "1", "a", "2", "b", "3", "c");
    src.run("HSET", "h", "a", "1", "b", "2", "c", "3");
    const file = concat(src.keyspace.rdbSnapshotSync());
    const tight = new TestStore(commands, {
      encodingLimits: { zsetMaxListpackEntries: 2, hashMaxListpackEntries: 2 },
    });
    const plain = new TestStore(commands);
    for (const t of [tight, plain]) t.keyspace.loadRdb(file);
    expect(["z", "h"].map((k) => tight.run("OBJECT", "ENCODING", k))).toEqual([
      "skiplist",
      "hashtable",
    ]);
    expect(["z", "h"].map((k) => plain.run("OBJECT", "ENCODING", k))).toEqual([
      "listpack",
      "listpack",
    ]);
    // The loaded sorted set goes on judging its inserts by its own keyspace's limits.
    plain.keyspace.configureEncoding({ zsetMaxListpackEntries: 3 });
    plain.run("ZADD", "z", "4", "d");
    expect(plain.run("OBJECT", "ENCODING", "z")).toBe("skiplist");
  });

  it("RESTORE decides the encoding under the restoring keyspace's limits", () => {
    const src = new TestStore(commands);
    src.run("SADD", "s", "1", "2", "3");
    const payload = src.runBuffers("DUMP", "s") as Buffer;
    const tight = new TestStore(commands, { encodingLimits: { setMaxIntsetEntries: 2 } });
    const plain = new TestStore(commands);
    for (const t of [tight, plain])
      expect(t.run("RESTORE", "s", "0", payload)).toEqual(expect.objectContaining({ value: "OK" }));
    expect(tight.run("OBJECT", "ENCODING", "s")).toBe("hashtable");
    expect(plain.run("OBJECT", "ENCODING", "s")).toBe("intset");
  });

  it("DUMP lays a list's quicklist nodes out by its keyspace's list-max-listpack-size", () => {
    const one = new TestStore(commands, { encodingLimits: { listMaxListpackSize: 1 } });
    const plain = new TestStore(commands);
    for (const t of [one, plain]) t.run("RPUSH", "l", "a", "b", "c");
    const a = one.runBuffers("DUMP", "l") as Buffer;
    const b = plain.runBuffers("DUMP", "l") as Buffer;
    // Three one-element nodes against one three-element node: the node count is the 2nd byte.
    expect(a[1]).toBe(3);
    expect(b[1]).toBe(1);
    // Either payload restores to the same list anywhere.
    plain.run("RESTORE", "l2", "0", a);
    expect(plain.run("LRANGE", "l2", "0", "-1")).toEqual(["a", "b", "c"]);
  });
});

describe("random source per keyspace", () => {
  const seeded = seededRandom;
  const script = (t: TestStore): unknown[] => {
    t.run("SADD", "s", ...Array.from({ length: 300 }, (_, i) => `m${i}`));
    t.run("HSET", "h", ...Array.from({ length: 20 }, (_, i) => [`f${i}`, "v"]).flat());
    t.run("ZADD", "z", ...Array.from({ length: 50 }, (_, i) => [String(i), `z${i}`]).flat());
    for (let i = 0; i < 30; i++) t.run("SET", `k${i}`, "v");
    return [
      t.run("SPOP", "s"),
      t.run("SPOP", "s", "3"),
      t.run("SRANDMEMBER", "s", "-5"),
      t.run("SRANDMEMBER", "s", "4"),
      t.run("HRANDFIELD", "h", "-5"),
      t.run("HRANDFIELD", "h", "3"),
      t.run("ZRANDMEMBER", "z", "-5"),
      t.run("ZRANDMEMBER", "z", "30"),
      t.run("RANDOMKEY"),
    ];
  };

  it("the same seed gives the same picks; another seed, others", () => {
    const a = script(new TestStore(commands, { random: seeded(7) }));
    const b = script(new TestStore(commands, { random: seeded(7) }));
    const c = script(new TestStore(commands, { random: seeded(8) }));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it("each keyspace draws only from its own source", () => {
    let drawsA = 0;
    let drawsB = 0;
    const a = new TestStore(commands, {
      random: () => {
        drawsA++;
        return 0;
      },
    });
    const b = new TestStore(commands, {
      random: () => {
        drawsB++;
        return 0.999;
      },
    });
    for (const t of [a, b]) t.run("SADD", "s", "x", "y", "z");
    expect(a.run("SRANDMEMBER", "s")).toBe("x");
    expect(b.run("SRANDMEMBER", "s")).toBe("z");
    expect([drawsA, drawsB]).toEqual([1, 1]);
    expect(new Keyspace().random).toBe(Math.random);
  });
});

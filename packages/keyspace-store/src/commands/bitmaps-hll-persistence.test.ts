// Bitmaps and HyperLogLogs are strings: an RDB snapshot and DUMP/RESTORE carry their bytes
// unchanged, so they read back with the same bits, registers, HLL encoding and estimate.
import { describe, expect, it } from "vitest";
import { Simple, TestStore } from "../test-kit.js";
import { commands } from "./index.js";

/** A store holding a bitmap, a bitfield, a sparse and a dense HLL. */
function filled(): TestStore {
  const t = new TestStore(commands);
  t.run("SETBIT", "bits", "100001", "1");
  t.run("BITFIELD", "fields", "SET", "i64", "#3", "-123456789012345", "SET", "u5", "7", "17");
  t.run("PFADD", "sparse", "a", "b", "c");
  t.run("PFADD", "dense", ...Array.from({ length: 5000 }, (_, i) => `e${i}`));
  t.run("PFCOUNT", "dense"); // a valid cached cardinality in the header
  return t;
}

const KEYS = ["bits", "fields", "sparse", "dense"];

/** Everything readable about them; PFCOUNT first, as it refreshes the cached cardinality. */
function state(t: TestStore): unknown[] {
  return [
    t.run("PFCOUNT", "sparse"),
    t.run("PFCOUNT", "dense"),
    t.run("PFCOUNT", "sparse", "dense"),
    t.run("PFDEBUG", "ENCODING", "sparse"),
    t.run("PFDEBUG", "ENCODING", "dense"),
    t.run("BITCOUNT", "bits"),
    t.run("BITFIELD_RO", "fields", "GET", "i64", "#3", "GET", "u5", "7"),
    ...KEYS.map((k) => (t.runBuffers("GET", k) as Buffer).toString("hex")),
  ];
}

describe("bitmaps and HyperLogLogs through persistence", () => {
  it("an RDB snapshot loads back byte for byte", () => {
    const src = filled();
    const before = state(src);
    const file = Buffer.concat([...src.keyspace.rdbSnapshotSync()]);
    const dst = new TestStore(commands);
    expect(dst.keyspace.loadRdb(file).loaded).toBe(KEYS.length);
    expect(state(dst)).toEqual(before);
  });

  it("DUMP / RESTORE copies them exactly", () => {
    const t = filled();
    const before = state(t);
    for (const k of KEYS) {
      const payload = t.runBuffers("DUMP", k) as Buffer;
      expect(t.run("RESTORE", k, "0", payload, "REPLACE")).toEqual(new Simple("OK"));
    }
    expect(state(t)).toEqual(before);
    // And a restored HLL takes more elements like the original.
    expect(t.run("PFADD", "sparse", "d")).toBe(1);
    expect(t.run("PFCOUNT", "sparse")).toBe(4);
  });
});

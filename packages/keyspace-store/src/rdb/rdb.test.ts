// The RDB format on its own: values of every type and encoding boundary round-trip through
// DUMP payloads and whole files (as the same value and the same OBJECT ENCODING); LZF and CRC-64
// against known vectors; truncated and mutated payloads and files are refused with Redis's errors
// and never crash. Byte equality with redis-server's own output is in rdb.redis.test.ts.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { commands } from "../commands/index.js";
import { Crc64, crc64 } from "../crc64.js";
import { DumpPayloadError, dumpValue, restoreValue } from "../dump.js";
import { DEFAULT_ENCODING_LIMITS, objectEncoding } from "../encoding.js";
import { Keyspace } from "../keyspace.js";
import { listpackPayload, plainValue as plain, TestStore } from "../test-kit.js";
import { elementFromBytes, elementFromLatin1 } from "../types/list.js";
import { Denque, type HashValue, typeName, type Value, ZSet } from "../value.js";
import { RdbFormatError } from "./format.js";
import { decimalLength, ListpackBuilder } from "./listpack.js";
import { lzfCompress, lzfDecompress } from "./lzf.js";

const list = (xs: string[]) => new Denque(xs.map(elementFromLatin1));
const hash = (pairs: [string, string][]) =>
  new Map(pairs.map(([f, v]) => [f, Buffer.from(v, "latin1")] as [string, Buffer]));
const zset = (pairs: [string, number][]) => ZSet.from(pairs);
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

const INT_EDGES = [
  "0",
  "-1",
  "127",
  "128",
  "-128",
  "-129",
  "4095",
  "4096",
  "-4096",
  "-4097",
  "32767",
  "32768",
  "-32768",
  "-32769",
  "8388607",
  "8388608",
  "-8388608",
  "-8388609",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "9007199254740993",
  "9223372036854775807",
  "-9223372036854775808",
  "9223372036854775808",
  "01",
  "-0",
  "+1",
  " 1",
  "1.0",
];

/** Values at every encoding boundary Redis 7.0 has, with the default limits. */
function boundaryValues(): [string, Value][] {
  const L = DEFAULT_ENCODING_LIMITS;
  const out: [string, Value][] = [];
  for (const s of INT_EDGES) out.push([`int ${s}`, s]);
  for (const n of [0, 1, 11, 12, 20, 21, 44, 45, 4096, 4097, 100_000])
    out.push([`string of ${n} a`, n > 4096 ? Buffer.alloc(n, "a") : "a".repeat(n)]);
  out.push([
    "binary",
    Buffer.from(range(300, (i) => String.fromCharCode(i % 256)).join(""), "latin1"),
  ]);
  out.push(["list of int edges", list(INT_EDGES)]);
  out.push(["list over one node", list(range(3000, (i) => `e${i}`))]);
  out.push(["list with big elements", list(["x".repeat(9000), "y", "z".repeat(70_000)])]);
  out.push(["list of empty strings", list(["", "", ""])]);
  const hMax = L.hashMaxListpackEntries;
  out.push(["hash at entries limit", hash(range(hMax, (i) => `f${i}`).map((f, i) => [f, `${i}`]))]);
  out.push([
    "hash over entries limit",
    hash(range(hMax + 1, (i) => `f${i}`).map((f, i) => [f, `${i}`])),
  ]);
  out.push(["hash value at limit", hash([["f", "v".repeat(L.hashMaxListpackValue)]])]);
  out.push(["hash value over limit", hash([["f", "v".repeat(L.hashMaxListpackValue + 1)]])]);
  out.push(["hash of int edges", hash(INT_EDGES.map((x) => [x, x]))]);
  const sMax = L.setMaxIntsetEntries;
  out.push(["intset at limit", new Set(range(sMax, (i) => String(i * 7 - 1000)))]);
  out.push(["intset over limit", new Set(range(sMax + 1, (i) => String(i)))]);
  out.push(["intset int16", new Set(["1", "-32768", "32767"])]);
  out.push(["intset int32", new Set(["1", "2147483647", "-2147483648"])]);
  out.push(["intset int64", new Set(["1", "9223372036854775807", "-9223372036854775808"])]);
  out.push(["set not ints", new Set(["a", "1", "01"])]);
  const zMax = L.zsetMaxListpackEntries;
  out.push(["zset at limit", zset(range(zMax, (i): [string, number] => [`m${i}`, i / 3]))]);
  out.push(["zset over limit", zset(range(zMax + 1, (i): [string, number] => [`m${i}`, i / 3]))]);
  out.push(["zset member at limit", zset([["m".repeat(L.zsetMaxListpackValue), 1]])]);
  out.push(["zset member over limit", zset([["m".repeat(L.zsetMaxListpackValue + 1), 1]])]);
  out.push([
    "zset scores",
    zset([
      ["a", Number.NEGATIVE_INFINITY],
      ["b", -1.5],
      ["c", 0],
      ["d", 1e-300],
      ["e", 2 ** 53],
      ["f", 1e300],
      ["g", Number.POSITIVE_INFINITY],
      ["h", 0.1],
      ["i", -4503599627370495],
    ]),
  ]);
  return out;
}

describe("DUMP payloads", () => {
  for (const [name, v] of boundaryValues())
    it(`round-trips ${name} with its encoding`, () => {
      for (const compression of [true, false]) {
        const back = restoreValue(dumpValue(v, compression));
        expect(back).not.toBeInstanceOf(DumpPayloadError);
        expect(plain(back as Value)).toEqual(plain(v));
        expect(objectEncoding(back as Value)).toBe(objectEncoding(v));
      }
    });

  it("refuses a newer RDB version, a bad checksum and a short payload", () => {
    const p = dumpValue("hello");
    const newer = Buffer.from(p);
    newer.writeUInt16LE(11, newer.length - 10);
    expect(restoreValue(newer)).toEqual(
      new DumpPayloadError("ERR DUMP payload version or checksum are wrong"),
    );
    const bad = Buffer.from(p);
    bad[bad.length - 1]! ^= 1;
    expect(restoreValue(bad)).toEqual(
      new DumpPayloadError("ERR DUMP payload version or checksum are wrong"),
    );
    expect(restoreValue(bad, true)).toBe("hello"); // skip-checksum-validation
    expect(restoreValue(p.subarray(0, 9))).toBeInstanceOf(DumpPayloadError);
  });

  it("an empty collection or an unknown type is Bad data format", () => {
    const payload = (body: number[]) => {
      const b = Buffer.from([...body, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      b.writeBigUInt64LE(crc64(b.subarray(0, body.length + 2)), body.length + 2);
      return b;
    };
    expect(restoreValue(payload([2, 0]))).toEqual(new DumpPayloadError("ERR Bad data format"));
    expect(restoreValue(payload([15, 0]))).toEqual(new DumpPayloadError("ERR Bad data format"));
    expect(restoreValue(payload([99]))).toEqual(new DumpPayloadError("ERR Bad data format"));
    // Redis 7.2's SET_LISTPACK (20): an RDB 11 file's type, refused in an RDB 10 payload, as
    // Redis 7.0's rdbIsObjectType does, though the body would decode.
    const lp = new ListpackBuilder();
    lp.appendLatin1("a");
    const body = Buffer.from(lp.buf.subarray(0, lp.finish()));
    expect(restoreValue(payload([20, body.length, ...body]))).toEqual(
      new DumpPayloadError("ERR Bad data format"),
    );
  });

  test.prop([
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b) as Value),
      fc
        .array(fc.uint8Array({ maxLength: 30 }), { minLength: 1, maxLength: 40 })
        .map((xs) => new Denque(xs.map((x) => elementFromBytes(Buffer.from(x)))) as Value),
      fc
        .uniqueArray(fc.string({ maxLength: 80 }), { minLength: 1, maxLength: 600 })
        .map(
          (xs) =>
            new Map(xs.map((x) => [Buffer.from(x).toString("latin1"), Buffer.from(x)])) as Value,
        ),
      fc
        .uniqueArray(
          fc.oneof(
            fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
            fc.string({ maxLength: 5 }),
          ),
          { minLength: 1, maxLength: 600 },
        )
        .map((xs) => new Set(xs.map((x) => Buffer.from(x).toString("latin1"))) as Value),
      fc
        .uniqueArray(fc.tuple(fc.string({ maxLength: 70 }), fc.double({ noNaN: true })), {
          minLength: 1,
          maxLength: 200,
          selector: (t) => t[0],
        })
        .map((ps) => zset(ps.map(([m, s]) => [Buffer.from(m).toString("latin1"), s])) as Value),
    ),
  ])("any value round-trips, encoding included", (v) => {
    const back = restoreValue(dumpValue(v)) as Value;
    expect(plain(back)).toEqual(plain(v));
    expect(typeName(back)).toBe(typeName(v));
    expect(objectEncoding(back)).toBe(objectEncoding(v));
  });

  // Scores in a listpack sorted set are text (or listpack integers); a plain decimal is read from
  // its bytes, anything else through strtod: both must give what strtod gives for the text.
  test.prop([
    fc.array(
      fc.oneof(
        fc
          .tuple(
            fc.boolean(),
            fc.stringMatching(/^[0-9]{0,17}$/),
            fc.stringMatching(/^[0-9]{0,24}$/),
          )
          .map(([neg, int, frac]) => `${neg ? "-" : ""}${int}.${frac}`),
        fc.double({ noNaN: true }).map(String),
        fc.constantFrom(
          "-0",
          "-0.0",
          "0.1",
          "1.",
          ".5",
          "-.5",
          "007.50",
          "1e5",
          "-inf",
          "inf",
          "123456789012345.6",
          "0.30000000000000004",
        ),
      ),
      { minLength: 1, maxLength: 10 },
    ),
  ])("listpack sorted-set scores written as text read as strtod reads them", (texts) => {
    const valid = texts.filter((t) => !Number.isNaN(Number(t)) && t !== "." && t !== "-.");
    fc.pre(valid.length > 0);
    const b = listpackPayload(
      17,
      valid.flatMap((t, i) => [`m${i}`, t]),
    );
    const z = restoreValue(b) as ZSet;
    expect(z).toBeInstanceOf(ZSet);
    // A listpack keeps "-0" as 0 (see ZSet.insert).
    expect(valid.map((t, i) => [t, z.score(`m${i}`)])).toEqual(
      valid.map((t) => [t, Number(t) || 0]),
    );
  });

  it("every truncation of a payload is refused without a crash", () => {
    for (const [, v] of boundaryValues().filter(([, x]) => dumpValue(x).length < 4000)) {
      const p = dumpValue(v);
      for (let n = 0; n < p.length; n++) {
        const cut = Buffer.from(p.subarray(0, n));
        expect(restoreValue(cut)).toBeInstanceOf(DumpPayloadError);
        // With checksums skipped, the object parser itself meets the short input.
        const r = restoreValue(cut, true);
        expect(r instanceof DumpPayloadError || typeName(r as Value) === typeName(v)).toBe(true);
      }
    }
  });

  test.prop([
    fc.integer({ min: 0, max: 20 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
  ])(
    "mutated payloads (checksum skipped) give a value or Bad data format, never a throw",
    (which, edits) => {
      const vals = boundaryValues();
      const p = Buffer.from(dumpValue(vals[which % vals.length]![1]));
      for (const [at, byte] of edits) p[at % (p.length - 10)] = byte;
      const r = restoreValue(p, true);
      expect(r instanceof DumpPayloadError || typeName(r as Value) !== undefined).toBe(true);
    },
  );
});

describe("RDB files", () => {
  function fill(ks: Keyspace): void {
    const db = ks.db(0);
    for (const [name, v] of boundaryValues()) db.add(`k:${name}`, v);
    db.add("\x00\xff binary key", "v");
    db.add("ttl", "x");
    db.setExpire("ttl", Date.now() + 60_000);
    ks.db(5).add("in db 5", list(["a"]));
  }

  it("a keyspace round-trips through a file in any chunking, TTLs and databases included", () => {
    const ks = new Keyspace();
    fill(ks);
    const chunks = [...ks.rdbSnapshotSync({ batchKeys: 3 })];
    expect(chunks.length).toBeGreaterThan(5);
    const file = Buffer.concat(chunks);
    expect(file.subarray(0, 9).toString()).toBe("REDIS0010");
    for (const split of [1, 7, 1000, file.length]) {
      const back = new Keyspace();
      const pieces: Buffer[] = [];
      for (let i = 0; i < file.length; i += split) pieces.push(file.subarray(i, i + split));
      const l = back.loadRdb(pieces);
      expect(l.loaded).toBe(ks.db(0).dict.size + 1);
      expect(l.aux.get("redis-ver")).toBe("7.0.15");
      for (const [k, v] of ks.db(0).dict) {
        expect(plain(back.db(0).dict.get(k)!)).toEqual(plain(v));
        expect(objectEncoding(back.db(0).dict.get(k)!)).toBe(objectEncoding(v));
      }
      expect(back.db(0).getExpire("ttl")).toBe(ks.db(0).getExpire("ttl"));
      expect(back.db(5).dict.has("in db 5")).toBe(true);
    }
  });

  it("writes during a chunked save stream the keyspace as of the call, each key once", () => {
    const ks = new Keyspace();
    const db = ks.db(0);
    for (let i = 0; i < 500; i++) db.add(`k${i}`, hash([["f", String(i)]]));
    const it = ks.rdbSnapshotSync({ batchKeys: 10 })[Symbol.iterator]();
    const chunks: Buffer[] = [it.next().value as Buffer];
    // Change keys already streamed and keys not yet streamed, delete some, add new ones.
    for (let i = 0; i < 500; i += 7) {
      db.lookupWrite(`k${i}`, Date.now());
      (db.dict.get(`k${i}`) as HashValue).set("f", "changed");
    }
    for (let i = 3; i < 500; i += 11) db.delete(`k${i}`);
    db.add("new", "x");
    for (let r = it.next(); !r.done; r = it.next()) chunks.push(r.value);
    const back = new Keyspace();
    expect(back.loadRdb(chunks).loaded).toBe(500);
    for (let i = 0; i < 500; i++)
      expect((back.db(0).dict.get(`k${i}`) as HashValue).get("f")).toBe(String(i));
    expect(back.db(0).dict.has("new")).toBe(false);
  });

  it("function libraries are FUNCTION2 records after the aux fields, read back by the loader", () => {
    const ks = new Keyspace();
    fill(ks);
    const code = Buffer.from(
      "#!lua name=lib\nredis.register_function('f', function() return 1 end)",
    );
    const file = Buffer.concat([...ks.rdbSnapshotSync({ functions: [code] })]);
    // rdbSaveFunctions: opcode 245, then the code as an RDB string (LZF past 20 bytes).
    expect(file.indexOf(Buffer.from([0xf5]))).toBeLessThan(file.indexOf(Buffer.from([0xfe])));
    const l = new Keyspace().loadRdb(file);
    expect(l.functions).toEqual([code]);
    expect(l.loaded).toBe(new Keyspace().loadRdb(Buffer.concat([...ks.rdbSnapshotSync()])).loaded);
  });

  it("checksum, version, signature and truncation errors read as Redis's", () => {
    const ks = new Keyspace();
    fill(ks);
    const file = Buffer.concat([...ks.rdbSnapshotSync()]);
    const bad = Buffer.from(file);
    bad[bad.length - 1]! ^= 1;
    expect(() => new Keyspace().loadRdb(bad)).toThrow(/^Wrong RDB checksum expected: \(/);
    expect(new Keyspace().loadRdb(bad, { checksum: false }).loaded).toBeGreaterThan(0);
    const v12 = Buffer.from(file);
    v12.write("0012", 5, "latin1");
    expect(() => new Keyspace().loadRdb(v12)).toThrow("Can't handle RDB format version 12");
    expect(() => new Keyspace().loadRdb(Buffer.from("REDXS0010"))).toThrow(
      "Wrong signature trying to load DB from file",
    );
    expect(() => new Keyspace().loadRdb(file.subarray(0, file.length - 1))).toThrow(
      "Short read or OOM loading DB. Unrecoverable error, aborting now.",
    );
    const zeroSum = Buffer.from(file);
    zeroSum.fill(0, zeroSum.length - 8);
    expect(new Keyspace().loadRdb(zeroSum).loaded).toBeGreaterThan(0); // rdbchecksum no
  });

  it("a failed load leaves nothing half-way: emptied with flush, untouched without", () => {
    const ks = new Keyspace();
    fill(ks);
    const file = Buffer.concat([...ks.rdbSnapshotSync()]);
    const cut = file.subarray(0, file.length - 20);
    const live = new Keyspace();
    live.db(0).add("mine", "1");
    expect(() => live.loadRdb(cut, { flush: false })).toThrow(RdbFormatError);
    expect([...live.db(0).dict.keys()]).toEqual(["mine"]);
    expect(() => live.loadRdb(cut)).toThrow(RdbFormatError);
    expect(live.db(0).dict.size).toBe(0);
  });

  it("a stream in Redis 7.2's layout (type 21, RDB 11) loads: the consumers' active time is dropped", () => {
    // Built by hand as Redis 7.2's rdbSaveObject writes it: RDB_TYPE_STREAM_LISTPACKS_3 is _2
    // with each consumer's active time (ms, little endian) after its seen time.
    const len = (n: number) => Buffer.from(n < 64 ? [n] : [0x40 | (n >> 8), n & 0xff]);
    const str = (x: Buffer | string) => {
      const b = typeof x === "string" ? Buffer.from(x, "latin1") : x;
      return Buffer.concat([len(b.length), b]);
    };
    const id = (ms: number, seq: number) => {
      const b = Buffer.alloc(16);
      b.writeBigUInt64BE(BigInt(ms), 0);
      b.writeBigUInt64BE(BigInt(seq), 8);
      return b;
    };
    const millis = (t: number) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(t), 0);
      return b;
    };
    // One node, master ID 5-0: 5-0 {f a g 1}, 5-1 {f b g 2} deleted, 7-0 {h c}.
    const lp = new ListpackBuilder();
    const ints = (...xs: number[]) => {
      for (const x of xs) lp.appendInt(x);
    };
    ints(2, 1, 2); // count, deleted, master fields
    lp.appendLatin1("f");
    lp.appendLatin1("g");
    ints(0, 2, 0, 0); // master terminator; 5-0: SAMEFIELDS, deltas 0 0
    lp.appendLatin1("a");
    ints(1, 5, 3, 0, 1); // "1", lp-count; 5-1: SAMEFIELDS|DELETED, deltas 0 1
    lp.appendLatin1("b");
    ints(2, 5, 0, 2, 0, 1); // "2", lp-count; 7-0: own fields, deltas 2 0, one field
    lp.appendLatin1("h");
    lp.appendLatin1("c");
    ints(6);
    const node = Buffer.from(lp.buf.subarray(0, lp.finish()));
    const stream = (type: number, active: boolean) =>
      Buffer.concat([
        Buffer.from([type]),
        str("s"),
        len(1),
        str(id(5, 0)),
        str(node),
        len(2), // length
        ...[7, 0, 5, 0, 5, 1].map(len), // last, first and max deleted ID
        len(3), // entries added
        len(1),
        str("g"),
        len(7),
        len(0),
        len(3), // last ID 7-0, entries read 3
        len(2),
        ...[id(5, 0), millis(1000), len(1), id(7, 0), millis(2000), len(2)],
        len(2),
        ...[str("alice"), millis(1500), ...(active ? [millis(1400)] : []), len(1), id(5, 0)],
        ...[str("bob"), millis(2500), ...(active ? [millis(2400)] : []), len(1), id(7, 0)],
      ]);
    const file = (v: string, type: number, active: boolean) =>
      Buffer.concat([
        Buffer.from(`REDIS00${v}`, "latin1"),
        Buffer.from([0xfe, 0]),
        stream(type, active),
        Buffer.from([0xff]),
        Buffer.alloc(8), // no checksum
      ]);
    const t72 = new TestStore(commands);
    t72.now = 10_000;
    expect(t72.keyspace.loadRdb(file("11", 21, true)).loaded).toBe(1);
    expect(t72.run("XRANGE", "s", "-", "+")).toEqual([
      ["5-0", ["f", "a", "g", "1"]],
      ["7-0", ["h", "c"]],
    ]);
    expect(t72.run("XPENDING", "s", "g", "-", "+", "10")).toEqual([
      ["5-0", "alice", 9000, 1],
      ["7-0", "bob", 8000, 2],
    ]);
    const full = t72.runResp("XINFO", "STREAM", "s", "FULL");
    expect(Buffer.from(full).toString("latin1")).toContain("max-deleted-entry-id\r\n$3\r\n5-1");
    // The same stream as Redis 7.0 writes it (type 19, no active time) reads the same.
    const t70 = new TestStore(commands);
    t70.now = 10_000;
    t70.keyspace.loadRdb(file("10", 19, false));
    expect(t70.runResp("XINFO", "STREAM", "s", "FULL")).toEqual(full);
    expect(t70.runResp("XINFO", "CONSUMERS", "s", "g")).toEqual(
      t72.runResp("XINFO", "CONSUMERS", "s", "g"),
    );
    expect(t72.run("XINFO", "CONSUMERS", "s", "g")).toEqual([
      [
        ["name", "alice"],
        ["pending", 1],
        ["idle", 8500],
      ],
      [
        ["name", "bob"],
        ["pending", 1],
        ["idle", 7500],
      ],
    ]);
    // Type 21 read as if it had no active times is corrupt, not silently misread.
    expect(() => new Keyspace().loadRdb(file("11", 21, false))).toThrow(RdbFormatError);
  });

  it("streams (tombstones, groups, pending entries, an empty one) round-trip through a snapshot", () => {
    const t = new TestStore(commands);
    const ks = t.keyspace;
    for (let i = 1; i <= 230; i++)
      t.run("XADD", "s", `${i}-${i % 3}`, "f", String(i), "g", "v".repeat(i % 50));
    t.run("XDEL", "s", "5-2", "100-1");
    t.run("XGROUP", "CREATE", "s", "g", "0");
    t.run("XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", "s", ">");
    t.run("XREADGROUP", "GROUP", "g", "c2", "COUNT", "3", "STREAMS", "s", ">");
    t.run("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM");
    const file = Buffer.concat([...ks.rdbSnapshotSync()]);
    const t2 = new TestStore(commands);
    t2.now = t.now;
    const back = t2.keyspace;
    back.loadRdb(file);
    for (const key of ["s", "e"])
      expect(plain(back.db(0).dict.get(key) as Value)).toEqual(
        plain(ks.db(0).dict.get(key) as Value),
      );
    for (const c of [
      ["XPENDING", "s", "g"],
      ["XINFO", "STREAM", "s"],
      ["XINFO", "GROUPS", "e"],
    ])
      expect(t2.runResp(...c)).toEqual(t.runResp(...c));
  });

  it("a duplicated key fails the load as Redis does, unless duplicates replace (DEBUG RELOAD MERGE)", () => {
    const ks = new Keyspace();
    ks.db(0).add("a", "1");
    const file = Buffer.concat([...ks.rdbSnapshotSync({ checksum: false })]);
    const again = Buffer.from([0, 1, 0x61, 0xc0, 2]); // string "a" = 2
    const dup = Buffer.concat([
      file.subarray(0, file.length - 9),
      again,
      file.subarray(file.length - 9),
    ]);
    expect(() => new Keyspace().loadRdb(dup)).toThrow("RDB has duplicated key 'a' in DB 0");
    const merged = new Keyspace();
    expect(merged.loadRdb(dup, { replaceDuplicates: true }).loaded).toBe(2);
    expect(merged.db(0).dict.get("a")).toBe("2");
  });

  it("loaded keys were accessed at the load (one stamp per database), and age from there", () => {
    const src = new Keyspace();
    src.db(0).add("a", "1");
    src.db(0).add("b", "2");
    src.db(0).setExpire("b", Date.now() + 100_000);
    const file = Buffer.concat([...src.rdbSnapshotSync()]);
    const ks = new Keyspace();
    let now = 1_000_000_000_000;
    ks.clock = () => now;
    ks.loadRdb(file);
    expect(ks.db(0).getExpire("b")).toBeGreaterThan(0);
    now += 5000;
    expect(ks.db(0).idleSeconds("a", now)).toBe(5);
    expect(ks.db(0).lookupRead("a", now)).toBe("1"); // a touch: its own entry from now on
    now += 3000;
    expect(ks.db(0).idleSeconds("a", now)).toBe(3);
    expect(ks.db(0).idleSeconds("b", now)).toBe(8);
    expect(ks.db(0).idleSeconds("missing", now)).toBe(0);
    // A later load without flush keeps the earlier keys' stamp (merge goes through add()).
    const other = new Keyspace();
    other.db(0).add("c", "3");
    ks.loadRdb(Buffer.concat([...other.rdbSnapshotSync()]), { flush: false });
    now += 1000;
    expect(ks.db(0).idleSeconds("b", now)).toBe(9);
    expect(ks.db(0).idleSeconds("c", now)).toBe(1);
    ks.db(0).swapContents(ks.db(1));
    expect(ks.db(1).idleSeconds("b", now)).toBe(9);
  });

  test.prop(
    [
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.nat(),
    ],
    { numRuns: 60 },
  )(
    "mutated or truncated files throw RdbFormatError or load, never anything else",
    (edits, cutAt) => {
      const ks = new Keyspace();
      fill(ks);
      const f = Buffer.from(Buffer.concat([...ks.rdbSnapshotSync()]));
      for (const [at, byte] of edits) f[at % f.length] = byte;
      const data = f.subarray(0, f.length - (cutAt % 50));
      try {
        new Keyspace().loadRdb(data, { checksum: false });
      } catch (e) {
        expect(e).toBeInstanceOf(RdbFormatError);
      }
    },
  );
});

test.prop([
  fc.oneof(
    fc.maxSafeInteger(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  ),
])("decimalLength is the length of the integer's digits", (v) => {
  expect(decimalLength(v)).toBe(String(v).length);
});

describe("LZF and CRC-64", () => {
  it("crc64 has Redis's check value", () => {
    expect(crc64(Buffer.from("123456789")).toString(16)).toBe("e9c6d914c4b8d9ca");
  });

  // Long ranges go through the word loop (an aligned Int32Array view): any start alignment, any
  // split into pieces, must give the bit-at-a-time definition's value.
  test.prop([
    fc.uint8Array({ minLength: 0, maxLength: 600 }),
    fc.integer({ min: 0, max: 7 }),
    fc.integer({ min: 0, max: 600 }),
  ])("crc64 over any alignment and split equals the bitwise definition", (raw, shift, cut) => {
    const backing = Buffer.alloc(raw.length + 8);
    const data = backing.subarray(shift, shift + raw.length);
    data.set(raw);
    let crc = 0n;
    for (const byte of raw) {
      crc ^= BigInt(byte);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
    }
    const at = Math.min(cut, raw.length);
    expect(crc64(data)).toBe(crc);
    expect(new Crc64().update(data, 0, at).update(data, at).value()).toBe(crc);
  });

  test.prop([fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 8 })])(
    "LZF round-trips repetitive and random data",
    (raw, period) => {
      const b = Buffer.from(
        raw.map((x, i) => (i % (period + 1) === 0 ? x : (raw[i % period] ?? 0))),
      );
      const out = Buffer.alloc(b.length + 64);
      const n = lzfCompress(b, 0, b.length, out, out.length);
      if (b.length > 0) expect(lzfDecompress(out, 0, n, b.length)).toEqual(b);
    },
  );
});

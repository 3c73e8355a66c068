// Bitmaps and bitfields against real redis-server 7.0.15: replies byte for byte in RESP2 and
// RESP3 (scripted edge cases, then random BITFIELD/SETBIT/BITCOUNT/BITPOS/BITOP sequences), the
// keyspace events they publish and what they write to the AOF.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bitfieldCommands } from "../../src/commands/bitfield.js";
import { bitmapCommands } from "../../src/commands/bitops.js";
import { keyCommands } from "../../src/commands/keys.js";
import { listCommands } from "../../src/commands/lists.js";
import { stringCommands } from "../../src/commands/strings.js";
import { TestStore } from "../../src/test-kit.js";
import { type CompareStep, compareScript, oracleForSuite } from "../redis-oracle.js";
import { aofCommandsOfBoth, commandInfoMismatches, keyEventsOfBoth } from "./oracle-streams.js";

type Step = (string | number | Buffer)[] | CompareStep;
const table = [
  ...stringCommands,
  ...keyCommands,
  ...listCommands,
  ...bitmapCommands,
  ...bitfieldCommands,
];

const BITMAPS: Step[] = [
  ["GETBIT", "nokey", "0"],
  ["SETBIT", "b", "7", "1"],
  ["GET", "b"],
  ["OBJECT", "ENCODING", "b"],
  ["SETBIT", "b", "7", "1"],
  ["SETBIT", "b", "7", "0"],
  ["SETBIT", "b", "100", "1"],
  ["STRLEN", "b"],
  ["GETBIT", "b", "100"],
  ["GETBIT", "b", "99"],
  ["GETBIT", "b", "100000"],
  ["SETBIT", "b", "-1", "1"],
  ["SETBIT", "b", "x", "1"],
  ["SETBIT", "b", "4294967296", "1"],
  ["SETBIT", "b", "0", "2"],
  ["SETBIT", "b", "0", "-1"],
  ["SETBIT", "b", "0", "x"],
  ["SETBIT", "b", "0", "01"],
  ["GETBIT", "b", "-1"],
  ["GETBIT", "b", "4294967296"],
  ["GETBIT", "b", "4294967295"],
  ["SET", "n", "12345"],
  ["OBJECT", "ENCODING", "n"],
  ["GETBIT", "n", "2"],
  ["GETBIT", "n", "3"],
  ["BITCOUNT", "n"],
  ["SETBIT", "n", "3", "1"],
  ["OBJECT", "ENCODING", "n"],
  ["SET", "e", "abc"],
  ["SETBIT", "e", "0", "0"],
  ["OBJECT", "ENCODING", "e"],
  ["GET", "e"],
  ["RPUSH", "list", "a"],
  ["SETBIT", "list", "0", "1"],
  ["GETBIT", "list", "0"],
  ["BITCOUNT", "list"],
  ["BITCOUNT", "list", "x", "y"],
  ["BITPOS", "list", "1"],
  ["BITOP", "AND", "d", "list"],
  ["BITOP", "AND", "list", "e"],
  ["TYPE", "list"],
  ["SET", "s", "foobar"],
  ["BITCOUNT", "s"],
  ["BITCOUNT", "s", "0", "0"],
  ["BITCOUNT", "s", "1", "1"],
  ["BITCOUNT", "s", "1", "-2"],
  ["BITCOUNT", "s", "-100", "100"],
  ["BITCOUNT", "s", "-1", "-2"],
  ["BITCOUNT", "s", "-2", "-1"],
  ["BITCOUNT", "s", "5", "30", "BIT"],
  ["BITCOUNT", "s", "5", "30", "bit"],
  ["BITCOUNT", "s", "1", "3", "BYTE"],
  ["BITCOUNT", "s", "-5", "-1", "BIT"],
  ["BITCOUNT", "s", "3", "3", "BIT"],
  ["BITCOUNT", "s", "3", "2", "BIT"],
  ["BITCOUNT", "s", "0", "1000", "BIT"],
  ["BITCOUNT", "s", "0", "1", "foo"],
  ["BITCOUNT", "s", "0"],
  ["BITCOUNT", "s", "0", "1", "BIT", "x"],
  ["BITCOUNT", "s", "a", "1"],
  ["BITCOUNT", "s", "1", "a"],
  ["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807"],
  ["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807", "BIT"],
  ["BITCOUNT", "nokey", "a", "b"],
  ["BITCOUNT", "nokey", "0"],
  ["SET", "empty", ""],
  ["BITCOUNT", "empty"],
  ["BITCOUNT", "empty", "0", "-1"],
  ["BITPOS", "empty", "0"],
  ["BITPOS", "empty", "1"],
  ["BITPOS", "empty", "0", "0"],
  ["SET", "ones", Buffer.from([0xff, 0xf0, 0x00])],
  ["BITPOS", "ones", "0"],
  ["BITPOS", "ones", "1"],
  ["BITPOS", "ones", "1", "2"],
  ["BITPOS", "ones", "0", "0", "0"],
  ["BITPOS", "ones", "0", "0", "1"],
  ["BITPOS", "ones", "0", "1", "1"],
  ["BITPOS", "ones", "1", "1", "1"],
  ["BITPOS", "ones", "0", "3", "7", "BIT"],
  ["BITPOS", "ones", "0", "7", "8", "BIT"],
  ["BITPOS", "ones", "0", "5", "11", "BIT"],
  ["BITPOS", "ones", "1", "13", "100", "BIT"],
  ["BITPOS", "ones", "1", "9", "11", "BIT"],
  ["BITPOS", "ones", "0", "9", "11", "BIT"],
  ["BITPOS", "ones", "0", "12", "BIT"],
  ["BITPOS", "ones", "0", "2", "-1", "bit"],
  ["BITPOS", "ones", "1", "-1", "-2"],
  ["BITPOS", "ones", "1", "-3", "-2"],
  ["BITPOS", "ones", "0", "-100", "-2"],
  ["BITPOS", "ones", "1", "1", "1", "foo"],
  ["BITPOS", "ones", "1", "1", "1", "BIT", "x"],
  ["BITPOS", "ones", "2"],
  ["BITPOS", "ones", "-1"],
  ["BITPOS", "ones", "x"],
  ["BITPOS", "ones", "1", "x"],
  ["BITPOS", "ones", "1", "0", "x"],
  ["BITPOS", "nokey", "0"],
  ["BITPOS", "nokey", "1"],
  ["BITPOS", "nokey", "1", "x"],
  ["BITPOS", "nokey", "2"],
  ["SET", "allones", Buffer.from([0xff, 0xff])],
  ["BITPOS", "allones", "0"],
  ["BITPOS", "allones", "0", "0"],
  ["BITPOS", "allones", "0", "0", "-1"],
  ["BITPOS", "allones", "0", "1", "BIT"],
  ["BITPOS", "allones", "0", "1", "-1", "BIT"],
  ["SET", "a1", "abc"],
  ["SET", "a2", "xy"],
  ["BITOP", "AND", "dst", "a1", "a2"],
  ["GET", "dst"],
  ["OBJECT", "ENCODING", "dst"],
  ["BITOP", "OR", "dst", "a1", "a2", "nokey"],
  ["GET", "dst"],
  ["BITOP", "xor", "dst", "a2", "a1"],
  ["GET", "dst"],
  ["BITOP", "NOT", "dst", "a1"],
  ["GET", "dst"],
  ["BITOP", "NOT", "dst", "a1", "a2"],
  ["BITOP", "NAND", "dst", "a1"],
  ["BITOP", "AND", "dst", "nokey", "nokey2"],
  ["EXISTS", "dst"],
  ["BITOP", "AND", "dst", "nokey"],
  ["BITOP", "AND", "dst", "empty"],
  ["BITOP", "NOT", "dst", "n"],
  ["GET", "dst"],
  ["SET", "dst", "x", "EX", "100"],
  ["BITOP", "OR", "dst", "a1"],
  ["TTL", "dst"],
  ["BITOP", "AND", "a1", "a1", "a2"],
  ["GET", "a1"],
  // Bitmaps are strings: DUMP writes them as Redis does (int-encoded, compressed or not).
  ["SETBIT", "long", "2000", "1"],
  ["DUMP", "long"],
  ["DUMP", "b"],
  ["DUMP", "n"],
  ["DUMP", "dst"],
  ["SETBIT", "digits", "2", "1"],
  ["SETBIT", "digits", "3", "1"],
  ["SETBIT", "digits", "6", "1"],
  ["GET", "digits"],
  ["OBJECT", "ENCODING", "digits"],
  ["DUMP", "digits"],
];

const BITFIELDS: Step[] = [
  ["BITFIELD", "nokey"],
  ["EXISTS", "nokey"],
  ["BITFIELD", "nokey", "GET", "u8", "0"],
  ["EXISTS", "nokey"],
  ["BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0", "GET", "u4", "0"],
  ["GET", "bf"],
  ["BITFIELD", "bf", "INCRBY", "i8", "0", "100"],
  ["BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100"],
  ["BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000"],
  ["BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1"],
  ["BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1"],
  [
    "BITFIELD",
    "bf",
    "OVERFLOW",
    "WRAP",
    "INCRBY",
    "u2",
    "100",
    "1",
    "OVERFLOW",
    "SAT",
    "INCRBY",
    "u2",
    "102",
    "1",
  ],
  [
    "BITFIELD",
    "bf",
    "INCRBY",
    "u2",
    "100",
    "1",
    "INCRBY",
    "u2",
    "100",
    "1",
    "INCRBY",
    "u2",
    "100",
    "1",
  ],
  ["BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u8", "8", "-1", "GET", "u8", "8"],
  ["BITFIELD", "bf", "OVERFLOW", "WRAP", "SET", "u8", "8", "-2", "GET", "u8", "8"],
  ["BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "8", "-2", "GET", "u8", "8"],
  [
    "BITFIELD",
    "bf",
    "OVERFLOW",
    "SAT",
    "SET",
    "i8",
    "8",
    "200",
    "SET",
    "i8",
    "8",
    "-200",
    "GET",
    "i8",
    "8",
  ],
  [
    "BITFIELD",
    "bf",
    "SET",
    "i64",
    "16",
    "-9223372036854775808",
    "GET",
    "i64",
    "16",
    "GET",
    "u63",
    "16",
  ],
  ["BITFIELD", "bf", "INCRBY", "i64", "16", "-1"],
  [
    "BITFIELD",
    "bf",
    "OVERFLOW",
    "SAT",
    "INCRBY",
    "i64",
    "16",
    "-1",
    "INCRBY",
    "i64",
    "16",
    "9223372036854775807",
    "INCRBY",
    "i64",
    "16",
    "9223372036854775807",
  ],
  [
    "BITFIELD",
    "bf",
    "OVERFLOW",
    "FAIL",
    "INCRBY",
    "i64",
    "16",
    "1",
    "INCRBY",
    "i64",
    "16",
    "-9223372036854775808",
  ],
  [
    "BITFIELD",
    "bf",
    "SET",
    "u63",
    "3",
    "9223372036854775807",
    "INCRBY",
    "u63",
    "3",
    "5",
    "GET",
    "u63",
    "3",
  ],
  [
    "BITFIELD",
    "bf",
    "OVERFLOW",
    "SAT",
    "INCRBY",
    "u63",
    "3",
    "5",
    "INCRBY",
    "u63",
    "3",
    "-9223372036854775808",
  ],
  [
    "BITFIELD",
    "bf",
    "SET",
    "u50",
    "5",
    "1000000000000000",
    "INCRBY",
    "u50",
    "5",
    "999999999999999",
    "GET",
    "i50",
    "5",
  ],
  [
    "BITFIELD",
    "bf",
    "SET",
    "i49",
    "7",
    "-281474976710656",
    "INCRBY",
    "i49",
    "7",
    "-1",
    "GET",
    "u49",
    "7",
  ],
  [
    "BITFIELD",
    "bf",
    "SET",
    "u48",
    "1",
    "281474976710655",
    "INCRBY",
    "u48",
    "1",
    "1",
    "GET",
    "i48",
    "1",
  ],
  [
    "BITFIELD",
    "bf",
    "SET",
    "i32",
    "#1",
    "-5",
    "GET",
    "i32",
    "#1",
    "GET",
    "i32",
    "32",
    "GET",
    "u1",
    "#0",
  ],
  ["BITFIELD", "bf", "GET", "u8", "#"],
  ["BITFIELD", "bf", "GET", "u8", "#-1"],
  ["BITFIELD", "bf", "GET", "u8", "#536870912"],
  ["BITFIELD", "bf", "GET", "u8", "#536870911"],
  ["BITFIELD", "bf", "GET", "u8", "4294967296"],
  ["BITFIELD", "bf", "GET", "u8", "4294967295", "GET", "i1", "0"],
  ["BITFIELD", "bf", "GET", "u8", "#2305843009213693952"],
  ["BITFIELD", "bf", "GET", "u64", "0"],
  ["BITFIELD", "bf", "GET", "i65", "0"],
  ["BITFIELD", "bf", "GET", "i0", "0"],
  ["BITFIELD", "bf", "GET", "u", "0"],
  ["BITFIELD", "bf", "GET", "x8", "0"],
  ["BITFIELD", "bf", "GET", "u08", "0"],
  ["BITFIELD", "bf", "GET", "U8", "0"],
  ["BITFIELD", "bf", "GET", "u8"],
  ["BITFIELD", "bf", "SET", "u8", "0"],
  ["BITFIELD", "bf", "SET", "u8", "0", "x"],
  ["BITFIELD", "bf", "INCRBY", "u8", "0", "1.5"],
  ["BITFIELD", "bf", "OVERFLOW", "FOO", "GET", "u8", "0"],
  ["BITFIELD", "bf", "OVERFLOW"],
  ["BITFIELD", "bf", "FOO", "u8", "0"],
  ["BITFIELD", "bf", "GET", "u8", "0", "SET", "u8", "0", "1", "SET", "x8", "0", "1"],
  ["GET", "bf"],
  [
    "BITFIELD",
    "bf",
    "overflow",
    "fail",
    "overflow",
    "sat",
    "set",
    "u4",
    "0",
    "99",
    "get",
    "u4",
    "0",
  ],
  ["BITFIELD", "bf", "SET", "u8", "0", "1"],
  ["BITFIELD_RO", "bf", "GET", "u8", "0", "GET", "i16", "4"],
  ["BITFIELD_RO", "bf", "SET", "u8", "0", "1"],
  ["BITFIELD_RO", "bf", "INCRBY", "u8", "0", "1"],
  ["BITFIELD_RO", "bf", "SET", "x8", "0", "1"],
  ["BITFIELD_RO", "bf", "OVERFLOW", "SAT"],
  ["BITFIELD_RO", "bf"],
  ["BITFIELD_RO", "nokey", "GET", "u8", "0"],
  ["RPUSH", "list", "a"],
  ["BITFIELD", "list", "GET", "u8", "0"],
  ["BITFIELD", "list", "SET", "u8", "0", "1"],
  ["BITFIELD", "list", "GET", "u8", "x"],
  ["BITFIELD_RO", "list", "GET", "u8", "0"],
  ["SET", "num", "42"],
  ["BITFIELD", "num", "GET", "u16", "0"],
  ["BITFIELD", "num", "INCRBY", "u8", "8", "1"],
  ["GET", "num"],
  ["OBJECT", "ENCODING", "num"],
  ["BITFIELD", "fresh", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5"],
  ["EXISTS", "fresh"],
  ["GET", "fresh"],
  ["DUMP", "bf"],
];

describe("bitmaps and bitfields vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  it("describe themselves as COMMAND INFO does", async () => {
    expect(await commandInfoMismatches(oracle(), [...bitmapCommands, ...bitfieldCommands])).toEqual(
      [],
    );
  });

  for (const resp of [2, 3] as const) {
    for (const [name, script] of [
      ["bitmaps", BITMAPS],
      ["bitfields", BITFIELDS],
    ] as const) {
      it(`${name}, RESP${resp}`, async () => {
        await oracle().command("FLUSHALL");
        const t = new TestStore(table);
        t.resp = resp;
        expect(await compareScript(t, oracle(), script)).toEqual([]);
      });
    }
  }

  // Random operations on a few short keys: every reply, then every key's bytes, must agree.
  const type = fc.oneof(
    fc.integer({ min: 1, max: 64 }).map((n) => `i${n}`),
    fc.integer({ min: 1, max: 63 }).map((n) => `u${n}`),
  );
  const offset = fc.oneof(
    fc.integer({ min: 0, max: 200 }).map(String),
    fc.integer({ min: 0, max: 6 }).map((n) => `#${n}`),
  );
  const int64 = fc.oneof(
    fc.integer({ min: -300, max: 300 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 2 ** 47, -(2 ** 48), 2 ** 53),
  );
  const fieldOp = fc.oneof(
    fc.tuple(fc.constant("GET"), type, offset),
    fc.tuple(fc.constantFrom("SET", "INCRBY"), type, offset, int64.map(String)),
    fc.tuple(fc.constant("OVERFLOW"), fc.constantFrom("WRAP", "SAT", "FAIL")),
  );
  const key = fc.constantFrom("r1", "r2", "r3");
  const command = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(key, fc.array(fieldOp, { minLength: 1, maxLength: 6 }))
        .map(([k, ops]) => ["BITFIELD", k, ...ops.flat()]),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(key, fc.integer({ min: 0, max: 300 }), fc.constantFrom("0", "1"))
        .map(([k, o, v]) => ["SETBIT", k, String(o), v]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          key,
          fc.integer({ min: -60, max: 60 }),
          fc.integer({ min: -60, max: 60 }),
          fc.constantFrom([], ["BIT"], ["BYTE"]),
        )
        .map(([k, s, e, u]) => ["BITCOUNT", k, String(s), String(e), ...u]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          key,
          fc.constantFrom("0", "1"),
          fc.integer({ min: -300, max: 300 }),
          fc.option(fc.integer({ min: -300, max: 300 })),
          fc.constantFrom([], ["BIT"], ["BYTE"]),
        )
        .map(([k, b, s, e, u]) =>
          e === null ? ["BITPOS", k, b, String(s)] : ["BITPOS", k, b, String(s), String(e), ...u],
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom("AND", "OR", "XOR"),
          key,
          fc.array(key, { minLength: 1, maxLength: 3 }),
        )
        .map(([op, d, srcs]) => ["BITOP", op, d, ...srcs]),
    },
    { weight: 1, arbitrary: fc.tuple(key, key).map(([d, s]) => ["BITOP", "NOT", d, s]) },
  );

  it("random bit commands agree reply for reply and byte for byte", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (cmds) => {
        await oracle().command("FLUSHALL");
        const t = new TestStore(table);
        const script: Step[] = [...cmds, ["GET", "r1"], ["GET", "r2"], ["GET", "r3"]];
        expect(await compareScript(t, oracle(), script)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

const EVENTS: string[][] = [
  ["SETBIT", "b", "3", "1"],
  ["SETBIT", "b", "3", "1"],
  ["SETBIT", "b", "3", "0"],
  ["SETBIT", "b", "30", "0"],
  ["SETBIT", "b", "x", "0"],
  ["SET", "s", "abc"],
  ["SETBIT", "s", "0", "0"],
  ["BITOP", "OR", "d", "b", "s"],
  ["BITOP", "AND", "d", "nokey"],
  ["BITOP", "AND", "d", "nokey"],
  ["BITFIELD", "f", "SET", "u8", "0", "5"],
  ["BITFIELD", "f", "SET", "u8", "0", "5"],
  ["BITFIELD", "f", "INCRBY", "u8", "0", "1", "GET", "u4", "0"],
  ["BITFIELD", "f", "GET", "u8", "0"],
  ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"],
  ["BITFIELD", "g", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"],
  ["BITFIELD_RO", "f", "GET", "u8", "0"],
  ["GETBIT", "b", "3"],
  ["BITCOUNT", "b"],
  ["BITPOS", "b", "1"],
  ["SET", "done", "1"],
];

describe("bitmap events and propagation vs redis-server 7.0.15", () => {
  it("publish the same keyspace events", async () => {
    const { mine, theirs } = await keyEventsOfBoth(table, EVENTS);
    expect(theirs.length).toBeGreaterThan(10);
    expect(mine).toEqual(theirs);
  });

  it("propagate the same commands as the AOF holds", async () => {
    const { mine, theirs } = await aofCommandsOfBoth(table, EVENTS);
    expect(mine).toEqual(theirs);
  });
});

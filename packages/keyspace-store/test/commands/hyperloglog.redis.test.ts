// HyperLogLog against real redis-server 7.0.15: the same bytes in the value (GET and DUMP), the
// same registers (PFDEBUG GETREG) and the same estimates, scripted and for random inputs large
// enough to promote sparse HLLs to dense; plus errors, keyspace events and the AOF.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hyperloglogCommands } from "../../src/commands/hyperloglog.js";
import { keyCommands } from "../../src/commands/keys.js";
import { listCommands } from "../../src/commands/lists.js";
import { stringCommands } from "../../src/commands/strings.js";
import { TestStore } from "../../src/test-kit.js";
import { type CompareStep, compareScript, oracleForSuite } from "../redis-oracle.js";
import { commandInfoMismatches, describeEventsAndPropagation } from "./oracle-streams.js";

type Step = (string | number | Buffer)[] | CompareStep;
const table = [...stringCommands, ...keyCommands, ...listCommands, ...hyperloglogCommands];

const range = (from: number, n: number, prefix = "e") =>
  Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

const SCRIPT: Step[] = [
  ["PFCOUNT", "nokey"],
  ["PFCOUNT", "nokey", "nokey2"],
  ["PFADD", "h"],
  ["GET", "h"],
  ["OBJECT", "ENCODING", "h"],
  ["PFCOUNT", "h"],
  ["GET", "h"],
  ["PFADD", "h", "a", "b", "c"],
  ["PFADD", "h", "a"],
  ["GET", "h"],
  ["PFCOUNT", "h"],
  ["GET", "h"],
  ["PFDEBUG", "ENCODING", "h"],
  ["PFDEBUG", "DECODE", "h"],
  ["PFADD", "h", ...range(0, 200)],
  ["GET", "h"],
  ["PFDEBUG", "DECODE", "h"],
  ["PFCOUNT", "h"],
  ["PFADD", "h2", ...range(100, 300)],
  ["PFCOUNT", "h", "h2"],
  ["PFCOUNT", "h", "h2", "nokey"],
  ["PFMERGE", "m", "h", "h2"],
  ["GET", "m"],
  ["PFCOUNT", "m"],
  ["PFMERGE", "m"],
  ["PFMERGE", "m2"],
  ["GET", "m2"],
  ["PFADD", "big", ...range(0, 3000, "x")],
  ["PFDEBUG", "ENCODING", "big"],
  ["GET", "big"],
  ["PFCOUNT", "big"],
  ["GET", "big"],
  ["DUMP", "big"],
  ["PFADD", "big", ...range(0, 3000, "y")],
  ["PFCOUNT", "big"],
  ["PFCOUNT", "big", "h"],
  ["PFMERGE", "h", "big"],
  ["PFDEBUG", "ENCODING", "h"],
  ["GET", "h"],
  ["PFDEBUG", "DECODE", "h"],
  ["PFDEBUG", "TODENSE", "h2"],
  ["PFDEBUG", "TODENSE", "h2"],
  ["GET", "h2"],
  ["PFADD", "g", "1", "2"],
  ["PFDEBUG", "GETREG", "g"],
  ["PFDEBUG", "ENCODING", "g"],
  ["PFDEBUG", "GETREG", "nokey"],
  ["PFDEBUG", "FOO", "g"],
  // Its bytes as they came, not as UTF-8 (fuzz seed 297714529 batch 627).
  ["PFDEBUG", Buffer.from([0xff, 0xfe, 0xfd]), "g"],
  ["PFDEBUG", "FOO", "nokey"],
  ["PFDEBUG", "DECODE", "g"],
  ["DUMP", "g"],
  ["DUMP", "h2"],
  ["SET", "s", "hello"],
  ["PFADD", "s", "a"],
  ["PFCOUNT", "s"],
  ["PFCOUNT", "h", "s"],
  ["PFMERGE", "s", "h"],
  ["PFMERGE", "h", "s"],
  ["PFDEBUG", "ENCODING", "s"],
  ["SET", "i", "12345678901234567"],
  ["PFADD", "i", "a"],
  ["RPUSH", "l", "a"],
  ["PFADD", "l", "a"],
  ["PFCOUNT", "l"],
  ["PFCOUNT", "h", "l"],
  ["PFMERGE", "l", "h"],
  ["PFMERGE", "h", "l"],
  ["PFDEBUG", "GETREG", "l"],
  // Hand-made HLLs: a header with a wrong encoding, a dense one of the wrong size, a sparse one
  // whose opcodes do not cover every register (corrupt), one whose cached count is trusted.
  ["SET", "bad", Buffer.concat([Buffer.from("HYLL"), Buffer.from([2, 0, 0, 0]), Buffer.alloc(8)])],
  ["PFCOUNT", "bad"],
  ["SET", "bad", Buffer.concat([Buffer.from("HYLL"), Buffer.from([0, 0, 0, 0]), Buffer.alloc(8)])],
  ["PFCOUNT", "bad"],
  [
    "SET",
    "c",
    Buffer.concat([
      Buffer.from("HYLL"),
      Buffer.from([1, 0, 0, 0]),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x80]),
      Buffer.from([0x7f, 0xfe]),
    ]),
  ],
  ["PFCOUNT", "c"],
  ["PFCOUNT", "c", "h"],
  ["PFMERGE", "x", "c"],
  ["PFDEBUG", "GETREG", "c"],
  ["PFDEBUG", "TODENSE", "c"],
  ["PFDEBUG", "DECODE", "c"],
  ["PFADD", "c", "zz"],
  [
    "SET",
    "c2",
    Buffer.concat([
      Buffer.from("HYLL"),
      Buffer.from([1, 0, 0, 0]),
      Buffer.from([42, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0x7f, 0xff]),
    ]),
  ],
  ["PFCOUNT", "c2"],
  ["OBJECT", "ENCODING", "c2"],
  ["PFADD", "c2"],
  ["GET", "c2"],
  [
    "SET",
    "c3",
    Buffer.concat([
      Buffer.from("HYLL"),
      Buffer.from([1, 0, 0, 0]),
      Buffer.alloc(8),
      Buffer.from([0x80 | (31 << 2) | 3, 0x7f, 0xfb]),
    ]),
  ],
  ["PFDEBUG", "DECODE", "c3"],
  ["PFADD", "c3", "a", "b"],
  ["PFDEBUG", "DECODE", "c3"],
  ["GET", "c3"],
];

describe("HyperLogLog vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  it("describe themselves as COMMAND INFO does", async () => {
    expect(await commandInfoMismatches(oracle(), hyperloglogCommands)).toEqual([]);
  });

  for (const resp of [2, 3] as const) {
    it(`scripted, RESP${resp}`, async () => {
      await oracle().command("FLUSHALL");
      const t = new TestStore(table);
      t.resp = resp;
      expect(await compareScript(t, oracle(), SCRIPT)).toEqual([]);
    }, 30_000);
  }

  it("hll-sparse-max-bytes decides when a sparse HLL turns dense", async () => {
    await oracle().command("FLUSHALL");
    await oracle().command("CONFIG", "SET", "hll-sparse-max-bytes", "100");
    try {
      const t = new TestStore(table, { encodingLimits: { hllSparseMaxBytes: 100 } });
      const steps: Step[] = [];
      for (let i = 0; i < 60; i++)
        steps.push(["PFADD", "k", `m${i}`], ["PFDEBUG", "ENCODING", "k"], ["GET", "k"]);
      expect(await compareScript(t, oracle(), steps)).toEqual([]);
    } finally {
      await oracle().command("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
    }
  });

  // Random element sets, added in random batches to a few keys, merged and counted: every reply
  // and then every value's bytes and registers must agree. Sizes reach past the sparse limit.
  const element = fc.oneof(
    fc.integer({ min: 0, max: 100_000 }).map(String),
    fc.uint8Array({ minLength: 0, maxLength: 24 }).map((a) => Buffer.from(a)),
  );
  const key = fc.constantFrom("p1", "p2", "p3");
  const command = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(key, fc.array(element, { maxLength: 40 }))
        .map(([k, els]) => ["PFADD", k, ...els]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(key, fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 2500 }))
        .map(([k, from, n]) => ["PFADD", k, ...range(from, n, "r")]),
    },
    {
      weight: 2,
      arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ["PFCOUNT", ...ks]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(key, fc.array(key, { maxLength: 3 }))
        .map(([d, ks]) => ["PFMERGE", d, ...ks]),
    },
    { weight: 1, arbitrary: key.map((k) => ["PFDEBUG", "TODENSE", k]) },
  );

  it("random inputs: same replies, bytes and registers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (cmds) => {
        await oracle().command("FLUSHALL");
        const t = new TestStore(table);
        const script: Step[] = [...cmds];
        for (const k of ["p1", "p2", "p3"])
          script.push(["GET", k], ["PFCOUNT", k], { argv: ["PFDEBUG", "GETREG", k] }, ["GET", k]);
        expect(await compareScript(t, oracle(), script)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it("PFSELFTEST passes", async () => {
    const t = new TestStore(table);
    expect(await compareScript(t, oracle(), [["PFSELFTEST"]])).toEqual([]);
  }, 60_000);
});

const EVENTS: string[][] = [
  ["PFADD", "h", "a"],
  ["PFADD", "h", "a"],
  ["PFADD", "h"],
  ["PFADD", "e"],
  ["PFCOUNT", "h"],
  ["PFCOUNT", "h"],
  ["PFADD", "h", "b", "c"],
  ["PFCOUNT", "h", "e"],
  ["PFMERGE", "m", "h", "e"],
  ["PFMERGE", "m"],
  ["PFDEBUG", "ENCODING", "m"],
  ["PFDEBUG", "GETREG", "m"],
  ["PFDEBUG", "GETREG", "m"],
  ["PFDEBUG", "TODENSE", "h"],
  ["PFDEBUG", "TODENSE", "e"],
  ["PFDEBUG", "TODENSE", "e"],
  ["SET", "s", "x"],
  ["PFADD", "s", "a"],
  ["SET", "done", "1"],
];

describeEventsAndPropagation("HyperLogLog", table, EVENTS, { minEvents: 10 });

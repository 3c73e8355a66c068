// The skip list (through ZSet, which keeps the member map beside it) against a sorted array of
// (score, member) under random inserts, updates and deletes: order both ways, ranks, element at
// rank, first/last in score and lex ranges, and range deletions must all agree with the model.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { DEFAULT_ENCODING_LIMITS, type EncodingLimits } from "../encoding.js";
import {
  LEX_MAX,
  LEX_MIN,
  LEX_STR,
  type LexRange,
  lexGteMin,
  lexLteMax,
  type ScoreRange,
  scoreGteMin,
  scoreLteMax,
} from "./skiplist.js";
import { ZSet } from "./zset.js";

type Entry = [string, number];

function sorted(model: Map<string, number>): Entry[] {
  return [...model].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function checkShape(z: ZSet, model: Map<string, number>): Entry[] {
  const want = sorted(model);
  expect([...z.entries()]).toEqual(want);
  expect(z.size).toBe(want.length);
  expect(z.zsl.length).toBe(want.length);
  const back: Entry[] = [];
  for (let n = z.zsl.tail; n !== null; n = n.prev) back.push([n.member, n.score]);
  expect(back.reverse()).toEqual(want);
  want.forEach(([m, s], i) => {
    expect(z.zsl.rank(s, m)).toBe(i + 1);
    expect(z.rank(m)).toBe(i);
    const n = z.zsl.byRank(i + 1);
    expect(n?.member).toBe(m);
  });
  expect(z.zsl.byRank(0)).toBeNull();
  expect(z.zsl.byRank(want.length + 1)).toBeNull();
  return want;
}

const memberArb = fc.constantFrom("", "a", "aa", "ab", "b", "ba", "c", "\x00", "\xff", "z\x00");
const scoreArb = fc.constantFrom(-Infinity, -2, -1, -0.5, 0, 1, 1, 2, 3.25, Infinity);
const opArb = fc.oneof(
  fc.record({ op: fc.constant("set" as const), m: memberArb, s: scoreArb }),
  fc.record({ op: fc.constant("del" as const), m: memberArb, s: scoreArb }),
);
const scoreRangeArb = fc.record({
  min: scoreArb,
  max: scoreArb,
  minex: fc.boolean(),
  maxex: fc.boolean(),
});
const lexBoundArb = fc.oneof(
  fc.record({ v: memberArb, kind: fc.constant(LEX_STR), ex: fc.boolean() }),
  fc.record({ v: fc.constant(""), kind: fc.constantFrom(LEX_MIN, LEX_MAX), ex: fc.constant(true) }),
);

function apply(z: ZSet, model: Map<string, number>, ops: { op: string; m: string; s: number }[]) {
  for (const { op, m, s } of ops) {
    if (op === "set") {
      z.add(m, s);
      model.set(m, s);
    } else {
      expect(z.delete(m)).toBe(model.delete(m));
    }
  }
}

describe("skip list vs a sorted array", () => {
  test.prop([fc.array(opArb, { maxLength: 120 })])("order, ranks and links", (ops) => {
    const z = new ZSet();
    const model = new Map<string, number>();
    for (let i = 0; i < ops.length; i += 10) {
      apply(z, model, ops.slice(i, i + 10));
      checkShape(z, model);
    }
  });

  test.prop([fc.array(opArb, { maxLength: 80 }), scoreRangeArb])(
    "score ranges: first, last, delete",
    (ops, r: ScoreRange) => {
      const z = new ZSet();
      const model = new Map<string, number>();
      apply(z, model, ops);
      const inRange = sorted(model).filter(([, s]) => scoreGteMin(s, r) && scoreLteMax(s, r));
      const first = z.zsl.firstInScoreRange(r);
      const last = z.zsl.lastInScoreRange(r);
      expect(first ? [first.member, first.score] : null).toEqual(inRange[0] ?? null);
      expect(last ? [last.member, last.score] : null).toEqual(inRange.at(-1) ?? null);
      const removed = z.zsl.deleteRangeByScore(r, z.dict);
      expect(removed).toBe(inRange.length);
      for (const [m] of inRange) model.delete(m);
      checkShape(z, model);
    },
  );

  test.prop([
    fc.array(memberArb, { maxLength: 20 }),
    fc.array(memberArb, { maxLength: 5 }),
    lexBoundArb,
    lexBoundArb,
  ])("lex ranges on equal scores: first, last, delete", (adds, dels, a, b) => {
    const z = new ZSet();
    const model = new Map<string, number>();
    for (const m of adds) {
      z.add(m, 0);
      model.set(m, 0);
    }
    for (const m of dels) {
      z.delete(m);
      model.delete(m);
    }
    const r: LexRange = {
      min: a.v,
      minKind: a.kind,
      minex: a.ex,
      max: b.v,
      maxKind: b.kind,
      maxex: b.ex,
    };
    const inRange = sorted(model).filter(([m]) => lexGteMin(m, r) && lexLteMax(m, r));
    const first = z.zsl.firstInLexRange(r);
    const last = z.zsl.lastInLexRange(r);
    expect(first?.member ?? null).toEqual(inRange[0]?.[0] ?? null);
    expect(last?.member ?? null).toEqual(inRange.at(-1)?.[0] ?? null);
    expect(z.zsl.deleteRangeByLex(r, z.dict)).toBe(inRange.length);
    for (const [m] of inRange) model.delete(m);
    checkShape(z, model);
  });

  test.prop([fc.array(opArb, { maxLength: 80 }), fc.nat(30), fc.nat(30)])(
    "rank range deletion",
    (ops, x, y) => {
      const z = new ZSet();
      const model = new Map<string, number>();
      apply(z, model, ops);
      const want = sorted(model);
      const start = Math.min(x, y) + 1;
      const end = Math.max(x, y) + 1;
      const gone = want.slice(start - 1, end);
      expect(z.zsl.deleteRangeByRank(start, end, z.dict)).toBe(gone.length);
      for (const [m] of gone) model.delete(m);
      checkShape(z, model);
    },
  );
});

describe("ZSet", () => {
  it("keeps ranks right over many members (tall nodes, spans)", () => {
    const z = new ZSet();
    const model = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const m = `m${(i * 7919) % 2000}`;
      const s = (i * 31) % 97;
      z.add(m, s);
      model.set(m, s);
      if (i % 5 === 0) {
        const d = `m${(i * 13) % 2000}`;
        z.delete(d);
        model.delete(d);
      }
    }
    checkShape(z, model);
    expect(z.zsl.level).toBeGreaterThan(2);
  });

  it("clones deeply and keeps the encoding", () => {
    const z = ZSet.from([
      ["a", 1],
      ["b", 2],
    ]);
    const c = z.clone();
    c.add("c", 0);
    expect([...z.entries()]).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect([...c.entries()]).toEqual([
      ["c", 0],
      ["a", 1],
      ["b", 2],
    ]);
    expect(c.encoding).toBe("listpack");
  });

  it("tracks Redis's listpack -> skiplist conversion one way", () => {
    const z = new ZSet();
    for (let i = 0; i < 128; i++) z.add(`m${i}`, i);
    expect(z.encoding).toBe("listpack");
    z.add("one-more", 0);
    expect(z.encoding).toBe("skiplist");
    for (let i = 0; i < 128; i++) z.delete(`m${i}`);
    expect(z.encoding).toBe("skiplist");
    const long = new ZSet();
    long.add("x".repeat(65), 1);
    expect(long.encoding).toBe("skiplist");
    expect(new ZSet(0, 65).encoding).toBe("skiplist");
    expect(new ZSet(129, 1).encoding).toBe("skiplist");
  });

  it("follows its limits (zset-max-listpack-*), changed in place as CONFIG SET does", () => {
    const limits: EncodingLimits = { ...DEFAULT_ENCODING_LIMITS, zsetMaxListpackEntries: 2 };
    const z = ZSet.from(
      [
        ["a", 1],
        ["b", 2],
      ],
      limits,
    );
    expect(z.encoding).toBe("listpack");
    z.add("c", 3);
    expect(z.encoding).toBe("skiplist");
    limits.zsetMaxListpackEntries = 0;
    expect(new ZSet(0, 0, limits).encoding).toBe("skiplist");
    // Sets built alone follow Redis's defaults.
    expect(new ZSet().encoding).toBe("listpack");
  });

  it("stores -0 as 0 while a listpack, as Redis's text scores do", () => {
    const z = new ZSet();
    z.add("a", -0);
    expect(Object.is(z.score("a"), 0)).toBe(true);
    const big = new ZSet(0, 100);
    big.add("a", -0);
    expect(Object.is(big.score("a"), -0)).toBe(true);
  });
});

// Score and range-bound parsing and score formatting as Redis 7.0.15 answered for each string.
import { describe, expect, it } from "vitest";
import { LEX_MAX, LEX_MIN, LEX_STR } from "./skiplist.js";
import {
  formatScore,
  newLexRange,
  newScoreRange,
  parseLexRange,
  parseScore,
  parseScoreRange,
  strtod,
} from "./zset-args.js";

describe("parseScore (getDoubleFromObject)", () => {
  it.each([
    ["1", 1],
    ["-2.5", -2.5],
    [".5", 0.5],
    ["5.", 5],
    ["+.5e1", 5],
    ["0x10", 16],
    ["0x1p3", 8],
    ["0x.8", 0.5],
    ["4.9e-324", 5e-324],
    ["inf", Infinity],
    ["-Infinity", -Infinity],
    ["+inf", Infinity],
    // Hex floats are rounded once, ties to even, subnormals included (ZADD then ZSCORE).
    ["0x1.00000000000008000000001p0", 1.0000000000000002],
    ["0x1.00000000000008p0", 1],
    ["0x1.00000000000018p0", 1.0000000000000004],
    ["0x1p-1074", 5e-324],
    ["0x1.0000001p-1075", 5e-324],
    ["0x1.8p-1074", 1e-323],
    ["0x1p1023", 2 ** 1023],
    ["0x0p99999", 0],
    ["0xffffffffffffffffffffp0", 1.2089258196146292e24],
    ["1e-310", 1e-310],
  ])("accepts %j", (s, v) => expect(parseScore(s)).toBe(v));

  it.each(
    [
      ["", " 1", "1 ", "\t1", "1\n", "x", "nan", "-nan", "1e400", "-1e400", "1e-400", "2e-324"],
      ["0x", "0x1p", "1.2.3", "--1", "1_0", "0x1p-1075", "0x1P-1080", "0x1p1024", "0x1p-99999"],
      ["0x1.fffffffffffff8p1023", "1\u00002"],
    ].flat(),
  )("refuses %j", (s) => expect(parseScore(s)).toBeNull());
});

describe("parseScore's integer shortcut", () => {
  // What getDoubleFromObject makes of strtod's answer, to hold the shortcut against.
  const viaStrtod = (s: string): number | null => {
    const r = strtod(s);
    if (r.end !== s.length || Number.isNaN(r.value)) return null;
    return r.erange && (!Number.isFinite(r.value) || r.value === 0) ? null : r.value;
  };
  const cases = ["0", "-0", "+0", "000", "-007", "+42", "123456789012345", "-999999999999999"];
  cases.push("9007199254740993", "-12345678901234567", "+", "-", "1a", "--1", "+-1", "1-");
  for (let i = 0, x = 1; i < 200; i++, x = (x * 48271) % 2147483647)
    cases.push(String(x * (i - 100)));
  it("reads integer strings exactly as strtod", () => {
    for (const s of cases) expect(Object.is(parseScore(s), viaStrtod(s)), s).toBe(true);
  });
});

describe("parseScoreRange (zslParseRange)", () => {
  const r = newScoreRange();
  it("reads exclusive bounds and what strtod reads", () => {
    expect(parseScoreRange("(1", "+inf", r)).toBe(true);
    expect(r).toEqual({ min: 1, max: Infinity, minex: true, maxex: false });
    // An empty bound is 0, a leading space is skipped: strtod's rules.
    expect(parseScoreRange("(", " 3", r)).toBe(true);
    expect(r).toEqual({ min: 0, max: 3, minex: true, maxex: false });
    expect(parseScoreRange("1e400", "1\x00junk", r)).toBe(true);
    expect(r.min).toBe(Infinity);
    expect(r.max).toBe(1);
  });
  it.each([
    ["(0x", "1"],
    ["-", "1"],
    ["1", "nan"],
    ["a", "1"],
    ["1", "(x"],
  ])("refuses %j %j", (a, b) => expect(parseScoreRange(a, b, r)).toBe(false));
});

describe("parseLexRange", () => {
  const r = newLexRange();
  it("reads [ ( - +", () => {
    expect(parseLexRange("[a", "(b", r)).toBe(true);
    expect(r).toEqual({
      min: "a",
      max: "b",
      minKind: LEX_STR,
      maxKind: LEX_STR,
      minex: false,
      maxex: true,
    });
    expect(parseLexRange("-", "+", r)).toBe(true);
    expect([r.minKind, r.maxKind]).toEqual([LEX_MIN, LEX_MAX]);
  });
  it.each([
    ["a", "+"],
    ["", "+"],
    ["-x", "+"],
    ["-", "++"],
  ])("refuses %j %j", (a, b) => expect(parseLexRange(a, b, r)).toBe(false));
});

describe("formatScore (%.17g)", () => {
  it.each([
    [0, "0"],
    [-0, "-0"],
    [1, "1"],
    [0.1, "0.10000000000000001"],
    [1e-7, "9.9999999999999995e-08"],
    [0.0001, "0.0001"],
    [123456789012345680, "1.2345678901234568e+17"],
    [1e16, "10000000000000000"],
    [5e-324, "4.9406564584124654e-324"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ])("%d -> %s", (d, s) => expect(formatScore(d)).toBe(s));
});

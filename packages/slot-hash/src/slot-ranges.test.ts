// Slot range text as CLUSTER NODES prints it: parsing, formatting, rejection of bad tokens, and
// normalisation checked against a set of slots.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  countSlots,
  formatSlotRanges,
  isValidSlot,
  normalizeSlotRanges,
  parseSlotRanges,
  type SlotRange,
  splitSlots,
} from "./slot-ranges.js";

const range = fc
  .tuple(fc.integer({ min: 0, max: 16383 }), fc.integer({ min: 0, max: 16383 }))
  .map(([a, b]): SlotRange => ({ start: Math.min(a, b), end: Math.max(a, b) }));

describe("parseSlotRanges / formatSlotRanges", () => {
  test("CLUSTER NODES style, order kept", () => {
    expect(parseSlotRanges("0-5460 5461 5462-10922")).toEqual([
      { start: 0, end: 5460 },
      { start: 5461, end: 5461 },
      { start: 5462, end: 10922 },
    ]);
    expect(formatSlotRanges(parseSlotRanges("0-5460 5461 5462-10922"))).toBe(
      "0-5460 5461 5462-10922",
    );
  });

  test("empty text and extra whitespace", () => {
    expect(parseSlotRanges("")).toEqual([]);
    expect(parseSlotRanges("  7 \t 9-9\n")).toEqual([
      { start: 7, end: 7 },
      { start: 9, end: 9 },
    ]);
    expect(formatSlotRanges([])).toBe("");
  });

  test("rejects malformed tokens, out-of-range slots and reversed ranges", () => {
    for (const bad of ["x", "1-", "-1", "1--2", "1-2-3", "1.5", "[93->-e7d1]", "0x10", "+1"])
      expect(() => parseSlotRanges(bad)).toThrow(SyntaxError);
    for (const bad of ["16384", "0-16384", "99999", "10-5"])
      expect(() => parseSlotRanges(bad)).toThrow(RangeError);
  });

  test.prop([fc.array(range, { maxLength: 20 })])("format then parse round-trips", (ranges) => {
    expect(parseSlotRanges(formatSlotRanges(ranges))).toEqual(ranges);
  });
});

describe("normalizeSlotRanges / countSlots", () => {
  test("merges overlapping and adjacent ranges", () => {
    expect(formatSlotRanges(normalizeSlotRanges(parseSlotRanges("6-9 0-5 3 20 11-12 12-13")))).toBe(
      "0-9 11-13 20",
    );
  });

  test.prop([fc.array(range, { maxLength: 12 })])("agrees with a set of slots", (ranges) => {
    const set = new Set<number>();
    for (const r of ranges) for (let s = r.start; s <= r.end; s++) set.add(s);
    const norm = normalizeSlotRanges(ranges);
    expect(countSlots(ranges)).toBe(set.size);
    // Sorted, disjoint, non-adjacent.
    for (let i = 1; i < norm.length; i++)
      expect(norm[i]!.start).toBeGreaterThan(norm[i - 1]!.end + 1);
    for (const r of norm) for (const s of [r.start, r.end]) expect(set.has(s)).toBe(true);
  });

  test("isValidSlot", () => {
    expect([0, 16383].every(isValidSlot)).toBe(true);
    expect([-1, 16384, 1.5, Number.NaN].some(isValidSlot)).toBe(false);
  });
});

describe("splitSlots", () => {
  test("as redis-cli --cluster create splits them (7.0.15's CLUSTER NODES after create)", () => {
    expect(formatSlotRanges(splitSlots(3)).split(" ")).toEqual([
      "0-5460",
      "5461-10922",
      "10923-16383",
    ]);
    expect(splitSlots(1)).toEqual([{ start: 0, end: 16383 }]);
    expect(formatSlotRanges(splitSlots(4))).toBe("0-4095 4096-8191 8192-12287 12288-16383");
    expect(() => splitSlots(0)).toThrow(RangeError);
  });

  test.prop([fc.integer({ min: 1, max: 16384 })], { numRuns: 30 })(
    "contiguous, every slot once",
    (n) => {
      const r = splitSlots(n);
      expect(r.length).toBe(n);
      expect(r[0]!.start).toBe(0);
      expect(r[n - 1]!.end).toBe(16383);
      const gaps = r.filter((x, i) => x.end < x.start || (i > 0 && x.start !== r[i - 1]!.end + 1));
      expect(gaps).toEqual([]);
    },
  );
});

import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  forEachRandomKey,
  noteAdded,
  noteRemoved,
  popRandomKey,
  randomDistinctKeys,
  randomKey,
} from "./hash-set-random.js";

const R = Math.random;

const members = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);

describe("random picks", () => {
  it("follows the injected source", () => {
    const r = () => 0.75;
    expect(randomKey(new Set(["a", "b", "c", "d"]), r)).toBe("d");
    expect(randomKey(new Map(members(400).map((m) => [m, 1])), r)).toBe("m300");
  });

  for (const n of [5, 500]) {
    it(`picks every element about equally often (${n} elements)`, () => {
      const s = new Set(members(n));
      const counts = new Map<string, number>();
      const rounds = n * 1000;
      for (let i = 0; i < rounds / 2; i++) {
        for (const m of randomDistinctKeys(s, 2, R)) counts.set(m, (counts.get(m) ?? 0) + 1);
      }
      // 1000 expected per member; a fair pick stays well inside +-25%.
      for (const m of s) expect(counts.get(m)).toBeGreaterThan(750);
      for (const m of s) expect(counts.get(m)).toBeLessThan(1250);
    });
  }

  it("repeats picks for a negative count without building the count", () => {
    const s = new Set(members(300));
    let n = 0;
    forEachRandomKey(s, 10_000, R, (m) => {
      expect(s.has(m)).toBe(true);
      n++;
    });
    expect(n).toBe(10_000);
  });

  test.prop([fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 299 })])(
    "randomDistinctKeys returns `count` distinct keys of the collection",
    (n, c) => {
      const count = Math.min(c, n - 1);
      const items = members(n);
      const got = count === 0 ? [] : randomDistinctKeys(new Set(items), count, R);
      expect(got).toHaveLength(count);
      expect(new Set(got).size).toBe(count);
      for (const x of got) expect(items).toContain(x);
    },
  );

  // The side array of a big set must follow adds (noted), removals (noted) and pops, so picks
  // are always live members and every live member can be picked.
  test.prop(
    [
      fc.array(
        fc.oneof(
          fc.record({ op: fc.constant("add" as const), m: fc.integer({ min: 0, max: 400 }) }),
          fc.record({ op: fc.constant("del" as const), m: fc.integer({ min: 0, max: 400 }) }),
          fc.record({ op: fc.constant("pop" as const) }),
          fc.record({ op: fc.constant("pick" as const) }),
        ),
        { maxLength: 300 },
      ),
    ],
    { numRuns: 50 },
  )("the side array stays in step with the set", (ops) => {
    const s = new Set(members(200));
    randomKey(s, R); // builds the side array
    for (const o of ops) {
      if (o.op === "add") {
        const m = `m${o.m}`;
        if (!s.has(m)) {
          s.add(m);
          noteAdded(s, m);
        }
      } else if (o.op === "del") {
        if (s.delete(`m${o.m}`)) noteRemoved(s);
      } else if (s.size > 0) {
        if (o.op === "pop") {
          const before = s.size;
          const m = popRandomKey(s, R);
          expect(s.has(m)).toBe(false);
          expect(s.size).toBe(before - 1);
        } else expect(s.has(randomKey(s, R))).toBe(true);
      }
    }
    // Every member is reachable: sweeping the random source hits each position once.
    if (s.size >= 128) {
      const seen = new Set<string>();
      for (let i = 0; i < s.size; i++) seen.add(randomKey(s, () => (i + 0.5) / s.size));
      expect(seen).toEqual(s);
    }
  });
});

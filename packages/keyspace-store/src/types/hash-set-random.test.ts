import { fc, test } from "@fast-check/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { randomDistinct, randomElement, randomIndex, setRandomSource } from "./hash-set-random.js";

afterEach(() => {
  setRandomSource(Math.random);
});

describe("random picks", () => {
  it("follows the injected source", () => {
    setRandomSource(() => 0.75);
    expect(randomIndex(4)).toBe(3);
    expect(randomElement(new Set(["a", "b", "c", "d"]), 4)).toBe("d");
  });

  it("picks every element about equally often", () => {
    const s = new Set(["a", "b", "c", "d", "e"]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      for (const m of randomDistinct(s, 5, 2)) counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    // Each member is in 2/5 of the samples: 2000 expected; a fair pick stays well inside this.
    for (const m of s) expect(counts.get(m)).toBeGreaterThan(1600);
    for (const m of s) expect(counts.get(m)).toBeLessThan(2400);
  });

  test.prop([fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 199 })])(
    "randomDistinct returns `count` distinct elements of the collection",
    (n, c) => {
      const count = Math.min(c, n - 1);
      const items = Array.from({ length: n }, (_, i) => `m${i}`);
      const got = randomDistinct(new Set(items), n, count);
      expect(got).toHaveLength(count);
      expect(new Set(got).size).toBe(count);
      for (const x of got) expect(items).toContain(x);
    },
  );
});

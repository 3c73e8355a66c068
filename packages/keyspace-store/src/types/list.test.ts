import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Denque } from "../value.js";
import { bytesEqual, listInsertAt, listRemove, listSetAt, listTrim } from "./list.js";

const b = (s: string) => Buffer.from(s);
const strs = (l: Denque<Buffer>) => l.toArray().map((x) => x.toString());

/** A list whose ring buffer wraps around: elements pushed at both ends. */
function wrapped(items: string[], front: number): Denque<Buffer> {
  const l = new Denque<Buffer>();
  for (let i = front; i < items.length; i++) l.push(b(items[i] as string));
  for (let i = front - 1; i >= 0; i--) l.unshift(b(items[i] as string));
  return l;
}

describe("list helpers", () => {
  it("bytesEqual", () => {
    expect(bytesEqual(b("abc"), b("abc"))).toBe(true);
    expect(bytesEqual(b("abc"), b("abd"))).toBe(false);
    expect(bytesEqual(b("ab"), b("abc"))).toBe(false);
    expect(bytesEqual(Buffer.alloc(100, 1), Buffer.alloc(100, 1))).toBe(true);
    expect(bytesEqual(Buffer.alloc(100, 1), Buffer.alloc(100, 2))).toBe(false);
  });

  it("listTrim empties or trims both ends", () => {
    const l = wrapped(["a", "b", "c", "d", "e"], 2);
    listTrim(l, 1, 2);
    expect(strs(l)).toEqual(["b", "c"]);
    listTrim(l, 1, 1);
    expect(l.length).toBe(0);
  });

  const items = fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 40 });

  test.prop([items, fc.nat(), fc.nat(), fc.constantFrom("a", "b", "c")])(
    "set and insert match an array at any position of a wrapped ring",
    (xs, f, p, v) => {
      const front = f % (xs.length + 1);
      const i = p % xs.length;
      const l = wrapped(xs, front);
      listSetAt(l, i, b(v));
      const want: string[] = [...xs];
      want[i] = v;
      expect(strs(l)).toEqual(want);
      const j = p % (want.length + 1);
      listInsertAt(l, j, b("z"));
      want.splice(j, 0, "z");
      expect(strs(l)).toEqual(want);
    },
  );

  test.prop([items, fc.nat(), fc.integer({ min: -5, max: 5 }), fc.constantFrom("a", "b", "c")])(
    "listRemove matches LREM's definition on a wrapped ring",
    (xs, f, count, v) => {
      const l = wrapped(xs, f % (xs.length + 1));
      const removed = listRemove(l, b(v), Math.abs(count), count < 0);
      // The model: mark up to |count| matches (all when 0) from the chosen end.
      const idx = xs.map((x, i) => (x === v ? i : -1)).filter((i) => i >= 0);
      const gone = new Set(
        count < 0 ? idx.reverse().slice(0, -count) : count > 0 ? idx.slice(0, count) : idx,
      );
      expect(removed).toBe(gone.size);
      expect(strs(l)).toEqual(xs.filter((_, i) => !gone.has(i)));
    },
  );
});

import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Denque, type ListElement } from "../value.js";
import {
  bytesEqual,
  ELEMENT_INLINE_MAX,
  elementBytes,
  elementEquals,
  elementFromBytes,
  elementFromLatin1,
  elementLatin1,
  listInsertAt,
  listRemove,
  listSetAt,
  listTrim,
} from "./list.js";

const b = (s: string) => Buffer.from(s);
const e = elementFromLatin1;
const strs = (l: Denque<ListElement>) => l.toArray().map(elementLatin1);

/** A list whose ring buffer wraps around: elements pushed at both ends. */
function wrapped(items: string[], front: number): Denque<ListElement> {
  const l = new Denque<ListElement>();
  for (let i = front; i < items.length; i++) l.push(e(items[i] as string));
  for (let i = front - 1; i >= 0; i--) l.unshift(e(items[i] as string));
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

  it("an element is a latin1 string up to ELEMENT_INLINE_MAX bytes, a Buffer beyond", () => {
    // Every byte value, invalid UTF-8 included, survives both shapes.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    for (const n of [0, 1, 24, 25, ELEMENT_INLINE_MAX, ELEMENT_INLINE_MAX + 1, 256]) {
      const bytes = all.subarray(0, n);
      const el = elementFromBytes(bytes);
      expect(typeof el === "string").toBe(n <= ELEMENT_INLINE_MAX);
      expect(el.length).toBe(n);
      expect(elementBytes(el).equals(bytes)).toBe(true);
      expect(elementLatin1(el)).toBe(bytes.toString("latin1"));
      expect(elementFromLatin1(elementLatin1(el))).toEqual(el);
      // A view's range, not the whole chunk, and a copy (the decoder reuses its chunk).
      const chunk = Buffer.concat([Buffer.from("xx"), bytes, Buffer.from("yy")]);
      const sliced = elementFromBytes(chunk, 2, 2 + n);
      chunk.fill(0);
      expect(elementBytes(sliced).equals(bytes)).toBe(true);
    }
  });

  it("elementEquals compares bytes, across shapes too", () => {
    expect(elementEquals("abc", "abc")).toBe(true);
    expect(elementEquals("abc", "abd")).toBe(false);
    expect(elementEquals("\xff\x00", b("\xff\x00"))).toBe(false); // utf-8 of U+00FF is 2 bytes
    expect(elementEquals("\xff\x00", Buffer.from([0xff, 0]))).toBe(true);
    expect(elementEquals(Buffer.from([0xff, 0]), "\xff\x00")).toBe(true);
    expect(elementEquals(Buffer.from([0xff, 1]), "\xff\x00")).toBe(false);
    expect(elementEquals(Buffer.alloc(200, 7), Buffer.alloc(200, 7))).toBe(true);
    expect(elementEquals(Buffer.alloc(200, 7), Buffer.alloc(199, 7))).toBe(false);
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
      listSetAt(l, i, e(v));
      const want: string[] = [...xs];
      want[i] = v;
      expect(strs(l)).toEqual(want);
      const j = p % (want.length + 1);
      listInsertAt(l, j, e("z"));
      want.splice(j, 0, "z");
      expect(strs(l)).toEqual(want);
    },
  );

  test.prop([items, fc.nat(), fc.integer({ min: -5, max: 5 }), fc.constantFrom("a", "b", "c")])(
    "listRemove matches LREM's definition on a wrapped ring",
    (xs, f, count, v) => {
      const l = wrapped(xs, f % (xs.length + 1));
      const removed = listRemove(l, e(v), Math.abs(count), count < 0);
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

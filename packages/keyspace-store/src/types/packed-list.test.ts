// A list loaded from a one-node quicklist and kept as that listpack must be indistinguishable from
// the Denque the reader used to build: every public Denque member gives the same answer, the
// memory figure is the same before and after expansion, and the RDB bytes written for it are
// those the expanded list gets (also when the keyspace's node fill would split it).
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { dumpValue, restoreValue } from "../dump.js";
import { DEFAULT_ENCODING_LIMITS } from "../encoding.js";
import { valueMemoryUsage } from "../memory.js";
import { Denque, type ListElement } from "../value.js";
import { ELEMENT_INLINE_MAX, elementFromLatin1, elementLatin1 } from "./list.js";
import { PackedList } from "./packed-list.js";

// Elements: short text, digits (stored as listpack integers), binary bytes, the odd long one.
const element = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1e12, max: 1e12 }).map(String),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("latin1")),
  fc.string({ minLength: 60, maxLength: 200 }),
);
const smallList = fc
  .array(element, { minLength: 1, maxLength: 16 })
  .map((xs) => new Denque(xs.map(elementFromLatin1)));

/** The list through a DUMP payload: a one-node quicklist read back, kept packed. */
function packed(l: Denque<ListElement>): PackedList {
  const v = restoreValue(dumpValue(l));
  if (!(v instanceof PackedList)) throw new Error("not read back as a PackedList");
  expect(v.packed).not.toBeNull();
  return v;
}

const items = (l: Denque<ListElement>) => l.toArray().map(elementLatin1);
/** Each element's shape: a string up to ELEMENT_INLINE_MAX bytes, a Buffer beyond. */
const shapes = (l: Denque<ListElement>) => l.toArray().map((e) => typeof e);

// Node fills the writer may be configured with: 8 KiB (the default), 2 elements, 1 element, a
// 4 KiB size class; and a packed threshold that makes long elements PLAIN nodes.
const limitsCases = [
  DEFAULT_ENCODING_LIMITS,
  { ...DEFAULT_ENCODING_LIMITS, listMaxListpackSize: 2 },
  { ...DEFAULT_ENCODING_LIMITS, listMaxListpackSize: 1 },
  { ...DEFAULT_ENCODING_LIMITS, listMaxListpackSize: -1 },
  { ...DEFAULT_ENCODING_LIMITS, listPackedThreshold: 50 },
];

describe("PackedList", () => {
  test.prop([smallList])("answers as the Denque it stands for, before and after expanding", (l) => {
    const p = packed(l);
    // Read without expanding: length, memory figures, the RDB bytes.
    expect([p.length, p.size(), p.isEmpty()]).toEqual([l.length, l.size(), l.isEmpty()]);
    for (const samples of [5, 1, 0])
      expect(valueMemoryUsage(p, samples)).toBe(valueMemoryUsage(l, samples));
    expect(dumpValue(p).equals(dumpValue(l))).toBe(true);
    expect(p.packed).not.toBeNull();
    // Under any node fill (a fill that splits the list expands it to plan the nodes).
    for (const limits of limitsCases)
      expect(dumpValue(packed(l), true, limits).equals(dumpValue(l, true, limits))).toBe(true);
    // Any other use expands it into the same elements.
    expect(items(p)).toEqual(items(l));
    expect(p.packed).toBeNull();
    expect(shapes(p)).toEqual(shapes(l));
    for (const e of p.toArray()) expect(typeof e === "string").toBe(e.length <= ELEMENT_INLINE_MAX);
    expect(valueMemoryUsage(p)).toBe(valueMemoryUsage(l));
    expect(dumpValue(p).equals(dumpValue(l))).toBe(true);
  });

  test.prop([smallList, element])("each Denque member expands first", (l, extra) => {
    const x = elementFromLatin1(extra);
    const s = (e: ListElement | undefined) => (e === undefined ? undefined : elementLatin1(e));
    const calls: [string, (d: Denque<ListElement>) => unknown][] = [
      ["peekAt", (d) => [s(d.peekAt(0)), s(d.peekAt(-1)), s(d.peekAt(99))]],
      ["get", (d) => [s(d.get(1)), s(d.get(-2))]],
      ["peekFront", (d) => s(d.peekFront())],
      ["peekBack", (d) => s(d.peekBack())],
      ["push", (d) => d.push(x)],
      ["unshift", (d) => d.unshift(x)],
      ["pop", (d) => s(d.pop())],
      ["shift", (d) => s(d.shift())],
      ["remove", (d) => d.remove(0, 2)?.map(s)],
      ["removeOne", (d) => s(d.removeOne(1))],
      ["splice", (d) => d.splice(1, 1, x, x)?.map(s)],
      ["clear", (d) => [d.clear(), d.length]],
      ["toArray", (d) => d.toArray().map(s)],
    ];
    // A call that throws (denque's own argument errors) must throw the same on both.
    const outcome = (f: () => unknown) => {
      try {
        return f();
      } catch (e) {
        return ["threw", String(e)];
      }
    };
    for (const [name, call] of calls) {
      const eager = new Denque(l.toArray());
      const lazy = packed(l);
      expect([name, outcome(() => call(lazy))]).toEqual([name, outcome(() => call(eager))]);
      expect([name, lazy.length, items(lazy)]).toEqual([name, eager.length, items(eager)]);
    }
  });
});

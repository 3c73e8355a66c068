// A hash loaded from a listpack and kept as one must be indistinguishable from the Map the reader
// used to build: every Map member gives the same answer, the memory figure is the same before
// and after expansion, and the RDB bytes written for it are those an expanded hash would get.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { DumpPayloadError, dumpValue, restoreValue } from "../dump.js";
import { valueMemoryUsage } from "../memory.js";
import { ListpackBuilder } from "../rdb/listpack.js";
import type { HashValue, Value } from "../value.js";
import { elementFromLatin1, elementLatin1 } from "./list.js";
import { PackedHash } from "./packed-hash.js";

// Fields and values: short text, digits (stored as listpack integers), binary bytes.
const element = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1e12, max: 1e12 }).map(String),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("latin1")),
);
const smallHash = fc
  .uniqueArray(fc.tuple(element, element), { minLength: 1, maxLength: 8, selector: (p) => p[0] })
  .map((pairs) => new Map(pairs.map(([f, v]) => [f, elementFromLatin1(v)])));

/** The hash through a DUMP payload: a listpack hash read back, kept packed. */
function packed(h: HashValue): PackedHash {
  const v = restoreValue(dumpValue(h));
  if (!(v instanceof PackedHash)) throw new Error("not read back as a PackedHash");
  expect(v.packed).not.toBeNull();
  return v;
}

const entries = (m: HashValue) => [...m].map(([f, v]) => [f, elementLatin1(v)]);

describe("PackedHash", () => {
  test.prop([smallHash])("answers as the Map it stands for, before and after expanding", (h) => {
    const p = packed(h);
    // Read without expanding: size, memory figures, the RDB bytes.
    expect(p.size).toBe(h.size);
    for (const samples of [5, 1, 0])
      expect(valueMemoryUsage(p, samples)).toBe(valueMemoryUsage(h, samples));
    expect(dumpValue(p).equals(dumpValue(h))).toBe(true);
    expect(p.packed).not.toBeNull();
    // Any other use expands it into the same entries, in the same order, and the same shapes
    // (a value of these lengths is a latin1 string).
    expect(entries(p)).toEqual(entries(h));
    expect(p.packed).toBeNull();
    expect([...p.values()].every((v) => typeof v === "string")).toBe(true);
    expect(valueMemoryUsage(p)).toBe(valueMemoryUsage(h));
    expect(dumpValue(p).equals(dumpValue(h))).toBe(true);
  });

  test.prop([smallHash, element])("each Map member expands first", (h, probe) => {
    const [f0] = h.keys();
    const field = f0 as string;
    const calls: [string, (m: HashValue) => unknown][] = [
      ["get", (m) => m.get(field)],
      ["get missing", (m) => m.get(`${probe}\u00ff`)],
      ["has", (m) => [m.has(field), m.has(probe)]],
      ["set", (m) => entries(m.set(probe, "x"))],
      ["delete", (m) => [m.delete(field), entries(m)]],
      ["clear", (m) => [m.clear(), m.size, entries(m)]],
      [
        "forEach",
        (m) => {
          const seen: string[] = [];
          m.forEach((v, k, self) => {
            seen.push(k, elementLatin1(v), String(self === m));
          });
          return seen;
        },
      ],
      ["keys", (m) => [...m.keys()]],
      ["values", (m) => [...m.values()]],
      ["entries", (m) => [...m.entries()]],
      ["spread", (m) => entries(new Map(m))],
    ];
    for (const [name, call] of calls) {
      const eager = new Map(h);
      const lazy = packed(h);
      expect([name, call(lazy)]).toEqual([name, call(eager)]);
      expect([name, lazy.size, entries(lazy)]).toEqual([name, eager.size, entries(eager)]);
    }
  });

  it("a listpack with a field twice is refused, as when the Map was built", () => {
    // A DUMP payload of type 16 (HASH_LISTPACK) around a listpack of these elements, taking a
    // valid payload's version footer; the CRC is skipped.
    const good = dumpValue(new Map([["a", Buffer.from("b")]]) as Value);
    const footer = good.subarray(good.length - 10, good.length - 8);
    const payload = (xs: string[]) => {
      const lp = new ListpackBuilder();
      for (const x of xs) lp.appendLatin1(x);
      const body = lp.buf.subarray(0, lp.finish());
      return Buffer.concat([Buffer.from([16, body.length]), body, footer, Buffer.alloc(8)]);
    };
    const ok = restoreValue(payload(["f", "1", "g", "2", "h", "3"]), true);
    expect(ok).toBeInstanceOf(PackedHash);
    expect(entries(ok as PackedHash)).toEqual([
      ["f", "1"],
      ["g", "2"],
      ["h", "3"],
    ]);
    expect(restoreValue(payload(["f", "1", "g", "2", "f", "3"]), true)).toBeInstanceOf(
      DumpPayloadError,
    );
    // Fields compared as bytes: an integer entry and a string entry of the same digits (a
    // listpack another writer made; ListpackBuilder would encode both as integers) are one field.
    const raw = (entries: (string | number)[]) => {
      const parts: number[] = [];
      for (const x of entries) {
        if (typeof x === "number")
          parts.push(0x00 | x, 1); // 7-bit uint entry, backlen 1
        else parts.push(0x80 | x.length, ...Buffer.from(x, "latin1"), 1 + x.length);
      }
      const lp = Buffer.from([0, 0, 0, 0, entries.length, 0, ...parts, 0xff]);
      lp.writeUInt32LE(lp.length, 0);
      return Buffer.concat([Buffer.from([16, lp.length]), lp, footer, Buffer.alloc(8)]);
    };
    expect(entries(restoreValue(raw([1, "x", "12", "y"]), true) as PackedHash)).toEqual([
      ["1", "x"],
      ["12", "y"],
    ]);
    expect(restoreValue(raw([1, "x", "1", "y"]), true)).toBeInstanceOf(DumpPayloadError);
    expect(restoreValue(raw(["1", "x", 1, "y"]), true)).toBeInstanceOf(DumpPayloadError);
    expect(restoreValue(raw(["ab", "x", "ab", "y"]), true)).toBeInstanceOf(DumpPayloadError);
  });
});

// A sorted set loaded from a listpack and kept as one (ZSet.packed) must be indistinguishable from
// the set the reader used to build: every member of the ZSet API gives the same answer, OBJECT
// ENCODING and the memory figure are the same before and after expansion, and the RDB bytes
// written for it are those the expanded set gets. A listpack the writer would not write back in
// the same order, or with integer members, is built as before; one the build refuses is refused.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { DumpPayloadError, dumpValue, restoreValue } from "../dump.js";
import { objectEncoding } from "../encoding.js";
import { valueMemoryUsage } from "../memory.js";
import { listpackPayload } from "../test-kit.js";
import { ZSet } from "./zset.js";

// Members that a listpack holds as strings (never canonical integers), up to the 64-byte limit.
const member = fc
  .oneof(
    fc.string({ maxLength: 12 }),
    fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString("latin1")),
  )
  .map((m) => `m${m}`);
const score = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom(-0, 0, 2.5, 1e300, -1e-300, 2 ** 53 + 2, Number.POSITIVE_INFINITY),
);
const smallZSet = fc
  .uniqueArray(fc.tuple(member, score), { minLength: 1, maxLength: 16, selector: (p) => p[0] })
  .map((pairs) => ZSet.from(pairs));

/** The set through a DUMP payload: a listpack sorted set read back, kept packed. */
function packed(z: ZSet): ZSet {
  const v = restoreValue(dumpValue(z));
  if (!(v instanceof ZSet) || v.packed === null) throw new Error("not read back packed");
  return v;
}

const pairs = (z: ZSet) => [...z.entries()];

/** A DUMP payload of a listpack sorted set (type 17) of these elements. */
const payload = (elements: (string | number)[]) => listpackPayload(17, elements);

describe("packed ZSet", () => {
  test.prop([smallZSet])("answers as the set it stands for, before and after expanding", (z) => {
    const p = packed(z);
    // Read without expanding: size, encoding, memory figures, the RDB bytes.
    expect(p.size).toBe(z.size);
    expect(objectEncoding(p)).toBe(objectEncoding(z));
    for (const samples of [5, 1, 0])
      expect(valueMemoryUsage(p, samples)).toBe(valueMemoryUsage(z, samples));
    expect(dumpValue(p).equals(dumpValue(z))).toBe(true);
    expect(p.packed).not.toBeNull();
    // Any other use expands it into the same members and scores, in the same order.
    expect(pairs(p)).toEqual(pairs(z));
    expect(p.packed).toBeNull();
    expect(objectEncoding(p)).toBe(objectEncoding(z));
    expect(valueMemoryUsage(p)).toBe(valueMemoryUsage(z));
    expect(dumpValue(p).equals(dumpValue(z))).toBe(true);
  });

  test.prop([smallZSet, member, score])("each ZSet member expands first", (z, m, s) => {
    const [first] = z.entries();
    const m0 = (first as [string, number])[0];
    const calls: [string, (x: ZSet) => unknown][] = [
      ["score", (x) => [x.score(m0), x.score(m)]],
      ["rank", (x) => [x.rank(m0), x.rank(m)]],
      ["add", (x) => [x.add(m, s), pairs(x)]],
      ["insert", (x) => (x.dict.has(m) ? "present" : [x.insert(m, s).score, pairs(x)])],
      ["delete", (x) => [x.delete(m0), x.delete(m), pairs(x)]],
      ["clone", (x) => pairs(x.clone())],
      ["dict", (x) => [...x.dict]],
      ["zsl", (x) => [x.zsl.length, x.zsl.first?.member, x.zsl.tail?.member]],
    ];
    for (const [name, call] of calls) {
      const eager = z.clone();
      const lazy = packed(z);
      expect([name, call(lazy)]).toEqual([name, call(eager)]);
      expect([name, lazy.size, pairs(lazy), lazy.encoding]).toEqual([
        name,
        eager.size,
        pairs(eager),
        eager.encoding,
      ]);
    }
  });

  it("a listpack out of (score, member) order or with integer members is built, not kept", () => {
    const outOfOrder = restoreValue(payload(["b", 1, "a", 1])) as ZSet;
    expect(outOfOrder.packed).toBeNull();
    expect(pairs(outOfOrder)).toEqual([
      ["a", 1],
      ["b", 1],
    ]);
    const intMember = restoreValue(payload(["7", 1, "a", 2])) as ZSet;
    expect(intMember.packed).toBeNull();
    expect(pairs(intMember)).toEqual([
      ["7", 1],
      ["a", 2],
    ]);
  });

  it("a member twice or a NaN score is refused, as when the set was built", () => {
    const bad = new DumpPayloadError("ERR Bad data format");
    expect(restoreValue(payload(["a", 1, "b", 2, "a", 3]))).toEqual(bad);
    expect(restoreValue(payload(["a", 1, "b", "nan"]))).toEqual(bad);
  });

  it("a long member and a -0 score read back as the built set has them (listpack, 0)", () => {
    const long = `m${"x".repeat(100)}`;
    const p = restoreValue(payload(["a", "-0", long, 5])) as ZSet;
    expect(p.packed).not.toBeNull();
    const before = dumpValue(p);
    expect(pairs(p)).toEqual([
      ["a", 0],
      [long, 5],
    ]);
    expect(Object.is(p.score("a"), 0)).toBe(true);
    expect(p.encoding).toBe("listpack");
    expect(dumpValue(p).equals(before)).toBe(true);
  });
});

// The stream type against a model (a sorted array of live entries): after random appends,
// deletions and trims, the entries, their order, the length and the first ID agree; exact trims
// leave exactly what the model says, approximate ones never remove more than exact ones would
// and only whole nodes; node sizes respect stream-node-max-entries/-bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_ENCODING_LIMITS } from "../encoding.js";
import { Stream } from "./stream.js";
import { formatStreamId, parseStreamId, STREAM_ID_MAX, streamId, U64_MAX } from "./stream-id.js";

type Op =
  | { t: "add"; gap: number; fv: readonly string[] }
  | { t: "del"; pick: number }
  | { t: "maxlen"; n: number; approx: boolean; limit: number }
  | { t: "minid"; pick: number; approx: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant("add" as const),
      gap: fc.integer({ min: 1, max: 5 }),
      fv: fc.oneof(
        fc.constant(["a", "1"] as string[]),
        fc.tuple(fc.string(), fc.string({ maxLength: 900 })).map(([f, v]) => [f, v]),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("del" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("maxlen" as const),
      n: fc.nat(300),
      approx: fc.boolean(),
      limit: fc.oneof(fc.constant(0), fc.nat(200)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("minid" as const),
      pick: fc.nat(),
      approx: fc.boolean(),
    }),
  },
);

function entries(s: Stream): [bigint, string[]][] {
  const out: [bigint, string[]][] = [];
  s.range(0n, STREAM_ID_MAX, false, 0, (id, fv) => void out.push([id, fv.slice()]));
  return out;
}

describe("Stream", () => {
  it("keeps live entries in ID order, as a model does, through appends, deletes and trims", () => {
    fc.assert(
      // Small IDs, and IDs whose halves pass 2^53 or come near 2^64 (entries decoded as bigints).
      fc.property(
        fc.constantFrom(0n, 2n ** 53n - 300n, U64_MAX - 1000n),
        fc.array(op, { maxLength: 400 }),
        (base, ops) => {
          const s = new Stream();
          let model: [bigint, string[]][] = [];
          let next = 1n;
          for (const o of ops) {
            if (o.t === "add") {
              next += BigInt(o.gap);
              const id = streamId(base + next / 3n, base + (next % 3n));
              s.append(id, o.fv.slice(), DEFAULT_ENCODING_LIMITS);
              model.push([id, o.fv.slice()]);
            } else if (o.t === "del") {
              if (model.length === 0) continue;
              const [id, fv] = model[o.pick % model.length] as [bigint, string[]];
              expect(s.get(id)).toEqual(fv);
              expect(s.delete(id)).toBe(true);
              expect(s.get(id)).toBeUndefined();
              expect(s.delete(id)).toBe(false);
              model = model.filter(([x]) => x !== id);
            } else if (o.t === "maxlen") {
              const before = s.length;
              const removed = s.trim(o.n, 0n, o.approx, o.approx ? o.limit : 0);
              expect(before - removed).toBe(s.length);
              if (!o.approx) expect(s.length).toBe(Math.min(before, o.n));
              else expect(s.length).toBeGreaterThanOrEqual(Math.min(before, o.n));
              if (o.approx && o.limit) expect(removed).toBeLessThanOrEqual(o.limit);
              model = model.slice(model.length - s.length);
            } else {
              if (model.length === 0) continue;
              const [minid] = model[o.pick % model.length] as [bigint, string[]];
              s.trim(null, minid, o.approx, 0);
              if (!o.approx) expect(entries(s)[0]?.[0]).toBe(minid);
              else
                expect(s.length).toBeGreaterThanOrEqual(model.filter(([x]) => x >= minid).length);
              model = model.slice(model.length - s.length);
            }
            expect(s.length).toBe(model.length);
          }
          expect(entries(s)).toEqual(model);
          expect(s.firstId === 0n || s.firstId === model[0]?.[0]).toBe(true);
          const rev: bigint[] = [];
          s.range(0n, STREAM_ID_MAX, true, 0, (id) => void rev.push(id));
          expect(rev).toEqual(model.map(([id]) => id).reverse());
          for (const n of s.nodes) {
            expect(n.size).toBeLessThanOrEqual(DEFAULT_ENCODING_LIMITS.streamNodeMaxEntries);
            expect(n.live).toBeGreaterThan(0);
            const ids = n.offsets().map((p) => n.entryAt(p, false).id);
            expect(ids.length).toBe(n.size);
            expect(ids[0]).toBe(n.masterId);
            expect(ids[ids.length - 1]).toBe(n.lastId);
            expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("parses and prints IDs as Redis does", () => {
    expect(parseStreamId("-", 0n, false)?.id).toBe(0n);
    expect(parseStreamId("-", 0n, true)).toBeNull();
    expect(formatStreamId(parseStreamId("+", 0n, false)?.id as bigint)).toBe(
      "18446744073709551615-18446744073709551615",
    );
    expect(formatStreamId(parseStreamId("5", 7n, true)?.id as bigint)).toBe("5-7");
    expect(parseStreamId("5-*", 0n, true, true)?.seqGiven).toBe(false);
    expect(parseStreamId("5-*", 0n, true)).toBeNull();
    expect(formatStreamId(parseStreamId(" +5--1", 0n, true)?.id ?? 0n)).toBe("0-0");
    expect(parseStreamId("18446744073709551616", 0n, true)).toBeNull();
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: STREAM_ID_MAX }), (id) => {
        expect(parseStreamId(formatStreamId(id), 0n, true)?.id).toBe(id);
      }),
    );
  });
});

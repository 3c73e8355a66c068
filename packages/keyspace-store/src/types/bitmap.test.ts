import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findBit, getBit, getSigned, getUnsigned, popcount, setField } from "./bitmap.js";

const bytes = fc.uint8Array({ minLength: 0, maxLength: 80 }).map((a) => Buffer.from(a));

describe("bitmap helpers", () => {
  it("popcount equals counting bit by bit, over any range", () => {
    fc.assert(
      fc.property(bytes, fc.nat(), fc.nat(), (b, x, y) => {
        const [s, e] = [x % (b.length + 1), y % (b.length + 1)].sort((p, q) => p - q) as [
          number,
          number,
        ];
        let n = 0;
        for (let p = s * 8; p < e * 8; p++) n += getBit(b, p);
        expect(popcount(b, s, e)).toBe(n);
      }),
    );
  });

  it("findBit returns the first matching bit of the range or -1", () => {
    fc.assert(
      fc.property(
        bytes,
        fc.nat(700),
        fc.nat(700),
        fc.constantFrom(0 as const, 1 as const),
        (b, x, y, bit) => {
          const [from, to] = [x, y].sort((p, q) => p - q) as [number, number];
          let want = -1;
          for (let p = from; p <= to; p++)
            if (getBit(b, p) === bit) {
              want = p;
              break;
            }
          expect(findBit(b, from, to, bit)).toBe(want);
        },
      ),
    );
  });

  it("a field written reads back, signed and unsigned, without touching its neighbours", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.nat(40), fc.bigInt(), (bits, offset, raw) => {
        const b = Buffer.alloc(16, 0xa5);
        const before = Buffer.from(b);
        const v = BigInt.asIntN(bits, raw);
        setField(b, offset, bits, bits <= 48 ? Number(v) : v);
        expect(BigInt(getSigned(b, offset, bits))).toBe(v);
        expect(BigInt(getUnsigned(b, offset, bits))).toBe(BigInt.asUintN(bits, v));
        for (let p = 0; p < 128; p++)
          if (p < offset || p >= offset + bits) expect(getBit(b, p)).toBe(getBit(before, p));
      }),
    );
  });
});

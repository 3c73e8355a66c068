import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lastHash, murmurHash64A } from "./hyperloglog.js";

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/** MurmurHash64A written straight from Redis's C, over BigInt. */
function reference(b: Uint8Array, seed: bigint): bigint {
  const len = BigInt(b.length);
  let h = (seed ^ (len * M)) & MASK;
  const whole = b.length - (b.length & 7);
  for (let p = 0; p < whole; p += 8) {
    let k = 0n;
    for (let i = 7; i >= 0; i--) k = (k << 8n) | BigInt(b[p + i] as number);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const rest = b.length & 7;
  if (rest > 0) {
    for (let i = rest - 1; i >= 0; i--) h ^= BigInt(b[whole + i] as number) << BigInt(8 * i);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

describe("murmurHash64A", () => {
  it("equals the 64-bit reference for any input and seed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.nat({ max: 0xffffffff }), (b, seed) => {
        murmurHash64A(b, 0, b.length, seed);
        expect(lastHash()).toBe(reference(b, BigInt(seed)));
      }),
      { numRuns: 2000 },
    );
  });
});

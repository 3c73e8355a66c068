import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asin, cos, sin } from "./libm.js";

// A fixed-point reference with 240 fractional bits: exact doubles in, Taylor series out, so a
// result can be judged against the two midpoints around it.
const F = 240n;
const ONE = 1n << F;
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** A double as an exact fixed-point BigInt (|x| < 2^20, not tiny). */
function fixed(x: number): bigint {
  f64[0] = x;
  const raw = u64[0] as bigint;
  const e = Number((raw >> 52n) & 0x7ffn);
  const m = (raw & 0xfffffffffffffn) | (e === 0 ? 0n : 1n << 52n);
  const shift = BigInt(e - 1075) + F;
  const v = shift >= 0n ? m << shift : m >> -shift;
  return raw >> 63n ? -v : v;
}

function sinFixed(x: bigint): bigint {
  let term = x;
  let sum = x;
  const x2 = (x * x) >> F;
  for (let n = 1n; term !== 0n; n += 2n) {
    term = -((term * x2) >> F) / ((n + 1n) * (n + 2n));
    sum += term;
  }
  return sum;
}

/** The neighbours of a double (next toward -inf and +inf). */
function neighbours(y: number): [number, number] {
  f64[0] = y;
  const raw = u64[0] as bigint;
  const step = (d: bigint) => {
    u64[0] = raw + d;
    return f64[0] as number;
  };
  // For negative y the bit pattern grows toward -inf.
  return y > 0 ? [step(-1n), step(1n)] : [step(1n), step(-1n)];
}

/** True when `y` is the double nearest to the fixed-point value `ref`. */
function nearest(y: number, ref: bigint): boolean {
  const [lo, hi] = neighbours(y);
  const fy = fixed(y);
  const midLo = (fy + fixed(lo)) / 2n;
  const midHi = (fy + fixed(hi)) / 2n;
  return ref >= midLo && ref <= midHi;
}

const PI_FIXED = (() => {
  // Machin: pi = 16 atan(1/5) - 4 atan(1/239).
  const atanInv = (k: bigint) => {
    let sum = 0n;
    let term = ONE / k;
    for (let n = 1n, sign = 1n; term !== 0n; n += 2n, sign = -sign) {
      sum += (sign * term) / n;
      term /= k * k;
    }
    return sum;
  };
  return 16n * atanInv(5n) - 4n * atanInv(239n);
})();

/** sin of any |x| < ~2^20, reduced in the reference's own precision. */
function sinRef(x: number): bigint {
  const fx = fixed(x);
  const twoPi = 2n * PI_FIXED;
  let r = fx % twoPi;
  if (r > PI_FIXED) r -= twoPi;
  if (r < -PI_FIXED) r += twoPi;
  return sinFixed(r);
}

// Zero has no neighbour pair of one sign: it is checked on its own below.
const arg = fc
  .oneof(
    fc.double({ min: -3.2, max: 3.2, noNaN: true }),
    fc.double({ min: -1600, max: 1600, noNaN: true }),
    fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
  )
  .filter((x) => Math.abs(x) > 1e-30);

describe("libm: sin, cos, asin correctly rounded", () => {
  it("sin and cos give the nearest double", () => {
    fc.assert(
      fc.property(arg, (x) => {
        expect(nearest(sin(x), sinRef(x)), `sin(${x})`).toBe(true);
        // cos x = sin(x + pi/2), the sum taken exactly in the reference.
        const c = sinFixed(
          (() => {
            const twoPi = 2n * PI_FIXED;
            let r = (fixed(x) + PI_FIXED / 2n) % twoPi;
            if (r > PI_FIXED) r -= twoPi;
            if (r < -PI_FIXED) r += twoPi;
            return r;
          })(),
        );
        expect(nearest(cos(x), c), `cos(${x})`).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("asin gives the nearest double (sin of the midpoints brackets the argument)", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1, maxExcluded: true, noNaN: true }), (y) => {
        const z = asin(y);
        const [lo, hi] = neighbours(z);
        const fz = fixed(z);
        const fy = fixed(y);
        expect(sinFixed((fz + fixed(lo)) / 2n) <= fy, `asin(${y}) too big`).toBe(true);
        expect(sinFixed((fz + fixed(hi)) / 2n) >= fy, `asin(${y}) too small`).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("differ from V8's Math where Math is not the nearest double, as glibc's mostly do not", () => {
    // Arguments where fdlibm (V8) and glibc 2.36 disagree; glibc's answer is the nearest.
    expect(sin(2.5)).toBe(0.5984721441039565);
    expect(nearest(sin(2.5), sinRef(2.5))).toBe(true);
    expect(sin(-1.771270626515107)).toBe(-0.9799722387987674);
    expect(asin(0.7883992641041133)).toBe(0.9082025117858118);
    expect(asin(0.47435693187466477)).toBe(0.49423340469463545);
    // A near-tie (0.005 ulp from a midpoint) that glibc 2.36 misrounds to -0.2870648075486836.
    expect(sin(-0.29116126544714394)).toBe(-0.2870648075486835);
    expect(asin(1)).toBe(Math.PI / 2);
    expect(asin(0)).toBe(0);
    expect(Object.is(sin(-0), -0)).toBe(true);
    expect(cos(0)).toBe(1);
  });
});

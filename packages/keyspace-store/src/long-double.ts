// INCRBYFLOAT (and HINCRBYFLOAT) compute in C `long double`: on x86-64 the 80-bit extended format
// with a 64-bit mantissa, parsed by strtold and printed by "%.17Lf" with trailing zeros cut
// (Redis's ld2string in LD_STR_HUMAN mode). JS doubles give different digits (Redis answers
// 1000.1 + 0.2 = "1000.29999999999999999"), so this module emulates that arithmetic exactly
// with BigInt: a value is mant * 2^exp with a mantissa of at most 64 bits, rounded to nearest
// even at every step as the x87 unit does. Not a hot path: only the *BYFLOAT commands use it.

/** A finite extended-precision value: (-1)^neg * mant * 2^exp, mant < 2^64. */
export interface LongDouble {
  neg: boolean;
  mant: bigint;
  exp: number;
}

const MANT_BITS = 64;
/** Largest binary exponent of a finite 80-bit value (value < 2^16384). */
const MAX_EXP2 = 16384;
/** Values below 2^-16445 (the smallest subnormal) round to zero. */
const MIN_EXP2 = -16445;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (positive) to a 64-bit mantissa: returns [mant, exp] with value ≈ mant*2^exp. */
function roundRatio(num: bigint, den: bigint): [bigint, number] {
  // Scale so the quotient has MANT_BITS + 2 bits at least; the remainder decides rounding.
  let shift = MANT_BITS + 2 - (bitLength(num) - bitLength(den));
  let q: bigint;
  let r: bigint;
  for (;;) {
    const n = shift >= 0 ? num << BigInt(shift) : num;
    const d = shift >= 0 ? den : den << BigInt(-shift);
    q = n / d;
    r = n % d;
    if (bitLength(q) >= MANT_BITS + 1) break;
    shift++;
  }
  return roundBits(q, r !== 0n, -shift);
}

/** Rounds integer `q` (with `sticky` = nonzero bits below it) times 2^exp to 64 bits, half-even. */
function roundBits(q: bigint, sticky: boolean, exp: number): [bigint, number] {
  const extra = bitLength(q) - MANT_BITS;
  if (extra <= 0) return [q, exp];
  const e = BigInt(extra);
  let mant = q >> e;
  const rest = q & ((1n << e) - 1n);
  const half = 1n << (e - 1n);
  if (rest > half || (rest === half && (sticky || (mant & 1n) === 1n))) mant++;
  if (bitLength(mant) > MANT_BITS) return [mant >> 1n, exp + extra + 1];
  return [mant, exp + extra];
}

function make(neg: boolean, mant: bigint, exp: number): LongDouble | "inf" {
  if (mant === 0n) return { neg, mant: 0n, exp: 0 };
  if (exp + bitLength(mant) > MAX_EXP2) return "inf";
  if (exp + bitLength(mant) <= MIN_EXP2) return { neg, mant: 0n, exp: 0 };
  return { neg, mant, exp };
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

/**
 * Parses as Redis's string2ld (strtold, whole string, no leading space): decimal or hex floats,
 * inf/infinity. Null for invalid text, NaN, overflow to infinity and underflow to zero, as
 * Redis refuses those. Infinity is returned as "inf"/"-inf".
 */
export function parseLongDouble(s: string): LongDouble | "inf" | "-inf" | null {
  if (s.length === 0 || s.length >= 5 * 1024) return null;
  const inf = INF_RE.exec(s);
  if (inf) return inf[1] === "-" ? "-inf" : "inf";
  let neg: boolean;
  let num: bigint;
  let den = 1n;
  let anyNonZero: boolean;
  const hex = HEX_RE.exec(s);
  if (hex) {
    const int = hex[2] ?? "";
    const frac = hex[3] ?? "";
    if (int.length + frac.length === 0) {
      // "0x" alone: strtold reads the "0" and stops at "x", so the string is not all consumed.
      return null;
    }
    neg = hex[1] === "-";
    num = BigInt(`0x${int}${frac}` === "0x" ? "0" : `0x${int}${frac}`);
    let e2 = -4 * frac.length + Number(hex[4] ?? "0");
    if (Math.abs(e2) > 100000) e2 = Math.sign(e2) * 100000;
    if (e2 >= 0) num <<= BigInt(e2);
    else den = 1n << BigInt(-e2);
    anyNonZero = num !== 0n;
  } else {
    const m = DEC_RE.exec(s);
    if (!m) return null;
    const int = m[2] ?? "";
    const frac = m[3] ?? "";
    if (int.length + frac.length === 0) return null;
    neg = m[1] === "-";
    const digits = `${int}${frac}`.replace(/^0+/, "");
    anyNonZero = digits.length > 0;
    let e10 = Number(m[4] ?? "0") - frac.length;
    if (!anyNonZero) return { neg, mant: 0n, exp: 0 };
    // Far beyond the format's range either way: decide without building huge powers of ten.
    if (e10 + digits.length > 4940) return null;
    if (e10 + digits.length < -4960) return null;
    if (Math.abs(e10) > 100000) e10 = Math.sign(e10) * 100000;
    num = BigInt(digits);
    if (e10 >= 0) num *= 10n ** BigInt(e10);
    else den = 10n ** BigInt(-e10);
  }
  if (!anyNonZero) return { neg, mant: 0n, exp: 0 };
  const [mant, exp] = roundRatio(num, den);
  const v = make(neg, mant, exp);
  if (v === "inf") return null; // ERANGE with HUGE_VAL
  if (v.mant === 0n) return null; // ERANGE with a zero result
  return v;
}

/** a + b rounded to the 80-bit format; "inf" when the sum overflows. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | "inf" {
  if (a.mant === 0n) return b.mant === 0n ? { neg: a.neg && b.neg, mant: 0n, exp: 0 } : b;
  if (b.mant === 0n) return a;
  const e = Math.min(a.exp, b.exp);
  // Aligning exactly is fine: exponents of values that matter differ by at most ~33000 bits.
  const av = (a.neg ? -a.mant : a.mant) << BigInt(a.exp - e);
  const bv = (b.neg ? -b.mant : b.mant) << BigInt(b.exp - e);
  const sum = av + bv;
  if (sum === 0n) return { neg: false, mant: 0n, exp: 0 };
  const neg = sum < 0n;
  const [mant, exp] = roundBits(neg ? -sum : sum, false, e);
  return make(neg, mant, exp);
}

/** "%.17Lf" with trailing zeros (and a bare '.') removed, "-0" as "0": ld2string(LD_STR_HUMAN). */
export function formatLongDouble(v: LongDouble): string {
  // round(|v| * 10^17), half to even on the exact binary value, as glibc's printf does.
  let num = v.mant * 10n ** 17n;
  let den = 1n;
  if (v.exp >= 0) num <<= BigInt(v.exp);
  else den <<= BigInt(-v.exp);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) q++;
  let digits = q.toString().padStart(18, "0");
  let s = `${digits.slice(0, -17)}.${digits.slice(-17)}`;
  s = s.replace(/0+$/, "").replace(/\.$/, "");
  digits = s;
  if (v.neg && digits !== "0") return `-${digits}`;
  return digits;
}

/** A JS number as a LongDouble (exact: every double is representable). */
export function fromNumber(n: number): LongDouble {
  if (n === 0) return { neg: Object.is(n, -0), mant: 0n, exp: 0 };
  const neg = n < 0;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(n));
  const bits = buf.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const f = bits & ((1n << 52n) - 1n);
  if (e === 0) return { neg, mant: f, exp: -1074 };
  return { neg, mant: f | (1n << 52n), exp: e - 1075 };
}

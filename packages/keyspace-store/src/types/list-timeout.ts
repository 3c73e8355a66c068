// The timeout argument of blocking commands (BLPOP ... BLMPOP; BZPOPMIN and friends parse the same
// way), exactly as Redis 7.0's getTimeoutFromObjectOrReply reads seconds: strtold (decimal, hex
// floats, inf; no spaces; nan and out-of-range refused), then `(long long)ceill(ld * 1000.0)` in
// x87 80-bit long double. Rounding up means any positive timeout waits at least 1 ms ("0.0001"
// does not mean "forever"); a cast past the int64 range yields LLONG_MIN, hence "timeout is
// negative" for huge values. The two long double roundings (strtold's, the product's) are
// reproduced exactly with BigInt; plain integers (the usual "0", "5") take a fast path.
import { ERR_TIMEOUT_NEGATIVE, ERR_TIMEOUT_NOT_FLOAT } from "../errors.js";

/** Longest argument string2ld accepts (MAX_LONG_DOUBLE_CHARS - 1). */
const MAX_CHARS = 5 * 1024 - 1;
const TWO63 = 2n ** 63n;
const SIG_BITS = 64; // x87 extended precision significand
/** LDBL_MAX = 1.18973149535723176502e4932: its first 20 digits, to compare with at exponent 4932. */
const LDBL_MAX_DIGITS = "11897314953572317650";

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^[+-]?inf(?:inity)?$/i;

/**
 * Parses a blocking command's timeout in seconds. Returns the timeout in milliseconds (0 =
 * block forever) or Redis's error text.
 */
export function parseTimeoutMs(b: Uint8Array): number | string {
  const n = b.length;
  // Fast path: a plain non-negative integer of up to 12 digits (exact in any precision).
  if (n > 0 && n <= 12) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = (b[i] as number) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === n) return v * 1000;
  }
  if (n === 0 || n > MAX_CHARS) return ERR_TIMEOUT_NOT_FLOAT;
  return parseSlow(Buffer.from(b.buffer, b.byteOffset, n).toString("latin1"));
}

function parseSlow(s: string): number | string {
  if (INF_RE.test(s)) return ERR_TIMEOUT_NEGATIVE; // (long long)inf is LLONG_MIN on x86
  const dec = DEC_RE.exec(s);
  const m = dec ?? HEX_RE.exec(s);
  if (!m) return ERR_TIMEOUT_NOT_FLOAT; // nan, garbage, trailing bytes, leading spaces
  const int = m[2] ?? "";
  const frac = m[3] ?? "";
  if (int.length + frac.length === 0) return ERR_TIMEOUT_NOT_FLOAT; // "", ".", "0x", "-"
  const all = int + frac;
  const zeros = leadingZeros(all);
  if (zeros === all.length) return 0; // zero (also "-0", "0x0p9")
  const e = expValue(m[4]);
  const sig = all.length - zeros; // significant digits
  let num: bigint;
  let exp: number;
  let base: 2 | 10;
  if (dec) {
    // Decimal exponent of the leading digit decides the ranges before any BigInt work.
    const lead = e - frac.length + sig - 1;
    if (lead > 4932 || (lead === 4932 && all.slice(zeros, zeros + 20) > LDBL_MAX_DIGITS))
      return ERR_TIMEOUT_NOT_FLOAT; // strtold overflows (HUGE_VALL)
    if (lead < -4951) return ERR_TIMEOUT_NOT_FLOAT; // strtold underflows to zero
    if (lead >= 16) return ERR_TIMEOUT_NEGATIVE; // * 1000 >= 2^63: the cast yields LLONG_MIN
    if (lead < -4) return m[1] === "-" ? 0 : 1; // under 0.1 ms: ceil gives 1, or -0
    num = BigInt(all.slice(zeros));
    exp = e - frac.length;
    base = 10;
  } else {
    const lead = e - 4 * frac.length + 4 * (sig - 1) + hexDigitBits(all.charCodeAt(zeros)) - 1;
    if (lead > 16383) return ERR_TIMEOUT_NOT_FLOAT;
    if (lead < -16446) return ERR_TIMEOUT_NOT_FLOAT;
    if (lead >= 54) return ERR_TIMEOUT_NEGATIVE;
    if (lead < -14) return m[1] === "-" ? 0 : 1;
    num = BigInt(`0x${all.slice(zeros)}`);
    exp = e - 4 * frac.length;
    base = 2;
  }
  const [floor, ceil] = millis(num, exp, base);
  if (m[1] === "-") return floor === 0n ? 0 : ERR_TIMEOUT_NEGATIVE; // ceil(-y) = -floor(y)
  if (ceil >= TWO63) return ERR_TIMEOUT_NEGATIVE;
  return Number(ceil);
}

/** The exponent group as a number, clamped far outside any range that matters. */
function expValue(s: string | undefined): number {
  if (s === undefined) return 0;
  return Math.max(-1e7, Math.min(1e7, Number(s)));
}

function leadingZeros(s: string): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 0x30) i++;
  return i;
}

/** Bits of a non-zero hex digit's value (1..4). */
function hexDigitBits(c: number): number {
  const v = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
  return 32 - Math.clz32(v);
}

/**
 * floor and ceil of round64(round64(num * base^exp) * 1000) for a positive value: the two
 * roundings to a 64-bit significand (nearest, ties to even) are strtold's and the product's.
 */
function millis(num: bigint, exp: number, base: 2 | 10): [bigint, bigint] {
  let p: bigint; // value = p / q exactly
  let q: bigint;
  if (base === 10) {
    if (exp >= 0) {
      p = num * 10n ** BigInt(exp);
      q = 1n;
    } else {
      p = num;
      q = 10n ** BigInt(-exp);
    }
  } else if (exp >= 0) {
    p = num << BigInt(exp);
    q = 1n;
  } else {
    p = num;
    q = 1n << BigInt(-exp);
  }
  const [m1, e1] = roundToSignificand(p, q);
  const [m2, e2] = roundToSignificand(m1 * 1000n, 1n);
  const e = e1 + e2;
  if (e >= 0) {
    const v = m2 << BigInt(e);
    return [v, v];
  }
  const floor = m2 >> BigInt(-e);
  return [floor, floor << BigInt(-e) === m2 ? floor : floor + 1n];
}

/** Rounds p/q (> 0) to m * 2^e with 2^63 <= m < 2^64, to nearest, ties to even. */
function roundToSignificand(p: bigint, q: bigint): [bigint, number] {
  let e = bitLength(p) - bitLength(q) - SIG_BITS;
  let m: bigint;
  let r: bigint;
  let d: bigint;
  for (;;) {
    const num = e >= 0 ? p : p << BigInt(-e);
    d = e >= 0 ? q << BigInt(e) : q;
    m = num / d;
    r = num % d;
    if (m >= 1n << 64n) e++;
    else if (m < 1n << 63n) e--;
    else break;
  }
  const twice = 2n * r;
  if (twice > d || (twice === d && (m & 1n) === 1n)) {
    m += 1n;
    if (m === 1n << 64n) {
      m >>= 1n;
      e++;
    }
  }
  return [m, e];
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

// Sorted-set scores stored as text (RDB_TYPE_ZSET's scores, listpack and ziplist score entries)
// read as Redis reads them with strtod: the RDB reader and a packed sorted set's expansion.
import type { NodeBuffer } from "@shoal/resp-codec";

/** strtod on a score as Redis writes it (%.17g, "inf", "-inf"); NaN when it does not parse. */
export function strtod(s: string): number {
  const l = s.toLowerCase();
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity")
    return Number.POSITIVE_INFINITY;
  if (l === "-inf" || l === "-infinity") return Number.NEGATIVE_INFINITY;
  if (s.length === 0 || /\s/.test(s)) return Number.NaN;
  return Number(s);
}

/**
 * strtod on a score's bytes: a plain decimal ([-]digits[.digits], at most 15 digits, so the
 * digits are an exact integer and one division by an exact power of ten rounds as strtod does)
 * is read from the bytes without a string; anything else goes through strtod.
 */
export function strtodBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const neg = i < e && b[i] === 0x2d;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 0x2e && frac < 0) frac = 0;
    else break;
  }
  if (i !== e || digits === 0 || digits > 15) return strtod((b as NodeBuffer).latin1Slice(s, e));
  const v = frac > 0 ? m / 10 ** frac : m;
  return neg ? -v : v;
}

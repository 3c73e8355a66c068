// C's printf("%.Nf") of a double as glibc prints it: the exact binary value rounded to N decimals,
// ties to even. JS's toFixed() rounds ties away from zero and switches to exponent form from
// 1e21, so the digits come from the double's exact value (BigInt) instead. Geo replies use it:
// "%f" in error messages, "%.17Lf" for coordinates (addReplyHumanLongDouble), and Redis's
// fixedpoint_d2string for distances.

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const POW10: bigint[] = Array.from({ length: 18 }, (_, i) => 10n ** BigInt(i));

/** `%.{digits}f` of `d` (digits 0..17); "inf", "-inf", "nan" as glibc prints them. */
export function formatFixed(d: number, digits: number): string {
  if (Number.isNaN(d)) return "nan";
  const neg = d < 0 || Object.is(d, -0);
  if (!Number.isFinite(d)) return neg ? "-inf" : "inf";
  f64[0] = d;
  const raw = u64[0] as bigint;
  const expField = Number((raw >> 52n) & 0x7ffn);
  const frac = raw & 0xfffffffffffffn;
  const m = expField === 0 ? frac : frac | (1n << 52n);
  const e2 = expField === 0 ? -1074 : expField - 1075;
  const scaled = m * (POW10[digits] as bigint);
  let q: bigint;
  if (e2 >= 0) q = scaled << BigInt(e2);
  else {
    const sh = BigInt(-e2);
    q = scaled >> sh;
    const rem = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  let s = q.toString();
  if (digits > 0) {
    if (s.length <= digits) s = "0".repeat(digits - s.length + 1) + s;
    s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
  return neg ? `-${s}` : s;
}

/**
 * ld2string(..., LD_STR_HUMAN) of a double: "%.17Lf" with trailing zeros (and a bare '.')
 * removed, "-0" written "0". What addReplyHumanLongDouble sends for GEOPOS and WITHCOORD.
 */
export function formatHumanLongDouble(d: number): string {
  let s = formatFixed(d, 17);
  if (s.includes(".")) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === "-0" ? "0" : s;
}

/**
 * fixedpoint_d2string(d, 4): llrint(d * 10^4) (ties to even) written with 4 decimals. Redis's
 * distance format (GEODIST, WITHDIST); distances are never negative.
 */
export function formatDistance(d: number): string {
  if (d === 0) return "0.0000";
  const p = d * 10000;
  let r = Math.round(p);
  if (r - p === 0.5 && r % 2 !== 0) r -= 1; // Math.round rounds ties up; llrint to even
  const neg = r < 0;
  let s = String(Math.abs(r));
  if (s.length <= 4) s = "0".repeat(5 - s.length) + s;
  return `${neg ? "-" : ""}${s.slice(0, s.length - 4)}.${s.slice(s.length - 4)}`;
}

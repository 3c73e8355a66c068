// Redis's string2ll() (src/util.c) over a byte range: what the protocol accepts as a length.
// Optional '-', then 1-9 followed by digits, or a lone "0"; nothing else (no '+', no spaces,
// no leading zeros, no "-0"), and at most 20 characters.

/** Sentinel for "not an integer Redis would accept". */
export const NOT_A_NUMBER = Number.NaN;

/**
 * Parses buf[start, end) as string2ll() does. Returns NaN when Redis would reject it. Values
 * beyond 2^53 come back imprecise but still beyond every limit they are compared with.
 */
export function string2ll(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len >= 21) return NOT_A_NUMBER;
  let i = start;
  if (len === 1 && buf[i] === 48) return 0;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === end) return NOT_A_NUMBER;
  }
  let c = buf[i]!;
  if (c < 49 || c > 57) return NOT_A_NUMBER;
  let n = c - 48;
  for (i++; i < end; i++) {
    c = buf[i]!;
    if (c < 48 || c > 57) return NOT_A_NUMBER;
    n = n * 10 + (c - 48);
  }
  // Beyond LLONG_MAX (or below LLONG_MIN) Redis rejects it; doubles round near 2^63, which only
  // matters for values that every caller rejects anyway.
  if (neg ? n > 2 ** 63 : n >= 2 ** 63) return NOT_A_NUMBER;
  return neg ? -n : n;
}

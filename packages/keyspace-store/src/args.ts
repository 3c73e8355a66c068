// Argument parsing with Redis's rules: string2ll (no spaces, no '+', no leading zeros, int64
// range) and strtod (hex floats, inf, exponents; no leading space, nan refused). Works on the raw bytes
// of an argument so the hot path allocates nothing for small integers.
import type { CommandArgs } from "@shoal/resp-codec";
import { parseScore } from "./types/zset-args.js";

const MAX_SAFE_DIGITS = 15; // any 15-digit decimal fits in a double exactly
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses bytes as Redis's string2ll. Returns a number when exact (|n| < 1e15), a bigint for
 * larger int64 values, or null when the bytes are not a canonical int64.
 */
export function parseInt64(b: Uint8Array, start = 0, end = b.length): number | bigint | null {
  const len = end - start;
  if (len === 0 || len > 20) return null;
  let i = start;
  let neg = false;
  if (b[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  const first = b[i] as number;
  if (first === 0x30) return len === 1 ? 0 : null; // "0" only; "-0" and "01" are refused
  if (first < 0x31 || first > 0x39) return null;
  const digits = end - i;
  if (digits <= MAX_SAFE_DIGITS) {
    let n = 0;
    for (; i < end; i++) {
      const c = (b[i] as number) - 0x30;
      if (c < 0 || c > 9) return null;
      n = n * 10 + c;
    }
    return neg ? -n : n;
  }
  let n = 0n;
  for (; i < end; i++) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9) return null;
    n = n * 10n + BigInt(c);
  }
  if (neg) n = -n;
  if (n < INT64_MIN || n > INT64_MAX) return null;
  return n;
}

/** Argument `i` as an int64, approximated to a number (exact below 2^53); null if invalid. */
export function argLong(args: CommandArgs, i: number): number | null {
  const v = parseInt64(args.view(i));
  return v === null ? null : Number(v);
}

/** Argument `i` as an exact int64 bigint; null if invalid. */
export function argInt64(args: CommandArgs, i: number): bigint | null {
  const v = parseInt64(args.view(i));
  return v === null ? null : BigInt(v);
}

/**
 * Parses a string as Redis's getDoubleFromObject (strtod over the whole string, no leading
 * space): hex floats are taken; NaN, and overflow to infinity or underflow to zero, are refused.
 * Null when invalid. One parser for every command: the sorted-set score reader.
 */
export function parseDouble(s: string): number | null {
  return parseScore(s);
}

/** Argument `i` as a double; null if invalid. */
export function argDouble(args: CommandArgs, i: number): number | null {
  return parseDouble(args.latin1(i));
}

// OBJECT ENCODING as Redis 7.0 would answer it. Shoal stores every type one way, so the name is
// derived from the value with redis.conf's default thresholds (the server may change them through
// `encodingLimits` when CONFIG SET touches *-max-listpack-*). Redis converts small encodings to
// big ones one way only; a value that grew past a threshold and shrank back reports the small
// encoding here, unless its type tracks conversions itself (a ZSet exposes `encoding`).
import { stringEncoding } from "./string-value.js";
import { isHash, isList, isSet, isString, type Value } from "./value.js";

/** redis.conf defaults (Redis 7.0). */
export const encodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  /** list-max-listpack-size: quicklist node fill (negative: a size class, -2 = 8 KiB). */
  listMaxListpackSize: -2,
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: elements this long get a plain quicklist node. */
  listPackedThreshold: 1 << 30,
};

const CANONICAL_INT = /^(?:0|-?[1-9][0-9]{0,18})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** string2ll on a latin1 string: canonical decimal within int64 (no allocation below 19 digits). */
export function isInt64String(m: string): boolean {
  if (!CANONICAL_INT.test(m)) return false;
  if (m.length < 19) return true;
  const n = BigInt(m);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** True when every member of a set reads as a canonical int64 (Redis's intset test). */
function allIntegers(s: Set<string>): boolean {
  for (const m of s) if (!isInt64String(m)) return false;
  return true;
}

/**
 * Hashes and sets Redis has converted to a hashtable. Redis never converts back, even when the
 * value shrinks or loses its long/non-integer members; a type's write path can record the
 * conversion here (markHashtable) so OBJECT ENCODING (and HSCAN/SSCAN's whole-reply rule) stay
 * exact after shrinking. Unmarked values are judged by their current contents.
 */
const hashtables = new WeakSet<object>();

/** Records that Redis would now hold this hash or set as a hashtable, for good. */
export function markHashtable(v: Map<string, Buffer> | Set<string>): void {
  hashtables.add(v);
}

/**
 * setTypeAdd's conversion, after `m` was added to `s`: an intset becomes a hashtable for good
 * once it gets a member that is not a canonical int64 or grows past set-max-intset-entries.
 * Call it for every member a write adds, so a set that shrinks back keeps reporting hashtable.
 */
export function noteSetAdd(s: Set<string>, m: string): void {
  if (hashtables.has(s)) return;
  if (s.size > encodingLimits.setMaxIntsetEntries || !isInt64String(m)) hashtables.add(s);
}

/**
 * hashTypeSet's (and hashTypeTryConversion's) conversion: a listpack hash becomes a hashtable
 * for good once a field or value longer than hash-max-listpack-value is written to it, or it
 * grows past hash-max-listpack-entries. Call it for every field a write sets, so a hash that
 * shrinks back keeps reporting hashtable.
 */
export function noteHashSet(h: Map<string, Buffer>, field: string, valueLength: number): void {
  if (hashtables.has(h)) return;
  const L = encodingLimits;
  if (
    field.length > L.hashMaxListpackValue ||
    valueLength > L.hashMaxListpackValue ||
    h.size > L.hashMaxListpackEntries
  )
    hashtables.add(h);
}

/** True when markHashtable was called for this value. */
export function isMarkedHashtable(v: object): boolean {
  return hashtables.has(v);
}

export function objectEncoding(v: Value): string {
  if (isString(v)) return stringEncoding(v);
  // Redis 7.0 always stores lists as a quicklist (listpack lists came in 7.2).
  if (isList(v)) return "quicklist";
  const own = (v as { encoding?: unknown }).encoding;
  if (typeof own === "string") return own;
  const L = encodingLimits;
  if ((isHash(v) || isSet(v)) && hashtables.has(v)) return "hashtable";
  if (isHash(v)) {
    if (v.size > L.hashMaxListpackEntries) return "hashtable";
    for (const [f, val] of v)
      if (f.length > L.hashMaxListpackValue || val.length > L.hashMaxListpackValue)
        return "hashtable";
    return "listpack";
  }
  // Redis 7.0 sets are an intset or a hashtable (listpack sets came in 7.2).
  if (isSet(v)) return v.size <= L.setMaxIntsetEntries && allIntegers(v) ? "intset" : "hashtable";
  if (v.size > L.zsetMaxListpackEntries) return "skiplist";
  let n = 0;
  for (const [m] of v.entries()) {
    if (m.length > L.zsetMaxListpackValue) return "skiplist";
    if (++n > L.zsetMaxListpackEntries) break;
  }
  return "listpack";
}

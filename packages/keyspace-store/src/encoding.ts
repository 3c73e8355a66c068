// OBJECT ENCODING as Redis 7.0 would answer it. Shoal stores every type one way, so the name is
// what Redis would hold under redis.conf's thresholds. The thresholds belong to a Keyspace
// (`KeyspaceOptions.encodingLimits`, `Keyspace.configureEncoding` on CONFIG SET), so two
// keyspaces in one process can differ; every function here takes the limits it judges by.
// Redis converts small encodings to big ones one way only, at the moments below (a ZSet tracks
// its own `encoding`).
import { stringEncoding } from "./string-value.js";
import {
  isHash,
  isList,
  isSet,
  isStream,
  isString,
  isZSet,
  type ListElement,
  type Value,
} from "./value.js";

/** The redis.conf thresholds that decide the encoding Redis holds a value in. */
export interface EncodingLimits {
  /** hash-max-listpack-entries */
  hashMaxListpackEntries: number;
  /** hash-max-listpack-value */
  hashMaxListpackValue: number;
  /** set-max-intset-entries */
  setMaxIntsetEntries: number;
  /** zset-max-listpack-entries */
  zsetMaxListpackEntries: number;
  /** zset-max-listpack-value */
  zsetMaxListpackValue: number;
  /** list-max-listpack-size: quicklist node fill (negative: a size class, -2 = 8 KiB). */
  listMaxListpackSize: number;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: elements this long get a plain quicklist node. */
  listPackedThreshold: number;
  /** hll-sparse-max-bytes: a sparse HyperLogLog that would grow past it turns dense. */
  hllSparseMaxBytes: number;
  /** stream-node-max-bytes: a stream node (listpack) takes no entry that would reach it (0 = 1 GiB). */
  streamNodeMaxBytes: number;
  /** stream-node-max-entries: entries (deleted ones too) per stream node (0 = no limit). */
  streamNodeMaxEntries: number;
}

/**
 * redis.conf defaults (Redis 7.0): what a Keyspace starts with, and what a value judged outside
 * any keyspace (a ZSet built alone, a DUMP payload decoded alone) is judged by.
 */
export const DEFAULT_ENCODING_LIMITS: Readonly<EncodingLimits> = Object.freeze({
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  listMaxListpackSize: -2,
  listPackedThreshold: 1 << 30,
  hllSparseMaxBytes: 3000,
  streamNodeMaxBytes: 4096,
  streamNodeMaxEntries: 100,
});

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
 * The encoding Redis holds a hash or set in, decided when Redis decides it and kept after: a
 * value is judged when it enters the keyspace (dbAdd: created, restored, loaded, stored by
 * S*STORE) under the limits of that moment, then converted one way only by the writes that
 * convert in Redis (setTypeAdd, hashTypeSet). CONFIG SET of a limit converts nothing: an intset
 * stays an intset after `set-max-intset-entries 0` until its next added member, a listpack
 * hash stays one after `hash-max-listpack-entries 2` until its next HSET. Removals never
 * convert back. Values not judged yet (outside a keyspace) are read from their contents.
 */
// The record lives on the value itself, under a symbol (no string-keyed property, so nothing a
// Map/Set consumer enumerates): a WeakMap entry per hash and set cost a side-table insert per
// loaded value and ephemeron work in every major GC.
const HELD = Symbol("encoding");
/** An upper bound of an intset's largest member (removals leave it high, which is safe). */
const INTSET_MAX = Symbol("largest intset member");
type Held = "compact" | "hashtable";
interface Judged {
  [HELD]?: Held;
  [INTSET_MAX]?: string | undefined;
}
const heldOf = (v: object): Held | undefined => (v as Judged)[HELD];
const hold = (v: object, e: Held): void => {
  (v as Judged)[HELD] = e;
};
const maxOf = (s: Set<string>): string | undefined => (s as Judged)[INTSET_MAX];
// Set to undefined rather than deleted: a delete would turn the Set into a slow-properties object.
const setMax = (s: Set<string>, m: string | undefined): void => {
  (s as Judged)[INTSET_MAX] = m;
};

/** Records that Redis would now hold this hash or set as a hashtable, for good. */
export function markHashtable(v: Map<string, ListElement> | Set<string>): void {
  hold(v, "hashtable");
}

/** True when this value is held as a hashtable (markHashtable, or a write converted it). */
export function isMarkedHashtable(v: object): boolean {
  return heldOf(v) === "hashtable";
}

/** A copy (COPY, Redis's dup) keeps the original's encoding. */
export function keepEncoding(from: object, to: object): void {
  const e = heldOf(from);
  if (e !== undefined) hold(to, e);
}

type Limits = Readonly<EncodingLimits>;

function setByContents(s: Set<string>, L: Limits): "compact" | "hashtable" {
  return s.size <= L.setMaxIntsetEntries && allIntegers(s) ? "compact" : "hashtable";
}

function hashByContents(h: Map<string, ListElement>, L: Limits): "compact" | "hashtable" {
  if (h.size > L.hashMaxListpackEntries) return "hashtable";
  for (const [f, val] of h)
    if (f.length > L.hashMaxListpackValue || val.length > L.hashMaxListpackValue)
      return "hashtable";
  return "compact";
}

/**
 * dbAdd's moment for a hash or set: createIntsetObject/rdbLoadObject decide the encoding from
 * the contents under the keyspace's current limits `L`. A value judged before (COPY's clone,
 * SDIFFSTORE's algorithm 2) keeps its encoding. A sorted set entering the keyspace takes `L`
 * as the limits its later inserts are judged by.
 */
export function settleEncoding(v: Value, L: Limits): void {
  const judged = heldOf(v as object);
  if (judged !== undefined) {
    // A set judged before (COPY's clone, a reply's result) may still need its intset order;
    // one whose largest member is known is in order already (a loaded intset).
    if (judged === "compact" && isSet(v) && maxOf(v) === undefined) sortIntset(v);
    return;
  }
  if (isSet(v)) {
    const e = setByContents(v, L);
    hold(v, e);
    if (e === "compact") sortIntset(v);
  } else if (isHash(v)) hold(v, hashByContents(v, L));
  // A sorted set judges its own inserts: from now on by this keyspace's limits.
  else if (isZSet(v)) v.limits = L;
}

/**
 * rdbLoadObject of a listpack hash (DEBUG RELOAD, RESTORE): Redis 7.0 converts it only past
 * hash-max-listpack-entries, whatever the lengths of its fields and values.
 */
export function settleLoadedListpackHash(h: Map<string, ListElement>, L: Limits): void {
  hold(h, h.size > L.hashMaxListpackEntries ? "hashtable" : "compact");
}

/**
 * rdbLoadObject of an intset: `s` holds its members in the intset's (ascending) order, the last
 * being the largest. Redis converts it only past set-max-intset-entries; no member needs the
 * integer test or a sort.
 */
export function settleLoadedIntset(s: Set<string>, largest: string, L: Limits): void {
  if (s.size > L.setMaxIntsetEntries) hold(s, "hashtable");
  else {
    hold(s, "compact");
    setMax(s, largest);
  }
}

/**
 * setTypeAdd's conversion, after `m` was newly added to `s`: an intset becomes a hashtable for
 * good once it gets a member that is not a canonical int64 or grows past
 * set-max-intset-entries. Call it for every member a write adds (an existing member converts
 * nothing: intsetAdd fails first).
 */
export function noteSetAdd(s: Set<string>, m: string, L: Limits, batch = false): void {
  const e = heldOf(s);
  if (e === "hashtable") return;
  if (e === undefined) {
    const judged = setByContents(s, L);
    hold(s, judged);
    if (judged === "compact") sortIntset(s);
  } else if (s.size > L.setMaxIntsetEntries || !isInt64String(m)) hold(s, "hashtable");
  else placeIntsetMember(s, m, batch);
}

/**
 * After a write that called noteSetAdd with `batch` for several members (SADD): puts an intset
 * left out of order back in ascending order, one sort instead of a rebuild per member.
 */
export function endSetAdds(s: Set<string>): void {
  if (heldOf(s) === "compact" && maxOf(s) === undefined) sortIntset(s);
}

// ---- intset order --------------------------------------------------------------------------
// Redis's intset keeps its integers ascending, and every reader (SMEMBERS, SSCAN, SINTER,
// SRANDMEMBER's whole-set case, SORT, RDB) sees that order. Shoal's Set iterates in insertion
// order, so while a set is an intset it is kept in ascending insertion order: a member added
// above the largest is appended as is; one added below it makes the Set rebuilt with the member
// in place, O(n) for at most set-max-intset-entries members (Redis's intsetAdd moves memory too).

/** Compares two canonical int64 strings by value, with no number conversion. */
function compareInt64Strings(a: string, b: string): number {
  const negA = a.charCodeAt(0) === 45;
  const negB = b.charCodeAt(0) === 45;
  if (negA !== negB) return negA ? -1 : 1;
  const r = a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  return negA ? -r : r;
}

/** Reorders an intset's Set ascending (in place: the Set's identity carries its encoding). */
function sortIntset(s: Set<string>): void {
  const members = [...s].sort(compareInt64Strings);
  let sorted = true;
  let i = 0;
  for (const m of s)
    if (m !== members[i++]) {
      sorted = false;
      break;
    }
  if (!sorted) {
    s.clear();
    for (const m of members) s.add(m);
  }
  if (members.length > 0) setMax(s, members[members.length - 1] as string);
}

/**
 * After `m` was appended to an intset's Set: moves it to its ascending place, or with `batch`
 * leaves the Set unsorted (no max recorded) for endSetAdds to sort once.
 */
function placeIntsetMember(s: Set<string>, m: string, batch: boolean): void {
  const max = maxOf(s);
  if (max === undefined) {
    if (!batch) sortIntset(s);
    return;
  }
  if (compareInt64Strings(m, max) > 0) {
    setMax(s, m);
    return;
  }
  if (batch) {
    setMax(s, undefined);
    return;
  }
  const members = [...s];
  members.pop(); // m, appended last
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareInt64Strings(members[mid] as string, m) < 0) lo = mid + 1;
    else hi = mid;
  }
  members.splice(lo, 0, m);
  s.clear();
  for (const x of members) s.add(x);
}

/**
 * hashTypeSet's (and hashTypeTryConversion's) conversion: a listpack hash becomes a hashtable
 * for good once a field or value longer than hash-max-listpack-value is written to it, or it
 * grows past hash-max-listpack-entries. Call it for every field a write sets.
 */
export function noteHashSet(
  h: Map<string, ListElement>,
  field: string,
  valueLength: number,
  L: Limits,
): void {
  const e = heldOf(h);
  if (e === "hashtable") return;
  if (e === undefined) hold(h, hashByContents(h, L));
  else if (
    field.length > L.hashMaxListpackValue ||
    valueLength > L.hashMaxListpackValue ||
    h.size > L.hashMaxListpackEntries
  )
    hold(h, "hashtable");
}

/**
 * OBJECT ENCODING of a value. `L` judges a value that no keyspace judged yet (pass its
 * keyspace's `encodingLimits`; a value alone is judged by Redis's defaults).
 */
export function objectEncoding(v: Value, L: Limits = DEFAULT_ENCODING_LIMITS): string {
  if (isString(v)) return stringEncoding(v);
  // Redis 7.0 always stores lists as a quicklist (listpack lists came in 7.2).
  if (isList(v)) return "quicklist";
  const own = (v as { encoding?: unknown }).encoding;
  if (typeof own === "string") return own;
  if (isHash(v))
    return (heldOf(v) ?? hashByContents(v, L)) === "compact" ? "listpack" : "hashtable";
  // Redis 7.0 sets are an intset or a hashtable (listpack sets came in 7.2).
  if (isSet(v)) return (heldOf(v) ?? setByContents(v, L)) === "compact" ? "intset" : "hashtable";
  if (isStream(v)) return "stream";
  if (v.size > L.zsetMaxListpackEntries) return "skiplist";
  let n = 0;
  for (const [m] of v.entries()) {
    if (m.length > L.zsetMaxListpackValue) return "skiplist";
    if (++n > L.zsetMaxListpackEntries) break;
  }
  return "listpack";
}

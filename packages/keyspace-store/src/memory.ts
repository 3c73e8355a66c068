// Approximate memory per key, for MEMORY USAGE and INFO: what V8 spends on a key, its value and
// its TTL entry on a 64-bit Node 20 (no pointer compression). The constants were measured on
// this runtime (heapUsed + external over 300k objects after GC, and the bench's 1M-key runs:
// estimates land within ~7% of 93 B per small string, a JS-string value, and 143 B per
// sorted-set member);
// collections are sampled and extrapolated as Redis's objectComputeSize() does, so a call is
// O(samples), not O(size).
import { listpackElementLengths } from "./rdb/listpack.js";
import { ELEMENT_INLINE_MAX } from "./types/list.js";
import { PackedHash } from "./types/packed-hash.js";
import { PackedList } from "./types/packed-list.js";
import {
  isHash,
  isList,
  isSet,
  isStream,
  isString,
  type ListElement,
  type Value,
} from "./value.js";

/** One Map entry (key, value, chain slot, and the bucket array at its average load). */
export const MAP_ENTRY_BYTES = 44;
/** One Set entry. */
export const SET_ENTRY_BYTES = 34;

// Per collection, as measured by bench/accounting.ts's calibration (5000 collections of 3 and of
// 50 elements, heap after a full GC, Node 20): the empty collection with its first table, and
// what each element adds beyond its own strings and Buffers.
/** A hash's Map and its first table. */
const HASH_BASE_BYTES = 150;
/**
 * One hash field: its Map entry at the table's average load. This and HASH_BASE_BYTES were
 * refitted when hash values became strings, on hashes of 3 fields (20k) and of 20 (10k).
 */
const HASH_ENTRY_BYTES = 45;
/**
 * A list's Denque and its first ring. With elements as strings (types/list.ts), refitted on
 * bench/accounting.ts's lists of 50 and of 1000 short elements (Node 20).
 */
const LIST_BASE_BYTES = 330;
/** A set's Set and its first table. */
const SET_BASE_BYTES = 182;
/** One set member's entry. */
const SET_MEMBER_BYTES = 25;
/**
 * A sorted set: its member map and the skip list's header (its levels grow with the list; 5000
 * sets of 3 and of 50 members measured ~300 B less than with the 32-level header, 890 B).
 */
const ZSET_BASE_BYTES = 590;
/** A boxed double (a sorted-set score, a TTL above 2^31). */
export const HEAP_NUMBER_BYTES = 16;
/** A Buffer object (a Uint8Array view), excluding its bytes. */
export const BUFFER_OBJECT_BYTES = 114;
/** Per element of a deque (one 8-byte slot in a power-of-two ring, at its average fill). */
export const DEQUE_SLOT_BYTES = 10;
/** A sorted-set member's skip-list node (level pointers and spans, average level). */
export const SKIPLIST_NODE_BYTES = 65;

/**
 * A stream node apart from its entry bytes: the StreamNode and its listpack builder, the Buffer
 * with its own ArrayBuffer (and its malloc'd store), the master and last ID bigints, the master
 * fields, the seek index, its array slot. Fitted to the bench's 1M-entry streams (heap growth
 * against the estimate, `f v` and four-field entries, 100 entries a node).
 */
export const STREAM_NODE_BYTES = 820;

const ceil8 = (n: number): number => (n + 7) & ~7;

/**
 * A sequential one-byte string of `len` chars. V8 hands out the empty string and the one-char
 * strings from its own tables (String.fromCharCode and latin1Slice alike), so they cost nothing.
 */
export const stringBytes = (len: number): number => (len <= 1 ? 0 : 16 + ceil8(len));

/** A Buffer of `len` bytes (a long or APPENDed string value, a long list element or hash value): small ones are slices of Node's 8 KiB pool, large ones own memory. */
export const bufferBytes = (len: number): number =>
  BUFFER_OBJECT_BYTES + (len <= 4096 ? ceil8(len) : len + 64);

/** A list element or hash value of `len` bytes, in the shape types/list.ts gives it. */
export const listElementBytes = (len: number): number =>
  len <= ELEMENT_INLINE_MAX ? stringBytes(len) : bufferBytes(len);

/** The default sample (MEMORY USAGE's SAMPLES, and what the accounting measures with). */
export const MEMORY_SAMPLES = 5;

/** Bytes a value holds; collections averaged over up to `samples` elements (0 = all). */
export function valueMemoryUsage(v: Value, samples = MEMORY_SAMPLES): number {
  if (isString(v)) return typeof v === "string" ? stringBytes(v.length) : bufferBytes(v.length);
  const limit = samples <= 0 ? Number.POSITIVE_INFINITY : samples;
  if (isList(v)) {
    const n = v.length;
    let sum = 0;
    let k = 0;
    if (v instanceof PackedList && v.packed !== null) {
      // The same sample, read from a listpack not expanded yet: measuring must not expand it.
      if (limit === MEMORY_SAMPLES) {
        sum = v.sample;
        k = Math.min(MEMORY_SAMPLES, n);
      } else
        for (const len of listpackElementLengths(v.packed, Math.min(limit, n))) {
          sum += listElementBytes(len);
          k++;
        }
    } else
      for (; k < n && k < limit; k++) sum += listElementBytes((v.peekAt(k) as ListElement).length);
    return LIST_BASE_BYTES + n * DEQUE_SLOT_BYTES + (k === 0 ? 0 : (sum / k) * n);
  }
  if (isHash(v)) {
    let sum = 0;
    let k = 0;
    if (v instanceof PackedHash && v.packed !== null) {
      // The same sample, read from a listpack not expanded yet: measuring must not expand it.
      if (limit === MEMORY_SAMPLES) {
        sum = v.sample;
        k = Math.min(MEMORY_SAMPLES, v.size);
      } else {
        const lens = listpackElementLengths(v.packed, 2 * Math.min(limit, v.size));
        for (; 2 * k < lens.length; k++)
          sum += stringBytes(lens[2 * k] as number) + listElementBytes(lens[2 * k + 1] as number);
      }
    } else
      for (const [f, val] of v) {
        if (k >= limit) break;
        sum += stringBytes(f.length) + listElementBytes(val.length);
        k++;
      }
    return HASH_BASE_BYTES + v.size * HASH_ENTRY_BYTES + (k === 0 ? 0 : (sum / k) * v.size);
  }
  if (isSet(v)) {
    let sum = 0;
    let k = 0;
    for (const m of v) {
      if (k >= limit) break;
      sum += stringBytes(m.length);
      k++;
    }
    return SET_BASE_BYTES + v.size * SET_MEMBER_BYTES + (k === 0 ? 0 : (sum / k) * v.size);
  }
  if (isStream(v)) {
    // Each node: its object, its listpack builder, its Buffer and their bytes (entries are
    // held encoded), and the node's slot in the stream's array; groups are not counted.
    let sum = 0;
    let k = 0;
    for (const node of v.nodes) {
      if (k >= limit) break;
      sum += node.heapBytes;
      k++;
    }
    const nodes = v.nodes.length;
    return 128 + nodes * STREAM_NODE_BYTES + (k === 0 ? 0 : (sum / k) * nodes);
  }
  // Sorted set: member -> score map plus one skip-list node per member.
  const z = v;
  let sum = 0;
  let k = 0;
  if (z.packed !== null) {
    // The same sample, read from a listpack not expanded yet: measuring must not expand it.
    if (limit === MEMORY_SAMPLES) {
      sum = z.packedSample;
      k = Math.min(MEMORY_SAMPLES, z.size);
    } else {
      const lens = listpackElementLengths(z.packed, 2 * Math.min(limit, z.size));
      for (; 2 * k < lens.length; k++) sum += stringBytes(lens[2 * k] as number);
    }
  } else {
    // The skip list walked directly: entries() made a generator and a pair per member, which an
    // RDB load paid for every sorted set it charged.
    for (let n = z.zsl.first; n !== null && k < limit; n = n.next) {
      sum += stringBytes(n.member.length);
      k++;
    }
  }
  const per = MAP_ENTRY_BYTES + HEAP_NUMBER_BYTES + SKIPLIST_NODE_BYTES;
  return ZSET_BASE_BYTES + z.size * per + (k === 0 ? 0 : (sum / k) * z.size);
}

/**
 * A TTL: its entry in the expires Map and the boxed expiry time (measured: 150k keys, half with
 * a TTL, against the same keys without).
 */
export const TTL_ENTRY_BYTES = 108;

/** A key's dict entry, its name, its value, and its TTL entry when it has one. */
export function keyMemoryUsage(
  key: string,
  v: Value,
  hasTtl: boolean,
  samples = MEMORY_SAMPLES,
): number {
  const base = MAP_ENTRY_BYTES + stringBytes(key.length) + valueMemoryUsage(v, samples);
  return Math.round(base + (hasTtl ? TTL_ENTRY_BYTES : 0));
}

// ---- Dataset accounting (used_memory's dataset part, what eviction compares to maxmemory) -----
//
// Walking the keyspace per command is out of the question and V8's heapUsed counts garbage until
// the next collection (evicting on it over-evicts, then oscillates), so each Database keeps a
// running total of what its keys cost: charged when a key, a value or a TTL is added, credited
// back with the same figure when it goes. A string's figure follows from the value itself; a
// collection changes in place, so its figure is the one last measured (held per value object,
// not per key, so RENAME and MOVE carry it), re-measured after a write signals it.

/** Beyond its name and value, what every key costs: its dict entry, its access record (a Smi in
 * Database.lru) and its slot in the SCAN/sampling log. */
export const KEY_OVERHEAD_BYTES = MAP_ENTRY_BYTES + 29 + 16;

/**
 * A collection's last measured bytes (valueMemoryUsage with the default 5 samples), held on the
 * value under a symbol, as encoding.ts holds encodings: a WeakMap entry per collection was a
 * side-table insert per loaded value and ephemeron work in every major GC.
 */
const MEASURED = Symbol("measured bytes");
interface Measured {
  [MEASURED]?: number;
}
const measuredOf = (v: object): number | undefined => (v as Measured)[MEASURED];
const measure = (v: object): number => {
  const now = Math.round(valueMemoryUsage(v as Value, MEMORY_SAMPLES));
  (v as Measured)[MEASURED] = now;
  return now;
};

/** Bytes a value is charged now: strings by their length, collections as last measured. */
export function chargedValueBytes(v: Value): number {
  if (typeof v === "string") return stringBytes(v.length);
  if (v instanceof Uint8Array) return bufferBytes(v.length);
  return measuredOf(v) ?? 0;
}

/**
 * Bytes a value newly stored under a key is charged. A collection is measured now, unless it
 * carries a figure already: then it is moving (RENAME, MOVE) and its old key is credited with
 * that same figure; a write pending re-measurement re-measures it under its new key.
 */
export function chargeValue(v: Value): number {
  if (typeof v === "string") return stringBytes(v.length);
  if (v instanceof Uint8Array) return bufferBytes(v.length);
  return measuredOf(v) ?? measure(v);
}

/** Re-measures a collection after a write changed it in place; returns the change of its charge. */
export function remeasureValue(v: Value): number {
  if (typeof v === "string" || v instanceof Uint8Array) return 0;
  const before = measuredOf(v) ?? 0;
  return measure(v) - before;
}

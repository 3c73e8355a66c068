// Approximate memory per key, for MEMORY USAGE and INFO: what V8 spends on a key, its value and
// its TTL entry on a 64-bit Node 20 (no pointer compression). The constants were measured on
// this runtime (heapUsed + external over 300k objects after GC, and the bench's 1M-key runs:
// estimates land within ~7% of 93 B per small string, a JS-string value, and 143 B per
// sorted-set member);
// collections are sampled and extrapolated as Redis's objectComputeSize() does, so a call is
// O(samples), not O(size).
import { isHash, isList, isSet, isStream, isString, type Value } from "./value.js";

/** One Map entry (key, value, chain slot, and the bucket array at its average load). */
export const MAP_ENTRY_BYTES = 44;
/** One Set entry. */
export const SET_ENTRY_BYTES = 34;
/** A boxed double (a sorted-set score, a TTL above 2^31). */
export const HEAP_NUMBER_BYTES = 16;
/** A Buffer object (a Uint8Array view), excluding its bytes. */
export const BUFFER_OBJECT_BYTES = 114;
/** Per element of a deque (one slot in a power-of-two ring). */
export const DEQUE_SLOT_BYTES = 12;
/** A sorted-set member's skip-list node (level pointers and spans, average level). */
export const SKIPLIST_NODE_BYTES = 50;

const ceil8 = (n: number): number => (n + 7) & ~7;

/** A sequential one-byte string of `len` chars. */
export const stringBytes = (len: number): number => 16 + ceil8(len);

/** A Buffer of `len` bytes (a long or APPENDed string value, a list element): small ones are slices of Node's 8 KiB pool, large ones own memory. */
export const bufferBytes = (len: number): number =>
  BUFFER_OBJECT_BYTES + (len <= 4096 ? ceil8(len) : len + 64);

/** Bytes a value holds; collections averaged over up to `samples` elements (0 = all). */
export function valueMemoryUsage(v: Value, samples = 5): number {
  if (isString(v)) return typeof v === "string" ? stringBytes(v.length) : bufferBytes(v.length);
  const limit = samples <= 0 ? Number.POSITIVE_INFINITY : samples;
  if (isList(v)) {
    const n = v.length;
    let sum = 0;
    let k = 0;
    for (; k < n && k < limit; k++) sum += bufferBytes((v.peekAt(k) as Buffer).length);
    return 64 + n * DEQUE_SLOT_BYTES + (k === 0 ? 0 : (sum / k) * n);
  }
  if (isHash(v)) {
    let sum = 0;
    let k = 0;
    for (const [f, val] of v) {
      if (k >= limit) break;
      sum += stringBytes(f.length) + bufferBytes(val.length);
      k++;
    }
    return 64 + v.size * MAP_ENTRY_BYTES + (k === 0 ? 0 : (sum / k) * v.size);
  }
  if (isSet(v)) {
    let sum = 0;
    let k = 0;
    for (const m of v) {
      if (k >= limit) break;
      sum += stringBytes(m.length);
      k++;
    }
    return 64 + v.size * SET_ENTRY_BYTES + (k === 0 ? 0 : (sum / k) * v.size);
  }
  if (isStream(v)) {
    // Per entry: its ID (a 128-bit bigint) and slot, its field-value array and tombstone slot,
    // the value strings (fields equal to the node's master fields are shared).
    let sum = 0;
    let k = 0;
    v.range(
      0n,
      (1n << 128n) - 1n,
      false,
      limit === Number.POSITIVE_INFINITY ? 0 : limit,
      (_id, fv) => {
        sum += 40 + 8 + 16 + 8 * fv.length + 8;
        for (let i = 1; i < fv.length; i += 2) sum += stringBytes((fv[i] as string).length);
        k++;
        return true;
      },
    );
    return 128 + v.nodes.length * 160 + (k === 0 ? 0 : (sum / k) * v.length);
  }
  // Sorted set: member -> score map plus one skip-list node per member.
  const z = v;
  let sum = 0;
  let k = 0;
  for (const [m] of z.entries()) {
    if (k >= limit) break;
    sum += stringBytes(m.length);
    k++;
  }
  const per = MAP_ENTRY_BYTES + HEAP_NUMBER_BYTES + SKIPLIST_NODE_BYTES;
  return 128 + z.size * per + (k === 0 ? 0 : (sum / k) * z.size);
}

/** A key's dict entry, its name, its value, and its TTL entry when it has one. */
export function keyMemoryUsage(key: string, v: Value, hasTtl: boolean, samples = 5): number {
  const base = MAP_ENTRY_BYTES + stringBytes(key.length) + valueMemoryUsage(v, samples);
  return Math.round(base + (hasTtl ? MAP_ENTRY_BYTES + HEAP_NUMBER_BYTES : 0));
}

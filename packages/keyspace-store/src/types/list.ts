// Middle-of-list edits on a list value (a Denque of owned Buffers), for LSET, LINSERT, LREM and
// LTRIM. Denque is a ring buffer: both ends are O(1) and index reads are O(1), which is what the
// hot list commands need. Only its end operations, peekAt, removeOne and splice with a count of 0
// or 1 are used here: denque 2.1.0's multi-element remove() mis-copies when the kept tail wraps
// around the ring, so bulk removals are done by rotating elements through the ends instead.
import type { ListValue } from "../value.js";

/** Byte equality of two buffers (length first: most elements differ in length). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (n > 32) return Buffer.compare(a, b) === 0;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Replaces the element at `index` (0 <= index < length). O(min(index, length - index)). */
export function listSetAt(list: ListValue, index: number, value: Buffer): void {
  const last = list.length - 1;
  if (index === 0) {
    list.shift();
    list.unshift(value);
  } else if (index === last) {
    list.pop();
    list.push(value);
  } else list.splice(index, 1, value);
}

/** Inserts `value` before position `index` (0 <= index <= length). */
export function listInsertAt(list: ListValue, index: number, value: Buffer): void {
  if (index === 0) list.unshift(value);
  else if (index === list.length) list.push(value);
  else list.splice(index, 0, value);
}

/** Index of the first element equal to `value` scanning from the head, or -1. */
export function listIndexOf(list: ListValue, value: Uint8Array): number {
  const n = list.length;
  for (let i = 0; i < n; i++) if (bytesEqual(list.peekAt(i) as Buffer, value)) return i;
  return -1;
}

/**
 * LREM: removes elements equal to `value`, at most `limit` of them (0 = all), scanning from the
 * head, or from the tail when `fromTail`. Returns how many were removed. A single match is
 * removed in place; several are removed by one pass that rotates the kept elements through the
 * ends of the ring, O(length), without allocating.
 */
export function listRemove(
  list: ListValue,
  value: Uint8Array,
  limit: number,
  fromTail: boolean,
): number {
  const n = list.length;
  // Find the first match and count the matches that will go (up to the limit).
  let first = -1;
  let matches = 0;
  for (let k = 0; k < n; k++) {
    const i = fromTail ? n - 1 - k : k;
    if (bytesEqual(list.peekAt(i) as Buffer, value)) {
      if (first < 0) first = i;
      matches++;
      if (matches === limit) break;
    }
  }
  if (matches === 0) return 0;
  if (matches === 1) {
    list.removeOne(first);
    return 1;
  }
  let removed = 0;
  if (!fromTail) {
    for (let k = 0; k < n; k++) {
      const e = list.shift() as Buffer;
      if (removed < matches && bytesEqual(e, value)) removed++;
      else list.push(e);
    }
  } else {
    for (let k = 0; k < n; k++) {
      const e = list.pop() as Buffer;
      if (removed < matches && bytesEqual(e, value)) removed++;
      else list.unshift(e);
    }
  }
  return removed;
}

/** LTRIM's removal: drops `left` elements from the head and `right` from the tail. */
export function listTrim(list: ListValue, left: number, right: number): void {
  if (left + right >= list.length) {
    list.clear();
    return;
  }
  for (let k = 0; k < left; k++) list.shift();
  for (let k = 0; k < right; k++) list.pop();
}

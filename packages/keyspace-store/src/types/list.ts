// List elements and the middle-of-list edits on a list value, for LSET, LINSERT, LREM and LTRIM.
// Denque is a ring buffer: both ends are O(1) and index reads are O(1), which is what the hot
// list commands need. Only its end operations, peekAt, removeOne and splice with a count of 0 or
// 1 are used here: denque 2.1.0's multi-element remove() mis-copies when the kept tail wraps
// around the ring, so bulk removals are done by rotating elements through the ends instead.
//
// An element is a latin1 string (one char per byte, binary-safe) up to ELEMENT_INLINE_MAX bytes,
// an owned Buffer beyond. A Buffer is a ~100-byte view object on the V8 heap besides its bytes,
// which every scavenge copies and promotes: with a Buffer per element, GC was 17-20% of
// shoal-server's busy time under LPUSH -P 16. A string is 16 bytes plus its chars. Past a few
// hundred bytes the balance turns: a retained string's chars are copied by the scavenges that
// promote it, where a Buffer's bytes live outside the heap (measured, Node 20, 200k retained
// elements: 128 B made 216-297 ns as a string against 530-539 as a Buffer, 192 B tied, 256 B
// 553-556 against 376-496, 4 KiB 5.0-6.0 us against 2.1-2.8). And a string holds at most
// 2^29-24 chars, less than proto-max-bulk-len may let in. Which shape an element takes follows
// from its length alone, so equal elements always have the same shape.
import { type CommandArgs, latin1String } from "@shoal/resp-codec";
import type { ListElement, ListValue } from "../value.js";

/** Longest list element held as a latin1 string (see above). */
export const ELEMENT_INLINE_MAX = 128;

/** Argument `i` as a new list element. */
export function elementFromArg(args: CommandArgs, i: number): ListElement {
  return args.len(i) <= ELEMENT_INLINE_MAX ? args.latin1(i) : args.copy(i);
}

/** A list element holding a copy of bytes b[s, e) (RDB load, RESTORE). */
export function elementFromBytes(b: Uint8Array, s = 0, e = b.length): ListElement {
  const n = e - s;
  if (n <= ELEMENT_INLINE_MAX) return latin1String(b, s, e);
  const x = Buffer.allocUnsafe(n); // a copy: decoders hand out views into a whole chunk
  x.set(b.subarray(s, e));
  return x;
}

/** A list element of the bytes of latin1 string `s` (SORT ... STORE). */
export function elementFromLatin1(s: string): ListElement {
  return s.length <= ELEMENT_INLINE_MAX ? s : Buffer.from(s, "latin1");
}

// An element has a string value's two shapes (only the line between them differs), so its
// bytes, its latin1 form and its reply are string-value.ts's.
export {
  replyValue as replyElement,
  valueBytes as elementBytes,
  valueLatin1 as elementLatin1,
} from "../string-value.js";

/** Byte equality of two buffers (length first: most elements differ in length). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (n > 32) return Buffer.compare(a, b) === 0;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Byte equality of two elements. Equal elements have the same shape (see above), so two strings
 * compare with ===; a string and a Buffer of the same length are compared byte by byte all the
 * same, so an element made some other way still compares by its bytes.
 */
export function elementEquals(a: ListElement, b: ListElement): boolean {
  if (typeof a === "string") {
    if (typeof b === "string") return a === b;
    return latin1EqualsBytes(a, b);
  }
  if (typeof b === "string") return latin1EqualsBytes(b, a);
  return bytesEqual(a, b);
}

function latin1EqualsBytes(s: string, b: Uint8Array): boolean {
  const n = s.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== b[i]) return false;
  return true;
}

/** Replaces the element at `index` (0 <= index < length). O(min(index, length - index)). */
export function listSetAt(list: ListValue, index: number, value: ListElement): void {
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
export function listInsertAt(list: ListValue, index: number, value: ListElement): void {
  if (index === 0) list.unshift(value);
  else if (index === list.length) list.push(value);
  else list.splice(index, 0, value);
}

/** Index of the first element equal to `value` scanning from the head, or -1. */
export function listIndexOf(list: ListValue, value: ListElement): number {
  const n = list.length;
  for (let i = 0; i < n; i++) if (elementEquals(list.peekAt(i) as ListElement, value)) return i;
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
  value: ListElement,
  limit: number,
  fromTail: boolean,
): number {
  const n = list.length;
  // Find the first match and count the matches that will go (up to the limit).
  let first = -1;
  let matches = 0;
  for (let k = 0; k < n; k++) {
    const i = fromTail ? n - 1 - k : k;
    if (elementEquals(list.peekAt(i) as ListElement, value)) {
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
      const e = list.shift() as ListElement;
      if (removed < matches && elementEquals(e, value)) removed++;
      else list.push(e);
    }
  } else {
    for (let k = 0; k < n; k++) {
      const e = list.pop() as ListElement;
      if (removed < matches && elementEquals(e, value)) removed++;
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

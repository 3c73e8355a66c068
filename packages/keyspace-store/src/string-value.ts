// String values are Buffers. Most are created once (SET) and replaced whole; APPEND and SETRANGE
// grow them in place instead, like Redis's sds with spare capacity: an appendable string owns an
// ArrayBuffer with room past its end, and the next APPEND writes there and makes a longer view
// over the same memory (O(1) amortized, where copying every time is quadratic). The same mark
// tells OBJECT ENCODING what Redis would say: a string grown by APPEND/SETRANGE is "raw".
import { parseInt64 } from "./args.js";

/** ArrayBuffer -> bytes in use, for buffers allocated with spare room by this module. */
const tails = new WeakMap<ArrayBufferLike, number>();

/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
export const EMBSTR_SIZE_LIMIT = 44;

function withRoom(total: number): Buffer {
  // sdsMakeRoomFor: double below 1 MiB, then add 1 MiB.
  const cap = total < 1024 * 1024 ? Math.max(64, total * 2) : total + 1024 * 1024;
  return Buffer.from(new ArrayBuffer(cap), 0, total);
}

/** `old` followed by `add`, reusing `old`'s spare room when it has some (APPEND). */
export function appendBytes(old: Buffer, add: Uint8Array): Buffer {
  const total = old.length + add.length;
  const ab = old.buffer;
  const end = old.byteOffset + old.length;
  if (tails.get(ab) === end && ab.byteLength - end >= add.length) {
    new Uint8Array(ab, end, add.length).set(add);
    tails.set(ab, end + add.length);
    return Buffer.from(ab as ArrayBuffer, old.byteOffset, total);
  }
  const b = withRoom(total);
  b.set(old, 0);
  b.set(add, old.length);
  tails.set(b.buffer, total);
  return b;
}

/** `old` with `add` written at `offset`, zero-padded as needed (SETRANGE). A fresh raw string. */
export function setRangeBytes(old: Buffer | undefined, offset: number, add: Uint8Array): Buffer {
  const oldLen = old?.length ?? 0;
  const total = Math.max(oldLen, offset + add.length);
  const b = withRoom(total);
  if (old) b.set(old, 0);
  // withRoom's memory is zeroed: the gap between old end and offset is already zero bytes.
  b.set(add, offset);
  tails.set(b.buffer, total);
  return b;
}

/**
 * Strings Redis never tried to encode as integers: INCRBYFLOAT's results are created as plain
 * strings (embstr), even "5". COPY and RENAME keep the mark, as Redis keeps the encoding.
 */
const notIntEncoded = new WeakSet<Buffer>();

/** Marks a string as created without integer encoding (INCRBYFLOAT). */
export function markNotIntEncoded(b: Buffer): Buffer {
  notIntEncoded.add(b);
  return b;
}

/** A copy of a string value that keeps what OBJECT ENCODING says of it (COPY). */
export function cloneString(b: Buffer): Buffer {
  if (isRawGrown(b)) return setRangeBytes(undefined, 0, b);
  const c = Buffer.from(b);
  if (notIntEncoded.has(b)) notIntEncoded.add(c);
  return c;
}

/** True for strings grown by APPEND or SETRANGE (Redis keeps those as OBJ_ENCODING_RAW). */
export function isRawGrown(b: Buffer): boolean {
  return tails.has(b.buffer);
}

/** Redis 7.0's OBJECT ENCODING of a string value: int, embstr or raw. */
export function stringEncoding(b: Buffer): "int" | "embstr" | "raw" {
  if (isRawGrown(b)) return "raw";
  if (b.length <= 20 && !notIntEncoded.has(b) && parseInt64(b) !== null) return "int";
  return b.length <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
}

/** OBJECT REFCOUNT: Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS) at INT_MAX. */
export function stringRefcount(b: Buffer): number {
  if (isRawGrown(b) || b.length > 4 || notIntEncoded.has(b)) return 1;
  const n = parseInt64(b);
  return typeof n === "number" && n >= 0 && n < 10000 ? 2147483647 : 1;
}

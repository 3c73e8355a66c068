// String values take two shapes. Most are small and replaced whole (SET, INCR): those are kept
// as one-byte JS strings, one char per byte (latin1, binary-safe, like keys), because a string
// costs 16 bytes plus its chars where a Buffer costs a ~100-byte view object on top of its bytes
// (measured on 1M keys: 32 B against 112 B for "value:N"), and a string makes no work for the GC's
// external-memory tracking. A reply writes one with `bulkLatin1`; code that needs bytes
// materialises them (`valueBytes`). Long values (over INLINE_STRING_MAX) and the ones Redis would
// treat specially stay Buffers:
// - APPEND and SETRANGE grow a Buffer in place, like Redis's sds with spare capacity: an
//   appendable string owns an ArrayBuffer with room past its end, and the next APPEND writes
//   there and makes a longer view over the same memory (O(1) amortized, where copying every time
//   is quadratic). The same mark tells OBJECT ENCODING what Redis would say: such a string is
//   "raw".
// - INCRBYFLOAT's results are marked as never integer-encoded (see notIntEncoded).
import type { CommandArgs, NodeBuffer, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "./args.js";

/** ArrayBuffer -> bytes in use, for buffers allocated with spare room by this module. */
const tails = new WeakMap<ArrayBufferLike, number>();

/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
export const EMBSTR_SIZE_LIMIT = 44;

/** The two shapes of a string value (see above). */
export type StringValue = string | Buffer;

/**
 * Longest value kept as a JS string. Past a few KiB the view object no longer matters, and a
 * Buffer spares a latin1 conversion on the way in and out.
 */
export const INLINE_STRING_MAX = 4096;

/** Argument `i` as a new string value (SET, MSET, GETSET...). */
export function valueFromArg(args: CommandArgs, i: number): StringValue {
  return args.len(i) <= INLINE_STRING_MAX ? args.latin1(i) : args.copy(i);
}

/** A string value holding a copy of `b`'s bytes (snapshot load, RESTORE). */
export function valueFromBytes(b: Uint8Array): StringValue {
  if (b.length <= INLINE_STRING_MAX)
    return (Buffer.from(b.buffer, b.byteOffset, b.length) as NodeBuffer).latin1Slice(0, b.length);
  return Buffer.from(b); // a copy: decoders hand out views into a whole chunk
}

/** A string value's bytes; for the string shape a fresh Buffer. Do not mutate. */
export function valueBytes(v: StringValue): Buffer {
  return typeof v === "string" ? Buffer.from(v, "latin1") : v;
}

/** A string value's bytes as a latin1 JS string. */
export function valueLatin1(v: StringValue): string {
  return typeof v === "string" ? v : (v as NodeBuffer).latin1Slice(0, v.length);
}

/** Replies a string value as a bulk string. */
export function replyValue(reply: ReplyWriter, v: StringValue): void {
  if (typeof v === "string") reply.bulkLatin1(v);
  else reply.bulk(v);
}

/** Like parseInt64 for a latin1 string (string2ll over its chars). */
export function parseInt64Latin1(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 0x2d) {
    neg = true;
    i = 1;
    if (len === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first === 0x30) return len === 1 ? 0 : null;
  if (first < 0x31 || first > 0x39) return null;
  if (len - i > 15) return parseInt64(Buffer.from(s, "latin1"));
  let n = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

/** A string value as an int64 (string2ll), or null. */
export function valueInt64(v: StringValue): number | bigint | null {
  if (v.length > 20) return null;
  return typeof v === "string" ? parseInt64Latin1(v) : parseInt64(v);
}

function withRoom(total: number): Buffer {
  // sdsMakeRoomFor: double below 1 MiB, then add 1 MiB.
  const cap = total < 1024 * 1024 ? Math.max(64, total * 2) : total + 1024 * 1024;
  return Buffer.from(new ArrayBuffer(cap), 0, total);
}

/** `old` followed by `add`, reusing `old`'s spare room when it has some (APPEND). */
export function appendBytes(old: StringValue, add: Uint8Array): Buffer {
  const total = old.length + add.length;
  if (typeof old === "string") {
    const s = withRoom(total);
    (s as NodeBuffer).latin1Write(old, 0);
    s.set(add, old.length);
    tails.set(s.buffer, total);
    return s;
  }
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
export function setRangeBytes(
  old: StringValue | undefined,
  offset: number,
  add: Uint8Array,
): Buffer {
  const oldLen = old?.length ?? 0;
  const total = Math.max(oldLen, offset + add.length);
  const b = withRoom(total);
  if (typeof old === "string") (b as NodeBuffer).latin1Write(old, 0);
  else if (old !== undefined) b.set(old, 0);
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
export function cloneString(v: StringValue): StringValue {
  if (typeof v !== "string" && isRawGrown(v)) return setRangeBytes(undefined, 0, v);
  const c = typeof v === "string" ? Buffer.from(v, "latin1") : Buffer.from(v);
  if (typeof v !== "string" && notIntEncoded.has(v)) notIntEncoded.add(c);
  // dupStringObject makes a new object even of a shared integer: refcount 1, still int-encoded.
  unshared.add(c);
  return c;
}

/** Copies (COPY) of strings: never one of Redis's shared integers. */
const unshared = new WeakSet<Buffer>();

/** True for strings grown by APPEND or SETRANGE (Redis keeps those as OBJ_ENCODING_RAW). */
export function isRawGrown(v: StringValue): boolean {
  return typeof v !== "string" && tails.has(v.buffer);
}

/** Redis 7.0's OBJECT ENCODING of a string value: int, embstr or raw. */
export function stringEncoding(v: StringValue): "int" | "embstr" | "raw" {
  if (isRawGrown(v)) return "raw";
  if (v.length <= 20 && !isNotIntEncoded(v) && valueInt64(v) !== null) return "int";
  return v.length <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
}

/** OBJECT REFCOUNT: Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS) at INT_MAX. */
export function stringRefcount(v: StringValue): number {
  if (isRawGrown(v) || v.length > 4 || isNotIntEncoded(v)) return 1;
  if (typeof v !== "string" && unshared.has(v)) return 1;
  const n = valueInt64(v);
  return typeof n === "number" && n >= 0 && n < 10000 ? 2147483647 : 1;
}

function isNotIntEncoded(v: StringValue): boolean {
  return typeof v !== "string" && notIntEncoded.has(v);
}

/**
 * sdsgrowzero after dbUnshareStringValue (SETBIT, BITFIELD): a raw string of at least `minLen`
 * bytes that starts with `old`'s bytes and is zero past them, for the caller to write into.
 * With `inPlace` (no snapshot holds the old bytes as a pre-image) a raw string that is long
 * enough comes back as is, and one with spare room grows over it; otherwise the bytes are copied
 * and the caller stores the new Buffer.
 */
export function growZero(old: StringValue | undefined, minLen: number, inPlace: boolean): Buffer {
  const oldLen = old?.length ?? 0;
  const total = Math.max(oldLen, minLen);
  if (inPlace && old !== undefined && typeof old !== "string" && isRawGrown(old)) {
    if (oldLen >= minLen) return old;
    const ab = old.buffer;
    const end = old.byteOffset + oldLen;
    if (tails.get(ab) === end && ab.byteLength - old.byteOffset >= total) {
      new Uint8Array(ab, end, total - oldLen).fill(0);
      tails.set(ab, old.byteOffset + total);
      return Buffer.from(ab as ArrayBuffer, old.byteOffset, total);
    }
  }
  // A new key is made exactly as long as needed (sdsnewlen), a grown one with sds's spare room.
  const b = old === undefined ? Buffer.from(new ArrayBuffer(total)) : withRoom(total);
  if (typeof old === "string") (b as NodeBuffer).latin1Write(old, 0);
  else if (old !== undefined) b.set(old, 0);
  tails.set(b.buffer, total);
  return b;
}

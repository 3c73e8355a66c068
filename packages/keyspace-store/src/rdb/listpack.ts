// Listpacks (listpack.c) as Redis 7.0 writes them inside RDB values (hashes, sorted sets and
// quicklist nodes), and a validating reader. Layout:
//   <total bytes u32le> <count u16le, 65535 = "count it"> <entry>* <0xFF>
//   entry = <encoding+data> <backlen: the encoding+data length, 7 bits a byte, read backwards>
// A string that string2ll accepts is stored as the smallest integer encoding that holds it
// (7-bit uint, 13/16/24/32/64-bit int), anything else as a 6-bit, 12-bit or 32-bit length string.
import type { NodeBuffer } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import { parseInt64Latin1 } from "../string-value.js";

export const LP_HDR_SIZE = 6;
export const LP_EOF = 0xff;

/**
 * Growable byte buffer for building a listpack (reused between values, or held by a stream node
 * as its entries: see `compact`).
 */
export class ListpackBuilder {
  buf: Buffer;
  len = LP_HDR_SIZE;
  count = 0;

  // Buffers of their own (allocUnsafeSlow), not slices of Node's shared 8 KiB pool: a stream
  // node keeps its bytes for as long as the entries live, and a pooled slice would keep alive
  // the whole slab with every short-lived buffer carved from it.
  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }

  reset(): void {
    this.len = LP_HDR_SIZE;
    this.count = 0;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.len + n + 64));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  /** Appends an element given as a latin1 string. */
  appendLatin1(s: string): void {
    const n = s.length;
    if (n > 0 && n <= 20) {
      const v = parseInt64Latin1(s);
      if (v !== null) {
        this.appendInt(v);
        return;
      }
    }
    this.room(n + 10);
    const start = this.len;
    this.strHeader(n);
    // Short ones by hand, as appendBytes: latin1Write is a call into C++ per element (a stream
    // entry's fields and values, two XADDs per BullMQ job).
    if (n <= 32) {
      const b = this.buf;
      for (let i = 0; i < n; i++) b[this.len + i] = s.charCodeAt(i);
    } else (this.buf as NodeBuffer).latin1Write(s, this.len);
    this.len += n;
    this.backlen(this.len - start);
    this.count++;
  }

  /** Appends `count` elements already encoded (another listpack's entries, backlens included). */
  appendEncoded(b: Uint8Array, count: number): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    this.count += count;
  }

  /** Drops the spare capacity (a builder that will not grow again). */
  compact(): void {
    if (this.buf.length === this.len) return;
    const b = Buffer.allocUnsafeSlow(this.len);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  /** Appends an element given as bytes (b[s, e)). */
  appendBytes(b: Uint8Array, s = 0, e = b.length): void {
    const n = e - s;
    if (n > 0 && n <= 20) {
      // string2ll on the bytes themselves: no string per element to test.
      const v = parseInt64(b, s, e);
      if (v !== null) {
        this.appendInt(v);
        return;
      }
    }
    this.room(n + 10);
    const start = this.len;
    this.strHeader(n);
    // A byte loop for short ones: no subarray view per element (the writer re-encodes packed
    // listpacks element by element).
    if (n <= 32) for (let i = 0; i < n; i++) this.buf[this.len + i] = b[s + i]!;
    else this.buf.set(s === 0 && e === b.length ? b : b.subarray(s, e), this.len);
    this.len += n;
    this.backlen(this.len - start);
    this.count++;
  }

  private strHeader(n: number): void {
    const b = this.buf;
    if (n < 64) b[this.len++] = 0x80 | n;
    else if (n < 4096) {
      b[this.len++] = 0xe0 | (n >>> 8);
      b[this.len++] = n & 0xff;
    } else {
      b[this.len++] = 0xf0;
      b.writeUInt32LE(n, this.len);
      this.len += 4;
    }
  }

  appendInt(v: number | bigint): void {
    this.room(20);
    const b = this.buf;
    const start = this.len;
    if (typeof v === "bigint") {
      b[this.len++] = 0xf4;
      b.writeBigInt64LE(v, this.len);
      this.len += 8;
    } else if (v >= 0 && v <= 127) b[this.len++] = v;
    else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      b[this.len++] = 0xc0 | (u >>> 8);
      b[this.len++] = u & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      b[this.len++] = 0xf1;
      b.writeInt16LE(v, this.len);
      this.len += 2;
    } else if (v >= -8388608 && v <= 8388607) {
      b[this.len++] = 0xf2;
      b.writeIntLE(v, this.len, 3);
      this.len += 3;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[this.len++] = 0xf3;
      b.writeInt32LE(v, this.len);
      this.len += 4;
    } else {
      b[this.len++] = 0xf4;
      b.writeBigInt64LE(BigInt(v), this.len);
      this.len += 8;
    }
    this.backlen(this.len - start);
    this.count++;
  }

  /** lpEncodeBacklen. */
  private backlen(l: number): void {
    const b = this.buf;
    if (l <= 127) b[this.len++] = l;
    else if (l < 16383) {
      b[this.len++] = l >>> 7;
      b[this.len++] = (l & 127) | 128;
    } else if (l < 2097151) {
      b[this.len++] = l >>> 14;
      b[this.len++] = ((l >>> 7) & 127) | 128;
      b[this.len++] = (l & 127) | 128;
    } else if (l < 268435455) {
      b[this.len++] = l >>> 21;
      b[this.len++] = ((l >>> 14) & 127) | 128;
      b[this.len++] = ((l >>> 7) & 127) | 128;
      b[this.len++] = (l & 127) | 128;
    } else {
      b[this.len++] = Math.floor(l / 2 ** 28);
      b[this.len++] = ((l >>> 21) & 127) | 128;
      b[this.len++] = ((l >>> 14) & 127) | 128;
      b[this.len++] = ((l >>> 7) & 127) | 128;
      b[this.len++] = (l & 127) | 128;
    }
  }

  /** Bytes the listpack would take with `n` more bytes of entries (and the end byte). */
  sizeWith(n: number): number {
    return this.len + n + 1;
  }

  /** Writes the header and end byte; the listpack is buf[0, returned length). */
  finish(): number {
    this.room(1);
    this.buf[this.len++] = LP_EOF;
    this.buf.writeUInt32LE(this.len, 0);
    this.buf.writeUInt16LE(Math.min(this.count, 65535), 4);
    return this.len;
  }
}

/** Bytes of an integer element (encoding, data and backlen): the smallest encoding that holds it. */
export function lpIntBytes(v: number | bigint): number {
  if (typeof v === "bigint") return 10;
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Bytes a listpack entry for this element takes (encoding, data and backlen). */
export function lpEntrySize(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const v = parseInt64Latin1(s);
    if (v !== null) return lpIntBytes(v);
  }
  const h = n < 64 ? 1 : n < 4096 ? 2 : 5;
  const l = h + n;
  return l + (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5);
}

/**
 * An owned copy of bytes [s, e): a byte loop for short ones (no subarray view to allocate and
 * collect per element), set() beyond.
 */
export function copyBytes(b: Uint8Array, s: number, e: number): Buffer {
  const n = e - s;
  const x = Buffer.allocUnsafe(n);
  if (n <= 32) for (let i = 0; i < n; i++) x[i] = b[s + i]!;
  else x.set(b.subarray(s, e));
  return x;
}

// Element lengths as the expanded value would have them (an integer entry becomes its digits).
/** The length of an integer entry's digits, String(v).length, without making the string. */
export function decimalLength(v: number | bigint): number {
  if (typeof v === "bigint") return String(v).length;
  let n = v < 0 ? 2 : 1;
  for (let a = Math.abs(v); a >= 10; a = Math.floor(a / 10)) n++;
  return n;
}

let lengthsOut: number[] = [];
let lengthsLeft = 0;
const lengthStr = (_b: Uint8Array, s: number, e: number): void => {
  if (lengthsLeft-- > 0) lengthsOut.push(e - s);
};
const lengthInt = (v: number | bigint): void => {
  if (lengthsLeft-- > 0) lengthsOut.push(decimalLength(v));
};

/**
 * The byte lengths of the first `limit` elements of a listpack held as a latin1 string (a
 * value loaded packed, types/packed-*.ts), each as the element's expanded bytes would have.
 */
export function listpackElementLengths(packed: string, limit: number): number[] {
  const lp = Buffer.from(packed, "latin1");
  const out: number[] = [];
  lengthsOut = out;
  lengthsLeft = limit;
  readListpack(lp, 0, lp.length, lengthStr, lengthInt);
  return out;
}

/** A listpack that fails validation (lpValidateIntegrity). */
export class ListpackError extends Error {}

const u32le = (p: Uint8Array, i: number): number =>
  (p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16) | (p[i + 3]! << 24)) >>> 0;

/**
 * Every element of the listpack at p[start, end), validated entry by entry as
 * lpValidateIntegrity(deep) does (header size, each entry's length and backlen, the end byte and
 * the count). `onString(buf, s, e)` gets string elements as a byte range, `onInt(v)` integers.
 * Returns the number of elements.
 */
export function readListpack(
  p: Uint8Array,
  start: number,
  end: number,
  onString: (buf: Uint8Array, s: number, e: number) => void,
  onInt: (v: number | bigint) => void,
): number {
  const size = end - start;
  if (size < LP_HDR_SIZE + 1) throw new ListpackError("listpack too small");
  // Multi-byte fields read byte by byte: a DataView per listpack was an allocation per loaded
  // collection, for fields most small listpacks never have past the header.
  const total = u32le(p, start);
  if (total !== size) throw new ListpackError("listpack size mismatch");
  const declared = p[start + 4]! | (p[start + 5]! << 8);
  if (p[end - 1] !== LP_EOF) throw new ListpackError("listpack without end byte");
  let i = start + LP_HDR_SIZE;
  let count = 0;
  const last = end - 1;
  while (i < last) {
    const e0 = i;
    const c = p[i]!;
    let dataLen: number;
    if (c < 0x80) {
      i += 1;
      onInt(c);
    } else if (c < 0xc0) {
      dataLen = c & 0x3f;
      if (i + 1 + dataLen > last) throw new ListpackError("listpack entry overflows");
      onString(p, i + 1, i + 1 + dataLen);
      i += 1 + dataLen;
    } else if (c < 0xe0) {
      if (i + 2 > last) throw new ListpackError("listpack entry overflows");
      let v = ((c & 0x1f) << 8) | p[i + 1]!;
      if (v >= 1 << 12) v -= 1 << 13;
      onInt(v);
      i += 2;
    } else if (c < 0xf0) {
      if (i + 2 > last) throw new ListpackError("listpack entry overflows");
      dataLen = ((c & 0x0f) << 8) | p[i + 1]!;
      if (i + 2 + dataLen > last) throw new ListpackError("listpack entry overflows");
      onString(p, i + 2, i + 2 + dataLen);
      i += 2 + dataLen;
    } else if (c === 0xf0) {
      if (i + 5 > last) throw new ListpackError("listpack entry overflows");
      dataLen = u32le(p, i + 1);
      if (i + 5 + dataLen > last) throw new ListpackError("listpack entry overflows");
      onString(p, i + 5, i + 5 + dataLen);
      i += 5 + dataLen;
    } else if (c === 0xf1) {
      if (i + 3 > last) throw new ListpackError("listpack entry overflows");
      onInt(((p[i + 1]! | (p[i + 2]! << 8)) << 16) >> 16);
      i += 3;
    } else if (c === 0xf2) {
      if (i + 4 > last) throw new ListpackError("listpack entry overflows");
      const u = p[i + 1]! | (p[i + 2]! << 8) | (p[i + 3]! << 16);
      onInt(u >= 1 << 23 ? u - (1 << 24) : u);
      i += 4;
    } else if (c === 0xf3) {
      if (i + 5 > last) throw new ListpackError("listpack entry overflows");
      onInt(p[i + 1]! | (p[i + 2]! << 8) | (p[i + 3]! << 16) | (p[i + 4]! << 24));
      i += 5;
    } else if (c === 0xf4) {
      if (i + 9 > last) throw new ListpackError("listpack entry overflows");
      const v = new DataView(p.buffer, p.byteOffset, p.byteLength).getBigInt64(i + 1, true);
      onInt(v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v);
      i += 9;
    } else throw new ListpackError("bad listpack entry encoding");
    // The backlen must encode this entry's length and fit before the end byte.
    const l = i - e0;
    const bl = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
    if (i + bl > last) throw new ListpackError("listpack backlen overflows");
    let v = 0;
    for (let k = i + bl - 1, shift = 0; k >= i; k--, shift += 7) {
      const byte = p[k]!;
      v += (byte & 127) * 2 ** shift;
      if (k > i && (byte & 128) === 0) throw new ListpackError("bad listpack backlen");
    }
    if (v !== l) throw new ListpackError("listpack backlen mismatch");
    i += bl;
    count++;
  }
  if (i !== last) throw new ListpackError("listpack entries overflow the end");
  if (declared !== 65535 && declared !== count) throw new ListpackError("listpack count mismatch");
  return count;
}

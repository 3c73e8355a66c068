// The older compact encodings Redis 7.0 still reads from RDB files and DUMP payloads, and the
// intset it still writes: intset (sets of integers), ziplist (lists, hashes and sorted sets before
// 7.0; quicklist nodes before 7.0) and zipmap (hashes before 2.6). Every reader validates as
// Redis's *ValidateIntegrity(deep) does and throws CompactError, so a corrupt value is refused
// rather than half-read.

export class CompactError extends Error {}

// ---- intset ------------------------------------------------------------------------------------
//   <encoding u32le: 2, 4 or 8> <length u32le> <length sorted, distinct integers of that width>

/**
 * The intset of these integers (sorted ascending, distinct) with the smallest width that holds
 * them all, as a set built by SADD alone has (intsets widen and never narrow).
 */
export function encodeIntset(sorted: readonly (number | bigint)[]): Buffer {
  let width = 2;
  for (const v of sorted) {
    if (typeof v === "bigint" || v < -2147483648 || v > 2147483647) {
      width = 8;
      break;
    }
    if (v < -32768 || v > 32767) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * sorted.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(sorted.length, 4);
  let o = 8;
  for (const v of sorted) {
    if (width === 2) out.writeInt16LE(v as number, o);
    else if (width === 4) out.writeInt32LE(v as number, o);
    else out.writeBigInt64LE(BigInt(v), o);
    o += width;
  }
  return out;
}

/**
 * The members of an intset, in its (ascending) order, each given to `onInt` (no array of them);
 * validates as intsetValidateIntegrity. Returns the count.
 */
export function readIntset(
  p: Uint8Array,
  start: number,
  end: number,
  onInt: (v: number | bigint) => void,
): number {
  const size = end - start;
  if (size < 8) throw new CompactError("intset too small");
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const width = dv.getUint32(start, true);
  if (width !== 2 && width !== 4 && width !== 8) throw new CompactError("bad intset encoding");
  const count = dv.getUint32(start + 4, true);
  if (count === 0 || 8 + count * width !== size) throw new CompactError("intset size mismatch");
  let prev: number | bigint | null = null;
  for (let k = 0, o = start + 8; k < count; k++, o += width) {
    let v: number | bigint;
    if (width === 2) v = dv.getInt16(o, true);
    else if (width === 4) v = dv.getInt32(o, true);
    else {
      const b = dv.getBigInt64(o, true);
      v = b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
    }
    if (prev !== null && !(prev < v)) throw new CompactError("intset not sorted or has duplicates");
    onInt(v);
    prev = v;
  }
  return count;
}

// ---- ziplist -----------------------------------------------------------------------------------
//   <zlbytes u32le> <zltail u32le> <zllen u16le> <entry>* <0xFF>
//   entry = <prevlen: 1 byte, or 0xFE + u32le> <encoding> <data>

/** Every element of a ziplist, validated (ziplistValidateIntegrity, deep). Returns the count. */
export function readZiplist(
  p: Uint8Array,
  start: number,
  end: number,
  onString: (buf: Uint8Array, s: number, e: number) => void,
  onInt: (v: number | bigint) => void,
): number {
  const size = end - start;
  if (size < 11) throw new CompactError("ziplist too small");
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (dv.getUint32(start, true) !== size) throw new CompactError("ziplist size mismatch");
  const tail = dv.getUint32(start + 4, true);
  const declared = dv.getUint16(start + 8, true);
  if (p[end - 1] !== 0xff) throw new CompactError("ziplist without end byte");
  const last = end - 1;
  let i = start + 10;
  let prevLen = 0;
  let count = 0;
  let lastEntry = start + 10;
  while (i < last) {
    const e0 = i;
    let pl: number;
    if (p[i]! < 254) {
      pl = p[i]!;
      i += 1;
    } else if (p[i] === 254) {
      if (i + 5 > last) throw new CompactError("ziplist entry overflows");
      pl = dv.getUint32(i + 1, true);
      i += 5;
    } else throw new CompactError("bad ziplist prevlen");
    if (pl !== prevLen) throw new CompactError("ziplist prevlen mismatch");
    if (i >= last) throw new CompactError("ziplist entry overflows");
    const c = p[i]!;
    const kind = c >>> 6;
    if (kind === 0 || kind === 1 || kind === 2) {
      let len: number;
      if (kind === 0) {
        len = c & 0x3f;
        i += 1;
      } else if (kind === 1) {
        if (i + 2 > last) throw new CompactError("ziplist entry overflows");
        len = ((c & 0x3f) << 8) | p[i + 1]!;
        i += 2;
      } else {
        if (c !== 0x80 || i + 5 > last) throw new CompactError("bad ziplist string encoding");
        len = dv.getUint32(i + 1, false);
        i += 5;
      }
      if (i + len > last) throw new CompactError("ziplist entry overflows");
      onString(p, i, i + len);
      i += len;
    } else {
      i += 1;
      let need: number;
      if (c === 0xc0) need = 2;
      else if (c === 0xd0) need = 4;
      else if (c === 0xe0) need = 8;
      else if (c === 0xf0) need = 3;
      else if (c === 0xfe) need = 1;
      else if (c >= 0xf1 && c <= 0xfd) need = 0;
      else throw new CompactError("bad ziplist integer encoding");
      if (i + need > last) throw new CompactError("ziplist entry overflows");
      let v: number | bigint;
      if (c === 0xc0) v = dv.getInt16(i, true);
      else if (c === 0xd0) v = dv.getInt32(i, true);
      else if (c === 0xe0) {
        const b = dv.getBigInt64(i, true);
        v = b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
      } else if (c === 0xf0) {
        const u = p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16);
        v = u >= 1 << 23 ? u - (1 << 24) : u;
      } else if (c === 0xfe) v = dv.getInt8(i);
      else v = (c & 0x0f) - 1;
      onInt(v);
      i += need;
    }
    prevLen = i - e0;
    lastEntry = e0;
    count++;
  }
  if (i !== last) throw new CompactError("ziplist entries overflow the end");
  if (count > 0 && tail !== lastEntry - start) throw new CompactError("ziplist tail mismatch");
  if (declared !== 65535 && declared !== count) throw new CompactError("ziplist count mismatch");
  return count;
}

// ---- zipmap ------------------------------------------------------------------------------------
//   <zmlen u8> (<len> <key> <len> <free u8> <value> <free bytes>)* <0xFF>
//   len = 1 byte below 254, else 254 + u32le

/** The field/value pairs of a zipmap, validated (zipmapValidateIntegrity). */
export function readZipmap(
  p: Uint8Array,
  start: number,
  end: number,
  onPair: (buf: Uint8Array, ks: number, ke: number, vs: number, ve: number) => void,
): number {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (end - start < 2) throw new CompactError("zipmap too small");
  let i = start + 1;
  let count = 0;
  const readLen = (): number => {
    if (i >= end) throw new CompactError("zipmap overflows");
    const b = p[i]!;
    if (b < 254) {
      i += 1;
      return b;
    }
    if (b === 254) {
      if (i + 5 > end) throw new CompactError("zipmap overflows");
      const v = dv.getUint32(i + 1, true);
      i += 5;
      return v;
    }
    throw new CompactError("bad zipmap length");
  };
  for (;;) {
    if (i >= end) throw new CompactError("zipmap without end byte");
    if (p[i] === 0xff) {
      i++;
      break;
    }
    const kl = readLen();
    if (i + kl > end) throw new CompactError("zipmap overflows");
    const ks = i;
    i += kl;
    const vl = readLen();
    if (i >= end) throw new CompactError("zipmap overflows");
    const free = p[i++]!;
    if (i + vl + free > end) throw new CompactError("zipmap overflows");
    onPair(p, ks, ks + kl, i, i + vl);
    i += vl + free;
    count++;
  }
  if (i !== end) throw new CompactError("zipmap has trailing bytes");
  return count;
}

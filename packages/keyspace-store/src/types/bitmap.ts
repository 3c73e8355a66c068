// Bit-level reading and writing of string values, shared by SETBIT/GETBIT/BITCOUNT/BITPOS/BITOP
// and BITFIELD (bitops.c in Redis 7.0). Bits are numbered from the most significant bit of the
// first byte: bit 0 is 0x80 of byte 0, as Redis addresses them, so a bitmap reads left to right.
// Fields of up to 48 bits are handled as numbers (exact), wider ones as BigInt: only a 49..64-bit
// field, or an increment past 2^53, pays for BigInt.

/** Set bits of every byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (POPCOUNT[i >> 1] as number) + (i & 1);

/** redisPopcount: set bits in bytes [start, end) of `b`. */
export function popcount(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  let i = start;
  // Four bytes at a time: the SWAR count is several times faster than the table on long runs.
  if (end - i >= 16) {
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    for (; i + 4 <= end; i += 4) {
      let x = dv.getUint32(i);
      x = x - ((x >>> 1) & 0x55555555);
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      x = (x + (x >>> 4)) & 0x0f0f0f0f;
      n += Math.imul(x, 0x01010101) >>> 24;
    }
  }
  for (; i < end; i++) n += POPCOUNT[b[i] as number] as number;
  return n;
}

/**
 * The first bit equal to `bit` at a bit position in [from, to] (inclusive) of `b`, or -1. Bytes
 * past the end of `b` read as zero.
 */
export function findBit(b: Uint8Array, from: number, to: number, bit: 0 | 1): number {
  let pos = from;
  // Partial leading byte, then whole bytes that cannot hold the bit are skipped.
  while (pos <= to && (pos & 7) !== 0) {
    if (getBit(b, pos) === bit) return pos;
    pos++;
  }
  const skip = bit === 1 ? 0 : 0xff;
  while (pos + 7 <= to) {
    const byte = (b[Math.floor(pos / 8)] ?? 0) as number;
    if (byte !== skip) {
      for (let j = 0; j < 8; j++) if (((byte >> (7 - j)) & 1) === bit) return pos + j;
    }
    pos += 8;
  }
  for (; pos <= to; pos++) if (getBit(b, pos) === bit) return pos;
  return -1;
}

/** The bit at `pos` (0 past the end). */
export function getBit(b: Uint8Array, pos: number): 0 | 1 {
  const byte = Math.floor(pos / 8);
  if (byte >= b.length) return 0;
  return (((b[byte] as number) >> (7 - (pos & 7))) & 1) as 0 | 1;
}

/** A field's value: a number when the field is at most 48 bits wide, else a bigint. */
export type FieldValue = number | bigint;

/** getUnsignedBitfield: `bits` bits from bit `offset`, as an unsigned integer (bytes past `b` are 0). */
export function getUnsigned(b: Uint8Array, offset: number, bits: number): FieldValue {
  if (bits <= 48) {
    let v = 0;
    for (let j = 0; j < bits; j++) v = v * 2 + getBit(b, offset + j);
    return v;
  }
  let v = 0n;
  for (let j = 0; j < bits; j++) v = (v << 1n) | BigInt(getBit(b, offset + j));
  return v;
}

/** getSignedBitfield: the field read as two's complement of `bits` bits. */
export function getSigned(b: Uint8Array, offset: number, bits: number): FieldValue {
  const u = getUnsigned(b, offset, bits);
  if (typeof u === "number") return u >= 2 ** (bits - 1) ? u - 2 ** bits : u;
  return BigInt.asIntN(bits, u);
}

/** setUnsignedBitfield: writes the low `bits` bits of `v` at bit `offset` (within `b`). */
export function setField(b: Uint8Array, offset: number, bits: number, v: FieldValue): void {
  if (typeof v === "number") {
    // Two's complement of a negative value in `bits` bits (|v| < 2^48 here).
    let u = v < 0 ? v + 2 ** bits : v;
    for (let j = bits - 1; j >= 0; j--) {
      const bit = u % 2;
      u = (u - bit) / 2;
      setBit(b, offset + j, bit);
    }
    return;
  }
  let u = BigInt.asUintN(bits, v);
  for (let j = bits - 1; j >= 0; j--) {
    setBit(b, offset + j, Number(u & 1n));
    u >>= 1n;
  }
}

function setBit(b: Uint8Array, pos: number, on: number): void {
  const byte = Math.floor(pos / 8);
  const mask = 1 << (7 - (pos & 7));
  const cur = b[byte] as number;
  b[byte] = on ? cur | mask : cur & ~mask;
}

// CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final XOR), the checksum Redis Cluster
// uses to map keys to slots. Mirrors crc16() in src/crc16.c (Redis 7.0); see
// shared/reference/cluster-internals.md section 1.1.

/** Polynomial x^16 + x^12 + x^5 + 1, processed most significant bit first. */
const POLY = 0x1021;

// Multiplies a 16-bit register by x^n modulo the polynomial: the bitwise definition of the CRC,
// used only to build the tables below.
function shiftRegister(reg: number, bits: number): number {
  for (let k = 0; k < bits; k++)
    reg = reg & 0x8000 ? ((reg << 1) ^ POLY) & 0xffff : (reg << 1) & 0xffff;
  return reg;
}

/**
 * CRC_TABLE[b] is the CRC register after feeding byte b into a zero register. This is Redis's
 * crc16tab, computed rather than pasted so it cannot carry a typo.
 */
export const CRC_TABLE: Uint16Array = new Uint16Array(256);
// Slice-by-4 tables: appending 4 bytes to a register is linear in the 32-bit value
// (crc << 16) ^ w, so it splits into four independent byte lookups, shortening the dependency
// chain compared with one lookup per byte. TABLE_Kn[v] = CRC of byte v followed by n zero bytes.
export const TABLE_K1: Uint16Array = new Uint16Array(256);
export const TABLE_K2: Uint16Array = new Uint16Array(256);
export const TABLE_K3: Uint16Array = new Uint16Array(256);
for (let v = 0; v < 256; v++) {
  const t0 = shiftRegister(v << 8, 8);
  CRC_TABLE[v] = t0;
  const t1 = shiftRegister(t0, 8);
  TABLE_K1[v] = t1;
  const t2 = shiftRegister(t1, 8);
  TABLE_K2[v] = t2;
  TABLE_K3[v] = shiftRegister(t2, 8);
}

/**
 * CRC-16/XMODEM of `bytes[start..end)` (the whole array by default), continuing from `crc`
 * (0 for a fresh checksum), without copying. Returns a 16-bit value; `crc16("123456789")` is
 * 0x31C3.
 */
export function crc16(bytes: Uint8Array, start = 0, end: number = bytes.length, crc = 0): number {
  const t0 = CRC_TABLE;
  const t1 = TABLE_K1;
  const t2 = TABLE_K2;
  const t3 = TABLE_K3;
  let i = start;
  // Four bytes per step while at least four remain; the tail goes byte by byte.
  for (const last = end - 4; i <= last; i += 4) {
    const hi = (crc >> 8) ^ bytes[i]!;
    const lo = (crc & 0xff) ^ bytes[i + 1]!;
    crc = t3[hi & 0xff]! ^ t2[lo & 0xff]! ^ t1[bytes[i + 2]!]! ^ t0[bytes[i + 3]!]!;
  }
  for (; i < end; i++) crc = ((crc << 8) & 0xffff) ^ t0[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

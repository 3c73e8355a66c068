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
// (crc << 16) ^ bytes, so it splits into four independent byte lookups instead of a chain of
// four dependent ones. TABLE_Kn[v] = CRC of byte v followed by n zero bytes. (Slice-by-8
// measured slower on keys of typical length.)
export const TABLE_K1: Uint16Array = new Uint16Array(256);
export const TABLE_K2: Uint16Array = new Uint16Array(256);
export const TABLE_K3: Uint16Array = new Uint16Array(256);
{
  const tables = [CRC_TABLE, TABLE_K1, TABLE_K2, TABLE_K3];
  for (let v = 0; v < 256; v++) {
    let reg = shiftRegister(v << 8, 8);
    for (const table of tables) {
      table[v] = reg;
      reg = shiftRegister(reg, 8);
    }
  }
}

/**
 * CRC-16/XMODEM of `bytes[start..end)` (the whole array by default), continuing from `crc`
 * (0 for a fresh checksum), without copying. Returns a 16-bit value; for the bytes of "123456789"
 * it is 0x31C3.
 */
export function crc16(bytes: Uint8Array, start = 0, end: number = bytes.length, crc = 0): number {
  return crc16Update(crc, bytes, start, end);
}

/**
 * The loop behind crc16(), with every argument required: hot callers use it so V8 never has to
 * adapt a short argument list.
 */
export function crc16Update(crc: number, bytes: Uint8Array, start: number, end: number): number {
  const t0 = CRC_TABLE;
  let i = start;
  // Four bytes per step while at least four remain; the tail goes byte by byte.
  for (const last = end - 4; i <= last; i += 4) {
    crc =
      TABLE_K3[(crc >> 8) ^ bytes[i]!]! ^
      TABLE_K2[(crc & 0xff) ^ bytes[i + 1]!]! ^
      TABLE_K1[bytes[i + 2]!]! ^
      t0[bytes[i + 3]!]!;
  }
  for (; i < end; i++) crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ bytes[i]!]!;
  return crc;
}

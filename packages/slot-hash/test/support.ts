// Reference implementations and generators shared by this package's tests: a literal, bitwise
// transcription of Redis's crc16() and keyHashSlot() to compare the fast code against.
// Not exported from index.ts.
import fc from "fast-check";

/** Bitwise CRC-16/XMODEM, straight from the definition in cluster-internals.md 1.1. */
export function naiveCrc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let k = 0; k < 8; k++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** keyHashSlot() from src/cluster.h, transcribed line by line. */
export function naiveKeySlot(key: Uint8Array): number {
  const keylen = key.length;
  let s = 0;
  for (s = 0; s < keylen; s++) if (key[s] === 0x7b) break;
  if (s === keylen) return naiveCrc16(key) & 0x3fff;
  let e = 0;
  for (e = s + 1; e < keylen; e++) if (key[e] === 0x7d) break;
  if (e === keylen || e === s + 1) return naiveCrc16(key) & 0x3fff;
  return naiveCrc16(key.subarray(s + 1, e)) & 0x3fff;
}

/** Bytes biased towards braces, NUL, CR, LF and high bytes, so hash tags occur often. */
export const keyByte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 2, arbitrary: fc.constantFrom(0x7b, 0x7d) },
  { weight: 1, arbitrary: fc.constantFrom(0, 10, 13, 0x7f, 0x80, 0xc3, 0xff) },
);
export const keyBytes = fc
  .array(keyByte, { maxLength: 40 })
  .map((a) => Buffer.from(a) as Uint8Array);

/** One UTF-16 code unit of any value, so lone surrogates appear. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Strings mixing ASCII, braces, BMP and astral code points and lone surrogates. */
export const keyString = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.constantFrom("{", "}") },
    { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.constantFrom("é", "€", "😀", "\u{10ffff}", "\ud800", "\udfff") },
    { weight: 1, arbitrary: codeUnit },
  ),
  maxLength: 40,
});

/** Latin1 strings: one char per byte, chars 0-255 only. */
export const latin1String = keyBytes.map((b) => Buffer.from(b).toString("latin1"));

/**
 * True where cluster-key-slot 1.1.2 departs from Redis: after an empty tag "{}" it keeps looking
 * for a later '}' and hashes what lies between, while Redis hashes the whole key.
 */
export function hasEmptyTagThenBrace(key: Uint8Array): boolean {
  const s = key.indexOf(0x7b);
  return s >= 0 && key[s + 1] === 0x7d && key.indexOf(0x7d, s + 2) >= 0;
}

/** True if `str` has a surrogate code unit that is not part of a pair. */
export function hasLoneSurrogate(str: string): boolean {
  return /\p{Cs}/u.test(str);
}

// Key -> hash slot for Redis Cluster: CRC16 of the key, or of its hash tag, modulo 16384.
// Mirrors keyHashSlot() in src/cluster.c (Redis 7.0; later versions moved it to cluster.h); the
// hash-tag rule and its test vectors are in shared/reference/cluster-internals.md section 1.2.
import { CRC_TABLE, crc16Update, TABLE_K1, TABLE_K2, TABLE_K3 } from "./crc16.js";

/** Number of hash slots in a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;
const SLOT_MASK = CLUSTER_SLOTS - 1;

const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }

/**
 * Slot of `bytes[start..end)`, hash tags honoured, without copying: for keys that sit inside a
 * read buffer (a RESP bulk string), so the caller never materialises a Buffer per key.
 */
export function keySlotRange(bytes: Uint8Array, start: number, end: number): number {
  const t0 = CRC_TABLE;
  let crc = 0;
  let i = start;
  // Most keys have no '{', so the whole key is hashed (four bytes per step, as in crc16Update)
  // while watching for one; only when a '{' turns up does hashTaggedSlot() decide between the
  // tag and the rest of the key. Slice-by-8 measured slower here: keys are short.
  for (const last = end - 4; i <= last; i += 4) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    const b2 = bytes[i + 2]!;
    const b3 = bytes[i + 3]!;
    if (b0 === OPEN_BRACE || b1 === OPEN_BRACE || b2 === OPEN_BRACE || b3 === OPEN_BRACE)
      return hashTaggedSlot(bytes, i, end, crc);
    crc = TABLE_K3[(crc >> 8) ^ b0]! ^ TABLE_K2[(crc & 0xff) ^ b1]! ^ TABLE_K1[b2]! ^ t0[b3]!;
  }
  for (; i < end; i++) {
    const b = bytes[i]!;
    if (b === OPEN_BRACE) return hashTaggedSlot(bytes, i, end, crc);
    crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ b]!;
  }
  return crc & SLOT_MASK;
}

// The first '{' of the key lies in bytes[from..end), and `crc` covers the key up to `from`.
// Redis's rule: the first '}' after that '{' closes the tag; a non-empty tag is hashed alone,
// while an empty tag "{}" or a missing '}' means the whole key is hashed, with no search for a
// later '{'.
function hashTaggedSlot(bytes: Uint8Array, from: number, end: number, crc: number): number {
  let s = from;
  while (bytes[s] !== OPEN_BRACE) s++;
  // The tag is hashed while looking for its '}', so a tagged key is read once.
  const t0 = CRC_TABLE;
  let tag = 0;
  let e = s + 1;
  for (const last = end - 4; e <= last; e += 4) {
    const b0 = bytes[e]!;
    const b1 = bytes[e + 1]!;
    const b2 = bytes[e + 2]!;
    const b3 = bytes[e + 3]!;
    if (b0 === CLOSE_BRACE || b1 === CLOSE_BRACE || b2 === CLOSE_BRACE || b3 === CLOSE_BRACE) break;
    tag = TABLE_K3[(tag >> 8) ^ b0]! ^ TABLE_K2[(tag & 0xff) ^ b1]! ^ TABLE_K1[b2]! ^ t0[b3]!;
  }
  for (; e < end; e++) {
    const b = bytes[e]!;
    if (b === CLOSE_BRACE) {
      if (e > s + 1) return tag & SLOT_MASK;
      break;
    }
    tag = ((tag << 8) & 0xffff) ^ t0[(tag >> 8) ^ b]!;
  }
  // An empty tag or no '}' at all: the whole key counts.
  return crc16Update(crc, bytes, from, end) & SLOT_MASK;
}

/** Slot of a binary key (Buffer or Uint8Array), exactly as `CLUSTER KEYSLOT` computes it. */
export function keySlotBytes(key: Uint8Array): number {
  return keySlotRange(key, 0, key.length);
}

/**
 * CRC16 of the UTF-8 encoding of `str[start..end)` (UTF-16 indices), computed while encoding,
 * so no Buffer is allocated. Encoding matches Buffer.from(str, "utf8"): surrogate pairs become
 * 4 bytes, lone surrogates become U+FFFD (EF BF BD). A bound that splits a surrogate pair leaves
 * a lone surrogate, so the result always equals the CRC of Buffer.from(str.slice(start, end)).
 */
export function crc16Utf8(str: string, start = 0, end: number = str.length, crc = 0): number {
  return crc16Utf8Update(crc, str, start, end);
}

// crc16Utf8() with every argument required, for hot callers.
function crc16Utf8Update(crc: number, str: string, start: number, end: number): number {
  const t0 = CRC_TABLE;
  let i = start;
  while (i < end) {
    // Fast path: four ASCII characters are four bytes, hashed in one slice-by-4 step.
    if (i + 4 <= end) {
      const c0 = str.charCodeAt(i);
      const c1 = str.charCodeAt(i + 1);
      const c2 = str.charCodeAt(i + 2);
      const c3 = str.charCodeAt(i + 3);
      if ((c0 | c1 | c2 | c3) < 0x80) {
        crc = TABLE_K3[(crc >> 8) ^ c0]! ^ TABLE_K2[(crc & 0xff) ^ c1]! ^ TABLE_K1[c2]! ^ t0[c3]!;
        i += 4;
        continue;
      }
    }
    let c = str.charCodeAt(i++);
    if (c < 0x80) {
      crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ c]!;
      continue;
    }
    if (c < 0x800) {
      crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0xc0 | (c >> 6))]!;
      crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0x80 | (c & 0x3f))]!;
      continue;
    }
    if ((c & 0xf800) === 0xd800) {
      const next = i < end ? str.charCodeAt(i) : 0;
      if (c < 0xdc00 && (next & 0xfc00) === 0xdc00) {
        // A well-formed surrogate pair: one astral code point, four UTF-8 bytes.
        i++;
        const cp = 0x10000 + ((c & 0x3ff) << 10) + (next & 0x3ff);
        crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0xf0 | (cp >> 18))]!;
        crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0x80 | ((cp >> 12) & 0x3f))]!;
        crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0x80 | ((cp >> 6) & 0x3f))]!;
        crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0x80 | (cp & 0x3f))]!;
        continue;
      }
      // A lone surrogate cannot be encoded; Buffer.from writes U+FFFD instead, and so do we.
      c = 0xfffd;
    }
    crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0xe0 | (c >> 12))]!;
    crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0x80 | ((c >> 6) & 0x3f))]!;
    crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ (0x80 | (c & 0x3f))]!;
  }
  return crc;
}

/**
 * Slot of a string key hashed as its UTF-8 bytes (what a client sends for a JS string), without
 * allocating. Braces are ASCII, so UTF-8 never encodes them inside a multi-byte sequence and the
 * tag can be found on UTF-16 indices.
 */
export function keySlotString(key: string): number {
  const t0 = CRC_TABLE;
  const end = key.length;
  let crc = 0;
  let i = 0;
  // Fast path for the usual all-ASCII key: hash it whole, four chars per step, while watching
  // for '{'. The first non-ASCII char hands over to the general UTF-8 path.
  for (const last = end - 4; i <= last; i += 4) {
    const c0 = key.charCodeAt(i);
    const c1 = key.charCodeAt(i + 1);
    const c2 = key.charCodeAt(i + 2);
    const c3 = key.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return keySlotStringUtf8(key);
    if (c0 === OPEN_BRACE || c1 === OPEN_BRACE || c2 === OPEN_BRACE || c3 === OPEN_BRACE)
      return hashTaggedStringSlot(key, i, crc);
    crc = TABLE_K3[(crc >> 8) ^ c0]! ^ TABLE_K2[(crc & 0xff) ^ c1]! ^ TABLE_K1[c2]! ^ t0[c3]!;
  }
  for (; i < end; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return keySlotStringUtf8(key);
    if (c === OPEN_BRACE) return hashTaggedStringSlot(key, i, crc);
    crc = ((crc << 8) & 0xffff) ^ t0[(crc >> 8) ^ c]!;
  }
  return crc & SLOT_MASK;
}

// The first '{' lies in key[from..], and `crc` covers the (ASCII) key up to `from`.
function hashTaggedStringSlot(key: string, from: number, crc: number): number {
  const s = key.indexOf("{", from);
  const e = key.indexOf("}", s + 1);
  if (e > s + 1) return crc16Utf8Update(0, key, s + 1, e) & SLOT_MASK;
  return crc16Utf8Update(crc, key, from, key.length) & SLOT_MASK;
}

// The general path, for keys with non-ASCII characters.
function keySlotStringUtf8(key: string): number {
  const s = key.indexOf("{");
  if (s >= 0) {
    const e = key.indexOf("}", s + 1);
    if (e > s + 1) return crc16Utf8Update(0, key, s + 1, e) & SLOT_MASK;
  }
  return crc16Utf8Update(0, key, 0, key.length) & SLOT_MASK;
}

/** Slot of a key: strings are hashed as UTF-8, byte arrays as they are. */
export function keySlot(key: string | Uint8Array): number {
  return typeof key === "string" ? keySlotString(key) : keySlotRange(key, 0, key.length);
}

/**
 * CRC16 of a binary-safe latin1 string (one character per byte, as Buffer#toString("latin1")
 * produces); characters above 0xFF keep their low byte, as Buffer.from(str, "latin1") does.
 */
export function crc16Latin1(str: string, start = 0, end: number = str.length, crc = 0): number {
  return crc16Latin1Update(crc, str, start, end);
}

// crc16Latin1() with every argument required, for hot callers.
function crc16Latin1Update(crc: number, str: string, start: number, end: number): number {
  const t0 = CRC_TABLE;
  let i = start;
  for (const last = end - 4; i <= last; i += 4) {
    crc =
      TABLE_K3[((crc >> 8) ^ str.charCodeAt(i)) & 0xff]! ^
      TABLE_K2[((crc & 0xff) ^ str.charCodeAt(i + 1)) & 0xff]! ^
      TABLE_K1[str.charCodeAt(i + 2) & 0xff]! ^
      t0[str.charCodeAt(i + 3) & 0xff]!;
  }
  for (; i < end; i++) crc = ((crc << 8) & 0xffff) ^ t0[((crc >> 8) ^ str.charCodeAt(i)) & 0xff]!;
  return crc;
}

/**
 * Slot of a key held as a latin1 string (one char = one byte), the binary-safe form the server
 * stores keys in. Same result as keySlot(Buffer.from(key, "latin1")).
 */
export function keySlotLatin1(key: string): number {
  // Braces are compared on the low byte, as Buffer.from(key, "latin1") would store them, so even
  // out-of-contract chars above 0xFF give the same slot as the Buffer would.
  const len = key.length;
  for (let s = 0; s < len; s++) {
    if ((key.charCodeAt(s) & 0xff) !== OPEN_BRACE) continue;
    for (let e = s + 1; e < len; e++) {
      if ((key.charCodeAt(e) & 0xff) !== CLOSE_BRACE) continue;
      if (e > s + 1) return crc16Latin1Update(0, key, s + 1, e) & SLOT_MASK;
      break;
    }
    break;
  }
  return crc16Latin1Update(0, key, 0, len) & SLOT_MASK;
}

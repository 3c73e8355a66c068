// Reading RDB values, DUMP payloads and whole RDB files/streams, as Redis 7.0's rdbLoadObject and
// rdbLoadRioWithLoadingCtx read them: every type and encoding 7.0 reads (strings with INT and
// LZF encodings, plain lists/sets/hashes/zsets, ZSET_2, zipmap, ziplist, intset, listpack,
// quicklist 1 and 2, streams) from RDB versions 1..10, and version 11 (Redis 7.2, Valkey) where
// the types allow (SET_LISTPACK, STREAM_LISTPACKS_3). Modules have no type here: a key of theirs
// is refused with a clear error. Input is never trusted: every length is checked against the bytes present
// and every compact encoding is validated whole, so corrupt input gives RdbFormatError (or, for
// DUMP, Redis's "Bad data format"), never a crash or a half-built value.
import { latin1String, type NodeBuffer } from "@shoal/resp-codec";
import { Crc64 } from "../crc64.js";
import {
  DEFAULT_ENCODING_LIMITS,
  type EncodingLimits,
  settleLoadedIntset,
  settleLoadedListpackHash,
} from "../encoding.js";
import type { Database, Keyspace } from "../keyspace.js";
import { listElementBytes, MEMORY_SAMPLES, stringBytes } from "../memory.js";
import { ELEMENT_INLINE_MAX, elementFromBytes } from "../types/list.js";
import {
  hashFillEntries,
  hashInt,
  hashStr,
  PackedHash,
  startHashFill,
} from "../types/packed-hash.js";
import { PackedList } from "../types/packed-list.js";
import { ZSet } from "../types/zset.js";
import { Denque, type ListElement, type Value } from "../value.js";
import { CompactError, readIntset, readZiplist, readZipmap } from "./compact.js";
import {
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  RDB_ENC_INT8,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_LZF,
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION_PRE_GA,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_MODULE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_OPCODE_SLOT_INFO,
  RDB_READ_VERSION_MAX,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_HASH_ZIPLIST,
  RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST,
  RDB_TYPE_LIST_QUICKLIST,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_LIST_ZIPLIST,
  RDB_TYPE_MODULE_2,
  RDB_TYPE_MODULE_PRE_GA,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_SET_LISTPACK,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STREAM_LISTPACKS_3,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_ZSET_ZIPLIST,
  RdbFormatError,
} from "./format.js";
import { decimalLength, ListpackError, readListpack } from "./listpack.js";
import { lzfDecompress, lzfDecompressInto } from "./lzf.js";
import { strtod, strtodBytes } from "./score-text.js";
import { readStreamObject } from "./stream-rdb.js";

/** Thrown (one shared instance) when a read runs past the bytes buffered so far. */
class NeedMore {
  at = 0;
}
const NEED = new NeedMore();

const corrupt = (msg: string): RdbFormatError => new RdbFormatError(msg);

/** Longest string value kept as a latin1 JS string (string-value.ts's INLINE_STRING_MAX). */
const INLINE_MAX = 4096;

/** Where short LZF strings are decompressed before they become latin1 strings. */
const lzfScratch = Buffer.allocUnsafeSlow(INLINE_MAX);

/** A read position over a byte buffer with rdb.c's primitives. */
export class RdbCursor {
  /** rdbLoadLen's "encoded" out-parameter for the last readLen(). */
  encoded = false;
  /** The byte range of the last readRange(): bytes `rbuf[rs, re)`. */
  rbuf: Uint8Array = Buffer.alloc(0);
  rs = 0;
  re = 0;

  constructor(
    public buf: Buffer,
    public pos = 0,
    public end = buf.length,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.end) {
      NEED.at = this.pos + n;
      throw NEED;
    }
  }

  u8(): number {
    if (this.pos >= this.end) {
      NEED.at = this.pos + 1;
      throw NEED;
    }
    return this.buf[this.pos++]!;
  }

  /** rdbLoadLen; sets `encoded` for an ENCVAL byte (the value is then the encoding). */
  readLen(): number {
    const b = this.u8();
    const t = b >>> 6;
    this.encoded = false;
    if (t === 0) return b & 0x3f;
    if (t === 1) return ((b & 0x3f) << 8) | this.u8();
    if (t === 3) {
      this.encoded = true;
      return b & 0x3f;
    }
    if (b === 0x80) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > 2n ** 53n) throw corrupt(`Length ${v} is too large`);
      return Number(v);
    }
    throw corrupt(`Unknown length encoding ${b >>> 6} in rdbLoadLen()`);
  }

  /** A length that must not be an encoding (element counts). */
  readCount(): number {
    const n = this.readLen();
    if (this.encoded) throw corrupt(`Unexpected encoded length ${n}`);
    return n;
  }

  /** An INT8/16/32 string encoding's value. */
  private encodedInt(enc: number): number {
    if (enc === RDB_ENC_INT8) {
      this.need(1);
      return this.buf.readInt8(this.pos++);
    }
    if (enc === RDB_ENC_INT16) {
      this.need(2);
      const v = this.buf.readInt16LE(this.pos);
      this.pos += 2;
      return v;
    }
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** The LZF string at the cursor (after its encoding byte), decompressed. */
  private lzf(): Buffer {
    return this.lzfString(-1) as Buffer;
  }

  /**
   * The LZF string at the cursor as a latin1 string when it decompresses to at most `max` bytes
   * (at most INLINE_MAX: into a reused scratch, no Buffer made), else as an owned Buffer.
   */
  private lzfString(max: number): string | Buffer {
    const clen = this.readCount();
    const len = this.readCount();
    this.need(clen);
    // LZF expands at most ~88x (a 3-byte back reference copies 264 bytes): a larger claim is
    // corrupt, and must not become a huge allocation.
    if (len === 0 || len > clen * 100 + 64) throw corrupt("Invalid LZF compressed string");
    if (len > max) {
      const out = lzfDecompress(this.buf, this.pos, this.pos + clen, len);
      if (out === null) throw corrupt("Invalid LZF compressed string");
      this.pos += clen;
      return out;
    }
    if (!lzfDecompressInto(this.buf, this.pos, this.pos + clen, lzfScratch, len))
      throw corrupt("Invalid LZF compressed string");
    this.pos += clen;
    return (lzfScratch as NodeBuffer).latin1Slice(0, len);
  }

  private badEncoding(enc: number): never {
    throw corrupt(`Unknown RDB string encoding type ${enc}`);
  }

  /** A string as a latin1 JS string (keys, fields, members). */
  readLatin1(): string {
    const len = this.readLen();
    if (this.encoded) {
      if (len <= RDB_ENC_INT32) return String(this.encodedInt(len));
      if (len === RDB_ENC_LZF) {
        const v = this.lzfString(INLINE_MAX);
        return typeof v === "string" ? v : (v as NodeBuffer).latin1Slice(0, v.length);
      }
      this.badEncoding(len);
    }
    this.need(len);
    const s = (this.buf as NodeBuffer).latin1Slice(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** A string as an owned Buffer (list elements, hash values). */
  readBuffer(): Buffer {
    const len = this.readLen();
    if (this.encoded) {
      if (len <= RDB_ENC_INT32) return Buffer.from(String(this.encodedInt(len)), "latin1");
      if (len === RDB_ENC_LZF) return this.lzf();
      this.badEncoding(len);
    }
    this.need(len);
    const b = Buffer.allocUnsafe(len);
    this.buf.copy(b, 0, this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /**
   * A string value: latin1 up to `max` bytes, else an owned Buffer (valueFromBytes, or a list
   * element's elementFromBytes with ELEMENT_INLINE_MAX).
   */
  readStringValue(max = INLINE_MAX): string | Buffer {
    const len = this.readLen();
    if (this.encoded) {
      if (len <= RDB_ENC_INT32) return String(this.encodedInt(len));
      if (len === RDB_ENC_LZF) return this.lzfString(max);
      this.badEncoding(len);
    }
    this.need(len);
    const p = this.pos;
    this.pos += len;
    if (len <= max) return latin1String(this.buf, p, p + len);
    const b = Buffer.allocUnsafe(len);
    this.buf.copy(b, 0, p, p + len);
    return b;
  }

  /** A string as a byte range (rbuf, rs, re), without copying unless it was compressed. */
  readRange(): void {
    const len = this.readLen();
    if (this.encoded) {
      let b: Buffer;
      if (len <= RDB_ENC_INT32) b = Buffer.from(String(this.encodedInt(len)), "latin1");
      else if (len === RDB_ENC_LZF) b = this.lzf();
      else this.badEncoding(len);
      this.rbuf = b;
      this.rs = 0;
      this.re = b.length;
      return;
    }
    this.need(len);
    this.rbuf = this.buf;
    this.rs = this.pos;
    this.re = this.pos + len;
    this.pos += len;
  }

  /** rdbLoadDoubleValue (text score of the old ZSET type). */
  readTextDouble(): number {
    const n = this.u8();
    if (n === 253) return Number.NaN;
    if (n === 254) return Number.POSITIVE_INFINITY;
    if (n === 255) return Number.NEGATIVE_INFINITY;
    this.need(n);
    const s = (this.buf as NodeBuffer).latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    return strtod(s);
  }

  /** rdbLoadBinaryDoubleValue. */
  readBinaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
}

// Compact-blob element sinks: module-level, so no closure is made per value on the load path.
let strOut: string[] = [];
const pushStr = (b: Uint8Array, s: number, e: number) => {
  strOut.push((b as NodeBuffer).latin1Slice(s, e));
};
const pushIntStr = (v: number | bigint) => {
  strOut.push(String(v));
};
let elOut: ListElement[] = [];
const pushElement = (b: Uint8Array, s: number, e: number) => {
  elOut.push(elementFromBytes(b, s, e));
};
// A listpack/ziplist hash is read straight into its Map by packed-hash.ts's sinks (hashStr,
// hashInt): each entry materialised once. Measured with the zset sinks below and copyBytes
// (bench/rdb.ts, 1M mixed keys, best of 3 alternating with the flat-array code, CPU time on a
// loaded 2-core box): load 2532 -> 2203 ms.
// A listpack/ziplist zset: members as strings, scores as numbers (an integer entry needs no
// String() and strtod round trip: Number(v) rounds the same way).
// The arrays are reused from one sorted set to the next (zN counts the pairs read into them);
// they are replaced after a large set so they do not hold its members.
let zMembers: string[] = [];
let zScores: number[] = [];
let zN = 0;
let zMember: string | null = null;
const zStr = (b: Uint8Array, s: number, e: number) => {
  if (zMember === null) zMember = (b as NodeBuffer).latin1Slice(s, e);
  else {
    zMembers[zN] = zMember;
    zScores[zN++] = strtodBytes(b, s, e);
    zMember = null;
  }
};
const zInt = (v: number | bigint) => {
  if (zMember === null) zMember = String(v);
  else {
    zMembers[zN] = zMember;
    zScores[zN++] = Number(v);
    zMember = null;
  }
};
let intsetOut = new Set<string>();
let lastIntMember = "";
const addIntMember = (v: number | bigint) => {
  lastIntMember = String(v);
  intsetOut.add(lastIntMember);
};
const pushIntElement = (v: number | bigint) => {
  elOut.push(String(v)); // at most 20 digits: always the string shape
};

function readCompact(
  c: RdbCursor,
  ziplist: boolean,
  onStr: (b: Uint8Array, s: number, e: number) => void,
  onInt: (v: number | bigint) => void,
): void {
  try {
    if (ziplist) readZiplist(c.rbuf, c.rs, c.re, onStr, onInt);
    else readListpack(c.rbuf, c.rs, c.re, onStr, onInt);
  } catch (e) {
    if (e instanceof ListpackError || e instanceof CompactError)
      throw corrupt(`${ziplist ? "Ziplist" : "Listpack"} integrity check failed.`);
    throw e;
  }
}

/** The elements of a compact blob (listpack or ziplist) as latin1 strings. */
function compactStrings(c: RdbCursor, ziplist: boolean): string[] {
  const out: string[] = [];
  strOut = out;
  readCompact(c, ziplist, pushStr, pushIntStr);
  return out;
}

/** The elements of a compact blob as list elements. */
function compactElements(c: RdbCursor, ziplist: boolean, out: ListElement[]): void {
  elOut = out;
  readCompact(c, ziplist, pushElement, pushIntElement);
}

/** A compact (listpack/ziplist) hash, or null when empty. */
function compactHash(c: RdbCursor, ziplist: boolean): Map<string, ListElement> | null {
  const m = new Map<string, ListElement>();
  startHashFill(m);
  readCompact(c, ziplist, hashStr, hashInt);
  const hashEntries = hashFillEntries();
  if (hashEntries === 0) return null;
  if (hashEntries % 2 !== 0) throw corrupt("Hash listpack integrity check failed.");
  if (m.size * 2 !== hashEntries) throw corrupt("Duplicate hash fields detected");
  return m;
}

// A listpack hash of up to PACKED_MAX_FIELDS fields stays a listpack (types/packed-hash.ts) after
// the same validation: the whole listpack, an even count, no field twice (pairwise: the fields
// are few, compared as byte ranges of the listpack: a string per field, made only to compare
// it, was three of the five latin1Slice calls into C++ a bench hash of 3 fields cost).
// The walk also sums the memory accounting's sample (memory.ts's valueMemoryUsage: the first
// MEMORY_SAMPLES entries), so measuring the hash needs no second walk.
const PACKED_MAX_FIELDS = 8;
// The fields, for the duplicate test: byte ranges of the listpack (no string made), or the
// digits of an integer field (null for a byte range).
const fieldStart = new Int32Array(PACKED_MAX_FIELDS);
const fieldEnd = new Int32Array(PACKED_MAX_FIELDS);
const fieldDigits: (string | null)[] = new Array(PACKED_MAX_FIELDS).fill(null);
let packedEntries = 0;
let packedSample = 0;
const packedStr = (_b: Uint8Array, s: number, e: number) => {
  const i = packedEntries++;
  if ((i & 1) === 0) {
    const k = i >>> 1;
    if (k < PACKED_MAX_FIELDS) {
      fieldStart[k] = s;
      fieldEnd[k] = e;
      fieldDigits[k] = null;
    }
    if (i < 2 * MEMORY_SAMPLES) packedSample += stringBytes(e - s);
  } else if (i < 2 * MEMORY_SAMPLES) packedSample += listElementBytes(e - s);
};
const packedInt = (v: number | bigint) => {
  const i = packedEntries++;
  if ((i & 1) === 0) {
    const digits = String(v);
    if (i >>> 1 < PACKED_MAX_FIELDS) fieldDigits[i >>> 1] = digits;
    if (i < 2 * MEMORY_SAMPLES) packedSample += stringBytes(digits.length);
  } else if (i < 2 * MEMORY_SAMPLES) packedSample += listElementBytes(decimalLength(v));
};

/** Whether fields i and j of the walk above (over listpack `b`) are the same string. */
function sameField(b: Uint8Array, i: number, j: number): boolean {
  const di = fieldDigits[i];
  const dj = fieldDigits[j];
  if (di !== null && dj !== null) return di === dj;
  if (di === null && dj === null)
    return compareRanges(b, fieldStart[i]!, fieldEnd[i]!, fieldStart[j]!, fieldEnd[j]!) === 0;
  // An integer field and a string field holding the same digits (a listpack another writer made).
  const d = (di ?? dj) as string;
  const k = di === null ? i : j;
  const s = fieldStart[k]!;
  if (fieldEnd[k]! - s !== d.length) return false;
  for (let x = 0; x < d.length; x++) if (b[s + x] !== d.charCodeAt(x)) return false;
  return true;
}

/**
 * A listpack hash (at the cursor's range) kept as its bytes, null when it is empty or undefined
 * when its header counts more than PACKED_MAX_FIELDS fields (the caller builds the Map).
 */
function packedHash(c: RdbCursor): PackedHash | null | undefined {
  const b = c.rbuf;
  // The header's element count (65535: "count them") decides before any walk.
  const declared = c.re - c.rs >= 6 ? b[c.rs + 4]! | (b[c.rs + 5]! << 8) : 0;
  if (declared > 2 * PACKED_MAX_FIELDS) return undefined;
  packedEntries = 0;
  packedSample = 0;
  readCompact(c, false, packedStr, packedInt);
  if (packedEntries === 0) return null;
  if (packedEntries % 2 !== 0) throw corrupt("Hash listpack integrity check failed.");
  const n = packedEntries >>> 1;
  for (let i = 1; i < n; i++)
    for (let j = 0; j < i; j++)
      if (sameField(b, i, j)) throw corrupt("Duplicate hash fields detected");
  return new PackedHash((b as NodeBuffer).latin1Slice(c.rs, c.re), n, packedSample);
}

// A list of one listpack node of up to PACKED_MAX_ELEMENTS elements stays that listpack
// (types/packed-list.ts) after the same validation; the walk sums the accounting's sample.
const PACKED_MAX_ELEMENTS = 16;
let packedCount = 0;
const packedListStr = (_b: Uint8Array, s: number, e: number) => {
  if (packedCount++ < MEMORY_SAMPLES) packedSample += listElementBytes(e - s);
};
const packedListInt = (v: number | bigint) => {
  if (packedCount++ < MEMORY_SAMPLES) packedSample += listElementBytes(decimalLength(v));
};

/**
 * A one-node quicklist's listpack (at the cursor's range) kept as its bytes, null when it is
 * empty, undefined when its header counts more than PACKED_MAX_ELEMENTS (the caller builds it).
 */
function packedList(c: RdbCursor): PackedList | null | undefined {
  const b = c.rbuf;
  const declared = c.re - c.rs >= 6 ? b[c.rs + 4]! | (b[c.rs + 5]! << 8) : 0;
  if (declared > PACKED_MAX_ELEMENTS) return undefined;
  packedCount = 0;
  packedSample = 0;
  readCompact(c, false, packedListStr, packedListInt);
  if (packedCount === 0) return null;
  return new PackedList((b as NodeBuffer).latin1Slice(c.rs, c.re), packedCount, packedSample);
}

// A listpack sorted set of up to PACKED_MAX_MEMBERS members stays that listpack (ZSet.packed,
// types/zset.ts) when it is what the writer would write again in the same order: members that
// are listpack strings, in ascending (score, member) order, no member twice, no NaN score, and
// Redis keeps it a listpack (at most zset-max-listpack-entries). Anything else (integer members,
// another order, or what the eager build refuses) is left to compactZSet, which reads it again.
// The walk also sums the accounting's sample of the first members.
const PACKED_MAX_MEMBERS = 16;
const pzStart = new Int32Array(PACKED_MAX_MEMBERS);
const pzEnd = new Int32Array(PACKED_MAX_MEMBERS);
const pzScores = new Float64Array(PACKED_MAX_MEMBERS);
let pzBuf: Uint8Array = Buffer.alloc(0);
let pzCount = 0;
let pzOk = true;

/** memcmp order of two byte ranges of one buffer, the shorter first on a common prefix (sdscmp). */
function compareRanges(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): number {
  const n = Math.min(e1 - s1, e2 - s2);
  for (let i = 0; i < n; i++) if (b[s1 + i] !== b[s2 + i]) return b[s1 + i]! - b[s2 + i]!;
  return e1 - s1 - (e2 - s2);
}

function pzScore(score: number): void {
  const k = (pzCount++ - 1) >>> 1;
  if (!pzOk || Number.isNaN(score)) {
    pzOk = false;
    return;
  }
  pzScores[k] = score;
  if (k === 0) return;
  const prev = pzScores[k - 1]!;
  if (
    prev > score ||
    (prev === score &&
      compareRanges(pzBuf, pzStart[k - 1]!, pzEnd[k - 1]!, pzStart[k]!, pzEnd[k]!) >= 0)
  )
    pzOk = false;
}
const pzStr = (b: Uint8Array, s: number, e: number) => {
  if ((pzCount & 1) === 1) {
    pzScore(strtodBytes(b, s, e));
    return;
  }
  const k = pzCount++ >>> 1;
  if (k >= PACKED_MAX_MEMBERS) {
    pzOk = false;
    return;
  }
  pzStart[k] = s;
  pzEnd[k] = e;
  if (k < MEMORY_SAMPLES) packedSample += stringBytes(e - s);
};
const pzInt = (v: number | bigint) => {
  if ((pzCount & 1) === 1) pzScore(Number(v));
  else {
    pzCount++;
    pzOk = false;
  }
};

/** The listpack sorted set at the cursor's range kept packed, or undefined (see above). */
function packedZSet(c: RdbCursor, L: Readonly<EncodingLimits>): ZSet | undefined {
  const b = c.rbuf;
  const declared = c.re - c.rs >= 6 ? b[c.rs + 4]! | (b[c.rs + 5]! << 8) : 0;
  if (declared > 2 * PACKED_MAX_MEMBERS) return undefined;
  pzBuf = b;
  pzCount = 0;
  pzOk = true;
  packedSample = 0;
  readCompact(c, false, pzStr, pzInt);
  const n = pzCount >>> 1;
  if (!pzOk || n === 0 || (pzCount & 1) === 1 || n > L.zsetMaxListpackEntries) return undefined;
  for (let i = 1; i < n; i++)
    for (let j = 0; j < i; j++)
      if (compareRanges(b, pzStart[i]!, pzEnd[i]!, pzStart[j]!, pzEnd[j]!) === 0) return undefined;
  return ZSet.packedListpack((b as NodeBuffer).latin1Slice(c.rs, c.re), n, packedSample, L);
}

/** A compact (listpack/ziplist) zset, or null when empty. */
function compactZSet(c: RdbCursor, ziplist: boolean, L: Readonly<EncodingLimits>): ZSet | null {
  zN = 0;
  zMember = null;
  readCompact(c, ziplist, zStr, zInt);
  const n = zN;
  const members = zMembers;
  const scores = zScores;
  if (n > 128) {
    zMembers = [];
    zScores = [];
  }
  if (n === 0 && zMember === null) return null;
  if (zMember !== null) throw corrupt("Zset listpack integrity check failed.");
  let maxLen = 0;
  for (let i = 0; i < n; i++) maxLen = Math.max(maxLen, members[i]!.length);
  const z = new ZSet(n, maxLen, L);
  for (let i = 0; i < n; i++) {
    const m = members[i]!;
    const s = scores[i]!;
    if (Number.isNaN(s)) throw corrupt("Zset listpack integrity check failed.");
    if (z.dict.has(m)) throw corrupt("Duplicate zset fields detected");
    z.insert(m, s);
  }
  // rdbLoadObject converts a loaded listpack zset only past zset-max-listpack-entries, whatever
  // its members' lengths.
  if (!z.listpack && n <= L.zsetMaxListpackEntries) z.toListpack();
  return z;
}

function setFrom(members: string[], what: string): Set<string> {
  const s = new Set(members);
  if (s.size !== members.length) throw corrupt(`Duplicate ${what} members detected`);
  return s;
}

/**
 * rdbLoadObject: the value of RDB type `type` at the cursor, or null for an empty collection
 * (Redis skips those keys, and RESTORE refuses them). Throws RdbFormatError on corrupt data.
 * Encodings are decided under `L`, the limits of the keyspace the value is loaded into.
 */
export function readRdbObject(
  c: RdbCursor,
  type: number,
  key: string,
  L: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
): Value | null {
  switch (type) {
    case RDB_TYPE_STRING:
      return c.readStringValue();
    case RDB_TYPE_LIST: {
      const n = c.readCount();
      if (n === 0) return null;
      const els: ListElement[] = [];
      for (let i = 0; i < n; i++) els.push(c.readStringValue(ELEMENT_INLINE_MAX));
      return new Denque(els);
    }
    case RDB_TYPE_SET: {
      const n = c.readCount();
      if (n === 0) return null;
      const s = new Set<string>();
      for (let i = 0; i < n; i++) s.add(c.readLatin1());
      if (s.size !== n) throw corrupt("Duplicate set members detected");
      return s;
    }
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: {
      const n = c.readCount();
      if (n === 0) return null;
      const members: string[] = [];
      const scores: number[] = [];
      let maxLen = 0;
      for (let i = 0; i < n; i++) {
        const m = c.readLatin1();
        const s = type === RDB_TYPE_ZSET_2 ? c.readBinaryDouble() : c.readTextDouble();
        if (Number.isNaN(s)) throw corrupt("Zset with NAN score detected");
        members.push(m);
        scores.push(s);
        if (m.length > maxLen) maxLen = m.length;
      }
      const z = new ZSet(n, maxLen, L);
      for (let i = 0; i < n; i++) {
        if (z.dict.has(members[i]!)) throw corrupt("Duplicate zset fields detected");
        z.insert(members[i]!, scores[i]!);
      }
      return z;
    }
    case RDB_TYPE_HASH: {
      const n = c.readCount();
      if (n === 0) return null;
      const m = new Map<string, ListElement>();
      for (let i = 0; i < n; i++) {
        const f = c.readLatin1();
        m.set(f, c.readStringValue(ELEMENT_INLINE_MAX));
      }
      if (m.size !== n) throw corrupt("Duplicate hash fields detected");
      return m;
    }
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: {
      const nodes = c.readCount();
      const els: ListElement[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          container = c.readCount();
          if (
            container !== QUICKLIST_NODE_CONTAINER_PACKED &&
            container !== QUICKLIST_NODE_CONTAINER_PLAIN
          )
            throw corrupt(`Quicklist integrity check failed.`);
        }
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          els.push(c.readStringValue(ELEMENT_INLINE_MAX));
          continue;
        }
        c.readRange();
        if (nodes === 1 && type === RDB_TYPE_LIST_QUICKLIST_2) {
          const packed = packedList(c);
          if (packed !== undefined) return packed;
        }
        // An empty listpack node is skipped silently, as 7.0 does; an empty ziplist too.
        compactElements(c, type === RDB_TYPE_LIST_QUICKLIST, els);
      }
      return els.length === 0 ? null : new Denque(els);
    }
    case RDB_TYPE_LIST_ZIPLIST: {
      c.readRange();
      const els: ListElement[] = [];
      compactElements(c, true, els);
      return els.length === 0 ? null : new Denque(els);
    }
    case RDB_TYPE_SET_INTSET: {
      c.readRange();
      const s = new Set<string>();
      intsetOut = s;
      try {
        readIntset(c.rbuf, c.rs, c.re, addIntMember);
      } catch {
        throw corrupt("Intset integrity check failed.");
      }
      // Ascending and distinct (validated): the last member added is the largest.
      settleLoadedIntset(s, lastIntMember, L);
      return s;
    }
    case RDB_TYPE_SET_LISTPACK: {
      c.readRange();
      const ms = compactStrings(c, false);
      return ms.length === 0 ? null : setFrom(ms, "set");
    }
    case RDB_TYPE_ZSET_ZIPLIST:
      c.readRange();
      return compactZSet(c, true, L);
    case RDB_TYPE_ZSET_LISTPACK: {
      c.readRange();
      return packedZSet(c, L) ?? compactZSet(c, false, L);
    }
    case RDB_TYPE_HASH_ZIPLIST: {
      c.readRange();
      return compactHash(c, true);
    }
    case RDB_TYPE_HASH_LISTPACK: {
      c.readRange();
      const h = packedHash(c) ?? compactHash(c, false);
      if (h !== null) settleLoadedListpackHash(h, L);
      return h;
    }
    case RDB_TYPE_HASH_ZIPMAP: {
      c.readRange();
      const m = new Map<string, ListElement>();
      let n: number;
      try {
        n = readZipmap(c.rbuf, c.rs, c.re, (b, ks, ke, vs, ve) => {
          m.set((b as NodeBuffer).latin1Slice(ks, ke), elementFromBytes(b, vs, ve));
        });
      } catch {
        throw corrupt("Zipmap integrity check failed.");
      }
      if (m.size !== n) throw corrupt("Duplicate hash fields detected");
      return n === 0 ? null : m;
    }
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
      return readStreamObject(c, type);
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2:
      throw new RdbFormatError(
        `Key '${key}' holds a module value: modules are not supported, so the data cannot be loaded`,
      );
    default:
      throw corrupt(`Unknown RDB encoding type ${type}`);
  }
}

// ---- DUMP payloads -----------------------------------------------------------------------------

/**
 * The value in a DUMP payload body (type byte and object, footer excluded), or null when it does
 * not decode (Redis answers "Bad data format"); an empty collection is null too.
 */
export function readDumpBody(body: Buffer, L: Readonly<EncodingLimits>): Value | null {
  const c = new RdbCursor(body);
  try {
    const type = c.u8();
    return readRdbObject(c, type, "", L);
  } catch (e) {
    if (e === NEED || e instanceof RdbFormatError) return null;
    throw e;
  }
}

// ---- Files and streams -------------------------------------------------------------------------

export interface RdbLoadOptions {
  /** Wall clock for "already expired" (default Date.now()). */
  now?: number;
  /** Verify the CRC-64 trailer (rdbchecksum; default true). A zero trailer is never checked. */
  checksum?: boolean;
  /** An AOF's RDB preamble: expired keys are kept, as rdbLoad with RDBFLAGS_AOF_PREAMBLE. */
  aofPreamble?: boolean;
  /** A key already present is replaced (DEBUG RELOAD MERGE) instead of failing the load. */
  replaceDuplicates?: boolean;
}

const MAGIC = Buffer.from("REDIS", "latin1");

/**
 * Loads an RDB stream fed in arbitrary pieces (a file read whole or in chunks, or a full-sync
 * payload as it arrives): `push()` each piece, then `finish()`. Keys expired at `now` are skipped
 * on a master and kept on a replica (ks.deleteExpired false), as rdbLoad does. Keyspace hooks stay
 * silent. A record cut by a piece boundary waits for the bytes it needs (without re-parsing on
 * every piece). On an error the keys loaded so far stay: a caller that must not keep them
 * flushes (Keyspace.loadRdb does; Redis's replica empties the data on a failed load).
 */
export class RdbLoader {
  /** Aux fields read so far (redis-ver, repl-id, repl-offset, aof-base, ...). */
  readonly aux = new Map<string, string>();
  /** Function libraries (FUNCTION2 records' code), not loaded: Shoal has no functions. */
  readonly functions: Buffer[] = [];
  /** RDB version of the stream, once its header was read. */
  version = 0;
  loaded = 0;
  skippedExpired = 0;
  skippedEmpty = 0;
  /** True once EOF and the checksum were read; later bytes are left alone (`trailing`). */
  done = false;
  trailing = 0;

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Bytes needed in buf (from its start) before parsing is worth retrying. */
  private needAt = 0;
  private readonly crc = new Crc64();
  private crcPos = 0;
  private db: Database;
  private expireAt = -1;
  private idle = -1;
  private freq = -1;
  private readonly now: number;
  private readonly checksum: boolean;
  private readonly keepExpired: boolean;
  private readonly replace: boolean;
  private readonly cur = new RdbCursor(this.buf);
  /** The database loadAdd() goes to (beginLoad accepted it), else null: add() per key. */
  private bulkDb: Database | null = null;
  private bulkTried: Database | null = null;
  private readonly loadSeconds: number;

  constructor(
    private readonly ks: Keyspace,
    opts: RdbLoadOptions = {},
  ) {
    this.now = opts.now ?? Date.now();
    this.checksum = opts.checksum ?? true;
    this.keepExpired = (opts.aofPreamble ?? false) || !ks.deleteExpired;
    this.replace = opts.replaceDuplicates ?? false;
    this.db = ks.dbs[0] as Database;
    this.loadSeconds = Math.floor(ks.clock() / 1000);
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.done) {
      this.trailing += chunk.length;
      return;
    }
    const b = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.pending.push(b);
    this.pendingLen += b.length;
    if (this.buf.length - this.pos + this.pendingLen < this.needAt - this.pos) return;
    this.merge();
    this.parse();
  }

  /** Checks the stream reached EOF; returns the number of keys loaded. */
  finish(): number {
    if (!this.done)
      throw new RdbFormatError("Short read or OOM loading DB. Unrecoverable error, aborting now.");
    return this.loaded;
  }

  /** Folds pending pieces into buf, dropping the consumed prefix (CRC'd first). */
  private merge(): void {
    this.crcUpTo(this.pos);
    const rest = this.buf.length - this.pos;
    if (rest === 0 && this.pending.length === 1) this.buf = this.pending[0]!;
    else
      this.buf = Buffer.concat(
        [this.buf.subarray(this.pos), ...this.pending],
        rest + this.pendingLen,
      );
    this.needAt -= this.pos;
    this.pos = 0;
    this.crcPos = 0;
    this.pending = [];
    this.pendingLen = 0;
  }

  private crcUpTo(p: number): void {
    if (this.checksum && p > this.crcPos) this.crc.update(this.buf, this.crcPos, p);
    this.crcPos = p;
  }

  private parse(): void {
    const c = this.cur;
    c.buf = this.buf;
    c.end = this.buf.length;
    const hooks = this.ks.hooks;
    this.ks.hooks = {};
    try {
      if (this.version === 0) {
        c.pos = 0;
        try {
          this.header(c);
        } catch (e) {
          if (e === NEED) {
            this.needAt = NEED.at;
            return;
          }
          throw e;
        }
        this.pos = c.pos;
      }
      while (!this.done) {
        c.pos = this.pos;
        try {
          this.record(c);
        } catch (e) {
          if (e === NEED) {
            this.needAt = NEED.at;
            return;
          }
          throw e;
        }
        this.pos = c.pos;
      }
      this.trailing += this.buf.length - this.pos;
    } finally {
      this.ks.hooks = hooks;
    }
  }

  private header(c: RdbCursor): void {
    c.need(9);
    if (this.buf.compare(MAGIC, 0, 5, 0, 5) !== 0)
      throw new RdbFormatError("Wrong signature trying to load DB from file");
    const v = this.buf.toString("latin1", 5, 9);
    const n = /^\d{4}$/.test(v) ? Number(v) : -1;
    if (n < 1 || n > RDB_READ_VERSION_MAX)
      throw new RdbFormatError(`Can't handle RDB format version ${n < 0 ? v : n}`);
    c.pos = 9;
    this.version = n;
  }

  /** One record: an opcode with its operands, or a key with its value. */
  private record(c: RdbCursor): void {
    const op = c.u8();
    switch (op) {
      case RDB_OPCODE_EXPIRETIME_MS: {
        c.need(8);
        // Before version 9 this was written in host order; every real writer is little endian.
        // Two 32-bit halves instead of a BigInt per key: hi * 2^32 is exact and the one addition
        // rounds as Number(bigint) does.
        this.expireAt = this.buf.readInt32LE(c.pos + 4) * 4294967296 + this.buf.readUInt32LE(c.pos);
        c.pos += 8;
        return;
      }
      case RDB_OPCODE_EXPIRETIME: {
        c.need(4);
        this.expireAt = this.buf.readInt32LE(c.pos) * 1000;
        c.pos += 4;
        return;
      }
      case RDB_OPCODE_IDLE:
        this.idle = c.readCount();
        return;
      case RDB_OPCODE_FREQ:
        this.freq = c.u8();
        return;
      case RDB_OPCODE_SELECTDB: {
        const i = c.readCount();
        const db = this.ks.dbs[i];
        if (db === undefined)
          throw new RdbFormatError(
            `FATAL: Data file was created with a Redis server configured to handle more than ${this.ks.dbs.length} databases. Exiting`,
          );
        this.db = db;
        return;
      }
      case RDB_OPCODE_RESIZEDB:
        c.readCount();
        c.readCount();
        return;
      case RDB_OPCODE_SLOT_INFO:
        c.readCount();
        c.readCount();
        c.readCount();
        return;
      case RDB_OPCODE_AUX: {
        const k = c.readLatin1();
        const v = c.readLatin1();
        this.aux.set(k, v);
        return;
      }
      case RDB_OPCODE_MODULE_AUX:
        throw new RdbFormatError(
          "The RDB file contains AUX module data I can't load: no matching module",
        );
      case RDB_OPCODE_FUNCTION2:
        this.functions.push(c.readBuffer());
        return;
      case RDB_OPCODE_FUNCTION_PRE_GA:
        throw new RdbFormatError("Pre-release function format not supported.");
      case RDB_OPCODE_EOF: {
        if (this.version >= 5) {
          c.need(8);
          const start = c.pos;
          const expected = this.buf.readBigUInt64LE(start);
          c.pos += 8;
          this.crcUpTo(start);
          if (this.checksum && expected !== 0n) {
            const got = this.crc.value();
            if (got !== expected)
              throw new RdbFormatError(
                `Wrong RDB checksum expected: (${expected.toString(16)}) got (${got.toString(16)}). Aborting now.`,
              );
          }
        }
        this.done = true;
        return;
      }
      default:
        this.key(c, op);
    }
  }

  private key(c: RdbCursor, type: number): void {
    const key = c.readLatin1();
    const v = readRdbObject(c, type, key, this.ks.encodingLimits);
    const when = this.expireAt;
    const idle = this.idle;
    const freq = this.freq;
    this.expireAt = -1;
    this.idle = -1;
    this.freq = -1;
    if (v === null) {
      this.skippedEmpty++;
      return;
    }
    if (when !== -1 && when < this.now && !this.keepExpired) {
      this.skippedExpired++;
      return;
    }
    const db = this.db;
    if (db !== this.bulkTried) {
      this.bulkTried = db;
      this.bulkDb = db.beginLoad(this.loadSeconds) ? db : null;
    }
    if (db === this.bulkDb && !this.replace && this.ks.openSnapshots.size === 0) {
      const before = db.dict.size;
      db.loadAdd(key, v, when);
      if (db.dict.size === before)
        throw new RdbFormatError(`RDB has duplicated key '${key}' in DB ${db.index}`);
      if (idle !== -1 || freq !== -1) db.setAccess(key, idle, freq, this.now);
      this.loaded++;
      return;
    }
    if (this.replace) {
      if (db.dict.has(key)) db.delete(key);
      db.add(key, v);
    } else {
      // One hash probe instead of two: a duplicate shows as a dict that did not grow (the load
      // then fails as a whole, so the overwritten value does not matter).
      const before = db.dict.size;
      db.add(key, v);
      if (db.dict.size === before)
        throw new RdbFormatError(`RDB has duplicated key '${key}' in DB ${db.index}`);
    }
    if (when !== -1) db.setExpire(key, when);
    if (idle !== -1 || freq !== -1) db.setAccess(key, idle, freq, this.now);
    this.loaded++;
  }
}

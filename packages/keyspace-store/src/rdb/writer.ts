// Writing values and files in RDB version 10 exactly as Redis 7.0's rdb.c does, for the same data
// and the same encodings:
// - strings through rdbSaveRawString: up to 11 chars that read back as the same int32 become an
//   INT8/16/32 encoding; with rdbcompression, strings over 20 bytes are LZF-compressed when that
//   saves at least 4 bytes; otherwise a length and the bytes.
// - lists as QUICKLIST_2: nodes filled as a list built by RPUSH fills them
//   (_quicklistNodeAllowInsert with list-max-listpack-size), elements from the packed threshold
//   up in PLAIN nodes. A list shaped by other writes may have had other node boundaries in Redis.
// - hashes as a listpack (fields in insertion order, as Redis appends them) or a plain hash;
//   sets as an intset (smallest width) or a plain set; sorted sets as a listpack (member, score
//   as d2string) or ZSET_2 (greatest first, binary doubles). Which one follows objectEncoding(),
//   i.e. Redis's thresholds and its one-way conversions.
// - plain hashes and sets are written in Map/Set order; Redis writes its dict order, which
//   depends on its hash seed, so those are the one place a file cannot equal Redis's byte for byte.
import { formatDouble17g, type NodeBuffer } from "@shoal/resp-codec";
import { crc64 } from "../crc64.js";
import { DEFAULT_ENCODING_LIMITS, type EncodingLimits, objectEncoding } from "../encoding.js";
import { parseInt64Latin1 } from "../string-value.js";
import { PackedHash } from "../types/packed-hash.js";
import { PackedList } from "../types/packed-list.js";
import type { ZSet } from "../types/zset.js";
import {
  type HashValue,
  isHash,
  isList,
  isSet,
  isStream,
  type ListElement,
  type ListValue,
  type SetValue,
  type StreamValue,
  type Value,
} from "../value.js";
import { encodeIntset } from "./compact.js";
import {
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_REDIS_VER,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_VERSION,
} from "./format.js";
import {
  decimalLength,
  ListpackBuilder,
  lpEntrySize,
  lpIntBytes,
  readListpack,
} from "./listpack.js";
import { lzfCompress } from "./lzf.js";
import { strtodBytes } from "./score-text.js";
import { writeStreamObject } from "./stream-rdb.js";

/** The aux fields rdbSaveInfoAuxFields writes; values not given get the defaults noted. */
export interface RdbAuxFields {
  /** redis-ver (default "7.0.15"). */
  redisVer?: string;
  /** ctime, unix seconds (default now). */
  ctime?: number;
  /** used-mem (default process.memoryUsage().rss... the caller's figure; 0 when not given). */
  usedMem?: number;
  /** repl-stream-db, repl-id, repl-offset: written only when replId is given (rsi in Redis). */
  replStreamDb?: number;
  replId?: string;
  replOffset?: number | bigint;
  /** aof-base: 1 in an AOF's RDB preamble (default false). */
  aofBase?: boolean;
}

const INT64_MAX = 2n ** 63n - 1n;
const lp = new ListpackBuilder();
let lzfOut = Buffer.allocUnsafe(1024);
let scratch = Buffer.allocUnsafe(1024);

/**
 * A growable byte sink with rdb.c's primitives. `compression` is rdbcompression; `limits` are
 * the encoding limits of the keyspace written (a list's quicklist nodes follow them). Values and
 * records are appended; `take()` hands out what was written so far.
 */
export class RdbWriter {
  buf: Buffer;
  len = 0;

  constructor(
    public compression = true,
    initial = 64 * 1024,
    public limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
  ) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n + 1024));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  /** The bytes written since the last take() (a copy), and an empty sink. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    return out;
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    this.ensure(n);
    this.buf.set(start === 0 && end === b.length ? b : b.subarray(start, end), this.len);
    this.len += n;
  }

  /** rdbSaveLen. */
  saveLen(n: number): void {
    this.ensure(9);
    const b = this.buf;
    if (n < 1 << 6) b[this.len++] = n;
    else if (n < 1 << 14) {
      b[this.len++] = (n >>> 8) | 0x40;
      b[this.len++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      b[this.len++] = 0x80;
      b.writeUInt32BE(n, this.len);
      this.len += 4;
    } else {
      b[this.len++] = 0x81;
      b.writeBigUInt64BE(BigInt(n), this.len);
      this.len += 8;
    }
  }

  /**
   * rdbSaveMillisecondTime: 8 bytes little endian. A time near LLONG_MAX (PEXPIREAT k
   * 9223372036854775806) is held as the double 2^63, one past int64: it is written as LLONG_MAX.
   */
  saveMillis(ms: number): void {
    this.ensure(8);
    const t = BigInt(ms);
    this.buf.writeBigInt64LE(
      t > INT64_MAX ? INT64_MAX : t < -INT64_MAX - 1n ? -INT64_MAX - 1n : t,
      this.len,
    );
    this.len += 8;
  }

  /** rdbEncodeInteger for a value that fits 32 bits; false otherwise. */
  private encInt(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.ensure(2);
      this.buf[this.len++] = 0xc0;
      this.buf.writeInt8(v, this.len++);
    } else if (v >= -32768 && v <= 32767) {
      this.ensure(3);
      this.buf[this.len++] = 0xc1;
      this.buf.writeInt16LE(v, this.len);
      this.len += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.ensure(5);
      this.buf[this.len++] = 0xc2;
      this.buf.writeInt32LE(v, this.len);
      this.len += 4;
    } else return false;
    return true;
  }

  /** rdbSaveRawString of a latin1 string (keys, members, fields, small string values). */
  stringLatin1(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0) {
      const v = parseInt64Latin1(s);
      if (typeof v === "number" && this.encInt(v)) return;
    }
    if (this.compression && n > 20) {
      if (scratch.length < n) scratch = Buffer.allocUnsafe(n * 2);
      (scratch as NodeBuffer).latin1Write(s, 0);
      if (this.lzf(scratch, 0, n)) return;
      this.saveLen(n);
      this.bytes(scratch, 0, n);
      return;
    }
    this.saveLen(n);
    this.ensure(n);
    (this.buf as NodeBuffer).latin1Write(s, this.len);
    this.len += n;
  }

  /** rdbSaveRawString of a list element or hash value (either shape). */
  stringElement(e: ListElement): void {
    if (typeof e === "string") this.stringLatin1(e);
    else this.stringBytes(e);
  }

  /** rdbSaveRawString of bytes. */
  stringBytes(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    if (n <= 11 && n > 0) {
      const v = parseInt64Latin1((b as NodeBuffer).latin1Slice(start, end));
      if (typeof v === "number" && this.encInt(v)) return;
    }
    if (this.compression && n > 20 && this.lzf(b, start, end)) return;
    this.saveLen(n);
    this.bytes(b, start, end);
  }

  /** rdbSaveLzfStringObject: true when written compressed. */
  private lzf(b: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    if (n <= 4) return false;
    if (lzfOut.length < n) lzfOut = Buffer.allocUnsafe(n * 2);
    const c = lzfCompress(b, start, end, lzfOut, n - 4);
    if (c === 0) return false;
    this.u8(0xc3);
    this.saveLen(c);
    this.saveLen(n);
    this.bytes(lzfOut, 0, c);
    return true;
  }

  /** rdbSaveObjectType + rdbSaveObject. */
  object(v: Value): void {
    const type = rdbObjectType(v, this.limits);
    this.u8(type);
    this.objectBody(v, type);
  }

  /** rdbSaveObject: the value in the encoding `type` (from rdbObjectType). */
  objectBody(v: Value, type: number): void {
    switch (type) {
      case RDB_TYPE_STRING:
        if (typeof v === "string") this.stringLatin1(v);
        else this.stringBytes(v as Buffer);
        return;
      case RDB_TYPE_LIST_QUICKLIST_2:
        this.quicklist(v as ListValue);
        return;
      case RDB_TYPE_HASH_LISTPACK:
        if (v instanceof PackedHash && v.packed !== null) {
          relistpack(v.packed, 0, Number.POSITIVE_INFINITY);
          this.stringBytes(lp.buf, 0, lp.finish());
          return;
        }
        lp.reset();
        for (const [f, val] of v as HashValue) {
          lp.appendLatin1(f);
          if (typeof val === "string") lp.appendLatin1(val);
          else lp.appendBytes(val);
        }
        this.stringBytes(lp.buf, 0, lp.finish());
        return;
      case RDB_TYPE_HASH:
        this.saveLen((v as HashValue).size);
        for (const [f, val] of v as HashValue) {
          this.stringLatin1(f);
          this.stringElement(val);
        }
        return;
      case RDB_TYPE_SET_INTSET: {
        const ints: (number | bigint)[] = [];
        for (const m of v as SetValue) ints.push(parseInt64Latin1(m) as number | bigint);
        ints.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        this.stringBytes(encodeIntset(ints));
        return;
      }
      case RDB_TYPE_SET:
        this.saveLen((v as SetValue).size);
        for (const m of v as SetValue) this.stringLatin1(m);
        return;
      case RDB_TYPE_ZSET_LISTPACK:
        lp.reset();
        if ((v as ZSet).packed !== null) {
          // Kept packed since it was read: re-encoded from the listpack, as the expanded set
          // would be (the reader kept it only in (score, member) order).
          relistpackZSet((v as ZSet).packed as string);
          this.stringBytes(lp.buf, 0, lp.finish());
          return;
        }
        for (let n = (v as ZSet).zsl.first; n !== null; n = n.next) {
          lp.appendLatin1(n.member);
          lp.appendLatin1(d2string(n.score));
        }
        this.stringBytes(lp.buf, 0, lp.finish());
        return;
      case RDB_TYPE_STREAM_LISTPACKS_2:
        writeStreamObject(this, v as StreamValue);
        return;
      default: {
        const z = v as ZSet;
        this.saveLen(z.size);
        for (let n = z.zsl.tail; n !== null; n = n.prev) {
          this.stringLatin1(n.member);
          this.ensure(8);
          this.buf.writeDoubleLE(n.score, this.len);
          this.len += 8;
        }
      }
    }
  }

  /**
   * objectBody in steps, for a collection too big to write between two turns of the event loop
   * (a plain hash, set or sorted set, or a quicklist): it yields after every `every` elements or
   * 64 KiB written, and the caller hands out what was written and lets other work run. The value
   * must not change while the steps are pending: a writer finishes them first (runs the rest at
   * once), which the snapshot walk does (snapshot-walk.ts).
   */
  *objectBodySteps(v: Value, type: number, every: number): Generator<void, void, void> {
    let n = 0;
    let mark = this.len + STEP_BYTES;
    // One step's worth written: the caller's turn (the counters start over when it resumes).
    const due = (): boolean => {
      if (++n < every && this.len < mark) return false;
      n = 0;
      mark = this.len + STEP_BYTES;
      return true;
    };
    switch (type) {
      case RDB_TYPE_LIST_QUICKLIST_2: {
        const els = v as ListValue; // read in place: a copy of 1M elements took 5-20 ms
        const plan = new QuicklistPlan();
        for (let i = 0; i < els.length; i += every) {
          this.planQuicklist(els, plan, i, Math.min(els.length, i + every));
          yield;
        }
        plan.close(els.length);
        const nodes = plan.nodes;
        this.saveLen(nodes.length / 2);
        for (let k = 0; k < nodes.length; k += 2) {
          this.quicklistNode(els, nodes[k]!, nodes[k + 1]!);
          n += nodes[k + 1]! < 0 ? 0 : nodes[k + 1]! - nodes[k]!;
          if (due()) yield;
        }
        return;
      }
      case RDB_TYPE_HASH:
        this.saveLen((v as HashValue).size);
        for (const [f, val] of v as HashValue) {
          this.stringLatin1(f);
          this.stringElement(val);
          if (due()) yield;
        }
        return;
      case RDB_TYPE_SET:
        this.saveLen((v as SetValue).size);
        for (const m of v as SetValue) {
          this.stringLatin1(m);
          if (due()) yield;
        }
        return;
      case RDB_TYPE_ZSET_2: {
        const z = v as ZSet;
        this.saveLen(z.size);
        for (let e = z.zsl.tail; e !== null; e = e.prev) {
          this.stringLatin1(e.member);
          this.ensure(8);
          this.buf.writeDoubleLE(e.score, this.len);
          this.len += 8;
          if (due()) yield;
        }
        return;
      }
      default:
        this.objectBody(v, type); // the compact encodings are small by their limits
    }
  }

  /**
   * A quicklist of `els` as tail pushes build it (quicklistPushTail): a node takes the next
   * element while _quicklistNodeAllowInsert says so; large elements get PLAIN nodes.
   */
  private quicklist(els: ListValue): void {
    if (
      els instanceof PackedList &&
      els.packed !== null &&
      relistpack(els.packed, this.limits.listMaxListpackSize, this.limits.listPackedThreshold)
    ) {
      this.saveLen(1);
      this.saveLen(QUICKLIST_NODE_CONTAINER_PACKED);
      this.stringBytes(lp.buf, 0, lp.finish());
      return;
    }
    const plan = new QuicklistPlan();
    this.planQuicklist(els, plan, 0, els.length);
    plan.close(els.length);
    const nodes = plan.nodes;
    this.saveLen(nodes.length / 2);
    for (let k = 0; k < nodes.length; k += 2) this.quicklistNode(els, nodes[k]!, nodes[k + 1]!);
  }

  /** Node boundaries of els[from, to), continuing `plan` (the elements before `from`). */
  private planQuicklist(els: ListValue, plan: QuicklistPlan, from: number, to: number): void {
    const fill = this.limits.listMaxListpackSize;
    const plainFrom = this.limits.listPackedThreshold;
    const nodes = plan.nodes;
    let { nodeStart, nodeSz, nodeCount } = plan;
    for (let i = from; i < to; i++) {
      const el = els.peekAt(i)!;
      const sz = el.length;
      const entry = typeof el === "string" ? lpEntrySize(el) : lpEntrySizeBytes(el);
      if (sz >= plainFrom) {
        if (nodeStart >= 0) nodes.push(nodeStart, i);
        nodes.push(i, -1);
        nodeStart = -1;
        continue;
      }
      if (nodeStart >= 0 && allowInsert(nodeSz, nodeCount, fill, sz)) {
        nodeSz += entry;
        nodeCount++;
      } else {
        if (nodeStart >= 0) nodes.push(nodeStart, i);
        nodeStart = i;
        nodeSz = 7 + entry;
        nodeCount = 1;
      }
    }
    plan.nodeStart = nodeStart;
    plan.nodeSz = nodeSz;
    plan.nodeCount = nodeCount;
  }

  /** One quicklist node: els[s, e) as a listpack, or els[s] alone as a PLAIN node (e < 0). */
  private quicklistNode(els: ListValue, s: number, e: number): void {
    if (e < 0) {
      this.saveLen(QUICKLIST_NODE_CONTAINER_PLAIN);
      this.stringElement(els.peekAt(s)!);
      return;
    }
    this.saveLen(QUICKLIST_NODE_CONTAINER_PACKED);
    lp.reset();
    for (let i = s; i < e; i++) {
      const el = els.peekAt(i)!;
      if (typeof el === "string") lp.appendLatin1(el);
      else lp.appendBytes(el);
    }
    this.stringBytes(lp.buf, 0, lp.finish());
  }
}

// ---- Values still held as the listpack they were loaded from (types/packed-*.ts) ------------
// Their elements are re-encoded from the listpack into `lp` one by one, as the expanded value's
// would be (appendBytes of its bytes; an integer entry's digits parse back to the same integer),
// so the bytes are exactly those the expanded value gives, without building it. For a list the
// walk also runs planQuicklist's rule, to know whether every element fits one node.
/** The listpack's bytes, written into one reused buffer rather than a Buffer per value. */
let relpBytes = Buffer.allocUnsafeSlow(4096);
/** Writes a packed listpack (latin1) into relpBytes; returns its length. */
function packedBytes(packed: string): number {
  const n = packed.length;
  if (relpBytes.length < n) relpBytes = Buffer.allocUnsafeSlow(Math.max(n, 2 * relpBytes.length));
  (relpBytes as NodeBuffer).latin1Write(packed, 0);
  return n;
}
let relpFill = 0;
let relpPlainFrom = 0;
let relpNodeSz = 0;
let relpCount = 0;
let relpOneNode = true;
function relpNote(sz: number, entry: number): void {
  if (sz >= relpPlainFrom || (relpCount > 0 && !allowInsert(relpNodeSz, relpCount, relpFill, sz)))
    relpOneNode = false;
  relpNodeSz += entry;
  relpCount++;
}
const relpStr = (b: Uint8Array, s: number, e: number): void => {
  const before = lp.len;
  lp.appendBytes(b, s, e);
  relpNote(e - s, lp.len - before);
};
const relpInt = (v: number | bigint): void => {
  const before = lp.len;
  lp.appendInt(v);
  relpNote(decimalLength(v), lp.len - before);
};

/**
 * Re-encodes the listpack `packed` (latin1) into `lp` (finish() it next); true when, under a
 * list's `fill` and `plainFrom`, planQuicklist would put all its elements in one node.
 */
function relistpack(packed: string, fill: number, plainFrom: number): boolean {
  const n = packedBytes(packed);
  lp.reset();
  relpFill = fill;
  relpPlainFrom = plainFrom;
  relpNodeSz = 7;
  relpCount = 0;
  relpOneNode = true;
  readListpack(relpBytes, 0, n, relpStr, relpInt);
  return relpOneNode;
}

// A packed sorted set's listpack re-encoded into `lp`: members as they are, each score as the
// expanded set would write it (d2string of the number; a listpack holds -0 as 0, see ZSet.insert).
let relzScore = false;
const relzStr = (b: Uint8Array, s: number, e: number): void => {
  if (relzScore) {
    const score = strtodBytes(b, s, e);
    lp.appendLatin1(d2string(score === 0 ? 0 : score));
  } else lp.appendBytes(b, s, e);
  relzScore = !relzScore;
};
const relzInt = (v: number | bigint): void => {
  if (relzScore) {
    const score = Number(v);
    lp.appendLatin1(d2string(score === 0 ? 0 : score));
  } else lp.appendInt(v);
  relzScore = !relzScore;
};

function relistpackZSet(packed: string): void {
  const n = packedBytes(packed);
  relzScore = false;
  readListpack(relpBytes, 0, n, relzStr, relzInt);
}

/** Bytes a step of objectBodySteps writes at most, give or take one element. */
const STEP_BYTES = 64 * 1024;

/** Quicklist node boundaries being planned: [start, end) pairs, end < 0 marking a plain node. */
class QuicklistPlan {
  readonly nodes: number[] = [];
  /** The open node: its first element (-1: none), listpack bytes and element count. */
  nodeStart = -1;
  nodeSz = 0;
  nodeCount = 0;

  close(length: number): void {
    if (this.nodeStart >= 0) this.nodes.push(this.nodeStart, length);
    this.nodeStart = -1;
  }
}

/** Elements of a collection written in steps (objectBodySteps), or 0 for the other types. */
export function steppedElements(v: Value, type: number): number {
  switch (type) {
    case RDB_TYPE_LIST_QUICKLIST_2:
      return (v as ListValue).length;
    case RDB_TYPE_HASH:
      return (v as HashValue).size;
    case RDB_TYPE_SET:
      return (v as SetValue).size;
    case RDB_TYPE_ZSET_2:
      return (v as ZSet).size;
    default:
      return 0;
  }
}

/**
 * The RDB type Redis 7.0 saves this value as (rdbSaveObjectType), from its encoding (`limits`
 * judge a hash or set no keyspace judged yet, as objectEncoding).
 */
export function rdbObjectType(
  v: Value,
  limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
): number {
  if (typeof v === "string" || v instanceof Uint8Array) return RDB_TYPE_STRING;
  if (isList(v)) return RDB_TYPE_LIST_QUICKLIST_2;
  if (isHash(v))
    return objectEncoding(v, limits) === "listpack" ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
  if (isSet(v)) return objectEncoding(v, limits) === "intset" ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
  if (isStream(v)) return RDB_TYPE_STREAM_LISTPACKS_2;
  return (v as ZSet).listpack ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
}

/**
 * d2string: an integral score in (-2^52, 2^52) as ll2string prints it, anything else as %.17g
 * (which prints those integers the same way; the integer case is only the fast path).
 */
function d2string(d: number): string {
  return Number.isInteger(d) && d > -4503599627370496 && d < 4503599627370496 && !Object.is(d, -0)
    ? String(d)
    : formatDouble17g(d);
}

const optimizationLevel = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;

/**
 * _quicklistNodeAllowInsert as 7.0.15 has it (quicklistNodeExceedsLimit): the node's listpack
 * bytes plus the element's length plus 8 must stay within the size class of a negative fill; a
 * positive fill caps the count, within the 8 KiB safety limit. Pinned against redis-server.
 */
function allowInsert(nodeSz: number, count: number, fill: number, sz: number): boolean {
  const newSz = nodeSz + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = Math.min(-fill - 1, optimizationLevel.length - 1);
    return newSz <= optimizationLevel[off]!;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count + 1 <= (fill === 0 ? 1 : fill);
}

/** Bytes of a listpack entry for this element. */
function lpEntrySizeBytes(b: Buffer): number {
  const n = b.length;
  if (n > 0 && n <= 20) {
    const v = parseInt64Latin1((b as NodeBuffer).latin1Slice(0, n));
    if (v !== null) return lpIntBytes(v);
  }
  const l = (n < 64 ? 1 : n < 4096 ? 2 : 5) + n;
  return l + (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5);
}

// ---- Files -------------------------------------------------------------------------------------

/** "REDIS0010" and the aux fields (rdbSaveInfoAuxFields). */
export function writeRdbHeader(w: RdbWriter, aux: RdbAuxFields = {}): void {
  w.bytes(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, "0")}`, "latin1"));
  const field = (k: string, v: string) => {
    w.u8(RDB_OPCODE_AUX);
    w.stringLatin1(k);
    w.stringLatin1(v);
  };
  field("redis-ver", aux.redisVer ?? RDB_REDIS_VER);
  field("redis-bits", "64");
  field("ctime", String(aux.ctime ?? Math.floor(Date.now() / 1000)));
  field("used-mem", String(aux.usedMem ?? 0));
  if (aux.replId !== undefined) {
    field("repl-stream-db", String(aux.replStreamDb ?? 0));
    field("repl-id", aux.replId);
    field("repl-offset", String(aux.replOffset ?? 0));
  }
  field("aof-base", aux.aofBase ? "1" : "0");
}

/** SELECTDB and RESIZEDB before a database's keys. */
export function writeRdbSelectDb(w: RdbWriter, db: number, size: number, expires: number): void {
  w.u8(RDB_OPCODE_SELECTDB);
  w.saveLen(db);
  w.u8(RDB_OPCODE_RESIZEDB);
  w.saveLen(size);
  w.saveLen(expires);
}

/** One key (rdbSaveKeyValuePair without LRU/LFU info, as with maxmemory-policy noeviction). */
export function writeRdbKey(w: RdbWriter, key: string, v: Value, expireAt: number): void {
  const type = rdbObjectType(v, w.limits);
  writeRdbKeyHead(w, key, type, expireAt);
  w.objectBody(v, type);
}

/** What comes before a key's value: its expiry (when it has one), type and name. */
export function writeRdbKeyHead(w: RdbWriter, key: string, type: number, expireAt: number): void {
  if (expireAt !== -1) {
    w.u8(RDB_OPCODE_EXPIRETIME_MS);
    w.saveMillis(expireAt);
  }
  w.u8(type);
  w.stringLatin1(key);
}

/** EOF and the checksum trailer (0 when rdbchecksum is off). `crc` covers every earlier byte. */
export function writeRdbEof(w: RdbWriter, crcBefore: bigint | null): void {
  w.u8(RDB_OPCODE_EOF);
  const crc = crcBefore === null ? 0n : crc64(w.buf.subarray(w.len - 1, w.len), crcBefore);
  w.ensure(8);
  w.buf.writeBigUInt64LE(crc, w.len);
  w.len += 8;
}

// ---- DUMP payloads -----------------------------------------------------------------------------

const dumpWriter = new RdbWriter(true, 4096);

/**
 * createDumpPayload: the value in RDB form (type and object), the RDB version as 2 bytes little
 * endian, then the CRC-64 of both, 8 bytes little endian.
 */
export function createDumpPayload(
  v: Value,
  compression = true,
  limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
): Buffer {
  const w = dumpWriter;
  w.compression = compression;
  w.limits = limits;
  w.len = 0;
  w.object(v);
  w.ensure(10);
  w.buf.writeUInt16LE(RDB_VERSION, w.len);
  w.len += 2;
  const crc = crc64(w.buf.subarray(0, w.len));
  w.buf.writeBigUInt64LE(crc, w.len);
  w.len += 8;
  const out = w.take();
  if (w.buf.length > 1 << 20) w.buf = Buffer.allocUnsafe(4096); // do not pin a huge buffer
  return out;
}

/**
 * rdbSavedObjectLen: the bytes rdbSaveObject writes for the value (DEBUG OBJECT's
 * serializedlength), under its keyspace's `limits`.
 */
export function rdbSavedObjectLen(
  v: Value,
  compression = true,
  limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
): number {
  const w = dumpWriter;
  w.compression = compression;
  w.limits = limits;
  w.len = 0;
  w.object(v);
  const n = w.len - 1;
  w.len = 0;
  if (w.buf.length > 1 << 20) w.buf = Buffer.allocUnsafe(4096);
  return n;
}

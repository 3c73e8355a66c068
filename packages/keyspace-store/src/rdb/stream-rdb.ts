// A stream in an RDB file or DUMP payload, as Redis 7.0 writes it (RDB_TYPE_STREAM_LISTPACKS_2,
// rdbSaveObject's stream branch) and reads it back (also RDB_TYPE_STREAM_LISTPACKS from 6.x, and
// RDB_TYPE_STREAM_LISTPACKS_3 from Redis 7.2 / Valkey files, which add a consumer's active time):
//   node count, then per node its 16-byte big-endian master ID and its listpack (master entry
//   "count deleted num-fields field... 0", then each entry "flags ms-delta seq-delta
//   [num-fields field...] value... lp-count", tombstones flagged); length, last ID, first ID,
//   max deleted ID, entries added; groups: name, last ID, entries read, the PEL (raw 16-byte
//   ID, 8-byte little-endian delivery time, delivery count), consumers (name, seen time, their
//   PEL IDs).
// Lengths are rdbSaveLen values that may need all 64 bits (an ID's milliseconds), read and
// written here as bigints.
import {
  type StreamConsumer as Consumer,
  type Counter,
  ENTRIES_READ_INVALID,
  PendingList,
  Stream,
  StreamConsumer,
  StreamGroup,
  type StreamNack,
  StreamNode,
  toCounter,
} from "../types/stream.js";
import { STREAM_ID_MAX, U64_MAX } from "../types/stream-id.js";
import {
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_3,
  RdbFormatError,
} from "./format.js";
import { ListpackBuilder, readListpack } from "./listpack.js";
import type { RdbCursor } from "./reader.js";
import type { RdbWriter } from "./writer.js";

const corrupt = (what: string) => new RdbFormatError(`Bad data format: stream ${what}`);

// ---- Writing ---------------------------------------------------------------------------------

const lp = new ListpackBuilder();

/** rdbSaveLen of a value up to 2^64-1. */
function saveLenBig(w: RdbWriter, n: bigint): void {
  if (n <= 0xffffffffn) {
    w.saveLen(Number(n));
    return;
  }
  const b = Buffer.allocUnsafe(9);
  b[0] = 0x81;
  b.writeBigUInt64BE(n, 1);
  w.bytes(b);
}

function idBytes(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(id >> 64n, 0);
  b.writeBigUInt64BE(id & U64_MAX, 8);
  return b;
}

function millis(w: RdbWriter, ms: number): void {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64LE(BigInt(ms), 0);
  w.bytes(b);
}

/** The listpack Redis holds for this node: "count deleted" and then the node's own bytes. */
function nodeListpack(node: StreamNode): void {
  lp.reset();
  lp.appendInt(node.live);
  lp.appendInt(node.dead);
  const { bytes, elements } = node.encoded();
  lp.appendEncoded(bytes, elements);
}

const byName = <T>(m: Map<string, T>): [string, T][] =>
  [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** rdbSaveObject for a stream (the type byte is the caller's: RDB_TYPE_STREAM_LISTPACKS_2). */
export function writeStreamObject(w: RdbWriter, s: Stream): void {
  w.saveLen(s.nodes.length);
  for (const node of s.nodes) {
    w.stringBytes(idBytes(node.masterId));
    nodeListpack(node);
    w.stringBytes(lp.buf, 0, lp.finish());
  }
  saveLenBig(w, BigInt(s.length));
  for (const id of [s.lastId, s.firstId, s.maxDeletedId]) {
    saveLenBig(w, id >> 64n);
    saveLenBig(w, id & U64_MAX);
  }
  saveLenBig(w, BigInt(s.entriesAdded));
  const groups = s.groups === null ? [] : byName(s.groups);
  w.saveLen(groups.length);
  for (const [name, g] of groups) {
    w.stringLatin1(name);
    saveLenBig(w, g.lastId >> 64n);
    saveLenBig(w, g.lastId & U64_MAX);
    saveLenBig(w, BigInt.asUintN(64, BigInt(g.entriesRead)));
    w.saveLen(g.pel.size);
    for (const [id, nack] of g.pel.range(0n, STREAM_ID_MAX)) {
      w.bytes(idBytes(id));
      millis(w, nack.deliveryTime);
      w.saveLen(nack.deliveryCount);
    }
    const consumers = byName(g.consumers);
    w.saveLen(consumers.length);
    for (const [cname, c] of consumers) {
      w.stringLatin1(cname);
      millis(w, c.seenTime);
      w.saveLen(c.pel.size);
      for (const [id] of c.pel.range(0n, STREAM_ID_MAX)) w.bytes(idBytes(id));
    }
  }
}

// ---- Reading ---------------------------------------------------------------------------------

/** rdbLoadLen as a bigint (all 64 bits). */
function readLenBig(c: RdbCursor): bigint {
  const b = c.u8();
  const t = b >>> 6;
  if (t === 0) return BigInt(b & 0x3f);
  if (t === 1) return BigInt(((b & 0x3f) << 8) | c.u8());
  if (b === 0x80) {
    c.need(4);
    const v = c.buf.readUInt32BE(c.pos);
    c.pos += 4;
    return BigInt(v);
  }
  if (b === 0x81) {
    c.need(8);
    const v = c.buf.readBigUInt64BE(c.pos);
    c.pos += 8;
    return v;
  }
  throw corrupt("length encoding");
}

function readRaw(c: RdbCursor, n: number): Buffer {
  c.need(n);
  const b = c.buf.subarray(c.pos, c.pos + n);
  c.pos += n;
  return b;
}

const idFrom = (b: Uint8Array, at = 0): bigint => {
  const v = Buffer.from(b.buffer, b.byteOffset + at, 16);
  return (v.readBigUInt64BE(0) << 64n) | v.readBigUInt64BE(8);
};

function readMillis(c: RdbCursor): number {
  return Number(readRaw(c, 8).readBigInt64LE(0));
}

/** One node's listpack, rebuilt as a StreamNode (lpValidateIntegrity plus the stream layout). */
function readNode(masterId: bigint, c: RdbCursor): StreamNode {
  c.readRange();
  const els: (string | bigint)[] = [];
  try {
    readListpack(
      c.rbuf,
      c.rs,
      c.re,
      (b, s, e) => els.push(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("latin1")),
      (v) => els.push(BigInt(v)),
    );
  } catch {
    throw corrupt("listpack integrity check failed");
  }
  let i = 0;
  const int = (): bigint => {
    const v = els[i++];
    if (typeof v !== "bigint") throw corrupt("listpack entry is not an integer");
    return v;
  };
  const str = (): string => {
    const v = els[i++];
    if (v === undefined) throw corrupt("listpack ends inside an entry");
    return typeof v === "string" ? v : String(v);
  };
  const live = int();
  const dead = int();
  const nf = Number(int());
  const fields: string[] = [];
  for (let j = 0; j < nf; j++) fields.push(str());
  if (int() !== 0n) throw corrupt("master entry terminator");
  const node = new StreamNode(masterId, fields);
  const mMs = masterId >> 64n;
  const mSeq = masterId & U64_MAX;
  while (i < els.length) {
    const flags = Number(int());
    const ms = BigInt.asUintN(64, mMs + int());
    const seq = BigInt.asUintN(64, mSeq + int());
    const fv: string[] = [];
    if (flags & 2) for (let j = 0; j < nf; j++) fv.push(fields[j] as string, str());
    else {
      const n = Number(int());
      for (let j = 0; j < n * 2; j++) fv.push(str());
    }
    int(); // lp-count
    const id = (ms << 64n) | seq;
    if (node.size > 0 && id <= node.lastId) throw corrupt("entries out of order");
    node.push(id, fv, (flags & 1) !== 0);
  }
  node.seal();
  if (BigInt(node.live) !== live || BigInt(node.dead) !== dead)
    throw corrupt("master entry counts disagree with its entries");
  return node;
}

/**
 * rdbLoadObject of RDB_TYPE_STREAM_LISTPACKS (6.x), _2 (7.0) or _3 (7.2, RDB 11: each consumer's
 * active time follows its seen time; 7.0 keeps one time per consumer, the seen time, so the
 * active time is read and dropped).
 */
export function readStreamObject(c: RdbCursor, type: number): Stream {
  const s = new Stream();
  const nodes = Number(readLenBig(c));
  for (let k = 0; k < nodes; k++) {
    c.readRange();
    if (c.re - c.rs !== 16) throw corrupt("node key is not 16 bytes");
    const masterId = idFrom(c.rbuf, c.rs);
    const node = readNode(masterId, c);
    if (node.live === 0) throw corrupt("empty listpack inside a stream");
    const prev = s.nodes[s.nodes.length - 1];
    if (prev !== undefined && prev.lastId >= masterId) throw corrupt("nodes out of order");
    s.nodes.push(node);
  }
  s.length = Number(readLenBig(c));
  s.lastId = (readLenBig(c) << 64n) | readLenBig(c);
  if (type === RDB_TYPE_STREAM_LISTPACKS) {
    s.firstId = s.edgeId(true) ?? 0n;
    s.entriesAdded = s.length;
  } else {
    s.firstId = (readLenBig(c) << 64n) | readLenBig(c);
    s.maxDeletedId = (readLenBig(c) << 64n) | readLenBig(c);
    s.entriesAdded = toCounter(readLenBig(c));
  }
  const ngroups = Number(readLenBig(c));
  for (let k = 0; k < ngroups; k++) {
    const name = c.readBuffer().toString("latin1");
    const lastId = (readLenBig(c) << 64n) | readLenBig(c);
    let entriesRead: Counter = ENTRIES_READ_INVALID;
    if (type !== RDB_TYPE_STREAM_LISTPACKS) {
      entriesRead = toCounter(BigInt.asIntN(64, readLenBig(c)));
    } else entriesRead = s.estimateDistance(lastId);
    const g = new StreamGroup(lastId, entriesRead);
    if (s.groups === null) s.groups = new Map();
    if (s.groups.has(name)) throw corrupt("duplicated consumer group name");
    s.groups.set(name, g);
    const npel = Number(readLenBig(c));
    const orphans = new PendingList();
    for (let j = 0; j < npel; j++) {
      const id = idFrom(readRaw(c, 16));
      const nack: StreamNack = {
        consumer: null as unknown as Consumer,
        deliveryTime: readMillis(c),
        deliveryCount: Number(readLenBig(c)),
      };
      if (!g.pel.insert(id, nack)) throw corrupt("duplicated global PEL entry");
      orphans.insert(id, nack);
    }
    const nconsumers = Number(readLenBig(c));
    for (let j = 0; j < nconsumers; j++) {
      const cname = c.readBuffer().toString("latin1");
      const con = new StreamConsumer(cname, readMillis(c));
      if (type === RDB_TYPE_STREAM_LISTPACKS_3) readMillis(c);
      g.consumers.set(cname, con);
      const n = Number(readLenBig(c));
      for (let q = 0; q < n; q++) {
        const id = idFrom(readRaw(c, 16));
        const nack = g.pel.get(id);
        if (nack === undefined) throw corrupt("consumer PEL entry not in the group PEL");
        nack.consumer = con;
        con.pel.insert(id, nack);
        orphans.delete(id);
      }
    }
    if (orphans.size !== 0) throw corrupt("group PEL entry without a consumer");
  }
  return s;
}

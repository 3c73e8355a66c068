// The stream type (t_stream.c): entries ordered by ID in a sorted array of nodes, each node the
// counterpart of one listpack of Redis's radix tree. The node boundaries are Redis's own, because
// approximate trimming (MAXLEN ~, MINID ~) removes whole nodes only and its result is visible to
// clients: a node takes entries until it holds stream-node-max-entries of them (deleted ones
// count) or until its listpack would reach stream-node-max-bytes, so each node tracks the byte
// size its listpack would have (listpackBytes below: master entry, delta-encoded IDs, fields
// omitted when they equal the master entry's). Deleted entries stay in their node flagged, as
// Redis's tombstones do, until the node holds no live entry and is dropped.
// Field and value bytes are latin1 strings; an entry whose fields equal its node's master fields
// shares the master's field strings.
import type { NodeBuffer, ReplyWriter } from "@shoal/resp-codec";
import type { EncodingLimits } from "../encoding.js";
import { ListpackBuilder, LP_HDR_SIZE, lpIntBytes } from "../rdb/listpack.js";
import { formatStreamId, STREAM_ID_MAX, U64_MAX } from "./stream-id.js";

/** stream-node-max-bytes and stream-node-max-entries (the keyspace's EncodingLimits). */
export type StreamNodeLimits = Pick<EncodingLimits, "streamNodeMaxBytes" | "streamNodeMaxEntries">;

/** STREAM_LISTPACK_MAX_SIZE: the cap on stream-node-max-bytes. */
const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

// ---- Reading listpack elements (listpack.c lpGet, lpSkip) --------------------------------------

/** Where the element read last ended (after its backlen). */
let at = 0;

const backlenSize = (l: number): number =>
  l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;

/** The integer element at p (or a string element's length, negated minus one), sets `at`. */
function lpInt(b: Buffer, p: number): number | bigint {
  const c = b[p] as number;
  let v: number | bigint;
  let n: number;
  if (c < 0x80) {
    at = p + 2;
    return c;
  }
  if (c >= 0xc0 && c < 0xe0) {
    v = ((c & 0x1f) << 8) | (b[p + 1] as number);
    if (v >= 1 << 12) v -= 1 << 13;
    at = p + 3;
    return v;
  }
  // By hand: Buffer's readIntLE family checks its arguments on every call.
  if (c === 0xf1) {
    v = (((b[p + 1] as number) | ((b[p + 2] as number) << 8)) << 16) >> 16;
    n = 3;
  } else if (c === 0xf2) {
    v =
      (((b[p + 1] as number) | ((b[p + 2] as number) << 8) | ((b[p + 3] as number) << 16)) << 8) >>
      8;
    n = 4;
  } else if (c === 0xf3) {
    v =
      (b[p + 1] as number) |
      ((b[p + 2] as number) << 8) |
      ((b[p + 3] as number) << 16) |
      ((b[p + 4] as number) << 24);
    n = 5;
  } else if (c === 0xf4) {
    const w = b.readBigInt64LE(p + 1);
    v = w >= -9007199254740991n && w <= 9007199254740991n ? Number(w) : w;
    n = 9;
  } else throw new Error("stream listpack: integer expected");
  at = p + n + 1;
  return v;
}

/** Start and length of a string element's bytes at p, or -1 for an integer element. */
function lpStrHeader(b: Buffer, p: number): number {
  const c = b[p] as number;
  let n: number;
  let h: number;
  if (c >= 0x80 && c < 0xc0) {
    n = c & 0x3f;
    h = 1;
  } else if (c >= 0xe0 && c < 0xf0) {
    n = ((c & 0x0f) << 8) | (b[p + 1] as number);
    h = 2;
  } else if (c === 0xf0) {
    n = b.readUInt32LE(p + 1);
    h = 5;
  } else return -1;
  at = p + h + n + backlenSize(h + n);
  strStart = p + h;
  return n;
}
let strStart = 0;

/** The element at p as the string Redis replies with (integers in decimal); sets `at`. */
function lpString(b: Buffer, p: number): string {
  const n = lpStrHeader(b, p);
  if (n < 0) return String(lpInt(b, p));
  return (b as NodeBuffer).latin1Slice(strStart, strStart + n);
}

/** Room for an ID's or an integer's digits, written by putDigits and replied with bulkSlice. */
const DIGITS_END = 48;
const digits = Buffer.allocUnsafe(DIGITS_END);

/**
 * Writes the decimal digits of the safe integer n >= 0 into `digits` so that they end at `end`
 * (right to left, so no pass to count them first); where they start.
 */
function putDigits(end: number, n: number): number {
  let q = end;
  while (n >= 10) {
    const m = Math.floor(n / 10);
    digits[--q] = 48 + (n - m * 10);
    n = m;
  }
  digits[--q] = 48 + n;
  return q;
}

/** Replies the element at p as a bulk (an integer element in decimal); the position after it. */
function lpReply(b: Buffer, p: number, reply: ReplyWriter): number {
  const n = lpStrHeader(b, p);
  if (n >= 0) {
    reply.bulkSlice(b, strStart, strStart + n);
    return at;
  }
  const v = lpInt(b, p);
  const next = at;
  if (typeof v === "bigint") reply.bulkLatin1(String(v));
  else if (v < 0) {
    const q = putDigits(DIGITS_END, -v) - 1;
    digits[q] = 45;
    reply.bulkSlice(digits, q, DIGITS_END);
  } else reply.bulkSlice(digits, putDigits(DIGITS_END, v), DIGITS_END);
  return next;
}

/** The start of the element that ends at p (lpPrev: its backlen, read backwards). */
function lpPrev(b: Buffer, p: number): number {
  let q = p - 1;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const c = b[q] as number;
    len += (c & 127) * 2 ** shift;
    if ((c & 128) === 0) break;
    q--;
  }
  return q - len;
}

/** The position after the element at p. */
function lpSkip(b: Buffer, p: number): number {
  if (lpStrHeader(b, p) < 0) lpInt(b, p);
  return at;
}

/** A 64-bit difference as lpAppendInteger receives it (uint64 arithmetic cast to int64). */
function delta(a: bigint, b: bigint): number | bigint {
  const d = BigInt.asIntN(64, a - b);
  return d >= -9007199254740991n && d <= 9007199254740991n ? Number(d) : d;
}

/** IDs whose halves are both below 2^53 decode to exact numbers (the fast path). */
const EXACT = 1n << 53n;
const isExact = (id: bigint): boolean => id >> 64n < EXACT && (id & U64_MAX) < EXACT;

// The entry StreamNode.head() decoded last (module state rather than per-node fields: one
// stream command runs at a time, and a node is only walked inside one call).
let hFlags = 0;
let hMs = 0;
let hSeq = 0;
let hId = 0n;
/** Where the decoded entry's fields (or values) start. */
let hBody = 0;
/** headId()'s last milliseconds, as a number and shifted into a 128-bit ID. */
let idMs = 0;
let idMsHigh = 0n;

/** Entries between two offsets a node indexes (see StreamNode.idx). */
const SEEK_STRIDE = 8;

/** STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS. */
const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

/**
 * An ID to compare entries with: the bigint, and its halves as numbers (rounded above 2^53,
 * which still orders them correctly against an exact node's IDs, all below 2^53).
 */
export interface IdBound {
  id: bigint;
  ms: number;
  seq: number;
}
const bound = (id: bigint): IdBound => ({
  id,
  ms: Number(id >> 64n),
  seq: Number(id & U64_MAX),
});

// ---- Nodes -------------------------------------------------------------------------------------

/**
 * One listpack of Redis's radix tree, as its bytes: `lp` holds, after its (unused) header room,
 * the master entry's "num-fields field... 0" and then each entry "flags ms-delta seq-delta
 * [num-fields field...] value... lp-count", element for element as streamAppendItem lays them
 * out; only the master entry's leading "count deleted" are kept as numbers (they change on
 * every XDEL, and their encoded size with them). Entries are found by walking the elements.
 */
export class StreamNode {
  /** The ID of the node's first entry: its rax key and the base of the delta-encoded IDs. */
  readonly masterId: bigint;
  readonly masterFields: string[];
  /** Entries, deleted ones included. */
  size = 0;
  /** Entries not deleted (the master entry's "count"). */
  live = 0;
  /** The master entry's "deleted". */
  dead = 0;
  /** The ID of the last entry (deleted or not). */
  lastId: bigint;
  /**
   * False once an entry came in at or below the last one: XSETID may move a stream's last ID
   * back below deleted entries (never below a live one), and Redis then appends out of order to
   * the same listpack, its iterator scanning every entry (a tombstone never ends a range). Live
   * entries stay in ID order; only tombstones are out of place. seek() then walks from the first
   * entry instead of bisecting, and the walks skip tombstones before testing the range's end.
   */
  ordered = true;
  private readonly lp: ListpackBuilder;
  /** Offset of the first entry (after the master entry). */
  private readonly first: number;
  /** Whether every ID in the node is isExact (entries then decode to numbers, no bigints). */
  private exact: boolean;
  private readonly mMs: number;
  private readonly mSeq: number;
  // The offset of every SEEK_STRIDE-th entry: seek() bisects these and then walks at most a
  // stride, instead of walking the node from its first entry (offsets never move: entries are
  // only appended, or flagged deleted in place).
  private idx: number[] = [];

  constructor(masterId: bigint, fields: string[]) {
    this.masterId = masterId;
    this.lastId = masterId;
    this.masterFields = fields;
    this.exact = isExact(masterId);
    this.mMs = Number(masterId >> 64n);
    this.mSeq = Number(masterId & U64_MAX);
    this.lp = new ListpackBuilder(64 + fields.length * 8);
    this.lp.appendInt(fields.length);
    for (const f of fields) this.lp.appendLatin1(f);
    this.lp.appendInt(0);
    this.first = this.lp.len;
  }

  /** lpBytes() of the listpack this node stands for. */
  get bytes(): number {
    return this.lp.len + lpIntBytes(this.live) + lpIntBytes(this.dead) + 1;
  }

  /** Bytes held in memory for the entries (the buffer, spare capacity included). */
  get heapBytes(): number {
    return this.lp.buf.length;
  }

  /** The listpack's elements after "count deleted", and how many there are (for RDB). */
  encoded(): { bytes: Buffer; elements: number } {
    return { bytes: this.lp.buf.subarray(LP_HDR_SIZE, this.lp.len), elements: this.lp.count };
  }

  /** True when `fv`'s fields are the master entry's (STREAM_ITEM_FLAG_SAMEFIELDS). */
  private sameFields(fv: readonly string[]): boolean {
    const m = this.masterFields;
    if (fv.length !== m.length * 2) return false;
    for (let i = 0; i < m.length; i++) if (fv[i * 2] !== m[i]) return false;
    return true;
  }

  /** streamAppendItem's part: appends entry `id` (greater than lastId), deleted when `deleted`. */
  push(id: bigint, fv: readonly string[], deleted = false): void {
    const lp = this.lp;
    const same = this.sameFields(fv);
    const n = fv.length / 2;
    const ms = id >> 64n;
    const seq = id & U64_MAX;
    let dMs: number | bigint;
    let dSeq: number | bigint;
    if (this.exact && ms < EXACT && seq < EXACT) {
      // Both IDs' halves are exact numbers: their differences are too, without bigint work.
      dMs = Number(ms) - this.mMs;
      dSeq = Number(seq) - this.mSeq;
    } else {
      this.exact = false;
      dMs = delta(ms, this.masterId >> 64n);
      dSeq = delta(seq, this.masterId & U64_MAX);
    }
    if (this.size > 0 && id <= this.lastId) this.ordered = false;
    if (this.size % SEEK_STRIDE === 0) this.idx.push(lp.len);
    lp.appendInt((same ? FLAG_SAMEFIELDS : 0) | (deleted ? FLAG_DELETED : 0));
    lp.appendInt(dMs);
    lp.appendInt(dSeq);
    if (same) {
      for (let i = 1; i < fv.length; i += 2) lp.appendLatin1(fv[i] as string);
      lp.appendInt(n + 3);
    } else {
      lp.appendInt(n);
      for (const s of fv) lp.appendLatin1(s);
      lp.appendInt(n * 2 + 4);
    }
    this.size++;
    this.lastId = id;
    if (deleted) this.dead++;
    else this.live++;
  }

  /** Gives back the spare capacity once no entry will be appended. */
  seal(): void {
    this.lp.compact();
    this.idx = this.idx.slice();
  }

  /** The offset of the first entry, and the end of the entries. */
  get start(): number {
    return this.first;
  }
  get end(): number {
    return this.lp.len;
  }

  private head(p: number): void {
    const b = this.lp.buf;
    hFlags = b[p] as number;
    const dms = lpInt(b, p + 2);
    const dseq = lpInt(b, at);
    hBody = at;
    if (this.exact) {
      hMs = this.mMs + (dms as number);
      hSeq = this.mSeq + (dseq as number);
    } else {
      const m = this.masterId;
      hId =
        (BigInt.asUintN(64, (m >> 64n) + BigInt(dms)) << 64n) |
        BigInt.asUintN(64, (m & U64_MAX) + BigInt(dseq));
    }
  }

  /** The decoded entry's ID against `t`: negative, zero or positive. */
  private cmp(t: IdBound): number {
    if (this.exact) return hMs !== t.ms ? hMs - t.ms : hSeq - t.seq;
    return hId < t.id ? -1 : hId > t.id ? 1 : 0;
  }

  private headId(): bigint {
    if (!this.exact) return hId;
    // Entries of a node mostly share a few milliseconds: keep the last one's shifted bigint.
    if (hMs !== idMs) {
      idMs = hMs;
      idMsHigh = BigInt(hMs) << 64n;
    }
    return idMsHigh | BigInt(hSeq);
  }

  /** The offset after the decoded entry. */
  private skipBody(): number {
    const b = this.lp.buf;
    let p = hBody;
    let n = this.masterFields.length;
    if ((hFlags & FLAG_SAMEFIELDS) === 0) {
      n = lpInt(b, p) as number;
      p = at;
      n *= 2;
    }
    for (let i = 0; i < n; i++) p = lpSkip(b, p);
    return lpSkip(b, p);
  }

  /** The decoded entry's field-value list (fresh strings); `at` ends after the entry. */
  private body(): string[] {
    const b = this.lp.buf;
    let p = hBody;
    const fv: string[] = [];
    if (hFlags & FLAG_SAMEFIELDS) {
      for (const f of this.masterFields) {
        fv.push(f, lpString(b, p));
        p = at;
      }
    } else {
      const n = (lpInt(b, p) as number) * 2;
      p = at;
      for (let i = 0; i < n; i++) {
        fv.push(lpString(b, p));
        p = at;
      }
    }
    lpSkip(b, p);
    return fv;
  }

  /** Offset of the first entry with ID >= t, or > t when `after` (end when none). */
  seek(t: IdBound, after = false): number {
    let p = this.first;
    const end = this.lp.len;
    // An entry is "before" t when its cmp(t) < edge: below t, or with `after` not above it.
    const edge = after ? 1 : 0;
    if (after ? t.id < this.masterId : t.id <= this.masterId) return p;
    if (after ? t.id >= this.lastId : t.id > this.lastId) return end;
    if (!this.ordered) {
      // A tombstone may sit above entries that follow it: a backward walk starts at the end and
      // skips what is past its bound; a forward one starts at the first entry >= t.
      if (after) return end;
      while (p < end) {
        this.head(p);
        if (this.cmp(t) >= 0) return p;
        p = this.skipBody();
      }
      return end;
    }
    // The last indexed entry before t (the first entry, the master ID, is).
    const idx = this.idx;
    let lo = 0;
    let hi = idx.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      this.head(idx[mid] as number);
      if (this.cmp(t) < edge) lo = mid;
      else hi = mid;
    }
    p = idx[lo] as number;
    while (p < end) {
      this.head(p);
      if (this.cmp(t) >= edge) return p;
      p = this.skipBody();
    }
    return end;
  }

  /**
   * Walks entries from offset p (an entry's start) while their ID <= `last`, calling `visit`
   * with each live one's offset until it returns false. True when the walk stopped before the
   * node's end (past `last`, or `visit` said so). `first` matters only in a node out of order.
   */
  forward(p: number, last: IdBound, visit: StreamVisitor, first: IdBound): boolean {
    const end = this.lp.len;
    while (p < end) {
      this.head(p);
      const deleted = (hFlags & FLAG_DELETED) !== 0;
      if (this.ordered) {
        if (this.cmp(last) > 0) return true;
      } else if (!deleted) {
        // Redis's iterator tests a tombstone against nothing: a live entry below the range (it
        // followed a bigger tombstone) is passed over, and only a live one past it ends it.
        if (this.cmp(last) > 0) return true;
        if (this.cmp(first) < 0) {
          p = this.skipBody();
          continue;
        }
      }
      const next = this.skipBody();
      if (!deleted && !visit(this, p)) return true;
      p = next;
    }
    return false;
  }

  /** The offset of the entry after the one at p. */
  next(p: number): number {
    this.head(p);
    return this.skipBody();
  }

  /**
   * The offset of the entry before the one at p (p may be `end`), or -1 before the first: the
   * entry's last element, lp-count, says how many elements precede it in the entry, and each
   * element's backlen leads to its start, as Redis's streamIteratorGetID walks backwards.
   */
  prev(p: number): number {
    if (p <= this.first) return -1;
    const b = this.lp.buf;
    let e = lpPrev(b, p);
    const n = lpInt(b, e) as number;
    for (let i = 0; i < n; i++) e = lpPrev(b, e);
    return e;
  }

  /**
   * Walks entries backwards from the one before p while their ID >= `first`, calling `visit`
   * with each live one's offset until it returns false. True when the walk stopped before the
   * node's start.
   */
  backward(p: number, first: IdBound, visit: StreamVisitor, last: IdBound): boolean {
    for (p = this.prev(p); p >= 0; p = this.prev(p)) {
      this.head(p);
      const deleted = (hFlags & FLAG_DELETED) !== 0;
      if (!this.ordered) {
        // Walking from the end (seek): skip what is past the range, tombstones whatever they are.
        if (deleted || this.cmp(last) > 0) continue;
      }
      if (this.cmp(first) < 0) return true;
      if (!deleted && !visit(this, p)) return true;
    }
    return false;
  }

  /** Offsets of every entry, in order. */
  offsets(): number[] {
    const out: number[] = [];
    for (let p = this.first; p < this.lp.len; p = this.skipBody()) {
      out.push(p);
      this.head(p);
    }
    return out;
  }

  /** The ID of the entry at p. */
  idAt(p: number): bigint {
    this.head(p);
    return this.headId();
  }

  /** The field-value list of the entry at p (fresh strings). */
  fieldsAt(p: number): string[] {
    this.head(p);
    return this.body();
  }

  /**
   * Replies the entry at p as streamReplyWithRange does, [id, [field, value, ...]], from the
   * node's bytes: no ID bigint, no strings for the values.
   */
  replyEntry(p: number, reply: ReplyWriter): void {
    this.head(p);
    reply.array(2);
    if (this.exact) {
      const dash = putDigits(DIGITS_END, hSeq) - 1;
      digits[dash] = 45;
      reply.bulkSlice(digits, putDigits(dash, hMs), DIGITS_END);
    } else reply.bulkLatin1(formatStreamId(hId));
    const b = this.lp.buf;
    let p2 = hBody;
    if (hFlags & FLAG_SAMEFIELDS) {
      const m = this.masterFields;
      reply.array(m.length * 2);
      for (const f of m) {
        reply.bulkLatin1(f);
        p2 = lpReply(b, p2, reply);
      }
    } else {
      const n = (lpInt(b, p2) as number) * 2;
      p2 = at;
      reply.array(n);
      for (let i = 0; i < n; i++) p2 = lpReply(b, p2, reply);
    }
  }

  /** The entry at p: its ID, whether deleted, its fields (when `withFields`). */
  entryAt(p: number, withFields: boolean): { id: bigint; deleted: boolean; fv: string[] | null } {
    this.head(p);
    return {
      id: this.headId(),
      deleted: (hFlags & FLAG_DELETED) !== 0,
      fv: withFields ? this.body() : null,
    };
  }

  /** The offset after the entry at p. */
  after(p: number): number {
    this.head(p);
    return this.skipBody();
  }

  /** A copy with its own bytes (COPY). */
  clone(): StreamNode {
    const n = new StreamNode(this.masterId, this.masterFields);
    const { bytes, elements } = this.encoded();
    n.lp.len = LP_HDR_SIZE;
    n.lp.count = 0;
    n.lp.appendEncoded(bytes, elements);
    n.lp.compact();
    n.size = this.size;
    n.live = this.live;
    n.dead = this.dead;
    n.lastId = this.lastId;
    n.ordered = this.ordered;
    n.exact = this.exact;
    n.idx = this.idx.slice();
    return n;
  }

  /** Marks the entry at p deleted (its flags element is one byte); false when it already was. */
  markDeleted(p: number): boolean {
    const b = this.lp.buf;
    if ((b[p] as number) & FLAG_DELETED) return false;
    b[p] = (b[p] as number) | FLAG_DELETED;
    this.live--;
    this.dead++;
    return true;
  }
}

/** What a walk calls for each live entry: its node and offset; false stops the walk. */
export type StreamVisitor = (node: StreamNode, p: number) => boolean;

// ---- Consumer groups (t_stream.c streamCG, streamConsumer, streamNACK) -------------------------

/** A pending entry: delivered to `consumer`, not acknowledged yet (streamNACK). */
export interface StreamNack {
  consumer: StreamConsumer;
  deliveryTime: number;
  deliveryCount: number;
}

/**
 * A pending entries list: NACKs by ID, iterated in ID order as Redis's rax is. New deliveries
 * almost always carry the greatest ID so far, so the sorted ID array mostly grows at its end.
 */
export class PendingList {
  private readonly ids: bigint[] = [];
  private readonly map = new Map<bigint, StreamNack>();

  get size(): number {
    return this.ids.length;
  }
  get(id: bigint): StreamNack | undefined {
    return this.map.get(id);
  }
  private lowerBound(id: bigint): number {
    const ids = this.ids;
    if (ids.length === 0 || (ids[ids.length - 1] as bigint) < id) return ids.length;
    return lowerBoundOf(ids, id);
  }
  /** raxTryInsert: false when `id` is already there. */
  insert(id: bigint, nack: StreamNack): boolean {
    if (this.map.has(id)) return false;
    this.map.set(id, nack);
    const at = this.lowerBound(id);
    if (at === this.ids.length) this.ids.push(id);
    else this.ids.splice(at, 0, id);
    return true;
  }
  delete(id: bigint): boolean {
    if (!this.map.delete(id)) return false;
    this.ids.splice(this.lowerBound(id), 1);
    return true;
  }
  /** IDs in [start, end], ascending. */
  *range(start: bigint, end: bigint): Generator<[bigint, StreamNack]> {
    for (let i = this.lowerBound(start); i < this.ids.length; i++) {
      const id = this.ids[i] as bigint;
      if (id > end) return;
      const n = this.map.get(id);
      if (n !== undefined) yield [id, n];
    }
  }
  first(): bigint | undefined {
    return this.ids[0];
  }
  last(): bigint | undefined {
    return this.ids[this.ids.length - 1];
  }
}

export class StreamConsumer {
  /** Last time the consumer was seen (read, claimed, created). */
  seenTime: number;
  /** Its own pending entries (the same objects as in the group's PEL). */
  readonly pel = new PendingList();
  constructor(
    readonly name: string,
    now: number,
  ) {
    this.seenTime = now;
  }
}

/** SCG_INVALID_ENTRIES_READ: a group's read counter that is not known. */
export const ENTRIES_READ_INVALID = -1;

/**
 * A 64-bit counter of Redis's (entries_added, entries_read): a number, or a bigint once past
 * 2^53, where only ENTRIESADDED, ENTRIESREAD or an RDB file take one (a double would round
 * ENTRIESREAD 9223372036854775806 to 2^63). Kept as a number whenever one holds it exactly.
 */
export type Counter = number | bigint;

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toCounter(n: number | bigint): Counter {
  if (typeof n === "number") return n;
  return n >= -SAFE && n <= SAFE ? Number(n) : n;
}

export function counterAdd(a: Counter, b: number): Counter {
  if (typeof a === "number") {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  return toCounter(BigInt(a) + BigInt(b));
}

export function counterSub(a: Counter, b: Counter): Counter {
  if (typeof a === "number" && typeof b === "number") {
    const d = a - b;
    if (Number.isSafeInteger(d)) return d;
  }
  return toCounter(BigInt(a) - BigInt(b));
}

/** As Redis replies with it: a long long (an entries_added past 2^63 - 1 wraps negative). */
export function counterReply(c: Counter): Counter {
  return typeof c === "bigint" ? BigInt.asIntN(64, c) : c;
}

export class StreamGroup {
  lastId: bigint;
  /** entries_read: how many entries the group has read, or ENTRIES_READ_INVALID. */
  entriesRead: Counter;
  /** Every pending entry of the group. */
  readonly pel = new PendingList();
  /** Consumers by name; replies list them sorted by name, as Redis's rax holds them. */
  readonly consumers = new Map<string, StreamConsumer>();
  constructor(lastId: bigint, entriesRead: Counter) {
    this.lastId = lastId;
    this.entriesRead = entriesRead;
  }
}

// ---- The stream --------------------------------------------------------------------------------

export class Stream {
  readonly nodes: StreamNode[] = [];
  /** Live entries. */
  length = 0;
  /** The last ID ever added (or set by XSETID), even when that entry is gone. */
  lastId = 0n;
  /** The first live entry's ID, 0-0 when empty. */
  firstId = 0n;
  /** max_deleted_entry_id: the greatest ID XDEL removed. */
  maxDeletedId = 0n;
  /** entries_added: every entry ever added. */
  entriesAdded: Counter = 0;
  /** Consumer groups by name (Redis keeps them in a rax: replies list them sorted). */
  groups: Map<string, StreamGroup> | null = null;

  /**
   * streamAppendItem after the ID was chosen and checked: `fv` is field, value, ...,
   * `totelelen` the sum of their lengths.
   */
  append(id: bigint, fv: readonly string[], limits: Readonly<StreamNodeLimits>): void {
    let totelelen = 0;
    for (const s of fv) totelelen += s.length;
    let tail = this.nodes[this.nodes.length - 1];
    if (tail !== undefined) {
      let maxBytes = limits.streamNodeMaxBytes;
      if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE)
        maxBytes = STREAM_LISTPACK_MAX_SIZE;
      let full = tail.bytes + totelelen >= maxBytes;
      if (!full && limits.streamNodeMaxEntries && tail.size >= limits.streamNodeMaxEntries)
        full = true;
      if (full) {
        tail.seal();
        tail = undefined;
      }
    }
    if (tail === undefined) {
      const fields: string[] = [];
      for (let i = 0; i < fv.length; i += 2) fields.push(fv[i] as string);
      tail = new StreamNode(id, fields);
      this.nodes.push(tail);
    }
    tail.push(id, fv);
    if (this.length === 0) this.firstId = id;
    this.length++;
    this.entriesAdded = counterAdd(this.entriesAdded, 1);
    this.lastId = id;
  }

  /** Index of the node that would hold `id` (the last node whose master ID <= id), or 0. */
  private nodeFor(id: bigint): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((nodes[mid] as StreamNode).masterId <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : lo - 1;
  }

  /** The node holding entry `id` (deleted or not) and the entry's offset, or null. */
  private find(id: bigint): { at: number; node: StreamNode; p: number } | null {
    const k = this.nodeFor(id);
    const node = this.nodes[k];
    if (node === undefined) return null;
    const p = node.seek(bound(id));
    if (p === node.end) return null;
    let e = node.entryAt(p, false);
    if (!node.ordered) {
      // Tombstones out of place, one perhaps with this very ID before the live entry: the live
      // one if there is one, else the first with the ID.
      let found = -1;
      for (let q = p; q < node.end; q = node.next(q)) {
        e = node.entryAt(q, false);
        if (e.id !== id) continue;
        if (found < 0) found = q;
        if (!e.deleted) {
          found = q;
          break;
        }
      }
      return found < 0 ? null : { at: k, node, p: found };
    }
    if (e.id !== id) return null;
    return { at: k, node, p };
  }

  /** The node and offset of live entry `id` (valid until the stream is next written), or null. */
  locate(id: bigint): { node: StreamNode; p: number } | null {
    const f = this.find(id);
    return f === null || f.node.entryAt(f.p, false).deleted ? null : f;
  }

  /** The live entry `id`'s field-value list, or undefined. */
  get(id: bigint): string[] | undefined {
    const e = this.locate(id);
    return e === null ? undefined : e.node.fieldsAt(e.p);
  }

  /** Whether live entry `id` exists. */
  has(id: bigint): boolean {
    return this.locate(id) !== null;
  }

  /**
   * streamDeleteItem: removes live entry `id` (dropping its node when it was the last live one),
   * and moves the first ID on as XDEL does.
   */
  delete(id: bigint): boolean {
    const f = this.find(id);
    if (f === null || f.node.entryAt(f.p, false).deleted) return false;
    if (f.node.live === 1) this.nodes.splice(f.at, 1);
    else f.node.markDeleted(f.p);
    this.length--;
    if (this.length === 0) this.firstId = 0n;
    else if (id === this.firstId) this.firstId = this.edgeId(true) as bigint;
    return true;
  }

  /**
   * Calls `visit` with the node and offset of live entries with start <= ID <= end, ascending
   * (or descending with `rev`), until it returns false or `count` entries (0 = no limit) were
   * visited. The offsets stay valid until the stream is next written.
   */
  walk(start: bigint, end: bigint, rev: boolean, count: number, visit: StreamVisitor): number {
    let n = 0;
    if (start > end || this.length === 0) return 0;
    const nodes = this.nodes;
    const counted = (node: StreamNode, p: number): boolean => {
      n++;
      if (!visit(node, p)) return false;
      return count === 0 || n < count;
    };
    const first = bound(start);
    const last = bound(end);
    if (!rev) {
      for (let k = this.nodeFor(start); k < nodes.length; k++) {
        const node = nodes[k] as StreamNode;
        if (node.masterId > end) break;
        if (node.forward(node.seek(first), last, counted, first)) break;
      }
    } else {
      for (let k = this.nodeFor(end); k >= 0; k--) {
        const node = nodes[k] as StreamNode;
        if (node.backward(node.seek(last, true), first, counted, last)) break;
      }
    }
    return n;
  }

  /** walk() with each entry's ID and field-value list (fresh strings). */
  range(
    start: bigint,
    end: bigint,
    rev: boolean,
    count: number,
    fn: (id: bigint, fv: string[]) => unknown,
  ): number {
    return this.walk(
      start,
      end,
      rev,
      count,
      (node, p) => fn(node.idAt(p), node.fieldsAt(p)) !== false,
    );
  }

  /** streamGetEdgeID(first, skip tombstones): the first (or last) live ID, or undefined. */
  edgeId(first: boolean): bigint | undefined {
    let out: bigint | undefined;
    this.walk(0n, STREAM_ID_MAX, !first, 1, (node, p) => {
      out = node.idAt(p);
      return false;
    });
    return out;
  }

  /**
   * streamTrim: MAXLEN (`maxlen` >= 0) or MINID (`minid`), `approx` removing whole nodes only,
   * `limit` (0 = none) bounding the entries removed. Returns how many were removed.
   */
  trim(maxlen: number | null, minid: bigint, approx: boolean, limit: number): number {
    let deleted = 0;
    const nodes = this.nodes;
    while (nodes.length > 0) {
      if (maxlen !== null && this.length <= maxlen) break;
      const node = nodes[0] as StreamNode;
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      const removeNode = maxlen !== null ? this.length - entries >= maxlen : node.lastId < minid;
      if (removeNode) {
        nodes.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      let fromNode = 0;
      for (let p = node.start; p < node.end; p = node.after(p)) {
        const stop = maxlen !== null ? this.length <= maxlen : node.entryAt(p, false).id >= minid;
        if (stop) break;
        if (node.markDeleted(p)) {
          fromNode++;
          this.length--;
        }
      }
      deleted += fromNode;
      break;
    }
    if (deleted) this.firstId = this.length === 0 ? 0n : (this.edgeId(true) as bigint);
    return deleted;
  }

  /** streamRangeHasTombstones: whether an XDEL hole may lie within [start, end]. */
  rangeHasTombstones(start: bigint, end: bigint): boolean {
    if (!this.length || this.maxDeletedId === 0n) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /**
   * streamEstimateDistanceFromFirstEverEntry: the entries-read counter of `id`, or
   * ENTRIES_READ_INVALID when holes or its position make it unknowable.
   */
  estimateDistance(id: bigint): Counter {
    if (!this.entriesAdded) return 0;
    if (!this.length && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_INVALID;
    if (this.maxDeletedId === 0n || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return counterSub(this.entriesAdded, this.length);
      if (id === this.firstId) return counterAdd(counterSub(this.entriesAdded, this.length), 1);
    }
    return ENTRIES_READ_INVALID;
  }

  /** A deep copy (COPY): entries, counters and groups. */
  clone(): Stream {
    const s = new Stream();
    for (const node of this.nodes) s.nodes.push(node.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      s.groups = new Map();
      for (const [name, g] of this.groups) {
        const c = new StreamGroup(g.lastId, g.entriesRead);
        for (const [cname, con] of g.consumers) {
          const cc = new StreamConsumer(cname, con.seenTime);
          c.consumers.set(cname, cc);
        }
        for (const [id, nack] of g.pel.range(0n, STREAM_ID_MAX)) {
          const cc = c.consumers.get(nack.consumer.name) as StreamConsumer;
          const nn: StreamNack = {
            consumer: cc,
            deliveryTime: nack.deliveryTime,
            deliveryCount: nack.deliveryCount,
          };
          c.pel.insert(id, nn);
          cc.pel.insert(id, nn);
        }
        s.groups.set(name, c);
      }
    }
    return s;
  }
}

/** Index of the first of the ascending `ids` that is >= id (ids.length when none). */
function lowerBoundOf(ids: readonly bigint[], id: bigint): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as bigint) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

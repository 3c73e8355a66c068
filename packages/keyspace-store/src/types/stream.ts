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
import { type EncodingLimits, isInt64String } from "../encoding.js";
import { STREAM_ID_MAX } from "./stream-id.js";

/** stream-node-max-bytes and stream-node-max-entries (the keyspace's EncodingLimits). */
export type StreamNodeLimits = Pick<EncodingLimits, "streamNodeMaxBytes" | "streamNodeMaxEntries">;

/** STREAM_LISTPACK_MAX_SIZE: the cap on stream-node-max-bytes. */
const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

// ---- Listpack element sizes (listpack.c, 7.0) --------------------------------------------------

const backlenSize = (l: number): number =>
  l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;

function intEncSize(v: bigint | number): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Bytes of an integer element (encoding, data and backlen). */
const lpIntBytes = (v: bigint | number): number => intEncSize(v) + 1;

/** Bytes of a string element: integer-encoded when it reads as a canonical int64 (lpStringToInt64). */
function lpStringBytes(s: string): number {
  if (s.length > 0 && s.length < 21 && isInt64String(s)) return lpIntBytes(BigInt(s));
  const n = s.length;
  const enc = n <= 63 ? 1 + n : n <= 4095 ? 2 + n : 5 + n;
  return enc + backlenSize(enc);
}

/** A 64-bit difference as lpAppendInteger receives it (uint64 arithmetic cast to int64). */
const asInt64 = (v: bigint): bigint => BigInt.asIntN(64, v);

// ---- Nodes -------------------------------------------------------------------------------------

export class StreamNode {
  /** The ID of the node's first entry: its rax key and the base of the delta-encoded IDs. */
  readonly masterId: bigint;
  readonly masterFields: string[];
  readonly ids: bigint[] = [];
  /** Each entry's field, value, field, value, ... */
  readonly fvs: string[][] = [];
  /** Tombstones (STREAM_ITEM_FLAG_DELETED). */
  readonly deleted: boolean[] = [];
  /** Entries not deleted (the master entry's "count"). */
  live = 0;
  /** The master entry's "deleted". */
  dead = 0;
  /** The listpack's bytes apart from the count and deleted elements. */
  private body: number;

  constructor(masterId: bigint, fields: string[]) {
    this.masterId = masterId;
    this.masterFields = fields;
    // Header (6) + end byte (1), num-fields, fields, the master terminator 0.
    let b = 7 + lpIntBytes(fields.length) + lpIntBytes(0);
    for (const f of fields) b += lpStringBytes(f);
    this.body = b;
  }

  /** lpBytes() of the listpack this node stands for. */
  get bytes(): number {
    return this.body + lpIntBytes(this.live) + lpIntBytes(this.dead);
  }

  get size(): number {
    return this.ids.length;
  }

  /** True when `fv`'s fields are the master entry's (STREAM_ITEM_FLAG_SAMEFIELDS). */
  sameFields(fv: readonly string[]): boolean {
    const m = this.masterFields;
    if (fv.length !== m.length * 2) return false;
    for (let i = 0; i < m.length; i++) if (fv[i * 2] !== m[i]) return false;
    return true;
  }

  push(id: bigint, fv: string[]): void {
    const same = this.sameFields(fv);
    const n = fv.length / 2;
    let b =
      lpIntBytes(same ? 2 : 0) +
      lpIntBytes(asInt64((id >> 64n) - (this.masterId >> 64n))) +
      lpIntBytes(asInt64((id & 0xffffffffffffffffn) - (this.masterId & 0xffffffffffffffffn)));
    if (same) {
      // Share the master's field strings instead of keeping a copy per entry.
      for (let i = 0; i < n; i++) fv[i * 2] = this.masterFields[i] as string;
      for (let i = 0; i < n; i++) b += lpStringBytes(fv[i * 2 + 1] as string);
      b += lpIntBytes(n + 3);
    } else {
      b += lpIntBytes(n);
      for (const s of fv) b += lpStringBytes(s);
      b += lpIntBytes(n * 2 + 4);
    }
    this.body += b;
    this.ids.push(id);
    this.fvs.push(fv);
    this.deleted.push(false);
    this.live++;
  }

  /** Marks entry `i` deleted; returns false when it already was. */
  markDeleted(i: number): boolean {
    if (this.deleted[i]) return false;
    this.deleted[i] = true;
    this.live--;
    this.dead++;
    return true;
  }

  /** Index of the first entry with ID >= id (size when none). */
  lowerBound(id: bigint): number {
    return lowerBoundOf(this.ids, id);
  }
}

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

export class StreamGroup {
  lastId: bigint;
  /** entries_read: how many entries the group has read, or ENTRIES_READ_INVALID. */
  entriesRead: number;
  /** Every pending entry of the group. */
  readonly pel = new PendingList();
  /** Consumers by name; replies list them sorted by name, as Redis's rax holds them. */
  readonly consumers = new Map<string, StreamConsumer>();
  constructor(lastId: bigint, entriesRead: number) {
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
  entriesAdded = 0;
  /** Consumer groups by name (Redis keeps them in a rax: replies list them sorted). */
  groups: Map<string, StreamGroup> | null = null;

  /**
   * streamAppendItem after the ID was chosen and checked: `fv` is field, value, ... (owned by the
   * stream from now on), `totelelen` the sum of their lengths.
   */
  append(id: bigint, fv: string[], limits: Readonly<StreamNodeLimits>): void {
    let totelelen = 0;
    for (const s of fv) totelelen += s.length;
    let tail = this.nodes[this.nodes.length - 1];
    if (tail !== undefined) {
      let maxBytes = limits.streamNodeMaxBytes;
      if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE)
        maxBytes = STREAM_LISTPACK_MAX_SIZE;
      if (tail.bytes + totelelen >= maxBytes) tail = undefined;
      else if (limits.streamNodeMaxEntries && tail.live + tail.dead >= limits.streamNodeMaxEntries)
        tail = undefined;
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
    this.entriesAdded++;
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

  /** The live entry `id`'s field-value list, or undefined. */
  get(id: bigint): string[] | undefined {
    const node = this.nodes[this.nodeFor(id)];
    if (node === undefined) return undefined;
    const i = node.lowerBound(id);
    return node.ids[i] === id && !node.deleted[i] ? node.fvs[i] : undefined;
  }

  /**
   * streamDeleteItem: removes live entry `id` (dropping its node when it was the last live one),
   * and moves the first ID on as XDEL does.
   */
  delete(id: bigint): boolean {
    const at = this.nodeFor(id);
    const node = this.nodes[at];
    if (node === undefined) return false;
    const i = node.lowerBound(id);
    if (node.ids[i] !== id || node.deleted[i]) return false;
    if (node.live === 1) this.nodes.splice(at, 1);
    else node.markDeleted(i);
    this.length--;
    if (this.length === 0) this.firstId = 0n;
    else if (id === this.firstId) this.firstId = this.edgeId(true) as bigint;
    return true;
  }

  /**
   * Calls `fn` for live entries with start <= ID <= end, ascending (or descending with `rev`),
   * until it returns false or `count` entries (0 = no limit) were visited.
   */
  range(
    start: bigint,
    end: bigint,
    rev: boolean,
    count: number,
    fn: (id: bigint, fv: string[]) => unknown,
  ): number {
    let n = 0;
    if (start > end || this.length === 0) return 0;
    const nodes = this.nodes;
    if (!rev) {
      for (let k = this.nodeFor(start); k < nodes.length; k++) {
        const node = nodes[k] as StreamNode;
        if (node.masterId > end) break;
        for (let i = node.lowerBound(start); i < node.size; i++) {
          const id = node.ids[i] as bigint;
          if (id > end) return n;
          if (node.deleted[i]) continue;
          n++;
          if (fn(id, node.fvs[i] as string[]) === false) return n;
          if (count !== 0 && n >= count) return n;
        }
      }
    } else {
      for (let k = this.nodeFor(end); k >= 0; k--) {
        const node = nodes[k] as StreamNode;
        let i = node.lowerBound(end);
        if (i === node.size || (node.ids[i] as bigint) > end) i--;
        for (; i >= 0; i--) {
          const id = node.ids[i] as bigint;
          if (id < start) return n;
          if (node.deleted[i]) continue;
          n++;
          if (fn(id, node.fvs[i] as string[]) === false) return n;
          if (count !== 0 && n >= count) return n;
        }
      }
    }
    return n;
  }

  /** streamGetEdgeID(first, skip tombstones): the first (or last) live ID, or undefined. */
  edgeId(first: boolean): bigint | undefined {
    let out: bigint | undefined;
    this.range(0n, STREAM_ID_MAX, !first, 1, (id) => {
      out = id;
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
      const removeNode =
        maxlen !== null
          ? this.length - entries >= maxlen
          : (node.ids[node.size - 1] as bigint) < minid;
      if (removeNode) {
        nodes.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      let fromNode = 0;
      for (let i = 0; i < node.size; i++) {
        const stop = maxlen !== null ? this.length <= maxlen : (node.ids[i] as bigint) >= minid;
        if (stop) break;
        if (node.markDeleted(i)) {
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
  estimateDistance(id: bigint): number {
    if (!this.entriesAdded) return 0;
    if (!this.length && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_INVALID;
    if (this.maxDeletedId === 0n || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - this.length;
      if (id === this.firstId) return this.entriesAdded - this.length + 1;
    }
    return ENTRIES_READ_INVALID;
  }

  /** A deep copy (COPY): entries, counters and groups. */
  clone(): Stream {
    const s = new Stream();
    for (const node of this.nodes) {
      const n = new StreamNode(node.masterId, node.masterFields.slice());
      for (let i = 0; i < node.size; i++) {
        n.push(node.ids[i] as bigint, (node.fvs[i] as string[]).slice());
        if (node.deleted[i]) n.markDeleted(i);
      }
      s.nodes.push(n);
    }
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

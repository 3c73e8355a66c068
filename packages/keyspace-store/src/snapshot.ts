// Streaming the whole keyspace out and back in (persistence and replica full sync) without a
// fork and without a pause. Redis forks to get a point-in-time copy; here the snapshot walks each
// database's live dict with a JS Map iterator (which tolerates changes underneath) in bounded
// batches while commands keep running, and the Database reports every change before it happens:
// a key about to be written, given a new TTL or deleted is streamed first as it was (its
// pre-image: the Buffer itself for a string, which writes replace rather than mutate, or the
// encoded collection) and skipped by the walk, and keys created after the call are skipped too.
// So the stream is the keyspace exactly as of the call, and taking it costs O(1) up front.
//
// Stream format: concatenated msgpack values, one per chunk, each an array of records:
//   [2, "shoal-snapshot", version]       header (first record)
//   [1, dbIndex]                         the following keys belong to this database
//   [0, key, typeTag, data, expireAt]    a key (expireAt: unix ms, or -1 without TTL)
//   [3, keyCount]                        end (last record)
// A key may appear twice, with the same contents both times; loading keeps one.
import { Packr, Unpackr } from "msgpackr";
import type { Database, Keyspace } from "./keyspace.js";
import { valueBytes } from "./string-value.js";
import { isString, type Value } from "./value.js";
import { decodeValue, encodeValue } from "./value-codec.js";

export const SNAPSHOT_MAGIC = "shoal-snapshot";
export const SNAPSHOT_VERSION = 1;
const REC_KEY = 0;
const REC_DB = 1;
const REC_HEADER = 2;
const REC_END = 3;

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false });

export interface SnapshotOptions {
  /** Keys per chunk at most (default 1024). */
  batchKeys?: number;
  /** Stop filling a chunk past this many encoded bytes, roughly (default 256 KiB). */
  batchBytes?: number;
  /** Wall clock for "already expired" at the call (default Date.now()). */
  now?: number;
}

/** [pre-image data, expireAt or -1]. */
type Image = [unknown, number];

/** One database's progress in a snapshot. */
interface DbSnap {
  readonly db: Database;
  /** Keys and keys with a TTL at the call (RDB's RESIZEDB hint). */
  readonly size: number;
  readonly expiresSize: number;
  /** The live iterator over the dict as it was at the call; null once the walk is over. */
  iter: Iterator<[string, Value]> | null;
  /** Keys created after the call (not part of the snapshot). */
  readonly added: Set<string>;
  /** Keys already streamed from a pre-image: the walk skips them. */
  readonly saved: Set<string>;
  /** Keys the walk has streamed (exact snapshots only): a later change needs no pre-image. */
  readonly walked: Set<string> | null;
  /** Pre-images waiting to be streamed: [key, image]. */
  readonly queue: [string, Image][];
}

export interface SnapshotStateOptions {
  /** A key's pre-image, taken just before it changes (default: the msgpack record data). */
  preImage?: (v: Value) => unknown;
  /**
   * No key twice: the walk remembers what it streamed (a Set of the keys, for the snapshot's
   * life), so a key changed after the walk passed it gets no second copy. RDB needs this (Redis
   * refuses a file with a duplicated key); the msgpack stream tolerates duplicates.
   */
  exact?: boolean;
}

/** The msgpack stream's pre-image: [type tag, encoded data]. */
const tagAndData = (v: Value): [number, unknown] =>
  isString(v) ? [0, valueBytes(v)] : encodeValue(v);

/**
 * One open snapshot. A key about to change is streamed from its pre-image (queued, then emitted
 * before the walk goes on) and remembered so the walk skips it. If the walk had already passed
 * that key, the key appears twice with the same contents (nothing changed it in between), which
 * the msgpack loader tolerates; an `exact` snapshot remembers the walked keys instead.
 */
export class SnapshotState {
  private readonly byDb = new Map<Database, DbSnap>();
  readonly dbs: DbSnap[] = [];
  keyCount = 0;
  /** The entry nextEntry() found: key, TTL (-1 none), and the live value or else the pre-image. */
  curKey = "";
  curTtl = -1;
  curLive: Value | undefined = undefined;
  curImage: unknown = undefined;
  private readonly preImage: (v: Value) => unknown;
  private readonly exact: boolean;

  constructor(
    ks: Keyspace,
    readonly now: number,
    opts: SnapshotStateOptions = {},
  ) {
    this.preImage = opts.preImage ?? tagAndData;
    this.exact = opts.exact ?? false;
    for (const db of ks.dbs) {
      if (db.dict.size === 0) continue;
      const d: DbSnap = {
        db,
        size: db.dict.size,
        expiresSize: db.expires.size,
        iter: db.dict.entries(),
        added: new Set(),
        saved: new Set(),
        walked: this.exact ? new Set() : null,
        queue: [],
      };
      this.dbs.push(d);
      this.byDb.set(db, d);
    }
  }

  private ttl(db: Database, key: string): number {
    return db.expires.size !== 0 ? (db.expires.get(key) ?? -1) : -1;
  }

  private save(d: DbSnap, key: string, v: Value): void {
    d.saved.add(key);
    // Strings are replaced, never mutated, so their bytes are a stable pre-image (a Buffer value
    // itself; a JS-string value is immutable); collections are encoded now.
    d.queue.push([key, [this.preImage(v), this.ttl(d.db, key)]]);
  }

  /** Database hook: `key`'s value or TTL is about to change, or the key to go. */
  beforeChange(db: Database, key: string): void {
    const d = this.byDb.get(db);
    // Once the walk is over every key of the call is streamed or queued: nothing more to save.
    if (d === undefined || d.iter === null || d.saved.has(key) || d.added.has(key)) return;
    if (d.walked?.has(key)) return;
    const v = db.dict.get(key);
    if (v !== undefined) this.save(d, key, v);
  }

  /** Database hook: `key` was just created. */
  added(db: Database, key: string): void {
    const d = this.byDb.get(db);
    if (d !== undefined && d.iter !== null) d.added.add(key);
  }

  /**
   * Database hook before the dict is emptied or swapped away: every key not saved yet is saved
   * now (pointer copies for strings) and the live walk of this database ends.
   */
  freeze(db: Database): void {
    const d = this.byDb.get(db);
    if (d === undefined || d.iter === null) return;
    for (const [k, v] of db.dict)
      if (!d.saved.has(k) && !d.added.has(k) && !d.walked?.has(k)) this.save(d, k, v);
    d.iter = null;
  }

  /**
   * Moves to the next entry of database `d` (cur* fields); false when it is done. Skips keys
   * outside the snapshot and keys expired at the call.
   */
  nextEntry(d: DbSnap): boolean {
    for (;;) {
      const q = d.queue.pop();
      if (q !== undefined) {
        if (q[1][1] !== -1 && q[1][1] <= this.now) continue;
        this.curKey = q[0];
        this.curLive = undefined;
        this.curImage = q[1][0];
        this.curTtl = q[1][1];
      } else if (d.iter !== null) {
        const r = d.iter.next();
        if (r.done) {
          d.iter = null;
          continue;
        }
        const key = r.value[0];
        if (d.added.has(key) || d.saved.has(key)) continue;
        const ttl = this.ttl(d.db, key);
        if (ttl !== -1 && ttl <= this.now) continue;
        d.walked?.add(key);
        this.curKey = key;
        this.curLive = r.value[1];
        this.curImage = undefined;
        this.curTtl = ttl;
      } else return false;
      this.keyCount++;
      return true;
    }
  }

  /** Next msgpack record of database `d`, or null when it is done. */
  nextRecord(d: DbSnap): unknown[] | null {
    if (!this.nextEntry(d)) return null;
    const [tag, data] =
      this.curLive !== undefined ? tagAndData(this.curLive) : (this.curImage as [number, unknown]);
    return [REC_KEY, this.curKey, tag, data, this.curTtl];
  }
}

/** Opens a snapshot of the keyspace as of now (O(databases)) and registers its write hooks. */
export function captureSnapshot(
  ks: Keyspace,
  now: number,
  opts: SnapshotStateOptions = {},
): SnapshotState {
  const st = new SnapshotState(ks, now, opts);
  ks.openSnapshots.add(st);
  return st;
}

/** The chunks of an open snapshot; closes it (removes the hooks) when done or abandoned. */
export function* snapshotChunks(
  ks: Keyspace,
  st: SnapshotState,
  opts: SnapshotOptions = {},
): Generator<Uint8Array> {
  const batchKeys = opts.batchKeys ?? 1024;
  const batchBytes = opts.batchBytes ?? 256 * 1024;
  try {
    let batch: unknown[] = [[REC_HEADER, SNAPSHOT_MAGIC, SNAPSHOT_VERSION]];
    let bytes = 0;
    let keysInBatch = 0;
    for (const d of st.dbs) {
      batch.push([REC_DB, d.db.index]);
      for (let rec = st.nextRecord(d); rec !== null; rec = st.nextRecord(d)) {
        batch.push(rec);
        keysInBatch++;
        bytes += approxBytes(rec[3]);
        if (keysInBatch >= batchKeys || bytes >= batchBytes) {
          yield Buffer.from(packr.pack(batch));
          batch = [];
          bytes = 0;
          keysInBatch = 0;
        }
      }
    }
    batch.push([REC_END, st.keyCount]);
    yield Buffer.from(packr.pack(batch));
  } finally {
    ks.openSnapshots.delete(st);
  }
}

function approxBytes(data: unknown): number {
  if (data instanceof Uint8Array) return data.length + 16;
  return Array.isArray(data) ? data.length * 24 : 64;
}

/** The same chunks as an async iterable that yields to the event loop between chunks. */
export async function* snapshotChunksAsync(
  ks: Keyspace,
  st: SnapshotState,
  opts: SnapshotOptions = {},
): AsyncGenerator<Uint8Array> {
  const it = snapshotChunks(ks, st, opts);
  try {
    for (const chunk of it) {
      yield chunk;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    it.return(undefined);
  }
}

// ---- Loading -----------------------------------------------------------------------------------

export class SnapshotFormatError extends Error {
  override name = "SnapshotFormatError";
}

/**
 * Loads a snapshot stream fed in arbitrary pieces (a file read whole, or a replication stream):
 * `push()` each piece, then `finish()`. Keys already expired at `now` are skipped on a master,
 * kept on a replica (deleteExpired false), as Redis's rdbLoad does. Hooks stay silent.
 */
export class SnapshotLoader {
  private rest: Buffer | null = null;
  private db = 0;
  private sawHeader = false;
  private sawEnd = false;
  /** Keys loaded so far. */
  loaded = 0;
  /** Keys skipped because they were expired. */
  skippedExpired = 0;

  constructor(
    private readonly ks: Keyspace,
    private readonly now = Date.now(),
  ) {}

  push(chunk: Uint8Array): void {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.rest) buf = Buffer.concat([this.rest, buf]);
    this.rest = null;
    let consumed = 0;
    try {
      unpackr.unpackMultiple(buf, (value: unknown, _start?: number, end?: number) => {
        this.batch(value);
        consumed = end ?? buf.length;
      });
    } catch (err) {
      const e = err as { incomplete?: boolean; lastPosition?: number };
      if (!e.incomplete)
        throw new SnapshotFormatError(`corrupt snapshot: ${(err as Error).message}`);
      consumed = e.lastPosition ?? consumed;
      this.rest = Buffer.from(buf.subarray(consumed));
    }
  }

  /** Checks the stream ended with its end record; returns the number of keys loaded. */
  finish(): number {
    if (this.rest !== null && this.rest.length > 0)
      throw new SnapshotFormatError("snapshot ends in the middle of a record");
    if (!this.sawEnd) throw new SnapshotFormatError("snapshot has no end record (truncated?)");
    return this.loaded;
  }

  private batch(value: unknown): void {
    if (!Array.isArray(value)) throw new SnapshotFormatError("chunk is not a record list");
    const hooks = this.ks.hooks;
    this.ks.hooks = {};
    try {
      for (const rec of value) this.record(rec);
    } finally {
      this.ks.hooks = hooks;
    }
  }

  private record(rec: unknown): void {
    if (!Array.isArray(rec)) throw new SnapshotFormatError("record is not an array");
    const kind = rec[0];
    if (!this.sawHeader) {
      if (kind !== REC_HEADER || rec[1] !== SNAPSHOT_MAGIC)
        throw new SnapshotFormatError("not a Shoal snapshot");
      if (rec[2] !== SNAPSHOT_VERSION)
        throw new SnapshotFormatError(`unsupported snapshot version ${String(rec[2])}`);
      this.sawHeader = true;
      return;
    }
    if (this.sawEnd) throw new SnapshotFormatError("data after the end record");
    if (kind === REC_KEY) {
      const key = rec[1];
      const when = rec[4];
      if (typeof key !== "string" || typeof when !== "number")
        throw new SnapshotFormatError("malformed key record");
      // A master drops keys already expired; a replica keeps them for the master's DEL (rdbLoad).
      if (when !== -1 && when <= this.now && this.ks.deleteExpired) {
        this.skippedExpired++;
        return;
      }
      let v: Value;
      try {
        v = decodeValue(rec[2], rec[3]);
      } catch (err) {
        throw new SnapshotFormatError(`bad value for a key: ${(err as Error).message}`);
      }
      const db = this.ks.dbs[this.db];
      if (db === undefined) throw new SnapshotFormatError(`no database ${this.db} here`);
      if (db.dict.has(key)) db.delete(key);
      db.add(key, v);
      if (when !== -1) db.setExpire(key, when);
      this.loaded++;
    } else if (kind === REC_DB) {
      const i = rec[1];
      if (typeof i !== "number" || i < 0 || i >= this.ks.dbs.length)
        throw new SnapshotFormatError(`snapshot database ${String(i)} out of range`);
      this.db = i;
    } else if (kind === REC_END) {
      this.sawEnd = true;
    } else throw new SnapshotFormatError(`unknown record kind ${String(kind)}`);
  }
}

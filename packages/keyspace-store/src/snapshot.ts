// Streaming the whole keyspace out and back in (persistence and replica full sync) without a
// fork: Redis forks to get a point-in-time copy; here the snapshot captures, at the call, only
// the list of keys with their value references and TTLs (a pointer copy), then encodes values
// in bounded batches while commands keep running. Strings are never mutated in place (writes
// replace the Buffer), so a captured reference keeps its old bytes. Collections are mutated in
// place, so Database.lookupWrite, the door every write goes through, asks each open snapshot
// to encode a captured collection before the first write touches it (copy-on-write per key).
//
// Stream format: concatenated msgpack values, one per chunk, each an array of records:
//   [2, "shoal-snapshot", version]       header (first record)
//   [1, dbIndex]                         the following keys belong to this database
//   [0, key, typeTag, data, expireAt]    a key (expireAt: unix ms, or -1 without TTL)
//   [3, keyCount]                        end (last record)
import { Packr, Unpackr } from "msgpackr";
import type { Keyspace } from "./keyspace.js";
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
  /** Wall clock for "already expired" at capture (default Date.now()). */
  now?: number;
}

interface CapturedDb {
  index: number;
  keys: string[];
  values: Value[];
  ttls: Float64Array;
}

/** One open snapshot: what was captured, and collections encoded early because of a write. */
export class SnapshotState {
  /** Captured collections not yet emitted: a write must encode them first. */
  readonly pending = new Set<Value>();
  /** Collections encoded before a write changed them: value -> [tag, data]. */
  readonly early = new Map<Value, [number, unknown]>();
  readonly dbs: CapturedDb[] = [];
  keyCount = 0;

  /** Called by Database.lookupWrite while this snapshot is open. */
  beforeWrite(v: Value): void {
    if (this.pending.delete(v)) this.early.set(v, encodeValue(v));
  }
}

/** Captures the keyspace now (O(keys) pointer copies) and registers the copy-on-write guard. */
export function captureSnapshot(ks: Keyspace, now: number): SnapshotState {
  const st = new SnapshotState();
  for (const db of ks.dbs) {
    const n = db.dict.size;
    if (n === 0) continue;
    const keys = new Array<string>(n);
    const values = new Array<Value>(n);
    const ttls = new Float64Array(n);
    const hasTtl = db.expires.size !== 0;
    let m = 0;
    for (const [k, v] of db.dict) {
      let when = -1;
      if (hasTtl) {
        const w = db.expires.get(k);
        if (w !== undefined) {
          if (w <= now) continue;
          when = w;
        }
      }
      ttls[m] = when;
      keys[m] = k;
      values[m] = v;
      m++;
      if (!isString(v)) st.pending.add(v);
    }
    keys.length = m;
    values.length = m;
    st.keyCount += m;
    st.dbs.push({ index: db.index, keys, values, ttls });
  }
  ks.openSnapshots.add(st);
  return st;
}

/** The chunks of a captured snapshot; closes it (removes the write guard) when done. */
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
      batch.push([REC_DB, d.index]);
      for (let i = 0; i < d.keys.length; i++) {
        const v = d.values[i] as Value;
        let enc = st.early.get(v);
        if (enc !== undefined) st.early.delete(v);
        else {
          st.pending.delete(v);
          enc = encodeValue(v);
        }
        batch.push([REC_KEY, d.keys[i], enc[0], enc[1], d.ttls[i]]);
        keysInBatch++;
        bytes += approxBytes(v);
        if (keysInBatch >= batchKeys || bytes >= batchBytes) {
          yield Buffer.from(packr.pack(batch));
          batch = [];
          bytes = 0;
          keysInBatch = 0;
        }
      }
      // Release captured references as we go: the GC may free values deleted meanwhile.
      d.keys = [];
      d.values = [];
    }
    batch.push([REC_END, st.keyCount]);
    yield Buffer.from(packr.pack(batch));
  } finally {
    ks.openSnapshots.delete(st);
  }
}

function approxBytes(v: Value): number {
  if (isString(v)) return v.length + 16;
  const n = (v as { size?: unknown; length?: unknown }).size ?? (v as { length: number }).length;
  return typeof n === "number" ? n * 24 : 64;
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
 * `push()` each piece, then `finish()`. Keys already expired at `now` are skipped, as Redis
 * skips them when a master loads an RDB. Hooks (notifications, propagation) stay silent.
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
      if (when !== -1 && when <= this.now) {
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

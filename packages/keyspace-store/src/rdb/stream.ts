// The whole keyspace as an RDB file, streamed in bounded chunks while commands keep running (the
// walk of snapshot-walk.ts: a key about to change is serialized first, from its pre-image), and
// loading one back. This is what the server writes as dump.rdb, as an AOF's
// RDB preamble and as a full-sync payload, and what it reads from any of them.
import { Crc64 } from "../crc64.js";
import type { Keyspace } from "../keyspace.js";
import { estimateIdleMs, lfuDecrAndReturn } from "../lru-lfu.js";
import type { Value } from "../value.js";
import {
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_IDLE,
  RdbFormatError,
} from "./format.js";
import { RdbLoader, type RdbLoadOptions } from "./reader.js";
import { captureSnapshot, type SnapshotState } from "./snapshot-walk.js";
import {
  type RdbAuxFields,
  RdbWriter,
  rdbObjectType,
  steppedElements,
  writeRdbEof,
  writeRdbHeader,
  writeRdbKeyHead,
  writeRdbSelectDb,
} from "./writer.js";

export interface RdbSaveOptions {
  /** rdbcompression (default true): LZF for strings over 20 bytes. */
  compression?: boolean;
  /** rdbchecksum (default true): the CRC-64 trailer, else 8 zero bytes. */
  checksum?: boolean;
  /** Aux fields (redis-ver, ctime, used-mem, repl-*, aof-base). */
  aux?: RdbAuxFields;
  /** Function libraries' code, written as FUNCTION2 records after the aux fields (rdbSaveFunctions). */
  functions?: readonly Uint8Array[];
  /** Wall clock for "already expired" at the call (default Date.now()); expired keys are left out. */
  now?: number;
  /** End a chunk after this many keys (default 1024)... */
  batchKeys?: number;
  /** ...or once it holds this many bytes (default 256 KiB), whichever comes first. */
  batchBytes?: number;
}

/** A collection's pre-image: its RDB type and serialized object, taken before it changed. */
class Serialized {
  constructor(
    readonly type: number,
    readonly body: Buffer,
  ) {}
}

/** Opens an RDB snapshot of the keyspace as of now (O(databases)); see rdbChunks. */
export function captureRdbSnapshot(ks: Keyspace, opts: RdbSaveOptions = {}): SnapshotState {
  const pre = new RdbWriter(opts.compression ?? true, 1024, ks.encodingLimits);
  return captureSnapshot(ks, opts.now ?? Date.now(), (v: Value) => {
    if (typeof v === "string" || v instanceof Uint8Array) return v; // replaced, never mutated
    const type = rdbObjectType(v, pre.limits);
    pre.len = 0;
    pre.objectBody(v, type);
    return new Serialized(type, pre.take());
  });
}

/**
 * What comes before the walk's current value (rdbSaveKeyValuePair): its expiry, then under an LRU
 * policy its idle seconds (IDLE) or under an LFU policy its decayed counter (FREQ), as of the call,
 * then type and name.
 */
function keyHead(w: RdbWriter, ks: Keyspace, st: SnapshotState, type: number): void {
  if (st.curTtl !== -1) {
    w.u8(RDB_OPCODE_EXPIRETIME_MS);
    w.saveMillis(st.curTtl);
  }
  if (st.access === 1) {
    w.u8(RDB_OPCODE_IDLE);
    w.saveLen(Math.floor(estimateIdleMs(st.curAccess, st.now) / 1000));
  } else if (st.access === 2) {
    w.u8(RDB_OPCODE_FREQ);
    w.u8(lfuDecrAndReturn(st.curAccess, st.now, ks.lfuSettings.decayTime));
  }
  writeRdbKeyHead(w, st.curKey, type, -1);
}

/** The chunks of an open RDB snapshot: header, databases, EOF and checksum. Closes it when done. */
export function* rdbChunks(
  ks: Keyspace,
  st: SnapshotState,
  opts: RdbSaveOptions = {},
): Generator<Buffer> {
  const batchKeys = opts.batchKeys ?? 1024;
  const batchBytes = opts.batchBytes ?? 256 * 1024;
  const w = new RdbWriter(opts.compression ?? true, batchBytes + 64 * 1024, ks.encodingLimits);
  const crc = (opts.checksum ?? true) ? new Crc64() : null;
  const flush = (): Buffer => {
    const chunk = w.take();
    crc?.update(chunk);
    return chunk;
  };
  try {
    writeRdbHeader(w, opts.aux);
    for (const code of opts.functions ?? []) {
      w.u8(RDB_OPCODE_FUNCTION2);
      w.stringBytes(code);
    }
    let keys = 0;
    for (const d of st.dbs) {
      writeRdbSelectDb(w, d.db.index, d.size, d.expiresSize);
      while (st.nextEntry(d)) {
        const live = st.curLive;
        if (live !== undefined) {
          const type = rdbObjectType(live, w.limits);
          if (steppedElements(live, type) > batchKeys) {
            // A big collection in steps of batchKeys elements, a chunk handed out after each:
            // written whole it held the event loop for its whole length (1M fields: > 1 s).
            keyHead(w, ks, st, type);
            const body = w.objectBodySteps(live, type, batchKeys);
            st.beginSteps(d.db, st.curKey, () => {
              while (!body.next().done);
            });
            while (!body.next().done) {
              keys = 0;
              yield flush();
            }
            st.endSteps();
          } else {
            keyHead(w, ks, st, type);
            w.objectBody(live, type);
          }
        } else {
          const img = st.curImage;
          if (img instanceof Serialized) {
            keyHead(w, ks, st, img.type);
            w.bytes(img.body);
          } else {
            const type = rdbObjectType(img as Value, w.limits);
            keyHead(w, ks, st, type);
            w.objectBody(img as Value, type);
          }
        }
        if (++keys >= batchKeys || w.len >= batchBytes) {
          keys = 0;
          yield flush();
        }
      }
    }
    // The trailer's CRC covers everything before it, EOF byte included.
    const before = flush();
    writeRdbEof(w, crc === null ? null : crc.value());
    const tail = w.take();
    yield before.length === 0 ? tail : Buffer.concat([before, tail]);
  } finally {
    ks.openSnapshots.delete(st);
  }
}

/** The same chunks as an async iterable that yields to the event loop between chunks. */
export async function* rdbChunksAsync(
  ks: Keyspace,
  st: SnapshotState,
  opts: RdbSaveOptions = {},
): AsyncGenerator<Buffer> {
  // Writes run between chunks: no O(n) build of the walked keys at the first one.
  st.walkEagerly();
  const it = rdbChunks(ks, st, opts);
  try {
    for (const chunk of it) {
      yield chunk;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    it.return(undefined);
  }
}

export interface RdbLoadWholeOptions extends RdbLoadOptions {
  /** Empty every database first (default true). */
  flush?: boolean;
}

/**
 * Loads a whole RDB stream (one buffer or its pieces) all or nothing: on an error every database
 * is emptied (flush) or left as it was (no flush: the file is loaded aside and merged only once
 * it read through), and the RdbFormatError is thrown. Returns the loader (aux fields, counts).
 */
export function loadRdbInto(
  ks: Keyspace,
  data: Uint8Array | Iterable<Uint8Array>,
  opts: RdbLoadWholeOptions = {},
): RdbLoader {
  const flush = opts.flush ?? true;
  const feed = (l: RdbLoader) => {
    if (data instanceof Uint8Array) l.push(data);
    else for (const chunk of data) l.push(chunk);
    l.finish();
  };
  if (flush) {
    for (const d of ks.dbs) d.clear();
    const l = new RdbLoader(ks, opts);
    try {
      feed(l);
    } catch (e) {
      for (const d of ks.dbs) d.clear();
      throw e;
    }
    return l;
  }
  // Into a scratch keyspace first, so a failure leaves the live one untouched.
  const aside = new (ks.constructor as new (o: object) => Keyspace)({ databases: ks.dbs.length });
  aside.deleteExpired = ks.deleteExpired;
  const l = new RdbLoader(aside, opts);
  feed(l);
  if (!opts.replaceDuplicates)
    aside.dbs.forEach((src, i) => {
      for (const k of src.dict.keys())
        if (ks.dbs[i]!.dict.has(k))
          throw new RdbFormatError(`RDB has duplicated key '${k}' in DB ${i}`);
    });
  const hooks = ks.hooks;
  ks.hooks = {};
  try {
    aside.dbs.forEach((src, i) => {
      const dst = ks.dbs[i]!;
      for (const [k, v] of src.dict) {
        if (dst.dict.has(k)) dst.delete(k);
        dst.add(k, v);
        const t = src.expires.get(k);
        if (t !== undefined) dst.setExpire(k, t);
        const lru = src.lru.get(k);
        if (lru !== undefined) dst.lru.set(k, lru);
      }
    });
  } finally {
    ks.hooks = hooks;
  }
  return l;
}

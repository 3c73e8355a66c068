// The walk behind an RDB snapshot: the whole keyspace as of one moment, streamed while commands
// keep running, without a fork and without a pause. Redis forks to get a point-in-time copy; here
// the walk goes through each database's live dict with a JS Map iterator (which tolerates changes
// underneath) in bounded batches, and the Database reports every change before it happens: a key
// about to be written, given a new TTL or deleted is taken first as it was (its pre-image: the
// Buffer itself for a string, which writes replace rather than mutate, or the serialized
// collection) and skipped by the walk, and keys created after the call are skipped too. So the
// stream is the keyspace exactly as of the call, each key once, and taking it costs O(1) up front.
import type { Database, Keyspace } from "../keyspace.js";
import type { Value } from "../value.js";

/** [pre-image data, expireAt or -1, access record (when the snapshot carries them)]. */
type Image = [unknown, number, number];

/**
 * A set of key names grown a key at a time during an asynchronous save, in Sets of at most
 * SHARD_KEYS: one Set of every key rehashes its whole table as it doubles, a single step of
 * O(n) inside one chunk (at 1M keys, the save's longest pause), where a shard's is bounded.
 * A lookup asks each shard (a write during a save of 1M keys: 16 probes).
 */
class KeySet {
  private readonly shards: Set<string>[] = [new Set()];
  private last = this.shards[0]!;

  add(key: string): void {
    if (this.last.size >= SHARD_KEYS) {
      this.last = new Set();
      this.shards.push(this.last);
    }
    this.last.add(key);
  }

  has(key: string): boolean {
    for (const s of this.shards) if (s.has(key)) return true;
    return false;
  }
}

const SHARD_KEYS = 65536;

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
  /** Access records as of the call of keys read since, before the walk reached them. */
  touched: Map<string, number> | null;
  /** Keys already streamed from a pre-image: the walk skips them. */
  readonly saved: Set<string>;
  /**
   * Keys the walk has passed, for the snapshot's life: a key changed after the walk passed it
   * gets no second copy (Redis refuses an RDB file with a duplicated key). Built only when a
   * change first needs it (walkedKeys): until then the dict has changed by appends alone (a
   * change, a delete, a flush or a swap reach beforeChange/freeze first), so the keys passed are
   * the first `passed` of the dict's insertion order. A synchronous save (SAVE: nothing writes
   * meanwhile) never builds it: a Set of every key cost as much as the dict's own inserts (1M
   * keys: ~20% of a save). An asynchronous one, where writes interleave, records each key as it
   * passes (walkEagerly), since building the set at the first write would be one O(n) pause.
   */
  walked: KeySet | null;
  /** How many entries the live iterator has yielded. */
  passed: number;
  /** Pre-images waiting to be streamed: [key, image]. */
  readonly queue: [string, Image][];
}

/** A key's pre-image, taken just before it changes (the serialized collection, for RDB). */
export type PreImage = (v: Value) => unknown;

/**
 * One open snapshot. A key about to change is streamed from its pre-image (queued, then emitted
 * before the walk goes on) and remembered so the walk skips it; a key the walk already passed
 * needs nothing.
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
  /** The entry's access record (Database.accessRecord), when `access` is not 0. */
  curAccess = 0;
  /**
   * The access records the snapshot carries, by the maxmemory-policy at the call (Redis's
   * rdbSaveKeyValuePair writes them under an LRU or LFU policy only): 0 none, 1 LRU, 2 LFU.
   * A live key's record is read when the walk reaches it, a changed key's with its pre-image.
   */
  readonly access: 0 | 1 | 2;

  constructor(
    ks: Keyspace,
    readonly now: number,
    private readonly preImage: PreImage,
  ) {
    const policy = ks.maxmemoryPolicy;
    this.access = policy.endsWith("-lru") ? 1 : policy.endsWith("-lfu") ? 2 : 0;
    for (const db of ks.dbs) {
      if (db.dict.size === 0) continue;
      const d: DbSnap = {
        db,
        size: db.dict.size,
        expiresSize: db.expires.size,
        iter: db.dict.entries(),
        added: new Set(),
        touched: null,
        saved: new Set(),
        walked: null,
        passed: 0,
        queue: [],
      };
      this.dbs.push(d);
      this.byDb.set(db, d);
    }
  }

  /** From now on every key the walk passes is recorded by name (see DbSnap.walked). */
  walkEagerly(): void {
    for (const d of this.dbs) this.walkedKeys(d);
  }

  /** The keys the walk of `d` has passed (see DbSnap.walked), built at the first need. */
  private walkedKeys(d: DbSnap): KeySet {
    if (d.walked === null) {
      const w = new KeySet();
      let n = d.passed;
      if (n > 0)
        for (const k of d.db.dict.keys()) {
          w.add(k);
          if (--n === 0) break;
        }
      d.walked = w;
    }
    return d.walked;
  }

  private ttl(db: Database, key: string): number {
    return db.expires.size !== 0 ? (db.expires.get(key) ?? -1) : -1;
  }

  private save(d: DbSnap, key: string, v: Value): void {
    d.saved.add(key);
    // Strings are replaced, never mutated, so their bytes are a stable pre-image (a Buffer value
    // itself; a JS-string value is immutable); collections are encoded now.
    const record = this.access !== 0 ? this.record(d, key) : 0;
    d.queue.push([key, [this.preImage(v), this.ttl(d.db, key), record]]);
  }

  /**
   * The key being written in steps (a big collection, objectBodySteps) and how to write the rest
   * at once: it must be done before anything changes the value.
   */
  private inProgress: { db: Database; key: string; finish: () => void } | null = null;

  /** The walk's current key is written in steps from now on; `finish` writes the rest. */
  beginSteps(db: Database, key: string, finish: () => void): void {
    this.inProgress = { db, key, finish };
  }

  /** The stepped key is written (or `finish` ran). */
  endSteps(): void {
    this.inProgress = null;
  }

  private finishSteps(): void {
    const p = this.inProgress;
    this.inProgress = null;
    p?.finish();
  }

  /** Database hook: `key`'s value or TTL is about to change, or the key to go. */
  beforeChange(db: Database, key: string): void {
    const p = this.inProgress;
    if (p !== null && p.key === key && p.db === db) this.finishSteps();
    const d = this.byDb.get(db);
    // Once the walk is over every key of the call is streamed or queued: nothing more to save.
    if (d === undefined || d.iter === null || d.saved.has(key) || d.added.has(key)) return;
    if (this.walkedKeys(d).has(key)) return;
    const v = db.dict.get(key);
    if (v !== undefined) this.save(d, key, v);
  }

  /** Database hook: `key` is about to be accessed (its access record to change). */
  beforeTouch(db: Database, key: string): void {
    if (this.access === 0) return;
    const d = this.byDb.get(db);
    if (d === undefined || d.iter === null || d.saved.has(key) || d.added.has(key)) return;
    if (d.touched?.has(key) || this.walkedKeys(d).has(key)) return;
    d.touched ??= new Map();
    d.touched.set(key, db.accessRecord(key));
  }

  /** A key's access record as of the call. */
  private record(d: DbSnap, key: string): number {
    return d.touched?.get(key) ?? d.db.accessRecord(key);
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
    // The stepped value may move (SWAPDB) and change where this walk no longer looks.
    if (this.inProgress?.db === db) this.finishSteps();
    const d = this.byDb.get(db);
    if (d === undefined || d.iter === null) return;
    const walked = this.walkedKeys(d);
    for (const [k, v] of db.dict)
      if (!d.saved.has(k) && !d.added.has(k) && !walked.has(k)) this.save(d, k, v);
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
        this.curAccess = q[1][2];
      } else if (d.iter !== null) {
        const r = d.iter.next();
        if (r.done) {
          d.iter = null;
          continue;
        }
        const key = r.value[0];
        if (d.walked !== null) d.walked.add(key);
        else d.passed++;
        if (d.added.size !== 0 && d.added.has(key)) continue;
        if (d.saved.size !== 0 && d.saved.has(key)) continue;
        const ttl = this.ttl(d.db, key);
        if (ttl !== -1 && ttl <= this.now) continue;
        this.curKey = key;
        this.curLive = r.value[1];
        this.curImage = undefined;
        this.curTtl = ttl;
        if (this.access !== 0) this.curAccess = this.record(d, key);
      } else return false;
      this.keyCount++;
      return true;
    }
  }
}

/** Opens a snapshot of the keyspace as of now (O(databases)) and registers its write hooks. */
export function captureSnapshot(ks: Keyspace, now: number, preImage: PreImage): SnapshotState {
  const st = new SnapshotState(ks, now, preImage);
  ks.openSnapshots.add(st);
  return st;
}

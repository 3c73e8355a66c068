// The keyspace: all databases of a node, and one Database's dictionary, TTLs and per-slot index.
// Commands read and write values only through a Database, so that every insert, overwrite,
// rename, delete and expiry keeps the TTL table and the slot index right, and lazy expiry (a key
// past its TTL is gone for every command) lives in one place: lookupRead/lookupWrite.
// Mirrors db.c in Redis 7.0 (lookupKey*, dbAdd, dbOverwrite, setKey, dbDelete, expireIfNeeded).
import { keySlotLatin1 } from "@shoal/slot-hash";
import type { KeyspaceHooks, NotifyClass } from "./command-types.js";
import { DEFAULT_ENCODING_LIMITS, type EncodingLimits, settleEncoding } from "./encoding.js";
import { EvictionPool } from "./eviction.js";
import { type ExpireCycleResult, runActiveExpireCycle } from "./expire-cycle.js";
import {
  estimateIdleMs,
  type LfuSettings,
  lfuDecrAndReturn,
  lfuInitRecord,
  lfuTimeInMinutes,
  lfuTouch,
  lruClock,
  lruRecordIdle,
} from "./lru-lfu.js";
import {
  chargedValueBytes,
  chargeValue,
  KEY_OVERHEAD_BYTES,
  keyMemoryUsage,
  remeasureValue,
  SET_ENTRY_BYTES,
  stringBytes,
  TTL_ENTRY_BYTES,
} from "./memory.js";
import { RdbLoader, type RdbLoadOptions } from "./rdb/reader.js";
import type { SnapshotState } from "./rdb/snapshot-walk.js";
import {
  captureRdbSnapshot,
  loadRdbInto,
  type RdbLoadWholeOptions,
  type RdbSaveOptions,
  rdbChunks,
  rdbChunksAsync,
} from "./rdb/stream.js";
import { ScanOrder } from "./scan.js";
import { isList, isStream, isZSet, type Value } from "./value.js";

export interface KeyspaceOptions {
  /** Number of databases (redis.conf `databases`); cluster mode uses db 0 only. Default 16. */
  databases?: number;
  /** Keep the per-slot key index (needed in cluster mode; costs one CRC16 per insert/delete). */
  slotIndex?: boolean;
  /** Server hooks (propagation, WATCH, notifications, blocked clients). */
  hooks?: KeyspaceHooks;
  /** Cluster mode: db 0 only (COPY ... DB, MOVE, SWAPDB refused). Default: slotIndex. */
  clusterMode?: boolean;
  /**
   * The redis.conf thresholds of OBJECT ENCODING, conversions and RDB/DUMP layouts
   * (hash-max-listpack-*, set-max-intset-entries, zset-max-listpack-*, list-max-listpack-size);
   * missing ones take Redis 7.0's defaults. Change them later with `configureEncoding`.
   */
  encodingLimits?: Partial<EncodingLimits>;
  /**
   * The random source of SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER and RANDOMKEY: a function
   * returning a number in [0, 1). Default Math.random; a seeded one makes replies reproducible.
   */
  random?: () => number;
}

/** Counters INFO stats reports. */
export interface KeyspaceStats {
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
  /** Keys removed by eviction (INFO's evicted_keys). */
  evictedKeys: number;
}

/** How many written collections Database.resized holds before they are re-measured unasked. */
const RESIZED_FOLD_AT = 1 << 16;

const snapshotReaper = new FinalizationRegistry<{ ks: Keyspace; st: SnapshotState }>(({ ks, st }) =>
  ks.openSnapshots.delete(st),
);

export class Keyspace {
  readonly dbs: Database[];
  readonly slotIndex: boolean;
  hooks: KeyspaceHooks;
  readonly stats: KeyspaceStats = {
    keyspaceHits: 0,
    keyspaceMisses: 0,
    expiredKeys: 0,
    evictedKeys: 0,
  };
  /**
   * False on a replica: keys past their TTL read as missing but are only deleted when the master
   * sends DEL (Redis's expireIfNeeded on replicas).
   */
  deleteExpired = true;
  /**
   * True while a replica applies its master's stream: keys past their TTL are not treated as
   * missing at all, as Redis does for the master client (the master's DEL decides), so an
   * APPEND or INCR from the master works on the same value the master had.
   */
  ignoreExpiry = false;

  /** The random source of the commands that pick at random (KeyspaceOptions.random). */
  readonly random: () => number;
  /** This keyspace's own thresholds; values in it hold a reference and see changes in place. */
  private readonly limits: EncodingLimits;

  constructor(options: KeyspaceOptions = {}) {
    const n = options.databases ?? 16;
    this.slotIndex = options.slotIndex ?? false;
    this.clusterMode = options.clusterMode ?? this.slotIndex;
    this.hooks = options.hooks ?? {};
    this.random = options.random ?? Math.random;
    this.limits = { ...DEFAULT_ENCODING_LIMITS, ...options.encodingLimits };
    this.dbs = Array.from({ length: n }, (_, i) => new Database(this, i));
  }

  /** The thresholds values of this keyspace are judged by (read-only: see configureEncoding). */
  get encodingLimits(): Readonly<EncodingLimits> {
    return this.limits;
  }

  /**
   * Changes some thresholds (CONFIG SET hash-max-listpack-entries and the like). As in Redis,
   * nothing is converted now: each value is judged by the new limits at its next write.
   */
  configureEncoding(limits: Partial<EncodingLimits>): void {
    Object.assign(this.limits, limits);
  }

  db(index: number): Database {
    const d = this.dbs[index];
    if (!d) throw new RangeError(`no database ${index}`);
    return d;
  }

  /** Snapshots being streamed: each change saves the key's prior state first (rdb/snapshot-walk.ts). */
  readonly openSnapshots = new Set<SnapshotState>();
  private policy = "noeviction";
  /**
   * True under an LFU maxmemory-policy: a key's access record (Database.lru) is then an LFU
   * counter and its decay minute rather than an access time (see lru-lfu.ts).
   */
  lfu = false;
  /** lfu-log-factor and lfu-decay-time. */
  readonly lfuSettings: LfuSettings = { logFactor: 10, decayTime: 1 };
  /** The candidates eviction keeps between calls (evict.c's EvictionPoolLRU). */
  readonly evictionPool = new EvictionPool(this);

  /**
   * maxmemory-policy as the server configured it: it picks what eviction samples, and OBJECT
   * FREQ needs an LFU policy and OBJECT IDLETIME a non-LFU one, as in Redis. Switching between
   * LRU and LFU reinterprets the records already kept, as Redis does ("LRU and LFU data will
   * take some time to adjust").
   */
  get maxmemoryPolicy(): string {
    return this.policy;
  }

  set maxmemoryPolicy(p: string) {
    this.policy = p;
    this.lfu = p.endsWith("-lfu");
  }
  /** Cluster mode (COPY to another db, MOVE and SWAPDB are refused). Defaults to slotIndex. */
  clusterMode: boolean;
  /**
   * Wall-clock milliseconds for stamping a key's access time where no command time is at hand
   * (a key created or overwritten). Tests with a settable clock replace it.
   */
  clock: () => number = Date.now;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE checks a payload's version but not its CRC. */
  skipChecksumValidation = false;

  /** A snapshot abandoned without being iterated to the end closes when its iterator is collected. */
  private closeWhenDropped<T extends object>(it: T, st: SnapshotState): T {
    snapshotReaper.register(it, { ks: this, st });
    return it;
  }

  /**
   * The whole keyspace as of this call as an RDB file, exactly as Redis 7.0 writes one (version
   * 10, aux fields, SELECTDB/RESIZEDB, 7.0's encodings, EOF and CRC-64), in chunks of at most
   * `batchKeys` keys / about `batchBytes` bytes that yield to the event loop between them while
   * commands run (dump.rdb, the AOF's RDB preamble, a full-sync payload). Iterate it to the end
   * (or break out of the loop) so the snapshot closes.
   */
  rdbSnapshot(opts: RdbSaveOptions = {}): AsyncIterable<Buffer> {
    const st = captureRdbSnapshot(this, opts);
    return this.closeWhenDropped(rdbChunksAsync(this, st, opts), st);
  }

  /** The same RDB stream as `rdbSnapshot()`, produced synchronously as it is iterated. */
  rdbSnapshotSync(opts: RdbSaveOptions = {}): Iterable<Buffer> {
    const st = captureRdbSnapshot(this, opts);
    return this.closeWhenDropped(rdbChunks(this, st, opts), st);
  }

  /**
   * Loads a whole RDB file or stream (Redis 7.0's or any version up to 11), all or nothing: on
   * an error the data is emptied (flush, the default) or left as it was (flush: false merges the
   * keys only once the whole file read), and RdbFormatError is thrown. Returns the loader: `aux`
   * (repl-id, repl-offset, ...), `loaded`, `skippedExpired`.
   */
  loadRdb(data: Uint8Array | Iterable<Uint8Array>, opts: RdbLoadWholeOptions = {}): RdbLoader {
    // DEBUG RELOAD empties the data first (emptyData -> signalFlushedDb): the WATCH of a key
    // that was there fails, as after FLUSHALL.
    if (opts.flush ?? true) this.hooks.dbFlushed?.(-1, (i, k) => this.dbs[i]?.dict.has(k) ?? false);
    return loadRdbInto(this, data, opts);
  }

  /**
   * A streaming RDB loader into this keyspace, for a payload read from a socket: `push()` the
   * pieces as they arrive, `finish()` at the end. It adds keys as it goes; empty the data first
   * and again if it throws (Redis's replica does: emptyData before and after a failed load).
   */
  rdbLoader(opts: RdbLoadOptions = {}): RdbLoader {
    return new RdbLoader(this, opts);
  }

  /** Round-robin position of the active expiry cycle across databases. */
  expireDbCursor = 0;

  /**
   * Redis's activeExpireCycle: samples keys with a TTL (20 per round, per database, resuming
   * where the last call stopped), deletes the expired ones, repeats while more than a quarter of
   * a sample was expired, and returns once `budgetMs` of wall time is spent. Call it from a
   * timer (Redis: 10 times a second with a 25 ms budget). Does nothing on a replica.
   */
  activeExpireCycle(now: number, budgetMs = 25): ExpireCycleResult {
    return runActiveExpireCycle(this, now, budgetMs);
  }

  /**
   * What the keys of all databases cost, by the running accounting of memory.ts (the dataset
   * part of used_memory, which eviction compares with maxmemory). O(databases) plus the
   * collections written since the last call, re-measured now.
   */
  datasetBytes(): number {
    let total = 0;
    for (const d of this.dbs) total += d.chargedBytes();
    return total;
  }

  /** Approximate bytes held by all keys of all databases (sampled; see Database.memoryEstimate). */
  memoryEstimate(): number {
    let total = 0;
    for (const d of this.dbs) total += d.memoryEstimate();
    return total;
  }

  /** SWAPDB: exchanges the contents of two databases (clients keep their db index). */
  swapDbs(a: number, b: number): void {
    if (a === b) return;
    this.db(a).swapContents(this.db(b));
  }

  /** FLUSHALL: empties every database (signals WATCH once with dbIndex -1). */
  flushAll(): number {
    // signalFlushedDb runs while the keys are still there.
    this.hooks.dbFlushed?.(-1, (i, k) => this.dbs[i]?.dict.has(k) ?? false);
    let removed = 0;
    for (const d of this.dbs) removed += d.clear();
    this.evictionPool.clear();
    return removed;
  }
}

export class Database {
  /** Key (latin1) -> value. (Not readonly only so SWAPDB can exchange contents.) */
  dict = new Map<string, Value>();
  /** Key -> absolute expiry time in unix milliseconds; only keys with a TTL. */
  expires = new Map<string, number>();
  /**
   * Key -> its access record: the `lru` field of Redis's robj (the LRU clock of the last access,
   * or under an LFU policy the LFU counter and its decay minute: lru-lfu.ts), stamped when the
   * key is created or overwritten and by every lookup not made with LOOKUP_NOTOUCH, and read
   * by eviction, OBJECT IDLETIME/FREQ and DEBUG OBJECT. One Map entry per key (a Smi value) is the price of
   * answering idle times as Redis does; there is no per-key wrapper object to hold it. Measured
   * on 1M string keys (Node 20): 29 bytes per key, and a touching lookup about 150 ns against
   * 75 ns without (the second table's cache miss) — Redis's write to robj.lru costs it nothing.
   */
  lru = new Map<string, number>();
  /**
   * The access time (unix seconds) of a key that has no `lru` entry: keys inserted by loadAdd
   * (an RDB load) share this one stamp instead of an entry each, until their first touch.
   * Measured (bench/rdb.ts, 1M mixed keys, best of 3 alternating with the old code, CPU time on
   * a loaded 2-core box): loadAdd without the per-key entry and hooks, 2710 -> 2392 ms (-12%),
   * and 29 bytes per key less until the keys are touched.
   */
  loadedAccess = 0;
  /** Slot -> keys in it; only when the keyspace keeps a slot index. */
  private slots: (Set<string> | undefined)[] | null;
  /** Insertion-ordered key log behind SCAN's cursor (see scan.ts). */
  private order: ScanOrder<string>;
  /** Where the active expiry cycle resumes in `expires` (a live Map iterator). */
  expireIter: Iterator<[string, number]> | null = null;
  /** Running average of sampled TTLs (ms), as INFO keyspace's avg_ttl. */
  avgTtl = 0;
  /** Where eviction's volatile-* sampling resumes in `expires` (a live Map iterator). */
  evictIter: Iterator<string> | null = null;
  /** What this database's keys cost, by the accounting of memory.ts (see chargedBytes). */
  private bytes = 0;
  /** Collections written in place since they were last measured (re-measured by chargedBytes). */
  private resized = new Set<string>();
  /** What each key costs beyond its name and value (the slot index's entry in cluster mode). */
  private readonly keyOverhead: number;

  constructor(
    readonly keyspace: Keyspace,
    readonly index: number,
  ) {
    this.slots = keyspace.slotIndex ? new Array(16384) : null;
    this.order = this.makeOrder();
    this.keyOverhead = KEY_OVERHEAD_BYTES + (keyspace.slotIndex ? SET_ENTRY_BYTES : 0);
  }

  /** The accounting's figure for this database, after re-measuring the collections written. */
  chargedBytes(): number {
    if (this.resized.size !== 0) {
      for (const k of this.resized) {
        const v = this.dict.get(k);
        if (v !== undefined) this.bytes += remeasureValue(v);
      }
      this.resized.clear();
    }
    return this.bytes;
  }

  /** A key and its value enter the accounting. */
  private chargeKey(key: string, value: Value): void {
    this.bytes += this.keyOverhead + stringBytes(key.length) + chargeValue(value);
  }

  private makeOrder(firstSeq = 1): ScanOrder<string> {
    return new ScanOrder(
      () => this.dict.keys(),
      (k) => this.dict.has(k),
      firstSeq,
    );
  }

  get size(): number {
    return this.dict.size;
  }

  // ---- Lookups with lazy expiry ------------------------------------------------------------

  /**
   * The value for a read (counts a keyspace hit or miss), or undefined if absent or expired.
   * `noTouch` leaves the key's access time alone (Redis's LOOKUP_NOTOUCH: EXISTS, TYPE, the TTL
   * family).
   */
  lookupRead(key: string, now: number, noTouch = false): Value | undefined {
    const v = this.lookup(key, now, !noTouch);
    if (v === undefined) {
      this.keyspace.stats.keyspaceMisses++;
      this.keyspace.hooks.notify?.(this.index, "keymiss", "keymiss", key);
    } else this.keyspace.stats.keyspaceHits++;
    return v;
  }

  /** The value for a write, or undefined if absent or expired. No hit/miss accounting. */
  lookupWrite(key: string, now: number): Value | undefined {
    const v = this.lookup(key, now, true);
    // An open snapshot must see this value as it was: it saves it before the write.
    if (v !== undefined && this.keyspace.openSnapshots.size !== 0) this.snapBeforeChange(key);
    return v;
  }

  /**
   * lookupKeyWrite of a key setKey() is about to replace: a stale key is expired first, but the
   * access is recorded only under an LFU policy (the counter carries over to the new value);
   * otherwise setKey stamps the new value's access time itself, so the stamp here would be a
   * wasted probe of the access map. No hit/miss accounting.
   */
  lookupForOverwrite(key: string, now: number): Value | undefined {
    return this.lookup(key, now, this.keyspace.lfu);
  }

  /**
   * True if the key exists (not expired). No hit/miss accounting, and not an access: the
   * access time stays (OBJECT, DEBUG OBJECT, RANDOMKEY look keys up this way in Redis too).
   */
  has(key: string, now: number): boolean {
    return this.lookup(key, now, false) !== undefined;
  }

  private lookup(key: string, now: number, touch: boolean): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0 && !this.keyspace.ignoreExpiry) {
      const when = this.expires.get(key);
      // keyIsExpired: `now > when`; at the very millisecond of its expiry the key still exists.
      if (when !== undefined && when < now && this.expireNow(key)) return undefined;
    }
    if (touch) this.touch(key, now);
    return v;
  }

  /** An access to a key (lookupKey's LRU/LFU update). */
  private touch(key: string, now: number): void {
    const ks = this.keyspace;
    // An open snapshot keeps the record as of its call, as a fork's copy does not see later reads.
    if (ks.openSnapshots.size !== 0) for (const s of ks.openSnapshots) s.beforeTouch(this, key);
    if (!ks.lfu) this.lru.set(key, lruClock(now));
    else this.lru.set(key, lfuTouch(this.accessRecord(key), now, ks.lfuSettings, ks.random));
  }

  /** The record a key was stamped with when created now: an access time, or LFU_INIT_VAL. */
  private newRecord(nowMs: number): number {
    return this.keyspace.lfu ? lfuInitRecord(nowMs) : lruClock(nowMs);
  }

  /**
   * A key's access record (its robj `lru` field): the LRU clock of its last access, or under an
   * LFU policy the LFU record (lru-lfu.ts). Keys loaded in bulk share the load's stamp.
   */
  accessRecord(key: string): number {
    const r = this.lru.get(key);
    if (r !== undefined) return r;
    const at = this.loadedAccess * 1000;
    return this.keyspace.lfu ? lfuInitRecord(at) : lruClock(at);
  }

  /**
   * objectSetLRUOrLFU (RESTORE IDLETIME/FREQ, an RDB's IDLE/FREQ opcodes): under an LFU policy a
   * `freq` sets the counter, otherwise an `idle` (seconds) back-dates the access; -1 = not given.
   */
  setAccess(key: string, idle: number, freq: number, nowMs: number): void {
    if (this.keyspace.lfu) {
      if (freq >= 0) this.lru.set(key, (lfuTimeInMinutes(nowMs) << 8) | freq);
    } else if (idle >= 0) this.lru.set(key, lruRecordIdle(idle, nowMs));
  }

  /** OBJECT FREQ: the key's LFU counter after decay (meaningful under an LFU policy). */
  lfuFrequency(key: string, now: number): number {
    return lfuDecrAndReturn(this.accessRecord(key), now, this.keyspace.lfuSettings.decayTime);
  }

  /**
   * Seconds since the key was last accessed (Redis's estimateObjectIdleTime / 1000), 0 for a
   * missing key. `now` in unix milliseconds.
   */
  idleSeconds(key: string, now: number): number {
    if (!this.dict.has(key)) return 0;
    return Math.floor(estimateIdleMs(this.accessRecord(key), now) / 1000);
  }

  /**
   * Deletes a key whose TTL has passed, propagating DEL and notifying "expired". On a replica
   * (deleteExpired false) the key reads as missing but stays until the master's DEL arrives.
   * Returns true when the key must be treated as missing.
   */
  expireNow(key: string): boolean {
    const ks = this.keyspace;
    if (!ks.deleteExpired) return true;
    this.delete(key);
    ks.stats.expiredKeys++;
    ks.hooks.propagate?.(this.index, ["DEL", key]);
    ks.hooks.notify?.(this.index, "expired", "expired", key);
    ks.hooks.keyModified?.(this.index, key, true);
    return true;
  }

  /**
   * Evicts a key (performEvictions's deletion): removes it, invalidates WATCH, notifies
   * "evicted" and propagates DEL, or UNLINK under lazyfree-lazy-eviction (propagateDeletion).
   */
  evict(key: string, lazy: boolean): void {
    const ks = this.keyspace;
    this.delete(key);
    ks.stats.evictedKeys++;
    // By the server, not a client (signalModifiedKey(NULL, ...)): a NOLOOP client hears of it.
    ks.hooks.keyModified?.(this.index, key, true);
    ks.hooks.notify?.(this.index, "evicted", "evicted", key);
    ks.hooks.propagate?.(this.index, [lazy ? "UNLINK" : "DEL", key]);
  }

  // ---- Writes ------------------------------------------------------------------------------

  /** dbAdd: the key must not exist. Wakes clients blocked on it when the value is a list or zset. */
  add(key: string, value: Value): void {
    // On a replica an expired key reads as missing but stays in the dict: a client write that
    // recreates it (writable replica) replaces it whole, TTL and all.
    if (!this.keyspace.deleteExpired && this.dict.has(key)) this.delete(key);
    if (this.keyspace.openSnapshots.size !== 0)
      for (const s of this.keyspace.openSnapshots) s.added(this, key);
    settleEncoding(value, this.keyspace.encodingLimits);
    this.dict.set(key, value);
    this.chargeKey(key, value);
    this.lru.set(key, this.newRecord(this.keyspace.clock()));
    this.order.added(key);
    if (this.slots) this.indexAdd(key);
    const hooks = this.keyspace.hooks;
    hooks.notify?.(this.index, "new", "new", key);
    // Redis's dbAdd: a list, sorted set or stream appearing under a key may serve blocked clients.
    if (hooks.keyReady !== undefined && (isList(value) || isZSet(value) || isStream(value)))
      hooks.keyReady(this.index, key);
  }

  /**
   * add() for a bulk load (RDB): no hooks (a load is silent), no replica dict probe, and an
   * access time of `loadedAccess` held by the database instead of a per-key entry. The caller
   * checks for duplicates (the dict's size did not grow) and that no snapshot is open (then it
   * uses add()). Sets the TTL when `when` is not -1.
   */
  loadAdd(key: string, value: Value, when: number): void {
    // A string has no encoding to settle, and settleEncoding's symbol lookup, megamorphic over a
    // load's mix of values, cost a string primitive a prototype-chain walk: 3% of a mixed load.
    if (typeof value !== "string") settleEncoding(value, this.keyspace.encodingLimits);
    this.dict.set(key, value);
    this.chargeKey(key, value);
    this.order.added(key);
    if (this.slots) this.indexAdd(key);
    if (when !== -1) {
      this.expires.set(key, when);
      this.bytes += TTL_ENTRY_BYTES;
    }
  }

  /**
   * Starts a bulk load: keys loadAdd()s from now on were accessed at `seconds`. Returns false
   * (the caller then uses add()) when earlier keys already share another stamp.
   */
  beginLoad(seconds: number): boolean {
    if (this.lru.size !== this.dict.size && this.loadedAccess !== seconds) return false;
    this.loadedAccess = seconds;
    return true;
  }

  /**
   * dbOverwrite: replaces an existing key's value, keeping its TTL. A caller that just looked the
   * key up passes the value it found as `old`, sparing a probe of the dict.
   */
  overwrite(key: string, value: Value, old: Value | undefined = this.dict.get(key)): void {
    if (this.keyspace.openSnapshots.size !== 0) this.snapBeforeChange(key);
    this.replaceValue(key, value, old);
  }

  /** dbOverwrite's part shared with setKey: the value, its charge and its access record. */
  private replaceValue(key: string, value: Value, old: Value | undefined): void {
    settleEncoding(value, this.keyspace.encodingLimits);
    this.dict.set(key, value);
    if (old !== value) {
      if (old !== undefined) this.bytes -= chargedValueBytes(old);
      this.bytes += chargeValue(value);
    }
    // A new object in Redis: its lru is now (only an LFU policy carries the old counter over).
    if (!this.keyspace.lfu) this.lru.set(key, lruClock(this.keyspace.clock()));
  }

  /** setKey: add or overwrite; drops the TTL unless keepTtl. Signals keyModified. */
  setKey(key: string, value: Value, keepTtl = false): void {
    // One probe of the dict for both the test and the old value's charge: on a replica applying
    // a stream of SETs, the Map probes were the largest share of the CPU.
    const old = this.dict.get(key);
    if (old !== undefined) {
      if (this.keyspace.openSnapshots.size !== 0) this.snapBeforeChange(key);
      this.replaceValue(key, value, old);
      if (!keepTtl && this.expires.size !== 0 && this.expires.delete(key))
        this.bytes -= TTL_ENTRY_BYTES;
    } else this.add(key, value);
    this.keyspace.hooks.keyModified?.(this.index, key);
  }

  /** dbDelete: removes the key and its TTL. Does not signal; callers signal and notify. */
  delete(key: string): boolean {
    if (this.keyspace.openSnapshots.size !== 0) this.snapBeforeChange(key);
    const v = this.dict.get(key);
    if (v === undefined) return false;
    this.dict.delete(key);
    this.bytes -= this.keyOverhead + stringBytes(key.length) + chargedValueBytes(v);
    this.lru.delete(key);
    this.order.removed();
    if (this.expires.size !== 0 && this.expires.delete(key)) this.bytes -= TTL_ENTRY_BYTES;
    if (this.slots) this.indexDelete(key);
    return true;
  }

  /** Empties this database (FLUSHDB); returns how many keys it held. */
  clear(): number {
    if (this.keyspace.openSnapshots.size !== 0)
      for (const s of this.keyspace.openSnapshots) s.freeze(this);
    const n = this.dict.size;
    this.dict.clear();
    this.expires.clear();
    this.lru.clear();
    this.bytes = 0;
    this.resized.clear();
    this.loadedAccess = 0;
    this.order.reset();
    this.expireIter = null;
    this.evictIter = null;
    this.avgTtl = 0;
    if (this.slots) this.slots.fill(undefined);
    return n;
  }

  /** Exchanges everything this database holds with `other` (SWAPDB). */
  swapContents(other: Database): void {
    if (this.keyspace.openSnapshots.size !== 0)
      for (const s of this.keyspace.openSnapshots) {
        s.freeze(this);
        s.freeze(other);
      }
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.lru, other.lru] = [other.lru, this.lru];
    [this.loadedAccess, other.loadedAccess] = [other.loadedAccess, this.loadedAccess];
    [this.slots, other.slots] = [other.slots, this.slots];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    [this.bytes, other.bytes] = [other.bytes, this.bytes];
    [this.resized, other.resized] = [other.resized, this.resized];
    // Fresh scan logs (built from the dicts at their first use), numbered past every cursor
    // either database handed out: a scan in progress restarts rather than skip keys.
    const next = Math.max(this.order.next, other.order.next);
    this.order = this.makeOrder(next);
    other.order = other.makeOrder(next);
    this.expireIter = null;
    other.expireIter = null;
    this.evictIter = null;
    other.evictIter = null;
  }

  // ---- Iteration ---------------------------------------------------------------------------

  /**
   * One SCAN step: visits about `count` live keys from `cursor` (expired keys are skipped and
   * lazily deleted) and returns the next cursor, 0 at the end. Every key present for the whole
   * scan is visited at least once, however the dict changes in between (see scan.ts).
   */
  scan(
    cursor: number,
    count: number,
    now: number,
    visit: (key: string, value: Value) => void,
  ): number {
    const expired: string[] = [];
    const next = this.order.scan(cursor, count, (k) => {
      if (this.expires.size !== 0) {
        const when = this.expires.get(k);
        if (when !== undefined && when < now) {
          expired.push(k);
          return;
        }
      }
      visit(k, this.dict.get(k) as Value);
    });
    for (const k of expired) if (this.dict.has(k)) this.expireNow(k);
    return next;
  }

  /** A key from a random slot of the key log, possibly deleted since: eviction's sampling. */
  sampleKey(): string | undefined {
    return this.order.sample(this.keyspace.random);
  }

  /** A random live key (RANDOMKEY), or undefined when the database is empty. */
  randomKey(now: number, random: () => number = this.keyspace.random): string | undefined {
    // Pick random log slots (dead ones are retried); expired keys are deleted as Redis's
    // dbRandomKey does. After a bounded number of tries fall back to the first live key.
    for (let tries = 0; tries < 100 && this.dict.size > 0; tries++) {
      const k = this.order.sample(random);
      if (k === undefined || !this.dict.has(k)) continue;
      const when = this.expires.size !== 0 ? this.expires.get(k) : undefined;
      if (when !== undefined && when < now) {
        // On a replica the expired key stays; Redis returns it then rather than loop forever.
        if (!this.keyspace.deleteExpired) return k;
        this.expireNow(k);
        continue;
      }
      return k;
    }
    for (const k of this.dict.keys()) if (this.has(k, now)) return k;
    return undefined;
  }

  // ---- Memory ------------------------------------------------------------------------------

  /**
   * MEMORY USAGE: approximate bytes for a key, its value and its TTL entry; collections are
   * sampled (`samples` elements, 0 = all) and extrapolated, as Redis's objectComputeSize.
   * Undefined when the key does not exist.
   */
  memoryUsage(key: string, samples = 5): number | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    return keyMemoryUsage(key, v, this.expires.has(key), samples);
  }

  /** Approximate bytes held by this database: measured on up to 1000 keys, extrapolated. */
  memoryEstimate(): number {
    const n = this.dict.size;
    if (n === 0) return 0;
    let sum = 0;
    let seen = 0;
    for (const [k, v] of this.dict) {
      sum += keyMemoryUsage(k, v, this.expires.has(k), 5);
      if (++seen >= 1000) break;
    }
    return Math.round((sum / seen) * n + this.order.slots * 16);
  }

  // ---- TTLs --------------------------------------------------------------------------------

  /** Sets an absolute expiry (unix ms) on an existing key. */
  setExpire(key: string, when: number): void {
    if (this.keyspace.openSnapshots.size !== 0) this.snapBeforeChange(key);
    const n = this.expires.size;
    this.expires.set(key, when);
    if (this.expires.size !== n) this.bytes += TTL_ENTRY_BYTES;
  }

  /** Absolute expiry in unix ms, or -1 when the key has no TTL. */
  getExpire(key: string): number {
    return this.expires.get(key) ?? -1;
  }

  /** Removes a TTL; true if there was one. */
  persist(key: string): boolean {
    if (this.keyspace.openSnapshots.size !== 0) this.snapBeforeChange(key);
    if (!this.expires.delete(key)) return false;
    this.bytes -= TTL_ENTRY_BYTES;
    return true;
  }

  /** Lets every open snapshot save `key` as it was before a change (see rdb/snapshot-walk.ts). */
  private snapBeforeChange(key: string): void {
    for (const s of this.keyspace.openSnapshots) s.beforeChange(this, key);
  }

  // ---- Signals (thin wrappers so commands read like Redis's) -------------------------------

  signalModified(key: string, v: Value | undefined = this.dict.get(key)): void {
    // A collection written in place is re-measured when the accounting is next read. A caller
    // that holds the key's value passes it as `v`, sparing a probe of the dict.
    if (v !== undefined && typeof v !== "string" && !(v instanceof Uint8Array)) {
      this.resized.add(key);
      // Folded now and then even if nobody reads the figure (a keyspace used without a server
      // cron): the set would otherwise keep every collection name written, deleted ones too.
      if (this.resized.size >= RESIZED_FOLD_AT) this.chargedBytes();
    }
    this.keyspace.hooks.keyModified?.(this.index, key);
  }

  notify(cls: NotifyClass, event: string, key: string): void {
    this.keyspace.hooks.notify?.(this.index, cls, event, key);
  }

  /** A list or sorted set got elements: clients blocked on `key` may be served. */
  signalReady(key: string): void {
    this.keyspace.hooks.keyReady?.(this.index, key);
  }

  // ---- Per-slot index (cluster mode) -------------------------------------------------------

  /**
   * True when this database keeps the per-slot key index (its keyspace was built with
   * `slotIndex: true`): countKeysInSlot, getKeysInSlot and deleteSlot throw without it.
   */
  get hasSlotIndex(): boolean {
    return this.slots !== null;
  }

  private indexAdd(key: string): void {
    const slot = keySlotLatin1(key);
    const slots = this.slots as (Set<string> | undefined)[];
    let s = slots[slot];
    if (s === undefined) slots[slot] = s = new Set();
    s.add(key);
  }

  private indexDelete(key: string): void {
    const slot = keySlotLatin1(key);
    const slots = this.slots as (Set<string> | undefined)[];
    const s = slots[slot];
    if (s === undefined) return;
    s.delete(key);
    if (s.size === 0) slots[slot] = undefined;
  }

  /** CLUSTER COUNTKEYSINSLOT, O(1). Requires the slot index. */
  countKeysInSlot(slot: number): number {
    return this.requireSlots()[slot]?.size ?? 0;
  }

  /** CLUSTER GETKEYSINSLOT: up to `count` keys of `slot`. */
  getKeysInSlot(slot: number, count: number): string[] {
    const out: string[] = [];
    const s = this.requireSlots()[slot];
    if (s === undefined || count <= 0) return out;
    for (const k of s) {
      out.push(k);
      if (out.length >= count) break;
    }
    return out;
  }

  /** Deletes every key of a slot (after a slot moved away, or CLUSTER FLUSHSLOTS); returns the count. */
  deleteSlot(slot: number): number {
    const s = this.requireSlots()[slot];
    if (s === undefined) return 0;
    const keys = [...s];
    for (const k of keys) {
      this.delete(k);
      this.signalModified(k);
    }
    return keys.length;
  }

  private requireSlots(): (Set<string> | undefined)[] {
    if (!this.slots) throw new Error("the keyspace keeps no slot index (slotIndex: false)");
    return this.slots;
  }
}

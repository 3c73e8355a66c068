// The keyspace: all databases of a node, and one Database's dictionary, TTLs and per-slot index.
// Commands read and write values only through a Database, so that every insert, overwrite,
// rename, delete and expiry keeps the TTL table and the slot index right, and lazy expiry (a key
// past its TTL is gone for every command) lives in one place: lookupRead/lookupWrite.
// Mirrors db.c in Redis 7.0 (lookupKey*, dbAdd, dbOverwrite, setKey, dbDelete, expireIfNeeded).
import { keySlotLatin1 } from "@shoal/slot-hash";
import type { KeyspaceHooks, NotifyClass } from "./command-types.js";
import type { Value } from "./value.js";

export interface KeyspaceOptions {
  /** Number of databases (redis.conf `databases`); cluster mode uses db 0 only. Default 16. */
  databases?: number;
  /** Keep the per-slot key index (needed in cluster mode; costs one CRC16 per insert/delete). */
  slotIndex?: boolean;
  /** Server hooks (propagation, WATCH, notifications, blocked clients). */
  hooks?: KeyspaceHooks;
}

/** Counters INFO stats reports. */
export interface KeyspaceStats {
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
}

export class Keyspace {
  readonly dbs: Database[];
  readonly slotIndex: boolean;
  hooks: KeyspaceHooks;
  readonly stats: KeyspaceStats = { keyspaceHits: 0, keyspaceMisses: 0, expiredKeys: 0 };
  /**
   * False on a replica: keys past their TTL read as missing but are only deleted when the master
   * sends DEL (Redis's expireIfNeeded on replicas).
   */
  deleteExpired = true;

  constructor(options: KeyspaceOptions = {}) {
    const n = options.databases ?? 16;
    this.slotIndex = options.slotIndex ?? false;
    this.hooks = options.hooks ?? {};
    this.dbs = Array.from({ length: n }, (_, i) => new Database(this, i));
  }

  db(index: number): Database {
    const d = this.dbs[index];
    if (!d) throw new RangeError(`no database ${index}`);
    return d;
  }

  /** FLUSHALL: empties every database (signals WATCH once with dbIndex -1). */
  flushAll(): number {
    let removed = 0;
    for (const d of this.dbs) removed += d.clear();
    this.hooks.dbFlushed?.(-1);
    return removed;
  }
}

export class Database {
  /** Key (latin1) -> value. */
  readonly dict = new Map<string, Value>();
  /** Key -> absolute expiry time in unix milliseconds; only keys with a TTL. */
  readonly expires = new Map<string, number>();
  /** Slot -> keys in it; only when the keyspace keeps a slot index. */
  private readonly slots: (Set<string> | undefined)[] | null;

  constructor(
    readonly keyspace: Keyspace,
    readonly index: number,
  ) {
    this.slots = keyspace.slotIndex ? new Array(16384) : null;
  }

  get size(): number {
    return this.dict.size;
  }

  // ---- Lookups with lazy expiry ------------------------------------------------------------

  /** The value for a read (counts a keyspace hit or miss), or undefined if absent or expired. */
  lookupRead(key: string, now: number): Value | undefined {
    const v = this.lookup(key, now);
    if (v === undefined) {
      this.keyspace.stats.keyspaceMisses++;
      this.keyspace.hooks.notify?.(this.index, "keymiss", "keymiss", key);
    } else this.keyspace.stats.keyspaceHits++;
    return v;
  }

  /** The value for a write, or undefined if absent or expired. No hit/miss accounting. */
  lookupWrite(key: string, now: number): Value | undefined {
    return this.lookup(key, now);
  }

  /** True if the key exists (not expired). No hit/miss accounting. */
  has(key: string, now: number): boolean {
    return this.lookup(key, now) !== undefined;
  }

  private lookup(key: string, now: number): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0) {
      const when = this.expires.get(key);
      if (when !== undefined && when <= now && this.expireNow(key)) return undefined;
    }
    return v;
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
    ks.hooks.keyModified?.(this.index, key);
    return true;
  }

  // ---- Writes ------------------------------------------------------------------------------

  /** dbAdd: the key must not exist. Wakes clients blocked on it when the value is a list or zset. */
  add(key: string, value: Value): void {
    this.dict.set(key, value);
    if (this.slots) this.indexAdd(key);
  }

  /** dbOverwrite: replaces an existing key's value, keeping its TTL. */
  overwrite(key: string, value: Value): void {
    this.dict.set(key, value);
  }

  /** setKey: add or overwrite; drops the TTL unless keepTtl. Signals keyModified. */
  setKey(key: string, value: Value, keepTtl = false): void {
    if (this.dict.has(key)) {
      this.dict.set(key, value);
      if (!keepTtl) this.expires.delete(key);
    } else this.add(key, value);
    this.keyspace.hooks.keyModified?.(this.index, key);
  }

  /** dbDelete: removes the key and its TTL. Does not signal; callers signal and notify. */
  delete(key: string): boolean {
    if (!this.dict.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    if (this.slots) this.indexDelete(key);
    return true;
  }

  /** Empties this database (FLUSHDB); returns how many keys it held. */
  clear(): number {
    const n = this.dict.size;
    this.dict.clear();
    this.expires.clear();
    if (this.slots) this.slots.fill(undefined);
    return n;
  }

  // ---- TTLs --------------------------------------------------------------------------------

  /** Sets an absolute expiry (unix ms) on an existing key. */
  setExpire(key: string, when: number): void {
    this.expires.set(key, when);
  }

  /** Absolute expiry in unix ms, or -1 when the key has no TTL. */
  getExpire(key: string): number {
    return this.expires.get(key) ?? -1;
  }

  /** Removes a TTL; true if there was one. */
  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  // ---- Signals (thin wrappers so commands read like Redis's) -------------------------------

  signalModified(key: string): void {
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

// The server's real data store: a StoreAdapter over @shoal/keyspace-store's Keyspace and its
// command table. It owns the Keyspace (databases, slot index in cluster mode), wires the server's
// hooks into it, paces the active expiry cycle from the server cron, and hands the snapshot
// stream to persistence (SAVE, BGSAVE, DEBUG RELOAD, the AOF base).
//
// Cluster mode (the cluster engineer's view): `db(0)` is the Database with the per-slot index
// (`countKeysInSlot(slot)`, `getKeysInSlot(slot, count)`, `deleteSlot(slot)`, `size`), built
// only when the store was created with `slotIndex: true`.
import {
  type CommandSpec,
  commands,
  type Database,
  Keyspace,
  type KeyspaceHooks,
  type KeyspaceStats,
} from "@shoal/keyspace-store";
import type { StoreAdapter } from "./store.js";

export interface KeyspaceStoreOptions {
  /** redis.conf `databases` (cluster mode: the server still passes it; only db 0 is used). */
  databases: number;
  /** Keep the per-slot key index: cluster mode. */
  slotIndex?: boolean;
}

/** Keyspace methods that arrive with keyspace-store's snapshot and expiry modules. */
interface KeyspaceExtras {
  activeExpireCycle?(now: number, budgetMs: number): unknown;
  snapshot?(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  loadSnapshot?(data: Uint8Array): unknown;
}

/** Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC: a cron step may use 25% of the cron period. */
const EXPIRE_CYCLE_SHARE = 0.25;
const EXPIRE_CYCLE_MAX_MS = 25;
/** avg_ttl looks at up to this many keys with a TTL (Redis estimates it from samples too). */
const AVG_TTL_SAMPLE = 1000;

export class KeyspaceStore implements StoreAdapter {
  readonly keyspace: Keyspace;
  readonly commands: readonly CommandSpec[] = commands;
  activeExpireEnabled = true;
  private lastCron = 0;

  constructor(opts: KeyspaceStoreOptions) {
    this.keyspace = new Keyspace({
      databases: opts.databases,
      slotIndex: opts.slotIndex ?? false,
    });
    const ks = this.keyspace as unknown as KeyspaceExtras;
    // Persistence tells "no snapshot support" by the methods' absence.
    if (typeof ks.snapshot === "function") this.snapshot = () => ks.snapshot!();
    if (typeof ks.loadSnapshot === "function")
      this.loadSnapshot = (data) => {
        ks.loadSnapshot!(data);
      };
  }

  /** Snapshot stream of all databases with TTLs, data as of the call (msgpackr records). */
  readonly snapshot?: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  readonly loadSnapshot?: (data: Uint8Array) => void;

  /** Database `i` (cluster mode: db(0) carries the slot index). */
  db(i: number): Database {
    return this.keyspace.db(i);
  }

  get stats(): KeyspaceStats {
    return this.keyspace.stats;
  }

  keyspaceHandle(): Keyspace {
    return this.keyspace;
  }

  dbHandle(i: number): Database {
    return this.keyspace.dbs[i] as Database;
  }

  dbSize(i: number): number {
    return (this.keyspace.dbs[i] as Database).size;
  }

  expiresCount(i: number): number {
    return (this.keyspace.dbs[i] as Database).expires.size;
  }

  avgTtl(i: number, now: number): number {
    const expires = (this.keyspace.dbs[i] as Database).expires;
    if (expires.size === 0) return 0;
    let sum = 0;
    let n = 0;
    for (const when of expires.values()) {
      if (when > now) {
        sum += when - now;
        n++;
      }
      if (n >= AVG_TTL_SAMPLE) break;
    }
    return n === 0 ? 0 : Math.round(sum / n);
  }

  /** One cron step of active expiry, bounded to a quarter of the time since the last step. */
  activeExpireCycle(now: number): void {
    const ks = this.keyspace as unknown as KeyspaceExtras;
    const since = this.lastCron === 0 ? 100 : now - this.lastCron;
    this.lastCron = now;
    const budget = Math.min(EXPIRE_CYCLE_MAX_MS, Math.max(1, since * EXPIRE_CYCLE_SHARE));
    ks.activeExpireCycle?.(now, budget);
  }

  setHooks(hooks: KeyspaceHooks): void {
    this.keyspace.hooks = hooks;
  }

  flushAll(): void {
    this.keyspace.flushAll();
  }
}

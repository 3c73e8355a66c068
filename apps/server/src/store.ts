// The seam between the server and its data: what the server needs from a store (the command
// specs to dispatch to, the objects handed to CommandContext, counts for INFO and DBSIZE, the
// expiry cron, snapshots for SAVE/BGSAVE/DEBUG RELOAD and the AOF base). The real store is
// `KeyspaceStore` (keyspace-adapter.ts) over @shoal/keyspace-store; `EmptyStore` serves embedders
// that want the connection machinery without data, and tests plug in their own.
import type {
  CommandSpec,
  Database,
  KeyspaceHooks,
  KeyspaceStats,
  RdbLoader,
  RdbLoadOptions,
  RdbLoadWholeOptions,
  RdbSaveOptions,
} from "@shoal/keyspace-store";

export interface StoreAdapter {
  /** The keyspace-store command specs to dispatch to. */
  readonly commands: readonly CommandSpec[];
  /** Objects handed to CommandContext.keyspace / .db for database `i`. */
  keyspaceHandle(): unknown;
  dbHandle(i: number): unknown;
  /**
   * The real Database `i`, when the store is keyspace-store's. In cluster mode `db(0)` carries the
   * per-slot index: countKeysInSlot, getKeysInSlot, deleteSlot, size.
   */
  db?(i: number): Database;
  dbSize(i: number): number;
  expiresCount(i: number): number;
  /** INFO keyspace avg_ttl: average remaining TTL (ms) of keys with one, 0 when none. */
  avgTtl?(i: number, now: number): number;
  /** INFO stats expired_keys / keyspace_hits / keyspace_misses, when the store counts them. */
  readonly stats?: KeyspaceStats;
  /** Active expiry cycle step (Redis's activeExpireCycle), called from the server cron. */
  activeExpireCycle?(now: number): void;
  activeExpireEnabled: boolean;
  /** Config directives the store reads (the server calls `configure` at start and on CONFIG SET). */
  readonly configNames?: readonly string[];
  configure?(name: string, value: unknown): void;
  /** Wires the server's hooks into the store. */
  setHooks(hooks: KeyspaceHooks): void;
  /**
   * The data as of the call as an RDB file (version 10, as Redis 7.0 writes it), in chunks that
   * may be produced while commands run: dump.rdb, the AOF's RDB base, the full-sync payload.
   */
  snapshot?(opts?: RdbSaveOptions): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** Loads a whole RDB file, all or nothing (throws RdbFormatError; see Keyspace.loadRdb). */
  loadSnapshot?(data: Uint8Array | Iterable<Uint8Array>, opts?: RdbLoadWholeOptions): RdbLoader;
  /** A push-fed RDB loader (a full-sync payload as it arrives); the caller flushes on error. */
  rdbLoader?(opts?: RdbLoadOptions): RdbLoader;
  flushAll(): void;
  /**
   * Called after a FLUSHALL command emptied the store (persistence rewrites the snapshot then, as
   * Redis does when save points are set, so a restart doesn't bring the data back).
   */
  afterFlushAllCommand?: (() => void) | null;
}

export class EmptyStore implements StoreAdapter {
  readonly commands: readonly CommandSpec[] = [];
  activeExpireEnabled = true;
  constructor(readonly databases: number) {}
  keyspaceHandle(): unknown {
    return undefined;
  }
  dbHandle(): unknown {
    return undefined;
  }
  dbSize(): number {
    return 0;
  }
  expiresCount(): number {
    return 0;
  }
  setHooks(): void {}
  flushAll(): void {}
}

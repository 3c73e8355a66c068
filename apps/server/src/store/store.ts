// The seam between the server and its data: what the server needs from the store (the command
// specs to dispatch to, the Keyspace and Databases handed to CommandContext, counts for INFO and
// DBSIZE, the expiry cron, snapshots for SAVE/BGSAVE/DEBUG RELOAD and the AOF base). The server
// runs on @shoal/keyspace-store only, so the seam is typed with its own classes: the one
// implementation is `KeyspaceStore` (keyspace-adapter.ts).
import type {
  CommandSpec,
  Database,
  Keyspace,
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
  /** All databases (CommandContext.keyspace; replicas and client pause set its expiry flags). */
  readonly keyspace: Keyspace;
  /**
   * Database `i` (CommandContext.db). In cluster mode `db(0)` carries the per-slot index
   * (`hasSlotIndex`): countKeysInSlot, getKeysInSlot, deleteSlot.
   */
  db(i: number): Database;
  dbSize(i: number): number;
  expiresCount(i: number): number;
  /** INFO keyspace avg_ttl: average remaining TTL (ms) of keys with one, 0 when none. */
  avgTtl(i: number, now: number): number;
  /** INFO stats expired_keys / keyspace_hits / keyspace_misses. */
  readonly stats: KeyspaceStats;
  /** Active expiry cycle step (Redis's activeExpireCycle), called from the server cron. */
  activeExpireCycle(now: number): void;
  activeExpireEnabled: boolean;
  /** Config directives the store reads (the server calls `configure` at start and on CONFIG SET). */
  readonly configNames: readonly string[];
  configure(name: string, value: number): void;
  /** Wires the server's hooks into the store. */
  setHooks(hooks: KeyspaceHooks): void;
  /**
   * The data as of the call as an RDB file (version 10, as Redis 7.0 writes it), in chunks that
   * may be produced while commands run: dump.rdb, the AOF's RDB base, the full-sync payload.
   */
  snapshot(opts?: RdbSaveOptions): AsyncIterable<Uint8Array>;
  /** Loads a whole RDB file, all or nothing (throws RdbFormatError; see Keyspace.loadRdb). */
  loadSnapshot(data: Uint8Array | Iterable<Uint8Array>, opts?: RdbLoadWholeOptions): RdbLoader;
  /** A push-fed RDB loader (a full-sync payload as it arrives); the caller flushes on error. */
  rdbLoader(opts?: RdbLoadOptions): RdbLoader;
  flushAll(): void;
  /**
   * Called after a FLUSHALL command emptied the store (persistence rewrites the snapshot then, as
   * Redis does when save points are set, so a restart doesn't bring the data back).
   */
  afterFlushAllCommand: (() => void) | null;
}

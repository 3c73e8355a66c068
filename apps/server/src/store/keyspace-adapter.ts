// The server's real data store: a StoreAdapter over @shoal/keyspace-store's Keyspace and its
// command table. It owns the Keyspace (databases, slot index in cluster mode), wires the server's
// hooks into it, paces the active expiry cycle from the server cron, and hands the snapshot
// stream to persistence (SAVE, BGSAVE, DEBUG RELOAD, the AOF base).
//
// Cluster mode (the cluster engineer's view): `db(0)` is the Database with the per-slot index
// (`hasSlotIndex`, `countKeysInSlot(slot)`, `getKeysInSlot(slot, count)`, `deleteSlot(slot)`,
// `size`), built only when the store was created with `slotIndex: true`.
import {
  type CommandHandler,
  type CommandSpec,
  commands,
  type Database,
  type EncodingLimits,
  Keyspace,
  type KeyspaceHooks,
  type KeyspaceStats,
  type RdbLoader,
  type RdbLoadOptions,
  type RdbLoadWholeOptions,
  type RdbSaveOptions,
} from "@shoal/keyspace-store";
import type { StoreAdapter } from "./store.js";

export interface KeyspaceStoreOptions {
  /** redis.conf `databases` (cluster mode: the server still passes it; only db 0 is used). */
  databases: number;
  /** Keep the per-slot key index: cluster mode. */
  slotIndex?: boolean;
}

/**
 * redis.conf encoding thresholds -> the Keyspace's EncodingLimits (OBJECT ENCODING, conversions,
 * a list's quicklist nodes in RDB files and DUMP payloads).
 */
const ENCODING_DIRECTIVES = new Map<string, keyof EncodingLimits>([
  ["hash-max-listpack-entries", "hashMaxListpackEntries"],
  ["hash-max-listpack-value", "hashMaxListpackValue"],
  ["set-max-intset-entries", "setMaxIntsetEntries"],
  ["zset-max-listpack-entries", "zsetMaxListpackEntries"],
  ["zset-max-listpack-value", "zsetMaxListpackValue"],
  ["list-max-listpack-size", "listMaxListpackSize"],
  ["hll-sparse-max-bytes", "hllSparseMaxBytes"],
  ["stream-node-max-bytes", "streamNodeMaxBytes"],
  ["stream-node-max-entries", "streamNodeMaxEntries"],
]);

/** Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC: a cron step may use 25% of the cron period. */
const EXPIRE_CYCLE_SHARE = 0.25;
const EXPIRE_CYCLE_MAX_MS = 25;
/** avg_ttl looks at up to this many keys with a TTL (Redis estimates it from samples too). */
const AVG_TTL_SAMPLE = 1000;

export class KeyspaceStore implements StoreAdapter {
  readonly keyspace: Keyspace;
  readonly commands: readonly CommandSpec[];
  afterFlushAllCommand: (() => void) | null = null;
  activeExpireEnabled = true;
  private lastCron = 0;

  constructor(opts: KeyspaceStoreOptions) {
    this.keyspace = new Keyspace({
      databases: opts.databases,
      slotIndex: opts.slotIndex ?? false,
    });
    this.commands = commands.map((spec) =>
      spec.name === "flushall" && spec.handler ? this.wrapFlushAll(spec, spec.handler) : spec,
    );
  }

  /** FLUSHALL as the store runs it, then `afterFlushAllCommand` when it flushed. */
  private wrapFlushAll(spec: CommandSpec, handler: CommandHandler): CommandSpec {
    return {
      ...spec,
      handler: (ctx, args, reply) => {
        handler(ctx, args, reply);
        // FLUSHALL [ASYNC|SYNC]; anything else was a syntax error and flushed nothing.
        const flushed =
          args.argc === 1 || (args.argc === 2 && (args.is(1, "sync") || args.is(1, "async")));
        if (flushed) this.afterFlushAllCommand?.();
      },
    };
  }

  /** Database `i` (cluster mode: db(0) carries the slot index). */
  db(i: number): Database {
    return this.keyspace.db(i);
  }

  get stats(): KeyspaceStats {
    return this.keyspace.stats;
  }

  dbSize(i: number): number {
    return this.keyspace.db(i).size;
  }

  expiresCount(i: number): number {
    return this.keyspace.db(i).expires.size;
  }

  /**
   * INFO keyspace avg_ttl. Redis reports the running estimate its expiry cycle keeps from the
   * TTLs it samples; keyspace-store keeps the same (`Database.avgTtl`). Without one, a sample.
   */
  avgTtl(i: number, now: number): number {
    const db = this.keyspace.db(i);
    if (db.expires.size === 0) return 0;
    if (db.avgTtl > 0) return Math.round(db.avgTtl);
    let sum = 0;
    let n = 0;
    for (const when of db.expires.values()) {
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
    const since = this.lastCron === 0 ? 100 : now - this.lastCron;
    this.lastCron = now;
    const budget = Math.min(EXPIRE_CYCLE_MAX_MS, Math.max(1, since * EXPIRE_CYCLE_SHARE));
    this.keyspace.activeExpireCycle(now, budget);
  }

  readonly configNames: readonly string[] = [...ENCODING_DIRECTIVES.keys()];

  /** A config value the store uses (one of configNames): this keyspace's, no other's. */
  configure(name: string, value: number): void {
    const field = ENCODING_DIRECTIVES.get(name);
    if (field !== undefined) this.keyspace.configureEncoding({ [field]: value });
  }

  setHooks(hooks: KeyspaceHooks): void {
    this.keyspace.hooks = hooks;
  }

  /**
   * The keyspace as of this call as an RDB file, in chunks produced in batches that yield to the
   * event loop (writes meanwhile don't change what is written): SAVE, BGSAVE, the AOF base, a
   * full-sync payload.
   */
  snapshot(opts?: RdbSaveOptions): AsyncIterable<Uint8Array> {
    return this.keyspace.rdbSnapshot(opts);
  }

  /** Replaces all data with an RDB file's, all or nothing (keys already expired are skipped). */
  loadSnapshot(data: Uint8Array | Iterable<Uint8Array>, opts?: RdbLoadWholeOptions): RdbLoader {
    return this.keyspace.loadRdb(data, opts);
  }

  rdbLoader(opts?: RdbLoadOptions): RdbLoader {
    return this.keyspace.rdbLoader(opts);
  }

  flushAll(): void {
    this.keyspace.flushAll();
  }
}

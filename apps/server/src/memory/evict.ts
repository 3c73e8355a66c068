// maxmemory: the memory figure eviction compares with the limit, freeing memory by evicting keys,
// and the OOM refusal of commands flagged denyoom. Mirrors getMaxmemoryState,
// freeMemoryGetNotCountedMemory, performEvictions, evictionTimeLimitUs, startEvictionTimeProc
// and isSafeToPerformEvictions in src/evict.c, and processCommand's OOM check in src/server.c
// (Redis 7.0). Which key goes is keyspace-store's EvictionPool (its eviction.ts).
//
// The figure: V8's heapUsed counts garbage until the next collection, so evicting on it would
// evict too much, then watch the figure drop after a GC and oscillate. Shoal evicts on a figure
// that follows the keyspace instead: what the process held at start-up, plus the keyspace's
// running accounting (Keyspace.datasetBytes: per-key charges adjusted on every write, delete and
// expiry), plus the normal and pub/sub clients' memory (networking/client-memory.ts's running
// sum), the replication backlog, the replicas' output buffers and the AOF buffer. As in
// Redis, the last two are not counted for eviction (mem_not_counted_for_evict): deleting keys
// writes DELs to them, which must not trigger more eviction. The server README reports how far
// the figure is from the heap after a forced GC.
import type { Keyspace } from "@shoal/keyspace-store";
import { errors } from "@shoal/keyspace-store";
import type { ServerConfig } from "../config/load.js";
import type { Logger } from "../log.js";
import type { Replication } from "../replication/replication.js";

/** What eviction reads of the node. */
export interface EvictionHost {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly store: { readonly keyspace: Keyspace };
  readonly replication: Pick<Replication, "isReplica" | "backlog" | "replicas">;
  readonly persistence: {
    readonly loading: boolean;
    readonly aof: { readonly pendingBytes: number } | null;
  } | null;
  readonly pause: { readonly pauseUntil: number };
  readonly net: { readonly clientMemory: { readonly normalBytes: number } };
  readonly scripting: { readonly inScript: boolean };
}

/** performEvictions's results. */
export const EvictResult = { ok: 0, running: 1, fail: 2 } as const;
export type EvictResult = (typeof EvictResult)[keyof typeof EvictResult];

/**
 * The time one performEvictions call may spend before it hands the rest to a timer
 * (evictionTimeLimitUs): 0..500 us linearly up to tenacity 10, then 15% more per step, no limit
 * at 100.
 */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.floor(500 * 1.15 ** (tenacity - 10));
  return Number.POSITIVE_INFINITY;
}

/** The heap the process held before any data: part of used_memory, as Redis's startup memory. */
const STARTUP_MEMORY = (() => {
  const mu = process.memoryUsage();
  return mu.heapUsed + mu.external;
})();

export class Evictor {
  /** maxmemory in bytes; 0 = no limit. */
  maxmemory = 0;
  /** The pending startEvictionTimeProc step. */
  private evictionTimer: NodeJS.Immediate | null = null;
  /** server.stat_last_eviction_exceeded_time: since when (ms) memory has been over the limit. */
  private exceededSince = 0;
  /** server.stat_total_eviction_exceeded_time, in ms. */
  private exceededTotal = 0;
  /**
   * server.pre_command_oom_state: whether the last command started out of memory. A script's
   * first write is refused on it (scriptVerifyOOM) rather than on a check made mid-script.
   */
  preCommandOom = false;

  constructor(private readonly host: EvictionHost) {
    this.settings();
  }

  /** The settings read per eviction, cached until the config changes. */
  private cfgVersion = -1;
  private policy = "noeviction";
  private samples = 5;
  private tenacity = 10;
  private lazy = false;

  private settings(): void {
    const cfg = this.host.config;
    if (cfg.version === this.cfgVersion) return;
    this.cfgVersion = cfg.version;
    this.maxmemory = cfg.get<number>("maxmemory");
    this.policy = cfg.get<string>("maxmemory-policy");
    this.samples = cfg.get<number>("maxmemory-samples");
    this.tenacity = cfg.get<number>("maxmemory-eviction-tenacity");
    this.lazy = cfg.get<boolean>("lazyfree-lazy-eviction");
  }

  /** The memory figures of INFO memory and of the maxmemory check (see the file's comment). */
  memoryFigures() {
    const { store, replication, persistence } = this.host;
    const dataset = store.keyspace.datasetBytes();
    const replBacklog = replication.backlog?.histlen ?? 0;
    let replicaBuffers = 0;
    for (const r of replication.replicas) replicaBuffers += r.deferredBytes + r.sock.writableLength;
    const aofBuffer = persistence?.aof?.pendingBytes ?? 0;
    const clientsNormal = this.host.net.clientMemory.normalBytes;
    const overhead = STARTUP_MEMORY + clientsNormal + replBacklog + replicaBuffers + aofBuffer;
    return {
      used: overhead + dataset,
      startup: STARTUP_MEMORY,
      dataset,
      overhead,
      replBacklog,
      replicaBuffers,
      clientsNormal,
      aofBuffer,
      notCountedForEvict: replicaBuffers + aofBuffer,
    };
  }

  /**
   * getMaxmemoryState: bytes to free to get back under maxmemory, 0 when under (or no limit).
   * Runs before every command while maxmemory is set, so it sums the counted parts directly
   * (no figures object, no walk over the replicas, whose buffers don't count anyway).
   */
  memoryToFree(): number {
    this.settings();
    if (this.maxmemory === 0) return 0;
    const { store, replication, net } = this.host;
    const counted =
      STARTUP_MEMORY +
      store.keyspace.datasetBytes() +
      net.clientMemory.normalBytes +
      (replication.backlog?.histlen ?? 0);
    return counted > this.maxmemory ? counted - this.maxmemory : 0;
  }

  /** isSafeToPerformEvictions: not while loading, in a busy script, on a replica, or paused. */
  private safeToEvict(): boolean {
    const h = this.host;
    if (h.scripting.inScript || h.persistence?.loading) return false;
    if (h.replication.isReplica && h.config.get<boolean>("replica-ignore-maxmemory")) return false;
    return h.pause.pauseUntil === 0;
  }

  /**
   * performEvictions: evicts keys by maxmemory-policy until used memory is back under maxmemory,
   * for at most the tenacity's time limit (then a timer goes on, and the result is `running`).
   * `fail` when memory is over the limit and nothing can be evicted.
   */
  performEvictions(): EvictResult {
    if (this.maxmemory === 0 || !this.safeToEvict()) return EvictResult.ok;
    const toFree = this.memoryToFree();
    let result: EvictResult = EvictResult.fail;
    if (toFree === 0) result = EvictResult.ok;
    else if (this.policy !== "noeviction") result = this.evict(toFree);
    this.updateMetrics(result);
    return result;
  }

  private evict(toFree: number): EvictResult {
    const ks = this.host.store.keyspace;
    const limitMs = evictionTimeLimitUs(this.tenacity) / 1000;
    const t0 = performance.now();
    let freed = 0;
    let keys = 0;
    while (freed < toFree) {
      const pick = ks.evictionPool.pick(this.policy, this.samples, Date.now());
      if (pick === undefined) return EvictResult.fail;
      // Only what the delete itself frees counts, as Redis measures around dbSyncDelete: the DEL
      // written to the AOF and replicas is freed later and must not stop the loop.
      const before = pick.db.chargedBytes();
      pick.db.evict(pick.key, this.lazy);
      freed += before - pick.db.chargedBytes();
      keys++;
      if (keys % 16 === 0 && performance.now() - t0 > limitMs) {
        this.startEvictionTimer();
        return EvictResult.running;
      }
    }
    return EvictResult.ok;
  }

  /** startEvictionTimeProc: eviction goes on between events until done or stuck. */
  startEvictionTimer(): void {
    if (this.evictionTimer !== null) return;
    this.evictionTimer = setImmediate(() => {
      this.evictionTimer = null;
      if (this.performEvictions() === EvictResult.running) this.startEvictionTimer();
    });
  }

  /** The eviction-exceeded times of INFO stats (ms): total, and the current stretch. */
  exceededTimes(now = performance.now()): { total: number; current: number } {
    const current = this.exceededSince === 0 ? 0 : now - this.exceededSince;
    return { total: Math.floor(this.exceededTotal + current), current: Math.floor(current) };
  }

  resetStats(): void {
    this.exceededTotal = 0;
    if (this.exceededSince !== 0) this.exceededSince = performance.now();
  }

  private updateMetrics(result: EvictResult): void {
    if (result !== EvictResult.ok) {
      if (this.exceededSince === 0) this.exceededSince = performance.now();
    } else if (this.exceededSince !== 0) {
      this.exceededTotal += performance.now() - this.exceededSince;
      this.exceededSince = 0;
    }
  }

  /**
   * CONFIG SET maxmemory (updateMaxmemory): a warning when the new limit is below what is used,
   * and eviction starts at once.
   */
  maxmemoryChanged(): void {
    this.settings();
    if (this.maxmemory === 0) return;
    const m = this.memoryFigures();
    const used = m.used - m.notCountedForEvict;
    if (this.maxmemory < used)
      this.host.log.warning(
        `WARNING: the new maxmemory value set via CONFIG SET (${this.maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
      );
    this.startEvictionTimer();
  }
}

/** shared.oomerr. */
export const ERR_OOM = errors.ERR_OOM;

/**
 * scriptVerifyOOM, for redis.call/pcall: a denyoom command is refused when the script's command
 * started out of memory and the script has written nothing yet (a script can't stop halfway
 * through its writes), unless the script carries the allow-oom flag or runs for our master or
 * the AOF. Returns the error text, or undefined to go on.
 */
export function scriptOomError(
  evictor: Pick<Evictor, "maxmemory" | "preCommandOom">,
  cmd: { readonly denyoom: boolean },
  script: { readonly allowOom: boolean; readonly wroteSoFar: boolean; readonly obeyed: boolean },
): string | undefined {
  if (script.allowOom || evictor.maxmemory === 0 || script.obeyed || script.wroteSoFar)
    return undefined;
  return evictor.preCommandOom && cmd.denyoom ? ERR_OOM : undefined;
}

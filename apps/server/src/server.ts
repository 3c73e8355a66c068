// The node: builds its collaborators and wires them together, and keeps what is node-wide: the
// cron (serverCron at `hz`), beforeSleep's AOF and replication step, CONFIG SET's side effects,
// RESET, CONFIG RESETSTAT and the shutdown sequence. Mirrors initServer(), serverCron(),
// beforeSleep() and prepareForShutdown() in src/server.c (Redis 7.0). The mechanisms live in the
// collaborators (see the README's architecture section): client connections in networking/,
// propagation in propagate.ts, the store commands' context in command-context.ts, blocking,
// pub/sub, WATCH, notifications, MONITOR and client pause in their own modules. The methods
// below that only forward to one of them are the node as NodeServices describes it to commands.
import { randomBytes } from "node:crypto";
import type net from "node:net";
import type { KeyspaceHooks } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import { BlockedClients } from "./blocking/blocked.js";
import { CallContext } from "./call-context.js";
import type { ClusterRuntime } from "./cluster/cluster-runtime.js";
import { KeyLocks } from "./cluster/key-locks.js";
import { StoreCommandContext } from "./command-context.js";
import { CommandGuard } from "./command-guard.js";
import { CommandTable } from "./commands/command-table.js";
import { memorySubcommands } from "./commands/diagnostics.js";
import { serverCommands } from "./commands/index.js";
import type { ServerConfig } from "./config/load.js";
import { AclLog } from "./diagnostics/acl-log.js";
import { Monitors } from "./diagnostics/monitor.js";
import { SlowLog } from "./diagnostics/slowlog.js";
import { ServerStats } from "./diagnostics/stats.js";
import { processCommand, runHandler } from "./dispatch.js";
import type { Logger } from "./log.js";
import { Evictor } from "./memory/evict.js";
import { MemoryReclaim } from "./memory/reclaim.js";
import { WatchedKeys } from "./multi/multi.js";
import { type Client, ClientReplyMode } from "./networking/client-connection.js";
import type { ClientMemory } from "./networking/client-memory.js";
import { ClientPause } from "./networking/client-pause.js";
import { Networking } from "./networking/networking.js";
import type { NodeServices } from "./node-services.js";
import { KeyspaceNotifier } from "./notify.js";
import { DISK_ERROR_SETTINGS, DiskErrors } from "./persistence/disk-errors.js";
import type { Persistence } from "./persistence/persistence.js";
import { Propagation } from "./propagate.js";
import type { OwnedArgs } from "./protocol/command-decoder.js";
import { PubSub } from "./pubsub/pubsub.js";
import { Replication } from "./replication/replication.js";
import { Scripting } from "./scripting/eval.js";
import { functionCommands } from "./scripting/function-commands.js";
import { scriptCommands } from "./scripting/script-commands.js";
import type { StoreAdapter } from "./store/store.js";
import { Tracking } from "./tracking/tracking.js";

export class Server implements NodeServices {
  readonly table = new CommandTable<Client>();
  /** MIGRATE's cached target connections (INFO stats migrate_cached_sockets). */
  migrateLinks: { readonly size: number } | null = null;
  readonly stats = new ServerStats();
  readonly startTime = Date.now();
  readonly runId = randomBytes(20).toString("hex");
  /** Master–replica replication: the write stream, replicas, the link to our master. */
  readonly replication: Replication;
  executable = process.argv[1] ?? "";
  /** Listeners, the client table, reading commands and writing replies (networking/). */
  readonly net: Networking;
  /** Writes to the AOF and the replication stream, a transaction's wrapped (propagate.ts). */
  readonly propagation: Propagation;
  /** A command's exception becomes its error reply (command-guard.ts). */
  private readonly guard: CommandGuard;
  private cronTimer: NodeJS.Timeout | undefined;
  /** Calls of serverCron per second (`hz`, clamped). */
  private cronHz = 10;
  /** DEBUG PAUSE-CRON 1: serverCron does nothing at all until it is set back to 0. */
  pauseCron = false;
  shuttingDown = false;
  /** CLIENT PAUSE and a manual failover's pause (client-pause.ts). */
  readonly pause: ClientPause;
  /** Clients that sent MONITOR, and the feed of every command to them (monitor.ts). */
  readonly monitors: Monitors;
  /** Keyspace notifications (notify.c): the store's events, published as Redis does. */
  private readonly notifier: KeyspaceNotifier;
  readonly slowlog = new SlowLog();
  readonly aclLog = new AclLog();
  /** Keys an in-flight MIGRATE is moving: other clients' commands on them wait. */
  readonly keyLocks = new KeyLocks();
  readonly scripting: Scripting = new Scripting(this);
  /** slowlog-log-slower-than, cached for the per-command check. */
  slowlogThreshold = 10000;

  /** Channels, patterns and shard channels, and the clients subscribed to them (pubsub.c). */
  readonly pubsub: PubSub;
  /** WATCHed keys and the clients watching them (multi.c). */
  readonly watches = new WatchedKeys();
  /** maxmemory: the memory figure, eviction, the OOM check (memory/evict.ts). */
  readonly evictor: Evictor;
  /** A GC asked for once deletions freed enough for V8 to give back (memory/reclaim.ts). */
  private readonly reclaim: MemoryReclaim;
  /** Client-side caching: who may cache which keys, and their invalidations (tracking.c). */
  readonly tracking: Tracking;
  /** Clients blocked on keys, the keys ready to serve them (blocking/blocked.ts). */
  readonly blocking: BlockedClients;

  /** The command being called and the batch's clock: dispatch writes it (call-context.ts). */
  readonly call = new CallContext();
  /** The context store commands run with (command-context.ts). */
  private readonly storeContext: StoreCommandContext;

  /** Changes since the last save (Redis's server.dirty). */
  dirty = 0;
  persistence: Persistence | null = null;
  /** MISCONF: writes refused while the node can't persist (persistence/disk-errors.ts). */
  readonly diskErrors: DiskErrors;
  /** Cluster mode (cluster-enabled yes): the node's cluster state, bus and routing. */
  cluster: ClusterRuntime | null = null;

  constructor(
    readonly config: ServerConfig,
    readonly log: Logger,
    readonly store: StoreAdapter,
  ) {
    this.diskErrors = new DiskErrors(config);
    this.net = new Networking(this);
    this.guard = new CommandGuard(log, (c) => this.net.clientInfoString(c));
    this.propagation = new Propagation(this);
    const flush = (c: Client) => this.net.scheduleFlush(c);
    this.pubsub = new PubSub(this.stats, flush);
    this.monitors = new Monitors(flush);
    this.notifier = new KeyspaceNotifier(config, this.pubsub);
    this.tracking = new Tracking(this);
    this.pause = new ClientPause({
      call: this.call,
      scheduleFlush: flush,
      runOneCommand: (c, args) => this.net.runOneCommand(c, args),
      processInputBuffer: (c) => this.net.processInputBuffer(c),
      setExpiryPaused: (on) => this.setExpiryPaused(on),
    });
    this.blocking = new BlockedClients({
      call: this.call,
      stats: this.stats,
      scheduleFlush: flush,
      processInputBuffer: (c) => this.net.processInputBuffer(c),
      runHandler: (c, entry, args) => runHandler(this, c, entry, args),
      slowlogCheck: (c, args, usec, entry) => {
        const threshold = this.slowlogThreshold;
        if (threshold >= 0 && usec >= threshold && !entry.skipSlowlog)
          this.slowlog.maybeAdd(this.config, c, args, usec, entry);
      },
    });
    this.table.addServer(serverCommands(this));
    this.table.addServer([
      ...scriptCommands(this.scripting),
      ...functionCommands(this.scripting, this),
    ]);
    this.slowlogThreshold = config.get<number>("slowlog-log-slower-than");
    this.storeContext = new StoreCommandContext(this);
    this.table.addKeyspace(store.commands, (spec) => this.storeContext.wrap(spec));
    this.table.addServerSubcommands("memory", memorySubcommands(this));
    this.replication = new Replication(this);
    const hooks: KeyspaceHooks = {
      propagate: (db, argv) => this.propagation.propagate(db, argv),
      keyModified: (db, key, byServer) => {
        this.watches.touch(db, key);
        if (this.tracking.armed)
          this.tracking.invalidateKey(key, byServer ? null : this.call.client);
      },
      dbFlushed: (db, exists, swapped) => {
        this.watches.touchAllInDb(db, exists);
        // signalFlushedDb tells client-side caches; SWAPDB (dbSwapDatabases) does not.
        if (!swapped && this.tracking.armed) this.tracking.invalidateAllOnFlush();
      },
      notify: (db, cls, event, key) => this.notifier.notify(db, cls, event, key),
      keyReady: (db, key) => this.blocking.signalKeyAsReady(db, key),
      dbSwapped: (a, b) => {
        this.blocking.signalBlockedKeysInDb(a);
        this.blocking.signalBlockedKeysInDb(b);
      },
    };
    store.setHooks(hooks);
    // A key created or overwritten by a command is stamped with the batch's clock, as Redis's
    // LRU_CLOCK() reads a cached one: a clock read costs 70–90 ns on Node here, 7% of a SET.
    const call = this.call;
    store.keyspace.clock = () => (call.depth > 0 ? call.now : Date.now());
    this.evictor = new Evictor(this);
    this.reclaim = new MemoryReclaim(
      () => store.keyspace.datasetBytes(),
      () => this.net.clientMemory.normalBytes,
    );
    this.configureEviction();
    // Store tunables (encoding thresholds) from the config; CONFIG SET passes changes on.
    for (const name of store.configNames) store.configure(name, config.get(name));
  }

  get databases(): number {
    return this.config.get<number>("databases");
  }

  // ---- Networking (networking/networking.ts) -------------------------------------------------

  get clients(): ReadonlyMap<number, Client> {
    return this.net.clients;
  }

  get clientMemory(): ClientMemory {
    return this.net.clientMemory;
  }

  /** Binds every `bind` address on `port`; throws (with Redis's wording logged) on failure. */
  listen(): Promise<void> {
    return this.net.listen();
  }

  rebind(port: number, bind: string[]): Promise<void> {
    return this.net.rebind(port, bind);
  }

  processInputBuffer(client: Client): void {
    this.net.processInputBuffer(client);
  }

  acceptWhileBusy(): void {
    this.net.acceptWhileBusy();
  }

  stopAcceptingWhileBusy(): void {
    this.net.stopAcceptingWhileBusy();
  }

  processCommand(client: Client, args: CommandArgs): void {
    processCommand(this, client, args);
  }

  runOneCommand(client: Client, args: CommandArgs): void {
    this.net.runOneCommand(client, args);
  }

  runAsync(client: Client, work: () => Promise<void>): void {
    this.net.runAsync(client, work);
  }

  scheduleFlush(client: Client): void {
    this.net.scheduleFlush(client);
  }

  requestBeforeSleep(): void {
    this.net.requestBeforeSleep();
  }

  registerClient(sock: net.Socket): Client {
    return this.net.registerClient(sock);
  }

  createReplayClient(): { run(args: OwnedArgs): void } {
    return this.net.createReplayClient();
  }

  closeClientNow(client: Client): void {
    this.net.closeClientNow(client);
  }

  /** Closes every client connection after writing what is pending. */
  closeAllClients(): void {
    this.net.closeAllClients();
  }

  clientInfoString(c: Client): string {
    return this.net.clientInfoString(c);
  }

  /** freeClient()'s unlinking: the client leaves every list the node keeps of it. */
  clientUnlinked(client: Client): void {
    this.watches.unwatchAll(client);
    if (client.tracking !== 0) this.tracking.disable(client);
    this.monitors.delete(client);
    this.blocking.unblock(client, false);
    this.pubsub.unsubscribeAll(client, false);
  }

  /**
   * Once per event-loop turn, before the replies: send client-side caching's BCAST messages,
   * write the AOF (fsync if `always`), feed replicas.
   */
  beforeSleep(): void {
    // BCAST invalidations of the turn; messages held for a blocked command's re-run.
    this.tracking.broadcast();
    this.tracking.sendPending();
    this.persistence?.beforeSleep();
    this.replication.beforeSleep();
  }

  // ---- Command exceptions (command-guard.ts) -------------------------------------------------

  /** SHOAL_FAIL_FAST=1: a command's exception is logged and rethrown. */
  get failFast(): boolean {
    return this.guard.failFast;
  }

  /** Exceptions commands threw since start (each answered with an error and logged). */
  get commandExceptions(): number {
    return this.guard.exceptions;
  }

  commandException(client: Client, name: string, err: unknown, mark: number): void {
    this.guard.commandException(client, name, err, mark);
  }

  // ---- Propagation (propagate.ts) ------------------------------------------------------------

  propagate(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    this.propagation.propagate(dbIndex, argv);
  }

  get inExec(): boolean {
    return this.propagation.inExec;
  }

  beginExecPropagation(dbIndex: number, script?: boolean): void {
    this.propagation.beginExecPropagation(dbIndex, script);
  }

  setPropagationTargets(targets: number): void {
    this.propagation.setPropagationTargets(targets);
  }

  endExecPropagation(dbIndex: number): void {
    this.propagation.endExecPropagation(dbIndex);
  }

  // ---- Cron ----------------------------------------------------------------------------------

  startCron(): void {
    const hz = Math.max(1, Math.min(500, this.config.get<number>("hz")));
    this.cronHz = hz;
    this.cronTimer = setInterval(() => this.serverCron(), Math.round(1000 / hz));
    this.cronTimer.unref();
  }

  private serverCron(): void {
    if (this.pauseCron) return;
    const now = Date.now();
    const s = this.stats;
    s.instantaneous.track(now, {
      ops: s.commandsProcessed,
      netIn: s.netInputBytes,
      netOut: s.netOutputBytes,
      replIn: this.replication.netReplInputBytes,
      replOut: this.replication.netReplOutputBytes,
    });
    this.net.clientsCron(now, this.cronHz);
    this.pause.cron(now);
    // A replica waits for its master's DELs (Redis's activeExpireCycle runs on masters only).
    // Nor while clients are paused: the dataset stays still, expiries included (Redis 7.0's
    // checkClientPauseTimeoutAndReturnIfPaused in activeExpireCycle).
    if (
      this.store.activeExpireEnabled &&
      !this.replication.isReplica &&
      this.pause.pauseUntil === 0
    )
      this.store.activeExpireCycle(now);
    this.persistence?.cron(now);
    this.reclaim.cron(now);
    // Also here, so a CONFIG SET tracking-table-max-keys applies on an idle server too.
    if (this.tracking.clients !== 0) this.tracking.limitUsedSlots();
  }

  /**
   * While clients are paused, keys past their TTL read as missing but aren't deleted (no DEL to
   * replicas), as a replica does: Redis 7.0's expireIfNeeded during a pause.
   */
  private setExpiryPaused(on: boolean): void {
    this.store.keyspace.deleteExpired = !on && !this.replication.isReplica;
  }

  // ---- Node-wide actions of commands ---------------------------------------------------------

  /** The keyspace's side of maxmemory-policy, lfu-log-factor and lfu-decay-time. */
  private configureEviction(): void {
    const ks = this.store.keyspace;
    ks.maxmemoryPolicy = this.config.get<string>("maxmemory-policy");
    ks.lfuSettings.logFactor = this.config.get<number>("lfu-log-factor");
    ks.lfuSettings.decayTime = this.config.get<number>("lfu-decay-time");
  }

  resetStats(): void {
    this.stats.reset();
    this.replication.resetStats();
    const ks = this.store.stats;
    if (ks) ks.expiredKeys = ks.keyspaceHits = ks.keyspaceMisses = ks.evictedKeys = 0;
    this.evictor.resetStats();
    for (const e of this.table.all()) {
      e.calls = e.usec = e.rejectedCalls = e.failedCalls = 0;
      if (e.subcommands)
        for (const s of e.subcommands.values())
          s.calls = s.usec = s.rejectedCalls = s.failedCalls = 0;
    }
  }

  /** RESET: back to a fresh connection's state (Redis's resetCommand/clearClientConnectionState). */
  resetClient(c: Client): void {
    c.multiQueue = null;
    c.multiDirty = false;
    this.watches.unwatchAll(c);
    if (c.tracking !== 0) this.tracking.disable(c);
    this.pubsub.unsubscribeAll(c, false);
    c.db = 0;
    c.reply.resp = 2;
    c.name = "";
    c.replyMode = ClientReplyMode.On;
    c.reply.enabled = true;
    // A monitor becomes a normal client again (clearClientConnectionState).
    this.monitors.delete(c);
    // CLIENT NO-EVICT survives RESET in 7.0 (7.2's clearClientConnectionState clears it).
    c.readOnly = false;
    c.asking = false;
    if (this.config.get<string>("requirepass") !== "") c.setAuthenticated(false);
  }

  /** Side effects of CONFIG SET on a running server. */
  applyConfigChange(name: string): void {
    if (this.store.configNames.includes(name)) this.store.configure(name, this.config.get(name));
    if (name.startsWith("repl-") || name.startsWith("min-replicas-"))
      this.replication.applyConfigChange(name);
    if (name.startsWith("cluster-") || name === "repl-ping-replica-period")
      this.cluster?.applyConfigChange(name);
    if (DISK_ERROR_SETTINGS.has(name)) this.diskErrors.refresh();
    switch (name) {
      case "bind-source-addr":
        // Bus links opened from now on; the replication link and MIGRATE read it per connect.
        this.cluster?.bus.setLocalAddress(this.config.get<string>("bind-source-addr"));
        break;
      case "slowlog-log-slower-than":
        this.slowlogThreshold = this.config.get<number>("slowlog-log-slower-than");
        break;
      case "loglevel":
        this.log.setLevel(this.config.get<string>("loglevel"));
        break;
      case "proto-max-bulk-len":
        for (const c of this.clients.values())
          c.decoder.maxBulkLen = this.config.get<number>("proto-max-bulk-len");
        break;
      case "appendfsync":
        if (this.persistence?.aof)
          this.persistence.aof.fsync = this.config.get<"always" | "everysec" | "no">("appendfsync");
        break;
      case "appendonly":
        this.persistence?.setAppendOnly(this.config.get<boolean>("appendonly"));
        break;
      case "maxmemory":
        this.evictor.maxmemoryChanged();
        break;
      case "maxmemory-policy":
      case "lfu-log-factor":
      case "lfu-decay-time":
        this.configureEviction();
        break;
      case "hz":
        if (this.cronTimer) {
          clearInterval(this.cronTimer);
          this.startCron();
        }
        break;
    }
  }

  /** Hook set by main: performs the whole shutdown and exits the process. */
  onShutdownRequest:
    | ((
        opts: { save: boolean | undefined; force: boolean },
        from: Client | null,
      ) => Promise<boolean>)
    | null = null;

  async requestShutdown(
    opts: { save: boolean | undefined; force: boolean },
    from: Client | null,
  ): Promise<void> {
    const ok = this.onShutdownRequest ? await this.onShutdownRequest(opts, from) : false;
    if (!ok && from && !from.closed) {
      from.reply.error("ERR Errors trying to SHUTDOWN. Check logs.");
      this.scheduleFlush(from);
    }
  }

  // ---- Shutdown (Redis's prepareForShutdown / finishShutdown) --------------------------------

  /**
   * Stops the server: stop accepting, flush pending replies, write the AOF (and a snapshot when
   * save points are configured or `save` is forced), remove the pid file. Returns false when a
   * required save failed (Redis then refuses to exit, unless FORCE).
   */
  async shutdown(opts: { save: boolean | undefined; force?: boolean }): Promise<boolean> {
    this.log.warning("User requested shutdown...");
    // New connections are dropped meanwhile (acceptConnection); the listeners stay open until the
    // exit is certain, so a node whose final save fails can still be reached (finishShutdown).
    this.shuttingDown = true;
    if (this.cronTimer) clearInterval(this.cronTimer);
    for (const c of this.clients.values()) if (c.blocked) this.blocking.unblock(c, false);
    try {
      await this.persistence?.shutdown(opts.save);
    } catch (err) {
      this.log.warning(`Error trying to save the DB, can't exit. ${(err as Error).message}`);
      if (!opts.force) {
        this.shuttingDown = false;
        this.startCron(); // the node stays up: its cron goes on
        this.log.warning(
          "Errors trying to shut down the server. Check the logs for more information.",
        );
        return false;
      }
    }
    // Only once the exit is certain: a node that stays up must stay in the cluster, reachable.
    this.net.stopListening();
    await this.cluster?.shutdown();
    return true;
  }
}

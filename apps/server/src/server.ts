// The server: listeners, the client table, the once-per-turn flush (Redis's beforeSleep), the
// cron (serverCron/clientsCron at `hz`), and the state shared by commands: pub/sub channels,
// WATCHed keys, clients blocked on keys, propagation to the AOF. Mirrors src/server.c and
// src/networking.c (Redis 7.0) in structure: handlers set state, one step per event-loop turn
// writes replies, after the AOF has been written (and fsynced when appendfsync is always).
import { randomBytes } from "node:crypto";
import net from "node:net";
import type {
  BlockTimeoutReply,
  CommandContext,
  CommandSpec,
  KeyspaceHooks,
} from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import { AclLog } from "./acl-log.js";
import { BlockedClients } from "./blocking/blocked.js";
import { CallContext } from "./call-context.js";
import { Client, ClientReplyMode } from "./client-connection.js";
import { ClientPause } from "./client-pause.js";
import type { ClusterRuntime } from "./cluster/cluster-runtime.js";
import { CommandTable } from "./command-table.js";
import { memorySubcommands } from "./commands/diagnostics.js";
import { serverCommands } from "./commands/index.js";
import type { OutputLimits } from "./config/directives.js";
import type { ServerConfig } from "./config/load.js";
import { processCommand, runHandler } from "./dispatch.js";
import { KeyLocks } from "./key-locks.js";
import type { Logger } from "./log.js";
import { Monitors } from "./monitor.js";
import { WatchedKeys } from "./multi/multi.js";
import type { NodeServices } from "./node-services.js";
import { KeyspaceNotifier } from "./notify.js";
import type { Persistence } from "./persistence/persistence.js";
import { DecodeResult, type OwnedArgs } from "./protocol/command-decoder.js";
import { ReplyTooLargeError } from "./protocol/reply-buffer.js";
import { PubSub } from "./pubsub/pubsub.js";
import { Replication } from "./replication/replication.js";
import { SlowLog } from "./slowlog.js";
import { ServerStats } from "./stats.js";
import type { StoreAdapter } from "./store.js";

/** Output above this pauses reading from the client until the socket drains (bounded memory). */
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;
/** Encoded replies above this are handed to the socket at once, mid-turn. */
const REPLY_EARLY_FLUSH = 1024 * 1024;
/** Usable bytes of Redis's query buffer after a 16 KiB read (CLIENT LIST qbuf-free). */
const QUERYBUF_ALLOC = 20474;

const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

export class Server implements NodeServices {
  readonly table = new CommandTable<Client>();
  readonly clients = new Map<number, Client>();
  /** MIGRATE's cached target connections (INFO stats migrate_cached_sockets). */
  migrateLinks: { readonly size: number } | null = null;
  readonly stats = new ServerStats();
  readonly startTime = Date.now();
  readonly runId = randomBytes(20).toString("hex");
  /** Master–replica replication: the write stream, replicas, the link to our master. */
  readonly replication: Replication;
  get replId(): string {
    return this.replication.replid;
  }
  /** Offset of the replication stream (master_repl_offset): the failover rank. */
  get masterReplOffset(): number {
    return this.replication.offset;
  }
  executable = process.argv[1] ?? "";
  private nextClientId = 1;
  private listeners: net.Server[] = [];
  private pendingFlush: Client[] = [];
  private flushScheduled = false;
  private cronTimer: NodeJS.Timeout | undefined;
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
  /** slowlog-log-slower-than, cached for the per-command check. */
  slowlogThreshold = 10000;

  /** Channels, patterns and shard channels, and the clients subscribed to them (pubsub.c). */
  readonly pubsub: PubSub;
  /** WATCHed keys and the clients watching them (multi.c). */
  readonly watches = new WatchedKeys();
  /** Clients blocked on keys, the keys ready to serve them (blocking/blocked.ts). */
  readonly blocking: BlockedClients;

  /** The command being called and the batch's clock: dispatch writes it (call-context.ts). */
  readonly call = new CallContext();
  /** Inside EXEC: propagated writes are wrapped in MULTI/EXEC. */
  private execPropagation: { dbIndex: number; started: boolean } | null = null;

  /** Changes since the last save (Redis's server.dirty). */
  dirty = 0;
  persistence: Persistence | null = null;
  /** Cluster mode (cluster-enabled yes): the node's cluster state, bus and routing. */
  cluster: ClusterRuntime | null = null;
  private readonly ctx: MutableContext;

  constructor(
    readonly config: ServerConfig,
    readonly log: Logger,
    readonly store: StoreAdapter,
  ) {
    const flush = (c: Client) => this.scheduleFlush(c);
    this.pubsub = new PubSub(this.stats, flush);
    this.monitors = new Monitors(flush);
    this.notifier = new KeyspaceNotifier(config, this.pubsub);
    this.pause = new ClientPause({
      call: this.call,
      scheduleFlush: flush,
      runOneCommand: (c, args) => this.runOneCommand(c, args),
      processInputBuffer: (c) => this.processInputBuffer(c),
      setExpiryPaused: (on) => this.setExpiryPaused(on),
    });
    this.blocking = new BlockedClients({
      call: this.call,
      stats: this.stats,
      scheduleFlush: flush,
      processInputBuffer: (c) => this.processInputBuffer(c),
      runHandler: (c, entry, args) => runHandler(this, c, entry, args),
      slowlogCheck: (c, args, usec, entry) => {
        const threshold = this.slowlogThreshold;
        if (threshold >= 0 && usec >= threshold && !entry.skipSlowlog)
          this.slowlog.maybeAdd(this.config, c, args, usec, entry);
      },
    });
    this.table.addServer(serverCommands(this));
    this.slowlogThreshold = config.get<number>("slowlog-log-slower-than");
    this.table.addKeyspace(store.commands, (spec) => this.wrapKeyspaceHandler(spec));
    this.table.addServerSubcommands("memory", memorySubcommands(this));
    this.ctx = new MutableContext(this);
    this.replication = new Replication(this);
    const hooks: KeyspaceHooks = {
      propagate: (db, argv) => this.propagate(db, argv),
      keyModified: (db, key) => this.watches.touch(db, key),
      dbFlushed: (db, exists) => this.watches.touchAllInDb(db, exists),
      notify: (db, cls, event, key) => this.notifier.notify(db, cls, event, key),
      keyReady: (db, key) => this.blocking.signalKeyAsReady(db, key),
      dbSwapped: (a, b) => {
        this.blocking.signalBlockedKeysInDb(a);
        this.blocking.signalBlockedKeysInDb(b);
      },
    };
    store.setHooks(hooks);
    // Store tunables (encoding thresholds) from the config; CONFIG SET passes changes on.
    for (const name of store.configNames ?? []) store.configure?.(name, config.get(name));
  }

  get databases(): number {
    return this.config.get<number>("databases");
  }

  // ---- Listening -----------------------------------------------------------------------------

  /** Binds every `bind` address on `port`; throws (with Redis's wording logged) on failure. */
  async listen(): Promise<void> {
    this.listeners = await this.openListeners(
      this.config.get<number>("port"),
      this.config.get<string[]>("bind"),
    );
  }

  /**
   * CONFIG SET port/bind: listen on the new addresses first, then close the old listeners (Redis's
   * changeListener). On failure the old listeners stay and the error is thrown.
   */
  async rebind(port: number, bind: string[]): Promise<void> {
    const next = await this.openListeners(port, bind);
    this.closeListeners();
    this.listeners = next;
  }

  private async openListeners(port: number, addrs: readonly string[]): Promise<net.Server[]> {
    const out: net.Server[] = [];
    if (port === 0) return out;
    for (const raw of addrs) {
      const optional = raw.startsWith("-");
      let host = optional ? raw.slice(1) : raw;
      if (host === "*") host = "0.0.0.0";
      if (host === "::*") host = "::";
      const srv = net.createServer({ noDelay: true }, (sock) => this.acceptConnection(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once("error", reject);
          srv.listen({ port, host, ipv6Only: host.includes(":"), backlog: 511 }, () => {
            srv.off("error", reject);
            resolve();
          });
        });
        out.push(srv);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (optional && (e.code === "EADDRNOTAVAIL" || e.code === "EAFNOSUPPORT")) continue;
        for (const l of out) l.close();
        this.log.warning(
          `Warning: Could not create server TCP listening socket ${raw}:${port}: ${e.message}`,
        );
        throw err;
      }
    }
    return out;
  }

  private closeListeners(): void {
    for (const l of this.listeners) l.close();
    this.listeners = [];
  }

  // ---- Connections ---------------------------------------------------------------------------

  private acceptConnection(sock: net.Socket): void {
    this.stats.connectionsReceived++;
    if (this.shuttingDown) {
      sock.destroy();
      return;
    }
    const keepalive = this.config.get<number>("tcp-keepalive");
    if (keepalive > 0) sock.setKeepAlive(true, keepalive * 1000);
    if (this.clients.size >= this.config.get<number>("maxclients")) {
      this.stats.rejectedConnections++;
      sock.end("-ERR max number of clients reached\r\n");
      return;
    }
    if (this.isProtectedModeDenied(sock)) {
      this.stats.rejectedConnections++;
      sock.end(PROTECTED_MODE_DENIED);
      return;
    }
    const client = new Client(
      this.nextClientId++,
      sock,
      this.config.get<string>("requirepass") !== "",
    );
    client.decoder.maxBulkLen = this.config.get<number>("proto-max-bulk-len");
    this.clients.set(client.id, client);
    sock.on("data", (chunk: Buffer) => this.onData(client, chunk));
    sock.on("error", () => {
      // ECONNRESET and friends: the close event frees the client.
    });
    sock.on("close", () => this.freeClient(client));
  }

  private isProtectedModeDenied(sock: net.Socket): boolean {
    if (!this.config.get<boolean>("protected-mode")) return false;
    if (this.config.get<string>("requirepass") !== "") return false;
    const bind = this.config.get<string[]>("bind").join(" ");
    if (bind !== "* -::*") return false;
    const ra = sock.remoteAddress ?? "";
    return !(
      ra === "127.0.0.1" ||
      ra === "::1" ||
      ra === "::ffff:127.0.0.1" ||
      ra.startsWith("127.")
    );
  }

  private onData(client: Client, chunk: Buffer): void {
    this.stats.netInputBytes += chunk.length;
    this.stats.readsProcessed++;
    client.lastInteraction = client.lastRead = Date.now();
    client.decoder.feed(chunk);
    this.processInputBuffer(client);
    if (!client.closed && !client.closeAfterReply) {
      const limit = this.config.get<number>("client-query-buffer-limit");
      if (client.decoder.bufferedBytes > limit) {
        this.log.warning(
          `Closing client that reached max query buffer length: ${this.clientInfoString(client)} (qbuf initial bytes: ${JSON.stringify(client.decoder.peek(64))})`,
        );
        this.stats.clientQueryLimitDisconnections++;
        this.closeClientNow(client);
      }
    }
  }

  /** Runs every complete command in the client's buffer (Redis's processInputBuffer). */
  processInputBuffer(client: Client): void {
    const dec = client.decoder;
    // One clock read per batch: its commands share it (Redis's commandTimeSnapshot).
    this.call.startTurn();
    // The monotonic reading each command's duration starts from: the previous one's end.
    let mark = -1;
    while (!client.closed && !client.closeAfterReply && client.blocked === null) {
      if (client.readPaused || client.pausedArgs !== null || client.asyncPending) return;
      const r = dec.next();
      if (r === DecodeResult.NeedMore) break;
      if (r === DecodeResult.Error) {
        // Reply, then close (Redis's setProtocolError + CLIENT_CLOSE_AFTER_REPLY).
        client.reply.error(`ERR ${dec.error}`);
        this.stats.countError(`ERR ${dec.error}`);
        this.log.verbose(
          `Protocol error (${dec.error}) from client: ${this.clientInfoString(client)}`,
        );
        client.closeAfterReply = true;
        break;
      }
      this.call.beginCommand(mark);
      this.runOneCommand(client, dec);
      mark = this.call.endCommand();
      if (client.reply.pendingBytes > REPLY_EARLY_FLUSH) {
        mark = -1;
        this.writeToClient(client);
        if (client.readPaused) return;
      }
    }
    this.scheduleFlush(client);
  }

  processCommand(client: Client, args: CommandArgs): void {
    processCommand(this, client, args);
  }

  runOneCommand(client: Client, args: CommandArgs): void {
    this.beforeCommandReply(client);
    // Handlers are guarded one by one (dispatch's runHandler); this catches the rest of the
    // command's path (routing, MONITOR feed, serving blocked clients afterwards).
    const mark = client.reply.pendingBytes;
    try {
      processCommand(this, client, args);
    } catch (err) {
      this.commandException(client, client.lastCommand, err, mark);
      this.stats.countError(client.reply.lastError);
    }
    this.afterCommandReply(client);
  }

  /**
   * SHOAL_FAIL_FAST=1, which the test suites set (tooling/vitest-config): a command's exception
   * is logged and rethrown, so it ends the process as before and no test run hides one.
   */
  readonly failFast = process.env.SHOAL_FAIL_FAST === "1";
  /** Exceptions commands threw since start (each answered with an error and logged). */
  commandExceptions = 0;
  /** The exception being rethrown in fail-fast mode: outer guards pass it on, logged once. */
  private failingWith: unknown = undefined;

  /**
   * A command threw instead of replying. The client gets `-ERR internal error in '<command>':
   * <message>` in place of whatever part of the reply was encoded after `mark` (so the stream
   * stays well formed, inside EXEC too), and the log a warning with the client and the stack. A
   * reply too large for one connection (ReplyTooLargeError: a count Redis would take and then
   * run out of memory on) is answered `-ERR reply too large: ...` and never fails fast.
   */
  commandException(client: Client, name: string, err: unknown, mark: number): void {
    if (err === this.failingWith && err !== undefined) throw err;
    this.commandExceptions++;
    const tooLarge = err instanceof ReplyTooLargeError;
    const msg = err instanceof Error ? err.message : String(err);
    const detail = err instanceof Error && !tooLarge ? (err.stack ?? msg) : msg;
    let who: string;
    try {
      who = this.clientInfoString(client);
    } catch {
      // The guard itself must not throw: a client in a state the info line can't describe.
      who = `id=${client.id}`;
    }
    this.log.warning(`Exception in command '${name}' from client ${who}: ${detail}`);
    if (this.failFast && !tooLarge) {
      this.failingWith = err;
      throw err;
    }
    client.reply.truncate(mark);
    client.reply.error(tooLarge ? `ERR ${msg}` : `ERR internal error in '${name}': ${msg}`);
  }

  /** CLIENT REPLY OFF/SKIP: replies of this command are dropped. */
  private beforeCommandReply(client: Client): void {
    if (client.replyMode === ClientReplyMode.On) return;
    if (client.replyMode === ClientReplyMode.SkipNext) {
      client.replyMode = ClientReplyMode.Skip;
      client.reply.enabled = false;
    }
  }

  private afterCommandReply(client: Client): void {
    if (client.replyMode === ClientReplyMode.Skip) {
      client.replyMode = ClientReplyMode.On;
      client.reply.enabled = true;
    } else if (client.replyMode === ClientReplyMode.Off) {
      client.reply.enabled = false;
    } else if (client.replyMode === ClientReplyMode.On) {
      client.reply.enabled = true;
    }
  }

  /** Queues the client for the flush at the end of this event-loop turn. */
  scheduleFlush(client: Client): void {
    if (!client.pendingFlush) {
      client.pendingFlush = true;
      this.pendingFlush.push(client);
    }
    this.requestBeforeSleep();
  }

  /** Makes sure beforeSleep runs at the end of this turn (writes to flush without a client). */
  requestBeforeSleep(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.beforeSleep);
    }
  }

  /**
   * Runs the asynchronous tail of a command (a save, a rebind): the client's later commands wait
   * until it has replied, so replies stay in order.
   */
  runAsync(client: Client, work: () => Promise<void>): void {
    client.asyncPending = true;
    work()
      .catch((err: unknown) => {
        client.reply.error(`ERR ${(err as Error).message}`);
      })
      .finally(() => {
        client.asyncPending = false;
        if (client.closed) return;
        this.scheduleFlush(client);
        this.processInputBuffer(client);
      });
  }

  /** Once per event-loop turn: write the AOF (fsync if `always`), then every client's replies. */
  private readonly beforeSleep = (): void => {
    this.flushScheduled = false;
    this.persistence?.beforeSleep();
    this.replication.beforeSleep();
    const list = this.pendingFlush;
    this.pendingFlush = [];
    for (const c of list) {
      c.pendingFlush = false;
      if (!c.closed) this.writeToClient(c);
    }
  };

  private writeToClient(client: Client): void {
    const out = client.reply.take();
    if (out !== null) {
      this.stats.netOutputBytes += out.length;
      this.stats.writesProcessed++;
      client.socket.write(out);
    }
    if (client.closeAfterReply) {
      // Redis frees the client once the reply is written: close(), not a half-close that goes on
      // reading (and discarding) whatever the peer keeps sending, e.g. a desynced client's
      // endless line. Closing with unread input resets the connection, as it does for Redis.
      const sock = client.socket;
      sock.end(() => sock.destroy());
      client.closed = true;
      this.unlinkClient(client);
      return;
    }
    if (this.checkOutputLimits(client)) return;
    if (!client.readPaused && client.socket.writableLength > OUTPUT_HIGH_WATER) {
      // Backpressure: stop reading (and running) this client's commands until the socket drains.
      client.readPaused = true;
      client.socket.pause();
      client.socket.once("drain", () => {
        client.readPaused = false;
        if (client.closed) return;
        client.socket.resume();
        this.processInputBuffer(client);
      });
    }
  }

  /** client-output-buffer-limit: true when the client was closed. */
  private checkOutputLimits(client: Client): boolean {
    const limits = this.config.get<OutputLimits>("client-output-buffer-limit");
    const cls = client.subscriptionCount > 0 ? limits.pubsub : limits.normal;
    const used = client.outputBytes;
    let over = cls.hard > 0 && used >= cls.hard;
    if (!over && cls.soft > 0 && used >= cls.soft) {
      const now = Date.now();
      if (client.softLimitSince === 0) client.softLimitSince = now;
      else if (now - client.softLimitSince >= cls.softSeconds * 1000) over = true;
    } else if (used < cls.soft) {
      client.softLimitSince = 0;
    }
    if (!over) return false;
    this.log.warning(
      `Client ${this.clientInfoString(client)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.stats.clientOutputLimitDisconnections++;
    this.closeClientNow(client);
    return true;
  }

  /** Drops the connection now, discarding pending output. */
  closeClientNow(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    client.reply.discard();
    client.socket.destroy();
    this.unlinkClient(client);
  }

  /** A connection the server opened itself (a replica's link to its master), as a client. */
  registerClient(sock: net.Socket): Client {
    const client = new Client(this.nextClientId++, sock, false);
    this.clients.set(client.id, client);
    return client;
  }

  private freeClient(client: Client): void {
    client.closed = true;
    this.unlinkClient(client);
  }

  /** Removes every trace of a client from the server's state (idempotent). */
  private unlinkClient(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    this.watches.unwatchAll(client);
    this.monitors.delete(client);
    this.blocking.unblock(client, false);
    this.pubsub.unsubscribeAll(client, false);
  }

  // ---- Cron ----------------------------------------------------------------------------------

  startCron(): void {
    const hz = Math.max(1, Math.min(500, this.config.get<number>("hz")));
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
    const timeout = this.config.get<number>("timeout");
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        if (c.blocked || c.subscriptionCount > 0 || c.replRole !== "") continue;
        if (now - c.lastInteraction > timeout * 1000) {
          this.log.verbose("Closing idle client");
          this.closeClientNow(c);
        }
      }
    }
    this.pause.cron(now);
    // A replica waits for its master's DELs (Redis's activeExpireCycle runs on masters only).
    // Nor while clients are paused: the dataset stays still, expiries included (Redis 7.0's
    // checkClientPauseTimeoutAndReturnIfPaused in activeExpireCycle).
    if (
      this.store.activeExpireEnabled &&
      !this.replication.isReplica &&
      this.pause.pauseUntil === 0
    )
      this.store.activeExpireCycle?.(now);
    this.persistence?.cron(now);
  }

  /**
   * While clients are paused, keys past their TTL read as missing but aren't deleted (no DEL to
   * replicas), as a replica does: Redis 7.0's expireIfNeeded during a pause.
   */
  private setExpiryPaused(on: boolean): void {
    const ks = this.store.keyspaceHandle() as { deleteExpired?: boolean } | undefined;
    if (ks !== undefined && ks !== null && typeof ks.deleteExpired === "boolean")
      ks.deleteExpired = !on && !this.replication.isReplica;
  }

  // ---- Keyspace commands ---------------------------------------------------------------------

  private wrapKeyspaceHandler(spec: CommandSpec) {
    const handler = spec.handler!;
    return (client: Client, args: CommandArgs) => {
      const ctx = this.ctx;
      ctx.reset(client, client.db, !client.blocked && this.execPropagation === null);
      handler(ctx, args, client.reply);
    };
  }

  // ---- Propagation (the AOF and the replication stream) --------------------------------------

  propagate(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    const ep = this.execPropagation;
    if (ep !== null && !ep.started) {
      ep.started = true;
      this.propagateNow(dbIndex, ["MULTI"]);
    }
    this.propagateNow(dbIndex, argv);
  }

  /** Redis's propagateNow: one write to every consumer of the stream, in the same order. */
  private propagateNow(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    // Commands replayed from the AOF (start-up, DEBUG LOADAOF) go nowhere: Redis's propagate()
    // returns while server.loading.
    if (this.persistence?.loading) return;
    this.persistence?.feed(dbIndex, argv);
    this.replication.feed(dbIndex, argv);
  }

  propagateCurrent(dbIndex: number): void {
    const args = this.call.args;
    // Nothing consumes the stream (no AOF, no replication backlog): skip copying the args.
    if (args === null || (!this.persistence?.aof && !this.replication.feeding)) return;
    if (!this.persistence?.aof && this.execPropagation === null) {
      // Only the replication stream takes it, outside MULTI/EXEC: encoded straight from the args.
      this.replication.feedArgs(dbIndex, args);
      return;
    }
    // Views, not copies: every consumer (AOF, replication stream) encodes them before returning.
    const argv: Buffer[] = new Array(args.argc);
    for (let i = 0; i < args.argc; i++) argv[i] = args.view(i);
    this.propagate(dbIndex, argv);
  }

  beginExecPropagation(dbIndex: number): void {
    this.execPropagation = { dbIndex, started: false };
  }

  endExecPropagation(dbIndex: number): void {
    const ep = this.execPropagation;
    this.execPropagation = null;
    if (ep?.started) this.propagateNow(dbIndex, ["EXEC"]);
  }

  get inExec(): boolean {
    return this.execPropagation !== null;
  }

  // ---- Errors and info -----------------------------------------------------------------------

  /** The line CLIENT LIST prints for one client (Redis's catClientInfoString). */
  clientInfoString(c: Client): string {
    const now = Date.now();
    // The query buffer as Redis 7.0 reports it: for the client whose command is running, the
    // whole batch it came in and that command's arguments; for others, the bytes past the last
    // parsed argument line and the arguments parsed so far of a partial multibulk.
    const args = c === this.call.client ? this.call.args : null;
    const qbuf = args !== null ? c.decoder.batchBytes : c.decoder.unparsedBytes;
    let argvMem = 0;
    if (args !== null) for (let i = 0; i < args.argc; i++) argvMem += args.len(i);
    else argvMem = c.decoder.partialArgBytes;
    // Redis reads 16 KiB at a time into an sds that jemalloc rounds to 20480 bytes (less the
    // header and terminator: 20474 usable) and frees the spare room once the client has been idle
    // for more than 2 s (clientsCronResizeQueryBuffer); a client that never sent has none.
    const idle = Math.floor(now / 1000) - Math.floor(c.lastRead / 1000);
    const qbufFree =
      c.lastRead > 0 && idle <= 2 && qbuf < QUERYBUF_ALLOC ? QUERYBUF_ALLOC - qbuf : 0;
    const omem = c.outputBytes;
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${(c.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1} name=${c.name} ` +
      `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${c.flagString()} ` +
      `db=${c.db} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} ` +
      `multi=${c.multiQueue ? c.multiQueue.length : c.execCount} qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=0 ` +
      `rbs=0 rbp=0 obl=${c.reply.pendingBytes} oll=0 omem=${omem} tot-mem=${qbuf + omem} ` +
      `events=r cmd=${c.lastCommand} user=default redir=-1 resp=${c.resp}`
    );
  }

  resetStats(): void {
    this.stats.reset();
    this.replication.resetStats();
    const ks = this.store.stats;
    if (ks) ks.expiredKeys = ks.keyspaceHits = ks.keyspaceMisses = 0;
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
    this.store.configure?.(name, this.config.get(name));
    if (name.startsWith("repl-") || name.startsWith("min-replicas-"))
      this.replication.applyConfigChange(name);
    if (name.startsWith("cluster-") || name === "repl-ping-replica-period")
      this.cluster?.applyConfigChange(name);
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
      case "hz":
        if (this.cronTimer) {
          clearInterval(this.cronTimer);
          this.startCron();
        }
        break;
    }
  }

  /** A client that runs commands from a file (AOF replay): no socket, replies dropped. */
  createReplayClient(): { run(args: OwnedArgs): void } {
    const fake = {
      remoteAddress: "",
      remotePort: 0,
      localAddress: "",
      localPort: 0,
      writableLength: 0,
    };
    const client = new Client(0, fake as unknown as net.Socket, false);
    return {
      run: (args: OwnedArgs) => {
        processCommand(this, client, args);
        client.reply.discard();
        client.reply.take();
      },
    };
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
    this.shuttingDown = true;
    this.closeListeners();
    if (this.cronTimer) clearInterval(this.cronTimer);
    for (const c of this.clients.values()) if (c.blocked) this.blocking.unblock(c, false);
    try {
      await this.persistence?.shutdown(opts.save);
    } catch (err) {
      this.log.warning(`Error trying to save the DB, can't exit. ${(err as Error).message}`);
      if (!opts.force) {
        this.shuttingDown = false;
        this.log.warning(
          "Errors trying to shut down the server. Check the logs for more information.",
        );
        return false;
      }
    }
    // Only once the exit is certain: a node that stays up must stay in the cluster.
    await this.cluster?.shutdown();
    return true;
  }

  /** Closes every client connection after writing what is pending. */
  closeAllClients(): void {
    for (const c of this.clients.values()) {
      const out = c.reply.take();
      if (out) c.socket.write(out);
      c.socket.end();
    }
  }
}

/** One reusable CommandContext: commands run one at a time, so one object is enough. */
class MutableContext implements CommandContext {
  keyspace: CommandContext["keyspace"];
  db: CommandContext["db"];
  dbIndex = 0;
  now = 0;
  canBlock = true;
  readyKey: string | null = null;
  constructor(private readonly server: Server) {
    this.keyspace = server.store.keyspaceHandle() as CommandContext["keyspace"];
    this.db = server.store.dbHandle(0) as CommandContext["db"];
  }
  reset(_client: Client, dbIndex: number, canBlock: boolean): void {
    this.dbIndex = dbIndex;
    this.db = this.server.store.dbHandle(dbIndex) as CommandContext["db"];
    this.now = this.server.call.now;
    this.canBlock = canBlock;
    this.readyKey = this.server.blocking.servingKey;
  }
  propagateSelf(): void {
    this.server.propagateCurrent(this.dbIndex);
  }
  propagate(argv: readonly (Buffer | string)[]): void {
    this.server.propagate(this.dbIndex, argv);
  }
  addDirty(n: number): void {
    this.server.dirty += n;
  }
  block(keys: readonly string[], timeoutMs: number, timeoutReply: BlockTimeoutReply): void {
    const c = this.server.call.client;
    if (c) this.server.blocking.block(c, keys, timeoutMs, timeoutReply);
  }
}

// Client connections: accepting them (maxclients, protected mode), the client table, reading and
// running what a client sent, and writing replies once per event-loop turn. Mirrors
// src/networking.c (Redis 7.0): acceptCommonHandler, createClient/freeClient,
// processInputBuffer, handleClientsWithPendingWrites/writeToClient, the output buffer limits and
// catClientInfoString; and clientsCronHandleTimeout (src/timeout.c). Replies are never written
// from a command: a client with output is queued (scheduleFlush) and the turn's end writes them
// all, after the node's beforeSleep has written the AOF (and fsynced it when appendfsync is
// always) and fed the replicas, as Redis's beforeSleep does.
import type net from "node:net";
import type { CommandArgs } from "@shoal/resp-codec";
import type { CallContext } from "../call-context.js";
import type { OutputLimitClass, OutputLimits } from "../config/directives.js";
import type { ServerConfig } from "../config/load.js";
import type { ServerStats } from "../diagnostics/stats.js";
import type { Logger } from "../log.js";
import { DecodeResult, type OwnedArgs } from "../protocol/command-decoder.js";
import { TrackingFlag } from "../tracking/tracking-flags.js";
import { Client, ClientReplyMode } from "./client-connection.js";
import { ClientMemory, clientEvictionLimit, clientMemoryUsage } from "./client-memory.js";
import { Listeners } from "./listeners.js";
import { hasOutputLimit, outputLimitLogLine, outputLimitReached } from "./output-limits.js";
import { readInto } from "./shared-read.js";

/**
 * Output above this pauses reading from a client whose class has no output limit (normal's
 * default) until the socket drains: memory stays bounded where Redis would let it grow. A class
 * with a limit is left to it, as in Redis: the client is disconnected there.
 */
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;
/** Encoded replies above this are handed to the socket at once, mid-turn. */
const REPLY_EARLY_FLUSH = 1024 * 1024;
/** Usable bytes of Redis's query buffer after a 16 KiB read (CLIENT LIST qbuf-free). */
const QUERYBUF_ALLOC = 20474;
/** The fewest clients a clients cron call visits (Redis's CLIENTS_CRON_MIN_ITERATIONS). */
const CLIENTS_CRON_MIN_ITERATIONS = 5;

const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** What networking takes from the node. */
export interface NetworkingHost {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly stats: ServerStats;
  /** The command being called (CLIENT LIST's qbuf) and the batch clock. */
  readonly call: CallContext;
  /** SHUTDOWN under way: new connections are dropped. */
  readonly shuttingDown: boolean;
  /** One command through every check (dispatch's processCommand). */
  processCommand(client: Client, args: CommandArgs): void;
  /** A command's exception: answered with an error and logged (command-guard.ts). */
  commandException(client: Client, name: string, err: unknown, mark: number): void;
  /** At the end of a turn, before replies are written: the AOF and the replication stream. */
  beforeSleep(): void;
  /** A freed client leaves WATCH, MONITOR, blocking and pub/sub (freeClient's unlinking). */
  clientUnlinked(client: Client): void;
}

export class Networking {
  readonly clients = new Map<number, Client>();
  /** What the clients hold: per connection and the running sum (client-memory.ts). */
  readonly clientMemory = new ClientMemory();
  private nextClientId = 1;
  private readonly listeners: Listeners;
  private pendingFlush: Client[] = [];
  /** Where the clients cron's walk resumes. */
  private cronCursor: Iterator<Client> = this.clients.values();
  private flushScheduled = false;
  private readonly config: ServerConfig;
  private readonly stats: ServerStats;
  private readonly call: CallContext;
  /**
   * The directives every read and every flush consults, re-read only after a CONFIG SET (the
   * config's version moved): a Map lookup each, per read, was a measurable share at -P 1.
   */
  private settingsVersion = -1;
  private queryBufferLimit = 0;
  private outputLimitsSetting!: OutputLimits;
  /** maxmemory-clients in bytes (clientEvictionLimit); 0: clients are never evicted. */
  private clientEvictionBytes = 0;

  constructor(private readonly host: NetworkingHost) {
    this.config = host.config;
    this.stats = host.stats;
    this.call = host.call;
    this.listeners = new Listeners(host.log, (sock, unixPath) =>
      this.acceptConnection(sock, unixPath),
    );
  }

  // ---- Listening -----------------------------------------------------------------------------

  /** Binds every `bind` address on `port`; throws (with Redis's wording logged) on failure. */
  async listen(): Promise<void> {
    await this.listeners.listen(this.config.get<number>("port"), this.config.get<string[]>("bind"));
    const unixPath = this.config.get<string>("unixsocket");
    if (unixPath !== "")
      await this.listeners.listenUnix(
        unixPath,
        Number.parseInt(this.config.get<string>("unixsocketperm"), 8) || 0,
      );
  }

  /** CONFIG SET port/bind: the new listeners first, then the old ones closed (changeListener). */
  rebind(port: number, bind: string[]): Promise<void> {
    return this.listeners.rebind(port, bind);
  }

  stopListening(): void {
    this.listeners.close();
  }

  /** A script is past busy-reply-threshold: connections are accepted off the main thread. */
  acceptWhileBusy(): void {
    this.listeners.acceptWhileBusy();
  }

  /** The busy script ended: the main thread accepts again. */
  stopAcceptingWhileBusy(): void {
    this.listeners.stopAcceptingWhileBusy();
  }

  // ---- Connections ---------------------------------------------------------------------------

  private acceptConnection(sock: net.Socket, unixPath?: string): void {
    this.stats.connectionsReceived++;
    sock.on("error", () => {
      // ECONNRESET and friends: the close event frees the client.
    });
    if (this.host.shuttingDown) {
      sock.destroy();
      return;
    }
    const keepalive = this.config.get<number>("tcp-keepalive");
    if (keepalive > 0 && unixPath === undefined) sock.setKeepAlive(true, keepalive * 1000);
    if (this.clients.size >= this.config.get<number>("maxclients")) {
      this.stats.rejectedConnections++;
      sock.end("-ERR max number of clients reached\r\n");
      return;
    }
    // A Unix socket is local, as connIsLocal says (protected mode is about remote peers).
    if (unixPath === undefined && this.isProtectedModeDenied(sock)) {
      this.stats.rejectedConnections++;
      sock.end(PROTECTED_MODE_DENIED);
      return;
    }
    const client = new Client(
      this.nextClientId++,
      sock,
      this.config.get<string>("requirepass") !== "",
      unixPath,
    );
    client.decoder.maxBulkLen = this.config.get<number>("proto-max-bulk-len");
    this.clients.set(client.id, client);
    // From here on its reads reach the client (nothing is read before: all of this runs in the
    // accept callback, and a refused connection never gets a consumer).
    readInto(sock, (chunk) => {
      this.onData(client, chunk);
      // The shared buffer is the next read's: the decoder copies what it has not consumed.
      client.decoder.retainUnconsumed();
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

  /** A connection the server opened itself (a replica's link to its master), as a client. */
  registerClient(sock: net.Socket): Client {
    const client = new Client(this.nextClientId++, sock, false);
    this.clients.set(client.id, client);
    return client;
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
        this.host.processCommand(client, args);
        client.reply.discard();
        client.reply.take();
      },
    };
  }

  // ---- Reading and running -------------------------------------------------------------------

  /** Re-reads the directives cached for the hot path when CONFIG SET changed any. */
  private refreshSettings(): void {
    const config = this.config;
    if (this.settingsVersion === config.version) return;
    this.settingsVersion = config.version;
    this.queryBufferLimit = config.get<number>("client-query-buffer-limit");
    this.outputLimitsSetting = config.get<OutputLimits>("client-output-buffer-limit");
    this.clientEvictionBytes = clientEvictionLimit(
      config.get<number | string>("maxmemory-clients"),
      config.get<number>("maxmemory"),
    );
  }

  private onData(client: Client, chunk: Buffer): void {
    this.stats.netInputBytes += chunk.length;
    this.stats.readsProcessed++;
    // The batch's clock read (processInputBuffer's) stamps the read too.
    this.call.startTurn();
    client.lastInteraction = client.lastRead = this.call.now;
    client.decoder.feed(chunk);
    this.refreshSettings();
    // readQueryFromClient checks the limit after the read, before running anything: a command
    // whose bytes went over it is not run. Our master's stream is exempt, as in Redis.
    if (client.decoder.bufferedBytes > this.queryBufferLimit && client.replRole !== "M") {
      this.host.log.warning(
        `Closing client that reached max query buffer length: ${this.clientInfoString(client)} (qbuf initial bytes: ${JSON.stringify(client.decoder.peek(64))})`,
      );
      this.stats.clientQueryLimitDisconnections++;
      this.closeClientNow(client);
      return;
    }
    this.runInputBuffer(client);
    this.clientMemory.update(client);
    if (this.clientEvictionBytes !== 0) this.evictClients();
  }

  /** Runs every complete command in the client's buffer (Redis's processInputBuffer). */
  processInputBuffer(client: Client): void {
    // One clock read per batch: its commands share it (Redis's commandTimeSnapshot).
    this.call.startTurn();
    this.runInputBuffer(client);
  }

  /** processInputBuffer once the batch's clock is read. */
  private runInputBuffer(client: Client): void {
    const dec = client.decoder;
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
        this.host.log.verbose(
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

  /** One decoded command, with the client's reply mode (CLIENT REPLY) applied around it. */
  runOneCommand(client: Client, args: CommandArgs): void {
    beforeCommandReply(client);
    // Handlers are guarded one by one (dispatch's runHandler); this catches the rest of the
    // command's path (routing, MONITOR feed, serving blocked clients afterwards).
    const mark = client.reply.pendingBytes;
    try {
      this.host.processCommand(client, args);
    } catch (err) {
      this.host.commandException(client, client.lastCommand, err, mark);
      this.stats.countError(client.reply.lastError);
    }
    afterCommandReply(client);
    // CLIENT CACHING applies to the next command, or to the whole next transaction, and a CLIENT
    // command in between keeps it (resetClient's CLIENT_TRACKING_CACHING rule).
    if (
      client.tracking & TrackingFlag.Caching &&
      client.multiQueue === null &&
      client.blocked === null &&
      !client.lastCommand.startsWith("client|")
    )
      client.tracking &= ~TrackingFlag.Caching;
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

  // ---- Writing (once per event-loop turn) ----------------------------------------------------

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

  /** Once per event-loop turn: the node's beforeSleep (the AOF first), then every client's replies. */
  private readonly beforeSleep = (): void => {
    this.flushScheduled = false;
    this.host.beforeSleep();
    const list = this.pendingFlush;
    this.pendingFlush = [];
    for (const c of list) {
      c.pendingFlush = false;
      if (!c.closed) this.writeToClient(c);
    }
    if (this.clientEvictionBytes !== 0) this.evictClients();
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
    this.refreshSettings();
    const limits = this.outputLimits(client);
    if (this.checkOutputLimits(client, limits)) return;
    this.clientMemory.update(client);
    if (
      !client.readPaused &&
      client.socket.writableLength > OUTPUT_HIGH_WATER &&
      !hasOutputLimit(limits)
    ) {
      // Backpressure: stop reading (and running) this client's commands until the socket drains.
      client.readPaused = true;
      client.socket.pause();
      client.socket.once("drain", () => {
        client.readPaused = false;
        if (client.closed) return;
        this.clientMemory.update(client);
        client.socket.resume();
        this.processInputBuffer(client);
      });
    }
  }

  /** The client's class of client-output-buffer-limit (getClientType: pub/sub or normal). */
  private outputLimits(client: Client): OutputLimitClass {
    const limits = this.outputLimitsSetting;
    return client.subscriptionCount > 0 ? limits.pubsub : limits.normal;
  }

  /** closeClientOnOutputBufferLimitReached: true when the client was closed. */
  private checkOutputLimits(client: Client, limits: OutputLimitClass): boolean {
    // Our master's link is never limited (CLIENT_TYPE_MASTER counts as normal, but Redis does
    // not close it for this: its replies are not even sent).
    if (client.replRole === "M") return false;
    if (!outputLimitReached(limits, client.outputBytes, client)) return false;
    this.host.log.warning(outputLimitLogLine(this.clientInfoString(client)));
    this.stats.clientOutputLimitDisconnections++;
    this.closeClientNow(client);
    return true;
  }

  // ---- Closing -------------------------------------------------------------------------------

  /** Drops the connection now, discarding pending output. */
  closeClientNow(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    client.reply.discard();
    client.socket.destroy();
    this.unlinkClient(client);
  }

  /** Closes every client connection after writing what is pending (the last step of shutdown). */
  closeAllClients(): void {
    for (const c of this.clients.values()) {
      const out = c.reply.take();
      if (out) c.socket.write(out);
      c.socket.end();
    }
  }

  /**
   * clientsCron's share: a slice of the clients re-measured (the kernel drains sockets without
   * telling), their buffers into INFO's recent peaks and idle ones closed, then eviction if that
   * put the sum over maxmemory-clients. Each call takes clients/hz of them (at least
   * CLIENTS_CRON_MIN_ITERATIONS) where the last call stopped, so every client is seen about once
   * a second and a tick's work stays bounded however many connections are open: walking all
   * 10,000 idle clients each tick cost 3 ms of event loop (a PING's p99) and 30 ms of CPU per
   * second.
   */
  clientsCron(now: number, hz: number): void {
    const mem = this.clientMemory;
    const n = this.clients.size;
    let iterations = Math.floor(n / hz);
    if (iterations < CLIENTS_CRON_MIN_ITERATIONS)
      iterations = Math.min(n, CLIENTS_CRON_MIN_ITERATIONS);
    const timeoutMs = this.config.get<number>("timeout") * 1000;
    for (let i = 0; i < iterations; i++) {
      // A Map iterator follows deletions and insertions, so the cursor survives between calls.
      let next = this.cronCursor.next();
      if (next.done) {
        this.cronCursor = this.clients.values();
        next = this.cronCursor.next();
        if (next.done) break;
      }
      const c = next.value;
      mem.update(c);
      mem.trackPeaks(c, now);
      if (timeoutMs > 0) this.closeIfIdle(c, now, timeoutMs);
    }
    this.evictClients();
  }

  /** maxmemory-clients: the biggest clients closed until the sum is under it (evictClients). */
  evictClients(): void {
    this.refreshSettings();
    const limit = this.clientEvictionBytes;
    if (limit === 0) return;
    this.clientMemory.evict(
      limit,
      this.clients.values(),
      (c) => {
        this.host.log.notice(`Evicting client: ${this.clientInfoString(c)}`);
        this.stats.evictedClients++;
        this.closeClientNow(c);
      },
      () => this.host.log.warning("Over client maxmemory after evicting all evictable clients"),
    );
  }

  /** The `timeout` directive: an idle client is closed (clientsCronHandleTimeout). */
  private closeIfIdle(c: Client, now: number, timeoutMs: number): void {
    if (c.blocked || c.subscriptionCount > 0 || c.replRole !== "") return;
    if (now - c.lastInteraction > timeoutMs) {
      this.host.log.verbose("Closing idle client");
      this.closeClientNow(c);
    }
  }

  private freeClient(client: Client): void {
    client.closed = true;
    this.unlinkClient(client);
  }

  /** Removes every trace of a client from the node's state (idempotent). */
  private unlinkClient(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    this.clientMemory.remove(client);
    this.host.clientUnlinked(client);
  }

  // ---- Introspection -------------------------------------------------------------------------

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
    const big = c.decoder.bigArgLength;
    const qbufFree =
      big > 0
        ? bigArgQuerybufRoom(big) - qbuf
        : c.lastRead > 0 && idle <= 2 && qbuf < QUERYBUF_ALLOC
          ? QUERYBUF_ALLOC - qbuf
          : 0;
    const omem = c.outputBytes;
    const totMem = clientMemoryUsage(c);
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${(c.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1} name=${c.name} ` +
      `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${c.flagString()} ` +
      `db=${c.db} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} ` +
      `multi=${c.multiQueue ? c.multiQueue.length : c.execCount} qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=0 ` +
      `rbs=16384 rbp=16384 obl=${c.reply.pendingBytes} oll=0 omem=${omem} tot-mem=${totMem} ` +
      `events=r cmd=${c.lastCommand} user=default redir=${c.tracking !== 0 ? c.trackingRedirect : -1} resp=${c.resp}`
    );
  }
}

/**
 * The room of the query buffer Redis sizes for a big argument (sdsMakeRoomForNonGreedy to the
 * bulk and its CR LF): jemalloc's size class of the sds, less its header and terminator.
 */
function bigArgQuerybufRoom(len: number): number {
  const n = len + 2;
  const header = n < 1 << 16 ? 5 : n < 2 ** 32 ? 9 : 17;
  const want = header + n + 1;
  // Large classes: four per power of two.
  const step = 2 ** (Math.floor(Math.log2(want - 1)) - 2);
  return Math.ceil(want / step) * step - header - 1;
}

/** CLIENT REPLY OFF/SKIP: replies of this command are dropped. */
function beforeCommandReply(client: Client): void {
  if (client.replyMode === ClientReplyMode.On) return;
  if (client.replyMode === ClientReplyMode.SkipNext) {
    client.replyMode = ClientReplyMode.Skip;
    client.reply.enabled = false;
  }
}

function afterCommandReply(client: Client): void {
  if (client.replyMode === ClientReplyMode.Skip) {
    client.replyMode = ClientReplyMode.On;
    client.reply.enabled = true;
  } else if (client.replyMode === ClientReplyMode.Off) {
    client.reply.enabled = false;
  } else if (client.replyMode === ClientReplyMode.On) {
    client.reply.enabled = true;
  }
}

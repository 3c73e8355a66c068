// One client connection: its socket, the streaming decoder, the reply buffer, and the
// per-client state Redis keeps in `client` (src/server.h, Redis 7.0): selected db, protocol,
// auth, name, MULTI queue, WATCHed keys, subscriptions, blocking state, reply mode. The
// connection never writes to the socket inside a command: replies accumulate in the ReplyBuffer
// and the server flushes every dirty connection once per event-loop turn.
import type net from "node:net";
import type { BlockTimeoutReply } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { CommandEntry as TableEntry } from "../commands/command-table.js";
import { CommandDecoder, type OwnedArgs } from "../protocol/command-decoder.js";
import { ReplyBuffer } from "../protocol/reply-buffer.js";
import { TrackingFlag } from "../tracking/tracking-flags.js";

type CommandEntry = TableEntry<Client>;

export const ClientReplyMode = { On: 0, Off: 1, Skip: 2, SkipNext: 3 } as const;

export interface QueuedCommand {
  entry: CommandEntry;
  args: OwnedArgs;
  /** What processCommand checked when it was queued: a script's flags applied (mstate.cmd_flags). */
  checked: CommandEntry;
}

export interface BlockState {
  entry: CommandEntry;
  args: OwnedArgs;
  keys: readonly string[];
  dbIndex: number;
  timeoutReply: BlockTimeoutReply;
  timer: NodeJS.Timeout | undefined;
  /** Absolute deadline in ms (0 = none), for CLIENT LIST and INFO. */
  deadline: number;
}

export class Client {
  readonly decoder = new CommandDecoder();
  readonly reply = new ReplyBuffer();
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** When bytes last came in (0: never): CLIENT LIST's qbuf-free models Redis's query buffer. */
  lastRead = 0;
  readonly addr: string;
  readonly laddr: string;

  db = 0;
  name = "";
  authenticated: boolean;
  lastCommand = "NULL";
  /** The table entry argv[0] named last time (dispatch's lookup shortcut). */
  lastBase: CommandEntry | null = null;

  /** MULTI state: queue is non-null between MULTI and EXEC/DISCARD. */
  multiQueue: QueuedCommand[] | null = null;
  /** A queued command was rejected: EXEC answers EXECABORT (CLIENT_DIRTY_EXEC). */
  multiDirty = false;
  /** While EXEC runs its queue: how many commands it holds (CLIENT LIST's multi=); else -1. */
  execCount = -1;
  /** A WATCHed key changed: EXEC answers a null array (CLIENT_DIRTY_CAS). */
  casDirty = false;
  readonly watched = new Set<string>();

  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();

  blocked: BlockState | null = null;
  /** A command is finishing asynchronously (SAVE, CONFIG SET port): later commands wait. */
  asyncPending = false;
  /** A command held by CLIENT PAUSE, run on unpause. */
  pausedArgs: OwnedArgs | null = null;
  replyMode: number = ClientReplyMode.On;
  noEvict = false;
  /** In MONITOR mode (CLIENT LIST flag O; RESET leaves it). */
  isMonitor = false;
  /** Cluster mode: READONLY (reads served by a replica) and ASKING (one command to an importing slot). */
  readOnly = false;
  asking = false;
  /** Set after QUIT, a protocol error, CLIENT KILL: close once the pending replies are written. */
  closeAfterReply = false;
  closed = false;
  /** Reading paused because the socket's output is backed up. */
  readPaused = false;
  /** In the server's set of connections to flush this turn. */
  pendingFlush = false;
  /** When the output went over the soft limit (unix seconds; 0 = under it). */
  softLimitSince = 0;
  /** The memory last counted for this client in the clients' sum (client-memory.ts). */
  memUsage = 0;
  /** CLIENT TRACKING: TrackingFlag bits (0: off), the REDIRECT id, the BCAST prefixes. */
  tracking = 0;
  trackingRedirect = 0;
  trackingPrefixes: Set<string> | null = null;
  /** Replication role of the connection: "S" a replica of ours, "M" our master. */
  replRole: "" | "S" | "M" = "";
  /** Replication offset right after this client's last propagated write (WAIT). */
  woff = 0;

  /**
   * `unixPath`: the Unix socket the connection came through, its address at both ends in CLIENT
   * LIST (`addr=/path:0 laddr=/path:0`, flag U), as Redis shows it.
   */
  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    requirePass: boolean,
    readonly unixPath?: string,
  ) {
    this.authenticated = !requirePass;
    this.decoder.authenticated = this.authenticated;
    if (unixPath !== undefined) {
      this.addr = `${unixPath}:0`;
      this.laddr = this.addr;
      return;
    }
    this.addr = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`.replace(/^::ffff:/, "");
    this.laddr = `${socket.localAddress ?? "?"}:${socket.localPort ?? 0}`.replace(/^::ffff:/, "");
  }

  get resp(): 2 | 3 {
    return this.reply.resp;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** RESP2 clients with subscriptions may only run the pub/sub commands. */
  get inPubSubContext(): boolean {
    return this.subscriptionCount > 0 && this.reply.resp === 2;
  }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
    this.decoder.authenticated = v;
  }

  /** Bytes waiting in the socket plus bytes encoded but not flushed yet (Redis's omem). */
  get outputBytes(): number {
    return this.socket.writableLength + this.reply.pendingBytes;
  }

  /** Redis's flags field in CLIENT LIST. */
  flagString(): string {
    let f: string = this.isMonitor ? "O" : this.replRole;
    if (this.subscriptionCount > 0) f += "P";
    if (this.multiQueue || this.execCount >= 0) f += "x";
    // A command held by CLIENT PAUSE (or a MIGRATE key lock) is blocked too, as in Redis.
    if (this.blocked || this.pausedArgs !== null) f += "b";
    const t = this.tracking;
    if (t !== 0) {
      if (t & TrackingFlag.On) f += "t";
      if (t & TrackingFlag.BrokenRedir) f += "R";
      if (t & TrackingFlag.Bcast) f += "B";
    }
    if (this.casDirty) f += "d";
    if (this.closeAfterReply) f += "c";
    if (this.unixPath !== undefined) f += "U";
    if (this.readOnly) f += "r";
    if (this.noEvict) f += "e";
    return f || "N";
  }
}

export type { CommandArgs };

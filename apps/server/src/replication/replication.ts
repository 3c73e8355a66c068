// Master–replica replication for one node, both roles (src/replication.c, Redis 7.0).
//
// As a master it owns the replication stream: every write the server propagates (the same feed
// and order as the AOF: the node's propagateNow) is encoded once per turn into a StreamBuffer, its
// bytes counted by `offset` (master_repl_offset), copied into the backlog and written to every
// online replica after the AOF has been written. PSYNC answers +CONTINUE with the missing bytes
// when the replica's history (replid, or replid2 up to second_repl_offset after a promotion) and
// offset are still in the backlog, else +FULLRESYNC and an RDB file of the data as of that turn,
// produced while clients keep being served: streamed to the socket behind `$EOF:<40-byte mark>`
// when repl-diskless-sync is on and the replica said `capa eof`, else written to dbfilename first
// and sent as `$<length>` (BGSAVE with target disk). A diskless sync first waits
// repl-diskless-sync-delay seconds (or until repl-diskless-sync-max-replicas are waiting), so
// replicas arriving together share one RDB stream, and +FULLRESYNC goes out when it starts
// (syncCommand's "Delay next BGSAVE", replicationStartPendingFork). The stream bytes produced
// meanwhile wait in the replica's queue; after a socket transfer they are sent once the
// replica's first REPLCONF ACK says it loaded the file (repl_start_cmd_stream_on_ack: a real
// Redis replica reads up to the mark and nothing after it). WAIT, min-replicas-to-write and the
// replica list of INFO/ROLE live here.
//
// As a replica (REPLICAOF host port) a MasterLink connects to the master, and the bytes it applies
// are proxied verbatim into this node's own stream, so sub-replicas (chained replication) and a
// later promotion (REPLICAOF NO ONE shifts replid to replid2) keep the same offsets. A PSYNC asks
// to continue only from a history this node holds (Redis's cached master: the link that broke, or
// its own as a master turned replica); a replica takes its master's replid and offset only once
// a full sync loaded, so a failed one leaves it asking for a full sync again.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type net from "node:net";
import type { CommandArgs } from "@shoal/resp-codec";
import { type Client, ClientReplyMode } from "../client-connection.js";
import type { CommandEntry } from "../command-types.js";
import type { OutputLimits } from "../config/directives.js";
import { Backlog, StreamBuffer } from "./backlog.js";
import type { ReplicationHost } from "./host.js";
import { MasterLink, type ReplicationLinkOwner } from "./master-link.js";

export type ReplicaState = "wait_bgsave" | "send_bulk" | "online";

/** A replica attached to this node (Redis's client with CLIENT_SLAVE). */
export interface ReplicaConn {
  readonly client: Client;
  readonly sock: net.Socket;
  state: ReplicaState;
  listeningPort: number;
  ip: string;
  capaEof: boolean;
  capaPsync2: boolean;
  /** Offset the replica acknowledged (REPLCONF ACK), and when (ms). */
  ackOffset: number;
  ackTime: number;
  /** Stream bytes up to this offset are not for it (they are in its snapshot or backlog copy). */
  fromOffset: number;
  /** Stream produced while its snapshot is being sent (or until its first ACK). */
  deferred: Buffer[];
  /** Sent an RDB through the socket: the stream starts with its first ACK (repl_start_cmd_stream_on_ack). */
  waitAck: boolean;
  deferredBytes: number;
  softLimitSince: number;
}

interface WaitRequest {
  client: Client;
  target: number;
  numReplicas: number;
  done: (count: number) => void;
}

/** What a connection said in REPLCONF before it became a replica. */
interface ReplconfState {
  listeningPort: number;
  ip: string;
  capaEof: boolean;
  capaPsync2: boolean;
}

const NULL_REPLID = "0000000000000000000000000000000000000000";
const newReplId = () => randomBytes(20).toString("hex");

export const ERR_READONLY = "READONLY You can't write against a read only replica.";
export const ERR_NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
export const ERR_MASTERDOWN =
  "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

export class Replication implements ReplicationLinkOwner {
  replid = newReplId();
  replid2 = NULL_REPLID;
  /** master_repl_offset: bytes of stream produced (master) or applied and proxied (replica). */
  offset = 0;
  secondReplOffset = -1;
  backlog: Backlog | null = null;
  readonly replicas = new Set<ReplicaConn>();
  private readonly replconfState = new WeakMap<Client, ReplconfState>();

  // The turn's stream, not yet written: its bytes are offsets (slabBase, offset].
  private readonly slab = new StreamBuffer();
  private slabBase = 0;
  /** Database the stream last SELECTed (-1: the next write starts with SELECT). */
  private streamDb = -1;
  private getAckRequested = false;
  private readonly waiters: WaitRequest[] = [];
  private noReplicasSince = Date.now();
  private lastPing = 0;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Replicas waiting for the next diskless transfer (Redis's SLAVE_STATE_WAIT_BGSAVE_START), with
   * when they asked and whether they said PSYNC (they get +FULLRESYNC when it starts).
   */
  private readonly pendingSync = new Map<ReplicaConn, { since: number; psync: boolean }>();
  private pendingTimer: NodeJS.Timeout | undefined;

  // Replica role.
  /** The master client's selected db, kept across links (a partial resync continues in it). */
  masterDb = 0;
  masterHost: string | null = null;
  masterPort = 0;
  link: MasterLink | null = null;
  /**
   * When a working link with a master last broke (Redis's repl_down_since): 0 while this process
   * never had one, which makes a replica's data too old to fail over with until it syncs once.
   */
  linkDownSince = 0;

  // INFO stats.
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** total_net_repl_output_bytes / total_net_repl_input_bytes (INFO stats). */
  netReplOutputBytes = 0;
  netReplInputBytes = 0;

  /** CONFIG RESETSTAT. */
  resetStats(): void {
    this.syncFull = this.syncPartialOk = this.syncPartialErr = 0;
    this.netReplOutputBytes = this.netReplInputBytes = 0;
  }

  /**
   * True when commands need the replication checks of processCommand (read-only replica, stale
   * data, min-replicas-to-write): one boolean on the hot path.
   */
  checksActive = false;

  constructor(private readonly server: ReplicationHost) {}

  private get cfg() {
    return this.server.config;
  }

  /** Starts the once-a-second cron and, with `replicaof` configured, the link to the master. */
  start(): void {
    this.timer = setInterval(() => this.cron(), 1000);
    this.timer.unref();
    this.refreshChecks();
    const target = this.cfg.get<string>("replicaof");
    if (target !== "") {
      const [host, port] = target.split(" ");
      this.setMaster(host!, Number(port), null);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.link?.close();
  }

  get isReplica(): boolean {
    return this.masterHost !== null;
  }

  // ---- The stream -------------------------------------------------------------------------------

  /** Redis's replicationFeedSlaves: one propagated write (ignored on a replica: it proxies). */
  feed(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    if (this.masterHost !== null) return;
    if (this.backlog === null && this.replicas.size === 0) {
      this.stored = null; // the data no longer is what the stored offset describes
      return;
    }
    if (dbIndex !== this.streamDb && dbIndex >= 0) {
      this.offset += this.slab.command(["SELECT", String(dbIndex)]);
      this.streamDb = dbIndex;
    }
    this.offset += this.slab.command(argv);
    const c = this.server.call.client;
    if (c !== null) c.woff = this.offset;
    this.server.requestBeforeSleep();
  }

  /** feed() of the command being run, encoded from its arguments where they are. */
  feedArgs(dbIndex: number, args: CommandArgs): void {
    if (this.masterHost !== null) return;
    if (this.backlog === null && this.replicas.size === 0) {
      this.stored = null;
      return;
    }
    if (dbIndex !== this.streamDb && dbIndex >= 0) {
      this.offset += this.slab.command(["SELECT", String(dbIndex)]);
      this.streamDb = dbIndex;
    }
    this.offset += this.slab.commandArgs(args);
    const c = this.server.call.client;
    if (c !== null) c.woff = this.offset;
    this.server.requestBeforeSleep();
  }

  /** Whether anything consumes propagated writes (so they must be copied). */
  get feeding(): boolean {
    return this.masterHost === null && (this.backlog !== null || this.replicas.size > 0);
  }

  /**
   * Replica: bytes applied from the master's stream (already counted in `offset` by the link),
   * proxied unchanged into our backlog and to our replicas.
   */
  proxy(bytes: Uint8Array): void {
    if (this.backlog === null && this.replicas.size === 0) {
      this.slabBase = this.offset;
      return;
    }
    if (this.replicas.size === 0 && this.slab.length === 0) {
      // Only our backlog takes it: straight in, without passing through the turn's buffer.
      this.backlog!.append(bytes);
      this.slabBase = this.offset;
      return;
    }
    this.slab.raw(bytes);
    this.server.requestBeforeSleep();
  }

  /** Once per turn, after the AOF was written: the stream goes to the backlog and the replicas. */
  beforeSleep(): void {
    if (this.getAckRequested && this.masterHost === null) {
      this.getAckRequested = false;
      if (this.replicas.size > 0) this.offset += this.slab.command(["REPLCONF", "GETACK", "*"]);
    }
    if (this.slab.length === 0) return;
    const base = this.slabBase;
    if (this.replicas.size === 0) {
      // The backlog copies what it keeps: no socket holds on to these bytes, so no copy here.
      this.backlog?.append(this.slab.view());
      this.slab.clear();
      this.slabBase = this.offset;
      return;
    }
    const data = this.slab.take();
    this.slabBase = this.offset;
    this.backlog?.append(data);
    for (const r of this.replicas) {
      const skip = r.fromOffset - base;
      if (skip >= data.length) continue;
      const part = skip > 0 ? data.subarray(skip) : data;
      if (r.state === "online" && !r.waitAck) {
        r.sock.write(part);
        this.netReplOutputBytes += part.length;
      } else {
        r.deferred.push(part);
        r.deferredBytes += part.length;
      }
      this.checkReplicaLimits(r);
    }
  }

  /** client-output-buffer-limit replica class (hard, or soft for soft-seconds). */
  private checkReplicaLimits(r: ReplicaConn): void {
    const lim = this.cfg.get<OutputLimits>("client-output-buffer-limit").replica;
    const used = r.sock.writableLength + r.deferredBytes;
    let over = lim.hard > 0 && used >= lim.hard;
    if (!over && lim.soft > 0 && used >= lim.soft) {
      const now = Date.now();
      if (r.softLimitSince === 0) r.softLimitSince = now;
      else if (now - r.softLimitSince >= lim.softSeconds * 1000) over = true;
    } else if (used < lim.soft) r.softLimitSince = 0;
    if (!over) return;
    this.server.log.warning(
      `Client ${this.server.clientInfoString(r.client)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.server.stats.clientOutputLimitDisconnections++;
    this.dropReplica(r);
  }

  private ensureBacklog(): Backlog {
    if (this.backlog === null) {
      // Nothing unflushed can exist without a backlog or replicas: the stream starts here.
      this.backlog = new Backlog(this.cfg.get<number>("repl-backlog-size"), this.offset);
      this.slabBase = this.offset;
      this.server.log.notice(
        `Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`,
      );
    }
    return this.backlog;
  }

  /**
   * Redis's cached master: true while this node holds a history it may ask to continue (the link
   * that broke, or its own as a master turned replica). A +FULLRESYNC discards it; only a loaded
   * full sync brings a history back (resetHistory).
   */
  private cachedMaster = false;

  /**
   * The history dump.rdb recorded (rdbPopulateSaveInfo's repl-id, repl-offset, repl-stream-db),
   * read at start-up and good until this node writes anything of its own: a node that starts as
   * a replica continues it (loadDataFromDisk's "Restore the replication ID / offset from the RDB
   * file", then replicationCacheMasterUsingMyself), so a restart costs a partial resync.
   */
  private stored: { replid: string; offset: number; db: number } | null = null;

  restoreStoredHistory(replid: string, offset: number, db: number): void {
    this.stored = { replid, offset, db };
  }

  cacheMaster(): void {
    this.cachedMaster = true;
  }

  discardCachedMaster(): void {
    this.cachedMaster = false;
  }

  /**
   * A full sync is about to replace the data: the old history no longer describes it. A new
   * random replid, no backlog, sub-replicas disconnected (replicationAttachToNewMaster), so that
   * nothing can continue from it, whether the load then succeeds (resetHistory) or fails.
   */
  abandonHistory(): void {
    this.disconnectReplicas();
    this.cachedMaster = false;
    this.replid = newReplId();
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
    this.backlog = null;
    this.slab.take();
    this.slabBase = this.offset;
  }

  /** Replica after a full sync: a fresh backlog starting at the master's offset. */
  resetHistory(replid: string, offset: number): void {
    this.disconnectReplicas();
    this.replid = replid;
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
    this.offset = offset;
    this.slab.take();
    this.slabBase = offset;
    this.backlog = new Backlog(this.cfg.get<number>("repl-backlog-size"), offset);
  }

  /** Replica partial resync with a master whose replid changed (it was promoted). */
  continueWithNewReplid(replid: string): void {
    if (replid === this.replid) return;
    this.replid2 = this.replid;
    this.secondReplOffset = this.offset + 1;
    this.replid = replid;
    // Sub-replicas must learn the new ID: they will partially resync with us.
    this.disconnectReplicas();
  }

  ensureBacklogForReplica(): void {
    this.ensureBacklog();
  }

  /**
   * DEBUG CHANGE-REPL-ID: a new random replid and no secondary history (Redis's
   * changeReplicationId + clearReplicationId2): replicas can no longer partially resync.
   */
  changeReplicationId(): void {
    this.replid = newReplId();
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
  }

  /** Redis's shiftReplicationId: a promoted node keeps serving the old history as replid2. */
  private shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.offset + 1;
    this.replid = newReplId();
    this.server.log.notice(
      `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replid}`,
    );
  }

  // ---- Replicas attached to us ---------------------------------------------------------------

  /** REPLCONF from a (future) replica. Returns an error text or undefined (OK / no reply). */
  replconf(client: Client, opts: Array<[string, string]>): string | undefined | null {
    const st = this.replconfState.get(client) ?? {
      listeningPort: 0,
      ip: "",
      capaEof: false,
      capaPsync2: false,
    };
    const replica = this.replicaOf(client);
    for (const [name, value] of opts) {
      switch (name.toLowerCase()) {
        case "listening-port": {
          const n = Number(value);
          if (!/^[0-9]+$/.test(value) || n > 65535)
            return "ERR value is not an integer or out of range";
          st.listeningPort = n;
          break;
        }
        case "ip-address":
          st.ip = value;
          break;
        case "capa":
          if (value.toLowerCase() === "eof") st.capaEof = true;
          else if (value.toLowerCase() === "psync2") st.capaPsync2 = true;
          break;
        case "ack": {
          // From a replica: no reply, as in Redis.
          if (replica === undefined) return null;
          const off = Number(value);
          if (Number.isSafeInteger(off) && off > replica.ackOffset) replica.ackOffset = off;
          replica.ackTime = Date.now();
          if (replica.waitAck) this.startStream(replica);
          this.checkWaiters();
          return null;
        }
        case "fack":
          return null;
        case "getack": {
          // From our master: answer with what we applied.
          if (this.link !== null && client === this.link.client) this.link.sendAck();
          return null;
        }
        case "rdb-only":
        case "rdb-filter-only":
          break;
        default:
          return `ERR Unrecognized REPLCONF option: ${name}`;
      }
    }
    this.replconfState.set(client, st);
    return undefined;
  }

  private replicaOf(client: Client): ReplicaConn | undefined {
    if (client.replRole !== "S") return undefined;
    for (const r of this.replicas) if (r.client === client) return r;
    return undefined;
  }

  /** PSYNC replid offset, or SYNC (psync false): Redis's syncCommand. */
  sync(client: Client, replid: string | null, offsetArg: string | null): void {
    if (client.replRole === "S") return;
    if (this.masterHost !== null && this.link?.state !== "connected") {
      client.reply.error("NOMASTERLINK Can't SYNC while not connected with my master");
      return;
    }
    const st = this.replconfState.get(client);
    const r: ReplicaConn = {
      client,
      sock: client.socket,
      state: "wait_bgsave",
      listeningPort: st?.listeningPort ?? 0,
      ip: st?.ip || client.addr.slice(0, client.addr.lastIndexOf(":")),
      capaEof: st?.capaEof ?? false,
      capaPsync2: st?.capaPsync2 ?? false,
      ackOffset: 0,
      ackTime: Date.now(),
      fromOffset: 0,
      deferred: [],
      deferredBytes: 0,
      waitAck: false,
      softLimitSince: 0,
    };
    if (replid !== null && this.tryPartial(r, replid, offsetArg ?? "")) return;
    if (replid !== null && replid !== "?") this.syncPartialErr++;
    this.fullResync(r, replid !== null);
  }

  /** Redis's masterTryPartialResynchronization. */
  private tryPartial(r: ReplicaConn, replid: string, offsetArg: string): boolean {
    const psyncOffset = /^-?[0-9]+$/.test(offsetArg) ? Number(offsetArg) : Number.NaN;
    const log = this.server.log;
    if (!Number.isSafeInteger(psyncOffset)) return false;
    if (
      replid !== this.replid &&
      (replid !== this.replid2 || psyncOffset > this.secondReplOffset)
    ) {
      if (replid !== "?") {
        if (replid !== this.replid && replid !== this.replid2)
          log.notice(
            `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')`,
          );
        else
          log.notice(
            `Partial resynchronization not accepted: Requested offset for second ID was ${psyncOffset}, but I can reply up to ${this.secondReplOffset}`,
          );
      }
      return false;
    }
    const bl = this.backlog;
    // Bytes still in the turn's buffer are not in the backlog yet, but no replica can have them.
    if (bl === null || !bl.covers(psyncOffset)) {
      log.notice(
        `Unable to partial resync with replica ${this.replicaName(r)} for lack of backlog (Replica request was: ${psyncOffset}).`,
      );
      return false;
    }
    this.attach(r);
    const sock = r.sock;
    sock.write(r.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : "+CONTINUE\r\n");
    const data = bl.readFrom(psyncOffset);
    if (data.length > 0) sock.write(data);
    this.netReplOutputBytes += data.length;
    r.fromOffset = bl.endOffset;
    r.state = "online";
    this.syncPartialOk++;
    log.notice(
      `Partial resynchronization request from ${this.replicaName(r)} accepted. Sending ${data.length} bytes of backlog starting from offset ${psyncOffset}.`,
    );
    this.refreshChecks();
    return true;
  }

  /** Marks the connection as a replica: its pending replies go out first, later ones are dropped. */
  private attach(r: ReplicaConn): void {
    const c = r.client;
    const pending = c.reply.take();
    if (pending !== null) r.sock.write(pending);
    c.replRole = "S";
    c.replyMode = ClientReplyMode.Off;
    c.reply.enabled = false;
    this.replicas.add(r);
    this.ensureBacklog();
    r.sock.once("close", () => this.replicaGone(r));
  }

  private fullResync(r: ReplicaConn, psync: boolean): void {
    const store = this.server.store;
    const log = this.server.log;
    log.notice(`Replica ${this.replicaName(r)} asks for synchronization`);
    if (psync) {
      // "Full resync requested by replica" is how Redis logs a PSYNC that can't continue.
      log.notice(`Full resync requested by replica ${this.replicaName(r)}`);
    }
    this.attach(r);
    this.syncFull++;
    const socket = r.capaEof && this.cfg.get<boolean>("repl-diskless-sync");
    if (socket && this.cfg.get<number>("repl-diskless-sync-delay") > 0) {
      // No stream for it until its transfer starts: what it misses meanwhile is in the RDB.
      r.fromOffset = Number.POSITIVE_INFINITY;
      this.pendingSync.set(r, { since: Date.now(), psync });
      log.notice("Delay next BGSAVE for diskless SYNC");
      this.startPendingSync();
    } else this.startSync([[r, psync]], socket);
    this.refreshChecks();
  }

  /**
   * replicationStartPendingFork: the waiting replicas get one diskless transfer once the one
   * waiting longest has waited repl-diskless-sync-delay seconds, or as soon as
   * repl-diskless-sync-max-replicas (when not 0) are waiting; else a timer comes back then.
   */
  private startPendingSync(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
    for (const r of this.pendingSync.keys()) if (!this.replicas.has(r)) this.pendingSync.delete(r);
    if (this.pendingSync.size === 0) return;
    const delayMs = this.cfg.get<number>("repl-diskless-sync-delay") * 1000;
    const max = this.cfg.get<number>("repl-diskless-sync-max-replicas");
    let oldest = Number.POSITIVE_INFINITY;
    for (const p of this.pendingSync.values()) oldest = Math.min(oldest, p.since);
    const wait = oldest + delayMs - Date.now();
    if (wait > 0 && (max === 0 || this.pendingSync.size < max)) {
      this.pendingTimer = setTimeout(() => this.startPendingSync(), wait);
      this.pendingTimer.unref();
      return;
    }
    const batch: [ReplicaConn, boolean][] = [];
    for (const [r, p] of this.pendingSync) batch.push([r, p.psync]);
    this.pendingSync.clear();
    this.startSync(batch, true);
  }

  /**
   * startBgsaveForReplication: one snapshot of the data as of this turn for every replica of
   * `batch` ([replica, said PSYNC]), each told +FULLRESYNC with this offset, then the RDB.
   */
  private startSync(batch: [ReplicaConn, boolean][], socket: boolean): void {
    // The snapshot holds every write executed so far, including this turn's unflushed stream.
    const chunks = this.server.store.snapshot!(this.server.persistence?.rdbSaveOptions() ?? {});
    this.streamDb = -1;
    for (const [r, psync] of batch) {
      r.fromOffset = this.offset;
      if (psync) r.sock.write(`+FULLRESYNC ${this.replid} ${this.offset}\r\n`);
    }
    this.server.log.notice(
      `Starting BGSAVE for SYNC with target: ${socket ? "replicas sockets" : "disk"} (offset ${this.offset})`,
    );
    const rs = batch.map(([r]) => r);
    void (socket ? this.sendRdbToSockets(rs, chunks) : this.sendRdbFromDisk(rs[0]!, chunks));
  }

  /**
   * Diskless: the RDB chunks go to every replica's socket as produced, between `$EOF:<mark>` and
   * the mark; the next chunk waits for the slowest socket to drain (rdbPipeWriteHandler), and a
   * replica that goes away is dropped from the transfer without stopping it for the others.
   */
  private async sendRdbToSockets(
    rs: ReplicaConn[],
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<void> {
    const alive = () => rs.filter((r) => this.replicas.has(r) && !r.sock.destroyed);
    try {
      const mark = randomBytes(20).toString("hex");
      for (const r of rs) {
        r.sock.write(`$EOF:${mark}\r\n`);
        r.state = "send_bulk";
      }
      for await (const chunk of chunks) {
        const to = alive();
        if (to.length === 0) return;
        const slow: Promise<void>[] = [];
        for (const r of to) {
          this.netReplOutputBytes += chunk.length;
          if (!r.sock.write(chunk)) slow.push(drained(r.sock));
        }
        if (slow.length > 0) await Promise.all(slow);
      }
      for (const r of alive()) {
        r.sock.write(mark);
        r.state = "online";
        r.waitAck = true;
        r.ackTime = Date.now();
        this.server.log.notice(
          `Streamed RDB transfer with replica ${this.replicaName(r)} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`,
        );
      }
    } catch (err) {
      for (const r of alive()) {
        this.server.log.warning(
          `Diskless RDB transfer for replica ${this.replicaName(r)} failed: ${(err as Error).message}`,
        );
        this.dropReplica(r);
      }
    }
  }

  /**
   * Disk-based: the RDB is written to dbfilename, then sent as `$<length>` and the file's bytes
   * (sendBulkToSlave); the replica is online at once. Without persistence (an embedder's node)
   * the file is assembled in memory instead.
   */
  private async sendRdbFromDisk(
    r: ReplicaConn,
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<void> {
    const sock = r.sock;
    const gone = () => !this.replicas.has(r) || sock.destroyed;
    const p = this.server.persistence;
    let fd = -1;
    try {
      if (p === null) {
        const parts: Uint8Array[] = [];
        let total = 0;
        for await (const chunk of chunks) {
          if (gone()) return;
          parts.push(chunk);
          total += chunk.length;
        }
        if (gone()) return;
        r.state = "send_bulk";
        sock.write(`$${total}\r\n`);
        for (const part of parts) sock.write(part);
        this.netReplOutputBytes += total;
      } else {
        const saved = await p.saveForSync(chunks);
        fd = saved.fd;
        if (gone()) return;
        r.state = "send_bulk";
        sock.write(`$${saved.size}\r\n`);
        const buf = Buffer.allocUnsafe(256 * 1024);
        for (let pos = 0; pos < saved.size; ) {
          const n = await readAt(fd, buf, pos);
          if (n === 0) throw new Error("short read from the RDB file");
          if (gone()) return;
          pos += n;
          this.netReplOutputBytes += n;
          if (!sock.write(Buffer.from(buf.subarray(0, n)))) await drained(sock);
        }
        if (gone()) return;
      }
      for (const d of r.deferred) sock.write(d);
      this.netReplOutputBytes += r.deferredBytes;
      r.deferred = [];
      r.deferredBytes = 0;
      r.state = "online";
      r.ackTime = Date.now();
      this.server.log.notice(`Synchronization with replica ${this.replicaName(r)} succeeded`);
      this.refreshChecks();
    } catch (err) {
      this.server.log.warning(
        `Sending the RDB to replica ${this.replicaName(r)} failed: ${(err as Error).message}`,
      );
      this.dropReplica(r);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /** The replica's first ACK after a socket transfer: it loaded the file, the stream follows. */
  private startStream(r: ReplicaConn): void {
    r.waitAck = false;
    for (const d of r.deferred) r.sock.write(d);
    this.netReplOutputBytes += r.deferredBytes;
    r.deferred = [];
    r.deferredBytes = 0;
    this.server.log.notice(`Synchronization with replica ${this.replicaName(r)} succeeded`);
    this.refreshChecks();
  }

  private replicaName(r: ReplicaConn): string {
    return `${r.ip}:${r.listeningPort || r.client.addr.slice(r.client.addr.lastIndexOf(":") + 1)}`;
  }

  private dropReplica(r: ReplicaConn): void {
    this.server.closeClientNow(r.client);
    this.replicaGone(r);
  }

  private replicaGone(r: ReplicaConn): void {
    if (!this.replicas.delete(r)) return;
    this.pendingSync.delete(r);
    this.server.log.notice(`Connection with replica ${this.replicaName(r)} lost.`);
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
    this.refreshChecks();
    this.checkWaiters();
  }

  /** Redis's disconnectSlaves(): they reconnect and resync (partially when they can). */
  disconnectReplicas(): void {
    for (const r of [...this.replicas]) this.dropReplica(r);
  }

  // ---- WAIT, min-replicas ---------------------------------------------------------------------

  /** Replicas whose acknowledged offset reached `offset`. */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === "online" && r.ackOffset >= offset) n++;
    return n;
  }

  /** WAIT: resolves with the count once enough replicas acknowledged, or at the timeout. */
  wait(client: Client, numReplicas: number, timeoutMs: number): Promise<number> {
    const target = client.woff;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const req: WaitRequest = {
        client,
        target,
        numReplicas,
        done: (count) => {
          if (timer) clearTimeout(timer);
          const i = this.waiters.indexOf(req);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(count);
        },
      };
      this.waiters.push(req);
      if (timeoutMs > 0) timer = setTimeout(() => req.done(this.countAcks(target)), timeoutMs);
      this.getAckRequested = true;
      this.server.requestBeforeSleep();
    });
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    for (const w of [...this.waiters]) {
      if (w.client.closed) {
        w.done(0);
        continue;
      }
      const n = this.countAcks(w.target);
      if (n >= w.numReplicas) w.done(n);
    }
  }

  /** Online replicas with lag <= min-replicas-max-lag (Redis's repl_good_slaves_count). */
  goodReplicas(now = Date.now()): number {
    const maxLag = this.cfg.get<number>("min-replicas-max-lag");
    let n = 0;
    for (const r of this.replicas)
      if (r.state === "online" && Math.floor((now - r.ackTime) / 1000) <= maxLag) n++;
    return n;
  }

  /** Recomputes whether processCommand must call check(). */
  refreshChecks(): void {
    this.checksActive =
      this.masterHost !== null ||
      (this.cfg.get<number>("min-replicas-to-write") > 0 &&
        this.cfg.get<number>("min-replicas-max-lag") > 0);
  }

  /**
   * processCommand's replication checks, in Redis's order: NOREPLICAS, READONLY, MASTERDOWN.
   * The master's own stream and the AOF loader are obeyed without checks.
   */
  check(client: Client, entry: CommandEntry): string | undefined {
    if (client.replRole === "M" || client.id === 0) return undefined;
    const isWrite =
      entry.isWrite ||
      (entry.spec.name === "exec" && client.multiQueue?.some((q) => q.entry.isWrite) === true);
    if (this.masterHost === null) {
      if (isWrite && this.goodReplicas() < this.cfg.get<number>("min-replicas-to-write"))
        return ERR_NOREPLICAS;
      return undefined;
    }
    if (isWrite && this.cfg.get<boolean>("replica-read-only")) return ERR_READONLY;
    if (
      this.link?.state !== "connected" &&
      !this.cfg.get<boolean>("replica-serve-stale-data") &&
      !(entry.parent ?? entry).spec.flags.includes("stale")
    )
      return ERR_MASTERDOWN;
    return undefined;
  }

  // ---- Role changes (REPLICAOF) ---------------------------------------------------------------

  /** Redis's replicationSetMaster. `from` is the client that asked (for the log line). */
  setMaster(host: string, port: number, from: Client | null): void {
    const wasMaster = this.masterHost === null;
    const h = this.stored;
    this.stored = null;
    this.link?.close();
    this.link = null;
    this.masterHost = host;
    this.masterPort = port;
    this.setReplicaMode(true);
    this.server.log.role = "S";
    if (wasMaster) {
      if (h !== null && this.backlog === null && this.offset === 0) {
        this.replid = h.replid;
        this.offset = h.offset;
        this.slabBase = h.offset;
        this.masterDb = h.db;
      }
      this.cachedMaster = true;
      this.server.log.notice(
        "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.",
      );
      // Writes waiting for acknowledgements will not get more as a replica.
      for (const w of [...this.waiters]) w.done(this.countAcks(w.target));
    }
    this.link = new MasterLink(this.server, this, host, port);
    this.link.connect();
    if (from !== null)
      this.server.log.notice(
        `REPLICAOF ${host}:${port} enabled (user request from '${this.server.clientInfoString(from)}')`,
      );
    this.refreshChecks();
  }

  /** Redis's replicationUnsetMaster (REPLICAOF NO ONE). */
  unsetMaster(from: Client | null): void {
    if (this.masterHost === null) return;
    this.link?.close();
    this.link = null;
    this.masterHost = null;
    this.setReplicaMode(false);
    this.server.log.role = "M";
    this.shiftReplicationId();
    // Replicas must learn the new ID; they partially resync right away.
    this.disconnectReplicas();
    this.streamDb = -1;
    this.noReplicasSince = Date.now();
    if (from !== null)
      this.server.log.notice(
        `MASTER MODE enabled (user request from '${this.server.clientInfoString(from)}')`,
      );
    this.refreshChecks();
  }

  /** A replica never deletes expired keys itself: it waits for the master's DEL. */
  private setReplicaMode(on: boolean): void {
    this.server.store.keyspace.deleteExpired = !on;
  }

  /** The PSYNC arguments for our master: our own history when we have one. */
  psyncArgs(): [string, string] {
    if (!this.cachedMaster || (this.backlog === null && this.offset === 0)) return ["?", "-1"];
    return [this.replid, String(this.offset + 1)];
  }

  // ---- Cron (replicationCron, once a second) -------------------------------------------------

  private cron(): void {
    const now = Date.now();
    const cfg = this.cfg;
    this.link?.cron(now);
    if (this.masterHost === null && this.replicas.size > 0) {
      const period = cfg.get<number>("repl-ping-replica-period") * 1000;
      if (now - this.lastPing >= period) {
        this.lastPing = now;
        this.offset += this.slab.command(["PING"]);
        this.server.requestBeforeSleep();
      }
    }
    // A CONFIG SET of the delay or of max-replicas applies to replicas already waiting.
    if (this.pendingSync.size > 0) this.startPendingSync();
    const timeout = cfg.get<number>("repl-timeout") * 1000;
    for (const r of [...this.replicas]) {
      if (r.state === "online" && now - r.ackTime > timeout) {
        this.server.log.warning(
          `Disconnecting timedout replica (streaming sync): ${this.replicaName(r)}`,
        );
        this.dropReplica(r);
      }
      this.checkReplicaLimitsIdle(r);
    }
    // A master without replicas for repl-backlog-ttl frees the backlog (and starts a new history).
    const ttl = cfg.get<number>("repl-backlog-ttl");
    if (
      this.masterHost === null &&
      this.backlog !== null &&
      this.replicas.size === 0 &&
      ttl > 0 &&
      now - this.noReplicasSince > ttl * 1000
    ) {
      this.replid = newReplId();
      this.replid2 = NULL_REPLID;
      this.secondReplOffset = -1;
      this.backlog = null;
      this.server.log.notice(
        `Replication backlog freed after ${ttl} seconds without connected replicas.`,
      );
    }
  }

  private checkReplicaLimitsIdle(r: ReplicaConn): void {
    if (r.deferredBytes > 0 || r.sock.writableLength > 0) this.checkReplicaLimits(r);
  }

  /** CONFIG SET side effects. */
  applyConfigChange(name: string): void {
    if (name === "repl-backlog-size")
      this.backlog?.resize(this.cfg.get<number>("repl-backlog-size"));
    if (name === "min-replicas-to-write" || name === "min-replicas-max-lag") this.refreshChecks();
  }
}

function readAt(fd: number, buf: Buffer, pos: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buf, 0, buf.length, pos, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function drained(sock: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sock.off("drain", done);
      sock.off("close", done);
      resolve();
    };
    sock.on("drain", done);
    sock.on("close", done);
  });
}

export { NULL_REPLID };

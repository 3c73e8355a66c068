// The master side of SYNC and PSYNC (syncCommand, masterTryPartialResynchronization,
// replicationStartPendingFork, startBgsaveForReplication, the RDB pipe to the replicas' sockets
// and sendBulkToSlave in src/replication.c, Redis 7.0). PSYNC answers +CONTINUE with the missing
// bytes when the replica's history (replid, or replid2 up to second_repl_offset after a
// promotion) and offset are still in the backlog, else +FULLRESYNC and an RDB file of the data as
// of that turn, produced while clients keep being served: streamed to the socket behind
// `$EOF:<40-byte mark>` when repl-diskless-sync is on and the replica said `capa eof`, else
// written to dbfilename first and sent as `$<length>` (BGSAVE with target disk). A diskless sync
// first waits repl-diskless-sync-delay seconds (or until repl-diskless-sync-max-replicas are
// waiting), so replicas arriving together share one RDB stream, and +FULLRESYNC goes out when it
// starts (syncCommand's "Delay next BGSAVE"). The stream bytes produced meanwhile wait in the
// replica's queue; after a socket transfer they are sent once the replica's first REPLCONF ACK
// says it loaded the file (repl_start_cmd_stream_on_ack: a real Redis replica reads up to the
// mark and nothing after it).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type net from "node:net";
import type { Client } from "../networking/client-connection.js";
import type { Backlog } from "./backlog.js";
import type { ReplicationHost } from "./host.js";
import type { LinkState } from "./master-link.js";
import { type ReplicaConn, type ReplicaRegistry, replicaName } from "./replicas.js";
import type { ReplicationStream } from "./stream.js";

/** The replication state a sync reads and counts into (replication.ts). */
export interface MasterSyncOwner {
  readonly replid: string;
  readonly replid2: string;
  readonly secondReplOffset: number;
  readonly offset: number;
  readonly backlog: Backlog | null;
  readonly masterHost: string | null;
  readonly link: { readonly state: LinkState } | null;
  readonly registry: ReplicaRegistry;
  readonly stream: ReplicationStream;
  netReplOutputBytes: number;
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
  /** A replica came online or left: min-replicas-to-write may now hold or fail. */
  refreshChecks(): void;
}

type SyncHost = Pick<ReplicationHost, "config" | "log" | "store" | "persistence">;

export class MasterSync {
  /**
   * Replicas waiting for the next diskless transfer (Redis's SLAVE_STATE_WAIT_BGSAVE_START), with
   * when they asked and whether they said PSYNC (they get +FULLRESYNC when it starts).
   */
  private readonly pendingSync = new Map<ReplicaConn, { since: number; psync: boolean }>();
  private pendingTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: SyncHost,
    private readonly owner: MasterSyncOwner,
  ) {}

  private get cfg() {
    return this.server.config;
  }

  stop(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
  }

  /** PSYNC replid offset, or SYNC (psync false): Redis's syncCommand. */
  sync(client: Client, replid: string | null, offsetArg: string | null): void {
    if (client.replRole === "S") return;
    if (this.owner.masterHost !== null && this.owner.link?.state !== "connected") {
      client.reply.error("NOMASTERLINK Can't SYNC while not connected with my master");
      return;
    }
    const r = this.owner.registry.newReplica(client);
    if (replid !== null && this.tryPartial(r, replid, offsetArg ?? "")) return;
    if (replid !== null && replid !== "?") this.owner.syncPartialErr++;
    this.fullResync(r, replid !== null);
  }

  /** Redis's masterTryPartialResynchronization. */
  private tryPartial(r: ReplicaConn, replid: string, offsetArg: string): boolean {
    const o = this.owner;
    const psyncOffset = /^-?[0-9]+$/.test(offsetArg) ? Number(offsetArg) : Number.NaN;
    const log = this.server.log;
    if (!Number.isSafeInteger(psyncOffset)) return false;
    if (replid !== o.replid && (replid !== o.replid2 || psyncOffset > o.secondReplOffset)) {
      if (replid !== "?") {
        if (replid !== o.replid && replid !== o.replid2)
          log.notice(
            `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${o.replid}' and '${o.replid2}')`,
          );
        else
          log.notice(
            `Partial resynchronization not accepted: Requested offset for second ID was ${psyncOffset}, but I can reply up to ${o.secondReplOffset}`,
          );
      }
      return false;
    }
    const bl = o.backlog;
    // Bytes still in the turn's buffer are not in the backlog yet, but no replica can have them.
    if (bl === null || !bl.covers(psyncOffset)) {
      log.notice(
        `Unable to partial resync with replica ${replicaName(r)} for lack of backlog (Replica request was: ${psyncOffset}).`,
      );
      return false;
    }
    o.registry.attach(r);
    const sock = r.sock;
    sock.write(r.capaPsync2 ? `+CONTINUE ${o.replid}\r\n` : "+CONTINUE\r\n");
    const data = bl.readFrom(psyncOffset);
    if (data.length > 0) sock.write(data);
    o.netReplOutputBytes += data.length;
    r.fromOffset = bl.endOffset;
    r.state = "online";
    o.syncPartialOk++;
    log.notice(
      `Partial resynchronization request from ${replicaName(r)} accepted. Sending ${data.length} bytes of backlog starting from offset ${psyncOffset}.`,
    );
    o.refreshChecks();
    return true;
  }

  private fullResync(r: ReplicaConn, psync: boolean): void {
    const log = this.server.log;
    log.notice(`Replica ${replicaName(r)} asks for synchronization`);
    if (psync) {
      // "Full resync requested by replica" is how Redis logs a PSYNC that can't continue.
      log.notice(`Full resync requested by replica ${replicaName(r)}`);
    }
    this.owner.registry.attach(r);
    this.owner.syncFull++;
    const socket = r.capaEof && this.cfg.get<boolean>("repl-diskless-sync");
    if (socket && this.cfg.get<number>("repl-diskless-sync-delay") > 0) {
      // No stream for it until its transfer starts: what it misses meanwhile is in the RDB.
      r.fromOffset = Number.POSITIVE_INFINITY;
      this.pendingSync.set(r, { since: Date.now(), psync });
      log.notice("Delay next BGSAVE for diskless SYNC");
      this.startPendingSync();
    } else this.startSync([[r, psync]], socket);
    this.owner.refreshChecks();
  }

  /** The replica left: it no longer waits for a diskless transfer. */
  forget(r: ReplicaConn): void {
    this.pendingSync.delete(r);
  }

  /** replicationCron: a CONFIG SET of the delay or of max-replicas applies to replicas waiting. */
  cron(): void {
    if (this.pendingSync.size > 0) this.startPendingSync();
  }

  /**
   * replicationStartPendingFork: the waiting replicas get one diskless transfer once the one
   * waiting longest has waited repl-diskless-sync-delay seconds, or as soon as
   * repl-diskless-sync-max-replicas (when not 0) are waiting; else a timer comes back then.
   */
  private startPendingSync(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
    const replicas = this.owner.registry.replicas;
    for (const r of this.pendingSync.keys()) if (!replicas.has(r)) this.pendingSync.delete(r);
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
    const o = this.owner;
    // The snapshot holds every write executed so far, including this turn's unflushed stream.
    const chunks = this.server.store.snapshot(this.server.persistence?.rdbSaveOptions() ?? {});
    o.stream.reselectDb();
    for (const [r, psync] of batch) {
      r.fromOffset = o.offset;
      if (psync) r.sock.write(`+FULLRESYNC ${o.replid} ${o.offset}\r\n`);
    }
    this.server.log.notice(
      `Starting BGSAVE for SYNC with target: ${socket ? "replicas sockets" : "disk"} (offset ${o.offset})`,
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
    const o = this.owner;
    const alive = () => rs.filter((r) => o.registry.replicas.has(r) && !r.sock.destroyed);
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
          o.netReplOutputBytes += chunk.length;
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
          `Streamed RDB transfer with replica ${replicaName(r)} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`,
        );
      }
    } catch (err) {
      for (const r of alive()) {
        this.server.log.warning(
          `Diskless RDB transfer for replica ${replicaName(r)} failed: ${(err as Error).message}`,
        );
        o.registry.drop(r);
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
    const o = this.owner;
    const sock = r.sock;
    const gone = () => !o.registry.replicas.has(r) || sock.destroyed;
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
        o.netReplOutputBytes += total;
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
          o.netReplOutputBytes += n;
          if (!sock.write(Buffer.from(buf.subarray(0, n)))) await drained(sock);
        }
        if (gone()) return;
      }
      for (const d of r.deferred) sock.write(d);
      o.netReplOutputBytes += r.deferredBytes;
      r.deferred = [];
      r.deferredBytes = 0;
      r.state = "online";
      r.ackTime = Date.now();
      this.server.log.notice(`Synchronization with replica ${replicaName(r)} succeeded`);
      o.refreshChecks();
    } catch (err) {
      this.server.log.warning(
        `Sending the RDB to replica ${replicaName(r)} failed: ${(err as Error).message}`,
      );
      o.registry.drop(r);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /** The replica's first ACK after a socket transfer: it loaded the file, the stream follows. */
  startStream(r: ReplicaConn): void {
    r.waitAck = false;
    for (const d of r.deferred) r.sock.write(d);
    this.owner.netReplOutputBytes += r.deferredBytes;
    r.deferred = [];
    r.deferredBytes = 0;
    this.server.log.notice(`Synchronization with replica ${replicaName(r)} succeeded`);
    this.owner.refreshChecks();
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

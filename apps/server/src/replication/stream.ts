// The replication stream a node produces (replicationFeedSlaves, feedReplicationBuffer and the
// before-sleep write to the replicas in src/replication.c, Redis 7.0): every write the server
// propagates (the same feed and order as the AOF) is encoded once per turn into a StreamBuffer,
// preceded by SELECT when its db differs from the stream's, its bytes counted into the owner's
// offset (master_repl_offset). Once per turn, after the AOF was written, the turn's bytes go into
// the backlog and to every online replica; a replica whose snapshot is still being sent (or that
// waits for its first ACK) gets them queued, counted against client-output-buffer-limit. A replica
// proxies its master's bytes unchanged instead of feeding its own. The PINGs of the cron and
// WAIT's REPLCONF GETACK go into the same stream.
import type { CommandArgs } from "@shoal/resp-codec";
import { type Backlog, StreamBuffer } from "./backlog.js";
import type { ReplicationHost } from "./host.js";
import type { ReplicaRegistry } from "./replicas.js";

/** The replication state the stream reads and advances (replication.ts). */
export interface StreamOwner {
  /** master_repl_offset: advanced by every byte of stream. */
  offset: number;
  readonly backlog: Backlog | null;
  readonly masterHost: string | null;
  readonly registry: ReplicaRegistry;
  netReplOutputBytes: number;
  /** A write nobody consumes: the history dump.rdb recorded no longer describes the data. */
  forgetStoredHistory(): void;
}

export class ReplicationStream {
  // The turn's stream, not yet written: its bytes are offsets (base, owner.offset].
  private readonly slab = new StreamBuffer();
  private base = 0;
  /** Database the stream last SELECTed (-1: the next write starts with SELECT). */
  private db = -1;
  private getAckRequested = false;

  constructor(
    private readonly server: Pick<ReplicationHost, "call" | "requestBeforeSleep">,
    private readonly owner: StreamOwner,
  ) {}

  /** Redis's replicationFeedSlaves: one propagated write (ignored on a replica: it proxies). */
  feed(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    if (!this.beginFeed(dbIndex)) return;
    this.owner.offset += this.slab.command(argv);
    this.endFeed();
  }

  /** feed() of the command being run, encoded from its arguments where they are. */
  feedArgs(dbIndex: number, args: CommandArgs): void {
    if (!this.beginFeed(dbIndex)) return;
    this.owner.offset += this.slab.commandArgs(args);
    this.endFeed();
  }

  /**
   * What comes before a fed command: false when nothing consumes it (a replica, or no backlog and
   * no replicas); else the SELECT its db needs, if the stream is in another db.
   */
  private beginFeed(dbIndex: number): boolean {
    const o = this.owner;
    if (o.masterHost !== null) return false;
    if (o.backlog === null && o.registry.replicas.size === 0) {
      o.forgetStoredHistory();
      return false;
    }
    if (dbIndex !== this.db && dbIndex >= 0) {
      o.offset += this.slab.command(["SELECT", String(dbIndex)]);
      this.db = dbIndex;
    }
    return true;
  }

  /** What comes after: the writing client's offset (WAIT) and a flush before sleeping. */
  private endFeed(): void {
    const c = this.server.call.client;
    if (c !== null) c.woff = this.owner.offset;
    this.server.requestBeforeSleep();
  }

  /** Whether anything consumes propagated writes (so they must be copied). */
  get feeding(): boolean {
    const o = this.owner;
    return o.masterHost === null && (o.backlog !== null || o.registry.replicas.size > 0);
  }

  /**
   * Replica: bytes applied from the master's stream (already counted in the offset by the link),
   * proxied unchanged into our backlog and to our replicas.
   */
  proxy(bytes: Uint8Array): void {
    const o = this.owner;
    if (o.backlog === null && o.registry.replicas.size === 0) {
      this.base = o.offset;
      return;
    }
    if (o.registry.replicas.size === 0 && this.slab.length === 0) {
      // Only our backlog takes it: straight in, without passing through the turn's buffer.
      o.backlog!.append(bytes);
      this.base = o.offset;
      return;
    }
    this.slab.raw(bytes);
    this.server.requestBeforeSleep();
  }

  /** The cron's keepalive to the replicas (repl-ping-replica-period). */
  ping(): void {
    this.owner.offset += this.slab.command(["PING"]);
    this.server.requestBeforeSleep();
  }

  /** WAIT: the next flush asks every replica for its offset (REPLCONF GETACK *). */
  requestAck(): void {
    this.getAckRequested = true;
    this.server.requestBeforeSleep();
  }

  /** The next write starts with SELECT (a snapshot was taken, or this node became a master). */
  reselectDb(): void {
    this.db = -1;
  }

  /** Nothing is unflushed: the stream goes on from `offset` (a new backlog or history). */
  continueAt(offset: number): void {
    this.base = offset;
  }

  /** The unflushed bytes belong to a history that ends here: the stream restarts at `offset`. */
  restartAt(offset: number): void {
    this.slab.take();
    this.base = offset;
  }

  /** Once per turn, after the AOF was written: the stream goes to the backlog and the replicas. */
  flush(): void {
    const o = this.owner;
    const replicas = o.registry.replicas;
    if (this.getAckRequested && o.masterHost === null) {
      this.getAckRequested = false;
      if (replicas.size > 0) o.offset += this.slab.command(["REPLCONF", "GETACK", "*"]);
    }
    if (this.slab.length === 0) return;
    const base = this.base;
    if (replicas.size === 0) {
      // The backlog copies what it keeps: no socket holds on to these bytes, so no copy here.
      o.backlog?.append(this.slab.view());
      this.slab.clear();
      this.base = o.offset;
      return;
    }
    const data = this.slab.take();
    this.base = o.offset;
    o.backlog?.append(data);
    for (const r of replicas) {
      const skip = r.fromOffset - base;
      if (skip >= data.length) continue;
      const part = skip > 0 ? data.subarray(skip) : data;
      if (r.state === "online" && !r.waitAck) {
        r.sock.write(part);
        o.netReplOutputBytes += part.length;
      } else {
        r.deferred.push(part);
        r.deferredBytes += part.length;
      }
      o.registry.checkLimits(r);
    }
  }
}

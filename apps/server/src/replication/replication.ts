// Master–replica replication for one node, both roles (src/replication.c, Redis 7.0): the node's
// replication state and the coordinator of the modules that hold each part of it.
//
// Held here: the history (replid, replid2 up to second_repl_offset after a promotion, the offset
// master_repl_offset, the backlog; Redis's cached master and the history dump.rdb recorded), the
// role and its changes (REPLICAOF host port / NO ONE, a cluster failover's promotion), the
// processCommand checks (read-only replica, stale data, min-replicas-to-write), the
// once-a-second cron and the INFO counters. Elsewhere in this folder:
// - stream.ts: the stream of propagated writes, flushed once per turn to the backlog and replicas;
// - backlog.ts: the backlog ring and the turn's stream buffer;
// - replicas.ts: the replicas attached to us, REPLCONF and ACK bookkeeping, output limits;
// - master-sync.ts: SYNC/PSYNC as a master: partial resync, full sync by disk or diskless;
// - wait.ts: WAIT;
// - master-link.ts: the replica's link to its master (handshake, payload load, applied stream),
//   sync-payload.ts: the full sync's payload as it arrives;
// - commands.ts: the commands and INFO replication.
//
// As a replica (REPLICAOF host port) a MasterLink connects to the master, and the bytes it applies
// are proxied verbatim into this node's own stream, so sub-replicas (chained replication) and a
// later promotion (REPLICAOF NO ONE shifts replid to replid2) keep the same offsets. A PSYNC asks
// to continue only from a history this node holds (Redis's cached master: the link that broke, or
// its own as a master turned replica); a replica takes its master's replid and offset only once
// a full sync loaded, so a failed one leaves it asking for a full sync again.
import { randomBytes } from "node:crypto";
import type { CommandArgs } from "@shoal/resp-codec";
import type { CommandEntry } from "../commands/command-types.js";
import type { Client } from "../networking/client-connection.js";
import { Backlog } from "./backlog.js";
import type { ReplicationHost } from "./host.js";
import { MasterLink, type ReplicationLinkOwner } from "./master-link.js";
import { MasterSync, type MasterSyncOwner } from "./master-sync.js";
import { type ReplicaConn, ReplicaRegistry, type ReplicaRegistryOwner } from "./replicas.js";
import { ReplicationStream, type StreamOwner } from "./stream.js";
import { Waiters } from "./wait.js";

const NULL_REPLID = "0000000000000000000000000000000000000000";
const newReplId = () => randomBytes(20).toString("hex");

export const ERR_READONLY = "READONLY You can't write against a read only replica.";
export const ERR_NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
export const ERR_MASTERDOWN =
  "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

export class Replication
  implements ReplicationLinkOwner, StreamOwner, ReplicaRegistryOwner, MasterSyncOwner
{
  replid = newReplId();
  replid2 = NULL_REPLID;
  /** master_repl_offset: bytes of stream produced (master) or applied and proxied (replica). */
  offset = 0;
  secondReplOffset = -1;
  backlog: Backlog | null = null;
  readonly registry: ReplicaRegistry;
  readonly replicas: ReadonlySet<ReplicaConn>;
  readonly stream: ReplicationStream;
  private readonly masterSync: MasterSync;
  private readonly waiters: Waiters;
  /**
   * Redis pings when its cron count is a multiple of repl-ping-replica-period, counted from the
   * start: the first PING a period after start, not on the first tick a replica is there.
   */
  private lastPing = Date.now();
  private timer: NodeJS.Timeout | undefined;

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

  constructor(private readonly server: ReplicationHost) {
    this.registry = new ReplicaRegistry(server, this);
    this.replicas = this.registry.replicas;
    this.stream = new ReplicationStream(server, this);
    this.masterSync = new MasterSync(server, this);
    this.waiters = new Waiters(this.registry, this.stream);
  }

  private get cfg() {
    return this.server.config;
  }

  /**
   * Starts the once-a-second cron and, with `replicaof` configured, the link to the master.
   * `clusterReplica`: nodes.conf makes this node a replica (the cluster cron links it later).
   */
  start(clusterReplica = false): void {
    this.timer = setInterval(() => this.cron(), 1000);
    this.timer.unref();
    this.refreshChecks();
    const target = this.cfg.get<string>("replicaof");
    if (target !== "") {
      const [host, port] = target.split(" ");
      this.setMaster(host!, Number(port), null);
    } else if (!clusterReplica) this.continueStoredHistoryAsMaster();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.masterSync.stop();
    this.link?.close();
  }

  get isReplica(): boolean {
    return this.masterHost !== null;
  }

  // ---- The stream (stream.ts) -------------------------------------------------------------------

  /** Redis's replicationFeedSlaves: one propagated write (ignored on a replica: it proxies). */
  feed(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    this.stream.feed(dbIndex, argv);
  }

  /** feed() of the command being run, encoded from its arguments where they are. */
  feedArgs(dbIndex: number, args: CommandArgs): void {
    this.stream.feedArgs(dbIndex, args);
  }

  /** Whether anything consumes propagated writes (so they must be copied). */
  get feeding(): boolean {
    return this.stream.feeding;
  }

  /** Replica: applied bytes of the master's stream, passed on to our backlog and replicas. */
  proxy(bytes: Uint8Array): void {
    this.stream.proxy(bytes);
  }

  /** Once per turn, after the AOF was written: the stream goes to the backlog and the replicas. */
  beforeSleep(): void {
    this.stream.flush();
  }

  ensureBacklog(): Backlog {
    if (this.backlog === null) {
      // Nothing unflushed can exist without a backlog or replicas: the stream starts here.
      this.backlog = new Backlog(this.cfg.get<number>("repl-backlog-size"), this.offset);
      this.stream.continueAt(this.offset);
      this.server.log.notice(
        `Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`,
      );
    }
    return this.backlog;
  }

  // ---- The history (replication IDs, cached master) ---------------------------------------------

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
   * `whole`: no key of the file was dropped as expired while loading.
   */
  private stored: { replid: string; offset: number; db: number; whole: boolean } | null = null;

  restoreStoredHistory(replid: string, offset: number, db: number, whole: boolean): void {
    this.stored = { replid, offset, db, whole };
  }

  /**
   * loadDataFromDisk's branch for a master: the stored history becomes replid2, valid up to its
   * offset, with a backlog from there, so the replicas this master had before its restart
   * continue with a partial resync (Redis 7.0). Redis feeds a DEL into that backlog for each key
   * that expired while the master was down; the loader drops those keys without naming them, so
   * a file that lost any is not offered: its replicas full-sync, as before Redis 7.0.
   */
  private continueStoredHistoryAsMaster(): void {
    const h = this.stored;
    if (h === null || !h.whole) return;
    this.replid2 = h.replid;
    this.secondReplOffset = h.offset + 1;
    this.offset = h.offset;
    this.backlog = new Backlog(this.cfg.get<number>("repl-backlog-size"), h.offset);
    this.stream.continueAt(h.offset);
    this.registry.noReplicasSince = Date.now();
  }

  forgetStoredHistory(): void {
    this.stored = null; // the data no longer is what the stored offset describes
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
    this.stream.restartAt(this.offset);
  }

  /** Replica after a full sync: a fresh backlog starting at the master's offset. */
  resetHistory(replid: string, offset: number): void {
    this.disconnectReplicas();
    this.replid = replid;
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
    this.offset = offset;
    this.stream.restartAt(offset);
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

  // ---- Replicas attached to us (replicas.ts, master-sync.ts) ------------------------------------

  /** REPLCONF from a (future) replica. Returns an error text or undefined (OK / no reply). */
  replconf(client: Client, opts: Array<[string, string]>): string | undefined | null {
    return this.registry.replconf(client, opts);
  }

  /** PSYNC replid offset, or SYNC (psync false): Redis's syncCommand. */
  sync(client: Client, replid: string | null, offsetArg: string | null): void {
    this.masterSync.sync(client, replid, offsetArg);
  }

  replicaAcked(r: ReplicaConn): void {
    if (r.waitAck) this.masterSync.startStream(r);
    this.waiters.check();
  }

  ackRequested(client: Client): void {
    if (this.link !== null && client === this.link.client) this.link.sendAck();
  }

  replicaLost(r: ReplicaConn): void {
    this.masterSync.forget(r);
    this.refreshChecks();
    this.waiters.check();
  }

  /** Redis's disconnectSlaves(): they reconnect and resync (partially when they can). */
  disconnectReplicas(): void {
    this.registry.disconnectAll();
  }

  // ---- WAIT, min-replicas -----------------------------------------------------------------------

  /** Replicas whose acknowledged offset reached `offset`. */
  countAcks(offset: number): number {
    return this.registry.countAcks(offset);
  }

  /** WAIT: resolves with the count once enough replicas acknowledged, or at the timeout. */
  wait(client: Client, numReplicas: number, timeoutMs: number): Promise<number> {
    return this.waiters.wait(client, numReplicas, timeoutMs);
  }

  /** Online replicas with lag <= min-replicas-max-lag (Redis's repl_good_slaves_count). */
  goodReplicas(now = Date.now()): number {
    return this.registry.goodReplicas(now);
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
      (entry.spec.name === "exec" && client.multiQueue?.some((q) => q.checked.isWrite) === true);
    if (this.masterHost === null) {
      if (isWrite && this.goodReplicas() < this.cfg.get<number>("min-replicas-to-write"))
        return ERR_NOREPLICAS;
      return undefined;
    }
    if (isWrite && this.cfg.get<boolean>("replica-read-only")) return ERR_READONLY;
    // The command's own flags: a subcommand's (CONFIG SET is stale, CONFIG is not), as c->cmd.
    if (this.runningStale && !entry.spec.flags.includes("stale")) return ERR_MASTERDOWN;
    return undefined;
  }

  /** A replica cut from its master that may not serve its data (Redis's running_stale). */
  get runningStale(): boolean {
    return (
      this.masterHost !== null &&
      this.link?.state !== "connected" &&
      !this.cfg.get<boolean>("replica-serve-stale-data")
    );
  }

  // ---- Role changes (REPLICAOF) ------------------------------------------------------------------

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
      // The stored history is still this node's while nothing was written since the start: no
      // byte went into the backlog it began (or, without one, no write forgot it).
      const untouched = this.backlog === null ? this.offset === 0 : this.offset === h?.offset;
      if (h !== null && untouched) {
        this.replid = h.replid;
        this.offset = h.offset;
        this.stream.continueAt(h.offset);
        this.masterDb = h.db;
      }
      this.cachedMaster = true;
      this.server.log.notice(
        "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.",
      );
      this.waiters.releaseAll();
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
    this.stream.reselectDb();
    this.registry.noReplicasSince = Date.now();
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

  // ---- Cron (replicationCron, once a second) ----------------------------------------------------

  private cron(): void {
    const now = Date.now();
    const cfg = this.cfg;
    this.link?.cron(now);
    if (this.masterHost === null && this.replicas.size > 0) {
      const period = cfg.get<number>("repl-ping-replica-period") * 1000;
      if (now - this.lastPing >= period) {
        this.lastPing = now;
        this.stream.ping();
      }
    }
    this.masterSync.cron();
    this.registry.cron(now);
    // A master without replicas for repl-backlog-ttl frees the backlog (and starts a new history).
    const ttl = cfg.get<number>("repl-backlog-ttl");
    if (
      this.masterHost === null &&
      this.backlog !== null &&
      this.replicas.size === 0 &&
      ttl > 0 &&
      now - this.registry.noReplicasSince > ttl * 1000
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

  /** CONFIG SET side effects. */
  applyConfigChange(name: string): void {
    if (name === "repl-backlog-size")
      this.backlog?.resize(this.cfg.get<number>("repl-backlog-size"));
    if (name === "min-replicas-to-write" || name === "min-replicas-max-lag") this.refreshChecks();
  }
}

export { NULL_REPLID };

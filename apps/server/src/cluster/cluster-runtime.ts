// Cluster mode of one shoal-server process: the gossip-failover state machine wired to a TCP bus
// and to the server. Plays the parts of clusterInit(), clusterCron() and clusterBeforeSleep() in
// src/cluster_legacy.c (Redis 7.0): load or create nodes.conf, listen on the bus port, feed link
// events and a 100 ms tick to the machine, and execute its effects in order (nodes.conf is on
// disk before any reply or message that depends on it). Also the server-side halves of cluster
// features: PUBLISH over the bus, dropping keys of lost slots, redirecting blocked clients.
// While a script is busy the bus is still served (serveBusWhileBusy), the cron is not.
import fs from "node:fs";
import path from "node:path";
import { readConfigFile, TcpTransport, writeConfigFileAtomic } from "@shoal/cluster-bus";
import {
  type ClusterConfig,
  type ClusterState,
  type CommandContext,
  clusterCommand,
  createClusterState,
  defaultClusterConfig,
  type Effect,
  type PreferredEndpointType,
  type Reply,
} from "@shoal/gossip-failover";
import { keySlotLatin1 } from "@shoal/slot-hash";
import type { ServerConfig } from "../config/load.js";
import {
  forgetBusyListener,
  registerBusyListener,
  resumeBusyAccept,
} from "../networking/busy-accept.js";
import type { Client } from "../networking/client-connection.js";
import type { NodeCore } from "../node-core.js";
import { pidAlive } from "../pid-alive.js";
import type { Replication } from "../replication/replication.js";
import { Router, redirectText } from "./routing.js";
import { type SlotKeys, slotKeysOf } from "./slot-keys.js";

/** clusterCron() runs 10 times a second, whatever `hz` says. */
const CRON_PERIOD_MS = 100;
/** A cron this late means the process did not run (see runCronIfOverdue). */
const CRON_OVERDUE_MS = 500;
/**
 * A busy script's hook reads the bus at most this often. The hook comes every ~0.3 ms in a tight
 * Lua loop, and an empty non-blocking read costs ~15-20 us in Node (its EAGAIN becomes an
 * exception): ten links read on every call cost such a script ~40% more CPU. A PONG 10 ms late is
 * nothing next to any node timeout.
 */
const BUSY_BUS_PERIOD_MS = 10;
const CLUSTER_PORT_INCR = 10000;

/** The redis.conf cluster directives, as the state machine takes them. */
export function clusterConfigFrom(config: ServerConfig): ClusterConfig {
  const port = config.get<number>("port");
  const cport = config.get<number>("cluster-port");
  return defaultClusterConfig({
    port,
    busPort: cport !== 0 ? cport : port + CLUSTER_PORT_INCR,
    nodeTimeout: config.get<number>("cluster-node-timeout"),
    announceIp: config.get<string>("cluster-announce-ip"),
    announcePort: config.get<number>("cluster-announce-port"),
    announceBusPort: config.get<number>("cluster-announce-bus-port"),
    announceHostname: config.get<string>("cluster-announce-hostname"),
    preferredEndpointType: config.get<PreferredEndpointType>("cluster-preferred-endpoint-type"),
    requireFullCoverage: config.get<boolean>("cluster-require-full-coverage"),
    allowReadsWhenDown: config.get<boolean>("cluster-allow-reads-when-down"),
    allowReplicaMigration: config.get<boolean>("cluster-allow-replica-migration"),
    replicaValidityFactor: config.get<number>("cluster-replica-validity-factor"),
    replPingReplicaPeriod: config.get<number>("repl-ping-replica-period"),
    migrationBarrier: config.get<number>("cluster-migration-barrier"),
    replicaNoFailover: config.get<boolean>("cluster-replica-no-failover"),
  });
}

/** Bus listen addresses from `bind` (Redis binds the bus on the same addresses). */
function busHosts(bind: readonly string[]): string[] {
  return bind.map((b) => {
    const optional = b.startsWith("-");
    let host = optional ? b.slice(1) : b;
    if (host === "*") host = "0.0.0.0";
    else if (host === "::*") host = "::";
    return optional ? `-${host}` : host;
  });
}

/** What cluster mode takes from the node: the core, and replication (following a master). */
export interface ClusterHost extends NodeCore {
  readonly replication: Replication;
}

export class ClusterStartError extends Error {}

export class ClusterRuntime {
  readonly router: Router;
  private cronTimer: NodeJS.Timeout | undefined;
  /** Wall-clock ms of the last cron run, on the clock of the batch's `call.now`. */
  private lastCronAt = Date.now();
  private stopped = false;
  /** The bus listeners' ids in the accept thread, once a script was busy (busy-accept.ts). */
  private busyListenerIds: number[] | null = null;
  /** When a busy script's hook last read the bus (performance.now()). */
  private busyBusAt = 0;

  private constructor(
    readonly server: ClusterHost,
    readonly state: ClusterState,
    readonly bus: TcpTransport,
    /** Absolute path of nodes.conf (resolved after `dir` applied, as Redis opens it). */
    readonly configFile: string,
  ) {
    this.router = new Router(
      () => this.state,
      () => this.slotKeys,
    );
  }

  /**
   * clusterInit(): reads nodes.conf (or creates an identity), listens on the bus port, starts
   * the cron. Throws ClusterStartError with Redis's log line when the node can't start.
   */
  static async start(server: ClusterHost): Promise<ClusterRuntime> {
    const config = clusterConfigFrom(server.config);
    if (server.config.get<number>("cluster-port") === 0 && config.port > 65535 - CLUSTER_PORT_INCR)
      throw new ClusterStartError(
        "Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less.",
      );
    const file = path.resolve(server.config.get<string>("cluster-config-file"));
    lockConfigFile(file, server.config.get<string>("cluster-config-file"));
    let text: string | null;
    try {
      text = readConfigFile(file);
    } catch (err) {
      throw new ClusterStartError(
        `Unrecoverable error: can't read the cluster config file "${file}": ${(err as Error).message}`,
      );
    }
    let created: ReturnType<typeof createClusterState>;
    try {
      created = createClusterState({
        config,
        now: Date.now,
        random: Math.random,
        nodesConf: text,
      });
    } catch (err) {
      throw new ClusterStartError((err as Error).message);
    }
    const bus = new TcpTransport({
      port: config.busPort,
      host: busHosts(server.config.get<string[]>("bind")),
      sendBufLimit: server.config.get<number>("cluster-link-sendbuf-limit"),
      keepAliveMs: Math.max(1000, config.nodeTimeout * 2),
      // bind-source-addr: bus links leave from it (how fault proxies tell nodes apart).
      localAddress: server.config.get<string>("bind-source-addr"),
      logger: (level, message) => logAt(server, level, message),
    });
    const rt = new ClusterRuntime(server, created.state, bus, file);
    rt.router.allowPubsubShardWhenDown = server.config.get<boolean>(
      "cluster-allow-pubsubshard-when-down",
    );
    bus.setHandler({
      linkUp: (l) => rt.input({ type: "linkUp", link: l.id, localIp: l.localIp, peerIp: l.peerIp }),
      linkAccepted: (l) =>
        rt.input({ type: "linkAccepted", link: l.id, localIp: l.localIp, peerIp: l.peerIp }),
      message: (link, msg) => rt.input({ type: "message", link, msg }),
      linkDown: (link) => rt.input({ type: "linkDown", link }),
    });
    rt.apply(created.effects);
    try {
      await bus.listen();
    } catch (err) {
      server.log.warning(
        `Could not create the cluster bus listening socket on port ${config.busPort}: ${(err as Error).message}`,
      );
      throw new ClusterStartError(
        `Failed listening on port ${config.busPort} (cluster), aborting.`,
      );
    }
    rt.cronTimer = setInterval(() => rt.cron(), CRON_PERIOD_MS);
    rt.cronTimer.unref();
    return rt;
  }

  /** The data store's slot index, asked for each time (a reload may replace the database). */
  get slotKeys(): SlotKeys {
    return slotKeysOf(this.server.store);
  }

  /** INFO clients `cluster_connections` (Redis 7.0's getClusterConnectionsCount()). */
  get connectionCount(): number {
    return (this.state.nodes.size - 1) * 2;
  }

  private input(input: Parameters<ClusterState["handle"]>[0]): void {
    if (this.stopped) return;
    this.syncReplicationView();
    this.apply(this.state.handle(input));
  }

  /**
   * What the state machine reads of replication, refreshed before every input: the offset
   * (header, rank, manual failover catch-up) and the master link (a replica's data age).
   */
  private syncReplicationView(): void {
    const r = this.server.replication;
    const view = this.state.replication;
    view.offset = this.server.replication.offset;
    const link = r.link;
    view.linkUp = link !== null && link.state === "connected";
    view.lastInteraction = link?.lastIo ?? 0;
    view.downSince = r.linkDownSince;
  }

  /**
   * Runs the cron at once if it is late (the process was stopped, or the loop blocked): before
   * serving a keyed command, so a master that slept through a failover learns that it did (its
   * state goes fail) before it can acknowledge a write it no longer owns. After SIGCONT, sockets
   * are read before timers fire; without this the first write could win the race. Measured
   * against the batch's clock, read when its bytes were read (after SIGCONT too): a clock read
   * of its own cost ~80 ns per keyed command.
   */
  runCronIfOverdue(): void {
    if (this.server.call.now - this.lastCronAt > CRON_OVERDUE_MS) this.cron();
  }

  private cron(): void {
    if (this.stopped) return;
    this.lastCronAt = Date.now();
    try {
      this.syncReplicationView();
      this.apply(this.state.handle({ type: "tick" }));
      // clusterCron(): a replica (say, restarted from nodes.conf) that has no replication link
      // yet follows its master as soon as the master's address is known.
      const master = this.state.myself.slaveof;
      if (master !== null && master.ip !== "" && this.server.replication.masterHost === null)
        this.server.replication.setMaster(master.ip, master.port, null);
      if (this.server.blocking.count > 0) this.redirectBlockedClients();
      if (this.server.pubsub.shardChannels.size > 0) this.dropShardChannelsOfLostSlots();
    } catch (err) {
      // A timer callback that throws would take the process down; log it and tick on.
      this.server.log.warning(`Cluster cron failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }

  /**
   * A script is past busy-reply-threshold (each pass of the busy hook, scripting/busy.ts): what
   * the peers sent is read and handled now, as Redis's processEventsWhileBlocked runs the bus's
   * file events: PINGs are answered (so the peers don't flag this node), gossip, FAIL, UPDATE
   * and PUBLISH are processed, and their effects (nodes.conf saved, a PONG sent) happen at once.
   * No cron: this node pings nobody and suspects nobody until the script ends, as in Redis. New
   * bus connections are taken by the process's accept thread, which the busy hook has woken.
   * At most every BUSY_BUS_PERIOD_MS.
   */
  serveBusWhileBusy(): void {
    if (this.stopped) return;
    const now = performance.now();
    if (now - this.busyBusAt < BUSY_BUS_PERIOD_MS) return;
    this.busyBusAt = now;
    if (this.busyListenerIds === null) {
      this.busyListenerIds = this.bus.listeningFds().map((fd) =>
        registerBusyListener(
          fd,
          (cfd) => {
            if (this.stopped) fs.closeSync(cfd);
            else this.bus.adoptInbound(cfd);
          },
          (msg) => this.server.log.warning(msg),
        ),
      );
    }
    this.bus.pumpLinks();
  }

  /** Executes the machine's effects in order (saveConfig comes first in a batch). */
  apply(effects: Effect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case "saveConfig":
          this.save(e.text, e.fsync);
          break;
        case "send":
          this.bus.send(e.link, e.msg);
          break;
        case "connect":
          this.bus.connect(e.link, e.host, e.port);
          break;
        case "close":
          this.bus.close(e.link);
          break;
        case "log":
          logAt(this.server, e.level, e.message);
          break;
        case "stateChanged":
          if (e.state === "fail" && this.server.blocking.count > 0) this.redirectBlockedClients();
          break;
        case "deleteKeysInSlots":
          this.deleteKeysInSlots(e.slots);
          break;
        case "publish":
          this.server.pubsub.publish(
            Buffer.from(e.channel).toString("latin1"),
            Buffer.from(e.message),
            e.shard,
          );
          break;
        case "replicate": {
          // clusterSetMaster() -> replicationSetMaster(): follow the new master's data.
          const r = this.server.replication;
          if (r.masterHost !== e.host || r.masterPort !== e.port) r.setMaster(e.host, e.port, null);
          break;
        }
        case "promote":
          // replicationUnsetMaster(): writes are accepted from now on; the old history stays
          // valid as replid2, so the old master's other replicas continue with a partial resync.
          this.server.replication.unsetMaster(null);
          break;
        case "pauseWrites":
          this.server.pause.pauseClients(Math.max(0, e.until - Date.now()), true, "failover");
          break;
        case "unpauseWrites":
          this.server.pause.unpauseClients("failover");
          break;
      }
    }
  }

  /** delKeysInSlot(): the keys go, and a DEL per key reaches the AOF (and replicas). */
  private deleteKeysInSlots(slots: readonly number[]): void {
    const keys = this.slotKeys;
    let n = 0;
    for (const s of slots) {
      const count = keys.countKeysInSlot(s);
      if (count === 0) continue;
      for (const k of keys.getKeysInSlot(s, count))
        this.server.propagate(0, ["DEL", Buffer.from(k, "latin1")]);
      n += keys.deleteSlot(s);
    }
    if (n > 0) {
      this.server.dirty += n;
      this.server.log.notice(`Deleted ${n} keys of slots now served by other nodes`);
    }
  }

  /** clusterSaveConfigOrDie(): a node that can't persist its epochs must not go on. */
  private save(text: string, fsync: boolean): void {
    try {
      writeConfigFileAtomic(this.configFile, text, fsync);
    } catch (err) {
      this.server.log.warning(`Fatal: can't update cluster config file. ${(err as Error).message}`);
      this.server.log.flushSync();
      process.exit(1);
    }
  }

  /** nodes.conf (or the bus since) makes this node a replica. */
  get myselfIsReplica(): boolean {
    return this.state.myself.slaveof !== null;
  }

  /**
   * verifyClusterConfigWithData(), after the data is loaded: keys only in db 0; a slot holding
   * keys that nobody serves is taken, one served elsewhere is set to importing. False when a
   * database other than 0 holds keys (the node must not start).
   */
  verifyWithData(): boolean {
    const store = this.server.store;
    for (let i = 1; i < this.server.databases; i++) if (store.dbSize(i) > 0) return false;
    const state = this.state;
    const me = state.myself;
    if (me.slaveof !== null) return true;
    const keys = this.slotKeys;
    if (keys.size === 0) return true;
    this.apply(
      state.run(() => {
        let changed = 0;
        for (let j = 0; j < 16384; j++) {
          if (keys.countKeysInSlot(j) === 0) continue;
          const owner = state.slots[j];
          if (owner === me || state.importingSlotsFrom.has(j)) continue;
          changed++;
          if (!owner) {
            state.log(
              "warning",
              `I have keys for unassigned slot ${j}. Taking responsibility for it.`,
            );
            state.addSlot(me, j);
          } else {
            state.log(
              "warning",
              `I have keys for slot ${j}, but the slot is assigned to another node. Setting it to importing state.`,
            );
            state.importingSlotsFrom.set(j, owner);
          }
        }
        if (changed > 0) {
          state.scheduleSave(true);
          state.scheduleUpdateState();
        }
      }),
    );
    return true;
  }

  /** CLUSTER <sub> for the subcommands the state machine owns. */
  command(argv: string[]): Reply {
    const keys = this.slotKeys;
    const ctx: CommandContext = {
      dbEmpty: keys.size === 0,
      countKeysInSlot: (s) => keys.countKeysInSlot(s),
      messageStats: this.bus.counters.infoFields(),
      linksBufferLimitExceeded: this.bus.counters.linksBufferLimitExceeded,
    };
    const { reply, effects } = clusterCommand(this.state, argv, ctx);
    this.apply(effects);
    return reply;
  }

  /** PUBLISH / SPUBLISH: local delivery is the caller's; this sends it to the other nodes. */
  propagatePublish(channel: Buffer, message: Buffer, shard: boolean): void {
    if (this.stopped) return;
    this.apply(this.state.publish(channel, message, shard));
  }

  /** CONFIG SET of a cluster directive on a running node. */
  applyConfigChange(name: string): void {
    const cfg = this.server.config;
    const c = this.state.config;
    switch (name) {
      case "cluster-node-timeout":
        c.nodeTimeout = cfg.get<number>("cluster-node-timeout");
        break;
      case "cluster-announce-ip":
      case "cluster-announce-port":
      case "cluster-announce-bus-port":
      case "cluster-announce-hostname": {
        const next = clusterConfigFrom(cfg);
        c.announceIp = next.announceIp;
        c.announcePort = next.announcePort;
        c.announceBusPort = next.announceBusPort;
        c.announceHostname = next.announceHostname;
        this.apply(this.state.run(() => this.state.refreshMyselfAddress()));
        break;
      }
      case "cluster-preferred-endpoint-type":
        c.preferredEndpointType = cfg.get<PreferredEndpointType>(name);
        break;
      case "cluster-require-full-coverage":
        c.requireFullCoverage = cfg.get<boolean>(name);
        break;
      case "cluster-allow-reads-when-down":
        c.allowReadsWhenDown = cfg.get<boolean>(name);
        break;
      case "cluster-allow-replica-migration":
        c.allowReplicaMigration = cfg.get<boolean>(name);
        break;
      case "cluster-replica-validity-factor":
        c.replicaValidityFactor = cfg.get<number>(name);
        break;
      case "repl-ping-replica-period":
        c.replPingReplicaPeriod = cfg.get<number>(name);
        break;
      case "cluster-migration-barrier":
        c.migrationBarrier = cfg.get<number>(name);
        break;
      case "cluster-replica-no-failover":
        c.replicaNoFailover = cfg.get<boolean>(name);
        break;
      case "cluster-allow-pubsubshard-when-down":
        this.router.allowPubsubShardWhenDown = cfg.get<boolean>(name);
        break;
      case "cluster-link-sendbuf-limit":
        this.bus.setSendBufLimit(cfg.get<number>(name));
        break;
    }
  }

  /**
   * clusterRedirectBlockedClientIfNeeded(): a client blocked on a key whose slot moved away (or
   * a cluster that went down) would wait forever; it gets the redirection instead.
   */
  redirectBlockedClients(): void {
    const state = this.state;
    const server = this.server;
    for (const c of [...server.clients.values()]) {
      const b = c.blocked;
      if (b === null || c.closed) continue;
      let error: string | null = null;
      if (state.state === "fail") {
        error = "CLUSTERDOWN The cluster is down";
      } else {
        const key = b.keys[0];
        if (key === undefined) continue;
        const slot = keySlotLatin1(key);
        let n = state.slots[slot] ?? null;
        const me = state.myself;
        if (c.readOnly && !b.entry.isWrite && me.slaveof !== null && me.slaveof === n) n = me;
        if (n !== me && !state.importingSlotsFrom.has(slot))
          error =
            n === null ? "CLUSTERDOWN Hash slot not served" : redirectText(state, "MOVED", slot, n);
      }
      if (error === null) continue;
      this.unblockWithError(c, error);
    }
  }

  /**
   * removeChannelsInSlot(): subscribers of shard channels whose slot this shard no longer
   * serves are unsubscribed, each told with an `sunsubscribe` message, as Redis 7.0 does when a
   * slot is deleted.
   */
  private dropShardChannelsOfLostSlots(): void {
    const state = this.state;
    const me = state.myself;
    const server = this.server;
    for (const [channel, clients] of [...server.pubsub.shardChannels]) {
      const owner = state.slots[keySlotLatin1(channel)] ?? null;
      if (owner === me || (owner !== null && owner === me.slaveof)) continue;
      for (const c of [...clients]) {
        server.pubsub.unsubscribe(c, channel, "shard", true);
        server.scheduleFlush(c);
      }
    }
  }

  private unblockWithError(c: Client, error: string): void {
    const server = this.server;
    server.blocking.unblock(c, false);
    c.reply.error(error);
    server.stats.countError(error);
    server.scheduleFlush(c);
    setImmediate(() => {
      if (!c.closed) server.processInputBuffer(c);
    });
  }

  /** Saves nodes.conf, closes the bus (SHUTDOWN). */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.cronTimer) clearInterval(this.cronTimer);
    try {
      writeConfigFileAtomic(this.configFile, this.state.configText(), true);
    } catch (err) {
      this.server.log.warning(`Could not save the cluster config file: ${(err as Error).message}`);
    }
    // The accept thread must let go of the bus listeners' fds before they are closed.
    let parked = true;
    for (const id of this.busyListenerIds ?? []) if (!forgetBusyListener(id)) parked = false;
    if (!parked)
      this.server.log.warning(
        "Busy-script accept thread did not stop: closing its listener anyway",
      );
    this.busyListenerIds = null;
    await this.bus.shutdown();
    resumeBusyAccept();
  }
}

/**
 * One node per nodes.conf, as Redis's flock() on it ensures: `<file>.lock` holds the owner's
 * pid; a live owner other than us refuses the start, a dead one (kill -9, reaped or not) is
 * taken over.
 */
function lockConfigFile(file: string, name: string): void {
  const lock = `${file}.lock`;
  let owner = 0;
  try {
    owner = Number(fs.readFileSync(lock, "utf8").trim());
  } catch {
    // No lock yet.
  }
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner))
    throw new ClusterStartError(
      `Sorry, the cluster configuration file ${name} is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.`,
    );
  try {
    fs.writeFileSync(lock, `${process.pid}\n`);
  } catch (err) {
    throw new ClusterStartError(
      `Can't lock the cluster configuration file ${name}: ${(err as Error).message}`,
    );
  }
  process.once("exit", () => {
    try {
      if (fs.readFileSync(lock, "utf8").trim() === String(process.pid)) fs.unlinkSync(lock);
    } catch {
      // Already gone.
    }
  });
}

function logAt(server: ClusterHost, level: string, message: string): void {
  const log = server.log;
  switch (level) {
    case "debug":
      log.debug(message);
      break;
    case "verbose":
      log.verbose(message);
      break;
    case "notice":
      log.notice(message);
      break;
    default:
      log.warning(message);
  }
}

// The cluster state: the node table, the slot table and this node's epochs, plus the three entry
// points every mechanism runs under. Mirrors struct clusterState, clusterCron(),
// clusterBeforeSleep() and the node/slot primitives (clusterAddNode(), clusterDelNode(),
// clusterLookupNode(), clusterAddSlot(), clusterDelSlot(), clusterDelNodeSlots(),
// clusterSetNodeAsMaster(), clusterNodeAddSlave(), freeClusterLink()) of src/cluster_legacy.c
// (Redis 7.0).
//
// Events come in through handle() (cron tick, link up/accepted/down, bus message) or run()
// (commands); handlers only mark deferred work (CLUSTER_TODO_*: save, fsync, update state,
// handle failover), which flush() does once at the end of the turn, as clusterBeforeSleep does,
// with the save effect first so nodes.conf is on disk before anything that depends on it leaves.
// Pure: time and randomness are injected, every call returns the effects to execute in order.
// The mechanisms live in one module each, named as Redis's sections are, as functions taking
// this state first: membership.ts, gossip.ts, packet.ts, failure-detection.ts, slot-config.ts,
// cluster-health.ts, election.ts, failover-auth.ts, manual-failover.ts, replica-migration.ts.
import {
  type ClusterMessage,
  isValidNodeId,
  type MessageHeader,
  MessageType,
  NodeFlag,
  type PingMessage,
} from "@shoal/cluster-bus/messages";
import { noteCronGap, updateState } from "./cluster-health.js";
import { type ElectionState, handleReplicaFailover, newElectionState } from "./election.js";
import { failureReportsCount, markNodeAsPfailIfTimedOut } from "./failure-detection.js";
import {
  broadcast,
  broadcastPong,
  buildHeader,
  pingRandomNode,
  pingTypeFor,
  propagatePublish,
  sendPing,
} from "./gossip.js";
import {
  handleManualFailover,
  type ManualFailoverState,
  manualFailoverCheckTimeout,
  newManualFailoverState,
  resetManualFailover,
} from "./manual-failover.js";
import {
  blacklistAdd,
  blacklistCleanup,
  blacklistExists,
  linkAccepted,
  linkConnected,
  linkLost,
  nodeCronHandleReconnect,
  refreshMyselfAddress,
  reset,
  startHandshake,
  updateMyselfFlags,
} from "./membership.js";
import {
  type ClusterLink,
  type ClusterNode,
  createNode,
  isMaster,
  isSlave,
  randomName,
} from "./node.js";
import { serializeNodesConf } from "./nodes-conf.js";
import { processPacket } from "./packet.js";
import { maybeMigrateReplica } from "./replica-migration.js";
import { bumpConfigEpochWithoutConsensus, setMyselfAsReplicaOf } from "./slot-config.js";
import { bitmapToRanges, CLUSTER_SLOTS } from "./slots.js";
import type {
  ClusterConfig,
  ClusterHealth,
  Effect,
  Input,
  LinkId,
  LogLevel,
  ReplicationView,
} from "./types.js";

// A plain local copy: hot loops read flags without going through module-namespace getters.
const NF = { ...NodeFlag };

export interface ClusterStateOptions {
  config: ClusterConfig;
  now: () => number;
  /** Uniform in [0, 1). */
  random: () => number;
}

export class ClusterState {
  config: ClusterConfig;
  readonly now: () => number;
  readonly random: () => number;

  myself: ClusterNode;
  readonly nodes = new Map<string, ClusterNode>();
  /** Same nodes as `nodes`, for O(1) random picks. */
  readonly nodeList: ClusterNode[] = [];
  readonly links = new Map<LinkId, ClusterLink>();
  /** Owner of each slot, or null. */
  readonly slots: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  /** Open slots (CLUSTER SETSLOT MIGRATING / IMPORTING), local to this node. */
  readonly migratingSlotsTo = new Map<number, ClusterNode>();
  readonly importingSlotsFrom = new Map<number, ClusterNode>();
  /** Forgotten node name -> expiry (unix seconds). */
  readonly blacklist = new Map<string, number>();

  currentEpoch = 0;
  lastVoteEpoch = 0;
  /** Slots with an owner (cluster_slots_assigned). */
  assignedSlots = 0;
  state: ClusterHealth = "fail";
  /** Masters serving at least one slot (cluster_size). */
  size = 0;
  /** This node's replication, kept current by the runner before every input (see ReplicationView). */
  readonly replication: ReplicationView = {
    offset: 0,
    linkUp: false,
    lastInteraction: 0,
    downSince: 0,
  };
  /** PFAIL nodes counted by the last cron (all go in every gossip section). */
  statsPfailNodes = 0;
  /** Last time this node saw itself in a minority (cluster-health.ts). */
  amongMinorityTime = 0;
  /** First clusterUpdateState() call, for the writable delay (cluster-health.ts). */
  firstCallTime = 0;
  /** When the last cron ran (cluster-health.ts notices a frozen process by the gap). */
  lastCronTime = 0;
  /** The replica's election in progress (election.ts). */
  readonly election: ElectionState = newElectionState();
  /** CLUSTER FAILOVER in progress, on either side (manual-failover.ts). */
  readonly manualFailover: ManualFailoverState = newManualFailoverState();

  private iteration = 0;
  /** Outbound link ids (membership.ts). */
  linkSeq = 0;
  /** Gossip sections sent (gossip.ts: a node goes at most once in each). */
  gossipSeq = 0;
  // Deferred work (CLUSTER_TODO_*), executed once at the end of every call, as beforeSleep does.
  private todoSave = false;
  private todoFsync = false;
  private todoUpdateState = false;
  private todoHandleFailover = false;
  private out: Effect[] = [];

  constructor(opts: ClusterStateOptions) {
    this.config = opts.config;
    this.now = opts.now;
    this.random = opts.random;
    this.myself = createNode(randomName(this.random), NF.MYSELF | NF.MASTER, this.now());
    this.myself.shardId = randomName(this.random);
    this.addNode(this.myself);
  }

  // -------------------------------------------------------------------------------------------
  // Entry points

  /** Feeds one event; returns the effects to execute in order. */
  handle(input: Input): Effect[] {
    switch (input.type) {
      case "tick":
        this.cron();
        break;
      case "linkUp":
        linkConnected(this, input.link, input.localIp, input.peerIp);
        break;
      case "linkAccepted":
        linkAccepted(this, input.link, input.localIp, input.peerIp);
        break;
      case "message":
        processPacket(this, input.link, input.msg);
        break;
      case "linkDown":
        linkLost(this, input.link);
        break;
    }
    return this.flush();
  }

  /** Runs `fn` as one event turn and returns its effects (used by commands). */
  run(fn: () => void): Effect[] {
    fn();
    return this.flush();
  }

  /** clusterBeforeSleep(): update state, then save (placed first so it happens before sends). */
  flush(): Effect[] {
    if (this.todoHandleFailover) {
      this.todoHandleFailover = false;
      handleReplicaFailover(this);
    }
    if (this.todoUpdateState) {
      this.todoUpdateState = false;
      updateState(this);
    }
    let out = this.out;
    this.out = [];
    if (this.todoSave) {
      // The text is rendered when first read (the executor reads it at once); the simulator
      // only reads it when it restarts a node, which keeps big simulations cheap.
      let text: string | null = null;
      const state = this;
      const save = {
        type: "saveConfig" as const,
        fsync: this.todoFsync,
        get text(): string {
          if (text === null) text = serializeNodesConf(state);
          return text;
        },
      };
      out = [save, ...out];
      this.todoSave = false;
      this.todoFsync = false;
    }
    return out;
  }

  /** nodes.conf text for the current state. */
  configText(): string {
    return serializeNodesConf(this);
  }

  // -------------------------------------------------------------------------------------------
  // Small helpers

  log(level: LogLevel, message: string): void {
    this.out.push({ type: "log", level, message });
  }
  scheduleSave(fsync = false): void {
    this.todoSave = true;
    if (fsync) this.todoFsync = true;
  }
  scheduleUpdateState(): void {
    this.todoUpdateState = true;
  }
  /** CLUSTER_TODO_HANDLE_FAILOVER: run the election step before this turn's effects leave. */
  scheduleHandleFailover(): void {
    this.todoHandleFailover = true;
  }
  resetManualFailover(): void {
    resetManualFailover(this);
  }
  emit(e: Effect): void {
    this.out.push(e);
  }

  nodeTimeout(): number {
    return this.config.nodeTimeout;
  }

  addNode(n: ClusterNode): void {
    n.index = this.nodeList.length;
    this.nodeList.push(n);
    this.nodes.set(n.name, n);
  }

  lookupNode(name: string): ClusterNode | null {
    if (!isValidNodeId(name)) return null;
    return this.nodes.get(name) ?? null;
  }

  nodeRanges(n: ClusterNode): number[] {
    if (!n.ranges) n.ranges = bitmapToRanges(n.slots);
    return n.ranges;
  }

  addSlot(n: ClusterNode, slot: number): boolean {
    if (this.slots[slot]) return false;
    this.assignedSlots++;
    n.slots.set(slot);
    n.numSlots++;
    n.ranges = null;
    this.slots[slot] = n;
    return true;
  }

  delSlot(slot: number): boolean {
    const n = this.slots[slot];
    if (!n) return false;
    this.assignedSlots--;
    n.slots.clear(slot);
    n.numSlots--;
    n.ranges = null;
    this.slots[slot] = null;
    return true;
  }

  /** clusterDelNodeSlots() */
  delNodeSlots(n: ClusterNode): number {
    let deleted = 0;
    const ranges = this.nodeRanges(n);
    for (let i = 0; i < ranges.length; i += 2) {
      for (let j = ranges[i]!; j <= ranges[i + 1]!; j++) {
        if (this.slots[j] === n) {
          this.delSlot(j);
          deleted++;
        }
      }
    }
    return deleted;
  }

  /** freeClusterLink() */
  freeLink(link: ClusterLink, notifyTransport = true): void {
    this.links.delete(link.id);
    const n = link.node;
    if (n) {
      if (n.link === link) n.link = null;
      if (n.inboundLink === link) n.inboundLink = null;
    }
    if (notifyTransport) this.emit({ type: "close", link: link.id });
  }

  /** clusterDelNode(): slots unassigned, failure reports dropped, links freed. */
  delNode(n: ClusterNode): void {
    for (const [slot, other] of this.importingSlotsFrom)
      if (other === n) this.importingSlotsFrom.delete(slot);
    for (const [slot, other] of this.migratingSlotsTo)
      if (other === n) this.migratingSlotsTo.delete(slot);
    this.delNodeSlots(n);
    for (const other of this.nodeList) other.failReports.delete(n.name);
    if (n.slaveof) n.slaveof.slaves = n.slaveof.slaves.filter((s) => s !== n);
    for (const s of n.slaves) s.slaveof = null;
    if (n.link) this.freeLink(n.link);
    if (n.inboundLink) this.freeLink(n.inboundLink);
    // Inbound links bound to the node but no longer its current one.
    for (const l of [...this.links.values()]) if (l.node === n) this.freeLink(l);
    this.nodes.delete(n.name);
    const last = this.nodeList.pop()!;
    if (last !== n) {
      this.nodeList[n.index] = last;
      last.index = n.index;
    }
    n.index = -1;
  }

  /** clusterSetNodeAsMaster() */
  setNodeAsMaster(n: ClusterNode): void {
    if (isMaster(n)) return;
    if (n.slaveof) {
      n.slaveof.slaves = n.slaveof.slaves.filter((s) => s !== n);
      if (n !== this.myself) n.flags |= NF.MIGRATE_TO;
    }
    n.flags &= ~NF.SLAVE;
    n.flags |= NF.MASTER;
    n.slaveof = null;
    this.scheduleSave();
    this.scheduleUpdateState();
  }

  /** clusterNodeAddSlave() */
  addSlave(master: ClusterNode, slave: ClusterNode): void {
    if (!master.slaves.includes(slave)) master.slaves.push(slave);
    master.flags |= NF.MIGRATE_TO;
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  send(link: ClusterLink | null, msg: ClusterMessage): void {
    if (!link?.connected) return;
    this.emit({ type: "send", link: link.id, msg });
  }

  /** On the node's outbound link, if it has one (Redis sends node-to-node replies there). */
  sendTo(n: ClusterNode, msg: ClusterMessage): void {
    this.send(n.link, msg);
  }

  // -------------------------------------------------------------------------------------------
  // clusterCron(): every 100 ms, the mechanisms in Redis's order.

  private cron(): void {
    const now = this.now();
    const nt = this.nodeTimeout();
    this.iteration++;
    noteCronGap(this, now);
    refreshMyselfAddress(this);
    updateMyselfFlags(this);
    manualFailoverCheckTimeout(this);
    const handshakeTimeout = Math.max(nt, 1000);
    this.statsPfailNodes = 0;
    blacklistCleanup(this);

    // 2. Handshake timeouts and reconnects.
    for (const n of [...this.nodeList]) nodeCronHandleReconnect(this, n, handshakeTimeout, now);

    // 3. About once a second, ping the node with the oldest pong among 5 random ones.
    if (this.iteration % 10 === 0) pingRandomNode(this);

    // 4. Per node: link reset, keep-alive pings, PFAIL.
    let update = false;
    const pingInterval = this.config.pingInterval > 0 ? this.config.pingInterval : nt / 2;
    for (const n of this.nodeList) {
      if (n.flags & (NF.MYSELF | NF.NOADDR | NF.HANDSHAKE)) continue;
      const pingDelay = now - n.pingSent;
      const dataDelay = now - n.dataReceived;
      // Reconnect before declaring failure: a pending ping and silence for NT/2 on an old link.
      if (
        n.link &&
        now - n.link.ctime > nt &&
        n.pingSent &&
        pingDelay > nt / 2 &&
        dataDelay > nt / 2
      ) {
        this.freeLink(n.link);
      }
      // The master of a manual failover pings its replica every tick: each PING says PAUSED.
      const mf = this.manualFailover;
      if (mf.end !== 0 && mf.replica === n && isMaster(this.myself) && n.link?.connected) {
        this.sendPing(n.link, MessageType.PING);
        continue;
      }
      if (n.link?.connected && n.pingSent === 0 && now - n.pongReceived > pingInterval) {
        this.sendPing(n.link, pingTypeFor(n));
        continue;
      }
      if (markNodeAsPfailIfTimedOut(this, n, now)) update = true;
    }
    if (isSlave(this.myself)) {
      handleManualFailover(this);
      handleReplicaFailover(this);
      maybeMigrateReplica(this);
    }
    if (update || this.state === "fail") updateState(this);
  }

  // -------------------------------------------------------------------------------------------
  // Mechanisms called as methods by code outside their modules (commands.ts, create.ts, the
  // server, the failover modules); each forwards to the module named.

  /** clusterBuildMessageHdr() (gossip.ts). */
  buildHeader(): MessageHeader {
    return buildHeader(this);
  }
  /** clusterSendPing() (gossip.ts). */
  sendPing(link: ClusterLink, type: PingMessage["type"]): void {
    sendPing(this, link, type);
  }
  /** clusterBroadcastMessage() (gossip.ts). */
  broadcast(msg: ClusterMessage): void {
    broadcast(this, msg);
  }
  /** clusterBroadcastPong(CLUSTER_BROADCAST_ALL) (gossip.ts). */
  broadcastPong(): void {
    broadcastPong(this);
  }
  /** PUBLISH / SPUBLISH over the bus (gossip.ts). */
  publish(channel: Uint8Array, message: Uint8Array, shard = false): Effect[] {
    return this.run(() => propagatePublish(this, channel, message, shard));
  }
  /** clusterSetMaster() (slot-config.ts). */
  setMyselfAsReplicaOf(n: ClusterNode): void {
    setMyselfAsReplicaOf(this, n);
  }
  /** slot-config.ts */
  bumpConfigEpochWithoutConsensus(): boolean {
    return bumpConfigEpochWithoutConsensus(this);
  }
  /** CLUSTER COUNT-FAILURE-REPORTS (failure-detection.ts). */
  failureReportsCount(n: ClusterNode): number {
    return failureReportsCount(this, n);
  }
  /** clusterStartHandshake() (membership.ts): false for an invalid address. */
  startHandshake(ip: string, port: number, cport: number): boolean {
    return startHandshake(this, ip, port, cport);
  }
  /** CLUSTER RESET (membership.ts). */
  reset(hard: boolean): void {
    reset(this, hard);
  }
  /** CLUSTER FORGET (membership.ts). */
  blacklistAdd(name: string, ttl = this.config.blacklistTtl): void {
    blacklistAdd(this, name, ttl);
  }
  blacklistExists(name: string): boolean {
    return blacklistExists(this, name);
  }
  /** Announce settings changed (membership.ts). */
  refreshMyselfAddress(): void {
    refreshMyselfAddress(this);
  }
}

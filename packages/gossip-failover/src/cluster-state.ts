// The cluster state machine: node table, MEET handshake, PING/PONG and gossip, epochs, slot
// ownership, UPDATE messages, configEpoch collisions, FORGET/blacklist, PFAIL/FAIL marking and
// the ok/fail cluster state. Mirrors clusterCron(), clusterProcessPacket(), clusterSendPing(),
// clusterProcessGossipSection(), clusterStartHandshake(), clusterUpdateSlotsConfigWith(),
// clusterHandleConfigEpochCollision(), markNodeAsFailingIfNeeded() and clusterUpdateState() in
// src/cluster_legacy.c (Redis 7.0). Pure: time and randomness are injected, every call returns
// the effects the caller must execute in order.
import {
  type ClusterMessage,
  ClusterStateCode,
  type GossipEntry,
  isValidNodeId,
  MessageFlag,
  type MessageHeader,
  MessageType,
  NodeFlag,
  type PingMessage,
} from "@shoal/cluster-bus/messages";
import { updateState } from "./cluster-health.js";
import {
  type ElectionState,
  handleReplicaFailover,
  newElectionState,
  receiveFailoverAuthAck,
} from "./election.js";
import { sendFailoverAuthIfNeeded } from "./failover-auth.js";
import {
  addFailureReport,
  clearFailureOnPong,
  failureReportsCount,
  markNodeAsFailingIfNeeded,
  markNodeAsPfailIfTimedOut,
  receiveFail,
} from "./failure-detection.js";
import {
  handleManualFailover,
  type ManualFailoverState,
  manualFailoverCheckTimeout,
  newManualFailoverState,
  noteMasterPausedOffset,
  receiveManualFailoverStart,
  resetManualFailover,
} from "./manual-failover.js";
import {
  announcedBusPort,
  announcedPort,
  blacklistAdd,
  blacklistCleanup,
  blacklistExists,
  linkAccepted,
  linkConnected,
  linkLost,
  nodeCronHandleReconnect,
  processForgotten,
  processHandshakeReply,
  refreshMyselfAddress,
  reset,
  startHandshake,
  updateAddressIfNeeded,
  updateMyselfFlags,
} from "./membership.js";
import {
  type ClusterLink,
  type ClusterNode,
  createNode,
  inHandshake,
  isMaster,
  isSlave,
  randomName,
} from "./node.js";
import { serializeNodesConf } from "./nodes-conf.js";
import { maybeMigrateReplica } from "./replica-migration.js";
import {
  bumpConfigEpochWithoutConsensus,
  handleConfigEpochCollision,
  processSenderSlots,
  receiveUpdate,
  setMyselfAsReplicaOf,
} from "./slot-config.js";
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

const GOSSIP_NEW_NODE_FLAGS_MASK = NF.MASTER | NF.SLAVE | NF.FAIL | NF.NOFAILOVER;

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
  statsPfailNodes = 0;
  /** Last time this node saw itself in a minority; first clusterUpdateState() call (cluster-health.ts). */
  amongMinorityTime = 0;
  firstCallTime = 0;
  /** The replica's election in progress (election.ts). */
  readonly election: ElectionState = newElectionState();
  /** CLUSTER FAILOVER in progress, on either side (manual-failover.ts). */
  readonly manualFailover: ManualFailoverState = newManualFailoverState();

  private iteration = 0;
  /** Outbound link ids (membership.ts). */
  linkSeq = 0;
  private gossipSeq = 0;
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
        this.processPacket(input.link, input.msg);
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

  /** clusterBuildMessageHdr() */
  buildHeader(): MessageHeader {
    const m = this.myself;
    const master = isSlave(m) && m.slaveof ? m.slaveof : m;
    return {
      sender: m.name,
      currentEpoch: this.currentEpoch,
      configEpoch: master.configEpoch,
      offset: this.replication.offset,
      slots: this.nodeRanges(master),
      replicaOf: isSlave(m) && m.slaveof ? m.slaveof.name : null,
      ip: this.config.announceIp,
      port: announcedPort(this),
      pport: this.config.pport,
      cport: announcedBusPort(this),
      hostname: this.config.announceHostname,
      flags: m.flags,
      state: this.state === "ok" ? ClusterStateCode.OK : ClusterStateCode.FAIL,
      // A master paused for a manual failover says so: its offset in this header is final.
      mflags:
        isMaster(m) && this.manualFailover.end !== 0
          ? MessageFlag.EXT_DATA | MessageFlag.PAUSED
          : MessageFlag.EXT_DATA,
      shardId: m.shardId,
    };
  }

  send(link: ClusterLink | null, msg: ClusterMessage): void {
    if (!link?.connected) return;
    this.emit({ type: "send", link: link.id, msg });
  }

  /** On the node's outbound link, if it has one (Redis sends node-to-node replies there). */
  sendTo(n: ClusterNode, msg: ClusterMessage): void {
    this.send(n.link, msg);
  }

  private gossipEntry(n: ClusterNode): GossipEntry {
    return {
      id: n.name,
      pingSent: Math.floor(n.pingSent / 1000),
      pongReceived: Math.floor(n.pongReceived / 1000),
      ip: n.ip,
      port: n.port,
      cport: n.cport,
      pport: n.pport,
      flags: n.flags,
    };
  }

  /** clusterSendPing(): PING, PONG or MEET with a gossip section sampled by Redis's rules. */
  sendPing(link: ClusterLink, type: PingMessage["type"]): void {
    if (!link.connected) return;
    const now = this.now();
    // Only a PING we send counts as outstanding.
    // A MEET re-sent as a keep-alive (see cron) is an outstanding ping too.
    if (
      link.node &&
      (type === MessageType.PING || (type === MessageType.MEET && !inHandshake(link.node)))
    )
      link.node.pingSent = now;
    let freshnodes = this.nodeList.length - 2;
    let wanted = Math.max(3, Math.floor(this.nodeList.length / 10));
    if (wanted > freshnodes) wanted = freshnodes;
    const pfailWanted = this.statsPfailNodes;
    const gossip: GossipEntry[] = [];
    const seq = ++this.gossipSeq;
    let maxiterations = wanted * 3;
    while (freshnodes > 0 && gossip.length < wanted && maxiterations-- > 0) {
      const n = this.nodeList[Math.floor(this.random() * this.nodeList.length)]!;
      // The header is about us already; PFAIL nodes are appended below.
      if (n === this.myself) continue;
      if (n.flags & NF.PFAIL) continue;
      // Handshake/noaddr nodes, and disconnected nodes without slots, are not worth gossiping.
      if (n.flags & (NF.HANDSHAKE | NF.NOADDR) || (n.link === null && n.numSlots === 0)) {
        freshnodes--;
        continue;
      }
      if (n.lastInPingGossip === seq) continue;
      n.lastInPingGossip = seq;
      gossip.push(this.gossipEntry(n));
      freshnodes--;
    }
    if (pfailWanted > 0) {
      let added = 0;
      for (const n of this.nodeList) {
        if (added >= pfailWanted) break;
        if (n.flags & (NF.HANDSHAKE | NF.NOADDR)) continue;
        if (!(n.flags & NF.PFAIL)) continue;
        gossip.push(this.gossipEntry(n));
        added++;
      }
    }
    const forgotten = [];
    if (this.blacklist.size) {
      const nowSec = Math.floor(now / 1000);
      for (const [id, expire] of this.blacklist)
        if (expire >= nowSec) forgotten.push({ id, ttl: expire - nowSec });
    }
    this.send(link, { type, header: this.buildHeader(), gossip, forgotten });
  }

  /** Keep-alive type: MEET again while the peer has not shown it knows us. */
  private pingTypeFor(n: ClusterNode): PingMessage["type"] {
    return n.flags & NF.MEET ? MessageType.MEET : MessageType.PING;
  }

  /** clusterBroadcastPong(CLUSTER_BROADCAST_ALL) */
  broadcastPong(): void {
    for (const n of this.nodeList) {
      if (!n.link || n === this.myself || inHandshake(n)) continue;
      this.sendPing(n.link, MessageType.PONG);
    }
  }

  /** clusterBroadcastMessage() */
  broadcast(msg: ClusterMessage): void {
    for (const n of this.nodeList) {
      if (n.flags & (NF.MYSELF | NF.HANDSHAKE)) continue;
      this.send(n.link, msg);
    }
  }

  /** clusterPropagatePublish(): PUBLISH to every node (SPUBLISH to my shard in 7.0 semantics: all). */
  publish(channel: Uint8Array, message: Uint8Array, shard = false): Effect[] {
    return this.run(() => {
      const msg: ClusterMessage = {
        type: shard ? MessageType.PUBLISHSHARD : MessageType.PUBLISH,
        header: this.buildHeader(),
        channel,
        message,
      };
      if (!shard) {
        this.broadcast(msg);
        return;
      }
      // Sharded: only nodes of my shard (my master and its replicas, or my replicas).
      const master =
        isSlave(this.myself) && this.myself.slaveof ? this.myself.slaveof : this.myself;
      for (const n of [master, ...master.slaves]) if (n !== this.myself) this.send(n.link, msg);
    });
  }

  // -------------------------------------------------------------------------------------------
  // clusterCron()

  private cron(): void {
    const now = this.now();
    const nt = this.nodeTimeout();
    this.iteration++;
    refreshMyselfAddress(this);
    updateMyselfFlags(this);
    manualFailoverCheckTimeout(this);
    const handshakeTimeout = Math.max(nt, 1000);
    this.statsPfailNodes = 0;
    blacklistCleanup(this);

    // 2. Handshake timeouts and reconnects.
    for (const n of [...this.nodeList]) nodeCronHandleReconnect(this, n, handshakeTimeout, now);

    // 3. About once a second, ping the node with the oldest pong among 5 random ones.
    if (this.iteration % 10 === 0) {
      let minPong: ClusterNode | null = null;
      for (let j = 0; j < 5; j++) {
        const n = this.nodeList[Math.floor(this.random() * this.nodeList.length)]!;
        if (!n.link?.connected || n.pingSent !== 0) continue;
        if (n.flags & (NF.MYSELF | NF.HANDSHAKE)) continue;
        if (minPong === null || minPong.pongReceived > n.pongReceived) minPong = n;
      }
      if (minPong?.link) this.sendPing(minPong.link, this.pingTypeFor(minPong));
    }

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
        this.sendPing(n.link, this.pingTypeFor(n));
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
  // clusterProcessPacket()

  private processPacket(linkId: LinkId, msg: ClusterMessage): void {
    const link = this.links.get(linkId);
    if (!link) return;
    const now = this.now();
    const type = msg.type;
    const hdr = msg.header;

    // getNodeFromLinkAndMsg()
    let sender: ClusterNode | null = null;
    if (link.node && !inHandshake(link.node)) sender = link.node;
    else {
      sender = this.nodes.get(hdr.sender) ?? null;
      if (sender && link.inbound && !link.node) {
        // setClusterNodeToInboundClusterLink(): a newer inbound link replaces the old one.
        if (sender.inboundLink && sender.inboundLink !== link) this.freeLink(sender.inboundLink);
        sender.inboundLink = link;
        link.node = sender;
      }
    }
    if (sender === this.myself) sender = null;

    if (sender) {
      sender.dataReceived = now;
      if (hdr.mflags & MessageFlag.EXT_DATA) sender.flags |= NF.EXTENSIONS_SUPPORTED;
    }
    if (sender && !inHandshake(sender)) {
      if (hdr.currentEpoch > this.currentEpoch) {
        this.currentEpoch = hdr.currentEpoch;
        this.scheduleSave(true);
      }
      if (hdr.configEpoch > sender.configEpoch) {
        sender.configEpoch = hdr.configEpoch;
        this.scheduleSave(true);
      }
      sender.replOffset = hdr.offset;
      sender.replOffsetTime = now;
      if (
        this.manualFailover.end !== 0 &&
        isSlave(this.myself) &&
        this.myself.slaveof === sender &&
        hdr.mflags & MessageFlag.PAUSED
      )
        noteMasterPausedOffset(this, hdr.offset);
    }

    if (type === MessageType.PING || type === MessageType.PONG || type === MessageType.MEET) {
      this.processPing(link, msg, sender);
      return;
    }

    if (!sender) {
      // Only PING/MEET are accepted from strangers; anything else on an unbound inbound link
      // means the peer is not who it should be: drop the link (Redis ignores the packet).
      if (type === MessageType.FAIL)
        this.log(
          "notice",
          `Ignoring FAIL message from unknown node ${hdr.sender} about ${msg.nodeId}`,
        );
      if (link.inbound && !link.node) {
        this.log(
          "verbose",
          `Closing cluster bus link ${link.id}: message type ${type} from unknown node ${hdr.sender}`,
        );
        this.freeLink(link);
      }
      return;
    }

    switch (msg.type) {
      case MessageType.FAIL:
        receiveFail(this, hdr.sender, msg.nodeId, now);
        break;
      case MessageType.PUBLISH:
      case MessageType.PUBLISHSHARD:
        this.emit({
          type: "publish",
          shard: msg.type === MessageType.PUBLISHSHARD,
          channel: msg.channel,
          message: msg.message,
        });
        break;
      case MessageType.UPDATE:
        receiveUpdate(this, msg);
        break;
      case MessageType.FAILOVER_AUTH_REQUEST:
        sendFailoverAuthIfNeeded(this, sender, hdr);
        break;
      case MessageType.FAILOVER_AUTH_ACK:
        receiveFailoverAuthAck(this, sender, hdr.currentEpoch);
        break;
      case MessageType.MFSTART:
        receiveManualFailoverStart(this, sender, link);
        break;
      default:
        break;
    }
  }

  private processPing(link: ClusterLink, msg: PingMessage, sender: ClusterNode | null): void {
    const now = this.now();
    const type = msg.type;
    const hdr = msg.header;

    if (type === MessageType.PING || type === MessageType.MEET) {
      // How a node learns its own address: the local end of a MEET's socket.
      if (
        !this.config.announceIp &&
        (type === MessageType.MEET || this.myself.ip === "") &&
        link.localIp &&
        this.myself.ip !== link.localIp
      ) {
        this.myself.ip = link.localIp;
        this.log("notice", `IP address for this node updated to ${link.localIp}`);
        this.scheduleSave();
      }
      // A MEET from an unknown node: add it in handshake state; cron will connect and PING it.
      if (!sender && type === MessageType.MEET) {
        const n = createNode(randomName(this.random), NF.HANDSHAKE, now);
        n.ip = hdr.ip || link.peerIp;
        n.port = hdr.port;
        n.pport = hdr.pport;
        n.cport = hdr.cport;
        this.addNode(n);
        this.scheduleSave();
        this.processGossip(msg, null);
      }
      this.sendPing(link, MessageType.PONG);
    }

    if (processHandshakeReply(this, link, hdr, sender, now)) return;

    if (sender) {
      sender.flags = (sender.flags & ~NF.NOFAILOVER) | (hdr.flags & NF.NOFAILOVER);
      // Keep MEET until the peer shows it knows us: it only PINGs (or MEETs) nodes in its table.
      // A PONG proves nothing: it answers strangers too, and its handshake for us may still die
      // (e.g. a partition right after our MEET), which would leave membership one-sided.
      if (msg.type !== MessageType.PONG) sender.flags &= ~NF.MEET;
    }

    if (sender && type === MessageType.PING && !inHandshake(sender)) {
      if (updateAddressIfNeeded(this, sender, link, hdr)) {
        this.scheduleSave();
        this.scheduleUpdateState();
      }
    }

    if (!link.inbound && type === MessageType.PONG && link.node) {
      const n = link.node;
      n.pongReceived = now;
      n.pingSent = 0;
      clearFailureOnPong(this, n);
    }

    if (!sender) return;

    // Hostname (absence means cleared) and shard id.
    if (sender.hostname !== hdr.hostname) {
      sender.hostname = hdr.hostname;
      this.scheduleSave();
    }
    if (hdr.shardId && sender.shardId !== hdr.shardId && hdr.replicaOf === null) {
      sender.shardId = hdr.shardId;
      this.scheduleSave();
    }

    // Role switch.
    if (hdr.replicaOf === null) {
      this.setNodeAsMaster(sender);
    } else {
      const master = this.nodes.get(hdr.replicaOf) ?? null;
      if (isMaster(sender)) {
        this.delNodeSlots(sender);
        sender.flags &= ~(NF.MASTER | NF.MIGRATE_TO);
        sender.flags |= NF.SLAVE;
        this.scheduleSave();
        this.scheduleUpdateState();
      }
      if (master && master !== sender && sender.slaveof !== master) {
        if (sender.slaveof)
          sender.slaveof.slaves = sender.slaveof.slaves.filter((s) => s !== sender);
        this.addSlave(master, sender);
        sender.slaveof = master;
        if (master.shardId) sender.shardId = master.shardId;
        this.scheduleSave();
      }
    }

    processSenderSlots(this, sender, hdr);

    if (isMaster(this.myself) && isMaster(sender) && hdr.configEpoch === this.myself.configEpoch)
      handleConfigEpochCollision(this, sender);

    this.processGossip(msg, sender);
    processForgotten(this, msg, sender);
  }

  /** clusterProcessGossipSection() */
  private processGossip(msg: PingMessage, sender: ClusterNode | null): void {
    const now = this.now();
    for (const g of msg.gossip) {
      const n = this.nodes.get(g.id);
      if (n) {
        if (sender && isMaster(sender) && n !== this.myself) {
          if (g.flags & (NF.FAIL | NF.PFAIL)) {
            if (addFailureReport(this, n, sender))
              this.log("verbose", `Node ${sender.name} reported node ${n.name} as not reachable.`);
            markNodeAsFailingIfNeeded(this, n);
          } else if (n.failReports.delete(sender.name)) {
            this.log("verbose", `Node ${sender.name} reported node ${n.name} is back online.`);
          }
        }
        // Unlike Redis 7.0, gossip carried by a MEET from a stranger (sender null) never touches
        // known nodes: a peer we do not know yet gets no say over liveness or addresses.
        if (!sender) continue;
        if (
          !(g.flags & (NF.FAIL | NF.PFAIL)) &&
          n.pingSent === 0 &&
          failureReportsCount(this, n) === 0
        ) {
          const pongtime = g.pongReceived * 1000;
          if (pongtime <= now + 500 && pongtime > n.pongReceived) n.pongReceived = pongtime;
        }
        if (
          n !== this.myself &&
          n.flags & (NF.FAIL | NF.PFAIL) &&
          !(g.flags & NF.NOADDR) &&
          !(g.flags & (NF.FAIL | NF.PFAIL)) &&
          (n.ip !== g.ip || n.port !== g.port || n.cport !== g.cport)
        ) {
          if (n.link) this.freeLink(n.link);
          n.ip = g.ip;
          n.port = g.port;
          n.pport = g.pport;
          n.cport = g.cport;
          n.flags &= ~NF.NOADDR;
        }
      } else if (
        sender &&
        !(g.flags & NF.NOADDR) &&
        !blacklistExists(this, g.id) &&
        g.ip !== "" &&
        g.cport !== 0
      ) {
        // Trust the gossip of a known node: add the node with its exact id; cron connects.
        const created = createNode(g.id, g.flags & GOSSIP_NEW_NODE_FLAGS_MASK, now);
        created.ip = g.ip;
        created.port = g.port;
        created.pport = g.pport;
        created.cport = g.cport;
        if (created.flags & NF.FAIL) created.failTime = now;
        this.addNode(created);
        this.scheduleSave();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Used by commands

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

// Gossip: the PING/PONG/MEET exchange that carries every node's view to every other. Mirrors
// clusterBuildMessageHdr(), clusterSetGossipEntry(), clusterSendPing(), clusterBroadcastPong(),
// clusterBroadcastMessage(), clusterPropagatePublish(), the random ping of clusterCron(), the
// PING/PONG/MEET part of clusterProcessPacket() and clusterProcessGossipSection() in
// src/cluster_legacy.c (Redis 7.0).
//
// Every message starts with a header about the sender: epochs, its master's slots, replication
// offset, address, flags. PING, PONG and MEET add a gossip section about other nodes, sampled
// by Redis's rules: max(3, N/10) random nodes (at most N-2, never myself, nor nodes in handshake,
// without address, or disconnected and slotless), plus every PFAIL node, so failure reports
// spread fast; and a forgotten-node extension per blacklisted id. Every second a node pings the
// node with the oldest PONG among 5 random ones; cron also pings any node silent for NT/2.
// On receipt a header updates the sender's role, hostname, shard and slots (slot-config.ts);
// the gossip section turns into failure reports (failure-detection.ts), fresher PONG times,
// addresses of failing nodes, and new nodes added under their real ids (only from known senders).
import {
  type ClusterMessage,
  ClusterStateCode,
  type GossipEntry,
  MessageFlag,
  type MessageHeader,
  MessageType,
  NodeFlag,
  type PingMessage,
} from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import {
  addFailureReport,
  clearFailureOnPong,
  failureReportsCount,
  markNodeAsFailingIfNeeded,
} from "./failure-detection.js";
import {
  announcedBusPort,
  announcedPort,
  blacklistExists,
  processForgotten,
  processHandshakeReply,
  updateAddressIfNeeded,
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
import { handleConfigEpochCollision, processSenderSlots } from "./slot-config.js";

// A plain local copy: hot loops read flags without going through module-namespace getters.
const NF = { ...NodeFlag };

const GOSSIP_NEW_NODE_FLAGS_MASK = NF.MASTER | NF.SLAVE | NF.FAIL | NF.NOFAILOVER;

/** clusterBuildMessageHdr() */
export function buildHeader(cs: ClusterState): MessageHeader {
  const m = cs.myself;
  const master = isSlave(m) && m.slaveof ? m.slaveof : m;
  return {
    sender: m.name,
    currentEpoch: cs.currentEpoch,
    configEpoch: master.configEpoch,
    offset: cs.replication.offset,
    slots: cs.nodeRanges(master),
    replicaOf: isSlave(m) && m.slaveof ? m.slaveof.name : null,
    ip: cs.config.announceIp,
    port: announcedPort(cs),
    pport: cs.config.pport,
    cport: announcedBusPort(cs),
    hostname: cs.config.announceHostname,
    flags: m.flags,
    state: cs.state === "ok" ? ClusterStateCode.OK : ClusterStateCode.FAIL,
    // A master paused for a manual failover says so: its offset in this header is final.
    mflags:
      isMaster(m) && cs.manualFailover.end !== 0
        ? MessageFlag.EXT_DATA | MessageFlag.PAUSED
        : MessageFlag.EXT_DATA,
    shardId: m.shardId,
  };
}

/** clusterSetGossipEntry() */
function gossipEntry(n: ClusterNode): GossipEntry {
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
export function sendPing(cs: ClusterState, link: ClusterLink, type: PingMessage["type"]): void {
  if (!link.connected) return;
  const now = cs.now();
  // Only a PING we send counts as outstanding.
  // A MEET re-sent as a keep-alive (see cron) is an outstanding ping too.
  if (
    link.node &&
    (type === MessageType.PING || (type === MessageType.MEET && !inHandshake(link.node)))
  )
    link.node.pingSent = now;
  let freshnodes = cs.nodeList.length - 2;
  let wanted = Math.max(3, Math.floor(cs.nodeList.length / 10));
  if (wanted > freshnodes) wanted = freshnodes;
  const pfailWanted = cs.statsPfailNodes;
  const gossip: GossipEntry[] = [];
  const seq = ++cs.gossipSeq;
  let maxiterations = wanted * 3;
  while (freshnodes > 0 && gossip.length < wanted && maxiterations-- > 0) {
    const n = cs.nodeList[Math.floor(cs.random() * cs.nodeList.length)]!;
    // The header is about us already; PFAIL nodes are appended below.
    if (n === cs.myself) continue;
    if (n.flags & NF.PFAIL) continue;
    // Handshake/noaddr nodes, and disconnected nodes without slots, are not worth gossiping.
    if (n.flags & (NF.HANDSHAKE | NF.NOADDR) || (n.link === null && n.numSlots === 0)) {
      freshnodes--;
      continue;
    }
    if (n.lastInPingGossip === seq) continue;
    n.lastInPingGossip = seq;
    gossip.push(gossipEntry(n));
    freshnodes--;
  }
  if (pfailWanted > 0) {
    let added = 0;
    for (const n of cs.nodeList) {
      if (added >= pfailWanted) break;
      if (n.flags & (NF.HANDSHAKE | NF.NOADDR)) continue;
      if (!(n.flags & NF.PFAIL)) continue;
      gossip.push(gossipEntry(n));
      added++;
    }
  }
  const forgotten = [];
  if (cs.blacklist.size) {
    const nowSec = Math.floor(now / 1000);
    for (const [id, expire] of cs.blacklist)
      if (expire >= nowSec) forgotten.push({ id, ttl: expire - nowSec });
  }
  cs.send(link, { type, header: buildHeader(cs), gossip, forgotten });
}

/** Keep-alive type: MEET again while the peer has not shown it knows us. */
export function pingTypeFor(n: ClusterNode): PingMessage["type"] {
  return n.flags & NF.MEET ? MessageType.MEET : MessageType.PING;
}

/** clusterBroadcastPong(CLUSTER_BROADCAST_ALL) */
export function broadcastPong(cs: ClusterState): void {
  for (const n of cs.nodeList) {
    if (!n.link || n === cs.myself || inHandshake(n)) continue;
    sendPing(cs, n.link, MessageType.PONG);
  }
}

/** clusterBroadcastMessage() */
export function broadcast(cs: ClusterState, msg: ClusterMessage): void {
  for (const n of cs.nodeList) {
    if (n.flags & (NF.MYSELF | NF.HANDSHAKE)) continue;
    cs.send(n.link, msg);
  }
}

/** clusterPropagatePublish(): PUBLISH to every node (SPUBLISH to my shard in 7.0 semantics: all). */
export function propagatePublish(
  cs: ClusterState,
  channel: Uint8Array,
  message: Uint8Array,
  shard: boolean,
): void {
  const msg: ClusterMessage = {
    type: shard ? MessageType.PUBLISHSHARD : MessageType.PUBLISH,
    header: buildHeader(cs),
    channel,
    message,
  };
  if (!shard) {
    broadcast(cs, msg);
    return;
  }
  // Sharded: only nodes of my shard (my master and its replicas, or my replicas).
  const master = isSlave(cs.myself) && cs.myself.slaveof ? cs.myself.slaveof : cs.myself;
  for (const n of [master, ...master.slaves]) if (n !== cs.myself) cs.send(n.link, msg);
}

/** The cron step "ping some random node once every 10 iterations" of clusterCron(). */
export function pingRandomNode(cs: ClusterState): void {
  let minPong: ClusterNode | null = null;
  for (let j = 0; j < 5; j++) {
    const n = cs.nodeList[Math.floor(cs.random() * cs.nodeList.length)]!;
    if (!n.link?.connected || n.pingSent !== 0) continue;
    if (n.flags & (NF.MYSELF | NF.HANDSHAKE)) continue;
    if (minPong === null || minPong.pongReceived > n.pongReceived) minPong = n;
  }
  if (minPong?.link) sendPing(cs, minPong.link, pingTypeFor(minPong));
}

export function processPing(
  cs: ClusterState,
  link: ClusterLink,
  msg: PingMessage,
  sender: ClusterNode | null,
): void {
  const now = cs.now();
  const type = msg.type;
  const hdr = msg.header;

  if (type === MessageType.PING || type === MessageType.MEET) {
    // How a node learns its own address: the local end of a MEET's socket.
    if (
      !cs.config.announceIp &&
      (type === MessageType.MEET || cs.myself.ip === "") &&
      link.localIp &&
      cs.myself.ip !== link.localIp
    ) {
      cs.myself.ip = link.localIp;
      cs.log("notice", `IP address for this node updated to ${link.localIp}`);
      cs.scheduleSave();
    }
    // A MEET from an unknown node: add it in handshake state; cron will connect and PING it.
    if (!sender && type === MessageType.MEET) {
      const n = createNode(randomName(cs.random), NF.HANDSHAKE, now);
      n.ip = hdr.ip || link.peerIp;
      n.port = hdr.port;
      n.pport = hdr.pport;
      n.cport = hdr.cport;
      cs.addNode(n);
      cs.scheduleSave();
      processGossip(cs, msg, null);
    }
    sendPing(cs, link, MessageType.PONG);
  }

  if (processHandshakeReply(cs, link, hdr, sender, now)) return;

  if (sender) {
    sender.flags = (sender.flags & ~NF.NOFAILOVER) | (hdr.flags & NF.NOFAILOVER);
    // Keep MEET until the peer shows it knows us: it only PINGs (or MEETs) nodes in its table.
    // A PONG proves nothing: it answers strangers too, and its handshake for us may still die
    // (e.g. a partition right after our MEET), which would leave membership one-sided.
    if (msg.type !== MessageType.PONG) sender.flags &= ~NF.MEET;
  }

  if (sender && type === MessageType.PING && !inHandshake(sender)) {
    if (updateAddressIfNeeded(cs, sender, link, hdr)) {
      cs.scheduleSave();
      cs.scheduleUpdateState();
    }
  }

  if (!link.inbound && type === MessageType.PONG && link.node) {
    const n = link.node;
    n.pongReceived = now;
    n.pingSent = 0;
    clearFailureOnPong(cs, n);
  }

  if (!sender) return;

  // Hostname (absence means cleared) and shard id.
  if (sender.hostname !== hdr.hostname) {
    sender.hostname = hdr.hostname;
    cs.scheduleSave();
  }
  if (hdr.shardId && sender.shardId !== hdr.shardId && hdr.replicaOf === null) {
    sender.shardId = hdr.shardId;
    cs.scheduleSave();
  }

  // Role switch.
  if (hdr.replicaOf === null) {
    cs.setNodeAsMaster(sender);
  } else {
    const master = cs.nodes.get(hdr.replicaOf) ?? null;
    if (isMaster(sender)) {
      cs.delNodeSlots(sender);
      sender.flags &= ~(NF.MASTER | NF.MIGRATE_TO);
      sender.flags |= NF.SLAVE;
      cs.scheduleSave();
      cs.scheduleUpdateState();
    }
    if (master && master !== sender && sender.slaveof !== master) {
      if (sender.slaveof) sender.slaveof.slaves = sender.slaveof.slaves.filter((s) => s !== sender);
      cs.addSlave(master, sender);
      sender.slaveof = master;
      if (master.shardId) sender.shardId = master.shardId;
      cs.scheduleSave();
    }
  }

  processSenderSlots(cs, sender, hdr);

  if (isMaster(cs.myself) && isMaster(sender) && hdr.configEpoch === cs.myself.configEpoch)
    handleConfigEpochCollision(cs, sender);

  processGossip(cs, msg, sender);
  processForgotten(cs, msg, sender);
}

/** clusterProcessGossipSection() */
export function processGossip(
  cs: ClusterState,
  msg: PingMessage,
  sender: ClusterNode | null,
): void {
  const now = cs.now();
  for (const g of msg.gossip) {
    const n = cs.nodes.get(g.id);
    if (n) {
      if (sender && isMaster(sender) && n !== cs.myself) {
        if (g.flags & (NF.FAIL | NF.PFAIL)) {
          if (addFailureReport(cs, n, sender))
            cs.log("verbose", `Node ${sender.name} reported node ${n.name} as not reachable.`);
          markNodeAsFailingIfNeeded(cs, n);
        } else if (n.failReports.delete(sender.name)) {
          cs.log("verbose", `Node ${sender.name} reported node ${n.name} is back online.`);
        }
      }
      // Unlike Redis 7.0, gossip carried by a MEET from a stranger (sender null) never touches
      // known nodes: a peer we do not know yet gets no say over liveness or addresses.
      if (!sender) continue;
      if (
        !(g.flags & (NF.FAIL | NF.PFAIL)) &&
        n.pingSent === 0 &&
        failureReportsCount(cs, n) === 0
      ) {
        const pongtime = g.pongReceived * 1000;
        if (pongtime <= now + 500 && pongtime > n.pongReceived) n.pongReceived = pongtime;
      }
      if (
        n !== cs.myself &&
        n.flags & (NF.FAIL | NF.PFAIL) &&
        !(g.flags & NF.NOADDR) &&
        !(g.flags & (NF.FAIL | NF.PFAIL)) &&
        (n.ip !== g.ip || n.port !== g.port || n.cport !== g.cport)
      ) {
        if (n.link) cs.freeLink(n.link);
        n.ip = g.ip;
        n.port = g.port;
        n.pport = g.pport;
        n.cport = g.cport;
        n.flags &= ~NF.NOADDR;
      }
    } else if (
      sender &&
      !(g.flags & NF.NOADDR) &&
      !blacklistExists(cs, g.id) &&
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
      cs.addNode(created);
      cs.scheduleSave();
    }
  }
}

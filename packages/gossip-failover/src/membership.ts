// Membership: how nodes join and leave this node's table, and the links to them. Mirrors
// clusterStartHandshake(), clusterRenameNode(), the handshake part of clusterProcessPacket(),
// nodeUpdateAddressIfNeeded(), clusterBlacklistCleanup()/AddNode()/Exists(), the
// FORGOTTEN_NODE extension of clusterProcessPingExt(), clusterReset(),
// clusterNodeCronHandleReconnect(), clusterLinkConnectHandler(), clusterAcceptHandler(),
// clusterUpdateMyselfAnnouncedPorts()/Hostname()/Flags() in src/cluster_legacy.c (Redis 7.0).
//
// CLUSTER MEET adds a node in HANDSHAKE state under a random name; cron connects to it and sends
// MEET; its first PONG on that link tells its real id, and the node is renamed (or dropped when
// the id is already known, invalid or forgotten). A node that gets a MEET from a stranger adds it
// the same way and starts its own handshake. Known nodes' gossip adds the nodes they know with
// their real ids (gossip.ts). A handshake not completed within max(NT, 1 s) is dropped. A node's
// address follows what it says in its PINGs; a reply on my link from a different id means the
// address now belongs to someone else (NOADDR). CLUSTER FORGET removes a node and blacklists its
// id for 60 s, and the blacklist travels in PING extensions so the whole cluster forgets it.
import {
  isValidNodeId,
  type MessageHeader,
  MessageType,
  NodeFlag,
  type PingMessage,
} from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import {
  type ClusterLink,
  type ClusterNode,
  createNode,
  inHandshake,
  isSlave,
  randomName,
} from "./node.js";
import type { LinkId } from "./types.js";

const NF = { ...NodeFlag };

// -------------------------------------------------------------------------------------------
// Handshake

/** clusterStartHandshake(): false for an invalid address. */
export function startHandshake(cs: ClusterState, ip: string, port: number, cport: number): boolean {
  const norm = parseIpLiteral(ip);
  if (norm === null) return false;
  if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) return false;
  for (const n of cs.nodeList)
    if (inHandshake(n) && n.ip === norm && n.port === port && n.cport === cport) return true;
  const n = createNode(randomName(cs.random), NF.HANDSHAKE | NF.MEET, cs.now());
  n.ip = norm;
  n.port = port;
  n.cport = cport;
  cs.addNode(n);
  return true;
}

/**
 * inet_pton-style check of an IPv4/IPv6 literal (CLUSTER MEET's address), in canonical form;
 * null if invalid. Socket addresses are cluster-bus's unmapIpv4.
 */
export function parseIpLiteral(ip: string): string | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return null;
    return parts.join(".");
  }
  if (ip.includes(":") && /^[0-9a-fA-F:.]+$/.test(ip)) {
    try {
      const u = new URL(`http://[${ip}]/`);
      return u.hostname.slice(1, -1);
    } catch {
      return null;
    }
  }
  return null;
}

/** clusterRenameNode() */
export function renameNode(cs: ClusterState, n: ClusterNode, newName: string): void {
  cs.log("debug", `Renaming node ${n.name} into ${newName}`);
  cs.nodes.delete(n.name);
  n.name = newName;
  cs.nodes.set(newName, n);
}

/**
 * A PING/PONG/MEET on my outbound link: completes the handshake (the node gets its real id), or
 * notices that the address now answers with another id. True when the packet is done with.
 */
export function processHandshakeReply(
  cs: ClusterState,
  link: ClusterLink,
  hdr: MessageHeader,
  sender: ClusterNode | null,
  now: number,
): boolean {
  const peer = link.node;
  if (link.inbound || !peer) return false;
  if (inHandshake(peer)) {
    if (sender) {
      cs.log(
        "verbose",
        `Handshake: we already know node ${sender.name}, updating the address if needed.`,
      );
      if (updateAddressIfNeeded(cs, sender, link, hdr)) {
        cs.scheduleSave();
        cs.scheduleUpdateState();
      }
      cs.delNode(peer);
      return true;
    }
    if (!isValidNodeId(hdr.sender) || blacklistExists(cs, hdr.sender)) {
      cs.delNode(peer);
      return true;
    }
    renameNode(cs, peer, hdr.sender);
    cs.log("debug", `Handshake with node ${peer.name} completed.`);
    peer.flags &= ~(NF.HANDSHAKE | NF.MEET);
    peer.flags |= hdr.flags & (NF.MASTER | NF.SLAVE);
    cs.scheduleSave();
  } else if (peer.name !== hdr.sender) {
    // The address now belongs to someone else.
    cs.log(
      "debug",
      `PONG contains mismatching sender ID. About node ${peer.name} added ${now - peer.ctime} ms ago, having flags ${peer.flags}`,
    );
    peer.flags |= NF.NOADDR;
    peer.ip = "";
    peer.port = 0;
    peer.pport = 0;
    peer.cport = 0;
    cs.freeLink(link);
    cs.scheduleSave();
    return true;
  }
  return false;
}

/** nodeUpdateAddressIfNeeded() */
export function updateAddressIfNeeded(
  cs: ClusterState,
  n: ClusterNode,
  link: ClusterLink,
  hdr: MessageHeader,
): boolean {
  if (link === n.link) return false;
  const ip = hdr.ip || link.peerIp;
  if (n.port === hdr.port && n.cport === hdr.cport && n.pport === hdr.pport && n.ip === ip)
    return false;
  n.ip = ip;
  n.port = hdr.port;
  n.pport = hdr.pport;
  n.cport = hdr.cport;
  if (n.link) cs.freeLink(n.link);
  n.flags &= ~NF.NOADDR;
  cs.log("notice", `Address updated for node ${n.name}, now ${ip}:${hdr.port}`);
  return true;
}

// -------------------------------------------------------------------------------------------
// FORGET and the blacklist

/** clusterBlacklistCleanup() */
export function blacklistCleanup(cs: ClusterState): void {
  const nowSec = Math.floor(cs.now() / 1000);
  for (const [name, expire] of cs.blacklist) if (expire < nowSec) cs.blacklist.delete(name);
}
/** clusterBlacklistAddNode() */
export function blacklistAdd(cs: ClusterState, name: string, ttl = cs.config.blacklistTtl): void {
  blacklistCleanup(cs);
  cs.blacklist.set(name, Math.floor(cs.now() / 1000) + ttl);
}
/** clusterBlacklistExists() */
export function blacklistExists(cs: ClusterState, name: string): boolean {
  blacklistCleanup(cs);
  return cs.blacklist.has(name);
}

/** FORGOTTEN_NODE extensions: a FORGET spreads through gossip. */
export function processForgotten(cs: ClusterState, msg: PingMessage, sender: ClusterNode): void {
  for (const f of msg.forgotten) {
    const n = cs.nodes.get(f.id);
    if (!n || n === cs.myself || (isSlave(cs.myself) && cs.myself.slaveof === n)) continue;
    if (n === sender) continue;
    blacklistAdd(cs, f.id, Math.min(f.ttl, cs.config.blacklistTtl));
    cs.delNode(n);
    cs.scheduleSave();
    cs.scheduleUpdateState();
  }
}

/** clusterReset(): forget everyone, drop slots; HARD also zeroes epochs and renames myself. */
export function reset(cs: ClusterState, hard: boolean): void {
  const m = cs.myself;
  cs.resetManualFailover();
  if (isSlave(m)) cs.setNodeAsMaster(m);
  cs.migratingSlotsTo.clear();
  cs.importingSlotsFrom.clear();
  cs.delNodeSlots(m);
  for (const n of [...cs.nodeList]) if (n !== m) cs.delNode(n);
  cs.blacklist.clear();
  if (hard) {
    cs.currentEpoch = 0;
    cs.lastVoteEpoch = 0;
    m.configEpoch = 0;
    cs.log("warning", "configEpoch set to 0 via CLUSTER RESET HARD");
    renameNode(cs, m, randomName(cs.random));
    m.shardId = randomName(cs.random);
    cs.log("notice", `Node hard reset, now I'm ${m.name}`);
  }
  cs.scheduleSave(true);
  cs.scheduleUpdateState();
}

// -------------------------------------------------------------------------------------------
// Links

/** clusterNodeCronHandleReconnect(): drop a stale handshake, or connect a node without a link. */
export function nodeCronHandleReconnect(
  cs: ClusterState,
  n: ClusterNode,
  handshakeTimeout: number,
  now: number,
): void {
  if (n.flags & (NF.MYSELF | NF.NOADDR)) return;
  if (n.flags & NF.PFAIL) cs.statsPfailNodes++;
  if (inHandshake(n) && now - n.ctime > handshakeTimeout) {
    cs.delNode(n);
    return;
  }
  if (n.link === null) {
    const id = `out-${++cs.linkSeq}`;
    const link: ClusterLink = {
      id,
      node: n,
      inbound: false,
      ctime: now,
      connected: false,
      localIp: "",
      peerIp: "",
    };
    n.link = link;
    cs.links.set(id, link);
    cs.emit({ type: "connect", link: id, host: n.ip, port: n.cport, node: n.name });
  }
}

/** clusterAcceptHandler(): an inbound link, bound to its node by the first message on it. */
export function linkAccepted(cs: ClusterState, id: LinkId, localIp: string, peerIp: string): void {
  cs.links.set(id, {
    id,
    node: null,
    inbound: true,
    ctime: cs.now(),
    connected: true,
    localIp,
    peerIp,
  });
}

/** clusterLinkConnectHandler(): send MEET or PING at once, keeping a pending ping_sent. */
export function linkConnected(cs: ClusterState, id: LinkId, localIp: string, peerIp: string): void {
  const link = cs.links.get(id);
  if (!link || link.inbound || !link.node) return;
  link.connected = true;
  link.localIp = localIp;
  link.peerIp = peerIp;
  const n = link.node;
  const oldPingSent = n.pingSent;
  cs.sendPing(link, n.flags & NF.MEET ? MessageType.MEET : MessageType.PING);
  if (oldPingSent) n.pingSent = oldPingSent;
  // Valkey keeps MEET until the peer answers (PR #461), so a MEET lost with its link is
  // re-sent on the next connection instead of leaving one-sided membership.
  cs.log("debug", `Connecting with Node ${n.name} at ${n.ip}:${n.cport}`);
}

/** A link closed or failed to connect. */
export function linkLost(cs: ClusterState, id: LinkId): void {
  const link = cs.links.get(id);
  if (!link) return;
  const n = link.node;
  // A connect that never succeeded counts as a pending ping, so failure detection still runs.
  if (n && !link.inbound && !link.connected && n.pingSent === 0) n.pingSent = cs.now();
  cs.freeLink(link, false);
}

// -------------------------------------------------------------------------------------------
// Myself: announced address and flags

export function announcedPort(cs: ClusterState): number {
  return cs.config.announcePort || cs.config.port;
}
export function announcedBusPort(cs: ClusterState): number {
  return cs.config.announceBusPort || cs.config.busPort;
}

/** Keeps myself's ports and hostname in line with the config (clusterCron step 1). */
export function refreshMyselfAddress(cs: ClusterState): void {
  const m = cs.myself;
  m.port = announcedPort(cs);
  m.pport = cs.config.pport;
  m.cport = announcedBusPort(cs);
  if (cs.config.announceIp && m.ip !== cs.config.announceIp) m.ip = cs.config.announceIp;
  if (m.hostname !== cs.config.announceHostname) {
    m.hostname = cs.config.announceHostname;
    cs.scheduleSave();
  }
}

/** clusterUpdateMyselfFlags(): cluster-replica-no-failover is announced as `nofailover`. */
export function updateMyselfFlags(cs: ClusterState): void {
  const m = cs.myself;
  const flags = cs.config.replicaNoFailover ? m.flags | NF.NOFAILOVER : m.flags & ~NF.NOFAILOVER;
  if (flags !== m.flags) {
    m.flags = flags;
    cs.scheduleSave();
    cs.scheduleUpdateState();
  }
}

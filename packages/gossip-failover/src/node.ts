// The node table entry: what Redis keeps in struct _clusterNode (src/cluster_legacy.h, Redis 7.0),
// plus helpers for flag words and random names (getRandomHexChars()).
import { NodeFlag } from "@shoal/cluster-bus/messages";
import { SlotBitmap } from "@shoal/slot-hash";
import type { LinkId } from "./types.js";

export interface ClusterLink {
  id: LinkId;
  /** Outbound links are created with a node; inbound ones get bound when the sender is known. */
  node: ClusterNode | null;
  inbound: boolean;
  ctime: number;
  connected: boolean;
  localIp: string;
  peerIp: string;
}

export interface ClusterNode {
  name: string;
  flags: number;
  ctime: number;
  configEpoch: number;
  ip: string;
  port: number;
  pport: number;
  cport: number;
  hostname: string;
  shardId: string;
  slots: SlotBitmap;
  numSlots: number;
  /** Cached bitmapToRanges(slots), null when stale. */
  ranges: number[] | null;
  slaveof: ClusterNode | null;
  slaves: ClusterNode[];
  pingSent: number;
  pongReceived: number;
  dataReceived: number;
  failTime: number;
  votedTime: number;
  replOffset: number;
  replOffsetTime: number;
  orphanedTime: number;
  link: ClusterLink | null;
  inboundLink: ClusterLink | null;
  /** Failure reports: reporter name -> time of the last report. */
  failReports: Map<string, number>;
  /** Position in the machine's node array (O(1) random sampling and removal). */
  index: number;
  /** Gossip de-duplication stamp (Redis: last_in_ping_gossip). */
  lastInPingGossip: number;
}

export function createNode(name: string, flags: number, now: number): ClusterNode {
  return {
    name,
    flags,
    ctime: now,
    configEpoch: 0,
    ip: "",
    port: 0,
    pport: 0,
    cport: 0,
    hostname: "",
    shardId: "",
    slots: new SlotBitmap(),
    numSlots: 0,
    ranges: null,
    slaveof: null,
    slaves: [],
    pingSent: 0,
    pongReceived: 0,
    dataReceived: 0,
    failTime: 0,
    votedTime: 0,
    replOffset: 0,
    replOffsetTime: 0,
    orphanedTime: 0,
    link: null,
    inboundLink: null,
    failReports: new Map(),
    index: -1,
    lastInPingGossip: 0,
  };
}

export const isMaster = (n: ClusterNode) => (n.flags & NodeFlag.MASTER) !== 0;
export const isSlave = (n: ClusterNode) => (n.flags & NodeFlag.SLAVE) !== 0;
export const inHandshake = (n: ClusterNode) => (n.flags & NodeFlag.HANDSHAKE) !== 0;
export const hasAddr = (n: ClusterNode) => (n.flags & NodeFlag.NOADDR) === 0;
export const timedOut = (n: ClusterNode) => (n.flags & NodeFlag.PFAIL) !== 0;
export const failed = (n: ClusterNode) => (n.flags & NodeFlag.FAIL) !== 0;

/** redisNodeFlagsTable order. */
const FLAG_WORDS: [number, string][] = [
  [NodeFlag.MYSELF, "myself"],
  [NodeFlag.MASTER, "master"],
  [NodeFlag.SLAVE, "slave"],
  [NodeFlag.PFAIL, "fail?"],
  [NodeFlag.FAIL, "fail"],
  [NodeFlag.HANDSHAKE, "handshake"],
  [NodeFlag.NOADDR, "noaddr"],
  [NodeFlag.NOFAILOVER, "nofailover"],
];

/** representClusterNodeFlags(): "myself,master", or "noflags". */
export function flagsToString(flags: number): string {
  const words: string[] = [];
  for (const [bit, word] of FLAG_WORDS) if (flags & bit) words.push(word);
  return words.length ? words.join(",") : "noflags";
}

/** Parses a flags word from nodes.conf; returns null for an unknown flag. */
export function parseFlags(text: string): number | null {
  let flags = 0;
  for (const word of text.split(",")) {
    if (word === "noflags") continue;
    const hit = FLAG_WORDS.find(([, w]) => w === word);
    if (!hit) return null;
    flags |= hit[0];
  }
  return flags;
}

/** getRandomHexChars(): 40 lowercase hex chars from the injected random source. */
export function randomName(random: () => number): string {
  let s = "";
  for (let i = 0; i < 40; i++) s += "0123456789abcdef"[Math.floor(random() * 16) & 15];
  return s;
}

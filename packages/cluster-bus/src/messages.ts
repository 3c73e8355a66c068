// Cluster bus message schemas: the information Redis's clusterMsg carries, as plain objects.
// Mirrors struct clusterMsg / clusterMsgDataGossip / CLUSTERMSG_TYPE_* in src/cluster_legacy.h
// (Redis 7.0). This file holds types and constants only (no sockets, no codec), so
// @shoal/gossip-failover can import it through "@shoal/cluster-bus/messages".

/** Message type ids, the same numbers as Redis's CLUSTERMSG_TYPE_*. */
export const MessageType = {
  PING: 0,
  PONG: 1,
  MEET: 2,
  FAIL: 3,
  PUBLISH: 4,
  FAILOVER_AUTH_REQUEST: 5,
  FAILOVER_AUTH_ACK: 6,
  UPDATE: 7,
  MFSTART: 8,
  MODULE: 9,
  PUBLISHSHARD: 10,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** CLUSTERMSG_TYPE_COUNT. */
export const MESSAGE_TYPE_COUNT = 11;

/**
 * Stats names by type id, as CLUSTER INFO prints them
 * (`cluster_stats_messages_<name>_sent`); mirrors clusterGetMessageTypeString().
 */
export const MESSAGE_TYPE_NAMES: readonly string[] = [
  "ping",
  "pong",
  "meet",
  "fail",
  "publish",
  "auth-req",
  "auth-ack",
  "update",
  "mfstart",
  "module",
  "publishshard",
];

/** Node flag bits (CLUSTER_NODE_*), as they travel in headers and gossip entries. */
export const NodeFlag = {
  MASTER: 1,
  SLAVE: 2,
  PFAIL: 4,
  FAIL: 8,
  MYSELF: 16,
  HANDSHAKE: 32,
  NOADDR: 64,
  MEET: 128,
  MIGRATE_TO: 256,
  NOFAILOVER: 512,
  EXTENSIONS_SUPPORTED: 1024,
} as const;
export type NodeFlag = (typeof NodeFlag)[keyof typeof NodeFlag];

/** mflags[0] bits (CLUSTERMSG_FLAG0_*). */
export const MessageFlag = {
  PAUSED: 1,
  FORCEACK: 2,
  EXT_DATA: 4,
} as const;

/** Header `state`: the sender's cluster state (informational; receivers never read it). */
export const ClusterStateCode = { OK: 0, FAIL: 1 } as const;
export type ClusterStateCode = (typeof ClusterStateCode)[keyof typeof ClusterStateCode];

/**
 * Owned slots as a flat list of inclusive ranges: [start0, end0, start1, end1, ...].
 * Sent instead of Redis's 2048-byte bitmap: a master owning one range costs a few bytes.
 */
export type SlotRanges = number[];

/** The header every message carries (clusterMsg minus framing fields). */
export interface MessageHeader {
  /** Sender node id, 40 chars of [a-z0-9]. */
  sender: string;
  currentEpoch: number;
  /** Sender's configEpoch if master, else its master's. */
  configEpoch: number;
  /** Replication offset (master_repl_offset, or the replica's processed offset). */
  offset: number;
  /** Slots of the sender (a replica sends its master's). */
  slots: SlotRanges;
  /** Master id if the sender is a replica (Redis `slaveof`), null for a master. */
  replicaOf: string | null;
  /** cluster-announce-ip; "" means "use the socket's peer address". */
  ip: string;
  /** Primary client port. */
  port: number;
  /** Secondary client port (TLS/plain counterpart), 0 if none. */
  pport: number;
  /** Announced bus port. */
  cport: number;
  /** cluster-announce-hostname ("" = none); Redis's HOSTNAME ping extension. */
  hostname: string;
  /** Sender's own node flags (NodeFlag bits). */
  flags: number;
  state: ClusterStateCode;
  /** mflags[0] (MessageFlag bits). */
  mflags: number;
  /** Shard id, 40 chars (Redis's SHARDID ping extension). */
  shardId: string;
}

/** clusterMsgDataGossip: the sender's view of one other node. */
export interface GossipEntry {
  id: string;
  /** Sender's ping_sent for that node, in seconds (never read by receivers). */
  pingSent: number;
  /** Sender's last pong time for that node, in seconds. */
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  pport: number;
  flags: number;
}

/** FORGOTTEN_NODE ping extension: a blacklisted id with the seconds it has left. */
export interface ForgottenNode {
  id: string;
  ttl: number;
}

export interface PingMessage {
  type: typeof MessageType.PING | typeof MessageType.PONG | typeof MessageType.MEET;
  header: MessageHeader;
  gossip: GossipEntry[];
  forgotten: ForgottenNode[];
}

export interface FailMessage {
  type: typeof MessageType.FAIL;
  header: MessageHeader;
  /** The node declared failed. */
  nodeId: string;
}

export interface PublishMessage {
  type: typeof MessageType.PUBLISH | typeof MessageType.PUBLISHSHARD;
  header: MessageHeader;
  channel: Uint8Array;
  message: Uint8Array;
}

export interface UpdateMessage {
  type: typeof MessageType.UPDATE;
  header: MessageHeader;
  /** configEpoch of the slot owner named below. */
  configEpoch: number;
  nodeId: string;
  slots: SlotRanges;
}

/** FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK and MFSTART: a header and no body. */
export interface BareMessage {
  type:
    | typeof MessageType.FAILOVER_AUTH_REQUEST
    | typeof MessageType.FAILOVER_AUTH_ACK
    | typeof MessageType.MFSTART;
  header: MessageHeader;
}

export type ClusterMessage =
  | PingMessage
  | FailMessage
  | PublishMessage
  | UpdateMessage
  | BareMessage;

/** Limits enforced when decoding; a message outside them is schema-invalid. */
export const MessageLimits = {
  ID_LENGTH: 40,
  MAX_IP_LENGTH: 46,
  MAX_HOSTNAME_LENGTH: 255,
  MAX_GOSSIP_ENTRIES: 16384,
  MAX_FORGOTTEN: 16384,
  SLOTS: 16384,
} as const;

/** verifyClusterNodeId(): exactly 40 chars of [a-z0-9]. */
export function isValidNodeId(id: unknown): id is string {
  if (typeof id !== "string" || id.length !== 40) return false;
  for (let i = 0; i < 40; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

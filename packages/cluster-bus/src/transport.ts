// The transport seam: what a cluster node needs from the network, implemented over TCP
// (TcpTransport) and in memory (MemoryTransport, for the simulator). It moves messages over
// links and reports link events; it never decides anything about the cluster (which node a link
// belongs to, when to connect or ping): that is gossip-failover's job. Counters mirror
// stats_bus_messages_sent/received and stat_cluster_links_buffer_limit_exceeded in Redis 7.0.
import { type ClusterMessage, MESSAGE_TYPE_COUNT, MESSAGE_TYPE_NAMES } from "./messages.js";

/** Opaque link id. Outbound ids are chosen by the caller of connect(); inbound ids by the transport ("in-<n>"). */
export type LinkId = string;

export type LinkDirection = "to" | "from";

export interface LinkInfo {
  id: LinkId;
  direction: LinkDirection;
  /** Address of the remote end (IPv4-mapped IPv6 prefixes stripped). */
  peerIp: string;
  /** Our end's address, how a node learns its own IP from a MEET (getsockname in Redis). */
  localIp: string;
}

/** One row of CLUSTER LINKS, minus the node id the state machine adds. */
export interface LinkStats {
  id: LinkId;
  direction: LinkDirection;
  /** ms since the epoch when the link was created. */
  createTime: number;
  /** "r", "w" or "rw" (Redis: installed event handlers). */
  events: string;
  sendBufferAllocated: number;
  sendBufferUsed: number;
}

export type LinkDownReason = "closed" | "refused" | "protocol-error" | "sendbuf-limit" | "error";

/** What a transport reports. Handlers must not throw; if one does, the transport logs it. */
export interface TransportHandler {
  /** An outbound link we asked for is connected. */
  linkUp(link: LinkInfo): void;
  /** A peer connected to our listener. */
  linkAccepted(link: LinkInfo): void;
  /** A complete, schema-valid message arrived on a link. */
  message(link: LinkId, msg: ClusterMessage): void;
  /** A link is gone (peer closed, connect failed, bad frame, send buffer over the limit). Not reported for links we closed ourselves. */
  linkDown(link: LinkId, reason: LinkDownReason): void;
}

export type LogLevel = "debug" | "verbose" | "notice" | "warning";
export type Logger = (level: LogLevel, message: string) => void;

export interface Transport {
  setHandler(handler: TransportHandler): void;
  /** Starts accepting bus connections. */
  listen(): Promise<void>;
  /** Opens an outbound link with the caller's id; linkUp or linkDown follows. */
  connect(id: LinkId, host: string, port: number): void;
  /** Queues a message; returns false if the link is unknown or already closed. */
  send(id: LinkId, msg: ClusterMessage): boolean;
  /** Closes a link; no linkDown is reported for it. */
  close(id: LinkId): void;
  /** cluster-link-sendbuf-limit in bytes (0 = no limit); can change at runtime. */
  setSendBufLimit(bytes: number): void;
  linkStats(): LinkStats[];
  readonly counters: MessageCounters;
  /** Closes the listener and every link. */
  shutdown(): Promise<void>;
}

/** Per-type message counters for CLUSTER INFO. */
export class MessageCounters {
  readonly sent = new Array<number>(MESSAGE_TYPE_COUNT).fill(0);
  readonly received = new Array<number>(MESSAGE_TYPE_COUNT).fill(0);
  /** total_cluster_links_buffer_limit_exceeded */
  linksBufferLimitExceeded = 0;

  countSent(msg: ClusterMessage): void {
    if (msg.type < MESSAGE_TYPE_COUNT) this.sent[msg.type]!++;
  }
  countReceived(type: number): void {
    if (type < MESSAGE_TYPE_COUNT) this.received[type]!++;
  }

  /**
   * CLUSTER INFO's message lines, in Redis's order: non-zero `_sent` per type, the sent total,
   * non-zero `_received` per type, the received total (genClusterInfoString()).
   */
  infoFields(): [string, number][] {
    const out: [string, number][] = [];
    let total = 0;
    for (let t = 0; t < MESSAGE_TYPE_COUNT; t++) {
      const n = this.sent[t]!;
      total += n;
      if (n) out.push([`cluster_stats_messages_${MESSAGE_TYPE_NAMES[t]}_sent`, n]);
    }
    out.push(["cluster_stats_messages_sent", total]);
    total = 0;
    for (let t = 0; t < MESSAGE_TYPE_COUNT; t++) {
      const n = this.received[t]!;
      total += n;
      if (n) out.push([`cluster_stats_messages_${MESSAGE_TYPE_NAMES[t]}_received`, n]);
    }
    out.push(["cluster_stats_messages_received", total]);
    return out;
  }
}

/**
 * A socket's address as Redis prints it: "::ffff:" stripped from an IPv4-mapped IPv6 address
 * (anetFdToString). No validation: gossip-failover's parseIpLiteral checks addresses from users.
 */
export function unmapIpv4(ip: string | undefined): string {
  if (!ip) return "";
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

export const noopLogger: Logger = () => {};

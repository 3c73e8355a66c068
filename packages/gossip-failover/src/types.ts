// Events in, effects out: the whole interface between the pure state machine and the process
// that runs it (the server, or the simulator). Mirrors what Redis's clusterCron(),
// clusterProcessPacket(), clusterLinkConnectHandler() and clusterBeforeSleep() exchange with the
// event loop in src/cluster_legacy.c (Redis 7.0).
import type { ClusterMessage } from "@shoal/cluster-bus/messages";

export type LinkId = string;
export type LogLevel = "debug" | "verbose" | "notice" | "warning";
export type ClusterHealth = "ok" | "fail";

export type Input =
  /** clusterCron(): call every 100 ms. */
  | { type: "tick" }
  /** An outbound link we asked for (connect effect) is established. */
  | { type: "linkUp"; link: LinkId; localIp: string; peerIp: string }
  /** A peer connected to our bus port. */
  | { type: "linkAccepted"; link: LinkId; localIp: string; peerIp: string }
  /** A decoded, schema-valid message arrived on a link. */
  | { type: "message"; link: LinkId; msg: ClusterMessage }
  /** A link went away (peer closed, connect refused, protocol error, send buffer limit). */
  | { type: "linkDown"; link: LinkId };

export type Effect =
  /** Send a message on a link (already encoded by nobody: the transport encodes). */
  | { type: "send"; link: LinkId; msg: ClusterMessage }
  /** Open an outbound link to host:port with this id; answer with linkUp or linkDown. */
  | { type: "connect"; link: LinkId; host: string; port: number; node: string }
  /** Close a link; the machine has already forgotten it. */
  | { type: "close"; link: LinkId }
  /**
   * Persist nodes.conf (atomically; fsync when asked) BEFORE executing the effects after it.
   * Always the first effect of a batch, as Redis saves in beforeSleep before writing replies.
   */
  | { type: "saveConfig"; text: string; fsync: boolean }
  | { type: "log"; level: LogLevel; message: string }
  /** The cluster state flipped (the server starts/stops serving keyed commands). */
  | { type: "stateChanged"; state: ClusterHealth }
  /** Slots we lost to a newer configuration while we still held keys there: delete them. */
  | { type: "deleteKeysInSlots"; slots: number[] }
  /** Become a replica of this master (replication is the server's job). */
  | { type: "replicate"; master: string; host: string; port: number }
  /**
   * This replica won an election (or a TAKEOVER): stop replicating and serve writes at once,
   * keeping the replication history (replicationUnsetMaster(): replid becomes replid2) so the
   * old master's other replicas continue with a partial resync.
   */
  | { type: "promote" }
  /**
   * Manual failover, master side: hold client writes (and expiry) until `until` (ms, same clock
   * as `now`) or until unpauseWrites, so the replica can catch up with a fixed offset
   * (pauseActions(PAUSE_DURING_FAILOVER, ..., PAUSE_ACTIONS_CLIENT_WRITE_SET)).
   */
  | { type: "pauseWrites"; until: number }
  /** The manual failover ended (won, timed out or reset): release the pause above. */
  | { type: "unpauseWrites" }
  /** A PUBLISH / PUBLISHSHARD from the bus to deliver to local subscribers. */
  | { type: "publish"; shard: boolean; channel: Uint8Array; message: Uint8Array };

/** Structured replies for CLUSTER subcommands; the server renders RESP. */
export type Reply =
  | { type: "ok" }
  | { type: "status"; value: string }
  | { type: "error"; message: string }
  | { type: "integer"; value: number }
  | { type: "bulk"; value: string }
  /** An array of bulk strings (CLUSTER REPLICAS). */
  | { type: "array"; value: string[] };

export interface CommandResult {
  reply: Reply;
  effects: Effect[];
}

/**
 * What the state machine reads about this node's replication, kept current by the process that
 * runs it (before every input): the header's offset, the replica's data age and the manual
 * failover's catch-up all come from here.
 */
export interface ReplicationView {
  /** master_repl_offset (a master), or the processed offset (a replica). */
  offset: number;
  /** A replica's link to its master is up (master_link_status:up). */
  linkUp: boolean;
  /** When data or a ping last came from the master (ms; 0 = never). */
  lastInteraction: number;
  /** When the link went down (ms; 0 = never connected since start). */
  downSince: number;
}

/** What a command may need to know about the keyspace. */
export interface CommandContext {
  /** True when db 0 (the only db in cluster mode) holds no keys. */
  dbEmpty?: boolean;
  /** Keys stored in a slot (CLUSTER SETSLOT NODE refuses to give away a slot with keys). */
  countKeysInSlot?: (slot: number) => number;
  /** Bus counters for CLUSTER INFO (cluster-bus MessageCounters.infoFields()). */
  messageStats?: [string, number][];
  /** total_cluster_links_buffer_limit_exceeded */
  linksBufferLimitExceeded?: number;
}

export type PreferredEndpointType = "ip" | "hostname" | "unknown-endpoint";

/** redis.conf cluster directives the state machine reads (names in comments). */
export interface ClusterConfig {
  /** cluster-node-timeout (ms). */
  nodeTimeout: number;
  /** port: the client port. */
  port: number;
  /** Secondary (TLS) client port, 0 if none. */
  pport: number;
  /** cluster-port, or port + 10000. */
  busPort: number;
  /** cluster-announce-ip ("" = learn it from MEETs). */
  announceIp: string;
  /** cluster-announce-port (0 = port). */
  announcePort: number;
  /** cluster-announce-bus-port (0 = busPort). */
  announceBusPort: number;
  /** cluster-announce-hostname. */
  announceHostname: string;
  /** cluster-preferred-endpoint-type. */
  preferredEndpointType: PreferredEndpointType;
  /** cluster-require-full-coverage. */
  requireFullCoverage: boolean;
  /** cluster-allow-reads-when-down. */
  allowReadsWhenDown: boolean;
  /** cluster-allow-replica-migration. */
  allowReplicaMigration: boolean;
  /** cluster-replica-validity-factor (0 = a replica always tries to fail over). */
  replicaValidityFactor: number;
  /** repl-ping-replica-period, in seconds (part of the data-age limit). */
  replPingReplicaPeriod: number;
  /** cluster-migration-barrier. */
  migrationBarrier: number;
  /** cluster-replica-no-failover: never start an automatic election (manual ones still run). */
  replicaNoFailover: boolean;
  /** cluster-ping-interval (hidden; 0 = nodeTimeout / 2). */
  pingInterval: number;
  /** Forget blacklist TTL in seconds (CLUSTER_BLACKLIST_TTL). */
  blacklistTtl: number;
}

export function defaultClusterConfig(overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  const port = overrides.port ?? 6379;
  return {
    nodeTimeout: 15000,
    port,
    pport: 0,
    busPort: port + 10000,
    announceIp: "",
    announcePort: 0,
    announceBusPort: 0,
    announceHostname: "",
    preferredEndpointType: "ip",
    requireFullCoverage: true,
    allowReadsWhenDown: false,
    allowReplicaMigration: true,
    replicaValidityFactor: 10,
    replPingReplicaPeriod: 10,
    migrationBarrier: 1,
    replicaNoFailover: false,
    pingInterval: 0,
    blacklistTtl: 60,
    ...overrides,
  };
}

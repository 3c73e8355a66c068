// @shoal/gossip-failover: the pure Redis Cluster state machine: nodes, epochs, gossip, slot
// ownership, PFAIL/FAIL, nodes.conf. Events in, effects out; no sockets, timers or globals.
export { CLUSTER_WRITABLE_DELAY } from "./cluster-health.js";
export { ClusterState, type ClusterStateOptions } from "./cluster-state.js";
export { CLUSTER_SUBCOMMANDS, clusterCommand } from "./commands.js";
export { type CreateClusterStateOptions, createClusterState } from "./create.js";
export { ClusterConfigError, ClusterErrors } from "./errors.js";
export { parseIpLiteral } from "./membership.js";
export {
  type ClusterLink,
  type ClusterNode,
  flagsToString,
  isMaster,
  isSlave,
  parseFlags,
  randomName,
} from "./node.js";
export {
  clusterNodesText,
  loadNodesConf,
  nodeDescription,
  serializeNodesConf,
} from "./nodes-conf.js";
export { bitmapToRanges, CLUSTER_SLOTS, formatRanges } from "./slots.js";
export {
  type ClusterConfig,
  type ClusterHealth,
  type CommandContext,
  type CommandResult,
  defaultClusterConfig,
  type Effect,
  type Input,
  type LinkId,
  type LogLevel,
  type PreferredEndpointType,
  type ReplicationView,
  type Reply,
} from "./types.js";
export {
  clusterInfoFields,
  clusterInfoText,
  clusterLinks,
  clusterShards,
  clusterSlots,
  type LinkRow,
  preferredEndpoint,
  type ShardEntry,
  type ShardNodeEntry,
  type SlotsEntry,
  type SlotsNodeEntry,
  slotOwner,
} from "./views.js";

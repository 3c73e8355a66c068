// @shoal/client: a cluster-aware Redis client (createCluster), a single-node client
// (createClient), typed command methods, pipelines, transactions, pub/sub and typed errors.
export { BaseClient } from "./base-client.js";
export { Client, type ClientOptions, createClient } from "./client.js";
export {
  ClusterClient,
  type ClusterOptions,
  createCluster,
  parseAddress,
  type ScaleReads,
} from "./cluster-client.js";
export {
  COMMANDS,
  type CommandMethods,
  type CommandName,
  type CommandSpec,
  commandKeys,
  type Key,
  lookupCommand,
  type Value,
} from "./commands.js";
export { Connection, type ConnectionOptions } from "./connection.js";
export {
  AskError,
  ClientClosedError,
  ClusterDiscoveryError,
  ClusterDownError,
  ConnectionError,
  CrossSlotError,
  ExecAbortError,
  MovedError,
  ProtocolError,
  RedirectionLimitError,
  ReplyError,
  ShoalClientError,
  TimeoutError,
  TryAgainError,
} from "./errors.js";
export { Pipeline, type PipelineResult, Transaction } from "./pipeline.js";
export type { MessageListener, PatternListener } from "./pubsub.js";
export { type NodeAddress, type Shard, SlotMap } from "./slot-map.js";

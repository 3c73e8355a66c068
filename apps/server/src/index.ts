// @shoal/server: shoal-server, a Redis-compatible node assembled from the Shoal packages.
export { type ParsedArgv, parseServerArgv } from "./config/argv.js";
export { ConfigError, DIRECTIVES, type Directive } from "./config/directives.js";
export { FatalConfigError, REDIS_VERSION, ServerConfig } from "./config/load.js";
export { quoteRepr, splitArgs } from "./config/split-args.js";
export type { FailoverMode } from "./launcher/faults.js";
export type { ProcessState } from "./launcher/local-cluster.js";
export {
  LocalCluster,
  type LocalClusterNode,
  type LocalClusterOptions,
  type WaitOptions,
} from "./launcher/local-cluster-api.js";
export { formatLogTime, Logger, LogLevel } from "./log.js";
export { type ShoalNode, startNode } from "./node-handle.js";
export { versionLine } from "./run.js";
export { KeyspaceStore, type KeyspaceStoreOptions } from "./store/keyspace-adapter.js";
export type { StoreAdapter } from "./store/store.js";
export { type CreateStoreOptions, createStore } from "./store/store-factory.js";

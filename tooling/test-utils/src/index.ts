// Process-level test helpers shared by every Shoal package and app.
export { type ClusterHandle, type ClusterOptions, clusterInfo, startCluster } from "./cluster.js";
export { freeClusterPorts, freePort } from "./ports.js";
export {
  type ExecResult,
  hasRedis,
  rawExchange,
  redisCli,
  redisCliPath,
  redisServerPath,
  run,
} from "./redis-bin.js";
export {
  outputContaining,
  pauseProcess,
  pingOnce,
  resumeProcess,
  type ServerHandle,
  type SpawnServerOptions,
  spawnServer,
  startRedisServer,
} from "./redis-server.js";
export { sleep, type WaitForOptions, waitFor } from "./wait-for.js";

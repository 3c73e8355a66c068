// @shoal/server: shoal-server: a Redis-compatible cluster node, and shoal-cluster, the local cluster launcher.
export {};

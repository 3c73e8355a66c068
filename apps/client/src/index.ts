// @shoal/client: Cluster-aware Redis client library, shoal-cli command-line client and cluster manager, shoal-bench.
export {};

// @shoal/cluster-bus: Redis Cluster bus transport: framing, msgpackr message schemas, TCP and in-memory links.
export {};

// @shoal/gossip-failover: Pure Redis Cluster state machine: nodes, epochs, gossip, PFAIL/FAIL, elections, nodes.conf.
export {};

// Node start-up: a fresh identity or the one in nodes.conf, as clusterInit() / clusterLoadConfig()
// do in src/cluster_legacy.c (Redis 7.0), including their log lines and the first save.
import { ClusterState, type ClusterStateOptions } from "./cluster-state.js";
import { loadNodesConf } from "./nodes-conf.js";
import type { Effect } from "./types.js";

export interface CreateClusterStateOptions extends ClusterStateOptions {
  /** Contents of nodes.conf, or null/undefined when the file is missing or empty. */
  nodesConf?: string | null;
}

/**
 * Builds the state machine. Throws ClusterConfigError for a corrupted nodes.conf. The returned
 * effects include the log lines and, for a fresh node, the immediate fsynced save.
 */
export function createClusterState(opts: CreateClusterStateOptions): {
  state: ClusterState;
  effects: Effect[];
} {
  const state = new ClusterState(opts);
  const effects = state.run(() => {
    if (opts.nodesConf) {
      for (const line of loadNodesConf(state, opts.nodesConf)) state.log("notice", line);
      state.refreshMyselfAddress();
    } else {
      state.refreshMyselfAddress();
      state.log("notice", `No cluster configuration found, I'm ${state.myself.name}`);
      state.scheduleSave(true);
    }
    state.scheduleUpdateState();
  });
  return { state, effects };
}

// Cluster health: whether this node serves keyed commands (cluster_state ok/fail) and
// cluster_size. Mirrors clusterUpdateState() in src/cluster_legacy.c (Redis 7.0).
//
// The state is fail when a slot has no owner or its owner is FAIL (cluster-require-full-coverage
// yes), or when this node cannot reach a majority of the masters that serve slots: a master cut
// off in a minority stops accepting writes instead of diverging. Two delays keep a node from
// serving stale data: a master that has just started waits CLUSTER_WRITABLE_DELAY before its
// first ok (time to learn the configuration that changed while it was away), and a master that
// was in the minority waits the rejoin delay, min(max(NT, 500), 5000) ms, after its last minority
// sighting before turning ok again (time to be told that its slots moved). Runs from
// clusterBeforeSleep (the todo flag) and from cron while fail or after a new PFAIL.
import { NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { isMaster } from "./node.js";
import { CLUSTER_SLOTS } from "./slots.js";
import type { ClusterHealth } from "./types.js";

const NF = { ...NodeFlag };

/** CLUSTER_WRITABLE_DELAY */
export const CLUSTER_WRITABLE_DELAY = 2000;

/** clusterUpdateState() */
export function updateState(cs: ClusterState): void {
  const now = cs.now();
  if (cs.firstCallTime === 0) cs.firstCallTime = now;
  // Let a restarted master learn the new configuration before it serves again.
  if (isMaster(cs.myself) && cs.state === "fail" && now - cs.firstCallTime < CLUSTER_WRITABLE_DELAY)
    return;
  let newState: ClusterHealth = "ok";
  if (cs.config.requireFullCoverage) {
    // Every slot assigned, and no owner FAIL (a FAIL owner of any slot is a FAIL node with slots).
    if (cs.assignedSlots < CLUSTER_SLOTS) newState = "fail";
    else
      for (const n of cs.nodeList)
        if (n.numSlots > 0 && n.flags & NF.FAIL) {
          newState = "fail";
          break;
        }
  }
  let size = 0;
  let reachable = 0;
  for (const n of cs.nodeList) {
    if (isMaster(n) && n.numSlots) {
      size++;
      if (!(n.flags & (NF.FAIL | NF.PFAIL))) reachable++;
    }
  }
  cs.size = size;
  const needed = Math.floor(size / 2) + 1;
  if (reachable < needed) {
    newState = "fail";
    cs.amongMinorityTime = now;
  }
  if (newState !== cs.state) {
    const rejoinDelay = Math.min(Math.max(cs.nodeTimeout(), 500), 5000);
    if (newState === "ok" && isMaster(cs.myself) && now - cs.amongMinorityTime < rejoinDelay)
      return;
    cs.log("warning", `Cluster state changed: ${newState}`);
    cs.state = newState;
    cs.emit({ type: "stateChanged", state: newState });
  }
}

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
//
// One rule of Shoal's own: a master whose cron did not run for longer than the node timeout
// (SIGSTOP, a machine that froze, an event loop blocked) counts as having been in the minority
// until then. The cluster may have failed it over meanwhile, and what it reads first on waking
// up (a client's write, or the new owner's UPDATE) is a matter of socket order; Redis relies on
// that order, Shoal waits the rejoin delay for the new configuration instead.
import { NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { isMaster } from "./node.js";
import { CLUSTER_SLOTS } from "./slots.js";
import type { ClusterHealth } from "./types.js";

const NF = { ...NodeFlag };

/** CLUSTER_WRITABLE_DELAY */
export const CLUSTER_WRITABLE_DELAY = 2000;

/** Called first thing in every cron: notices that this node did not run for a while. */
export function noteCronGap(cs: ClusterState, now: number): void {
  const last = cs.lastCronTime;
  cs.lastCronTime = now;
  if (last === 0 || now - last <= cs.nodeTimeout()) return;
  if (!isMaster(cs.myself) || cs.myself.numSlots === 0) return;
  cs.log(
    "warning",
    `No cluster cron for ${now - last} milliseconds (more than the node timeout): serving nothing until the cluster's configuration is known again.`,
  );
  cs.amongMinorityTime = now;
  if (cs.state === "ok") {
    cs.log("warning", "Cluster state changed: fail");
    cs.state = "fail";
    cs.emit({ type: "stateChanged", state: "fail" });
  }
}

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

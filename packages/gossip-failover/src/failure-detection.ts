// Failure detection: PFAIL (this node's own opinion) and FAIL (the cluster's agreement). Mirrors
// clusterNodeAddFailureReport(), clusterNodeCleanupFailureReports(),
// clusterNodeFailureReportsCount(), markNodeAsFailingIfNeeded(), clearNodeFailureIfNeeded(),
// clusterSendFail(), the FAIL branch of clusterProcessPacket() and the PFAIL step of
// clusterCron() in src/cluster_legacy.c (Redis 7.0).
//
// A node that leaves a ping unanswered (and sends nothing else) for NODE_TIMEOUT is PFAIL here.
// Gossip carries the PFAIL/FAIL nodes every node sees; such an entry from a master is a failure
// report from that master, valid for 2·NT. Once the reports plus my own opinion (when I am a
// master) reach a majority of the masters that serve slots, I flag the node FAIL and broadcast
// FAIL, which every receiver applies at once. A PONG clears PFAIL at once; it undoes FAIL only
// for a replica or a master without slots, or for a master still holding slots 2·NT after its
// FAIL (had a replica taken over, the slots would have moved).
import { MessageType, NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { type ClusterNode, failed, isMaster, isSlave, timedOut } from "./node.js";

const NF = { ...NodeFlag };

/** CLUSTER_FAIL_REPORT_VALIDITY_MULT */
export const FAIL_REPORT_VALIDITY_MULT = 2;
/** CLUSTER_FAIL_UNDO_TIME_MULT */
export const FAIL_UNDO_TIME_MULT = 2;

/** clusterNodeAddFailureReport(): true if `sender` had not reported `failing` yet. */
export function addFailureReport(
  cs: ClusterState,
  failing: ClusterNode,
  sender: ClusterNode,
): boolean {
  const had = failing.failReports.has(sender.name);
  failing.failReports.set(sender.name, cs.now());
  return !had;
}

/** clusterNodeFailureReportsCount(), expiring reports older than 2·NT first. */
export function failureReportsCount(cs: ClusterState, n: ClusterNode): number {
  if (n.failReports.size === 0) return 0;
  const maxAge = cs.nodeTimeout() * FAIL_REPORT_VALIDITY_MULT;
  const now = cs.now();
  for (const [reporter, time] of n.failReports)
    if (now - time > maxAge) n.failReports.delete(reporter);
  return n.failReports.size;
}

/** markNodeAsFailingIfNeeded() */
export function markNodeAsFailingIfNeeded(cs: ClusterState, n: ClusterNode): void {
  const needed = Math.floor(cs.size / 2) + 1;
  if (!timedOut(n) || failed(n)) return;
  let failures = failureReportsCount(cs, n);
  if (isMaster(cs.myself)) failures++;
  if (failures < needed) return;
  cs.log("notice", `Marking node ${n.name} as failing (quorum reached).`);
  n.flags &= ~NF.PFAIL;
  n.flags |= NF.FAIL;
  n.failTime = cs.now();
  sendFail(cs, n.name);
  cs.scheduleUpdateState();
  cs.scheduleSave();
  if (n === cs.myself.slaveof) cs.scheduleHandleFailover();
}

/** The PFAIL step of clusterCron(): true if `n` just became PFAIL. */
export function markNodeAsPfailIfTimedOut(cs: ClusterState, n: ClusterNode, now: number): boolean {
  if (!n.pingSent) return false;
  const nodeDelay = Math.min(now - n.pingSent, now - n.dataReceived);
  if (nodeDelay > cs.nodeTimeout() && !(n.flags & (NF.PFAIL | NF.FAIL))) {
    cs.log("debug", `*** NODE ${n.name} possibly failing`);
    n.flags |= NF.PFAIL;
    if (isMaster(cs.myself) && cs.size === 1) markNodeAsFailingIfNeeded(cs, n);
    return true;
  }
  return false;
}

/** A PONG on my link to `n`: PFAIL goes at once, FAIL only by clearNodeFailureIfNeeded(). */
export function clearFailureOnPong(cs: ClusterState, n: ClusterNode): void {
  if (timedOut(n)) {
    n.flags &= ~NF.PFAIL;
    cs.scheduleSave();
    cs.scheduleUpdateState();
  } else if (failed(n)) {
    clearNodeFailureIfNeeded(cs, n);
  }
}

/** clearNodeFailureIfNeeded() */
export function clearNodeFailureIfNeeded(cs: ClusterState, n: ClusterNode): void {
  const now = cs.now();
  if (isSlave(n) || n.numSlots === 0) {
    cs.log(
      "notice",
      `Clear FAIL state for node ${n.name}: ${isSlave(n) ? "replica" : "master without slots"} is reachable again.`,
    );
    n.flags &= ~NF.FAIL;
    cs.scheduleSave();
    cs.scheduleUpdateState();
  }
  if (isMaster(n) && n.numSlots > 0 && now - n.failTime > cs.nodeTimeout() * FAIL_UNDO_TIME_MULT) {
    cs.log(
      "notice",
      `Clear FAIL state for node ${n.name}: is reachable again and nobody is serving its slots after some time.`,
    );
    n.flags &= ~NF.FAIL;
    cs.scheduleSave();
    cs.scheduleUpdateState();
  }
}

/** clusterSendFail() */
export function sendFail(cs: ClusterState, nodeName: string): void {
  cs.broadcast({ type: MessageType.FAIL, header: cs.buildHeader(), nodeId: nodeName });
}

/** FAIL from a known node: applied at once, no quorum of my own needed. */
export function receiveFail(
  cs: ClusterState,
  senderName: string,
  nodeId: string,
  now: number,
): void {
  const failing = cs.nodes.get(nodeId);
  if (failing && !(failing.flags & (NF.FAIL | NF.MYSELF))) {
    cs.log("notice", `FAIL message received from ${senderName} about ${nodeId}`);
    failing.flags |= NF.FAIL;
    failing.failTime = now;
    failing.flags &= ~NF.PFAIL;
    cs.scheduleSave();
    cs.scheduleUpdateState();
    if (failing === cs.myself.slaveof) cs.scheduleHandleFailover();
  }
}

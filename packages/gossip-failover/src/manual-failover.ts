// Manual failover: CLUSTER FAILOVER [FORCE|TAKEOVER] sent to a replica. Mirrors the "failover"
// branch of clusterCommandSpecial(), clusterSendMFStart(), the MFSTART branch of
// clusterProcessPacket(), clusterHandleManualFailover(), manualFailoverCheckTimeout() and
// resetManualFailover() in src/cluster_legacy.c (Redis 7.0).
//
// The default mode loses no acknowledged write: the replica sends MFSTART to its master; the
// master pauses client writes for 2× the manual failover timeout and from then on marks its
// headers PAUSED, pinging the replica every cron tick; the first PAUSED header gives the replica
// the master's final offset; once the replica has processed exactly that much it runs an
// election at once, rank 0, with FORCEACK so masters vote although its master is healthy. On a
// win the old master receives the new configuration, loses its slots and becomes a replica (which
// resets the manual failover and lifts the pause). FORCE skips the handshake (for a dead or
// unreachable master) but still needs a majority; TAKEOVER needs nobody: it bumps the epoch
// without consensus and promotes at once. Everything gives up after 5 s.
import { MessageType } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { failoverReplaceYourMaster } from "./election.js";
import { type ClusterLink, type ClusterNode, failed, isMaster } from "./node.js";
import type { Reply } from "./types.js";

/** CLUSTER_MF_TIMEOUT */
export const MANUAL_FAILOVER_TIMEOUT = 5000;
/** CLUSTER_MF_PAUSE_MULT: the master's pause outlasts the replica's window. */
export const MANUAL_FAILOVER_PAUSE_MULT = 2;

export interface ManualFailoverState {
  /** Deadline of the manual failover in progress, 0 = none (mf_end). */
  end: number;
  /** The replica may start its election (mf_can_start). */
  canStart: boolean;
  /** Master side: the replica that asked (mf_slave). */
  replica: ClusterNode | null;
  /** Replica side: the paused master's offset, -1 until known (mf_master_offset). */
  masterOffset: number;
}

export function newManualFailoverState(): ManualFailoverState {
  return { end: 0, canStart: false, replica: null, masterOffset: -1 };
}

/** resetManualFailover(): on a master that paused for a replica, the pause ends too. */
export function resetManualFailover(cs: ClusterState): void {
  const mf = cs.manualFailover;
  if (mf.replica) cs.emit({ type: "unpauseWrites" });
  mf.end = 0;
  mf.canStart = false;
  mf.replica = null;
  mf.masterOffset = -1;
}

/** CLUSTER FAILOVER [FORCE|TAKEOVER] (argv[0] is "failover"). */
export function clusterFailoverCommand(cs: ClusterState, argv: string[]): Reply {
  let force = false;
  let takeover = false;
  if (argv.length === 2) {
    const opt = argv[1]!.toLowerCase();
    if (opt === "force") force = true;
    else if (opt === "takeover") {
      takeover = true;
      force = true;
    } else return { type: "error", message: "ERR syntax error" };
  }
  const me = cs.myself;
  const master = me.slaveof;
  if (isMaster(me))
    return { type: "error", message: "ERR You should send CLUSTER FAILOVER to a replica" };
  if (master === null)
    return { type: "error", message: "ERR I'm a replica but my master is unknown to me" };
  if (!force && (failed(master) || master.link === null))
    return {
      type: "error",
      message: "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE",
    };
  resetManualFailover(cs);
  cs.manualFailover.end = cs.now() + MANUAL_FAILOVER_TIMEOUT;
  if (takeover) {
    // No votes: a new epoch of my own, then the promotion (config collisions settle the rest).
    cs.log("notice", "Taking over the master (user request).");
    cs.bumpConfigEpochWithoutConsensus();
    failoverReplaceYourMaster(cs);
  } else if (force) {
    cs.log("notice", "Forced failover user request accepted.");
    cs.manualFailover.canStart = true;
    cs.scheduleHandleFailover();
  } else {
    cs.log("notice", "Manual failover user request accepted.");
    if (master.link) cs.sendTo(master, { type: MessageType.MFSTART, header: cs.buildHeader() });
  }
  return { type: "ok" };
}

/** MFSTART from one of my replicas: pause writes and let it catch up with my offset. */
export function receiveManualFailoverStart(
  cs: ClusterState,
  sender: ClusterNode,
  link: ClusterLink,
): void {
  if (sender.slaveof !== cs.myself) return;
  const now = cs.now();
  resetManualFailover(cs);
  const mf = cs.manualFailover;
  mf.end = now + MANUAL_FAILOVER_TIMEOUT;
  mf.replica = sender;
  cs.emit({
    type: "pauseWrites",
    until: now + MANUAL_FAILOVER_TIMEOUT * MANUAL_FAILOVER_PAUSE_MULT,
  });
  cs.log("warning", `Manual failover requested by replica ${sender.name}.`);
  // At once, on the link it came by: this PING carries PAUSED and my final offset.
  cs.sendPing(link, MessageType.PING);
}

/** A header from my master while I run a manual failover: the first PAUSED one fixes the offset. */
export function noteMasterPausedOffset(cs: ClusterState, offset: number): void {
  const mf = cs.manualFailover;
  if (mf.masterOffset !== -1) return;
  mf.masterOffset = offset;
  cs.log("warning", `Received replication offset for paused master manual failover: ${offset}`);
  handleManualFailover(cs);
}

/** clusterHandleManualFailover(): the election may start once I processed the master's offset. */
export function handleManualFailover(cs: ClusterState): void {
  const mf = cs.manualFailover;
  if (mf.end === 0 || mf.canStart || mf.masterOffset === -1) return;
  if (mf.masterOffset === cs.replication.offset) {
    mf.canStart = true;
    cs.log("warning", "All master replication stream processed, manual failover can start.");
    cs.scheduleHandleFailover();
  }
}

/** manualFailoverCheckTimeout() */
export function manualFailoverCheckTimeout(cs: ClusterState): void {
  const mf = cs.manualFailover;
  if (mf.end !== 0 && mf.end < cs.now()) {
    cs.log("warning", "Manual failover timed out.");
    resetManualFailover(cs);
  }
}

// Replica election: how a replica of a FAIL master gets itself promoted. Mirrors
// clusterHandleSlaveFailover(), clusterGetSlaveRank(), clusterRequestFailoverAuth(),
// clusterLogCantFailover() and clusterFailoverReplaceYourMaster() in src/cluster_legacy.c
// (Redis 7.0), with three of Valkey's later shortcuts that keep every safety rule.
//
// The mechanism. Once my master is FAIL (or a manual failover may start), and my data is not too
// old (cluster-replica-validity-factor), I schedule an election: a delay of
// 500 + random(0..499) + rank·1000 ms, rank being how many sibling replicas have processed more
// of the master's stream than I have (equal offsets ordered by node id, as Valkey does, so two
// siblings never share a rank). The delay lets the FAIL reach the voting masters and lets the
// best replica go first. When it runs out I take currentEpoch+1 as the election epoch and
// broadcast FAILOVER_AUTH_REQUEST; masters that agree answer FAILOVER_AUTH_ACK (one vote per
// epoch, see failover-auth.ts). With ACKs from a majority of the masters that serve slots I take
// the old master's slots with the election epoch as my configEpoch, save nodes.conf with fsync,
// and broadcast a PONG: every node rebinds the slots to me by the "greater configEpoch wins"
// rule. An election that gathers no majority within max(2·NT, 2 s) expires; the next one is
// scheduled 2× that after the first.
//
// Shortcuts (Valkey PRs #2227, #2209, #782), each safe because the voters' rules are unchanged:
// - the best-ranked replica that already knows the final offset of every sibling (a header from
//   each after the master became FAIL) starts at once: waiting could only tell it what it knows;
// - the election step also runs right after the FAIL is learnt, not only on the 100 ms cron;
// - following a new master forgets the timers of an election about the old one.
// And one of Shoal's own: before its vote request a replica re-broadcasts the FAIL it knows of.
// Links are FIFO, so every master handles the FAIL before the request and none refuses its vote
// with "its master is up" only because the FAIL had not reached it yet.
import { MessageFlag, MessageType, NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { type ClusterNode, failed, isMaster } from "./node.js";

/** Why a replica can't fail over right now (CLUSTER_CANT_FAILOVER_*). */
export const CantFailover = {
  NONE: 0,
  DATA_AGE: 1,
  WAITING_DELAY: 2,
  EXPIRED: 3,
  WAITING_VOTES: 4,
} as const;
export type CantFailover = (typeof CantFailover)[keyof typeof CantFailover];

const CANT_FAILOVER_TEXT: Record<number, string> = {
  [CantFailover.DATA_AGE]:
    "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option.",
  [CantFailover.WAITING_DELAY]: "Waiting the delay before I can start a new failover.",
  [CantFailover.EXPIRED]: "Failover attempt expired.",
  [CantFailover.WAITING_VOTES]: "Waiting for votes, but majority still not reached.",
};

/** CLUSTER_CANT_FAILOVER_RELOG_PERIOD (seconds in Redis). */
const CANT_FAILOVER_RELOG_PERIOD = 10_000;

/** The replica's side of an election (failover_auth_* in struct clusterState). */
export interface ElectionState {
  /** When the election may start (scheduled), or when it started; 0 = none yet. */
  authTime: number;
  /** ACKs received for authEpoch. */
  authCount: number;
  /** The vote request for this attempt went out. */
  authSent: boolean;
  authRank: number;
  /** The epoch of the last vote request. */
  authEpoch: number;
  cantFailoverReason: CantFailover;
  lastLogTime: number;
}

export function newElectionState(): ElectionState {
  return {
    authTime: 0,
    authCount: 0,
    authSent: false,
    authRank: 0,
    authEpoch: 0,
    cantFailoverReason: CantFailover.NONE,
    lastLogTime: 0,
  };
}

/** max(2·NT, 2000): how long one attempt may gather votes. */
export function authTimeout(cs: ClusterState): number {
  return Math.max(cs.nodeTimeout() * 2, 2000);
}

/**
 * clusterGetSlaveRank(): sibling replicas (able to fail over) ahead of me by processed offset;
 * on equal offsets the smaller node id goes first.
 */
export function replicaRank(cs: ClusterState): number {
  const me = cs.myself;
  const master = me.slaveof;
  if (!master) return 0;
  const mine = cs.replication.offset;
  let rank = 0;
  for (const s of master.slaves) {
    if (s === me || s.flags & NodeFlag.NOFAILOVER) continue;
    if (s.replOffset > mine || (s.replOffset === mine && s.name < me.name)) rank++;
  }
  return rank;
}

/**
 * True when every sibling that could compete has told me its offset after my master became
 * FAIL: by then the master had been silent for a node timeout, so those offsets are final and my
 * rank can't change any more.
 */
function siblingsOffsetsFinal(cs: ClusterState, master: ClusterNode): boolean {
  for (const s of master.slaves) {
    if (s === cs.myself || s.flags & NodeFlag.NOFAILOVER) continue;
    if (failed(s)) continue;
    if (s.replOffsetTime <= master.failTime) return false;
  }
  return true;
}

/** clusterLogCantFailover(): stalled replicas log why, at most once per reason and period. */
function logCantFailover(cs: ClusterState, reason: CantFailover): void {
  const e = cs.election;
  const now = cs.now();
  if (reason === e.cantFailoverReason && now - e.lastLogTime < CANT_FAILOVER_RELOG_PERIOD) return;
  e.cantFailoverReason = reason;
  // Only a replica stalled for a while is worth a line; a fresh failure is the normal path.
  const master = cs.myself.slaveof;
  if (master && failed(master) && now - master.failTime < cs.nodeTimeout() + 5000) return;
  e.lastLogTime = now;
  cs.log("warning", `Currently unable to failover: ${CANT_FAILOVER_TEXT[reason]}`);
}

/** The replica's data age, as Redis computes it (minus one node timeout of expected silence). */
function dataAge(cs: ClusterState): number {
  const r = cs.replication;
  const now = cs.now();
  let age = r.linkUp ? now - r.lastInteraction : now - r.downSince;
  if (age > cs.nodeTimeout()) age -= cs.nodeTimeout();
  return age;
}

/** clusterHandleSlaveFailover(): runs from cron, and right after anything that may unblock it. */
export function handleReplicaFailover(cs: ClusterState): void {
  const me = cs.myself;
  const e = cs.election;
  const mf = cs.manualFailover;
  const now = cs.now();
  const authAge = now - e.authTime;
  const neededQuorum = Math.floor(cs.size / 2) + 1;
  const manual = mf.end !== 0 && mf.canStart;
  const timeout = authTimeout(cs);
  const retry = timeout * 2;
  const master = me.slaveof;

  if (
    isMaster(me) ||
    master === null ||
    (!failed(master) && !manual) ||
    (cs.config.replicaNoFailover && !manual) ||
    master.numSlots === 0
  ) {
    e.cantFailoverReason = CantFailover.NONE;
    return;
  }

  const factor = cs.config.replicaValidityFactor;
  if (
    factor > 0 &&
    dataAge(cs) > cs.config.replPingReplicaPeriod * 1000 + cs.nodeTimeout() * factor &&
    !manual
  ) {
    logCantFailover(cs, CantFailover.DATA_AGE);
    return;
  }

  if (authAge > retry) {
    e.authCount = 0;
    e.authSent = false;
    e.authRank = replicaRank(cs);
    if (mf.end !== 0) {
      e.authTime = now;
      e.authRank = 0;
      cs.scheduleHandleFailover();
    } else if (e.authRank === 0 && siblingsOffsetsFinal(cs, master)) {
      e.authTime = now;
      cs.scheduleHandleFailover();
    } else {
      e.authTime = now + 500 + Math.floor(cs.random() * 500) + e.authRank * 1000;
    }
    cs.log(
      "notice",
      `Start of election delayed for ${e.authTime - now} milliseconds (rank #${e.authRank}, offset ${cs.replication.offset}).`,
    );
    // Let my siblings learn my offset now, so their ranks are right when their delays end.
    broadcastPongToLocalReplicas(cs);
    return;
  }

  // While waiting, a sibling may turn out to be ahead: step back by a second per place lost,
  // or (Valkey) forward when I got better.
  if (!e.authSent && mf.end === 0) {
    const rank = replicaRank(cs);
    if (rank !== e.authRank) {
      const added = (rank - e.authRank) * 1000;
      e.authTime += added;
      e.authRank = rank;
      cs.log(
        "notice",
        `Replica rank updated to #${rank}, ${added >= 0 ? "added" : "removed"} ${Math.abs(added)} milliseconds of delay.`,
      );
    }
    if (rank === 0 && e.authTime > now && siblingsOffsetsFinal(cs, master)) e.authTime = now;
  }

  if (now < e.authTime) {
    logCantFailover(cs, CantFailover.WAITING_DELAY);
    return;
  }
  if (authAge > timeout) {
    logCantFailover(cs, CantFailover.EXPIRED);
    return;
  }

  if (!e.authSent) {
    cs.currentEpoch++;
    e.authEpoch = cs.currentEpoch;
    cs.log("notice", `Starting a failover election for epoch ${cs.currentEpoch}.`);
    requestFailoverAuth(cs, master);
    e.authSent = true;
    cs.scheduleSave(true);
    cs.scheduleUpdateState();
    return;
  }

  if (e.authCount >= neededQuorum) {
    cs.log("notice", "Failover election won: I'm the new master.");
    if (me.configEpoch < e.authEpoch) {
      me.configEpoch = e.authEpoch;
      cs.log("notice", `configEpoch set to ${me.configEpoch} after successful failover`);
    }
    failoverReplaceYourMaster(cs);
  } else {
    logCantFailover(cs, CantFailover.WAITING_VOTES);
  }
}

/** clusterRequestFailoverAuth(), preceded by the FAIL re-broadcast explained on top. */
function requestFailoverAuth(cs: ClusterState, master: ClusterNode): void {
  if (failed(master))
    cs.broadcast({ type: MessageType.FAIL, header: cs.buildHeader(), nodeId: master.name });
  const header = cs.buildHeader();
  // A manual failover asks masters to vote although my master is not FAIL.
  if (cs.manualFailover.end !== 0) header.mflags |= MessageFlag.FORCEACK;
  cs.broadcast({ type: MessageType.FAILOVER_AUTH_REQUEST, header });
}

/** FAILOVER_AUTH_ACK: counted if the voter is a master serving slots, for this epoch. */
export function receiveFailoverAuthAck(
  cs: ClusterState,
  sender: ClusterNode,
  senderCurrentEpoch: number,
): void {
  if (isMaster(sender) && sender.numSlots > 0 && senderCurrentEpoch >= cs.election.authEpoch) {
    cs.election.authCount++;
    cs.scheduleHandleFailover();
  }
}

/** clusterBroadcastPong(CLUSTER_BROADCAST_LOCAL_SLAVES): to my master's other replicas. */
function broadcastPongToLocalReplicas(cs: ClusterState): void {
  const master = cs.myself.slaveof;
  if (!master) return;
  for (const s of master.slaves) {
    if (s === cs.myself || !s.link) continue;
    cs.sendPing(s.link, MessageType.PONG);
  }
}

/**
 * clusterFailoverReplaceYourMaster(): become a master, take every slot of the old master, save
 * with fsync before anyone hears of it, then tell everyone.
 */
export function failoverReplaceYourMaster(cs: ClusterState): void {
  const me = cs.myself;
  const old = me.slaveof;
  if (isMaster(me) || old === null) return;
  cs.setNodeAsMaster(me);
  cs.emit({ type: "promote" });
  const ranges = cs.nodeRanges(old).slice();
  for (let i = 0; i < ranges.length; i += 2) {
    for (let j = ranges[i]!; j <= ranges[i + 1]!; j++) {
      cs.delSlot(j);
      cs.addSlot(me, j);
    }
  }
  cs.scheduleUpdateState();
  cs.scheduleSave(true);
  cs.broadcastPong();
  cs.resetManualFailover();
}

// Voting: how a master decides whether a replica may replace its failed master. Mirrors
// clusterSendFailoverAuthIfNeeded() and clusterSendFailoverAuth() in src/cluster_legacy.c
// (Redis 7.0).
//
// There is no negative vote: a request that breaks a rule is logged and left unanswered, and the
// replica's attempt simply expires. The rules, in order: I am a master serving slots; the
// request's epoch is not older than mine (headers were merged first, so mine is at least the
// request's); I have not voted in this epoch; the requester is a replica whose master I know and
// consider FAIL (unless the request carries FORCEACK: a manual failover); I have not voted for a
// replica of that master in the last 2·NT (the vote lock that keeps two replicas of one master
// from both winning in consecutive epochs); and no slot the requester claims belongs to a master
// with a greater configEpoch than the requester's (no votes for a stale configuration). Granting
// records lastVoteEpoch and schedules an fsynced save; the save effect is always first in its
// batch, so the vote is on disk before the ACK leaves.
import { MessageFlag, type MessageHeader, MessageType } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { type ClusterNode, failed, isMaster, isSlave } from "./node.js";

export function sendFailoverAuthIfNeeded(
  cs: ClusterState,
  node: ClusterNode,
  request: MessageHeader,
): void {
  const me = cs.myself;
  if (isSlave(me) || me.numSlots === 0) return;
  const deny = (why: string) => cs.log("warning", `Failover auth denied to ${node.name}: ${why}`);

  if (request.currentEpoch < cs.currentEpoch) {
    deny(`reqEpoch (${request.currentEpoch}) < curEpoch(${cs.currentEpoch})`);
    return;
  }
  if (cs.lastVoteEpoch === cs.currentEpoch) {
    deny(`already voted for epoch ${cs.currentEpoch}`);
    return;
  }
  const master = node.slaveof;
  const forceAck = (request.mflags & MessageFlag.FORCEACK) !== 0;
  if (isMaster(node)) {
    deny("it is a master node");
    return;
  }
  if (master === null) {
    deny("I don't know its master");
    return;
  }
  if (!failed(master) && !forceAck) {
    deny("its master is up");
    return;
  }
  const now = cs.now();
  const lock = cs.nodeTimeout() * 2;
  if (now - master.votedTime < lock) {
    deny(`can't vote about this master before ${lock - (now - master.votedTime)} milliseconds`);
    return;
  }
  const claimed = request.slots;
  for (let i = 0; i < claimed.length; i += 2) {
    for (let j = claimed[i]!; j <= claimed[i + 1]!; j++) {
      const owner = cs.slots[j] ?? null;
      if (owner === null || owner.configEpoch <= request.configEpoch) continue;
      deny(`slot ${j} epoch (${owner.configEpoch}) > reqEpoch (${request.configEpoch})`);
      return;
    }
  }

  cs.lastVoteEpoch = cs.currentEpoch;
  master.votedTime = now;
  cs.scheduleSave(true);
  cs.sendTo(node, { type: MessageType.FAILOVER_AUTH_ACK, header: cs.buildHeader() });
  cs.log("warning", `Failover auth granted to ${node.name} for epoch ${cs.currentEpoch}`);
}

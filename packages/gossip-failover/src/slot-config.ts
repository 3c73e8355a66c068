// Epochs and slot configuration: who owns each slot, and how conflicting claims settle. Mirrors
// clusterGetMaxEpoch(), clusterBumpConfigEpochWithoutConsensus(),
// clusterHandleConfigEpochCollision(), clusterUpdateSlotsConfigWith(), clusterSetMaster(),
// clusterSendUpdate() and the slot and UPDATE parts of clusterProcessPacket() in
// src/cluster_legacy.c (Redis 7.0).
//
// Every master announces its slots with its configEpoch. A claim wins a slot that has no owner
// (rule 1) or whose owner's configEpoch is smaller (rule 2); equal epochs never steal, and a slot
// this node is IMPORTING is left to the operator. A node that hears a claim older than what it
// knows answers with an UPDATE about the rightful owner; an UPDATE is applied like that owner's
// own claim, and ignored unless it carries a greater configEpoch than the one known. Losing my
// last slot to a master makes me its replica (clusterSetMaster; the replication itself is the
// server's), and a replica whose master turned replica follows the new master. Two masters with
// the same configEpoch (an operator's ADDSLOTS, or two failovers at once) resolve it
// deterministically: the one with the smaller node id takes a new epoch.
import {
  type MessageHeader,
  MessageType,
  NodeFlag,
  type UpdateMessage,
} from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { type ClusterLink, type ClusterNode, isMaster, isSlave } from "./node.js";
import { rangesEqual } from "./slots.js";

const NF = { ...NodeFlag };

/** clusterGetMaxEpoch() */
export function maxEpoch(cs: ClusterState): number {
  let max = 0;
  for (const n of cs.nodeList) if (n.configEpoch > max) max = n.configEpoch;
  return Math.max(max, cs.currentEpoch);
}

/** clusterHandleConfigEpochCollision() */
export function handleConfigEpochCollision(cs: ClusterState, sender: ClusterNode): void {
  if (sender.configEpoch !== cs.myself.configEpoch || !isMaster(sender) || !isMaster(cs.myself))
    return;
  // The node with the greater name keeps its epoch.
  if (sender.name <= cs.myself.name) return;
  cs.currentEpoch++;
  cs.myself.configEpoch = cs.currentEpoch;
  cs.scheduleSave(true);
  cs.log(
    "verbose",
    `WARNING: configEpoch collision with node ${sender.name}. configEpoch set to ${cs.myself.configEpoch}`,
  );
}

/** clusterUpdateSlotsConfigWith(): rule 1 (unassigned) and rule 2 (greater configEpoch). */
export function updateSlotsConfigWith(
  cs: ClusterState,
  sender: ClusterNode,
  senderConfigEpoch: number,
  claimed: readonly number[],
): void {
  if (sender === cs.myself) {
    cs.log("notice", "Discarding UPDATE message about myself.");
    return;
  }
  const curmaster = isMaster(cs.myself) ? cs.myself : cs.myself.slaveof;
  let newmaster: ClusterNode | null = null;
  let migratedOurSlots = 0;
  let senderSlots = 0;
  const dirty: number[] = [];
  for (let i = 0; i < claimed.length; i += 2) {
    for (let j = claimed[i]!; j <= claimed[i + 1]!; j++) {
      senderSlots++;
      const owner = cs.slots[j] ?? null;
      if (owner === sender) continue;
      // A slot being imported is finished by the operator, not by gossip.
      if (cs.importingSlotsFrom.has(j)) continue;
      if (owner === null || owner.configEpoch < senderConfigEpoch) {
        if (owner === cs.myself && sender !== cs.myself) dirty.push(j);
        if (owner === curmaster) {
          newmaster = sender;
          migratedOurSlots++;
        }
        cs.delSlot(j);
        cs.addSlot(sender, j);
        cs.scheduleSave(true);
        cs.scheduleUpdateState();
      }
    }
  }
  if (
    newmaster &&
    curmaster &&
    curmaster.numSlots === 0 &&
    (cs.config.allowReplicaMigration || senderSlots === migratedOurSlots)
  ) {
    cs.log(
      "warning",
      `Configuration change detected. Reconfiguring myself as a replica of ${sender.name}`,
    );
    setMyselfAsReplicaOf(cs, sender);
    cs.scheduleSave(true);
    cs.scheduleUpdateState();
  } else if (
    isSlave(cs.myself) &&
    cs.myself.slaveof?.slaveof &&
    // After a TAKEOVER I may be a replica of a replica of myself: leave that to the operator.
    cs.myself.slaveof.slaveof !== cs.myself
  ) {
    // A replica's master became a replica when its last slot went: follow the grandmaster.
    const grand = cs.myself.slaveof.slaveof;
    cs.log(
      "warning",
      `I'm a sub-replica! Reconfiguring myself as a replica of grandmaster ${grand.name}`,
    );
    setMyselfAsReplicaOf(cs, grand);
    cs.scheduleSave(true);
    cs.scheduleUpdateState();
  } else if (dirty.length) {
    cs.emit({ type: "deleteKeysInSlots", slots: dirty });
  }
}

/** clusterSetMaster(): become a replica of n (replication itself is the server's job). */
export function setMyselfAsReplicaOf(cs: ClusterState, n: ClusterNode): void {
  const m = cs.myself;
  if (isMaster(m)) {
    m.flags &= ~(NF.MASTER | NF.MIGRATE_TO);
    m.flags |= NF.SLAVE;
    cs.delNodeSlots(m);
    // clusterCloseAllSlots()
    cs.migratingSlotsTo.clear();
    cs.importingSlotsFrom.clear();
  } else if (m.slaveof) {
    m.slaveof.slaves = m.slaveof.slaves.filter((s) => s !== m);
  }
  m.slaveof = n;
  cs.addSlave(n, m);
  if (n.shardId) m.shardId = n.shardId;
  cs.emit({ type: "replicate", master: n.name, host: n.ip, port: n.port });
  cs.resetManualFailover();
  // Valkey #782: an election timer about the old master must not delay one about the new.
  cs.election.authTime = 0;
}

/** clusterBumpConfigEpochWithoutConsensus() */
export function bumpConfigEpochWithoutConsensus(cs: ClusterState): boolean {
  const max = maxEpoch(cs);
  if (cs.myself.configEpoch === 0 || cs.myself.configEpoch !== max) {
    cs.currentEpoch++;
    cs.myself.configEpoch = cs.currentEpoch;
    cs.scheduleSave(true);
    cs.log("notice", `New configEpoch set to ${cs.myself.configEpoch}`);
    return true;
  }
  return false;
}

/** The slots in a PING/PONG/MEET header (known sender): apply the claim, correct a stale one. */
export function processSenderSlots(
  cs: ClusterState,
  sender: ClusterNode,
  hdr: MessageHeader,
): void {
  const senderMaster = isMaster(sender) ? sender : sender.slaveof;
  const dirtySlots = senderMaster ? !rangesEqual(cs.nodeRanges(senderMaster), hdr.slots) : false;
  if (isMaster(sender) && dirtySlots) updateSlotsConfigWith(cs, sender, hdr.configEpoch, hdr.slots);
  if (dirtySlots) {
    // The sender claims slots we know belong to a master with a greater configEpoch.
    outer: for (let i = 0; i < hdr.slots.length; i += 2) {
      for (let j = hdr.slots[i]!; j <= hdr.slots[i + 1]!; j++) {
        const owner = cs.slots[j] ?? null;
        if (!owner || owner === sender) continue;
        if (owner.configEpoch > hdr.configEpoch) {
          cs.log(
            "verbose",
            `Node ${sender.name} has old slots configuration, sending an UPDATE message about ${owner.name}`,
          );
          sendUpdate(cs, sender.link, owner);
          break outer;
        }
      }
    }
  }
}

/** clusterSendUpdate() */
export function sendUpdate(cs: ClusterState, link: ClusterLink | null, n: ClusterNode): void {
  if (!link) return;
  const msg: UpdateMessage = {
    type: MessageType.UPDATE,
    header: cs.buildHeader(),
    configEpoch: n.configEpoch,
    nodeId: n.name,
    slots: cs.nodeRanges(n),
  };
  cs.send(link, msg);
}

/** UPDATE from a known node: the named node's configuration, if newer than the one I know. */
export function receiveUpdate(cs: ClusterState, msg: UpdateMessage): void {
  const n = cs.nodes.get(msg.nodeId);
  if (!n) return;
  if (n.configEpoch >= msg.configEpoch) return;
  if (isSlave(n)) cs.setNodeAsMaster(n);
  n.configEpoch = msg.configEpoch;
  cs.scheduleSave(true);
  updateSlotsConfigWith(cs, n, msg.configEpoch, msg.slots);
}

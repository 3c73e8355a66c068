// Replica migration: a master left without working replicas (an orphan) gets one from the master
// that has the most. Mirrors the orphan bookkeeping of clusterCron(),
// clusterCountNonFailingSlaves() and clusterHandleSlaveMigration() in src/cluster_legacy.c
// (Redis 7.0).
//
// Only masters that were meant to have replicas count as orphans (the MIGRATE_TO flag: they had
// one, or took over from a master that had). Among the replicas of the masters with the most
// working replicas, the one with the smallest node id moves, provided its own master keeps more
// than cluster-migration-barrier working replicas, the cluster is ok, and the orphan has been
// orphaned for 5 s (time for its own replicas to announce a failover). No agreement is sought:
// two replicas may move at once in a race, which is harmless and rebalances later.
import { NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { type ClusterNode, failed, isMaster, isSlave, timedOut } from "./node.js";

/** CLUSTER_SLAVE_MIGRATION_DELAY */
export const REPLICA_MIGRATION_DELAY = 5000;

/** clusterCountNonFailingSlaves() */
export function countNonFailingReplicas(n: ClusterNode): number {
  let ok = 0;
  for (const s of n.slaves) if (!failed(s)) ok++;
  return ok;
}

/** What clusterCron() counts before deciding whether to consider a migration. */
export interface OrphanCensus {
  orphanedMasters: number;
  maxReplicas: number;
  myMasterReplicas: number;
}

export function orphanCensus(cs: ClusterState): OrphanCensus {
  const census = { orphanedMasters: 0, maxReplicas: 0, myMasterReplicas: 0 };
  const me = cs.myself;
  if (!isSlave(me)) return census;
  for (const n of cs.nodeList) {
    if (n.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR | NodeFlag.HANDSHAKE)) continue;
    if (!isMaster(n) || failed(n)) continue;
    const ok = countNonFailingReplicas(n);
    if (ok === 0 && n.numSlots > 0 && n.flags & NodeFlag.MIGRATE_TO) census.orphanedMasters++;
    if (ok > census.maxReplicas) census.maxReplicas = ok;
    if (me.slaveof === n) census.myMasterReplicas = ok;
  }
  return census;
}

/** The cron step: a replica among the best-supplied masters considers moving. */
export function maybeMigrateReplica(cs: ClusterState): void {
  const census = orphanCensus(cs);
  if (
    census.orphanedMasters > 0 &&
    census.maxReplicas >= 2 &&
    census.myMasterReplicas === census.maxReplicas &&
    cs.config.allowReplicaMigration
  )
    handleReplicaMigration(cs, census.maxReplicas);
}

/** clusterHandleSlaveMigration() */
export function handleReplicaMigration(cs: ClusterState, maxReplicas: number): void {
  if (cs.state !== "ok") return;
  const me = cs.myself;
  const myMaster = me.slaveof;
  if (myMaster === null) return;
  let okReplicas = 0;
  for (const s of myMaster.slaves) if (!failed(s) && !timedOut(s)) okReplicas++;
  if (okReplicas <= cs.config.migrationBarrier) return;

  const now = cs.now();
  let target: ClusterNode | null = null;
  let candidate: ClusterNode = me;
  for (const n of cs.nodeList) {
    let ok = 0;
    let orphaned = !(isSlave(n) || failed(n)) && (n.flags & NodeFlag.MIGRATE_TO) !== 0;
    if (isMaster(n)) ok = countNonFailingReplicas(n);
    if (ok > 0) orphaned = false;
    if (orphaned) {
      if (target === null && n.numSlots > 0) target = n;
      if (n.orphanedTime === 0) n.orphanedTime = now;
    } else {
      n.orphanedTime = 0;
    }
    if (ok === maxReplicas) for (const s of n.slaves) if (s.name < candidate.name) candidate = s;
  }
  if (target && candidate === me && now - target.orphanedTime > REPLICA_MIGRATION_DELAY) {
    cs.log("warning", `Migrating to orphaned master ${target.name}`);
    cs.setMyselfAsReplicaOf(target);
    cs.scheduleSave(true);
    cs.scheduleUpdateState();
  }
}

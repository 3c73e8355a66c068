// Safety checks on elections, run after every batch of effects a node applies:
// - at most one election winner per epoch: each `promote` effect is recorded with the winner's
//   configEpoch right after it (the election epoch, §5.8); a second node winning the same epoch
//   is a violation;
// - a promoted node is a master with slots in its own view;
// - a replica configured with cluster-replica-no-failover never wins an automatic election;
// - no two masters (alive, paused ones included: they serve again when resumed) claim one slot
//   with the same configEpoch in their own views — checked for the node whose batch saved its
//   config (every slot or epoch change saves), on top of Simulation.checkGlobalInvariants().
import { NodeFlag } from "@shoal/cluster-bus";
import type { Effect } from "@shoal/gossip-failover";
import type { SimNode, SimObserver, Simulation } from "./sim.js";

export interface Promotion {
  node: SimNode;
  /** configEpoch right after the promotion. */
  epoch: number;
  currentEpoch: number;
  at: number;
  /** The master it replicated before (its view), if known. */
  formerMaster: string | null;
}

export class SafetyMonitor implements SimObserver {
  readonly promotions: Promotion[] = [];
  private readonly winners = new Map<number, Promotion>();
  /** Last master each replica followed, by node index. */
  private readonly lastMaster = new Map<number, string>();
  /** Nodes told to run CLUSTER FAILOVER (manual failovers may promote a nofailover replica). */
  readonly manualFailoverAt = new Map<number, number>();
  /** Called on every promotion (the liveness watch listens). */
  onPromote: ((p: Promotion) => void) | null = null;

  constructor(readonly sim: Simulation) {
    for (const n of sim.nodes) this.remember(n);
  }

  private remember(node: SimNode): void {
    const me = node.state.myself;
    if ((me.flags & NodeFlag.SLAVE) !== 0 && me.slaveof)
      this.lastMaster.set(node.index, me.slaveof.name);
  }

  afterBatch(node: SimNode, effects: readonly Effect[]): void {
    let saved = false;
    for (const e of effects) {
      if (e.type === "saveConfig") saved = true;
      else if (e.type === "promote") this.promoted(node);
    }
    this.remember(node);
    if (saved) this.checkClaims(node);
  }

  private promoted(node: SimNode): void {
    const s = node.state;
    const me = s.myself;
    const p: Promotion = {
      node,
      epoch: me.configEpoch,
      currentEpoch: s.currentEpoch,
      at: this.sim.now,
      formerMaster: this.lastMaster.get(node.index) ?? null,
    };
    this.promotions.push(p);
    const prev = this.winners.get(p.epoch);
    if (prev && prev.node !== node)
      this.sim.violation(
        `two election winners for epoch ${p.epoch}: n${prev.node.index} at ${prev.at} and n${node.index} at ${p.at}`,
      );
    else if (!prev) this.winners.set(p.epoch, p);
    if ((me.flags & NodeFlag.MASTER) === 0 || me.numSlots === 0)
      this.sim.violation(
        `n${node.index} emitted promote but is not a master with slots in its own view (flags ${me.flags}, ${me.numSlots} slots)`,
      );
    if (s.config.replicaNoFailover && !this.manualFailoverAt.has(node.index))
      this.sim.violation(
        `n${node.index} has cluster-replica-no-failover yet won an automatic election (epoch ${p.epoch})`,
      );
    this.onPromote?.(p);
  }

  /** No other master claims one of this node's slots with the same configEpoch. */
  private checkClaims(node: SimNode): void {
    if (!node.alive) return;
    const me = node.state.myself;
    if ((me.flags & NodeFlag.MASTER) === 0 || me.numSlots === 0) return;
    const mine = node.state.slots;
    for (const other of this.sim.nodes) {
      if (other === node || !other.alive) continue;
      const om = other.state.myself;
      if ((om.flags & NodeFlag.MASTER) === 0 || om.configEpoch !== me.configEpoch) continue;
      if (om.numSlots === 0) continue;
      const theirs = other.state.slots;
      for (let i = 0; i < mine.length; i++) {
        if (mine[i] === me && theirs[i] === om) {
          this.sim.violation(
            `slot ${i} claimed by n${node.index} and n${other.index} with the same configEpoch ${me.configEpoch} at ${this.sim.now}`,
          );
          return;
        }
      }
    }
  }
}

// Liveness of failover: when a master that serves slots goes away (killed, SIGSTOPped, or cut off
// from the majority) while at least one of its replicas is healthy — running, on the majority
// side, not cluster-replica-no-failover, its replication link up until the fault (fresh data) —
// an obligation opens: within the bound (default NT·2 + 5 s) one of its replicas must win an
// election (`promote`) and every running node of the majority side must be ok with all of the old
// master's slots owned by another node. Any further fault before that waives the obligation (the
// preconditions no longer hold); the scenarios that measure failover inject nothing else while
// one is open, so their obligations are never waived and a miss there is a failure.
import { NodeFlag } from "@shoal/cluster-bus";
import type { Promotion } from "./safety.js";
import { SIM_EPOCH_MS } from "./scheduler.js";
import type { SimNode, Simulation } from "./sim.js";

export type Cause = "kill" | "pause" | "isolate";

export interface Obligation {
  master: SimNode;
  masterName: string;
  cause: Cause;
  /** Slot ranges the master served ([first, last, ...]). */
  ranges: number[];
  createdAt: number;
  /** Healthy replicas at the fault. */
  candidates: SimNode[];
  /** Running nodes on the majority side at the fault. */
  majority: SimNode[];
  promotedAt: number | null;
  promotedBy: SimNode | null;
  okAt: number | null;
  status: "open" | "met" | "missed" | "waived";
  waivedBy?: string;
}

/** Why a master's loss opened no obligation (for the report: checks must not pass vacuously). */
export type NoObligation =
  | "not-a-master"
  | "no-majority"
  | "no-healthy-replica"
  | "degraded-network";

export class FailoverWatch {
  readonly obligations: Obligation[] = [];
  readonly skipped: Record<NoObligation, number> = {
    "not-a-master": 0,
    "no-majority": 0,
    "no-healthy-replica": 0,
    "degraded-network": 0,
  };
  /** A lossy or slow phase is on: failovers may legitimately take longer, open none. */
  degraded = false;

  constructor(
    readonly sim: Simulation,
    /** Virtual ms allowed from the fault to ok everywhere on the majority side. */
    readonly bound: number,
  ) {}

  get open(): Obligation[] {
    return this.obligations.filter((o) => o.status === "open");
  }

  /** Another fault happened: open obligations no longer have their preconditions. */
  waiveOpen(reason: string): void {
    for (const o of this.open) {
      o.status = "waived";
      o.waivedBy = reason;
    }
  }

  /**
   * The master `m` just became unavailable to the majority. `components` are the groups of nodes
   * that can talk to each other now (one group when the network is whole).
   */
  masterLost(m: SimNode, cause: Cause, components: SimNode[][]): Obligation | null {
    const me = m.state.myself;
    if ((me.flags & NodeFlag.MASTER) === 0 || me.numSlots === 0) {
      this.skipped["not-a-master"]++;
      return null;
    }
    if (this.degraded) {
      this.skipped["degraded-network"]++;
      return null;
    }
    // Masters serving slots, as the cluster counts them for the quorum (m included).
    const voters = this.sim.nodes.filter(
      (n) =>
        n.alive && (n.state.myself.flags & NodeFlag.MASTER) !== 0 && n.state.myself.numSlots > 0,
    );
    const quorum = Math.floor(voters.length / 2) + 1;
    const majority = components.find(
      (c) => c.filter((n) => n !== m && n.running && voters.includes(n)).length >= quorum,
    );
    if (!majority) {
      this.skipped["no-majority"]++;
      return null;
    }
    // Still on the majority side (a partition that left it there): nothing to fail over.
    if (majority.includes(m) && m.running) return null;
    const running = majority.filter((n) => n.running && n !== m);
    const candidates = running.filter((r) => {
      const rm = r.state.myself;
      if ((rm.flags & NodeFlag.SLAVE) === 0 || rm.slaveof?.name !== me.name) return false;
      if (r.state.config.replicaNoFailover) return false;
      const repl = r.repl;
      // Fresh: the link was up at the last replication pump before the fault.
      return repl !== null && repl.lastInteraction >= this.sim.now - 50;
    });
    if (candidates.length === 0) {
      this.skipped["no-healthy-replica"]++;
      return null;
    }
    const o: Obligation = {
      master: m,
      masterName: me.name,
      cause,
      ranges: m.state.nodeRanges(me),
      createdAt: this.sim.now,
      candidates,
      majority: running,
      promotedAt: null,
      promotedBy: null,
      okAt: null,
      status: "open",
    };
    this.obligations.push(o);
    return o;
  }

  onPromote(p: Promotion): void {
    for (const o of this.open)
      if (o.promotedAt === null && p.formerMaster === o.masterName) {
        o.promotedAt = p.at;
        o.promotedBy = p.node;
      }
  }

  /** After every step: resolve what can be resolved. */
  check(): void {
    const now = this.sim.now;
    for (const o of this.open) {
      if (o.okAt === null && o.promotedAt !== null && this.replacedEverywhere(o)) o.okAt = now;
      if (o.okAt !== null && o.promotedAt !== null) o.status = "met";
      else if (now - o.createdAt > this.bound) o.status = "missed";
    }
  }

  private replacedEverywhere(o: Obligation): boolean {
    for (const n of o.majority) {
      if (!n.running) return false;
      const s = n.state;
      if (s.state !== "ok") return false;
      for (let i = 0; i < o.ranges.length; i += 2)
        for (let slot = o.ranges[i]!; slot <= o.ranges[i + 1]!; slot++) {
          const owner = s.slots[slot];
          if (!owner || owner.name === o.masterName) return false;
        }
    }
    return true;
  }

  /** One line about an obligation, for failure reports. */
  describe(o: Obligation): string {
    const t = (x: number | null) => (x === null ? "never" : `${Math.round(x - o.createdAt)} ms`);
    return `${o.cause} of master n${o.master.index} at t=${Math.round(o.createdAt - SIM_EPOCH_MS)} ms (healthy replicas ${o.candidates.map((c) => `n${c.index}`).join(",")}): promotion ${t(o.promotedAt)}${o.promotedBy ? ` by n${o.promotedBy.index}` : ""}, ok everywhere ${t(o.okAt)}, ${o.status}${o.waivedBy ? ` (${o.waivedBy})` : ""}`;
  }
}

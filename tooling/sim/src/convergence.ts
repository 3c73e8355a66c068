// What "the cluster has settled" means once replicas exist: every running node is ok, knows every
// node, nobody is flagged PFAIL/FAIL, and all views agree on roles (who is a master, who follows
// whom), masters' config epochs, and which node owns each slot. (Simulation.converged() compares
// whole views, which differ legitimately for replicas: a replica's own configEpoch is 0 while its
// peers store the one its headers carry, its master's.)
import { NodeFlag } from "@shoal/cluster-bus";
import type { SimNode, Simulation } from "./sim.js";

const PFAIL_OR_FAIL = NodeFlag.PFAIL | NodeFlag.FAIL;

/** Roles, masters' epochs and slot ranges as one node sees them. */
export function roleSignature(node: SimNode): string {
  const s = node.state;
  const rows: string[] = [];
  for (const n of s.nodes.values()) {
    if ((n.flags & NodeFlag.MASTER) !== 0)
      rows.push(`${n.name} M ${n.configEpoch} ${s.nodeRanges(n).join(",")}`);
    else rows.push(`${n.name} S ${n.slaveof?.name ?? "-"}`);
  }
  rows.sort();
  return rows.join("\n");
}

export function settled(sim: Simulation): boolean {
  const live = sim.nodes.filter((n) => n.alive);
  let sig: string | null = null;
  for (const n of live) {
    if (n.paused) return false;
    const s = n.state;
    if (s.state !== "ok" || s.nodes.size !== live.length) return false;
    for (const x of s.nodes.values()) if ((x.flags & PFAIL_OR_FAIL) !== 0) return false;
    const v = roleSignature(n);
    if (sig === null) sig = v;
    else if (v !== sig) return false;
  }
  return true;
}

/**
 * Every slot has an owner, the same one in every given node's view, and that owner (alive)
 * claims the slot itself as a master. Returns null when so, else what is wrong first.
 */
export function slotDisagreement(sim: Simulation, nodes: readonly SimNode[]): string | null {
  const ref = nodes[0];
  if (!ref) return null;
  const refSlots = ref.state.slots;
  for (const n of nodes) {
    const slots = n.state.slots;
    for (let i = 0; i < slots.length; i++) {
      const o = slots[i];
      if (!o) return `n${n.index} has no owner for slot ${i}`;
      if (n !== ref && o.name !== refSlots[i]!.name)
        return `slot ${i}: n${ref.index} says ${refSlots[i]!.name.slice(0, 8)}, n${n.index} says ${o.name.slice(0, 8)}`;
    }
  }
  const byName = new Map(sim.nodes.map((n) => [n.id, n]));
  let last = "";
  for (let i = 0; i < refSlots.length; i++) {
    const name = refSlots[i]!.name;
    const owner = byName.get(name);
    if (!owner?.alive) return `owner ${name.slice(0, 8)} of slot ${i} is not alive`;
    if (name !== last && (owner.state.myself.flags & NodeFlag.MASTER) === 0)
      return `owner n${owner.index} of slot ${i} is not a master in its own view`;
    last = name;
    if (owner.state.slots[i] !== owner.state.myself)
      return `slot ${i}: owner n${owner.index} does not claim it in its own view`;
  }
  return null;
}

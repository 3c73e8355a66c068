// A cluster with replicas, formed the way `redis-cli --cluster create --cluster-replicas N` does
// it: masters get even slot ranges and distinct config epochs, everyone MEETs node 0, and once a
// replica knows its master it runs CLUSTER REPLICATE. Runs until every view agrees, every node is
// ok and every replica's replication link is up. Formation happens on a quiet network (delays
// only); the schedules inject their faults afterwards.
import type { ClusterConfig } from "@shoal/gossip-failover";
import { settled } from "./convergence.js";
import { fork, randInt } from "./prng.js";
import { allocateSlots } from "./scenarios.js";
import { type NetworkFaults, type SimNode, Simulation } from "./sim.js";

export interface LayoutOptions {
  seed: number;
  masters: number;
  /** Replicas of each master (one entry per master), e.g. [1, 1, 2]. */
  replicas: number[];
  nodeTimeout: number;
  /** Config overrides per node (e.g. replicaNoFailover); `ordinal` numbers a master's replicas. */
  configFor?: (role: "master" | "replica", ordinal: number) => Partial<ClusterConfig>;
  /** Network while forming (default: delays 0.1–3 ms, no losses). */
  faults?: Partial<NetworkFaults>;
  /** Virtual ms allowed for formation. */
  bound?: number;
  /** Keep every node's log lines (replays). */
  keepLogs?: boolean;
}

export interface Layout {
  sim: Simulation;
  masters: SimNode[];
  /** Replicas by master index. */
  replicasOf: SimNode[][];
  /** Virtual ms the formation took. */
  formedAfter: number;
}

export class LayoutError extends Error {
  override readonly name = "LayoutError";
}

export function formReplicatedCluster(opts: LayoutOptions): Layout {
  const nodeCount = opts.masters + opts.replicas.reduce((a, b) => a + b, 0);
  const sim = new Simulation({
    seed: opts.seed,
    nodeTimeout: opts.nodeTimeout,
    ...(opts.faults ? { faults: opts.faults } : {}),
    // Exact nodes.conf on disk at a kill, where rendering it at every save stays cheap.
    exactSaves: nodeCount <= 40,
    ...(opts.keepLogs ? { keepLogs: true } : {}),
  });
  sim.enableReplication();
  const rng = fork(sim.rng);
  const masters: SimNode[] = [];
  const replicasOf: SimNode[][] = [];
  for (let i = 0; i < opts.masters; i++) masters.push(sim.addNode(opts.configFor?.("master", i)));
  for (let i = 0; i < opts.masters; i++) {
    const list: SimNode[] = [];
    for (let j = 0; j < opts.replicas[i]!; j++)
      list.push(sim.addNode(opts.configFor?.("replica", j)));
    replicasOf.push(list);
  }
  const slots = allocateSlots(opts.masters);
  masters.forEach((m, i) => {
    const [a, b] = slots[i]!;
    expectOk(m.command("addslotsrange", String(a), String(b)), "ADDSLOTSRANGE");
    expectOk(m.command("set-config-epoch", String(i + 1)), "SET-CONFIG-EPOCH");
  });
  const start = sim.now;
  const first = sim.nodes[0]!;
  for (const node of sim.nodes.slice(1))
    sim.scheduler.schedule(randInt(rng, 0, 50), () =>
      expectOk(node.command("meet", first.ip, String(first.port)), "MEET"),
    );
  const bound = opts.bound ?? 120_000;
  const pending = new Set<SimNode>(replicasOf.flat());
  const masterOf = new Map<SimNode, SimNode>();
  replicasOf.forEach((list, i) => {
    for (const r of list) masterOf.set(r, masters[i]!);
  });
  const step = nodeCount > 60 ? 250 : 100;
  for (;;) {
    sim.runFor(step);
    sim.assertNoViolations();
    sim.checkGlobalInvariants();
    for (const r of [...pending]) {
      const m = masterOf.get(r)!;
      const known = r.state.nodes.get(m.id);
      if (known && known.ip !== "" && (known.flags & 32) === 0) {
        expectOk(r.command("replicate", m.id), "REPLICATE");
        pending.delete(r);
      }
    }
    if (pending.size === 0 && settled(sim) && replicasLinked(sim)) break;
    if (sim.now - start > bound) {
      if (process.env.SHOAL_SIM_DEBUG) console.log(describeNodes(sim));
      throw new LayoutError(
        `seed ${opts.seed}: ${opts.masters} masters + ${nodeCount - opts.masters} replicas not formed within ${bound} virtual ms`,
      );
    }
  }
  return { sim, masters, replicasOf, formedAfter: sim.now - start };
}

/** One line per node: role, state, replication, and its view of every node (for failure reports). */
export function describeNodes(sim: Simulation): string {
  return sim.nodes
    .map((n) => {
      const s = n.state;
      const me = s.myself;
      const role = !n.alive
        ? "dead"
        : n.paused
          ? "paused"
          : (me.flags & 1) !== 0
            ? "master"
            : "replica";
      const view = [...s.nodes.values()]
        .map(
          (x) =>
            `${x.name.slice(0, 6)}:${x.flags}:e${x.configEpoch}:${s.nodeRanges(x).length / 2}r`,
        )
        .join(" ");
      return `n${n.index} ${n.id.slice(0, 6)} ${role} ${s.state} cur=${s.currentEpoch} cfg=${me.configEpoch} of=${me.slaveof?.name.slice(0, 6) ?? "-"} off=${n.repl?.offset ?? 0} link=${n.repl?.linkUp ? "up" : "down"} | ${view}`;
    })
    .join("\n");
}

function replicasLinked(sim: Simulation): boolean {
  for (const n of sim.nodes) {
    if ((n.state.myself.flags & 2) !== 0 && !n.repl?.linkUp) return false;
  }
  return true;
}

function expectOk(reply: { type: string }, what: string): void {
  if (reply.type !== "ok") throw new LayoutError(`${what} replied ${JSON.stringify(reply)}`);
}

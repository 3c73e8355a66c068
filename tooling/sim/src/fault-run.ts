// One schedule being run: a formed cluster with replicas, the safety monitor and the failover
// watch attached, and the faults a schedule injects (kill, restart, pause, resume, partitions of
// arbitrary groups, heal, lossy or slow network phases, manual failovers). Time advances in steps;
// after every step the invariants are checked. Every fault is logged (for failure reports) and
// mixed into the trace hash (for exact replays). A violation throws SimFailure naming the
// scenario, the seed and the replay command.
import { NodeFlag } from "@shoal/cluster-bus";
import { slotDisagreement } from "./convergence.js";
import { describeNodes, type Layout } from "./layout.js";
import { type Cause, FailoverWatch, type Obligation } from "./liveness.js";
import { fork, type Random } from "./prng.js";
import { SafetyMonitor } from "./safety.js";
import { SIM_EPOCH_MS } from "./scheduler.js";
import type { NetworkFaults, SimNode, Simulation } from "./sim.js";

export class SimFailure extends Error {
  override readonly name = "SimFailure";
  constructor(
    readonly scenario: string,
    readonly seed: number,
    readonly why: string,
    detail: string,
    /** The simulation as it stood (logs, views) when the check failed. */
    readonly sim?: Simulation,
  ) {
    super(`${scenario}:${seed}: ${why}\n${replayHint(scenario, seed)}\n${detail}`);
  }
}

export function replayHint(scenario: string, seed: number): string {
  return (
    `  replay: SHOAL_SIM_REPLAY=${scenario}:${seed} npx pnpm exec vitest run tooling/sim -t replay\n` +
    `      or: pnpm --filter @shoal/sim sim:replay ${scenario}:${seed}`
  );
}

export const OP_CODES: Record<string, number> = {
  kill: 1,
  restart: 2,
  pause: 3,
  resume: 4,
  partition: 5,
  heal: 6,
  lossy: 7,
  slow: 8,
  calm: 9,
  failover: 10,
};

export class FaultRun {
  readonly sim: Simulation;
  readonly safety: SafetyMonitor;
  readonly watch: FailoverWatch;
  readonly rng: Random;
  /** Faults injected so far, with their virtual times. */
  readonly ops: string[] = [];
  /** Network settings outside lossy/slow phases. */
  readonly background: NetworkFaults;
  private groups: SimNode[][] | null = null;
  /** Virtual ms between invariant checks. */
  readonly step: number;
  readonly nodeTimeout: number;

  constructor(
    readonly scenario: string,
    readonly seed: number,
    readonly layout: Layout,
    opts: { background?: Partial<NetworkFaults>; bound?: number } = {},
  ) {
    const sim = layout.sim;
    this.sim = sim;
    this.rng = fork(sim.rng);
    this.nodeTimeout = sim.nodes[0]!.state.config.nodeTimeout;
    Object.assign(sim.faults, opts.background ?? {});
    this.background = { ...sim.faults };
    this.safety = new SafetyMonitor(sim);
    this.watch = new FailoverWatch(sim, opts.bound ?? this.nodeTimeout * 2 + 5000);
    this.safety.onPromote = (p) => this.watch.onPromote(p);
    sim.observer = this.safety;
    this.step = sim.nodes.length > 60 ? 250 : 100;
  }

  get t(): number {
    return this.sim.now - SIM_EPOCH_MS;
  }

  fail(why: string): never {
    const open = this.watch.obligations.map((o) => `  ${this.watch.describe(o)}`).join("\n");
    const tail = this.ops.slice(-25).join("\n  ");
    throw new SimFailure(
      this.scenario,
      this.seed,
      `${why} (t=${Math.round(this.t)} ms, trace ${this.sim.trace.hex})`,
      `  faults (last 25):\n  ${tail}\n  failovers:\n${open || "  none"}\n  nodes:\n${describeNodes(this.sim)}`,
      this.sim,
    );
  }

  /** Runs `ms` of virtual time, checking the invariants after every step. */
  advance(ms: number): void {
    const end = this.sim.now + ms;
    while (this.sim.now < end) {
      this.sim.runFor(Math.min(this.step, end - this.sim.now));
      this.checkStep();
    }
  }

  checkStep(): void {
    const sim = this.sim;
    if (sim.violations.length) this.fail(sim.violations[0]!);
    try {
      sim.checkGlobalInvariants();
    } catch (err) {
      this.fail((err as Error).message);
    }
    this.watch.check();
  }

  private log(op: string, detail: string): void {
    this.ops.push(`t=${Math.round(this.t)} ${op} ${detail}`);
    const tr = this.sim.trace;
    tr.mix(OP_CODES[op] ?? 0);
    tr.mixString(detail);
  }

  /** Groups of nodes that can talk to each other now. */
  components(): SimNode[][] {
    const all = this.sim.nodes;
    if (!this.groups) return [all.slice()];
    const listed = new Set(this.groups.flat());
    // Nodes left out of every group reach everyone: they join each group.
    const free = all.filter((n) => !listed.has(n));
    return this.groups.map((g) => [...g, ...free]);
  }

  private lost(node: SimNode, cause: Cause): Obligation | null {
    return this.watch.masterLost(node, cause, this.components());
  }

  isMaster(n: SimNode): boolean {
    const me = n.state.myself;
    return (me.flags & NodeFlag.MASTER) !== 0 && me.numSlots > 0;
  }

  kill(node: SimNode): Obligation | null {
    this.watch.waiveOpen(`kill n${node.index}`);
    this.log("kill", `n${node.index}${this.isMaster(node) ? " (master)" : ""}`);
    const wasMaster = node.running && this.isMaster(node);
    this.sim.kill(node);
    return wasMaster ? this.lost(node, "kill") : null;
  }

  restart(node: SimNode): void {
    this.watch.waiveOpen(`restart n${node.index}`);
    this.log("restart", `n${node.index}`);
    this.sim.restart(node);
  }

  pause(node: SimNode): Obligation | null {
    this.watch.waiveOpen(`pause n${node.index}`);
    this.log("pause", `n${node.index}${this.isMaster(node) ? " (master)" : ""}`);
    const wasMaster = node.running && this.isMaster(node);
    this.sim.pause(node);
    return wasMaster ? this.lost(node, "pause") : null;
  }

  resume(node: SimNode): void {
    this.watch.waiveOpen(`resume n${node.index}`);
    this.log("resume", `n${node.index}`);
    this.sim.resume(node);
  }

  /** Splits the network into these groups (every node in exactly one). */
  partition(groups: SimNode[][]): Obligation[] {
    this.watch.waiveOpen("partition");
    this.log("partition", groups.map((g) => g.map((n) => `n${n.index}`).join(",")).join(" | "));
    this.groups = groups;
    this.sim.partition(groups.map((g) => g.map((n) => n.index)));
    // Masters now outside the majority side are lost to it.
    const out: Obligation[] = [];
    const comps = this.components();
    for (const m of this.sim.nodes) {
      if (!m.running || !this.isMaster(m)) continue;
      const o = this.watch.masterLost(m, "isolate", comps);
      if (o) out.push(o);
    }
    return out;
  }

  heal(): void {
    this.watch.waiveOpen("heal");
    this.log("heal", "");
    this.groups = null;
    this.sim.heal();
  }

  /** A phase where messages are lost (link resets, silent drops). */
  lossy(resetProbability: number, dropProbability: number): void {
    this.watch.waiveOpen("lossy network");
    this.log("lossy", `reset=${resetProbability} drop=${dropProbability}`);
    Object.assign(this.sim.faults, { resetProbability, dropProbability });
    this.watch.degraded = true;
  }

  /** A phase of long delays. */
  slow(maxDelay: number): void {
    this.watch.waiveOpen("slow network");
    this.log("slow", `maxDelay=${maxDelay}`);
    this.sim.faults.maxDelay = maxDelay;
    this.watch.degraded = true;
  }

  /** Back to the background network. */
  calm(): void {
    this.log("calm", "");
    Object.assign(this.sim.faults, this.background);
    this.watch.degraded = false;
  }

  /** CLUSTER FAILOVER [FORCE] on a replica. */
  manualFailover(node: SimNode, mode: "" | "force"): void {
    this.watch.waiveOpen(`manual failover n${node.index}`);
    this.log("failover", `n${node.index} ${mode}`);
    this.safety.manualFailoverAt.set(node.index, this.sim.now);
    if (node.running) {
      const reply = mode ? node.command("failover", mode) : node.command("failover");
      this.ops.push(`  -> ${JSON.stringify(reply)}`);
    }
  }

  /** Advances until no obligation is open (each resolves by its bound). */
  awaitFailovers(): void {
    while (this.watch.open.length > 0) this.advance(this.step);
  }

  /**
   * Everything back: network healed and calm, paused nodes resumed, dead ones restarted. Then
   * every slot must converge to one owner in every node's view, every node ok, within `bound`.
   * Returns the virtual ms it took.
   */
  healAllAndConverge(bound: number): number {
    if (this.groups) this.heal();
    this.calm();
    for (const n of this.sim.nodes) if (n.paused) this.resume(n);
    for (const n of this.sim.nodes) if (!n.alive) this.restart(n);
    const start = this.sim.now;
    for (;;) {
      this.advance(this.step);
      const live = this.sim.nodes;
      if (live.every((n) => n.state.state === "ok") && slotDisagreement(this.sim, live) === null)
        return this.sim.now - start;
      if (this.sim.now - start > bound)
        this.fail(
          `no convergence within ${bound} ms after healing: ${slotDisagreement(this.sim, live) ?? `not ok: ${live.filter((n) => n.state.state !== "ok").map((n) => `n${n.index}`)}`}`,
        );
    }
  }
}

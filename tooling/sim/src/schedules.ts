// The seeded schedules. A scenario name says what is done to which layout:
//   <kind>-<masters>x<replicas per master>[-nt<node timeout ms>]   e.g. kill-3x1, chaos-4x2-nt2000
// kinds:
//   kill       kill one master, wait for the failover, restart it, heal, converge
//   pause      SIGSTOP one master (past NODE_TIMEOUT), wait for the failover, SIGCONT, converge
//   isolate    cut one master (with up to two replicas of other masters) off, wait, heal, converge
//   nofailover like kill, but each master's first replica has cluster-replica-no-failover
//   chaos      10–25 random faults (kills, restarts, pauses, resumes, partitions of random groups,
//              heals, lossy and slow phases, manual failovers), then heal everything and converge
// The first four keep the network quiet while a failover is pending, so the liveness obligation
// they open is never waived and must be met; chaos checks safety and convergence, and records its
// failovers (those not waived by a later fault) for the report.
import type { ClusterConfig } from "@shoal/gossip-failover";
import { FaultRun } from "./fault-run.js";
import { formReplicatedCluster, LayoutError } from "./layout.js";
import type { NoObligation, Obligation } from "./liveness.js";
import { type Random, randInt } from "./prng.js";
import type { SimNode } from "./sim.js";

export type Kind = "kill" | "pause" | "isolate" | "nofailover" | "chaos";
const KINDS: readonly Kind[] = ["kill", "pause", "isolate", "nofailover", "chaos"];

export interface ScenarioSpec {
  name: string;
  kind: Kind;
  masters: number;
  replicas: number;
  nodeTimeout: number;
}

export function parseScenario(name: string): ScenarioSpec {
  const m = /^([a-z]+)-(\d+)x(\d+)(?:-nt(\d+))?$/.exec(name);
  if (!m || !KINDS.includes(m[1] as Kind))
    throw new Error(
      `unknown scenario "${name}": expected <kind>-<masters>x<replicas>[-nt<ms>], kind one of ${KINDS.join(", ")}`,
    );
  const spec: ScenarioSpec = {
    name,
    kind: m[1] as Kind,
    masters: Number(m[2]),
    replicas: Number(m[3]),
    nodeTimeout: m[4] ? Number(m[4]) : 1000,
  };
  if (spec.masters < 3)
    throw new Error(`${name}: at least 3 masters (a majority must survive one loss)`);
  if (spec.kind !== "chaos" && spec.replicas < 1) throw new Error(`${name}: needs replicas`);
  if (spec.kind === "nofailover" && spec.replicas < 2)
    throw new Error(`${name}: nofailover needs 2 replicas per master`);
  return spec;
}

export interface ScenarioResult {
  scenario: string;
  seed: number;
  nodes: number;
  /** Hash of every effect and fault: equal for two runs of one seed. */
  trace: string;
  /** Liveness obligations opened (see liveness.ts). */
  obligations: Obligation[];
  skipped: Record<NoObligation, number>;
  /** Must every obligation of this run be met (no other fault while it was open)? */
  strict: boolean;
  /** Virtual ms from healing everything to one owner per slot everywhere. */
  convergedAfter: number;
  promotions: number;
  virtualMs: number;
  events: number;
  ops: string[];
}

/** Runs one seeded schedule. Throws SimFailure when a safety invariant or convergence fails. */
export function runScenario(
  name: string,
  seed: number,
  opts: { keepLogs?: boolean } = {},
): ScenarioResult {
  const spec = parseScenario(name);
  const replicas = Array.from({ length: spec.masters }, () => spec.replicas);
  const configFor = (role: "master" | "replica", ordinal: number): Partial<ClusterConfig> =>
    spec.kind === "nofailover" && role === "replica" && ordinal === 0
      ? { replicaNoFailover: true }
      : {};
  let layout: ReturnType<typeof formReplicatedCluster>;
  try {
    layout = formReplicatedCluster({
      seed,
      masters: spec.masters,
      replicas,
      nodeTimeout: spec.nodeTimeout,
      configFor,
      ...(opts.keepLogs ? { keepLogs: true } : {}),
    });
  } catch (err) {
    if (err instanceof LayoutError) err.message = `${name}:${seed}: ${err.message}`;
    throw err;
  }
  const nt = spec.nodeTimeout;
  const run = new FaultRun(name, seed, layout, {
    // A little background loss (a link reset now and then) in half of the quiet runs.
    background:
      spec.kind === "chaos" || seed % 2 === 0
        ? { resetProbability: 0.001, maxDelay: 5 }
        : { maxDelay: 3 },
  });
  const r = run.rng;
  const masters = () => run.sim.nodes.filter((n) => n.running && run.isMaster(n));
  run.advance(randInt(r, 200, 3000));
  if (spec.kind === "chaos") chaos(run, r);
  else {
    const victim = choose(r, masters());
    let opened: Obligation | null = null;
    if (spec.kind === "kill" || spec.kind === "nofailover") opened = run.kill(victim);
    else if (spec.kind === "pause") opened = run.pause(victim);
    else {
      // The victim plus a few replicas of other masters: one master, always a minority.
      const others = run.sim.nodes.filter(
        (n) => !run.isMaster(n) && n.state.myself.slaveof?.name !== victim.id,
      );
      shuffle(r, others);
      const side = [victim, ...others.slice(0, randInt(r, 0, 2))];
      const rest = run.sim.nodes.filter((n) => !side.includes(n));
      opened = run.partition([side, rest]).find((o) => o.master === victim) ?? null;
    }
    if (!opened)
      run.fail(
        `the schedule's ${spec.kind} of master n${victim.index} opened no failover obligation (a healthy replica should exist): skipped ${JSON.stringify(run.watch.skipped)}`,
      );
    run.awaitFailovers();
    run.advance(randInt(r, 0, 2000));
  }
  const convergedAfter = run.healAllAndConverge(Math.max(60_000, 40 * nt));
  return {
    scenario: name,
    seed,
    nodes: run.sim.nodes.length,
    trace: run.sim.trace.hex,
    obligations: run.watch.obligations,
    skipped: { ...run.watch.skipped },
    strict: spec.kind !== "chaos",
    convergedAfter,
    promotions: run.safety.promotions.length,
    virtualMs: run.t,
    events: run.sim.scheduler.executed,
    ops: run.ops,
  };
}

function choose<T>(r: Random, list: readonly T[]): T {
  if (list.length === 0) throw new Error("nothing to choose from");
  return list[Math.floor(r() * list.length)]!;
}

function shuffle<T>(r: Random, list: T[]): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}

/** Random faults; at most a third of the nodes dead or paused at once. */
function chaos(run: FaultRun, r: Random): void {
  const sim = run.sim;
  const n = sim.nodes.length;
  const ops = randInt(r, 10, 25);
  let phase = false;
  for (let i = 0; i < ops; i++) {
    run.advance(randInt(r, 100, 4000));
    const dead = sim.nodes.filter((x) => !x.alive);
    const paused = sim.nodes.filter((x) => x.paused);
    const running = sim.nodes.filter((x) => x.running);
    const down = dead.length + paused.length < Math.floor(n / 3);
    const roll = r();
    if (roll < 0.2 && down) {
      const masters = running.filter((x) => run.isMaster(x));
      run.kill(r() < 0.6 && masters.length ? choose(r, masters) : choose(r, running));
    } else if (roll < 0.3 && dead.length) run.restart(choose(r, dead));
    else if (roll < 0.4 && down) run.pause(choose(r, running));
    else if (roll < 0.5 && paused.length) run.resume(choose(r, paused));
    else if (roll < 0.65) {
      const groups: SimNode[][] = [[], []];
      if (r() < 0.3) groups.push([]);
      for (const x of sim.nodes) groups[Math.floor(r() * groups.length)]!.push(x);
      run.partition(groups.filter((g) => g.length > 0));
    } else if (roll < 0.75) run.heal();
    else if (roll < 0.85 && !phase) {
      phase = true;
      if (r() < 0.5) run.lossy(0.005 + r() * 0.05, r() < 0.5 ? r() * 0.05 : 0);
      else run.slow(randInt(r, 50, 1500));
    } else if (roll < 0.9 && phase) {
      phase = false;
      run.calm();
    } else {
      const replicas = running.filter((x) => (x.state.myself.flags & 2) !== 0);
      if (replicas.length) run.manualFailover(choose(r, replicas), r() < 0.5 ? "force" : "");
    }
  }
  run.advance(randInt(r, 0, 3000));
}

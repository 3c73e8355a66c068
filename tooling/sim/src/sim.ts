// The deterministic simulator: N gossip-failover state machines, each behind a MemoryTransport
// on one MemoryNetwork, a virtual clock, and a seeded network that delays, resets and partitions
// links. Everything random comes from one seed, so any run replays exactly.
import {
  type ClusterMessage,
  MemoryNetwork,
  type MemoryTransport,
  MessageCounters,
} from "@shoal/cluster-bus";
import {
  type ClusterConfig,
  type ClusterState,
  clusterCommand,
  createClusterState,
  defaultClusterConfig,
  type Effect,
  type Input,
  isMaster,
  type Reply,
} from "@shoal/gossip-failover";
import { applyEffects, type EffectHandlers } from "./effects.js";
import { fork, mulberry32, type Random, randInt } from "./prng.js";
import { type NodeReplication, ReplicationModel } from "./replication.js";
import { Scheduler, SIM_EPOCH_MS } from "./scheduler.js";
import { TraceHash } from "./trace.js";

export interface NetworkFaults {
  /** Per-message one-way delay range in virtual ms. */
  minDelay: number;
  maxDelay: number;
  /** Probability that a message is lost and its link breaks (TCP-style failure). */
  resetProbability: number;
  /** Probability that a connect attempt is refused. */
  refuseProbability: number;
  /** Probability that a message vanishes while its link stays up (a lossy middlebox). */
  dropProbability: number;
}

export interface SimOptions {
  seed: number;
  nodeTimeout?: number;
  faults?: Partial<NetworkFaults>;
  /** Frame bytes through the real codec (slower, exact). */
  codec?: boolean;
  /** Keep the log effects of every node (memory grows with the run). */
  keepLogs?: boolean;
  /**
   * Render nodes.conf when it is saved rather than when it is read (exact crash semantics: a
   * restart loads what was on disk, not the state at the kill). Costs a render per save.
   */
  exactSaves?: boolean;
}

/** Effect kinds as numbers for the trace hash. */
const EFFECT_CODE: Record<Effect["type"], number> = {
  send: 1,
  connect: 2,
  close: 3,
  saveConfig: 4,
  log: 5,
  stateChanged: 6,
  deleteKeysInSlots: 7,
  replicate: 8,
  promote: 9,
  pauseWrites: 10,
  unpauseWrites: 11,
  publish: 12,
};

/** Watches what nodes do (the failover checks hang off this). */
export interface SimObserver {
  /** After a node applied one batch of effects (the state is the one after the batch). */
  afterBatch?(node: SimNode, effects: readonly Effect[]): void;
}

export class SimNode {
  readonly counters = new MessageCounters();
  /** The last saveConfig effect; its text is rendered lazily (see gossip-failover). */
  private lastSave: { text: string } | null = null;
  saves = 0;
  logs: string[] = [];
  alive = true;
  /** SIGSTOPped: no ticks, no input; what arrives waits in `inbox` until resume. */
  paused = false;
  readonly inbox: Input[] = [];
  lastCurrentEpoch = 0;
  lastMyEpoch = 0;
  /** Replication state when the simulation models it (see replication.ts). */
  repl: NodeReplication | null = null;

  constructor(
    readonly sim: Simulation,
    readonly index: number,
    readonly ip: string,
    readonly port: number,
    public state: ClusterState,
    public transport: MemoryTransport,
  ) {}

  /** nodes.conf as last saved. */
  get savedConfig(): string {
    return this.lastSave?.text ?? "";
  }

  get id(): string {
    return this.state.myself.name;
  }

  /** Alive and not paused: the process runs. */
  get running(): boolean {
    return this.alive && !this.paused;
  }

  apply(effects: Effect[]): void {
    applyEffects(effects, this.transport, this.handlers);
    this.sim.checkNodeInvariants(this);
    this.sim.observer?.afterBatch?.(this, effects);
  }

  /**
   * How a simulated node runs its effects: each one is hashed into the trace first (time, node,
   * kind, then the fields that matter to replay), then the link effects go to the memory
   * transport, saves and logs are kept, and write pauses go to the replication model.
   */
  private readonly handlers: EffectHandlers = {
    each: (e) => {
      const sim = this.sim;
      const trace = sim.trace;
      trace.mix(sim.now - SIM_EPOCH_MS);
      trace.mix(this.index);
      trace.mix(EFFECT_CODE[e.type] ?? 0);
      switch (e.type) {
        case "send":
          trace.mix(e.msg.type);
          trace.mix(e.msg.header.currentEpoch);
          break;
        case "replicate":
          // Who this node follows is read from its own view by the replication model.
          trace.mixString(e.master.slice(0, 8));
          break;
        case "promote":
          trace.mix(this.state.myself.configEpoch);
          break;
        case "pauseWrites":
          trace.mix(e.until - SIM_EPOCH_MS);
          break;
        default:
          break;
      }
    },
    saveConfig: (e) => {
      this.lastSave = this.sim.opts.exactSaves ? { text: e.text } : e;
      this.saves++;
    },
    log: (e) => {
      const sim = this.sim;
      if (sim.opts.keepLogs) this.logs.push(`${sim.scheduler.now} ${e.level} ${e.message}`);
    },
    pauseWrites: (e) => this.sim.replication?.pauseWrites(this, e.until),
    unpauseWrites: () => this.sim.replication?.unpauseWrites(this),
  };

  /** Feeds one input, with the replication view brought up to date first. */
  handle(input: Input): void {
    if (this.sim.replication) this.sim.replication.sync(this);
    this.apply(this.state.handle(input));
  }

  /** Runs a CLUSTER subcommand on this node. */
  command(...argv: string[]): Reply {
    if (this.sim.replication) this.sim.replication.sync(this);
    const { reply, effects } = clusterCommand(this.state, argv, { dbEmpty: true });
    this.apply(effects);
    return reply;
  }
}

export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

export class Simulation {
  readonly scheduler = new Scheduler();
  readonly rng: Random;
  readonly netRng: Random;
  readonly network: MemoryNetwork;
  readonly nodes: SimNode[] = [];
  readonly faults: NetworkFaults;
  /** Pairs of ips that cannot talk (both directions). */
  private readonly partitions = new Set<string>();
  private partitionGroups: Map<string, number> | null = null;
  /** Hash of every effect and injected fault, in order (see trace.ts). */
  readonly trace = new TraceHash();
  /** Replication model, once enableReplication() ran. */
  replication: ReplicationModel | null = null;
  observer: SimObserver | null = null;

  constructor(readonly opts: SimOptions) {
    this.rng = mulberry32(opts.seed);
    this.netRng = fork(this.rng);
    this.faults = {
      minDelay: 0.1,
      maxDelay: 3,
      resetProbability: 0,
      refuseProbability: 0,
      dropProbability: 0,
      ...opts.faults,
    };
    this.network = new MemoryNetwork({
      schedule: (d, fn) => this.scheduler.schedule(d, fn),
      now: () => this.scheduler.now,
      codec: opts.codec ?? false,
      route: (from, to, _msg: ClusterMessage) => {
        if (this.cut(from, to)) return null;
        if (this.faults.resetProbability > 0 && this.netRng() < this.faults.resetProbability)
          return "reset";
        if (this.faults.dropProbability > 0 && this.netRng() < this.faults.dropProbability)
          return null;
        return this.delay();
      },
      connectDelay: (from, to) => {
        if (this.cut(from, to)) return null;
        if (this.faults.refuseProbability > 0 && this.netRng() < this.faults.refuseProbability)
          return null;
        return this.delay();
      },
    });
  }

  private readonly busLogger = (_level: string, message: string) => {
    if (message.includes("handler threw")) this.violation(message);
  };

  private delay(): number {
    const { minDelay, maxDelay } = this.faults;
    return minDelay + this.netRng() * (maxDelay - minDelay);
  }

  /** True when a partition separates ips a and b. */
  isCut(a: string, b: string): boolean {
    return this.cut(a, b);
  }

  private cut(a: string, b: string): boolean {
    if (this.partitionGroups) {
      const ga = this.partitionGroups.get(a);
      const gb = this.partitionGroups.get(b);
      if (ga !== undefined && gb !== undefined && ga !== gb) return true;
    }
    return this.partitions.size > 0 && this.partitions.has(a < b ? `${a}|${b}` : `${b}|${a}`);
  }

  /** Splits the cluster: nodes in different groups cannot reach each other. */
  partition(groups: number[][]): void {
    this.partitionGroups = new Map();
    groups.forEach((g, i) => {
      for (const idx of g) this.partitionGroups!.set(this.nodes[idx]!.ip, i);
    });
  }
  heal(): void {
    this.partitionGroups = null;
    this.partitions.clear();
  }

  get now(): number {
    return this.scheduler.now;
  }

  /** Starts modelling replication offsets and links (see replication.ts). */
  enableReplication(): ReplicationModel {
    this.replication ??= new ReplicationModel(this);
    return this.replication;
  }

  /** Adds a node listening on its bus port, with its own cron tick every 100 ms. */
  addNode(overrides: Partial<ClusterConfig> = {}): SimNode {
    const index = this.nodes.length;
    const ip = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
    const port = 7000;
    const nodeRng = fork(this.rng);
    const config = defaultClusterConfig({
      port,
      busPort: port + 10000,
      nodeTimeout: this.opts.nodeTimeout ?? 15000,
      ...overrides,
    });
    const { state, effects } = createClusterState({
      config,
      now: () => Math.floor(this.scheduler.now),
      random: nodeRng,
    });
    const transport = this.network.createTransport({
      ip,
      port: port + 10000,
      logger: this.busLogger,
    });
    const node = new SimNode(this, index, ip, port, state, transport);
    this.attach(node);
    this.nodes.push(node);
    void transport.listen();
    node.apply(effects);
    // Each node's cron runs at its own phase, as independent processes would.
    this.scheduler.schedule(randInt(this.rng, 0, 99), () => this.tick(node, transport));
    return node;
  }

  private attach(node: SimNode): void {
    const t = node.transport;
    const deliver = (input: Input) => {
      if (!node.alive || node.transport !== t) return;
      // A stopped process reads nothing: the kernel keeps it (and accepts connections).
      if (node.paused) node.inbox.push(input);
      else node.handle(input);
    };
    t.setHandler({
      linkUp: (l) => deliver({ type: "linkUp", link: l.id, localIp: l.localIp, peerIp: l.peerIp }),
      linkAccepted: (l) =>
        deliver({ type: "linkAccepted", link: l.id, localIp: l.localIp, peerIp: l.peerIp }),
      message: (link, msg) => deliver({ type: "message", link, msg }),
      linkDown: (link) => deliver({ type: "linkDown", link }),
    });
  }

  private tick(node: SimNode, transport: MemoryTransport): void {
    if (!node.alive || node.transport !== transport) return;
    if (!node.paused) node.handle({ type: "tick" });
    this.scheduler.schedule(100, () => this.tick(node, transport));
  }

  /** Kills a node (its links drop); `restart` brings it back from its saved nodes.conf. */
  kill(node: SimNode): void {
    node.alive = false;
    node.paused = false;
    node.inbox.length = 0;
    void node.transport.shutdown();
  }

  /** SIGSTOP: the node stops ticking and reading; its peers' connections and messages queue. */
  pause(node: SimNode): void {
    if (node.alive) node.paused = true;
  }

  /** SIGCONT: the node reads everything that queued, in order, then ticks on. */
  resume(node: SimNode): void {
    if (!node.alive || !node.paused) return;
    node.paused = false;
    const t = node.transport;
    this.scheduler.schedule(0, () => {
      const queued = node.inbox.splice(0);
      for (const input of queued) {
        if (!node.alive || node.transport !== t) return;
        if (node.paused) {
          node.inbox.push(input);
          continue;
        }
        node.handle(input);
      }
    });
  }

  restart(node: SimNode): void {
    const config = node.state.config;
    const { state, effects } = createClusterState({
      config,
      now: () => Math.floor(this.scheduler.now),
      random: fork(this.rng),
      nodesConf: node.savedConfig || null,
    });
    node.state = state;
    node.transport = this.network.createTransport({
      ip: node.ip,
      port: node.port + 10000,
      logger: this.busLogger,
    });
    node.alive = true;
    node.paused = false;
    if (this.replication) this.replication.restarted(node);
    node.lastCurrentEpoch = state.currentEpoch;
    node.lastMyEpoch = state.myself.configEpoch;
    this.attach(node);
    void node.transport.listen();
    node.apply(effects);
    const t = node.transport;
    this.scheduler.schedule(randInt(this.rng, 0, 99), () => this.tick(node, t));
  }

  runFor(ms: number): void {
    this.scheduler.runUntil(this.scheduler.now + ms);
  }

  // -------------------------------------------------------------------------------------------
  // Invariants

  /**
   * Problems found inside transport callbacks (which must not throw): invariant violations and
   * exceptions escaping the state machine. Scenarios fail on the first one.
   */
  readonly violations: string[] = [];

  violation(message: string): void {
    this.violations.push(message);
  }

  /** Throws the first recorded violation, if any. */
  assertNoViolations(): void {
    if (this.violations.length) throw new InvariantError(this.violations[0]!);
  }

  /** Checked after every event a node handles: epochs never go backwards. */
  checkNodeInvariants(node: SimNode): void {
    const s = node.state;
    if (s.currentEpoch < node.lastCurrentEpoch)
      this.violation(
        `node ${node.index}: currentEpoch went back from ${node.lastCurrentEpoch} to ${s.currentEpoch} at ${this.now} ms`,
      );
    if (s.myself.configEpoch < node.lastMyEpoch)
      this.violation(
        `node ${node.index}: configEpoch went back from ${node.lastMyEpoch} to ${s.myself.configEpoch} at ${this.now} ms`,
      );
    if (s.myself.configEpoch > s.currentEpoch)
      this.violation(
        `node ${node.index}: configEpoch ${s.myself.configEpoch} > currentEpoch ${s.currentEpoch}`,
      );
    node.lastCurrentEpoch = s.currentEpoch;
    node.lastMyEpoch = s.myself.configEpoch;
  }

  /**
   * Global safety: no slot is claimed by two live masters (each claiming it as its own) with
   * the same configEpoch; and in every view a slot has at most one owner (by construction).
   */
  checkGlobalInvariants(): void {
    // Claims as ranges (start, end, epoch, node), sorted by start: two claims overlap only if a
    // later one starts before the furthest end seen so far among the same epoch's claims.
    const claims: [number, number, number, number][] = [];
    for (const n of this.nodes) {
      if (!n.alive) continue;
      const me = n.state.myself;
      if (!isMaster(me) || me.numSlots === 0) continue;
      const ranges = n.state.nodeRanges(me);
      for (let i = 0; i < ranges.length; i += 2)
        claims.push([ranges[i]!, ranges[i + 1]!, me.configEpoch, n.index]);
    }
    if (claims.length < 2) return;
    claims.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const open = new Map<number, [number, number, number, number]>();
    for (const c of claims) {
      const prev = open.get(c[2]);
      if (prev && prev[1] >= c[0])
        throw new InvariantError(
          `slot ${c[0]} owned by nodes ${prev[3]} and ${c[3]} with the same configEpoch ${c[2]} at ${this.now} ms`,
        );
      if (!prev || c[1] > prev[1]) open.set(c[2], c);
    }
  }

  /** A node's view, normalised for comparison across nodes. */
  viewSignature(node: SimNode): string {
    const s = node.state;
    const rows: string[] = [];
    for (const n of s.nodes.values()) {
      const flags = n.flags & (1 | 2 | 4 | 8 | 32 | 64);
      rows.push(
        `${n.name} ${n.ip}:${n.port}@${n.cport} ${flags} ${n.slaveof?.name ?? "-"} ${n.configEpoch} ${s.nodeRanges(n).join(",")}`,
      );
    }
    rows.sort();
    return rows.join("\n");
  }

  /** True when every live node has the same view, knows every live node, and is ok. */
  converged(): boolean {
    const live = this.nodes.filter((n) => n.alive);
    if (live.length === 0) return true;
    let sig: string | null = null;
    for (const n of live) {
      if (n.state.state !== "ok") return false;
      if (n.state.nodes.size !== live.length) return false;
      const v = this.viewSignature(n);
      if (sig === null) sig = v;
      else if (v !== sig) return false;
    }
    return true;
  }
}

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
  type ClusterState,
  clusterCommand,
  createClusterState,
  defaultClusterConfig,
  type Effect,
  isMaster,
  type Reply,
} from "@shoal/gossip-failover";
import { fork, mulberry32, type Random, randInt } from "./prng.js";
import { Scheduler } from "./scheduler.js";

export interface NetworkFaults {
  /** Per-message one-way delay range in virtual ms. */
  minDelay: number;
  maxDelay: number;
  /** Probability that a message is lost and its link breaks (TCP-style failure). */
  resetProbability: number;
  /** Probability that a connect attempt is refused. */
  refuseProbability: number;
}

export interface SimOptions {
  seed: number;
  nodeTimeout?: number;
  faults?: Partial<NetworkFaults>;
  /** Frame bytes through the real codec (slower, exact). */
  codec?: boolean;
  /** Keep the log effects of every node (memory grows with the run). */
  keepLogs?: boolean;
}

export class SimNode {
  readonly counters = new MessageCounters();
  /** The last saveConfig effect; its text is rendered lazily (see gossip-failover). */
  private lastSave: { text: string } | null = null;
  saves = 0;
  logs: string[] = [];
  alive = true;
  lastCurrentEpoch = 0;
  lastMyEpoch = 0;

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

  apply(effects: Effect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case "send":
          this.transport.send(e.link, e.msg);
          break;
        case "connect":
          this.transport.connect(e.link, e.host, e.port);
          break;
        case "close":
          this.transport.close(e.link);
          break;
        case "saveConfig":
          this.lastSave = e;
          this.saves++;
          break;
        case "log":
          if (this.sim.opts.keepLogs)
            this.logs.push(`${this.sim.scheduler.now} ${e.level} ${e.message}`);
          break;
        default:
          break;
      }
    }
    this.sim.checkNodeInvariants(this);
  }

  /** Runs a CLUSTER subcommand on this node. */
  command(...argv: string[]): Reply {
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

  constructor(readonly opts: SimOptions) {
    this.rng = mulberry32(opts.seed);
    this.netRng = fork(this.rng);
    this.faults = {
      minDelay: 0.1,
      maxDelay: 3,
      resetProbability: 0,
      refuseProbability: 0,
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

  /** Adds a node listening on its bus port, with its own cron tick every 100 ms. */
  addNode(): SimNode {
    const index = this.nodes.length;
    const ip = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
    const port = 7000;
    const nodeRng = fork(this.rng);
    const config = defaultClusterConfig({
      port,
      busPort: port + 10000,
      nodeTimeout: this.opts.nodeTimeout ?? 15000,
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
    const deliver = (input: Parameters<ClusterState["handle"]>[0]) => {
      if (!node.alive || node.transport !== t) return;
      node.apply(node.state.handle(input));
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
    node.apply(node.state.handle({ type: "tick" }));
    this.scheduler.schedule(100, () => this.tick(node, transport));
  }

  /** Kills a node (its links drop); `restart` brings it back from its saved nodes.conf. */
  kill(node: SimNode): void {
    node.alive = false;
    void node.transport.shutdown();
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
    const firstEpoch = this.claimEpoch;
    const firstNode = this.claimNode;
    firstNode.fill(-1);
    let extra: Map<number, { epoch: number; node: number }[]> | null = null;
    for (const n of this.nodes) {
      if (!n.alive) continue;
      const me = n.state.myself;
      if (!isMaster(me)) continue;
      const epoch = me.configEpoch;
      const ranges = n.state.nodeRanges(me);
      for (let i = 0; i < ranges.length; i += 2) {
        for (let s = ranges[i]!; s <= ranges[i + 1]!; s++) {
          if (firstNode[s] === -1) {
            firstNode[s] = n.index;
            firstEpoch[s] = epoch;
            continue;
          }
          const claims = [{ epoch: firstEpoch[s]!, node: firstNode[s]! }, ...(extra?.get(s) ?? [])];
          for (const c of claims)
            if (c.epoch === epoch)
              throw new InvariantError(
                `slot ${s} owned by nodes ${c.node} and ${n.index} with the same configEpoch ${epoch} at ${this.now} ms`,
              );
          extra ??= new Map();
          const list = extra.get(s) ?? [];
          list.push({ epoch, node: n.index });
          extra.set(s, list);
        }
      }
    }
  }
  private readonly claimEpoch = new Float64Array(16384);
  private readonly claimNode = new Int32Array(16384);

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

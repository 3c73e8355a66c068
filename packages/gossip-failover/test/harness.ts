// A tiny synchronous network for unit tests: machines keyed by ip, links paired on connect,
// effects delivered in FIFO order, a manual clock, kills, cuts between groups, and a minimal
// replication model (a replica's offset follows its live, reachable master's; its link state
// feeds the ReplicationView). The seeded simulator lives in tooling/sim.
import {
  type ClusterState,
  clusterCommand,
  createClusterState,
  defaultClusterConfig,
  type Effect,
  type Input,
} from "../src/index.js";
import type { ClusterConfig } from "../src/types.js";

export function seqRandom(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TestNet {
  now = 1_795_576_800_000;
  readonly machines = new Map<string, ClusterState>();
  readonly effects = new Map<ClusterState, Effect[]>();
  private readonly peerOf = new Map<string, { ip: string; link: string }>();
  private queue: { ip: string; input: Input }[] = [];
  private inSeq = 0;
  private seed = 1;
  /** Announced addresses that reach a machine (NAT-like), e.g. cluster-announce-ip. */
  readonly aliases = new Map<string, string>();
  /** Last nodes.conf each machine saved (by ip), for restarts. */
  readonly saved = new Map<string, string>();
  /** Pairs "a|b" (ips) that can't talk: messages and connects between them are lost. */
  private readonly cuts = new Set<string>();
  /** Machines paused (SIGSTOP): they neither tick nor process input; their queue waits. */
  readonly paused = new Set<string>();
  private held: { ip: string; input: Input }[] = [];
  private readonly configs = new Map<string, Partial<ClusterConfig>>();

  add(ip: string, overrides: Partial<ClusterConfig> = {}, nodesConf?: string): ClusterState {
    this.configs.set(ip, overrides);
    const { state, effects } = createClusterState({
      config: defaultClusterConfig({ port: 7000, busPort: 17000, ...overrides }),
      now: () => this.now,
      random: seqRandom(this.seed++),
      nodesConf: nodesConf ?? null,
    });
    this.machines.set(ip, state);
    this.effects.set(state, []);
    this.apply(ip, effects);
    return state;
  }

  ipOf(state: ClusterState): string {
    for (const [ip, s] of this.machines) if (s === state) return ip;
    throw new Error("unknown machine");
  }

  /** kill -9: the process is gone, its peers' connects fail from now on. */
  kill(ip: string): ClusterState {
    const state = this.machines.get(ip)!;
    this.machines.delete(ip);
    // The kernel resets its connections: every peer sees its links go down.
    for (const [key, peer] of [...this.peerOf]) {
      if (!key.startsWith(`${ip}/`)) continue;
      this.peerOf.delete(key);
      this.peerOf.delete(`${peer.ip}/${peer.link}`);
      this.queue.push({ ip: peer.ip, input: { type: "linkDown", link: peer.link } });
    }
    return state;
  }

  /** Starts a killed machine again from the nodes.conf it last saved. */
  restart(ip: string): ClusterState {
    return this.add(ip, this.configs.get(ip) ?? {}, this.saved.get(ip));
  }

  /** Cuts every pair across the groups (a partition); heal() removes all cuts. */
  partition(...groups: string[][]): void {
    for (let i = 0; i < groups.length; i++)
      for (let j = i + 1; j < groups.length; j++)
        for (const a of groups[i]!)
          for (const b of groups[j]!) {
            this.cuts.add(`${a}|${b}`);
            this.cuts.add(`${b}|${a}`);
          }
  }
  heal(): void {
    this.cuts.clear();
  }
  private cut(a: string, b: string): boolean {
    return this.cuts.has(`${a}|${b}`);
  }

  pause(ip: string): void {
    this.paused.add(ip);
  }
  resume(ip: string): void {
    this.paused.delete(ip);
    this.queue.push(...this.held.filter((h) => h.ip === ip));
    this.held = this.held.filter((h) => h.ip !== ip);
  }

  /** Writes on a master: its replication offset grows (replicas follow while linked). */
  write(state: ClusterState, bytes = 100): void {
    state.replication.offset += bytes;
  }

  private machineOf(name: string): [string, ClusterState] | null {
    for (const [ip, s] of this.machines) if (s.myself.name === name) return [ip, s];
    return null;
  }

  /** The runner's duty before each input: keep every replica's ReplicationView current. */
  private syncReplication(): void {
    for (const [ip, s] of this.machines) {
      const master = s.myself.slaveof;
      const r = s.replication;
      const m = master ? this.machineOf(master.name) : null;
      const up = m !== null && !this.cut(ip, m[0]) && !this.paused.has(m[0]);
      if (up) {
        r.linkUp = true;
        r.lastInteraction = this.now;
        r.offset = Math.max(r.offset, m[1].replication.offset);
      } else if (r.linkUp) {
        r.linkUp = false;
        r.downSince = this.now;
      }
    }
  }

  apply(ip: string, effects: Effect[]): void {
    const state = this.machines.get(ip)!;
    this.effects.get(state)!.push(...effects);
    for (const e of effects) {
      if (e.type === "saveConfig") this.saved.set(ip, e.text);
      if (e.type === "connect") {
        const host = this.aliases.get(e.host) ?? e.host;
        const target = this.machines.get(host);
        if (!target || this.cut(ip, host)) {
          this.queue.push({ ip, input: { type: "linkDown", link: e.link } });
          continue;
        }
        const inbound = `in-${++this.inSeq}`;
        this.peerOf.set(`${ip}/${e.link}`, { ip: host, link: inbound });
        this.peerOf.set(`${host}/${inbound}`, { ip, link: e.link });
        this.queue.push({
          ip: host,
          input: { type: "linkAccepted", link: inbound, localIp: host, peerIp: ip },
        });
        this.queue.push({
          ip,
          input: { type: "linkUp", link: e.link, localIp: ip, peerIp: host },
        });
      } else if (e.type === "send") {
        const peer = this.peerOf.get(`${ip}/${e.link}`);
        if (peer && !this.cut(ip, peer.ip))
          this.queue.push({ ip: peer.ip, input: { type: "message", link: peer.link, msg: e.msg } });
      } else if (e.type === "close") {
        const peer = this.peerOf.get(`${ip}/${e.link}`);
        this.peerOf.delete(`${ip}/${e.link}`);
        if (peer) {
          this.peerOf.delete(`${peer.ip}/${peer.link}`);
          this.queue.push({ ip: peer.ip, input: { type: "linkDown", link: peer.link } });
        }
      }
    }
  }

  deliver(): void {
    let guard = 0;
    while (this.queue.length) {
      if (++guard > 1_000_000) throw new Error("message storm");
      const item = this.queue.shift()!;
      const { ip, input } = item;
      if (this.paused.has(ip)) {
        this.held.push(item);
        continue;
      }
      const state = this.machines.get(ip);
      if (!state) continue;
      this.syncReplication();
      this.apply(ip, state.handle(input));
    }
  }

  /** Advances the clock in 100 ms cron steps, delivering everything after each. */
  run(ms: number): void {
    for (let t = 0; t < ms; t += 100) {
      this.now += 100;
      this.syncReplication();
      for (const [ip, s] of this.machines)
        if (!this.paused.has(ip)) this.apply(ip, s.handle({ type: "tick" }));
      this.deliver();
    }
  }

  /** Runs until `cond` holds (checked every 100 ms step); returns the virtual ms it took. */
  runUntil(cond: () => boolean, maxMs: number): number {
    for (let t = 0; t <= maxMs; t += 100) {
      if (cond()) return t;
      this.run(100);
    }
    throw new Error(`condition not reached within ${maxMs} ms`);
  }

  logs(state: ClusterState): string[] {
    return this.effects.get(state)!.flatMap((e) => (e.type === "log" ? [e.message] : []));
  }

  sent(state: ClusterState): Effect[] {
    return this.effects.get(state)!.filter((e) => e.type === "send");
  }
}

/**
 * A formed cluster as `redis-cli --cluster create` leaves it: masters 10.0.0.1..M with even slot
 * ranges and distinct config epochs, then R replicas per master (10.0.0.M+1...), all met through
 * node 1, run until every node knows every other and replicas follow their masters.
 */
export function formCluster(
  masters: number,
  replicasPerMaster: number,
  overrides: Partial<ClusterConfig> = {},
): { net: TestNet; masters: ClusterState[]; replicas: ClusterState[][] } {
  const net = new TestNet();
  const ms = Array.from({ length: masters }, (_, i) => net.add(`10.0.0.${i + 1}`, overrides));
  const per = Math.floor(16384 / masters);
  ms.forEach((s, i) => {
    const end = i === masters - 1 ? 16383 : (i + 1) * per - 1;
    net.apply(
      `10.0.0.${i + 1}`,
      clusterCommand(s, ["addslotsrange", String(i * per), String(end)]).effects,
    );
    clusterCommand(s, ["set-config-epoch", String(i + 1)]);
  });
  const rs: ClusterState[][] = ms.map(() => []);
  let ip = masters + 1;
  for (let r = 0; r < replicasPerMaster; r++)
    for (let m = 0; m < masters; m++) rs[m]!.push(net.add(`10.0.0.${ip++}`, overrides));
  const all = [...ms, ...rs.flat()];
  for (let i = 1; i < all.length; i++)
    net.apply(net.ipOf(all[i]!), clusterCommand(all[i]!, ["meet", "10.0.0.1", "7000"]).effects);
  net.runUntil(() => all.every((s) => s.nodes.size === all.length), 30_000);
  rs.forEach((group, m) => {
    for (const r of group)
      net.apply(net.ipOf(r), clusterCommand(r, ["replicate", ms[m]!.myself.name]).effects);
  });
  net.runUntil(
    () =>
      all.every((s) => s.state === "ok") &&
      all.every((s) =>
        rs.every((group, m) =>
          group.every((r) => s.nodes.get(r.myself.name)?.slaveof?.name === ms[m]!.myself.name),
        ),
      ),
    30_000,
  );
  return { net, masters: ms, replicas: rs };
}

// A tiny synchronous network for unit tests: machines keyed by ip, links paired on connect,
// effects delivered in FIFO order, a manual clock. (The seeded simulator lives in tooling/sim.)
import {
  type ClusterState,
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

  add(ip: string, overrides: Partial<ClusterConfig> = {}): ClusterState {
    const { state, effects } = createClusterState({
      config: defaultClusterConfig({ port: 7000, busPort: 17000, ...overrides }),
      now: () => this.now,
      random: seqRandom(this.seed++),
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

  apply(ip: string, effects: Effect[]): void {
    const state = this.machines.get(ip)!;
    this.effects.get(state)!.push(...effects);
    for (const e of effects) {
      if (e.type === "connect") {
        const host = this.aliases.get(e.host) ?? e.host;
        const target = this.machines.get(host);
        if (!target) {
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
        if (peer)
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
      const { ip, input } = this.queue.shift()!;
      const state = this.machines.get(ip);
      if (state) this.apply(ip, state.handle(input));
    }
  }

  /** Advances the clock in 100 ms cron steps, delivering everything after each. */
  run(ms: number): void {
    for (let t = 0; t < ms; t += 100) {
      this.now += 100;
      for (const [ip, s] of this.machines) this.apply(ip, s.handle({ type: "tick" }));
      this.deliver();
    }
  }

  sent(state: ClusterState): Effect[] {
    return this.effects.get(state)!.filter((e) => e.type === "send");
  }
}

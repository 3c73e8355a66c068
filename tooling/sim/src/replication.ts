// Replication as the simulator models it, so replicas have offsets to rank by and data ages to
// check: every 10 virtual ms a master that serves slots, is ok and is not write-paused adds a few
// hundred bytes to its offset; a replica whose link to its master is up follows that offset a
// pump or two behind. The link is up when both processes run (alive, not SIGSTOPped) and the
// network lets them talk; after it comes up (or the replica follows a new master) a short sync
// sets the replica's offset to its master's, as a partial or full resync would. Who follows whom
// is read from each node's own view (myself.slaveof), as a server's cron does. The values are
// copied into state.replication before every input the node handles (see Simulation).
import { isSlave } from "@shoal/gossip-failover";
import { fork, type Random, randInt } from "./prng.js";
import type { SimNode, Simulation } from "./sim.js";

/** Pump period: one write batch per master, one catch-up step per replica. */
export const PUMP_MS = 10;
/** Offsets remembered per node, so a replica can lag 1..HISTORY-1 pumps behind. */
const HISTORY = 4;

export class NodeReplication {
  offset = 0;
  linkUp = false;
  lastInteraction = 0;
  downSince = 0;
  /** Bytes per pump while this node is a writable master. */
  writeRate: number;
  /** Pumps behind its master while following. */
  lag: number;
  /** Manual failover pause (pauseWrites effect), virtual ms; 0 = none. */
  writesPausedUntil = 0;
  /** The node followed now (null: none), and when the current sync completes. */
  upstream: SimNode | null = null;
  syncReadyAt = 0;
  synced = false;
  readonly history: number[] = new Array(HISTORY).fill(0);
  /** Writes accepted by this node as a master (for the report). */
  written = 0;

  constructor(rng: Random) {
    this.writeRate = randInt(rng, 100, 600);
    this.lag = randInt(rng, 1, HISTORY - 1);
  }

  /** The offset `pumps` pumps ago (0 = now). */
  past(pumps: number): number {
    return this.history[Math.min(pumps, HISTORY - 1)]!;
  }
}

export class ReplicationModel {
  private readonly rng: Random;
  private readonly byName = new Map<string, SimNode>();

  constructor(readonly sim: Simulation) {
    this.rng = fork(sim.rng);
    const loop = () => {
      this.pump();
      sim.scheduler.schedule(PUMP_MS, loop);
    };
    sim.scheduler.schedule(PUMP_MS, loop);
  }

  /** Per-node state, created on first use. */
  of(node: SimNode): NodeReplication {
    node.repl ??= new NodeReplication(this.rng);
    return node.repl;
  }

  private lookup(name: string): SimNode | null {
    const hit = this.byName.get(name);
    if (hit && hit.id === name) return hit;
    for (const n of this.sim.nodes) this.byName.set(n.id, n);
    return this.byName.get(name) ?? null;
  }

  /** True when `node` can write now (a master serving slots, cluster ok, not paused). */
  writable(node: SimNode): boolean {
    if (!node.running) return false;
    const s = node.state;
    if (isSlave(s.myself) || s.myself.numSlots === 0 || s.state !== "ok") return false;
    const r = this.of(node);
    return r.writesPausedUntil <= this.sim.now;
  }

  /** The node `node` follows according to its own view, or null. */
  upstreamOf(node: SimNode): SimNode | null {
    const me = node.state.myself;
    if (!isSlave(me) || !me.slaveof) return null;
    return this.lookup(me.slaveof.name);
  }

  pump(): void {
    const now = this.sim.now;
    const nodes = this.sim.nodes;
    for (const n of nodes) {
      const r = this.of(n);
      r.history.pop();
      r.history.unshift(r.offset);
    }
    for (const n of nodes) {
      if (!this.writable(n)) continue;
      const r = this.of(n);
      r.offset += r.writeRate;
      r.written += r.writeRate;
    }
    for (const n of nodes) this.follow(n, now);
  }

  private follow(n: SimNode, now: number): void {
    const r = this.of(n);
    if (!n.alive) return;
    const up = this.upstreamOf(n);
    if (up !== r.upstream) {
      // A new master (or none): the old link ends, a new sync starts.
      if (r.linkUp) r.downSince = now;
      r.linkUp = false;
      r.synced = false;
      r.upstream = up;
    }
    if (!up) return;
    const reachable = n.running && up.running && !this.sim.isCut(n.ip, up.ip);
    if (!reachable) {
      if (r.linkUp) r.downSince = now;
      r.linkUp = false;
      r.synced = false;
      return;
    }
    const ur = this.of(up);
    if (!r.synced) {
      if (r.syncReadyAt === 0 || r.syncReadyAt < now - 1000) {
        r.syncReadyAt = now + randInt(this.rng, 2, 10) * PUMP_MS;
        return;
      }
      if (now < r.syncReadyAt) return;
      // PSYNC / full sync: the replica now holds exactly its master's data.
      r.offset = ur.offset;
      r.synced = true;
      r.syncReadyAt = 0;
      r.linkUp = true;
      r.lastInteraction = now;
      return;
    }
    if (ur.offset < r.offset) {
      // The master went back (it resynced from elsewhere): a replica is never ahead, resync.
      r.synced = false;
      return;
    }
    r.offset = Math.max(r.offset, ur.past(r.lag));
    r.linkUp = true;
    r.lastInteraction = now;
  }

  /** Copies the model into the state machine's ReplicationView (before every input). */
  sync(node: SimNode): void {
    const r = this.of(node);
    const v = node.state.replication;
    v.offset = r.offset;
    v.linkUp = r.linkUp;
    v.lastInteraction = r.lastInteraction;
    v.downSince = r.downSince;
  }

  /** The process restarted: the data (AOF) stays, the replication link starts from nothing. */
  restarted(node: SimNode): void {
    const r = this.of(node);
    r.linkUp = false;
    r.synced = false;
    r.upstream = null;
    r.syncReadyAt = 0;
    r.lastInteraction = 0;
    r.downSince = 0;
    r.writesPausedUntil = 0;
  }

  pauseWrites(node: SimNode, until: number): void {
    this.of(node).writesPausedUntil = until;
  }

  unpauseWrites(node: SimNode): void {
    this.of(node).writesPausedUntil = 0;
  }
}

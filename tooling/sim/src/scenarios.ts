// Scenarios: forming a cluster through MEET and gossip alone (what `redis-cli --cluster create`
// does: assign slots, set distinct config epochs or not, meet everyone to node 0), and a hostile
// peer. Each returns measurements in virtual time and throws InvariantError / ScenarioError with
// the seed in the message so the run can be replayed with replay(seed, ...).
import {
  type ClusterMessage,
  encodeFrame,
  type MessageHeader,
  MessageType,
} from "@shoal/cluster-bus";
import { splitSlots } from "@shoal/slot-hash";
import { fork, randInt } from "./prng.js";
import { type NetworkFaults, type SimNode, Simulation } from "./sim.js";

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
}

export interface FormOptions {
  nodes: number;
  seed: number;
  nodeTimeout?: number;
  /** Give every master a distinct epoch first (as redis-cli does); otherwise all start at 0 and collisions are resolved by the bus. */
  distinctEpochs?: boolean;
  faults?: Partial<NetworkFaults>;
  codec?: boolean;
  /** Virtual ms to wait for convergence before failing. */
  bound?: number;
  /** Check global invariants every this many virtual ms (default 100: every cron step). */
  checkEvery?: number;
  /** Split the network `at` ms after the first MEET into `groups` (node indexes) for `duration` ms. */
  partition?: { at: number; duration: number; groups: number[][] };
}

export interface FormResult {
  seed: number;
  nodes: number;
  /** Virtual ms from the first MEET to the moment all views agree and every node is ok. */
  convergedAfter: number;
  /** Messages sent by all nodes until then. */
  messages: number;
  /** Scheduler events executed. */
  events: number;
  /** MEETs the operator had to repeat (lost with a broken link before the handshake). */
  meetRetries: number;
  sim: Simulation;
}

/** Slots per master as redis-cli allocates them (slot-hash's splitSlots), as [first, last]. */
export function allocateSlots(masters: number): [number, number][] {
  return splitSlots(masters).map((r) => [r.start, r.end]);
}

function fail(seed: number, nodes: number, why: string): never {
  throw new ScenarioError(
    `seed ${seed} (${nodes} nodes): ${why} — replay with replay(${seed}, { nodes: ${nodes} })`,
  );
}

/** Forms a cluster of `nodes` masters and runs until every view agrees. */
export function formCluster(opts: FormOptions): FormResult {
  const sim = new Simulation({
    seed: opts.seed,
    ...(opts.nodeTimeout !== undefined ? { nodeTimeout: opts.nodeTimeout } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.codec !== undefined ? { codec: opts.codec } : {}),
  });
  const rng = fork(sim.rng);
  const n = opts.nodes;
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) nodes.push(sim.addNode());
  const slots = allocateSlots(n);
  try {
    nodes.forEach((node, i) => {
      const [a, b] = slots[i]!;
      expectOk(node.command("addslotsrange", String(a), String(b)), opts, "ADDSLOTSRANGE");
      if (opts.distinctEpochs !== false)
        expectOk(node.command("set-config-epoch", String(i + 1)), opts, "SET-CONFIG-EPOCH");
    });
    const start = sim.now;
    const first = nodes[0]!;
    for (let i = 1; i < n; i++) {
      const node = nodes[i]!;
      sim.scheduler.schedule(randInt(rng, 0, 50), () =>
        expectOk(node.command("meet", first.ip, String(first.port)), opts, "MEET"),
      );
    }
    if (opts.partition) {
      const { at, duration, groups } = opts.partition;
      sim.scheduler.schedule(at, () => sim.partition(groups));
      sim.scheduler.schedule(at + duration, () => sim.heal());
    }
    const nt = sim.nodes[0]!.state.config.nodeTimeout;
    const bound = opts.bound ?? 120_000;
    const checkEvery = opts.checkEvery ?? 100;
    let meetRetries = 0;
    let lastRetry = start;
    for (;;) {
      sim.runFor(checkEvery);
      sim.assertNoViolations();
      sim.checkGlobalInvariants();
      if (sim.converged()) {
        const messages = nodes.reduce((acc, nd) => acc + sumSent(nd), 0);
        return {
          seed: opts.seed,
          nodes: n,
          convergedAfter: sim.now - start,
          messages,
          events: sim.scheduler.executed,
          meetRetries,
          sim,
        };
      }
      if (sim.now - start > bound) {
        const views = nodes.map((nd) => `${nd.index}:${nd.state.nodes.size}/${nd.state.state}`);
        if (process.env.SHOAL_SIM_DEBUG)
          for (const nd of nodes)
            console.log(
              nd.index,
              nd.id.slice(0, 8),
              [...nd.state.nodes.values()]
                .map(
                  (x) =>
                    `${x.name.slice(0, 8)}:${x.flags}:${x.configEpoch}:${x.link?.connected ? "L" : "-"}${x.inboundLink ? "I" : "-"}`,
                )
                .join(" "),
            );
        fail(
          opts.seed,
          n,
          `no convergence within ${bound} virtual ms (${views.slice(0, 20).join(" ")})`,
        );
      }
      // The operator's part: a node that node 0 still does not know is told to MEET it again,
      // as one re-runs CLUSTER MEET for a node that did not join. Needed when a handshake dies
      // half-way (node 0 timed out its handshake node during a partition while the other side
      // had completed): as in Redis, PINGs from a stranger never add it.
      if (sim.now - lastRetry >= Math.max(nt, 1000) * 2) {
        lastRetry = sim.now;
        for (let i = 1; i < n; i++) {
          const node = nodes[i]!;
          if (!first.state.nodes.has(node.id)) {
            meetRetries++;
            node.command("meet", first.ip, String(first.port));
          }
        }
      }
    }
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    if (err instanceof Error && !err.message.includes("replay"))
      err.message = `seed ${opts.seed} (${n} nodes): ${err.message} — replay with replay(${opts.seed}, { nodes: ${n} })`;
    throw err;
  }
}

function sumSent(node: SimNode): number {
  return node.transport.counters.sent.reduce((a, b) => a + b, 0);
}

function expectOk(reply: { type: string }, opts: FormOptions, what: string): void {
  if (reply.type !== "ok") fail(opts.seed, opts.nodes, `${what} replied ${JSON.stringify(reply)}`);
}

/** Re-runs one formation exactly (same seed, same options) with logs kept, for debugging. */
export function replay(seed: number, opts: Omit<FormOptions, "seed"> = { nodes: 3 }): FormResult {
  return formCluster({ ...opts, seed });
}

// ---------------------------------------------------------------------------------------------
// Hostile peer

export interface HostileResult {
  /** Views before and after the attack (should be identical). */
  before: string;
  after: string;
  victimEpochBefore: number;
  victimEpochAfter: number;
  linksClosedByVictim: number;
  convergedAfterAttack: boolean;
}

/**
 * Forms a 3-node cluster, then a stranger connects to node 0's bus port and sends random bytes,
 * frames with absurd lengths, and schema-valid but hostile messages: PINGs/PONGs/UPDATEs/FAILs
 * from an unknown sender claiming every slot with a huge epoch, gossip introducing fake nodes,
 * a MEET whose handshake can never complete. The victim's view must not change.
 */
export function hostilePeer(seed: number): HostileResult {
  const formed = formCluster({ nodes: 3, seed, codec: true });
  const sim = formed.sim;
  const victim = sim.nodes[0]!;
  const before = sim.viewSignature(victim);
  const victimEpochBefore = victim.state.currentEpoch;
  const rng = fork(sim.rng);
  let closed = 0;
  const attack = (bytes: Uint8Array) => {
    const peer = sim.network.rawConnect("10.66.6.6", victim.ip, victim.port + 10000);
    peer.write(bytes);
    sim.runFor(20);
    if (peer.closed) closed++;
    peer.close();
  };
  // 1. Garbage.
  for (let i = 0; i < 20; i++) {
    const len = randInt(rng, 1, 400);
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = randInt(rng, 0, 255);
    attack(b);
  }
  // 2. Frame headers announcing absurd lengths.
  const huge = Buffer.alloc(10);
  huge.write("SHmb", 0, "latin1");
  huge.writeUInt16BE(1, 4);
  huge.writeUInt32BE(0xffffffff, 6);
  attack(huge);
  // 3. Schema-valid hostile messages from a stranger.
  const stranger = "f".repeat(40);
  const header = (over: Partial<MessageHeader> = {}): MessageHeader => ({
    sender: stranger,
    currentEpoch: 2 ** 50,
    configEpoch: 2 ** 50,
    offset: 0,
    slots: [0, 16383],
    replicaOf: null,
    ip: "10.66.6.6",
    port: 6666,
    pport: 0,
    cport: 16666,
    hostname: "evil",
    flags: 1,
    state: 0,
    mflags: 4,
    shardId: "e".repeat(40),
    ...over,
  });
  const fakeGossip = [
    {
      id: "d".repeat(40),
      pingSent: 0,
      pongReceived: 0,
      ip: "10.66.6.7",
      port: 1,
      cport: 2,
      pport: 0,
      flags: 1,
    },
    // Gossip claiming a real node failed, and a real node's address moved.
    {
      id: sim.nodes[1]!.id,
      pingSent: 0,
      pongReceived: 0,
      ip: "10.66.6.8",
      port: 1,
      cport: 2,
      pport: 0,
      flags: 1 | 8,
    },
  ];
  const evil: ClusterMessage[] = [
    {
      type: MessageType.PING,
      header: header(),
      gossip: fakeGossip,
      forgotten: [{ id: sim.nodes[1]!.id, ttl: 60 }],
    },
    { type: MessageType.PONG, header: header(), gossip: fakeGossip, forgotten: [] },
    {
      type: MessageType.UPDATE,
      header: header(),
      configEpoch: 2 ** 50,
      nodeId: stranger,
      slots: [0, 16383],
    },
    {
      type: MessageType.UPDATE,
      header: header(),
      configEpoch: 2 ** 50,
      nodeId: sim.nodes[1]!.id,
      slots: [0, 16383],
    },
    { type: MessageType.FAIL, header: header(), nodeId: sim.nodes[1]!.id },
    { type: MessageType.FAILOVER_AUTH_REQUEST, header: header() },
  ];
  for (const m of evil) attack(encodeFrame(m));
  // A MEET: the stranger becomes a handshake node the victim can never complete (nobody listens
  // at the announced address), so it must be dropped after the handshake timeout.
  attack(
    encodeFrame({ type: MessageType.MEET, header: header(), gossip: fakeGossip, forgotten: [] }),
  );
  // Spoofing a known sender id from a stranger's link is Redis's trust model (the bus is a
  // trusted network); it is not attempted here.
  sim.runFor(Math.max(sim.nodes[0]!.state.config.nodeTimeout, 1000) * 2 + 1000);
  sim.assertNoViolations();
  sim.checkGlobalInvariants();
  const after = sim.viewSignature(victim);
  return {
    before,
    after,
    victimEpochBefore,
    victimEpochAfter: victim.state.currentEpoch,
    linksClosedByVictim: closed,
    convergedAfterAttack: sim.converged(),
  };
}

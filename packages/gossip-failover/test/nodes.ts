// Hand-built node tables for mechanism unit tests: one ClusterState from TestNet (its clock is
// net.now) with peers added straight into the table, as gossip would have added them, so a
// mechanism's function can be called alone on an exact situation.
import { NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "../src/cluster-state.js";
import { type ClusterLink, type ClusterNode, createNode, randomName } from "../src/node.js";
import type { ClusterConfig } from "../src/types.js";
import { TestNet } from "./harness.js";

/** One node alone on a TestNet: `net.now` is its clock. */
export function lone(overrides: Partial<ClusterConfig> = {}): { net: TestNet; cs: ClusterState } {
  const net = new TestNet();
  const cs = net.add("10.0.0.1", overrides);
  return { net, cs };
}

export interface PeerOptions {
  /** NodeFlag bits; MASTER by default. */
  flags?: number;
  name?: string;
  /** Inclusive slot range to assign. */
  slots?: [number, number];
  configEpoch?: number;
  /** Makes the peer a replica of this master. */
  replicaOf?: ClusterNode;
}

/** Adds a known node to `cs`'s table. */
export function addPeer(cs: ClusterState, opts: PeerOptions = {}): ClusterNode {
  const flags = opts.replicaOf ? NodeFlag.SLAVE : (opts.flags ?? NodeFlag.MASTER);
  const n = createNode(opts.name ?? randomName(cs.random), flags, cs.now());
  n.ip = `10.1.0.${cs.nodeList.length}`;
  n.port = 7000;
  n.cport = 17000;
  n.configEpoch = opts.configEpoch ?? 0;
  cs.addNode(n);
  if (opts.slots) assignSlots(cs, n, opts.slots);
  if (opts.replicaOf) {
    n.slaveof = opts.replicaOf;
    cs.addSlave(opts.replicaOf, n);
  }
  return n;
}

/** Gives `n` the unowned slots of [from, to]. */
export function assignSlots(cs: ClusterState, n: ClusterNode, [from, to]: [number, number]): void {
  for (let s = from; s <= to; s++) cs.addSlot(n, s);
}

/** A connected outbound link to `n`, so messages to it show up as `send` effects. */
export function connectTo(cs: ClusterState, n: ClusterNode): ClusterLink {
  const link: ClusterLink = {
    id: `test-${n.name.slice(0, 8)}`,
    node: n,
    inbound: false,
    ctime: cs.now(),
    connected: true,
    localIp: "10.0.0.1",
    peerIp: n.ip,
  };
  n.link = link;
  cs.links.set(link.id, link);
  return link;
}

/** Node ids that sort first and last (configEpoch collisions pick by id). */
export const LOW_ID = "0".repeat(40);
export const HIGH_ID = "f".repeat(40);

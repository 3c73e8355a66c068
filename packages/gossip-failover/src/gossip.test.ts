import {
  type GossipEntry,
  MessageType,
  NodeFlag,
  type PingMessage,
} from "@shoal/cluster-bus/messages";
import { describe, expect, it } from "vitest";
import { addPeer, connectTo, HIGH_ID, lone } from "../test/nodes.js";
import type { ClusterState } from "./cluster-state.js";
import { processGossip, processPing, sendPing } from "./gossip.js";
import { blacklistAdd } from "./membership.js";
import type { ClusterNode } from "./node.js";
import type { Effect } from "./types.js";

function pings(effects: Effect[]): PingMessage[] {
  return effects.flatMap((e) =>
    e.type === "send" && e.msg.type <= MessageType.MEET ? [e.msg as PingMessage] : [],
  );
}

function entry(n: ClusterNode, flags = n.flags): GossipEntry {
  return {
    id: n.name,
    pingSent: 0,
    pongReceived: 0,
    ip: n.ip,
    port: n.port,
    cport: n.cport,
    pport: 0,
    flags,
  };
}

function pingFrom(
  cs: ClusterState,
  sender: ClusterNode | null,
  gossip: GossipEntry[],
): PingMessage {
  return {
    type: MessageType.PING,
    header: { ...cs.buildHeader(), sender: sender?.name ?? HIGH_ID, slots: [], replicaOf: null },
    gossip,
    forgotten: [],
  };
}

describe("clusterSendPing: the gossip section", () => {
  it("samples max(3, N/10) other nodes (at most N-2), never myself, handshakes or unreachable slotless nodes", () => {
    const { cs } = lone();
    const peers = Array.from({ length: 30 }, (_, i) => addPeer(cs, { slots: [i, i] }));
    const target = peers[0]!;
    const link = connectTo(cs, target);
    const hs = addPeer(cs, { flags: NodeFlag.HANDSHAKE });
    const noaddr = addPeer(cs, { flags: NodeFlag.MASTER | NodeFlag.NOADDR, slots: [100, 100] });
    const lonely = addPeer(cs); // no link, no slots
    for (let i = 0; i < 50; i++) {
      const [msg] = pings(cs.run(() => sendPing(cs, link, MessageType.PING)));
      const ids = msg!.gossip.map((g) => g.id);
      expect(ids.length).toBeLessThanOrEqual(3); // 34 nodes: max(3, 3)
      expect(new Set(ids).size).toBe(ids.length);
      for (const bad of [cs.myself, hs, noaddr, lonely]) expect(ids).not.toContain(bad.name);
    }
    // With 3 nodes the section holds at most one entry (N-2).
    const small = lone().cs;
    const a = addPeer(small, { slots: [0, 0] });
    addPeer(small, { slots: [1, 1] });
    const [m] = pings(small.run(() => sendPing(small, connectTo(small, a), MessageType.PING)));
    expect(m!.gossip.length).toBeLessThanOrEqual(1);
  });

  it("appends every PFAIL node, and the blacklist as forgotten-node entries", () => {
    const { net, cs } = lone();
    const peers = Array.from({ length: 12 }, (_, i) => addPeer(cs, { slots: [i, i] }));
    for (const p of peers.slice(0, 5)) p.flags |= NodeFlag.PFAIL;
    cs.statsPfailNodes = 5; // as cron counts them
    blacklistAdd(cs, HIGH_ID, 60);
    net.now += 10_000;
    const link = connectTo(cs, peers[11]!);
    const [msg] = pings(cs.run(() => sendPing(cs, link, MessageType.PING)));
    const pfail = msg!.gossip.filter((g) => g.flags & NodeFlag.PFAIL).map((g) => g.id);
    expect(pfail.sort()).toEqual(
      peers
        .slice(0, 5)
        .map((p) => p.name)
        .sort(),
    );
    expect(msg!.forgotten).toEqual([{ id: HIGH_ID, ttl: 50 }]);
  });

  it("only a PING (or a keep-alive MEET) leaves a ping pending", () => {
    const { net, cs } = lone();
    const a = addPeer(cs);
    const link = connectTo(cs, a);
    cs.run(() => sendPing(cs, link, MessageType.PONG));
    expect(a.pingSent).toBe(0);
    cs.run(() => sendPing(cs, link, MessageType.PING));
    expect(a.pingSent).toBe(net.now);
  });
});

describe("clusterProcessGossipSection", () => {
  it("a master's PFAIL/FAIL entry is a failure report; a healthy entry withdraws it", () => {
    const { cs } = lone();
    const reporter = addPeer(cs, { slots: [0, 0] });
    const replica = addPeer(cs, { replicaOf: reporter });
    const victim = addPeer(cs, { slots: [1, 1] });
    cs.run(() =>
      processGossip(
        cs,
        pingFrom(cs, reporter, [entry(victim, NodeFlag.MASTER | NodeFlag.PFAIL)]),
        reporter,
      ),
    );
    expect([...victim.failReports.keys()]).toEqual([reporter.name]);
    // Replicas' opinions are not reports.
    cs.run(() =>
      processGossip(
        cs,
        pingFrom(cs, replica, [entry(victim, NodeFlag.MASTER | NodeFlag.FAIL)]),
        replica,
      ),
    );
    expect(victim.failReports.size).toBe(1);
    cs.run(() =>
      processGossip(cs, pingFrom(cs, reporter, [entry(victim, NodeFlag.MASTER)]), reporter),
    );
    expect(victim.failReports.size).toBe(0);
  });

  it("a known sender's gossip adds unknown nodes under their real ids, unless blacklisted", () => {
    const { cs } = lone();
    const sender = addPeer(cs, { slots: [0, 0] });
    const fresh = {
      id: "a".repeat(40),
      pingSent: 0,
      pongReceived: 0,
      ip: "10.9.0.1",
      port: 7000,
      cport: 17000,
      pport: 0,
      flags: NodeFlag.MASTER | NodeFlag.MYSELF,
    };
    const forgotten = { ...fresh, id: "b".repeat(40) };
    blacklistAdd(cs, forgotten.id);
    cs.run(() => processGossip(cs, pingFrom(cs, sender, [fresh, forgotten]), sender));
    const added = cs.nodes.get(fresh.id)!;
    expect(added.ip).toBe("10.9.0.1");
    expect(added.flags).toBe(NodeFlag.MASTER); // only role/FAIL/NOFAILOVER bits are taken
    expect(cs.nodes.has(forgotten.id)).toBe(false);
    // A stranger's gossip adds nobody.
    const other = { ...fresh, id: "c".repeat(40) };
    cs.run(() => processGossip(cs, pingFrom(cs, null, [other]), null));
    expect(cs.nodes.has(other.id)).toBe(false);
  });
});

describe("PING/PONG/MEET processing", () => {
  it("a PING is answered with a PONG; a header naming a master turns the sender into its replica", () => {
    const { cs } = lone();
    const master = addPeer(cs, { slots: [0, 99], configEpoch: 1 });
    const sender = addPeer(cs, { slots: [100, 199], configEpoch: 2 });
    connectTo(cs, sender);
    const inbound = {
      id: "in-1",
      node: sender,
      inbound: true,
      ctime: cs.now(),
      connected: true,
      localIp: "10.0.0.1",
      peerIp: sender.ip,
    };
    cs.links.set(inbound.id, inbound);
    const msg = pingFrom(cs, sender, []);
    msg.header = {
      ...msg.header,
      replicaOf: master.name,
      slots: [0, 99],
      configEpoch: 1,
      flags: NodeFlag.SLAVE,
    };
    const effects = cs.run(() => processPing(cs, inbound, msg, sender));
    const [pong] = pings(effects);
    expect(pong!.type).toBe(MessageType.PONG);
    expect(sender.flags & NodeFlag.SLAVE).toBeTruthy();
    expect(sender.slaveof).toBe(master);
    expect(master.slaves).toContain(sender);
    expect(sender.numSlots).toBe(0);
    expect(cs.slots[100]).toBeNull();
  });
});

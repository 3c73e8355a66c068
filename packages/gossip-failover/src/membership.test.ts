import {
  type MessageHeader,
  MessageType,
  NodeFlag,
  type PingMessage,
} from "@shoal/cluster-bus/messages";
import { describe, expect, it } from "vitest";
import { addPeer, connectTo, HIGH_ID, lone } from "../test/nodes.js";
import type { ClusterState } from "./cluster-state.js";
import {
  blacklistAdd,
  blacklistExists,
  linkLost,
  nodeCronHandleReconnect,
  parseIpLiteral,
  processForgotten,
  processHandshakeReply,
  startHandshake,
} from "./membership.js";
import type { ClusterLink, ClusterNode } from "./node.js";

const NT = 1000;

function headerFrom(cs: ClusterState, sender: string, over: Partial<MessageHeader> = {}) {
  return { ...cs.buildHeader(), sender, ip: "", port: 7001, cport: 17001, ...over };
}

function handshakeNode(cs: ClusterState): { n: ClusterNode; link: ClusterLink } {
  expect(startHandshake(cs, "10.0.0.2", 7001, 17001)).toBe(true);
  const n = cs.nodeList.find((x) => x.flags & NodeFlag.HANDSHAKE)!;
  return { n, link: connectTo(cs, n) };
}

describe("clusterStartHandshake", () => {
  it("validates and normalises the address, and never starts two handshakes to one address", () => {
    const { cs } = lone();
    expect(parseIpLiteral("010.0.0.1")).toBe("10.0.0.1");
    expect(parseIpLiteral("0:0::1")).toBe("::1");
    expect(parseIpLiteral("1.2.3")).toBeNull();
    expect(parseIpLiteral("256.0.0.1")).toBeNull();
    expect(parseIpLiteral("example.com")).toBeNull();
    expect(startHandshake(cs, "10.0.0.2", 0, 17000)).toBe(false);
    expect(startHandshake(cs, "10.0.0.2", 7000, 65536)).toBe(false);
    expect(startHandshake(cs, "010.0.0.2", 7000, 17000)).toBe(true);
    expect(startHandshake(cs, "10.0.0.2", 7000, 17000)).toBe(true);
    const hs = cs.nodeList.filter((n) => n.flags & NodeFlag.HANDSHAKE);
    expect(hs).toHaveLength(1);
    expect(hs[0]!.flags & NodeFlag.MEET).toBeTruthy();
    expect(hs[0]!.ip).toBe("10.0.0.2");
  });
});

describe("handshake replies on my outbound link", () => {
  it("the first reply renames the handshake node to the sender's real id", () => {
    const { cs } = lone();
    const { n, link } = handshakeNode(cs);
    const hdr = headerFrom(cs, HIGH_ID, { flags: NodeFlag.MASTER });
    let done = true;
    cs.run(() => {
      done = processHandshakeReply(cs, link, hdr, null, cs.now());
    });
    expect(done).toBe(false); // the rest of the packet is processed as usual
    expect(n.name).toBe(HIGH_ID);
    expect(cs.nodes.get(HIGH_ID)).toBe(n);
    expect(n.flags & (NodeFlag.HANDSHAKE | NodeFlag.MEET)).toBe(0);
    expect(n.flags & NodeFlag.MASTER).toBeTruthy();
  });

  it("a blacklisted id, or an id I already know, drops the handshake node", () => {
    const { cs } = lone();
    const first = handshakeNode(cs);
    blacklistAdd(cs, HIGH_ID);
    let done = false;
    cs.run(() => {
      done = processHandshakeReply(cs, first.link, headerFrom(cs, HIGH_ID), null, cs.now());
    });
    expect(done).toBe(true);
    expect(first.n.index).toBe(-1);
    expect(cs.nodes.has(HIGH_ID)).toBe(false);

    const known = addPeer(cs);
    const second = handshakeNode(cs);
    const effects = cs.run(() => {
      done = processHandshakeReply(
        cs,
        second.link,
        headerFrom(cs, known.name, { port: 7001, cport: 17001 }),
        known,
        cs.now(),
      );
    });
    expect(done).toBe(true);
    expect(second.n.index).toBe(-1);
    expect(known.ip).toBe("10.0.0.2");
    expect(known.port).toBe(7001);
    expect(effects.some((e) => e.type === "log" && e.message.startsWith("Address updated"))).toBe(
      true,
    );
  });

  it("a reply with another id on a known node's link: the address is no longer that node's", () => {
    const { cs } = lone();
    const n = addPeer(cs);
    const link = connectTo(cs, n);
    let done = false;
    const effects = cs.run(() => {
      done = processHandshakeReply(cs, link, headerFrom(cs, HIGH_ID), null, cs.now());
    });
    expect(done).toBe(true);
    expect(n.flags & NodeFlag.NOADDR).toBeTruthy();
    expect(n.ip).toBe("");
    expect(n.link).toBeNull();
    expect(effects).toContainEqual({ type: "close", link: link.id });
  });
});

describe("cron: handshakes and links", () => {
  it("drops a handshake older than max(NT, 1 s); connects nodes without a link", () => {
    const { net, cs } = lone({ nodeTimeout: NT });
    startHandshake(cs, "10.0.0.2", 7000, 17000);
    const hs = cs.nodeList.find((n) => n.flags & NodeFlag.HANDSHAKE)!;
    const effects = cs.run(() => nodeCronHandleReconnect(cs, hs, 1000, net.now));
    expect(effects).toContainEqual({
      type: "connect",
      link: hs.link!.id,
      host: "10.0.0.2",
      port: 17000,
      node: hs.name,
    });
    net.now += 1000;
    cs.run(() => nodeCronHandleReconnect(cs, hs, 1000, net.now));
    expect(hs.index).not.toBe(-1);
    net.now += 1;
    cs.run(() => nodeCronHandleReconnect(cs, hs, 1000, net.now));
    expect(hs.index).toBe(-1);
  });

  it("a connect that never succeeded counts as a pending ping", () => {
    const { net, cs } = lone({ nodeTimeout: NT });
    const n = addPeer(cs);
    cs.run(() => nodeCronHandleReconnect(cs, n, 1000, net.now));
    const id = n.link!.id;
    net.now += 50;
    cs.run(() => linkLost(cs, id));
    expect(n.pingSent).toBe(net.now);
    expect(n.link).toBeNull();
  });
});

describe("FORGET: blacklist and forgotten-node gossip", () => {
  it("the blacklist expires after its ttl in seconds", () => {
    const { net, cs } = lone();
    blacklistAdd(cs, HIGH_ID, 60);
    net.now += 60_000;
    expect(blacklistExists(cs, HIGH_ID)).toBe(true);
    net.now += 1000;
    expect(blacklistExists(cs, HIGH_ID)).toBe(false);
  });

  it("a forgotten node is deleted and blacklisted, but never myself, my master or the sender", () => {
    const { cs } = lone();
    const master = addPeer(cs, { slots: [0, 99] });
    cs.setMyselfAsReplicaOf(master);
    const sender = addPeer(cs);
    const victim = addPeer(cs);
    const msg: PingMessage = {
      type: MessageType.PING,
      header: cs.buildHeader(),
      gossip: [],
      forgotten: [
        { id: victim.name, ttl: 500 },
        { id: master.name, ttl: 30 },
        { id: sender.name, ttl: 30 },
        { id: cs.myself.name, ttl: 30 },
      ],
    };
    cs.run(() => processForgotten(cs, msg, sender));
    expect(cs.nodes.has(victim.name)).toBe(false);
    expect(cs.blacklist.get(victim.name)).toBe(Math.floor(cs.now() / 1000) + 60); // capped
    for (const kept of [master, sender, cs.myself]) expect(cs.nodes.get(kept.name)).toBe(kept);
  });
});

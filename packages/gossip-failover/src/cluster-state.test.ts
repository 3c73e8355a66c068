import { MessageType, NodeFlag, type PingMessage } from "@shoal/cluster-bus/messages";
import { describe, expect, it } from "vitest";
import { TestNet } from "../test/harness.js";
import { clusterCommand, clusterSlots, slotOwner } from "./index.js";

function formed(n: number, opts: { epochs?: boolean } = {}) {
  const net = new TestNet();
  const nodes = Array.from({ length: n }, (_, i) => net.add(`10.0.0.${i + 1}`));
  const per = Math.floor(16384 / n);
  nodes.forEach((s, i) => {
    const end = i === n - 1 ? 16383 : (i + 1) * per - 1;
    clusterCommand(s, ["addslotsrange", String(i * per), String(end)]);
    if (opts.epochs !== false) clusterCommand(s, ["set-config-epoch", String(i + 1)]);
  });
  for (let i = 1; i < n; i++)
    net.apply(`10.0.0.${i + 1}`, clusterCommand(nodes[i]!, ["meet", "10.0.0.1", "7000"]).effects);
  return { net, nodes };
}

describe("MEET handshake and gossip", () => {
  it("two nodes meet: temp names are replaced by real ids, addresses learnt, slots bound", () => {
    const { net, nodes } = formed(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    // Right after MEET, B holds A as a handshake node with a random name.
    const hs = [...b.nodes.values()].find((n) => n.flags & NodeFlag.HANDSHAKE)!;
    expect(hs.name).not.toBe(a.myself.name);
    net.run(3000);
    expect(b.nodes.has(a.myself.name)).toBe(true);
    expect(a.nodes.has(b.myself.name)).toBe(true);
    expect([...b.nodes.values()].some((n) => n.flags & NodeFlag.HANDSHAKE)).toBe(false);
    // Each learnt its own address from the MEET / first PING's local socket address.
    expect(a.myself.ip).toBe("10.0.0.1");
    expect(b.myself.ip).toBe("10.0.0.2");
    expect(a.nodes.get(b.myself.name)!.ip).toBe("10.0.0.2");
    expect(slotOwner(a, 16383)).toMatchObject({
      id: b.myself.name,
      endpoint: "10.0.0.2",
      port: 7000,
    });
    expect(a.state).toBe("ok");
    expect(clusterSlots(b).map((e) => [e.start, e.end, e.nodes[0]!.id])).toEqual([
      [0, 8191, a.myself.name],
      [8192, 16383, b.myself.name],
    ]);
    expect(a.currentEpoch).toBe(2);
  });

  it("nodes met only through node 0 learn each other from gossip", () => {
    const { net, nodes } = formed(5);
    net.run(20_000);
    for (const s of nodes) expect(s.nodes.size).toBe(5);
    for (const s of nodes) expect(s.state).toBe("ok");
  });

  it("gossip sections carry max(3, N/10) entries (capped at N-2), plus PFAIL nodes", () => {
    const { net, nodes } = formed(12);
    net.run(20_000);
    const pings = net
      .sent(nodes[3]!)
      .map((e) => (e.type === "send" ? e.msg : null))
      .filter((m): m is PingMessage => m !== null && m.type <= MessageType.MEET)
      .slice(-20);
    for (const p of pings) expect(p.gossip.length).toBeLessThanOrEqual(3);
    expect(pings.some((p) => p.gossip.length === 3)).toBe(true);
    const small = formed(3);
    small.net.run(5000);
    const p3 = small.net
      .sent(small.nodes[0]!)
      .map((e) => (e.type === "send" ? e.msg : null))
      .filter((m): m is PingMessage => m !== null && m.type <= MessageType.MEET);
    for (const p of p3) expect(p.gossip.length).toBeLessThanOrEqual(1);
  });

  it("a blacklisted (forgotten) node is not re-added by gossip for 60 s", () => {
    const { net, nodes } = formed(3);
    net.run(10_000);
    const victim = nodes[2]!.myself.name;
    expect(clusterCommand(nodes[0]!, ["forget", victim]).reply).toEqual({ type: "ok" });
    // Node 1 still gossips about it, and node 2 still pings us: it must stay forgotten.
    net.run(10_000);
    expect(nodes[0]!.nodes.has(victim)).toBe(false);
    expect(clusterCommand(nodes[0]!, ["forget", victim]).reply).toEqual({ type: "ok" });
  });
});

describe("epochs and slot ownership", () => {
  it("equal configEpochs collide: the smaller id bumps, every master ends distinct", () => {
    const { net, nodes } = formed(4, { epochs: false });
    net.run(60_000);
    const epochs = nodes.map((s) => s.myself.configEpoch);
    expect(new Set(epochs).size).toBe(4);
    const greatest = nodes.reduce((a, b) => (a.myself.name > b.myself.name ? a : b));
    expect(greatest.myself.configEpoch).toBe(0);
    for (const s of nodes) expect(s.currentEpoch).toBe(Math.max(...epochs));
  });

  it("a claim with a greater configEpoch steals a slot; a stale claimer gets an UPDATE and gives it up", () => {
    const { net, nodes } = formed(3);
    net.run(10_000);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    // A takes slot 16000 (C's) with a configEpoch above C's, as a failover or import would.
    a.delSlot(16000);
    a.addSlot(a.myself, 16000);
    a.currentEpoch = 10;
    a.myself.configEpoch = 10;
    // Only B hears about it directly.
    const toB = a.nodes.get(b.myself.name)!.link!;
    net.apply(
      "10.0.0.1",
      a.run(() => a.sendPing(toB, MessageType.PONG)),
    );
    net.deliver();
    expect(slotOwner(b, 16000)!.id).toBe(a.myself.name);
    // C still claims it until an UPDATE arrives; then everyone agrees.
    net.run(20_000);
    expect(slotOwner(c, 16000)!.id).toBe(a.myself.name);
    expect(c.nodeRanges(c.myself)).not.toContain(16000);
    const sentUpdate = [a, b].some((s) =>
      net.sent(s).some((e) => e.type === "send" && e.msg.type === MessageType.UPDATE),
    );
    expect(sentUpdate).toBe(true);
  });
});

describe("PUBLISH over the bus", () => {
  it("reaches every other node once; nodes deliver locally and never re-forward", () => {
    const { net, nodes } = formed(3);
    net.run(10_000);
    const before = nodes.map((s) => net.effects.get(s)!.length);
    net.apply("10.0.0.1", nodes[0]!.publish(Buffer.from("news"), Buffer.from("hello")));
    net.deliver();
    const got = nodes.map((s, i) =>
      net.effects
        .get(s)!
        .slice(before[i])
        .filter((e) => e.type === "publish"),
    );
    expect(got.map((g) => g.length)).toEqual([0, 1, 1]);
    expect(got[1]![0]).toMatchObject({
      shard: false,
      channel: Buffer.from("news"),
      message: Buffer.from("hello"),
    });
  });
});

describe("failure detection", () => {
  it("a silent master becomes PFAIL, then FAIL by quorum, and the cluster state goes fail", () => {
    const { net, nodes } = formed(3);
    net.run(10_000);
    const dead = nodes[2]!;
    net.machines.delete("10.0.0.3");
    net.run(40_000);
    const view = nodes[0]!.nodes.get(dead.myself.name)!;
    expect(view.flags & NodeFlag.FAIL).toBeTruthy();
    expect(nodes[0]!.state).toBe("fail");
    const logs = net.effects.get(nodes[0]!)!.concat(net.effects.get(nodes[1]!)!);
    expect(
      logs.some(
        (e) =>
          e.type === "log" &&
          (e.message === `Marking node ${dead.myself.name} as failing (quorum reached).` ||
            e.message.startsWith(`FAIL message received from`)),
      ),
    ).toBe(true);
  });
});

import {
  MessageFlag,
  type MessageHeader,
  MessageType,
  NodeFlag,
} from "@shoal/cluster-bus/messages";
import { describe, expect, it } from "vitest";
import { formCluster } from "../test/harness.js";
import { replicaRank } from "./election.js";
import { sendFailoverAuthIfNeeded } from "./failover-auth.js";
import { type ClusterState, clusterCommand, type Effect, slotOwner } from "./index.js";

const NT = 1000;

function owners(s: ClusterState, slot: number): string | undefined {
  return slotOwner(s, slot)?.id;
}

function sentOfType(effects: Effect[], type: number): Effect[] {
  return effects.filter((e) => e.type === "send" && e.msg.type === type);
}

describe("replica election after a master dies", () => {
  it("the replica of a killed master is promoted with a new configEpoch and takes its slots", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    const [m0, m1, m2] = masters as [ClusterState, ClusterState, ClusterState];
    const r0 = replicas[0]![0]!;
    net.write(m0, 5000);
    net.run(500);
    const epochsBefore = Math.max(...masters.map((m) => m.myself.configEpoch));
    net.kill("10.0.0.1");
    const survivors = [m1, m2, ...replicas.flat()];
    const took = net.runUntil(
      () =>
        survivors.every((s) => s.state === "ok" && owners(s, 0) === r0.myself.name) &&
        survivors.every((s) => s.nodes.get(m0.myself.name)!.flags & NodeFlag.FAIL),
      20_000,
    );
    // Detection needs a node timeout; the single replica then starts at once.
    expect(took).toBeGreaterThanOrEqual(NT);
    expect(took).toBeLessThan(NT + 1500);
    expect(r0.myself.flags & NodeFlag.MASTER).toBeTruthy();
    expect(r0.myself.slaveof).toBeNull();
    expect(r0.myself.configEpoch).toBeGreaterThan(epochsBefore);
    expect(r0.nodeRanges(r0.myself)).toEqual(m1.nodeRanges(m1.nodes.get(r0.myself.name)!));
    expect(r0.myself.numSlots).toBe(5461);
    const logs = net.logs(r0);
    expect(logs).toContain(`Starting a failover election for epoch ${r0.myself.configEpoch}.`);
    expect(logs).toContain("Failover election won: I'm the new master.");
    expect(logs).toContain(`configEpoch set to ${r0.myself.configEpoch} after successful failover`);
    // The promotion effect reached the server, after an fsynced save of the new config.
    const effects = net.effects.get(r0)!;
    const promote = effects.findIndex((e) => e.type === "promote");
    expect(promote).toBeGreaterThan(-1);
    const saveBefore = effects
      .slice(0, promote)
      .reverse()
      .find((e) => e.type === "saveConfig");
    expect(saveBefore).toMatchObject({ fsync: true });
    expect(
      (saveBefore as { text: string }).text.split("\n").find((l) => l.includes("myself")),
    ).toContain("myself,master");
    // Masters granted votes for that epoch, each saving its vote with fsync before the ACK.
    for (const m of [m1, m2]) {
      expect(net.logs(m)).toContain(
        `Failover auth granted to ${r0.myself.name} for epoch ${r0.myself.configEpoch}`,
      );
      expect(m.lastVoteEpoch).toBe(r0.myself.configEpoch);
      const eff = net.effects.get(m)!;
      const ack = eff.findIndex(
        (e) => e.type === "send" && e.msg.type === MessageType.FAILOVER_AUTH_ACK,
      );
      const batchSave = eff
        .slice(0, ack)
        .reverse()
        .find((e) => e.type === "saveConfig");
      expect(saveBefore).toBeDefined();
      expect(batchSave).toMatchObject({ fsync: true });
      expect((batchSave as { text: string }).text).toContain(
        `lastVoteEpoch ${r0.myself.configEpoch}`,
      );
    }
  });

  it("a killed master that comes back is told about the new owner and becomes its replica", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    const r0 = replicas[0]![0]!;
    net.run(500);
    net.kill("10.0.0.1");
    net.runUntil(
      () => masters[1]!.state === "ok" && owners(masters[1]!, 0) === r0.myself.name,
      20_000,
    );
    const back = net.restart("10.0.0.1");
    net.runUntil(() => back.myself.slaveof?.name === r0.myself.name, 20_000);
    expect(back.myself.flags & NodeFlag.SLAVE).toBeTruthy();
    expect(back.myself.numSlots).toBe(0);
    expect(net.logs(back)).toContain(
      `Configuration change detected. Reconfiguring myself as a replica of ${r0.myself.name}`,
    );
    expect(net.effects.get(back)!.some((e) => e.type === "replicate")).toBe(true);
    // Everyone agrees, and the old master never served its slots in between.
    for (const s of [...masters.slice(1), r0, back]) expect(owners(s, 0)).toBe(r0.myself.name);
  });

  it("the most up-to-date replica wins; the others follow it", () => {
    const { net, masters, replicas } = formCluster(3, 2, { nodeTimeout: NT });
    const [ra, rb] = replicas[0] as [ClusterState, ClusterState];
    net.run(1000);
    // rb stops hearing from its master early: ra has more of the stream when the master dies.
    net.partition(["10.0.0.1"], [net.ipOf(rb)]);
    net.write(masters[0]!, 777);
    net.run(200);
    net.heal();
    // Reconnect rb's bus links but keep its data behind (its replication is modelled by offset).
    net.kill("10.0.0.1");
    expect(ra.replication.offset).toBeGreaterThan(rb.replication.offset);
    net.runUntil(() => owners(masters[1]!, 0) === ra.myself.name, 20_000);
    net.runUntil(() => rb.myself.slaveof?.name === ra.myself.name, 20_000);
    expect(rb.myself.flags & NodeFlag.SLAVE).toBeTruthy();
    expect(net.logs(rb).join("\n")).not.toContain("Failover election won");
  });

  it("equal offsets: ranks are distinct, ordered by node id", () => {
    const { net, replicas } = formCluster(3, 2, { nodeTimeout: NT });
    net.run(2000);
    const [ra, rb] = replicas[0] as [ClusterState, ClusterState];
    expect(ra.replication.offset).toBe(rb.replication.offset);
    const ranks = [replicaRank(ra), replicaRank(rb)];
    expect(ranks.sort()).toEqual([0, 1]);
    const first = ra.myself.name < rb.myself.name ? ra : rb;
    expect(replicaRank(first)).toBe(0);
  });

  it("a replica with cluster-replica-no-failover never starts an election", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    const r0 = replicas[0]![0]!;
    r0.config.replicaNoFailover = true;
    net.run(500);
    expect(masters[1]!.nodes.get(r0.myself.name)!.flags & NodeFlag.NOFAILOVER).toBeTruthy();
    net.kill("10.0.0.1");
    net.run(10_000);
    expect(r0.myself.flags & NodeFlag.SLAVE).toBeTruthy();
    expect(masters[1]!.state).toBe("fail");
    expect(net.logs(r0).join("\n")).not.toContain("Starting a failover election");
  });

  it("a replica whose data is too old refuses, and says why", () => {
    const { net, masters, replicas } = formCluster(3, 1, {
      nodeTimeout: NT,
      replicaValidityFactor: 1,
      replPingReplicaPeriod: 1,
    });
    const r0 = replicas[0]![0]!;
    // The replication link broke long before the master died (bus still fine).
    r0.replication.linkUp = false;
    net.partition(["10.0.0.1"], ["10.0.0.4"]);
    net.run(100);
    net.heal();
    const downSince = r0.replication.downSince;
    // Keep the model from re-linking: pretend the link stays down.
    const stuck = r0.replication;
    Object.defineProperty(stuck, "linkUp", { get: () => false, set: () => {} });
    Object.defineProperty(stuck, "downSince", { get: () => downSince - 60_000, set: () => {} });
    net.kill("10.0.0.1");
    net.run(15_000);
    expect(r0.myself.flags & NodeFlag.SLAVE).toBeTruthy();
    expect(net.logs(r0)).toContain(
      "Currently unable to failover: Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option.",
    );
    expect(masters[1]!.state).toBe("fail");
  });

  it("a master that slept through its failover serves nothing on waking, then becomes a replica", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    const [m0, m1] = masters as [ClusterState, ClusterState];
    const r0 = replicas[0]![0]!;
    net.run(500);
    expect(m0.state).toBe("ok");
    net.pause("10.0.0.1");
    net.runUntil(() => owners(m1, 0) === r0.myself.name && m1.state === "ok", 10_000);
    net.resume("10.0.0.1");
    // Its first cron after the gap: still a master in its own view, but not serving.
    net.apply("10.0.0.1", m0.handle({ type: "tick" }));
    expect(owners(m0, 0)).toBe(m0.myself.name);
    expect(m0.state).toBe("fail");
    expect(net.logs(m0).some((l) => /^No cluster cron for \d+ milliseconds/.test(l))).toBe(true);
    // The configuration it missed arrives; it never turned ok as a master in between.
    let servedAsMaster = false;
    net.runUntil(() => {
      if (m0.state === "ok" && m0.myself.numSlots > 0) servedAsMaster = true;
      return m0.myself.slaveof?.name === r0.myself.name;
    }, 10_000);
    expect(servedAsMaster).toBe(false);
  });

  it("a master cut off in a minority turns fail, and after healing becomes a replica", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    const r0 = replicas[0]![0]!;
    const m0 = masters[0]!;
    net.run(500);
    const others = ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"];
    net.partition(["10.0.0.1"], others);
    const t = net.runUntil(() => m0.state === "fail", 10_000);
    expect(t).toBeGreaterThanOrEqual(NT);
    net.runUntil(
      () => owners(masters[1]!, 0) === r0.myself.name && masters[1]!.state === "ok",
      20_000,
    );
    // The minority master still thinks it owns its slots, but serves nothing (state fail).
    expect(owners(m0, 0)).toBe(m0.myself.name);
    expect(m0.state).toBe("fail");
    net.heal();
    net.runUntil(() => m0.myself.slaveof?.name === r0.myself.name, 20_000);
    expect(owners(m0, 0)).toBe(r0.myself.name);
  });
});

describe("voting rules (clusterSendFailoverAuthIfNeeded)", () => {
  function setup() {
    const c = formCluster(3, 1, { nodeTimeout: NT });
    c.net.run(500);
    const voter = c.masters[1]!;
    const requester = voter.nodes.get(c.replicas[0]![0]!.myself.name)!;
    const master = voter.nodes.get(c.masters[0]!.myself.name)!;
    const header = (over: Partial<MessageHeader> = {}): MessageHeader => ({
      ...c.replicas[0]![0]!.buildHeader(),
      currentEpoch: voter.currentEpoch + 1,
      ...over,
    });
    // As clusterProcessPacket() does first: the header's epoch is merged, then the request runs.
    const vote = (h: MessageHeader, from = requester) => {
      if (h.currentEpoch > voter.currentEpoch) voter.currentEpoch = h.currentEpoch;
      return voter.run(() => sendFailoverAuthIfNeeded(voter, from, h));
    };
    return { ...c, voter, requester, master, header, vote };
  }
  const acks = (e: Effect[]) => sentOfType(e, MessageType.FAILOVER_AUTH_ACK).length;
  const net = (e: Effect[]) => e.flatMap((x) => (x.type === "log" ? [x.message] : []));
  const denial = (e: Effect[]) =>
    e.flatMap((x) => (x.type === "log" ? [x.message] : [])).find((m) => m.includes("denied"));

  it("refuses while the master is up, grants once it is FAIL, once per epoch", () => {
    const { voter, requester, master, header, vote } = setup();
    let e = vote(header());
    expect(acks(e)).toBe(0);
    expect(denial(e)).toBe(`Failover auth denied to ${requester.name}: its master is up`);
    master.flags |= NodeFlag.FAIL;
    const epoch = voter.currentEpoch + 1;
    e = vote(header({ currentEpoch: epoch }));
    expect(denial(e)).toBeUndefined();
    expect(acks(e)).toBe(1);
    // The vote is on disk (fsync) before the ACK: the save leads the batch.
    expect(e[0]).toMatchObject({ type: "saveConfig", fsync: true });
    expect(voter.lastVoteEpoch).toBe(epoch);
    expect(net(e)).toContain(`Failover auth granted to ${requester.name} for epoch ${epoch}`);
    // Same epoch again: one vote per epoch.
    e = vote(header({ currentEpoch: epoch }));
    expect(acks(e)).toBe(0);
    expect(denial(e)).toBe(
      `Failover auth denied to ${requester.name}: already voted for epoch ${epoch}`,
    );
    // Next epoch, same master, within 2·NT: the per-master lock.
    e = vote(header({ currentEpoch: epoch + 1 }));
    expect(acks(e)).toBe(0);
    expect(denial(e)).toMatch(
      new RegExp(
        `^Failover auth denied to ${requester.name}: can't vote about this master before \\d+ milliseconds$`,
      ),
    );
  });

  it("stale requests, masters and stale slot configurations get no vote; FORCEACK skips the FAIL check", () => {
    const { voter, requester, master, header, vote, masters } = setup();
    let e = vote(header({ currentEpoch: voter.currentEpoch - 1 }));
    expect(denial(e)).toMatch(/reqEpoch \(\d+\) < curEpoch\(\d+\)/);
    master.flags |= NodeFlag.FAIL;
    // The slots the requester claims are owned (in my view) at a greater configEpoch.
    master.configEpoch = 50;
    e = vote(header({ configEpoch: 1 }));
    expect(acks(e)).toBe(0);
    expect(denial(e)).toBe(
      `Failover auth denied to ${requester.name}: slot 0 epoch (50) > reqEpoch (1)`,
    );
    master.configEpoch = 1;
    master.flags &= ~NodeFlag.FAIL;
    e = vote(header({ mflags: MessageFlag.FORCEACK }));
    expect(acks(e)).toBe(1);
    // A requester I know as a master gets nothing.
    const other = voter.nodes.get(masters[2]!.myself.name)!;
    e = vote(header(), other);
    expect(denial(e)).toBe(`Failover auth denied to ${other.name}: it is a master node`);
  });

  it("replicas and slotless masters never vote; ACKs of an older epoch are not counted", () => {
    const { net, replicas, header } = setup();
    const r1 = replicas[1]![0]!;
    const requester = r1.nodes.get(replicas[0]![0]!.myself.name)!;
    const e = r1.run(() => sendFailoverAuthIfNeeded(r1, requester, header()));
    expect(e).toEqual([]);
    // Counting: an ACK whose epoch predates the election is ignored.
    const r0 = replicas[0]![0]!;
    r0.election.authEpoch = 10;
    r0.election.authCount = 0;
    const m1 = r0.nodes.get(net.machines.get("10.0.0.2")!.myself.name)!;
    const link = m1.link!;
    const ack = (epoch: number) =>
      r0.handle({
        type: "message",
        link: link.id,
        msg: {
          type: MessageType.FAILOVER_AUTH_ACK,
          header: { ...net.machines.get("10.0.0.2")!.buildHeader(), currentEpoch: epoch },
        },
      });
    ack(9);
    expect(r0.election.authCount).toBe(0);
    ack(10);
    expect(r0.election.authCount).toBe(1);
  });
});

describe("CLUSTER FAILOVER", () => {
  it("answers Redis's errors on a master and for a bad option", () => {
    const { masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    expect(clusterCommand(masters[0]!, ["failover"]).reply).toEqual({
      type: "error",
      message: "ERR You should send CLUSTER FAILOVER to a replica",
    });
    expect(clusterCommand(replicas[0]![0]!, ["failover", "foo"]).reply).toEqual({
      type: "error",
      message: "ERR syntax error",
    });
    expect(clusterCommand(replicas[0]![0]!, ["failover", "force", "x"]).reply).toEqual({
      type: "error",
      message:
        "ERR unknown subcommand or wrong number of arguments for 'failover'. Try CLUSTER HELP.",
    });
  });

  it("default mode: the master pauses, the replica catches up with its offset, then wins", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    const [m0, m1] = masters as [ClusterState, ClusterState];
    const r0 = replicas[0]![0]!;
    net.write(m0, 1234);
    net.run(500);
    const r = clusterCommand(r0, ["failover"]);
    expect(r.reply).toEqual({ type: "ok" });
    net.apply("10.0.0.4", r.effects);
    net.deliver();
    // The master paused writes for 2 × 5 s and sent its offset flagged PAUSED.
    const pause = net.effects.get(m0)!.find((e) => e.type === "pauseWrites");
    expect(pause).toMatchObject({ type: "pauseWrites", until: net.now + 10_000 });
    expect(net.logs(m0)).toContain(`Manual failover requested by replica ${r0.myself.name}.`);
    expect(net.logs(r0)).toContain(
      `Received replication offset for paused master manual failover: ${m0.replication.offset}`,
    );
    net.runUntil(() => owners(m1, 0) === r0.myself.name && m1.state === "ok", 3000);
    expect(net.logs(r0)).toContain(
      "All master replication stream processed, manual failover can start.",
    );
    net.runUntil(() => m0.myself.slaveof?.name === r0.myself.name, 3000);
    // The old master lifted its pause when it became a replica.
    expect(net.effects.get(m0)!.some((e) => e.type === "unpauseWrites")).toBe(true);
    // Votes were forced: the master was never FAIL.
    expect(m1.nodes.get(m0.myself.name)!.flags & NodeFlag.FAIL).toBeFalsy();
  });

  it("a replica behind the paused master's offset waits; the failover times out after 5 s", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: NT });
    const [m0] = masters as [ClusterState];
    const r0 = replicas[0]![0]!;
    net.run(500);
    // Freeze the replica's data: the model would otherwise catch it up at once.
    Object.defineProperty(r0.replication, "offset", { get: () => 0, set: () => {} });
    net.write(m0, 50);
    net.apply("10.0.0.4", clusterCommand(r0, ["failover"]).effects);
    net.run(6000);
    expect(net.logs(r0)).toContain("Manual failover timed out.");
    expect(net.logs(m0)).toContain("Manual failover timed out.");
    expect(net.effects.get(m0)!.some((e) => e.type === "unpauseWrites")).toBe(true);
    expect(r0.myself.flags & NodeFlag.SLAVE).toBeTruthy();
    expect(owners(masters[1]!, 0)).toBe(m0.myself.name);
  });

  it("FORCE works with the master dead; TAKEOVER needs no votes at all", () => {
    const { net, masters, replicas } = formCluster(3, 1, { nodeTimeout: 15_000 });
    net.run(500);
    net.kill("10.0.0.1");
    net.run(1000);
    const r0 = replicas[0]![0]!;
    const f = clusterCommand(r0, ["failover", "force"]);
    expect(f.reply).toEqual({ type: "ok" });
    net.apply("10.0.0.4", f.effects);
    net.runUntil(() => owners(masters[1]!, 0) === r0.myself.name, 3000);
    expect(net.logs(r0)).toContain("Forced failover user request accepted.");

    // TAKEOVER: the other masters are cut off; the replica still takes over at once.
    const r1 = replicas[1]![0]!;
    net.partition([net.ipOf(r1)], ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.6"]);
    const t = clusterCommand(r1, ["failover", "takeover"]);
    expect(t.reply).toEqual({ type: "ok" });
    net.apply(net.ipOf(r1), t.effects);
    expect(t.effects.some((e) => e.type === "promote")).toBe(true);
    expect(t.effects[0]).toMatchObject({ type: "saveConfig", fsync: true });
    expect(r1.myself.flags & NodeFlag.MASTER).toBeTruthy();
    expect(r1.myself.configEpoch).toBe(r1.currentEpoch);
    expect(net.logs(r1)).toContain("Taking over the master (user request).");
    net.heal();
    net.runUntil(() => owners(masters[2]!, 5461) === r1.myself.name, 10_000);
    net.runUntil(() => masters[1]!.myself.slaveof?.name === r1.myself.name, 10_000);
  });
});

describe("replica migration", () => {
  it("an orphaned master gets a replica from the master with the most, after 5 s", () => {
    // Masters A, B; A has two replicas, B one. B's replica dies: B is orphaned.
    const { net, masters, replicas } = formCluster(2, 1, { nodeTimeout: NT });
    const extra = net.add("10.0.0.9", { nodeTimeout: NT });
    net.apply("10.0.0.9", clusterCommand(extra, ["meet", "10.0.0.1", "7000"]).effects);
    net.run(3000);
    net.apply("10.0.0.9", clusterCommand(extra, ["replicate", masters[0]!.myself.name]).effects);
    net.run(3000);
    const a = masters[0]!;
    const b = masters[1]!;
    expect(a.myself.slaves.length).toBe(2);
    const bReplica = replicas[1]![0]!;
    net.kill(net.ipOf(bReplica));
    const candidates = [replicas[0]![0]!, extra];
    const mover = candidates.reduce((x, y) => (x.myself.name < y.myself.name ? x : y));
    const t = net.runUntil(() => mover.myself.slaveof?.name === b.myself.name, 30_000);
    expect(t).toBeGreaterThan(5000);
    expect(net.logs(mover)).toContain(`Migrating to orphaned master ${b.myself.name}`);
    const stayer = candidates.find((c) => c !== mover)!;
    expect(stayer.myself.slaveof?.name).toBe(a.myself.name);
    net.run(3000);
    expect(a.nodes.get(mover.myself.name)!.slaveof?.name).toBe(b.myself.name);
  });

  it("cluster-migration-barrier keeps the replica home", () => {
    const { net, masters, replicas } = formCluster(2, 1, { nodeTimeout: NT, migrationBarrier: 2 });
    const extra = net.add("10.0.0.9", { nodeTimeout: NT, migrationBarrier: 2 });
    net.apply("10.0.0.9", clusterCommand(extra, ["meet", "10.0.0.1", "7000"]).effects);
    net.run(3000);
    net.apply("10.0.0.9", clusterCommand(extra, ["replicate", masters[0]!.myself.name]).effects);
    net.run(3000);
    net.kill(net.ipOf(replicas[1]![0]!));
    net.run(20_000);
    expect(replicas[0]![0]!.myself.slaveof?.name).toBe(masters[0]!.myself.name);
    expect(extra.myself.slaveof?.name).toBe(masters[0]!.myself.name);
  });
});

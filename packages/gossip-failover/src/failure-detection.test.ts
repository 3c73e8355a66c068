import { MessageType, NodeFlag } from "@shoal/cluster-bus/messages";
import { describe, expect, it } from "vitest";
import { addPeer, connectTo, lone } from "../test/nodes.js";
import {
  addFailureReport,
  clearFailureOnPong,
  clearNodeFailureIfNeeded,
  failureReportsCount,
  markNodeAsFailingIfNeeded,
  markNodeAsPfailIfTimedOut,
  receiveFail,
} from "./failure-detection.js";
import type { Effect } from "./types.js";

const NT = 1000;

function logs(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === "log" ? [e.message] : []));
}

/** Me (a master with slots) and three more masters with slots: size 4, quorum 3. */
function fourMasters(asReplica = false) {
  const { net, cs } = lone({ nodeTimeout: NT });
  const masters = [0, 1, 2].map((i) =>
    addPeer(cs, { slots: [i * 1000, i * 1000 + 999], configEpoch: i + 1 }),
  );
  if (asReplica) {
    cs.myself.flags = (cs.myself.flags & ~NodeFlag.MASTER) | NodeFlag.SLAVE;
    cs.myself.slaveof = masters[0]!;
    cs.addSlave(masters[0]!, cs.myself);
  } else {
    for (let s = 3000; s < 4000; s++) cs.addSlot(cs.myself, s);
  }
  cs.size = asReplica ? 3 : 4; // as clusterUpdateState() counts it
  return {
    net,
    cs,
    masters: masters as [(typeof masters)[0], (typeof masters)[0], (typeof masters)[0]],
  };
}

describe("failure reports", () => {
  it("count once per reporter, refresh on repeat, and expire after 2·NT", () => {
    const { net, cs, masters } = fourMasters();
    const [victim, a, b] = masters;
    expect(addFailureReport(cs, victim, a)).toBe(true);
    net.now += 1500;
    expect(addFailureReport(cs, victim, a)).toBe(false); // refreshed, not added
    expect(addFailureReport(cs, victim, b)).toBe(true);
    expect(failureReportsCount(cs, victim)).toBe(2);
    net.now += 2 * NT; // both exactly 2·NT old: still valid
    expect(failureReportsCount(cs, victim)).toBe(2);
    net.now += 1;
    expect(failureReportsCount(cs, victim)).toBe(0);
    expect(victim.failReports.size).toBe(0);
    // CLUSTER COUNT-FAILURE-REPORTS reads the same count.
    expect(cs.failureReportsCount(victim)).toBe(0);
  });
});

describe("markNodeAsFailingIfNeeded", () => {
  it("a master counts its own PFAIL toward the quorum", () => {
    const { cs, masters } = fourMasters();
    const [victim, a, b] = masters;
    victim.flags |= NodeFlag.PFAIL;
    addFailureReport(cs, victim, a);
    expect(logs(cs.run(() => markNodeAsFailingIfNeeded(cs, victim)))).toEqual([]);
    expect(victim.flags & NodeFlag.FAIL).toBe(0);
    addFailureReport(cs, victim, b); // 2 reports + myself = 3 of 4
    connectTo(cs, a);
    const effects = cs.run(() => markNodeAsFailingIfNeeded(cs, victim));
    expect(logs(effects)).toContain(`Marking node ${victim.name} as failing (quorum reached).`);
    expect(victim.flags & (NodeFlag.FAIL | NodeFlag.PFAIL)).toBe(NodeFlag.FAIL);
    expect(victim.failTime).toBe(cs.now());
    expect(
      effects.some(
        (e) => e.type === "send" && e.msg.type === MessageType.FAIL && e.msg.nodeId === victim.name,
      ),
    ).toBe(true);
    expect(effects[0]).toMatchObject({ type: "saveConfig" });
  });

  it("a replica does not count itself; the reports alone must reach the quorum", () => {
    const { cs, masters } = fourMasters(true);
    const [mine, a, b] = masters;
    // size 3, quorum 2: one report is not enough for a replica.
    a.flags |= NodeFlag.PFAIL;
    addFailureReport(cs, a, mine);
    cs.run(() => markNodeAsFailingIfNeeded(cs, a));
    expect(a.flags & NodeFlag.FAIL).toBe(0);
    addFailureReport(cs, a, b);
    cs.run(() => markNodeAsFailingIfNeeded(cs, a));
    expect(a.flags & NodeFlag.FAIL).toBeTruthy();
  });

  it("needs my own PFAIL first, and leaves a FAIL node alone", () => {
    const { cs, masters } = fourMasters();
    const [victim, a, b] = masters;
    addFailureReport(cs, victim, a);
    addFailureReport(cs, victim, b);
    cs.run(() => markNodeAsFailingIfNeeded(cs, victim));
    expect(victim.flags & NodeFlag.FAIL).toBe(0);
    victim.flags |= NodeFlag.FAIL;
    victim.failTime = 1;
    expect(logs(cs.run(() => markNodeAsFailingIfNeeded(cs, victim)))).toEqual([]);
    expect(victim.failTime).toBe(1);
  });
});

describe("PFAIL in cron", () => {
  it("a pending ping and no data for more than NT make a node PFAIL", () => {
    const { net, cs, masters } = fourMasters();
    const [n] = masters;
    const now = net.now;
    expect(markNodeAsPfailIfTimedOut(cs, n, now)).toBe(false); // no ping pending
    n.pingSent = now - NT;
    n.dataReceived = now - 5 * NT;
    expect(markNodeAsPfailIfTimedOut(cs, n, now)).toBe(false); // exactly NT: not yet
    // Any traffic counts as a sign of life, not only the PONG.
    n.pingSent = now - NT - 1;
    n.dataReceived = now - 10;
    expect(markNodeAsPfailIfTimedOut(cs, n, now)).toBe(false);
    n.dataReceived = now - NT - 1;
    expect(markNodeAsPfailIfTimedOut(cs, n, now)).toBe(true);
    expect(n.flags & NodeFlag.PFAIL).toBeTruthy();
    expect(markNodeAsPfailIfTimedOut(cs, n, now)).toBe(false); // already PFAIL
  });

  it("the only master with slots goes straight to FAIL", () => {
    const { net, cs } = lone({ nodeTimeout: NT });
    for (let s = 0; s < 100; s++) cs.addSlot(cs.myself, s);
    cs.size = 1;
    const other = addPeer(cs);
    other.pingSent = net.now - NT - 1;
    other.dataReceived = net.now - NT - 1;
    cs.run(() => markNodeAsPfailIfTimedOut(cs, other, net.now));
    expect(other.flags & (NodeFlag.FAIL | NodeFlag.PFAIL)).toBe(NodeFlag.FAIL);
  });
});

describe("FAIL receipt and undo", () => {
  it("FAIL from a known node applies at once, never to myself; my master's FAIL starts the election step", () => {
    const { net, cs, masters } = fourMasters(true);
    const [mine, a] = masters;
    Object.assign(cs.replication, { linkUp: true, lastInteraction: net.now });
    const effects = cs.run(() => receiveFail(cs, a.name, mine.name, net.now));
    expect(logs(effects)).toContain(`FAIL message received from ${a.name} about ${mine.name}`);
    expect(mine.flags & NodeFlag.FAIL).toBeTruthy();
    expect(mine.failTime).toBe(net.now);
    // The election step ran in this turn (it schedules itself: a delay line is logged).
    expect(logs(effects).some((l) => l.startsWith("Start of election delayed for"))).toBe(true);
    cs.run(() => receiveFail(cs, a.name, cs.myself.name, net.now));
    expect(cs.myself.flags & NodeFlag.FAIL).toBe(0);
  });

  it("a PONG clears PFAIL at once; FAIL of a replica or a slotless master is undone at once", () => {
    const { cs, masters } = fourMasters();
    const [m] = masters;
    m.flags |= NodeFlag.PFAIL;
    cs.run(() => clearFailureOnPong(cs, m));
    expect(m.flags & NodeFlag.PFAIL).toBe(0);

    const replica = addPeer(cs, { replicaOf: m });
    replica.flags |= NodeFlag.FAIL;
    const effects = cs.run(() => clearFailureOnPong(cs, replica));
    expect(replica.flags & NodeFlag.FAIL).toBe(0);
    expect(logs(effects)).toContain(
      `Clear FAIL state for node ${replica.name}: replica is reachable again.`,
    );

    const empty = addPeer(cs);
    empty.flags |= NodeFlag.FAIL;
    const e2 = cs.run(() => clearNodeFailureIfNeeded(cs, empty));
    expect(empty.flags & NodeFlag.FAIL).toBe(0);
    expect(logs(e2)).toContain(
      `Clear FAIL state for node ${empty.name}: master without slots is reachable again.`,
    );
  });

  it("FAIL of a master with slots is undone only after 2·NT with nobody taking its slots", () => {
    const { net, cs, masters } = fourMasters();
    const [m] = masters;
    m.flags |= NodeFlag.FAIL;
    m.failTime = net.now;
    net.now += 2 * NT;
    cs.run(() => clearFailureOnPong(cs, m));
    expect(m.flags & NodeFlag.FAIL).toBeTruthy();
    net.now += 1;
    const effects = cs.run(() => clearFailureOnPong(cs, m));
    expect(m.flags & NodeFlag.FAIL).toBe(0);
    expect(logs(effects)).toContain(
      `Clear FAIL state for node ${m.name}: is reachable again and nobody is serving its slots after some time.`,
    );
  });
});

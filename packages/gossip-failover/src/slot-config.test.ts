import { MessageType, NodeFlag, type UpdateMessage } from "@shoal/cluster-bus/messages";
import { describe, expect, it } from "vitest";
import { addPeer, connectTo, HIGH_ID, LOW_ID, lone } from "../test/nodes.js";
import type { ClusterState } from "./cluster-state.js";
import type { ClusterNode } from "./node.js";
import {
  bumpConfigEpochWithoutConsensus,
  handleConfigEpochCollision,
  processSenderSlots,
  receiveUpdate,
  updateSlotsConfigWith,
} from "./slot-config.js";
import type { Effect } from "./types.js";

function logs(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === "log" ? [e.message] : []));
}

function owner(cs: ClusterState, slot: number): ClusterNode | null {
  return cs.slots[slot] ?? null;
}

function update(cs: ClusterState, n: ClusterNode, configEpoch: number, slots: number[]) {
  const msg: UpdateMessage = {
    type: MessageType.UPDATE,
    header: cs.buildHeader(),
    configEpoch,
    nodeId: n.name,
    slots,
  };
  return cs.run(() => receiveUpdate(cs, msg));
}

describe("clusterUpdateSlotsConfigWith", () => {
  it("rule 1: a claim takes unassigned slots, saved with fsync", () => {
    const { cs } = lone();
    const a = addPeer(cs, { configEpoch: 1 });
    const effects = cs.run(() => updateSlotsConfigWith(cs, a, 1, [0, 99, 200, 200]));
    expect(owner(cs, 0)).toBe(a);
    expect(owner(cs, 99)).toBe(a);
    expect(owner(cs, 100)).toBeNull();
    expect(owner(cs, 200)).toBe(a);
    expect(a.numSlots).toBe(101);
    expect(cs.assignedSlots).toBe(101);
    expect(effects[0]).toMatchObject({ type: "saveConfig", fsync: true });
  });

  it("rule 2: only a greater configEpoch steals; equal or smaller epochs never do", () => {
    const { cs } = lone();
    const b = addPeer(cs, { configEpoch: 5, slots: [0, 99] });
    const a = addPeer(cs, { configEpoch: 5 });
    cs.run(() => updateSlotsConfigWith(cs, a, 5, [0, 99]));
    expect(owner(cs, 0)).toBe(b);
    cs.run(() => updateSlotsConfigWith(cs, a, 4, [0, 99]));
    expect(owner(cs, 0)).toBe(b);
    cs.run(() => updateSlotsConfigWith(cs, a, 6, [0, 49]));
    expect(owner(cs, 0)).toBe(a);
    expect(owner(cs, 49)).toBe(a);
    expect(owner(cs, 50)).toBe(b);
    expect(b.numSlots).toBe(50);
  });

  it("skips slots this node is IMPORTING (the operator finishes those)", () => {
    const { cs } = lone();
    const b = addPeer(cs, { configEpoch: 1, slots: [0, 9] });
    const a = addPeer(cs, { configEpoch: 2 });
    cs.importingSlotsFrom.set(5, b);
    cs.run(() => updateSlotsConfigWith(cs, a, 2, [0, 9]));
    expect(owner(cs, 5)).toBe(b);
    expect(owner(cs, 4)).toBe(a);
    expect(owner(cs, 6)).toBe(a);
  });

  it("losing some of my slots drops their keys; losing the last makes me a replica of the winner", () => {
    const { cs } = lone();
    cs.myself.configEpoch = 1;
    for (let s = 0; s < 100; s++) cs.addSlot(cs.myself, s);
    const a = addPeer(cs, { configEpoch: 2 });
    const part = cs.run(() => updateSlotsConfigWith(cs, a, 2, [0, 9]));
    expect(part).toContainEqual({
      type: "deleteKeysInSlots",
      slots: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    });
    expect(cs.myself.flags & NodeFlag.MASTER).toBeTruthy();
    const all = cs.run(() => updateSlotsConfigWith(cs, a, 2, [0, 99]));
    expect(logs(all)).toContain(
      `Configuration change detected. Reconfiguring myself as a replica of ${a.name}`,
    );
    expect(cs.myself.slaveof).toBe(a);
    expect(cs.myself.flags & NodeFlag.SLAVE).toBeTruthy();
    expect(all).toContainEqual({ type: "replicate", master: a.name, host: a.ip, port: a.port });
  });

  it("a replica whose master lost its last slot follows the new owner", () => {
    const { cs } = lone();
    const old = addPeer(cs, { configEpoch: 1, slots: [0, 99] });
    cs.setMyselfAsReplicaOf(old);
    const a = addPeer(cs, { configEpoch: 2 });
    const effects = cs.run(() => updateSlotsConfigWith(cs, a, 2, [0, 99]));
    expect(cs.myself.slaveof).toBe(a);
    expect(logs(effects)).toContain(
      `Configuration change detected. Reconfiguring myself as a replica of ${a.name}`,
    );
  });

  it("an UPDATE about myself is discarded", () => {
    const { cs } = lone();
    const effects = cs.run(() => updateSlotsConfigWith(cs, cs.myself, 9, [0, 9]));
    expect(logs(effects)).toContain("Discarding UPDATE message about myself.");
    expect(owner(cs, 0)).toBeNull();
  });
});

describe("UPDATE messages", () => {
  it("an UPDATE not newer than the configEpoch I know is ignored", () => {
    const { cs } = lone();
    const b = addPeer(cs, { configEpoch: 5, slots: [0, 99] });
    const a = addPeer(cs, { configEpoch: 3, slots: [100, 199] });
    update(cs, a, 3, [0, 199]);
    update(cs, a, 2, [0, 199]);
    expect(owner(cs, 0)).toBe(b);
    expect(a.configEpoch).toBe(3);
  });

  it("a newer UPDATE sets the node's configEpoch, makes it a master and binds its slots", () => {
    const { cs } = lone();
    const b = addPeer(cs, { configEpoch: 5, slots: [0, 99] });
    const a = addPeer(cs, { replicaOf: b });
    const effects = update(cs, a, 6, [0, 99]);
    expect(a.configEpoch).toBe(6);
    expect(a.flags & NodeFlag.MASTER).toBeTruthy();
    expect(a.slaveof).toBeNull();
    expect(owner(cs, 0)).toBe(a);
    expect(effects[0]).toMatchObject({ type: "saveConfig", fsync: true });
  });

  it("a sender claiming slots of a master with a greater configEpoch is sent an UPDATE about it", () => {
    const { cs } = lone();
    const b = addPeer(cs, { configEpoch: 5, slots: [0, 99] });
    const stale = addPeer(cs, { configEpoch: 3 });
    connectTo(cs, stale);
    const header = { ...cs.buildHeader(), configEpoch: 3, slots: [0, 99], replicaOf: null };
    const effects = cs.run(() => processSenderSlots(cs, stale, header));
    const sent = effects.filter((e) => e.type === "send");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      link: stale.link!.id,
      msg: { type: MessageType.UPDATE, nodeId: b.name, configEpoch: 5, slots: [0, 99] },
    });
    expect(logs(effects)).toContain(
      `Node ${stale.name} has old slots configuration, sending an UPDATE message about ${b.name}`,
    );
    expect(owner(cs, 0)).toBe(b);
  });
});

describe("epochs", () => {
  it("configEpoch collision: the node with the smaller id takes currentEpoch+1, with fsync", () => {
    const { cs } = lone();
    cs.currentEpoch = 7;
    cs.myself.configEpoch = 4;
    const high = addPeer(cs, { name: HIGH_ID, configEpoch: 4 });
    const low = addPeer(cs, { name: LOW_ID, configEpoch: 4 });
    expect(logs(cs.run(() => handleConfigEpochCollision(cs, low)))).toEqual([]);
    expect(cs.myself.configEpoch).toBe(4);
    const effects = cs.run(() => handleConfigEpochCollision(cs, high));
    expect(cs.myself.configEpoch).toBe(8);
    expect(cs.currentEpoch).toBe(8);
    expect(effects[0]).toMatchObject({ type: "saveConfig", fsync: true });
    expect(logs(effects)).toContain(
      `WARNING: configEpoch collision with node ${HIGH_ID}. configEpoch set to 8`,
    );
    // Different epochs, or a replica sender: no collision.
    cs.run(() => handleConfigEpochCollision(cs, high));
    expect(cs.myself.configEpoch).toBe(8);
  });

  it("bump without consensus: only when my configEpoch is 0 or not the unique maximum", () => {
    const { cs } = lone();
    const a = addPeer(cs, { configEpoch: 3 });
    expect(bumpConfigEpochWithoutConsensus(cs)).toBe(true); // 0
    expect(cs.myself.configEpoch).toBe(1);
    a.configEpoch = 9;
    expect(bumpConfigEpochWithoutConsensus(cs)).toBe(true); // not the max
    expect(cs.myself.configEpoch).toBe(2);
    expect(cs.currentEpoch).toBe(2);
    cs.currentEpoch = 9;
    expect(bumpConfigEpochWithoutConsensus(cs)).toBe(true);
    expect(cs.myself.configEpoch).toBe(10);
    expect(bumpConfigEpochWithoutConsensus(cs)).toBe(false); // already the maximum
    expect(cs.myself.configEpoch).toBe(10);
  });
});

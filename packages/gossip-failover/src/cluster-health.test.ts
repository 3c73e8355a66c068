import { NodeFlag } from "@shoal/cluster-bus/messages";
import { describe, expect, it } from "vitest";
import { addPeer, assignSlots, lone } from "../test/nodes.js";
import { CLUSTER_WRITABLE_DELAY, updateState } from "./cluster-health.js";
import type { ClusterState } from "./cluster-state.js";
import type { ClusterConfig } from "./types.js";

const NT = 1000;

/** Me and two more masters sharing every slot; the writable delay already over. */
function threeMasters(overrides: Partial<ClusterConfig> = {}) {
  const { net, cs } = lone({ nodeTimeout: NT, ...overrides });
  assignSlots(cs, cs.myself, [0, 5460]);
  const a = addPeer(cs, { slots: [5461, 10922], configEpoch: 2 });
  const b = addPeer(cs, { slots: [10923, 16383], configEpoch: 3 });
  net.now += CLUSTER_WRITABLE_DELAY;
  update(cs);
  expect(cs.state).toBe("ok");
  return { net, cs, a, b };
}

function update(cs: ClusterState) {
  return cs.run(() => updateState(cs));
}

describe("clusterUpdateState", () => {
  it("counts cluster_size as the masters serving slots", () => {
    const { cs, a } = threeMasters();
    addPeer(cs); // a master without slots
    addPeer(cs, { replicaOf: a });
    update(cs);
    expect(cs.size).toBe(3);
  });

  it("a minority (fewer than size/2+1 reachable masters) turns fail, with the effect", () => {
    const { cs, a, b } = threeMasters();
    a.flags |= NodeFlag.PFAIL;
    update(cs);
    expect(cs.state).toBe("ok"); // 2 of 3 reachable
    b.flags |= NodeFlag.FAIL;
    const effects = update(cs);
    expect(cs.state).toBe("fail");
    expect(effects).toContainEqual({ type: "stateChanged", state: "fail" });
    expect(effects).toContainEqual({
      type: "log",
      level: "warning",
      message: "Cluster state changed: fail",
    });
  });

  it("a master back from the minority waits the rejoin delay, min(max(NT, 500), 5000)", () => {
    const { net, cs, a, b } = threeMasters();
    a.flags |= NodeFlag.PFAIL;
    b.flags |= NodeFlag.PFAIL;
    update(cs);
    expect(cs.state).toBe("fail");
    a.flags &= ~NodeFlag.PFAIL;
    b.flags &= ~NodeFlag.PFAIL;
    net.now += NT - 1;
    update(cs);
    expect(cs.state).toBe("fail");
    net.now += 1;
    expect(update(cs)).toContainEqual({ type: "stateChanged", state: "ok" });
    expect(cs.state).toBe("ok");
  });

  it("the rejoin delay is at least 500 ms and at most 5 s", () => {
    for (const [nt, delay] of [
      [100, 500],
      [15_000, 5000],
    ] as const) {
      const { net, cs, a, b } = threeMasters({ nodeTimeout: nt });
      a.flags |= NodeFlag.FAIL;
      b.flags |= NodeFlag.FAIL;
      update(cs);
      a.flags &= ~NodeFlag.FAIL;
      b.flags &= ~NodeFlag.FAIL;
      net.now += delay - 1;
      update(cs);
      expect(cs.state).toBe("fail");
      net.now += 1;
      update(cs);
      expect(cs.state).toBe("ok");
    }
  });

  it("a replica turns ok at once: no rejoin delay", () => {
    const { cs, a, b } = threeMasters();
    cs.delNodeSlots(cs.myself);
    assignSlots(cs, a, [0, 5460]);
    cs.setMyselfAsReplicaOf(a);
    a.flags |= NodeFlag.PFAIL;
    b.flags |= NodeFlag.PFAIL;
    update(cs);
    expect(cs.state).toBe("fail");
    a.flags &= ~NodeFlag.PFAIL;
    b.flags &= ~NodeFlag.PFAIL;
    update(cs);
    expect(cs.state).toBe("ok");
  });

  it("a starting master stays fail for the writable delay; a replica does not wait", () => {
    const { net, cs } = lone({ nodeTimeout: NT });
    assignSlots(cs, cs.myself, [0, 16383]);
    const start = net.now;
    update(cs); // the first call starts the delay
    net.now = start + CLUSTER_WRITABLE_DELAY - 1;
    update(cs);
    expect(cs.state).toBe("fail");
    net.now = start + CLUSTER_WRITABLE_DELAY;
    update(cs);
    expect(cs.state).toBe("ok");

    const other = lone({ nodeTimeout: NT }).cs;
    const m = addPeer(other, { slots: [0, 16383] });
    other.setMyselfAsReplicaOf(m);
    update(other);
    expect(other.state).toBe("ok");
  });

  it("full coverage: an unassigned slot or a FAIL owner is fail, unless require-full-coverage is off", () => {
    const { cs, b } = threeMasters();
    cs.delSlot(16383);
    update(cs);
    expect(cs.state).toBe("fail");
    cs.config.requireFullCoverage = false;
    update(cs);
    expect(cs.state).toBe("ok");
    cs.config.requireFullCoverage = true;
    cs.addSlot(b, 16383);
    update(cs);
    expect(cs.state).toBe("ok");
    // 2 of 3 masters reachable, but a FAIL owner leaves slots unserved.
    b.flags |= NodeFlag.FAIL;
    update(cs);
    expect(cs.state).toBe("fail");
    cs.config.requireFullCoverage = false;
    update(cs);
    expect(cs.state).toBe("ok");
  });
});

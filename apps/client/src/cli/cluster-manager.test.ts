import { describe, expect, it } from "vitest";
import { planCluster } from "./cluster-manager.js";
import { slotsString } from "./cluster-view.js";

describe("cluster create plan", () => {
  it("splits slots as redis-cli does and puts replicas on other hosts", () => {
    const nodes = [1, 2, 3, 4, 5, 6].map((i) => ({ host: i % 2 ? "a" : "b", port: 7000 + i }));
    const plan = planCluster(nodes, 1);
    expect(plan.masters).toBe(3);
    expect(plan.assignments.filter((a) => a.slots).map((a) => a.slots)).toEqual([
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ]);
    for (const a of plan.assignments.filter((x) => x.masterIndex !== undefined))
      expect(nodes[a.index]!.host).not.toBe(nodes[a.masterIndex!]!.host);
  });

  it("refuses fewer than 3 masters with redis-cli's message", () => {
    expect(() =>
      planCluster(
        [
          { host: "a", port: 1 },
          { host: "a", port: 2 },
        ],
        0,
      ),
    ).toThrow(/Redis Cluster requires at least 3 master nodes/);
  });

  it("prints slot lists", () => {
    expect(slotsString([0, 1, 2, 5, 7, 8])).toBe("[0-2],[5],[7-8]");
    expect(slotsString([])).toBe("");
  });
});

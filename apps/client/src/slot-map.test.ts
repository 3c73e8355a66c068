import { describe, expect, it } from "vitest";
import { parseClusterShards, parseClusterSlots, SlotMap } from "./slot-map.js";

// Reply shapes from shared/reference/cluster-interface.md §3.3/§3.4.
const node = (id: string, port: number, role: string, health = "online") => [
  "id",
  id,
  "port",
  port,
  "ip",
  "127.0.0.1",
  "endpoint",
  "127.0.0.1",
  "role",
  role,
  "replication-offset",
  10,
  "health",
  health,
];

describe("slot map", () => {
  it("parses CLUSTER SHARDS in RESP2 (flat arrays) and RESP3 (maps)", () => {
    const resp2 = [
      ["slots", [0, 5460], "nodes", [node("a", 7100, "master"), node("d", 7104, "replica")]],
      ["slots", [5461, 10922, 10924, 16383], "nodes", [node("b", 7101, "master")]],
      ["slots", [], "nodes", [node("e", 7106, "master")]],
      [
        "slots",
        [10923, 10923],
        "nodes",
        [node("c", 7102, "master"), node("f", 7105, "replica", "loading")],
      ],
    ];
    const shards = parseClusterShards(resp2, "fallback");
    const map = new SlotMap(shards);
    expect(map.masterOf(0)).toEqual({ host: "127.0.0.1", port: 7100, id: "a" });
    expect(map.shardOf(100)!.replicas.map((r) => r.port)).toEqual([7104]);
    expect(map.masterOf(10923)!.port).toBe(7102);
    expect(map.shardOf(10923)!.replicas).toEqual([]); // still loading
    expect(map.masterOf(16383)!.port).toBe(7101);
    expect(map.masters().map((m) => m.port)).toEqual([7100, 7101, 7102]); // 7106 owns nothing
    expect(map.uncovered()).toBe(0);

    const toMap = (flat: unknown[]) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
      return o;
    };
    const resp3 = resp2.map((e) => ({ slots: e[1], nodes: (e[3] as unknown[][]).map(toMap) }));
    expect(parseClusterShards(resp3, "fallback")).toEqual(shards);
  });

  it("skips failed nodes and uses the asked host for empty endpoints", () => {
    const shards = parseClusterShards(
      [
        [
          "slots",
          [0, 16383],
          "nodes",
          [
            ["id", "x", "port", 1, "ip", "", "endpoint", "", "role", "master", "health", "online"],
            ["id", "y", "port", 2, "ip", "h", "endpoint", "h", "role", "replica", "health", "fail"],
          ],
        ],
      ],
      "seed-host",
    );
    expect(shards).toEqual([
      { master: { host: "seed-host", port: 1, id: "x" }, replicas: [], ranges: [[0, 16383]] },
    ]);
  });

  it("parses CLUSTER SLOTS and merges ranges of one master", () => {
    const reply = [
      [0, 5460, ["127.0.0.1", 7100, "a", []], ["127.0.0.1", 7104, "d", []]],
      [5461, 10922, ["127.0.0.1", 7101, "b", []]],
      [10923, 16383, [null, 7100, "a", []]],
    ];
    const map = new SlotMap(parseClusterSlots(reply, "127.0.0.1"));
    expect(map.shards).toHaveLength(2);
    expect(map.masterOf(16000)!.port).toBe(7100);
    expect(map.shardOf(16000)!.ranges).toEqual([
      [0, 5460],
      [10923, 16383],
    ]);
  });

  it("patches one slot on MOVED", () => {
    const map = new SlotMap(parseClusterSlots([[0, 16383, ["h", 1, "a"]]], "h"));
    map.assign(42, { host: "h", port: 2 });
    expect(map.masterOf(42)!.port).toBe(2);
    expect(map.masterOf(43)!.port).toBe(1);
    map.assign(43, { host: "h", port: 2 });
    expect(map.shards).toHaveLength(2);
  });
});

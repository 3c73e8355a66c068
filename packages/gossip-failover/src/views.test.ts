import { describe, expect, it } from "vitest";
import { TestNet } from "../test/harness.js";
import {
  clusterCommand,
  clusterInfoFields,
  clusterLinks,
  clusterShards,
  clusterSlots,
  slotOwner,
} from "./index.js";

function pair(overridesB = {}) {
  const net = new TestNet();
  net.aliases.set("192.168.1.2", "10.0.0.2");
  const a = net.add("10.0.0.1");
  const b = net.add("10.0.0.2", overridesB);
  clusterCommand(a, ["addslotsrange", "0", "8191"]);
  clusterCommand(b, ["addslotsrange", "8192", "16383"]);
  clusterCommand(a, ["set-config-epoch", "1"]);
  clusterCommand(b, ["set-config-epoch", "2"]);
  net.apply("10.0.0.2", clusterCommand(b, ["meet", "10.0.0.1", "7000"]).effects);
  net.run(5000);
  return { net, a, b };
}

describe("announce settings and endpoints", () => {
  it("cluster-announce-ip/-port/-bus-port/-hostname are what peers see", () => {
    const { a, b } = pair({
      announceIp: "192.168.1.2",
      announcePort: 7777,
      announceBusPort: 17777,
      announceHostname: "node-b.local",
    });
    const seen = a.nodes.get(b.myself.name)!;
    expect([seen.ip, seen.port, seen.cport, seen.hostname]).toEqual([
      "192.168.1.2",
      7777,
      17777,
      "node-b.local",
    ]);
    const line = (clusterCommand(a, ["nodes"]).reply as { value: string }).value
      .split("\n")
      .find((l) => l.startsWith(b.myself.name))!;
    expect(line).toMatch(
      /^\S+ 192\.168\.1\.2:7777@17777,node-b\.local master - \d+ \d+ 2 connected 8192-16383$/,
    );
    expect(b.myself.ip).toBe("192.168.1.2");
  });

  it("cluster-preferred-endpoint-type shapes SLOTS and MOVED targets", () => {
    const { a, b } = pair({ announceHostname: "node-b.local" });
    expect(clusterSlots(a)[1]).toEqual({
      start: 8192,
      end: 16383,
      nodes: [
        {
          endpoint: "10.0.0.2",
          port: 7000,
          id: b.myself.name,
          metadata: [["hostname", "node-b.local"]],
        },
      ],
    });
    a.config.preferredEndpointType = "hostname";
    expect(clusterSlots(a)[1]!.nodes[0]).toMatchObject({
      endpoint: "node-b.local",
      metadata: [["ip", "10.0.0.2"]],
    });
    expect(clusterSlots(a)[0]!.nodes[0]!.endpoint).toBe("?");
    a.config.preferredEndpointType = "unknown-endpoint";
    expect(clusterSlots(a)[1]!.nodes[0]!.endpoint).toBeNull();
    expect(slotOwner(a, 9000)).toEqual({
      id: b.myself.name,
      endpoint: "",
      port: 7000,
      myself: false,
    });
  });
});

describe("INFO / SHARDS / LINKS data", () => {
  it("reports the formed cluster like Redis", () => {
    const { a, b } = pair();
    const info = Object.fromEntries(
      clusterInfoFields(a, {
        messageStats: [
          ["cluster_stats_messages_ping_sent", 3],
          ["cluster_stats_messages_sent", 3],
        ],
      }),
    );
    expect(info).toMatchObject({
      cluster_state: "ok",
      cluster_slots_assigned: 16384,
      cluster_slots_ok: 16384,
      cluster_known_nodes: 2,
      cluster_size: 2,
      cluster_current_epoch: 2,
      cluster_my_epoch: 1,
      cluster_stats_messages_ping_sent: 3,
      total_cluster_links_buffer_limit_exceeded: 0,
    });
    const shards = clusterShards(a);
    expect(shards).toHaveLength(2);
    expect(shards.find((s) => s.nodes[0]!.id === b.myself.name)).toMatchObject({
      slots: [8192, 16383],
      nodes: [
        { port: 7000, ip: "10.0.0.2", endpoint: "10.0.0.2", role: "master", health: "online" },
      ],
    });
    const out = a.nodes.get(b.myself.name)!.link!;
    const rows = clusterLinks(a, [
      {
        id: out.id,
        direction: "to",
        createTime: 5,
        events: "r",
        sendBufferAllocated: 0,
        sendBufferUsed: 0,
      },
      {
        id: "nope",
        direction: "from",
        createTime: 5,
        events: "r",
        sendBufferAllocated: 0,
        sendBufferUsed: 0,
      },
    ]);
    expect(rows).toEqual([
      {
        direction: "to",
        node: b.myself.name,
        createTime: 5,
        events: "r",
        sendBufferAllocated: 0,
        sendBufferUsed: 0,
      },
    ]);
  });
});

// The two packages over real sockets: three state machines on TcpTransports on 127.0.0.1 form a
// cluster through CLUSTER MEET, and a node restarted from its saved nodes.conf rejoins with the
// same id, epoch and slots. Wall-clock test: waits with waitFor, asserts no timings.
import { TcpTransport } from "@shoal/cluster-bus";
import { createClusterState, defaultClusterConfig } from "@shoal/gossip-failover";
import { freeClusterPorts, waitFor } from "@shoal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { NodeDriver } from "./driver.js";

interface Running {
  driver: NodeDriver;
  port: number;
  saved: string;
  logs: string[];
}

const running: Running[] = [];

async function startNode(port: number, nodesConf: string | null = null): Promise<Running> {
  const { state, effects } = createClusterState({
    config: defaultClusterConfig({ port, busPort: port + 10000, nodeTimeout: 2000 }),
    now: Date.now,
    random: Math.random,
    nodesConf,
  });
  const transport = new TcpTransport({ port: port + 10000, host: "127.0.0.1" });
  await transport.listen();
  const node: Running = { driver: null as unknown as NodeDriver, port, saved: "", logs: [] };
  node.driver = new NodeDriver(state, transport, {
    save: (text) => {
      node.saved = text;
    },
    log: (level, message) => node.logs.push(`${level} ${message}`),
  });
  node.driver.apply(effects);
  node.driver.startCron();
  running.push(node);
  return node;
}

async function stopNode(n: Running): Promise<void> {
  n.driver.stop();
  await n.driver.transport.shutdown();
}

afterEach(async () => {
  await Promise.all(running.splice(0).map(stopNode));
});

describe("gossip-failover over TCP", () => {
  it("three nodes form a cluster through MEET; a restarted node keeps id, epoch and slots", async () => {
    const ports = await freeClusterPorts(3);
    const nodes = await Promise.all(ports.map((p) => startNode(p)));
    const ranges = [
      ["0", "5460"],
      ["5461", "10922"],
      ["10923", "16383"],
    ];
    nodes.forEach((n, i) => {
      expect(n.driver.command("addslotsrange", ...ranges[i]!)).toEqual({ type: "ok" });
      expect(n.driver.command("set-config-epoch", String(i + 1))).toEqual({ type: "ok" });
    });
    for (const n of nodes.slice(1))
      expect(n.driver.command("meet", "127.0.0.1", String(ports[0]))).toEqual({ type: "ok" });
    const healthy = () =>
      nodes.every((n) => n.driver.state.state === "ok" && n.driver.state.nodes.size === 3);
    await waitFor(healthy, { timeout: 20_000, what: "cluster_state:ok on 3 nodes" });
    const info = nodes[0]!.driver.command("info");
    expect(info).toMatchObject({
      type: "bulk",
      value: expect.stringContaining("cluster_state:ok\r\n"),
    });
    expect((info as { value: string }).value).toMatch(/cluster_stats_messages_ping_sent:\d+/);
    const text = (nodes[1]!.driver.command("nodes") as { value: string }).value;
    expect(text.split("\n").filter(Boolean)).toHaveLength(3);
    expect(text).toContain(`127.0.0.1:${ports[0]}@${ports[0]! + 10000} master - 0`);
    expect(nodes[0]!.logs).toContain("warning Cluster state changed: ok");

    // Restart node 2 from its nodes.conf.
    const victim = nodes[2]!;
    const id = victim.driver.state.myself.name;
    await stopNode(victim);
    running.splice(running.indexOf(victim), 1);
    const back = await startNode(victim.port, victim.saved);
    nodes[2] = back;
    expect(back.driver.state.myself.name).toBe(id);
    expect(back.driver.state.myself.configEpoch).toBe(3);
    expect(back.driver.state.nodeRanges(back.driver.state.myself)).toEqual([10923, 16383]);
    await waitFor(healthy, { timeout: 20_000, what: "cluster ok after restart" });
  }, 60_000);
});

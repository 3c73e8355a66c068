// Real partitions through the fault proxies (LocalCluster with partitions: true): the cut side
// learns of it only by silence — its bus links and its replication link stop, CLUSTER NODES
// shows fail?/fail across the cut after node-timeout — while a client on 127.0.0.1 still reaches
// every node; heal() clears the flags and replication catches up.
import { redisCli, waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCluster, type LocalClusterNode } from "../dist/index.js";

/** Keys `port` holds in `slot` (answered even while that node reports cluster_state:fail). */
const keysIn = async (port: number, slot: number) =>
  Number(await redisCli(port, ["CLUSTER", "COUNTKEYSINSLOT", String(slot)]));

/** The ids `observer` flags fail? or fail in CLUSTER NODES. */
async function flagged(observer: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const line of (await redisCli(observer, ["CLUSTER", "NODES"])).split("\n")) {
    const f = line.split(" ");
    if (f[2]?.split(",").some((x) => x === "fail" || x === "fail?")) out.add(f[0]!);
  }
  return out;
}

async function replInfo(port: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await redisCli(port, ["INFO", "replication"])).split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

describe("LocalCluster partitions (3 masters, 1 replica each, node-timeout 1000)", () => {
  let cluster: LocalCluster;
  let nodes: LocalClusterNode[];

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      masters: 3,
      replicas: 1,
      nodeTimeout: 1000,
      partitions: true,
      // A replica notices a silent master after repl-timeout; the master pings every second.
      serverArgs: ["--repl-timeout", "2", "--repl-ping-replica-period", "1"],
    });
    nodes = await cluster.nodes();
  }, 40_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 20_000);

  it("a node listed in no group, an unknown port and a doubled port are refused", async () => {
    const [a, b] = nodes;
    await expect(cluster.partition([[a!.port], [b!.port]])).rejects.toThrow(/in no group/);
    await expect(cluster.partition([[1]])).rejects.toThrow(/not a node of this cluster/);
    await expect(cluster.partition([[a!.port], [a!.port]])).rejects.toThrow(/more than one group/);
  });

  it("cutting a replica off: both sides flag each other, replication stops, clients still reach it; heal restores both", async () => {
    const replica = nodes.find((n) => n.role === "replica")!;
    const master = nodes.find((n) => n.port === replica.master)!;
    const others = nodes.filter((n) => n.port !== replica.port);
    // A key the replica's master serves.
    let key = "";
    let slot = -1;
    for (let i = 0; key === ""; i++) {
      slot = Number(await redisCli(master.port, ["CLUSTER", "KEYSLOT", `k${i}`]));
      const mine = master.slots.some((r) => {
        const [a, b] = r.split("-").map(Number);
        return slot >= a! && slot <= (b ?? a)!;
      });
      if (mine) key = `k${i}`;
    }

    await cluster.partition([[replica.port]]);

    await waitFor(
      async () => {
        const cut = await flagged(replica.port);
        return others.every((o) => cut.has(o.id));
      },
      { timeout: 10_000, what: `${replica.port} to flag every other node` },
    );
    for (const o of others)
      await waitFor(async () => (await flagged(o.port)).has(replica.id), {
        timeout: 10_000,
        what: `${o.port} to flag ${replica.port}`,
      });
    // Nodes on the same side never flag each other.
    for (const o of others)
      for (const p of others) expect((await flagged(o.port)).has(p.id)).toBe(false);
    await waitFor(async () => (await replInfo(replica.port)).master_link_status === "down", {
      timeout: 10_000,
      what: "master_link_status:down on the cut replica",
    });
    // Clients from 127.0.0.1 are not cut, on either side.
    for (const n of nodes) expect((await redisCli(n.port, ["PING"])).trim()).toBe("PONG");
    // A write acknowledged by the master doesn't reach the cut replica.
    expect((await redisCli(master.port, ["SET", key, "written-during-the-cut"])).trim()).toBe("OK");
    await new Promise((r) => setTimeout(r, 500));
    expect(await keysIn(master.port, slot)).toBe(1);
    expect(await keysIn(replica.port, slot)).toBe(0);

    await cluster.heal();
    for (const n of nodes)
      await waitFor(async () => (await flagged(n.port)).size === 0, {
        timeout: 10_000,
        what: `${n.port} to flag no node after heal`,
      });
    await waitFor(async () => (await replInfo(replica.port)).master_link_status === "up", {
      timeout: 15_000,
      what: "master_link_status:up after heal",
    });
    await waitFor(async () => (await keysIn(replica.port, slot)) === 1, {
      timeout: 10_000,
      what: "the write to reach the replica after heal",
    });
    await cluster.waitForState("ok", { timeout: 10_000 });
  }, 50_000);

  it("a master cut off alone: the other side promotes its replica, the master reports fail; after heal it follows the new master", async () => {
    const now = await cluster.nodes();
    const master = now.find((n) => n.role === "master" && now.some((r) => r.master === n.port))!;
    await cluster.partition([[master.port]]);
    const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
    expect(promoted).not.toBe(master.port);
    await cluster.waitForState("fail", { nodes: [master.port], timeout: 10_000 });
    await cluster.waitForState("ok", {
      nodes: now.filter((n) => n.port !== master.port).map((n) => n.port),
      timeout: 10_000,
    });

    await cluster.heal();
    await waitFor(
      async () => {
        const n = (await cluster.nodes()).find((x) => x.port === master.port)!;
        return n.role === "replica" && n.master === promoted;
      },
      { timeout: 15_000, what: `${master.port} to follow ${promoted}` },
    );
    await cluster.waitForState("ok", { timeout: 10_000 });
  }, 50_000);
});

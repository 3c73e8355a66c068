// A master cut off alone by a real partition (issue 11): LocalCluster with partitions: true puts
// every node behind its own fault proxy, so the cut side learns of the cut only by silence. A
// client on 127.0.0.1 still reaches every node. The lone master must turn cluster_state:fail and
// refuse writes with CLUSTERDOWN once NODE_TIMEOUT has passed without hearing the majority; the
// majority promotes its replica; after heal() the old master becomes a replica of the new one and
// takes the majority's data, dropping whatever it accepted alone.
import { waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCluster } from "../dist/index.js";
import {
  clusterInfo,
  get,
  keysIn,
  NODE_TIMEOUT,
  replication,
  send,
  setAcked,
  shard,
  steady,
} from "./failover-helpers.js";
import { cmd, exchange } from "./helpers.js";

describe("partitioned master (3 masters + 3 replicas, node-timeout 1000, fault proxies)", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      masters: 3,
      replicas: 1,
      nodeTimeout: NODE_TIMEOUT,
      partitions: true,
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 20_000);

  it("the master alone on the minority side refuses writes with CLUSTERDOWN after NODE_TIMEOUT; the majority promotes its replica; after heal it is a replica", async () => {
    const nodes = await steady(cluster);
    const { master, replica } = shard(nodes, 0);
    const majority = nodes.filter((n) => n.port !== master.port).map((n) => n.port);
    const [key, lonely] = keysIn(master.slots, 2, "cut");
    expect(await setAcked(master.port, key!, "before")).toBe("+OK\r\n:1\r\n");

    const t0 = Date.now();
    await cluster.partition([[master.port]]);
    // A client from 127.0.0.1 keeps writing to the cut master, directly.
    let acceptedAlone = 0;
    const refusal = await waitFor(
      async () => {
        const r = await send(master.port, "SET", lonely!, `alone-${acceptedAlone}`);
        if (r === "+OK") acceptedAlone++;
        else return r;
        return null;
      },
      // Redis's bound: a ping sent up to NODE_TIMEOUT/2 after the cut, unanswered for
      // NODE_TIMEOUT, then the next cron; 3 x NODE_TIMEOUT leaves room for a busy machine.
      { timeout: 3 * NODE_TIMEOUT, interval: 20, what: "the cut master to refuse a write" },
    );
    const refusedMs = Date.now() - t0;
    console.log(
      `partition: the lone master accepted ${acceptedAlone} writes, then refused after ${refusedMs} ms: ${refusal}`,
    );
    expect(refusal).toBe("-CLUSTERDOWN The cluster is down");
    // It held on until its peers had been silent for NODE_TIMEOUT (less one gossip period:
    // the last pong it had may predate the cut by up to that).
    expect(refusedMs).toBeGreaterThanOrEqual(NODE_TIMEOUT / 2);
    expect((await clusterInfo(master.port)).cluster_state).toBe("fail");

    const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
    expect(promoted).toBe(replica.port);
    await cluster.waitForState("ok", { nodes: majority, timeout: 15_000 });
    expect((await replication(promoted)).role).toBe("master");
    expect(await get(promoted, key!)).toBe("before");
    expect(await send(promoted, "SET", key!, "majority")).toBe("+OK");
    // Still cut: reads and writes alike are refused on the minority side.
    expect(await send(master.port, "SET", key!, "minority")).toBe(
      "-CLUSTERDOWN The cluster is down",
    );
    expect(await send(master.port, "GET", key!)).toBe("-CLUSTERDOWN The cluster is down");

    await cluster.heal();
    await waitFor(
      async () => {
        const n = (await cluster.nodes()).find((x) => x.port === master.port)!;
        return n.role === "replica" && n.master === promoted;
      },
      { timeout: 15_000, interval: 50, what: `${master.port} a replica of ${promoted}` },
    );
    await steady(cluster);
    // It took the majority's data: the write it accepted alone is gone.
    const read = await exchange(
      master.port,
      cmd("READONLY") + cmd("GET", key!) + cmd("GET", lonely!),
    );
    expect(read).toBe("+OK\r\n$8\r\nmajority\r\n$-1\r\n");
    expect(await send(master.port, "SET", key!, "x")).toMatch(
      new RegExp(`^-MOVED \\d+ 127\\.0\\.0\\.1:${promoted}$`),
    );
  }, 60_000);
});

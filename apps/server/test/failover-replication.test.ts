// What a failover does to replication and to connected clients (real processes, 3 masters with
// 2 replicas each, node-timeout 1000): the promoted replica keeps the old history as replid2 so
// its sibling continues with a partial resync and no data moves again; READONLY clients of the
// surviving replica keep reading throughout; after a manual failover the demoted master's
// clients get MOVED to the new master.
import fs from "node:fs";
import { keySlot } from "@shoal/slot-hash";
import { redisCli, waitFor } from "@shoal/test-utils";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCluster, type LocalClusterNode } from "../dist/index.js";
import { info, keysIn } from "./failover-helpers.js";

describe("failover and replication, 3 masters × 2 replicas", () => {
  let cluster: LocalCluster;
  let nodes: LocalClusterNode[];

  beforeAll(async () => {
    cluster = await LocalCluster.start({ masters: 3, replicas: 2, nodeTimeout: 1000 });
    nodes = await cluster.nodes();
    // Every replica synced before any fault.
    await waitFor(
      async () => {
        for (const n of nodes.filter((x) => x.role === "replica"))
          if ((await info(n.port, "INFO", "replication")).master_link_status !== "up") return false;
        return true;
      },
      { timeout: 30_000, interval: 200 },
    );
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it("the sibling replica follows the promoted one with a partial resync; READONLY connections keep reading", async () => {
    const master = nodes.find((n) => n.role === "master" && n.slots.length > 0)!;
    const [r1, r2] = nodes.filter((n) => n.master === master.port) as [
      LocalClusterNode,
      LocalClusterNode,
    ];
    const key = keysIn(master.slots, 1, "repl")[0]!;
    const direct = new Redis(master.port, "127.0.0.1", { lazyConnect: true });
    await direct.connect();
    await direct.set(key, "v1");
    expect(await direct.wait(2, 2000)).toBe(2);
    direct.disconnect();

    // READONLY clients on both replicas, reading in a loop across the failover.
    const readers = [r1, r2].map((r) => new Redis(r.port, "127.0.0.1", { lazyConnect: true }));
    for (const c of readers) {
      await c.connect();
      expect(await c.readonly()).toBe("OK");
    }
    const errors: string[] = [];
    let reads = 0;
    let reading = true;
    const loops = readers.map(async (c, i) => {
      while (reading) {
        try {
          const v = await c.get(key);
          if (v !== "v1") errors.push(`reader ${i}: ${v}`);
          reads++;
        } catch (e) {
          // Between the FAIL and the promotion the cluster is down (full coverage required), as
          // on Redis: CLUSTERDOWN is expected then; nothing else is (no MOVED, no lost link).
          const m = (e as Error).message;
          if (m !== "CLUSTERDOWN The cluster is down") errors.push(`reader ${i}: ${m}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    });

    const fullBefore =
      Number((await info(r1.port, "INFO", "stats")).sync_full ?? 0) +
      Number((await info(r2.port, "INFO", "stats")).sync_full ?? 0);
    await cluster.kill(master.port);
    const promoted = await cluster.waitForPromotion(master.port, { timeout: 20_000 });
    expect([r1.port, r2.port]).toContain(promoted);
    const sibling = promoted === r1.port ? r2 : r1;
    await waitFor(
      async () => {
        const i = await info(sibling.port, "INFO", "replication");
        return i.master_port === String(promoted) && i.master_link_status === "up";
      },
      { timeout: 20_000, interval: 100 },
    );
    await new Promise((r) => setTimeout(r, 500));
    reading = false;
    await Promise.all(loops);
    // The same connections read again once the cluster is ok: the promoted node as a master,
    // the sibling still as a READONLY replica (of the new master now).
    await cluster.waitForState("ok", { timeout: 10_000 });
    for (const [i, c] of readers.entries())
      expect(`${i}:${await c.get(key).catch((e: Error) => e.message)}`).toBe(`${i}:v1`);
    for (const c of readers) c.disconnect();

    // The promoted node kept the old history: the sibling's PSYNC continued it.
    const pstats = await info(promoted, "INFO", "stats");
    expect(Number(pstats.sync_partial_ok)).toBeGreaterThanOrEqual(1);
    expect(Number(pstats.sync_full)).toBe(0);
    const prepl = await info(promoted, "INFO", "replication");
    expect(prepl.role).toBe("master");
    expect(prepl.master_replid2).not.toBe("0000000000000000000000000000000000000000");
    const fullAfter =
      Number((await info(r1.port, "INFO", "stats")).sync_full ?? 0) +
      Number((await info(r2.port, "INFO", "stats")).sync_full ?? 0);
    expect(fullAfter).toBe(fullBefore);
    const log = fs.readFileSync(`${cluster.dir}/${sibling.port}/shoal.log`, "utf8");
    expect(log).toMatch(
      /Successful partial resynchronization with master|Partial Resynchronization/,
    );
    expect(reads).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    // A client without READONLY is sent to the new master.
    expect((await redisCli(sibling.port, ["GET", key])).trim()).toBe(
      `MOVED ${keySlot(key)} 127.0.0.1:${promoted}`,
    );
  }, 60_000);

  it("after a manual failover the old master's clients get MOVED", async () => {
    nodes = await cluster.nodes();
    const master = nodes.find(
      (n) =>
        n.role === "master" && n.process === "running" && nodes.some((r) => r.master === n.port),
    )!;
    const replica = nodes.find((n) => n.master === master.port && n.process === "running")!;
    const key = keysIn(master.slots, 1, "mf")[0]!;
    const client = new Redis(master.port, "127.0.0.1", { lazyConnect: true });
    await client.connect();
    expect(await client.set(key, "before")).toBe("OK");

    expect(await cluster.failover(replica.port)).toBeDefined();
    await waitFor(async () => (await info(replica.port, "INFO", "replication")).role === "master", {
      timeout: 10_000,
      interval: 50,
    });
    await waitFor(async () => (await info(master.port, "INFO", "replication")).role === "slave", {
      timeout: 10_000,
      interval: 50,
    });
    const err = await client.set(key, "after").catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(`^MOVED \\d+ 127\\.0\\.0\\.1:${replica.port}$`),
    );
    // Reads on the demoted node without READONLY are redirected too.
    const rerr = await client.get(key).catch((e: Error) => e);
    expect((rerr as Error).message).toMatch(/^MOVED /);
    client.disconnect();
    expect((await redisCli(replica.port, ["GET", key])).trim()).toBe("before");
  }, 60_000);
});

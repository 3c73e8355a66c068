// What a failover must not lose or get wrong (issue 11), on a 3+3 cluster of real shoal-server
// processes with cluster-node-timeout 1000:
// - a master stopped with SIGSTOP past NODE_TIMEOUT is replaced; after SIGCONT it serves no write
//   (not even one queued while it was stopped) and comes back as a replica of its replacement;
// - CLUSTER FAILOVER (default mode) under a steady write load loses no acknowledged write;
// - CLUSTER FAILOVER FORCE and TAKEOVER promote the replica of a dead master before the cluster
//   has flagged it FAIL;
// - every write acknowledged with WAIT 1 survives a kill -9 of its master.
// Each scenario takes a different shard, and starts from a quiet cluster (steady()).
import net from "node:net";
import { waitFor } from "@shoal/test-utils";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCluster } from "../dist/index.js";
import {
  clusterInfo,
  get,
  keysIn,
  logOf,
  NODE_TIMEOUT,
  replication,
  send,
  setAcked,
  shard,
  steady,
} from "./failover-helpers.js";
import { cmd } from "./helpers.js";

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await LocalCluster.start({ masters: 3, replicas: 1, nodeTimeout: NODE_TIMEOUT });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
}, 20_000);

/** Waits until `port` is a replica of `master` with its link up. */
async function replicaOf(port: number, master: number): Promise<void> {
  await waitFor(
    async () => {
      const n = (await cluster.nodes()).find((x) => x.port === port)!;
      if (n.role !== "replica" || n.master !== master) return false;
      return (await replication(port)).master_link_status === "up";
    },
    { timeout: 15_000, interval: 50, what: `${port} a replica of ${master}, link up` },
  );
}

/** The index in `log` of the first line saying the cluster flagged node `id` FAIL, or -1. */
function failFlagAt(log: string, id: string): number {
  const m = new RegExp(
    `(Marking node ${id} as failing|FAIL message received from [0-9a-f]{40} about ${id})`,
  ).exec(log);
  return m?.index ?? -1;
}

describe("failover safety (3 masters + 3 replicas, node-timeout 1000)", () => {
  it("SIGSTOP of a master past NODE_TIMEOUT: its replica is promoted; after SIGCONT the old master serves no write and returns as a replica", async () => {
    const { master, replica } = shard(await steady(cluster), 0);
    const [queuedKey, key] = keysIn(master.slots, 2, "paused");
    expect(await setAcked(master.port, key!, "before")).toBe("+OK\r\n:1\r\n");

    await cluster.pause(master.port);
    const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
    expect(promoted).toBe(replica.port);
    await cluster.waitForState("ok", { timeout: 15_000 });
    expect((await replication(promoted)).role).toBe("master");
    expect(await send(promoted, "SET", key!, "after")).toBe("+OK");

    // A client that wrote to the stopped master: its command waits in the socket until SIGCONT.
    let queuedReply = "";
    const sock = net.connect(master.port, "127.0.0.1");
    sock.on("data", (d) => {
      queuedReply += d.toString("latin1");
    });
    await new Promise<void>((resolve) => sock.once("connect", () => resolve()));
    sock.write(cmd("SET", queuedKey!, "written-while-stopped"));

    await cluster.resume(master.port);
    // From SIGCONT until it is a replica, every write to it is refused.
    const refusals = new Set<string>();
    await waitFor(
      async () => {
        const r = await send(master.port, "SET", key!, "stale-master");
        expect(r).toMatch(/^-(MOVED \d+ 127\.0\.0\.1:\d+|CLUSTERDOWN .*)$/);
        refusals.add(r.split(" ")[0]!);
        const n = (await cluster.nodes()).find((x) => x.port === master.port)!;
        return n.role === "replica" && n.master === promoted;
      },
      { timeout: 15_000, interval: 10, what: `${master.port} a replica of ${promoted}` },
    );
    await waitFor(() => queuedReply.includes("\r\n"), { what: "the queued SET's reply" });
    sock.destroy();
    expect(queuedReply).toMatch(
      new RegExp(`^-(MOVED \\d+ 127\\.0\\.0\\.1:${promoted}|CLUSTERDOWN .*)\\r\\n$`),
    );
    console.log(`SIGCONT: queued SET got ${queuedReply.trim()}; later writes got ${[...refusals]}`);
    expect(await get(promoted, key!)).toBe("after");
    expect(await get(promoted, queuedKey!)).toBe(null);
    await replicaOf(master.port, promoted);
    expect((await replication(master.port)).master_port).toBe(String(promoted));
    // The node logs asynchronously (sonic-boom): the line may reach the file a moment later.
    const line = `Configuration change detected. Reconfiguring myself as a replica of ${replica.id}`;
    await waitFor(() => logOf(cluster, master.port).includes(line), {
      timeout: 5000,
      what: `"${line}" in ${master.port}'s log`,
    });
  }, 40_000);

  it("CLUSTER FAILOVER (default mode) under a steady write load loses no acknowledged write", async () => {
    const { master, replica } = shard(await steady(cluster), 5461);
    const counters = keysIn(master.slots, 4, "counter");
    const setKeys = keysIn(master.slots, 4, "setw");
    const client = new Cluster([{ host: "127.0.0.1", port: master.port }], {
      maxRedirections: 32,
      retryDelayOnMoved: 0,
    });
    client.on("error", () => {});
    await client.ping();
    const acked = new Map<string, string>();
    const incrAcks: number[][] = counters.map(() => []);
    let errors = 0;
    let stop = false;
    const writers = counters.map(async (counter, w) => {
      for (let i = 0; !stop; i++) {
        try {
          incrAcks[w]!.push(await client.incr(counter));
          // A key per write, in the slot of the writer's base key (hash tag).
          const k = `{${setKeys[w]}}:${i}`;
          if ((await client.set(k, `v${i}`)) === "OK") acked.set(k, `v${i}`);
        } catch {
          errors++;
        }
      }
    });
    try {
      await waitFor(() => acked.size >= 200, { what: "a steady load before the failover" });
      const countBefore = acked.size;
      expect(await cluster.failover(replica.port)).toBe("OK");
      const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
      expect(promoted).toBe(replica.port);
      await cluster.waitForState("ok", { timeout: 15_000 });
      // Writes go on against the new master before the writers stop.
      const countAt = acked.size;
      await waitFor(() => acked.size >= countAt + 200, { what: "writes after the failover" });
      stop = true;
      await Promise.all(writers);
      console.log(
        `manual failover under load: ${acked.size} SETs and ${incrAcks.flat().length} INCRs acknowledged (${countBefore} before it), ${errors} errors`,
      );
    } finally {
      stop = true;
      await Promise.all(writers);
      client.disconnect();
    }
    const promoted = replica.port;
    const log = logOf(cluster, promoted);
    expect(log).toContain("Manual failover user request accepted.");
    expect(log).toMatch(/Received replication offset for paused master manual failover: \d+/);
    expect(log).toContain("All master replication stream processed, manual failover can start.");
    expect(log).toContain("Failover election won: I'm the new master.");
    expect(logOf(cluster, master.port)).toContain(
      `Manual failover requested by replica ${replica.id}.`,
    );
    // Every acknowledged SET is on the new master with its value.
    const conn = new Redis(promoted, "127.0.0.1");
    try {
      const keys = [...acked.keys()];
      for (let i = 0; i < keys.length; i += 500) {
        const batch = keys.slice(i, i + 500);
        const pipe = conn.pipeline();
        for (const k of batch) pipe.get(k);
        const values = (await pipe.exec())!.map(([err, v]) => (err ? String(err) : v));
        expect(values).toEqual(batch.map((k) => acked.get(k)));
      }
      // Each counter holds at least its last acknowledged value, and the acknowledged values
      // were 1, 2, 3, ... with none given twice.
      for (let w = 0; w < counters.length; w++) {
        const acks = incrAcks[w]!;
        expect(acks.length).toBeGreaterThan(0);
        expect(new Set(acks).size).toBe(acks.length);
        const final = Number(await conn.get(counters[w]!));
        expect(final).toBeGreaterThanOrEqual(Math.max(...acks));
      }
    } finally {
      conn.disconnect();
    }
    // The old master was never down: it follows the new one at once.
    await replicaOf(master.port, promoted);
  }, 60_000);

  it("writes acknowledged with WAIT 1 survive a kill -9 of their master", async () => {
    const { master, replica } = shard(await steady(cluster), 10923);
    const writers = [0, 1, 2, 3].map((w) => {
      const conn = new Redis(master.port, "127.0.0.1", {
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      conn.on("error", () => {});
      return { w, conn, keys: keysIn(master.slots, 400, `wait${w}`) };
    });
    const acked: string[] = [];
    let killed = false;
    const loops = writers.map(async ({ conn, keys }) => {
      await new Promise<void>((r) => conn.once("ready", () => r()));
      for (const k of keys) {
        try {
          await conn.set(k, `value-of-${k}`);
          const n = Number(await conn.call("WAIT", "1", "1000"));
          if (n >= 1) acked.push(k);
        } catch {
          if (killed) return;
          throw new Error(`write to ${k} failed before the kill`);
        }
      }
    });
    await waitFor(() => acked.length >= 200, { what: "200 writes acknowledged by a replica" });
    killed = true;
    await cluster.kill(master.port);
    await Promise.all(loops);
    for (const { conn } of writers) conn.disconnect();
    const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
    expect(promoted).toBe(replica.port);
    await cluster.waitForState("ok", { timeout: 15_000 });
    console.log(`WAIT 1: ${acked.length} writes acknowledged by a replica before the kill`);
    const missing: string[] = [];
    for (const k of acked) if ((await get(promoted, k)) !== `value-of-${k}`) missing.push(k);
    expect(missing).toEqual([]);
    await cluster.restart(master.port);
    await replicaOf(master.port, promoted);
  }, 60_000);

  for (const mode of ["force", "takeover"] as const) {
    it(`CLUSTER FAILOVER ${mode.toUpperCase()} on the replica of a dead master promotes it without waiting for FAIL`, async () => {
      // FORCE still needs the masters' votes (granted with FORCEACK); TAKEOVER needs none.
      const { master, replica } = shard(await steady(cluster), mode === "force" ? 0 : 5461);
      const before = await cluster.nodes();
      const survivors = before.filter((n) => n.port !== master.port).map((n) => n.port);
      const voters = before.filter((n) => n.role === "master" && n.port !== master.port);
      // Only what the nodes log from the kill on counts.
      const mark = new Map(survivors.map((p) => [p, logOf(cluster, p).length]));
      const since = (p: number) => logOf(cluster, p).slice(mark.get(p));
      const t0 = Date.now();
      await cluster.kill(master.port);
      expect(await cluster.failover(replica.port, mode)).toBe("OK");
      await waitFor(async () => (await replication(replica.port)).role === "master", {
        timeout: 5000,
        interval: 10,
        what: `${replica.port} role:master`,
      });
      const promotedMs = Date.now() - t0;
      console.log(
        `FAILOVER ${mode.toUpperCase()}, master dead: role:master after ${promotedMs} ms`,
      );
      const epoch = (await clusterInfo(replica.port)).cluster_my_epoch;
      // The log is written asynchronously: wait for the promotion's last line to reach the file.
      const last =
        mode === "force"
          ? `configEpoch set to ${epoch} after successful failover`
          : `New configEpoch set to ${epoch}`;
      const log = await waitFor(
        () => (since(replica.port).includes(last) ? since(replica.port) : null),
        {
          timeout: 3000,
          what: `"${last}" in the log of ${replica.port}`,
        },
      );
      let won: number;
      if (mode === "force") {
        expect(log).toContain("Forced failover user request accepted.");
        won = log.indexOf("Failover election won: I'm the new master.");
        expect(log).toContain(`configEpoch set to ${epoch} after successful failover`);
        // The surviving masters voted while the dead one was not FAIL (FORCEACK).
        for (const n of voters) {
          const l = since(n.port);
          const granted = l.indexOf(`Failover auth granted to ${replica.id} for epoch ${epoch}`);
          expect(granted).toBeGreaterThanOrEqual(0);
          const flagged = failFlagAt(l, master.id);
          expect(flagged === -1 || flagged > granted).toBe(true);
        }
      } else {
        won = log.indexOf("Taking over the master (user request).");
        expect(log).toContain(`New configEpoch set to ${epoch}`);
        expect(log).not.toContain("Starting a failover election");
        for (const n of voters)
          expect(since(n.port)).not.toContain(`Failover auth granted to ${replica.id}`);
      }
      expect(won).toBeGreaterThanOrEqual(0);
      // Promoted before the FAIL flag: the replica's own log flags it, if at all, only after.
      const flagged = failFlagAt(log, master.id);
      expect(flagged === -1 || flagged > won).toBe(true);
      // FAIL needs NODE_TIMEOUT of silence first; the promotion did not wait for it.
      expect(promotedMs).toBeLessThan(NODE_TIMEOUT);
      const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
      expect(promoted).toBe(replica.port);
      await cluster.waitForState("ok", { nodes: survivors, timeout: 15_000 });
      await cluster.restart(master.port);
      await replicaOf(master.port, promoted);
    }, 40_000);
  }
});

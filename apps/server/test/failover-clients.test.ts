// Real cluster clients through a failover (issue 11): ioredis 6.0.0 Cluster and node-redis 6.3.1
// createCluster, each with its default options, run a loop of SET-then-GET over keys of every
// slot range on a 3+3 shoal cluster (node-timeout 1000) while a master is killed with kill -9. An
// operation that fails is retried after 50 ms, as an application would. Each client must get back
// to the dead master's slots — on the promoted replica — and from its first success there on,
// every operation must succeed. `redis-cli --cluster check` then finds the new layout clean, with
// the killed node still down and again once it has rejoined as a replica.
import { keySlot } from "@shoal/slot-hash";
import { redisCliPath, run, sleep, waitFor } from "@shoal/test-utils";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCluster } from "../dist/index.js";
import {
  get,
  inRanges,
  NODE_TIMEOUT,
  replication,
  shard,
  steady,
  summary,
} from "./failover-helpers.js";
import { cmd, exchange } from "./helpers.js";

interface LoopResult {
  ops: number;
  /** ms from the kill to the first success on a key of the dead master's slots. */
  backMs: number | null;
  /** Failed attempts, with when they started and ended (ms from the kill). */
  errors: { from: number; to: number; what: string }[];
  /** Successful operations on the dead master's slots after backMs. */
  deadSlotOpsAfter: number;
  /** Last acknowledged value of each key. */
  last: Map<string, string>;
}

const describeError = (err: unknown) =>
  err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 100) : String(err);

/** SET k v then GET k == v, over `keys` round and round, retrying a failed step after 50 ms. */
function clientLoop(
  keys: string[],
  deadSlots: readonly string[],
  set: (k: string, v: string) => Promise<unknown>,
  get: (k: string) => Promise<string | null>,
) {
  const r: LoopResult = { ops: 0, backMs: null, errors: [], deadSlotOpsAfter: 0, last: new Map() };
  let killedAt = 0;
  let stop = false;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const k = keys[i % keys.length]!;
      const onDead = inRanges(keySlot(k), deadSlots);
      for (;;) {
        const started = Date.now();
        try {
          await set(k, `v${i}`);
          r.last.set(k, `v${i}`);
          const v = await get(k);
          if (v !== `v${i}`) throw new Error(`GET ${k} returned ${v}, not v${i}`);
          r.ops++;
          // Only an operation begun once the master was dead counts as being back.
          if (killedAt && started >= killedAt && onDead) {
            if (r.backMs === null) r.backMs = Date.now() - killedAt;
            else r.deadSlotOpsAfter++;
          }
          break;
        } catch (err) {
          // Before the kill, every attempt must succeed: those are kept as -1e6.
          const at = (t: number) => (killedAt ? t - killedAt : -1_000_000);
          r.errors.push({ from: at(started), to: at(Date.now()), what: describeError(err) });
          if (stop) break;
          await sleep(50);
        }
      }
    }
  })();
  return {
    result: r,
    killed() {
      killedAt = Date.now();
    },
    async stop(): Promise<LoopResult> {
      stop = true;
      await done;
      return r;
    },
  };
}

describe("cluster clients through a failover (3 masters + 3 replicas, node-timeout 1000)", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ masters: 3, replicas: 1, nodeTimeout: NODE_TIMEOUT });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 20_000);

  it("ioredis Cluster and node-redis createCluster keep working through a kill -9 of a master and reach the promoted replica; redis-cli --cluster check is clean", async () => {
    const { master, replica } = shard(await steady(cluster), 5461);
    const io = new Cluster(cluster.seeds, { redisOptions: { connectionName: "ioredis-loop" } });
    io.on("error", () => {});
    const nr = createCluster({
      rootNodes: cluster.rootNodes,
      defaults: { name: "node-redis-loop" },
    });
    nr.on("error", () => {});
    await nr.connect();
    await io.ping();
    const keys = (prefix: string) => Array.from({ length: 300 }, (_, i) => `${prefix}:${i}`);
    const loops = {
      ioredis: clientLoop(
        keys("io"),
        master.slots,
        (k, v) => io.set(k, v),
        (k) => io.get(k),
      ),
      "node-redis": clientLoop(
        keys("nr"),
        master.slots,
        (k, v) => nr.set(k, v),
        (k) => nr.get(k),
      ),
    };
    const results: Record<string, LoopResult> = {};
    try {
      await waitFor(() => Object.values(loops).every((l) => l.result.ops >= 300), {
        what: "both loops running",
      });
      for (const l of Object.values(loops)) expect(l.result.errors).toEqual([]);
      await cluster.kill(master.port);
      for (const l of Object.values(loops)) l.killed();
      const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
      expect(promoted).toBe(replica.port);
      await cluster.waitForState("ok", { timeout: 15_000 });
      // Each client is back on the dead master's slots and keeps going there.
      await waitFor(() => Object.values(loops).every((l) => l.result.deadSlotOpsAfter >= 200), {
        timeout: 20_000,
        interval: 100,
        what: "both clients working on the promoted replica",
      });
      // Both clients' connections on the promoted node ran their commands there.
      const clients = (await exchange(promoted, cmd("CLIENT", "LIST"))).split("\n");
      for (const name of ["ioredis-loop", "node-redis-loop"])
        expect(clients.some((c) => c.includes(`name=${name} `))).toBe(true);
      for (const [name, l] of Object.entries(loops)) results[name] = await l.stop();
    } finally {
      for (const l of Object.values(loops)) await l.stop();
      io.disconnect();
      await nr.close().catch(() => undefined);
    }

    for (const [name, r] of Object.entries(results)) {
      const last = r.errors.at(-1);
      console.log(
        `${name}: ${r.ops} operations, ${r.errors.length} failed attempts (the last ended ${last?.to ?? "-"} ms after the kill), back on the dead master's slots ${r.backMs} ms after the kill`,
      );
      if (r.errors.length)
        console.log(`  failures: ${[...new Set(r.errors.map((e) => e.what))].join(" | ")}`);
      expect(r.backMs).not.toBeNull();
      // From the first success on the promoted replica on, nothing failed.
      for (const e of r.errors) expect(e.from).toBeLessThan(r.backMs!);
    }
    console.log(`back on the dead slots: ${summary(Object.values(results).map((r) => r.backMs!))}`);

    // Every last acknowledged value is on the master that now serves its slot.
    const masters = (await cluster.nodes()).filter((n) => n.role === "master" && n.slots.length);
    for (const r of Object.values(results))
      for (const [k, v] of r.last) {
        const owner = masters.find((m) => inRanges(keySlot(k), m.slots))!;
        expect(await get(owner.port, k)).toBe(v);
      }

    const check = async (port: number) => {
      const out = await run(redisCliPath(), ["--cluster", "check", `127.0.0.1:${port}`]);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("[OK] All nodes agree about slots configuration.");
      expect(out.stdout).toContain("[OK] All 16384 slots covered.");
      expect(out.stdout).not.toContain("[ERR]");
      expect(out.stdout).not.toContain("[WARNING]");
      return out.stdout;
    };
    // With the dead node still down: the promoted node serves its range.
    const layout = await check(replica.port);
    expect(layout).toContain(
      `M: ${replica.id} 127.0.0.1:${replica.port}\n   slots:[${master.slots[0]}]`,
    );
    // After the killed node is back as a replica of the promoted one.
    await cluster.restart(master.port);
    await waitFor(
      async () => {
        const n = (await cluster.nodes()).find((x) => x.port === master.port)!;
        return n.role === "replica" && n.master === replica.port && n.flags.length === 0;
      },
      { timeout: 15_000, what: `${master.port} a replica of ${replica.port}` },
    );
    await waitFor(async () => (await replication(master.port)).master_link_status === "up");
    const again = await check(master.port);
    expect(again).toContain(
      `S: ${master.id} 127.0.0.1:${master.port}\n   slots: (0 slots) slave\n   replicates ${replica.id}`,
    );
  }, 60_000);
});

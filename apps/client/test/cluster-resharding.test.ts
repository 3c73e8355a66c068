// Slots moving under the client: one slot walked through MIGRATING/IMPORTING + MIGRATE + SETSLOT
// NODE (ASK, then MOVED), a TRYAGAIN a user sees when a multi-key command straddles the move, a
// sharded subscription that follows its slot, and several slots moved while commands run.
import { keySlot } from "@shoal/slot-hash";
import type { ClusterHandle } from "@shoal/test-utils";
import { waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, createCluster, TryAgainError } from "../src/index.js";
import {
  closeSlot,
  clusterFactories,
  migrateKeys,
  moveSlot,
  openSlot,
  ownerPort,
} from "./helpers/clusters.js";

describe.each(clusterFactories)("slot moves against $name", (factory) => {
  let cluster: ClusterHandle;
  let client: ClusterClient;

  beforeAll(async () => {
    cluster = await factory.start({ masters: 3, replicasPerMaster: 0 });
    client = createCluster({ seeds: cluster.seeds });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.quit();
    await cluster?.stop();
  });

  const otherMaster = (port: number) => cluster.ports.find((p) => p !== port)!;

  it("follows ASK while a slot migrates and MOVED once it has moved", async () => {
    const slot = keySlot("{mig}");
    const keys = Array.from({ length: 10 }, (_, i) => `{mig}:${i}`);
    for (const k of keys) await client.set(k, `v-${k}`);
    const source = await ownerPort(cluster.ports[0]!, slot);
    const target = otherMaster(source);
    const { targetId } = await openSlot(slot, source, target);
    await migrateKeys(slot, source, target, keys.slice(0, 5));

    // Migrated keys: the source answers ASK, the client asks the target after ASKING.
    for (const k of keys) expect(await client.get(k)).toBe(`v-${k}`);
    // A new key in the open slot is created on the target (source: ASK since it is absent).
    expect(await client.set("{mig}:new", "n")).toBe("OK");
    expect(await client.get("{mig}:new")).toBe("n");
    // The slot map still says the source: ASK never changes it.
    expect(client.slotMap!.masterOf(slot)!.port).toBe(source);

    await migrateKeys(slot, source, target);
    await closeSlot(slot, targetId, cluster.ports, target);
    // Now the source answers MOVED; the client patches its map and goes to the target.
    for (const k of keys) expect(await client.get(k)).toBe(`v-${k}`);
    expect(client.slotMap!.masterOf(slot)!.port).toBe(target);
  });

  it("shows TryAgainError when a multi-key command straddles a migration", async () => {
    const slot = keySlot("{try}");
    await client.mset("{try}:a", "1", "{try}:b", "2");
    const source = await ownerPort(cluster.ports[0]!, slot);
    const target = otherMaster(source);
    const { targetId } = await openSlot(slot, source, target);
    await migrateKeys(slot, source, target, ["{try}:a"]);
    const impatient = createCluster({ seeds: cluster.seeds, retryBudget: 300 });
    try {
      const err = await impatient.mget("{try}:a", "{try}:b").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TryAgainError);
      expect((err as Error).message).toBe(
        "TRYAGAIN Multiple keys request during rehashing of slot",
      );
      // Retries within the budget succeed once the migration completes.
      const pending = client.mget("{try}:a", "{try}:b");
      await migrateKeys(slot, source, target);
      await closeSlot(slot, targetId, cluster.ports, target);
      expect(await pending).toEqual(["1", "2"]);
    } finally {
      await impatient.quit();
    }
  });

  it("keeps a sharded subscription when its slot moves", async () => {
    const channel = "{sch}news";
    const slot = keySlot(channel);
    const sub = createCluster({ seeds: cluster.seeds });
    try {
      const got: string[] = [];
      await sub.ssubscribe(channel, (m) => got.push(String(m)));
      await client.spublish(channel, "before");
      await waitFor(() => got.includes("before"), { timeout: 5000 });
      const source = await ownerPort(cluster.ports[0]!, slot);
      await moveSlot(slot, source, otherMaster(source), cluster.ports);
      // The old owner sends an unsolicited sunsubscribe; the client resubscribes on the new one.
      await waitFor(
        async () => {
          await client.spublish(channel, "after");
          return got.includes("after");
        },
        { timeout: 10_000, interval: 200 },
      );
    } finally {
      await sub.quit();
    }
  });

  it("survives slot moves under load", async () => {
    const N = 400;
    const keys = Array.from({ length: N }, (_, i) => `load:{${i % 40}}:${i}`);
    for (const k of keys) await client.set(k, "0");
    let stop = false;
    let ops = 0;
    const workers = Array.from({ length: 8 }, async (_, w) => {
      while (!stop) {
        const k = keys[(ops * 7 + w) % N]!;
        await client.incr(k);
        ops++;
      }
    });
    // Move four slots that hold keys, one after another, while the workers run.
    const moved = new Set<number>();
    for (let t = 0; moved.size < 4; t++) {
      const slot = keySlot(`{${t}}`);
      if (moved.has(slot)) continue;
      moved.add(slot);
      const source = await ownerPort(cluster.ports[0]!, slot);
      await moveSlot(slot, source, otherMaster(source), cluster.ports);
    }
    await waitFor(() => ops > 2000, { timeout: 20_000 });
    stop = true;
    await Promise.all(workers);
    let total = 0;
    for (const v of await client.mget(...keys)) total += Number(v);
    expect(total).toBe(ops);
    for (const slot of moved)
      expect(client.slotMap!.masterOf(slot)!.port).toBe(await ownerPort(cluster.ports[0]!, slot));
  });
});

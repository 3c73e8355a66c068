// The client against a healthy cluster (3 masters, 1 replica each): routing, multi-key splits,
// pipelines, transactions, SCAN, replica reads, Buffers, RESP3, pub/sub, typed errors.
import { keySlot } from "@shoal/slot-hash";
import type { ClusterHandle } from "@shoal/test-utils";
import { waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClusterClient,
  CrossSlotError,
  createCluster,
  ExecAbortError,
  ReplyError,
} from "../src/index.js";
import { clusterFactories, onNode } from "./helpers/clusters.js";

describe.each(clusterFactories)("cluster client against $name", (factory) => {
  let cluster: ClusterHandle;
  let client: ClusterClient;

  beforeAll(async () => {
    cluster = await factory.start({ masters: 3, replicasPerMaster: 1 });
    client = createCluster({ seeds: [cluster.seeds[0]!] });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.quit();
    await cluster?.stop();
  });

  it("discovers every master and replica from one seed", async () => {
    expect(client.slotMap!.masters()).toHaveLength(3);
    expect(client.slotMap!.uncovered()).toBe(0);
    // Replicas are listed once their first sync is done (CLUSTER SHARDS health "online").
    await waitFor(async () => (await client.refresh()).nodes().length === 6, { timeout: 20_000 });
  });

  it("runs typed commands on the right node", async () => {
    expect(await client.set("foo", "bar")).toBe("OK");
    expect(await client.get("foo")).toBe("bar");
    expect(await client.get("missing")).toBeNull();
    expect(await client.incr("counter")).toBe(1);
    expect(await client.incrbyfloat("float", 1.5)).toBe(1.5);
    await client.hset("h", "a", "1", "b", "2");
    expect(await client.hgetall("h")).toEqual({ a: "1", b: "2" });
    await client.rpush("l", "x", "y", "z");
    expect(await client.lrange("l", 0, -1)).toEqual(["x", "y", "z"]);
    expect(await client.call("GET", "foo")).toBe("bar");
  });

  it("runs 10k mixed commands with hash tags", async () => {
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const tag = `{user${i % 97}}`;
      switch (i % 5) {
        case 0:
          ops.push(client.set(`${tag}:name:${i}`, `v${i}`));
          break;
        case 1:
          ops.push(client.incr(`${tag}:visits`));
          break;
        case 2:
          ops.push(client.hset(`${tag}:h`, `f${i}`, i));
          break;
        case 3:
          ops.push(client.sadd(`${tag}:s`, `m${i % 13}`));
          break;
        default:
          ops.push(client.get(`{user${(i - 4) % 97}}:name:${i - 4}`));
      }
    }
    const results = await Promise.all(ops);
    for (let i = 4; i < 10_000; i += 5) expect(results[i]).toBe(`v${i - 4}`);
    let visits = 0;
    for (let t = 0; t < 97; t++) visits += Number(await client.get(`{user${t}}:visits`));
    expect(visits).toBe(2000);
    // Same-slot multi-key commands go to one node unsplit.
    expect(await client.mget("{user1}:visits", "{user1}:nothing")).toEqual([
      expect.any(String),
      null,
    ]);
  });

  it("splits multi-key commands over slots and merges in order", async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `split:${i}`);
    const kv = keys.flatMap((k, i) => [k, `v${i}`]);
    expect(await client.mset(...kv)).toBe("OK");
    expect(await client.mget(...keys, "split:none")).toEqual([
      ...keys.map((_, i) => `v${i}`),
      null,
    ]);
    expect(await client.exists(...keys, "split:none")).toBe(50);
    expect(await client.touch(...keys.slice(0, 10))).toBe(10);
    expect(await client.unlink(...keys.slice(0, 10))).toBe(10);
    expect(await client.del(...keys)).toBe(40);
  });

  it("shows the server's CROSSSLOT for commands it cannot split", async () => {
    await client.sadd("a-set", "1");
    await client.sadd("b-set", "2");
    const err = await client.sunion("a-set", "b-set").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrossSlotError);
    expect((err as Error).message).toBe("CROSSSLOT Keys in request don't hash to the same slot");
  });

  it("pipelines across slots with [err, result] pairs", async () => {
    await client.set("str", "x");
    const res = await client
      .pipeline()
      .set("p:1", "a")
      .get("p:1")
      .incr("str")
      .set("p:2", "b")
      .mget("p:1", "p:2")
      .exec();
    expect(res[0]).toEqual([null, "OK"]);
    expect(res[1]).toEqual([null, "a"]);
    expect(res[2]![0]).toBeInstanceOf(ReplyError);
    expect((res[2]![0] as Error).message).toBe("ERR value is not an integer or out of range");
    expect(res[4]).toEqual([null, ["a", "b"]]);
  });

  it("runs MULTI/EXEC in one slot and refuses a cross-slot one", async () => {
    const res = await client
      .multi()
      .set("{tx}:a", "1")
      .incr("{tx}:a")
      .hset("{tx}:h", "f", "v")
      .hgetall("{tx}:h")
      .exec();
    expect(res).toEqual([
      [null, "OK"],
      [null, 2],
      [null, 1],
      [null, { f: "v" }],
    ]);
    const err = await client
      .multi()
      .set("{tx}:a", "1")
      .set("{other}:b", "2")
      .exec()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrossSlotError);
    expect((err as Error).message).toMatch(
      /Transaction would cross slots: SET \{tx\}:a is in slot/,
    );
    // An error inside EXEC is reported per command; a syntax error aborts the whole block.
    const partial = await client.multi().set("{tx}:s", "x").incr("{tx}:s").exec();
    expect(partial[0]).toEqual([null, "OK"]);
    expect((partial[1]![0] as Error).message).toBe("ERR value is not an integer or out of range");
    const aborted = await client
      .multi()
      .call("SET", "{tx}:s")
      .exec()
      .catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(ExecAbortError);
    expect((aborted as Error).message).toMatch(/^EXECABORT Transaction discarded/);
  });

  it("scans every master", async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `scan:${i}`);
    await client.mset(...keys.flatMap((k) => [k, "1"]));
    const seen = new Set<string>();
    for await (const k of client.scanIterator({ match: "scan:*", count: 100 })) seen.add(k);
    expect([...seen].sort()).toEqual([...keys].sort());
  });

  it("reads from replicas with scaleReads", async () => {
    await client.set("ro-key", "v");
    await client.call("WAIT", 1, 2000).catch(() => {});
    const replicaReader = createCluster({ seeds: cluster.seeds, scaleReads: "replica" });
    try {
      // Replicas are listed once synced; wait until the reader's map has one for this slot.
      const slot = keySlot("ro-key");
      const map = await waitFor(
        async () => {
          const m = await replicaReader.refresh();
          return m.shardOf(slot)!.replicas.length > 0 ? m : undefined;
        },
        { timeout: 20_000 },
      );
      await waitFor(async () => (await replicaReader.get("ro-key")) === "v", { timeout: 5000 });
      // The GETs were served by the replica: only the replica reader sends GET to it.
      const replica = map.shardOf(slot)!.replicas[0]!;
      const stats = String(await onNode(replica.port, (c) => c.call("INFO", "commandstats")));
      expect(stats).toMatch(/cmdstat_get:calls=[1-9]/);
      expect(stats).toMatch(/cmdstat_readonly:calls=1/);
      // Writes still go to the master (a replica would answer MOVED, which is followed).
      expect(await replicaReader.set("ro-key", "w")).toBe("OK");
      const info = (await replicaReader.call("INFO", "replication")) as string;
      expect(info).toMatch(/role:master/);
    } finally {
      await replicaReader.quit();
    }
  });

  it("returns Buffers when asked, and speaks RESP3", async () => {
    const bin = Buffer.from([0, 1, 2, 255]);
    await client.set("bin", bin);
    const b = createCluster({ seeds: cluster.seeds, returnBuffers: true });
    const r3 = createCluster({ seeds: cluster.seeds, resp: 3 });
    try {
      const got = await b.get("bin");
      expect(Buffer.isBuffer(got)).toBe(true);
      expect(got).toEqual(bin);
      await r3.hset("h3", "x", "1");
      expect(await r3.hgetall("h3")).toEqual({ x: "1" });
      expect(await r3.get("foo")).toBe("bar");
    } finally {
      await b.quit();
      await r3.quit();
    }
  });

  it("delivers pub/sub, pattern and sharded messages", async () => {
    const sub = createCluster({ seeds: cluster.seeds });
    try {
      const got: string[] = [];
      await sub.subscribe("news", (m, ch) => got.push(`${ch}:${m}`));
      await sub.psubscribe("ev.*", (m, ch, p) => got.push(`${p}:${ch}:${m}`));
      await sub.ssubscribe(["shard-a", "shard-b", "{shard-a}x"], (m, ch) =>
        got.push(`s:${ch}:${m}`),
      );
      // PUBLISH on any node reaches subscribers on every node.
      await client.publish("news", "hello");
      await client.publish("ev.login", "u1");
      await client.spublish("shard-a", "1");
      await client.spublish("shard-b", "2");
      await client.spublish("{shard-a}x", "3");
      await waitFor(() => got.length === 5, { timeout: 5000 });
      expect(got.sort()).toEqual(
        ["ev.*:ev.login:u1", "news:hello", "s:shard-a:1", "s:shard-b:2", "s:{shard-a}x:3"].sort(),
      );
      await sub.unsubscribe("news");
      await sub.sunsubscribe("shard-b");
      await client.publish("news", "again");
      await client.spublish("shard-b", "again");
      await client.spublish("shard-a", "still");
      await waitFor(() => got.includes("s:shard-a:still"), { timeout: 5000 });
      expect(got.filter((g) => g.includes("again"))).toEqual([]);
    } finally {
      await sub.quit();
    }
  });

  it("shows Redis's error text as ReplyError", async () => {
    await client.rpush("a-list", "x");
    const err = await client.get("a-list").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplyError);
    expect(err).toMatchObject({
      name: "ReplyError",
      code: "WRONGTYPE",
      message: "WRONGTYPE Operation against a key holding the wrong kind of value",
    });
  });
});

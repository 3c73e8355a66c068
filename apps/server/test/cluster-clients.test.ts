// Real cluster clients against a shoal cluster formed by `redis-cli --cluster create`: ioredis
// Cluster, node-redis createCluster, `redis-cli -c` and `redis-benchmark --cluster`.
import net from "node:net";
import { keySlot } from "@shoal/slot-hash";
import { type ClusterHandle, redisCliPath, run, startCluster, waitFor } from "@shoal/test-utils";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS } from "./helpers.js";

const N = 10_000;
const BATCH = 500;

let cluster: ClusterHandle;

beforeAll(async () => {
  cluster = await startCluster({ command: [process.execPath, MAIN_JS], nodeTimeout: 2000 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Runs `fn(i)` for 0..n-1, BATCH at a time. */
async function batched(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += BATCH) {
    const jobs: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) jobs.push(fn(j));
    await Promise.all(jobs);
  }
}

describe("cluster clients", () => {
  it("ioredis Cluster: 10k SET/GET (and hash-tagged MGET) without errors", async () => {
    const c = new Cluster(cluster.seeds, { enableReadyCheck: true, maxRedirections: 16 });
    try {
      await batched(N, (i) => c.set(`io:key:${i}`, `v${i}`));
      await batched(N, async (i) => {
        expect(await c.get(`io:key:${i}`)).toBe(`v${i}`);
      });
      await batched(N, (i) => c.set(`{io:${i}}:b`, `b${i}`));
      await batched(N, async (i) => {
        expect(await c.mget(`{io:${i}}:a`, `{io:${i}}:b`)).toEqual([null, `b${i}`]);
      });
      // Keys spread over every master.
      const masters = c.nodes("master");
      expect(masters).toHaveLength(3);
    } finally {
      c.disconnect();
    }
  });

  it("node-redis createCluster: 10k SET/GET (and hash-tagged MGET) without errors", async () => {
    const c = createCluster({
      rootNodes: cluster.ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })),
    });
    c.on("error", () => {});
    await c.connect();
    try {
      await batched(N, (i) => c.set(`nr:key:${i}`, `v${i}`));
      await batched(N, async (i) => {
        expect(await c.get(`nr:key:${i}`)).toBe(`v${i}`);
      });
      await batched(N, async (i) => {
        await c.set(`{nr:${i}}:a`, `a${i}`);
        expect(await c.mGet([`{nr:${i}}:a`, `{nr:${i}}:b`])).toEqual([`a${i}`, null]);
      });
    } finally {
      await c.quit();
    }
  });

  it("redis-cli -c follows MOVED", async () => {
    // "foo" hashes to slot 12182, on the third node: asked on the first, redis-cli follows.
    const cli = (...args: string[]) =>
      run(redisCliPath(), ["-c", "-p", String(cluster.ports[0]), ...args]);
    expect((await cli("SET", "foo", "bar")).stdout.trim()).toBe("OK");
    expect((await cli("GET", "foo")).stdout.trim()).toBe("bar");
    const plain = await run(redisCliPath(), ["-p", String(cluster.ports[0]), "GET", "foo"]);
    expect(plain.stdout.trim()).toBe(`MOVED 12182 127.0.0.1:${cluster.ports[2]}`);
  });

  it("redis-benchmark --cluster -t set,get runs without errors", async () => {
    const r = await run(
      "redis-benchmark",
      [
        "--cluster",
        "-h",
        "127.0.0.1",
        "-p",
        String(cluster.ports[0]),
        "-t",
        "set,get",
        "-n",
        "20000",
        "-c",
        "20",
        "-q",
      ],
      { timeout: 90_000 },
    );
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/error|MOVED|CROSSSLOT|CLUSTERDOWN/i);
    expect(r.stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(r.stdout).toMatch(/GET: [\d.]+ requests per second/);
  }, 120_000);

  it("a client blocked on a key whose slot moves away gets MOVED", async () => {
    const port = cluster.ports[0]!;
    // A key of node 0 in a slot that holds no keys (SETSLOT NODE refuses to give keys away).
    let key = "";
    for (let i = 0; ; i++) {
      key = `list${i}`;
      if (keySlot(key) > 5460) continue;
      const n = await exchange(port, cmd("CLUSTER", "COUNTKEYSINSLOT", String(keySlot(key))));
      if (n === ":0\r\n") break;
    }
    const slot = String(keySlot(key));
    const id = async (i: number) =>
      (await exchange(cluster.ports[i]!, cmd("CLUSTER", "MYID"))).split("\r\n")[1]!;
    const [id0, id1] = [await id(0), await id(1)];
    const sock = net.connect({ port, host: "127.0.0.1" });
    let data = "";
    sock.on("data", (d) => {
      data += d.toString("latin1");
    });
    try {
      sock.write(cmd("BLPOP", key, "0"));
      await waitFor(
        async () => (await exchange(port, cmd("INFO", "clients"))).includes("blocked_clients:1"),
        { timeout: 5000, what: "the client to block" },
      );
      // The slot (empty) is handed to node 1: Redis's clusterRedirectBlockedClientIfNeeded().
      expect(await exchange(port, cmd("CLUSTER", "SETSLOT", slot, "NODE", id1))).toBe("+OK\r\n");
      await waitFor(() => data.length > 0, { timeout: 5000, what: "the redirection" });
      expect(data).toBe(`-MOVED ${slot} 127.0.0.1:${cluster.ports[1]}\r\n`);
    } finally {
      sock.destroy();
      await exchange(port, cmd("CLUSTER", "SETSLOT", slot, "NODE", id0));
    }
  });

  it("keys of a slot taken over by a node with a newer config epoch are deleted", async () => {
    const [p0, p1] = [cluster.ports[0]!, cluster.ports[1]!];
    const id = async (p: number) => (await exchange(p, cmd("CLUSTER", "MYID"))).split("\r\n")[1]!;
    const [id0, id1] = [await id(p0), await id(p1)];
    const key = "{b}takeover"; // slot 3300, node 0
    const slot = String(keySlot(key));
    expect(keySlot(key)).toBeLessThanOrEqual(5460);
    expect(await exchange(p0, cmd("SET", key, "v"))).toBe("+OK\r\n");
    expect(await exchange(p0, cmd("CLUSTER", "COUNTKEYSINSLOT", slot))).not.toBe(":0\r\n");
    // A shard-channel subscriber of that slot on node 0 is told when the slot goes.
    const sub = net.connect({ port: p0, host: "127.0.0.1" });
    let pushed = "";
    sub.on("data", (d) => {
      pushed += d.toString("latin1");
    });
    sub.write(cmd("SSUBSCRIBE", key));
    await waitFor(() => pushed.includes("ssubscribe"), { timeout: 5000 });
    // Node 1 claims the slot and bumps its epoch: node 0 yields it and drops the key.
    await exchange(p1, cmd("CLUSTER", "SETSLOT", slot, "NODE", id1) + cmd("CLUSTER", "BUMPEPOCH"));
    await waitFor(
      async () => (await exchange(p0, cmd("CLUSTER", "COUNTKEYSINSLOT", slot))) === ":0\r\n",
      { timeout: 10_000, what: "node 0 to drop the slot's keys" },
    );
    expect(await exchange(p0, cmd("GET", key))).toBe(`-MOVED ${slot} 127.0.0.1:${p1}\r\n`);
    expect(await exchange(p1, cmd("GET", key))).toBe("$-1\r\n");
    await waitFor(() => pushed.includes("sunsubscribe"), { timeout: 5000 });
    expect(pushed).toContain(`*3\r\n$12\r\nsunsubscribe\r\n$${key.length}\r\n${key}\r\n:0\r\n`);
    sub.destroy();
    // And back.
    await exchange(p0, cmd("CLUSTER", "SETSLOT", slot, "NODE", id0) + cmd("CLUSTER", "BUMPEPOCH"));
    await waitFor(
      async () =>
        (await exchange(p1, cmd("GET", key))).startsWith(`-MOVED ${slot} 127.0.0.1:${p0}`),
      { timeout: 10_000, what: "the slot to return to node 0" },
    );
    await cluster.waitHealthy(20_000);
  });
});

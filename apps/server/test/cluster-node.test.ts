// One node's life in a cluster: restarted from its nodes.conf after a kill -9 it keeps its id,
// epochs and slots and the cluster is ok again; hostile bytes and hostile but well-formed frames
// on its bus port neither crash it nor change its view. And the shoal-cluster launcher, end to
// end: start, status, stop, restart from nodes.conf, clean.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { encodeFrame, MessageType, NodeFlag } from "@shoal/cluster-bus";
import {
  type ClusterHandle,
  clusterInfo,
  redisCliPath,
  run,
  spawnServer,
  startCluster,
  waitFor,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consecutiveClusterPorts, LAUNCHER, strangerPingFrame } from "./cluster-helpers.js";
import { cmd, exchange, MAIN_JS } from "./helpers.js";

let cluster: ClusterHandle;
const COMMAND = [process.execPath, MAIN_JS];

beforeAll(async () => {
  cluster = await startCluster({ command: COMMAND, nodeTimeout: 2000 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Every node's view: sorted "id addr flags slots" lines, "myself" dropped. */
async function views(ports: number[]): Promise<string[][]> {
  return Promise.all(
    ports.map(async (p) => {
      const text = await exchange(p, cmd("CLUSTER", "NODES"));
      return text
        .split("\n")
        .filter((l) => /^[0-9a-f]{40} /.test(l.replace(/^\$\d+\r/, "")))
        .map((l) => {
          const f = l
            .replace(/^\$\d+\r/, "")
            .trim()
            .split(" ");
          return `${f[0]} ${f[1]} ${f[2]!.replace("myself,", "")} ${f.slice(8).join(",")}`;
        })
        .sort();
    }),
  );
}

/** Sends raw bytes to a bus port; resolves when the node closes the link (or after 1.5 s). */
function sendToBus(port: number, bytes: Buffer): Promise<"closed" | "open"> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: "127.0.0.1" });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve("open");
    }, 1500);
    sock.on("connect", () => sock.write(bytes));
    sock.on("data", () => {});
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      resolve("closed");
    });
  });
}

const hex40 = () => randomBytes(20).toString("hex");

describe("restart from nodes.conf", () => {
  it("a node killed with SIGKILL comes back with the same id, epochs and slots; the cluster is ok again", async () => {
    const node = cluster.nodes[1]!;
    const before = await views(cluster.ports);
    const myid = await exchange(node.port, cmd("CLUSTER", "MYID"));
    const infoBefore = await clusterInfo(node.port);
    await node.kill("SIGKILL");
    const again = await spawnServer({
      command: COMMAND,
      port: node.port,
      dir: node.dir,
      args: [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${node.port}.conf`,
        "--cluster-node-timeout",
        "2000",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
    });
    cluster.nodes[1] = again;
    expect(await exchange(node.port, cmd("CLUSTER", "MYID"))).toBe(myid);
    await cluster.waitHealthy(30_000);
    const infoAfter = await clusterInfo(node.port);
    expect(infoAfter.cluster_my_epoch).toBe(infoBefore.cluster_my_epoch);
    expect(Number(infoAfter.cluster_current_epoch)).toBeGreaterThanOrEqual(
      Number(infoBefore.cluster_current_epoch),
    );
    expect(await views(cluster.ports)).toEqual(before);
    expect(again.output()).toMatch(/Node configuration loaded, I'm [0-9a-f]{40}/);
  }, 60_000);
});

describe("redis-cli --cluster add-node / del-node", () => {
  it("a fourth node joins as a replica, serves its master's data to READONLY, and leaves", async () => {
    const extra = await spawnServer({
      command: COMMAND,
      args: ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000", "--save", ""],
    });
    try {
      const id0 = (await exchange(cluster.ports[0]!, cmd("CLUSTER", "MYID"))).split("\r\n")[1]!;
      const add = await run(redisCliPath(), [
        "--cluster",
        "add-node",
        `127.0.0.1:${extra.port}`,
        `127.0.0.1:${cluster.ports[0]}`,
        "--cluster-slave",
        "--cluster-master-id",
        id0,
      ]);
      expect(add.stdout).toContain("[OK] New node added correctly.");
      const known = (n: number) =>
        waitFor(
          async () => {
            for (const p of cluster.ports)
              if ((await clusterInfo(p)).cluster_known_nodes !== String(n)) return false;
            return true;
          },
          { timeout: 20_000, what: `${n} known nodes everywhere` },
        );
      await known(4);
      // Replication follows CLUSTER REPLICATE: a write on the master is readable on the replica.
      const key = "{b}replicated"; // slot 3300, node 0
      expect(await exchange(cluster.ports[0]!, cmd("SET", key, "v1"))).toBe("+OK\r\n");
      await waitFor(
        async () =>
          (await exchange(extra.port, cmd("READONLY") + cmd("GET", key))) === "+OK\r\n$2\r\nv1\r\n",
        { timeout: 20_000, what: "the replica to serve the key" },
      );
      expect(await exchange(extra.port, cmd("GET", key))).toBe(
        `-MOVED 3300 127.0.0.1:${cluster.ports[0]}\r\n`,
      );
      expect(await exchange(extra.port, cmd("READONLY") + cmd("SET", key, "x"))).toBe(
        `+OK\r\n-MOVED 3300 127.0.0.1:${cluster.ports[0]}\r\n`,
      );
      // The other masters learn the new role from the replica's pings.
      const asReplica = new RegExp(`127\\.0\\.0\\.1:${extra.port}@\\d+ slave ${id0}`);
      await waitFor(
        async () => asReplica.test(await exchange(cluster.ports[1]!, cmd("CLUSTER", "NODES"))),
        { timeout: 10_000, what: "node 1 to see the replica" },
      );
      const id = (await exchange(extra.port, cmd("CLUSTER", "MYID"))).split("\r\n")[1]!;
      const del = await run(redisCliPath(), [
        "--cluster",
        "del-node",
        `127.0.0.1:${cluster.ports[0]}`,
        id,
      ]);
      expect(del.code).toBe(0);
      await known(3);
      expect((await clusterInfo(extra.port)).cluster_known_nodes).toBe("1");
      await cluster.waitHealthy(20_000);
    } finally {
      await extra.stop();
    }
  }, 60_000);
});

describe("hostile bus peers", () => {
  it("random bytes and malformed frames close only that link; the node and its view stay intact", async () => {
    const bus = cluster.ports[0]! + 10000;
    const before = await views(cluster.ports);
    const epochBefore = (await clusterInfo(cluster.ports[0]!)).cluster_current_epoch;
    const header = (magic: number, version: number, length: number) => {
      const b = Buffer.alloc(10);
      b.writeUInt32BE(magic, 0);
      b.writeUInt16BE(version, 4);
      b.writeUInt32BE(length, 6);
      return b;
    };
    const good = strangerPingFrame(hex40(), hex40(), 1);
    const magic = good.readUInt32BE(0);
    const version = good.readUInt16BE(4);
    const cases: Buffer[] = [
      randomBytes(4096),
      Buffer.concat([header(0xdeadbeef, version, 10), randomBytes(10)]),
      Buffer.concat([header(magic, version + 7, 10), randomBytes(10)]),
      header(magic, version, 0xffffffff),
      Buffer.concat([header(magic, version, 64), Buffer.alloc(64, 0xc1)]),
      Buffer.concat([header(magic, version, 16), randomBytes(16)]),
    ];
    for (const c of cases) expect(await sendToBus(bus, c)).toBe("closed");
    expect(await exchange(cluster.ports[0]!, cmd("PING"))).toBe("+PONG\r\n");
    expect(await views(cluster.ports)).toEqual(before);
    expect((await clusterInfo(cluster.ports[0]!)).cluster_current_epoch).toBe(epochBefore);
  }, 60_000);

  it("well-formed frames from an unknown sender claiming slots, epochs or failures change nothing", async () => {
    const bus = cluster.ports[0]! + 10000;
    const before = await views(cluster.ports);
    const epochBefore = (await clusterInfo(cluster.ports[0]!)).cluster_current_epoch;
    const victim = before[0]![0]!.split(" ")[0]!;
    const hdr = () => ({
      sender: hex40(),
      currentEpoch: 1_000_000,
      configEpoch: 1_000_000,
      offset: 0,
      slots: [0, 16383],
      replicaOf: null,
      ip: "127.0.0.1",
      port: 1,
      pport: 0,
      cport: 2,
      hostname: "",
      flags: NodeFlag.MASTER,
      state: 0 as const,
      mflags: 0,
      shardId: hex40(),
    });
    const frames = [
      // A PING claiming every slot with a huge epoch: unknown senders never touch slots/epochs.
      encodeFrame({ type: MessageType.PING, header: hdr(), gossip: [], forgotten: [] }),
      // UPDATE and FAIL from an unknown sender: the link is closed.
      encodeFrame({
        type: MessageType.UPDATE,
        header: hdr(),
        configEpoch: 1_000_000,
        nodeId: victim,
        slots: [0, 16383],
      }),
      encodeFrame({ type: MessageType.FAIL, header: hdr(), nodeId: victim }),
    ];
    for (const f of frames) await sendToBus(bus, f);
    // One link sending a burst of all of them, then garbage.
    await sendToBus(bus, Buffer.concat([...frames, randomBytes(256)]));
    await waitFor(async () => (await clusterInfo(cluster.ports[0]!)).cluster_state === "ok", {
      timeout: 10_000,
    });
    expect(await views(cluster.ports)).toEqual(before);
    expect((await clusterInfo(cluster.ports[0]!)).cluster_current_epoch).toBe(epochBefore);
    expect((await clusterInfo(cluster.ports[0]!)).cluster_known_nodes).toBe("3");
  }, 60_000);
});

describe("shoal-cluster launcher", () => {
  let dir = "";
  let base = 0;
  const launcher = (...args: string[]) =>
    run(process.execPath, [LAUNCHER, ...args, "--dir", dir], { timeout: 90_000 });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "shoal-launcher-"));
    base = await consecutiveClusterPorts(3);
  });
  afterAll(async () => {
    await launcher("clean");
    await rm(dir, { recursive: true, force: true });
  });

  it("--help lists the commands and defaults", async () => {
    const r = await run(process.execPath, [LAUNCHER, "--help"]);
    expect(r.code).toBe(0);
    for (const word of [
      "start",
      "create",
      "stop",
      "status",
      "clean",
      "--masters",
      "--replicas",
      "--port",
      "--dir",
      "(default: 7000)",
      "(default: 3)",
    ])
      expect(r.stdout).toContain(word);
  });

  it("start forms a healthy cluster and says where each node listens; stop, restart and clean", async () => {
    const start = await launcher("start", "--port", String(base), "--node-timeout", "2000");
    expect(start.stderr).toBe("");
    expect(start.code).toBe(0);
    expect(start.stdout).toContain("3/3 nodes report cluster_state:ok");
    for (let i = 0; i < 3; i++)
      expect(start.stdout).toContain(`127.0.0.1:${base + i}  bus ${base + i + 10000}`);
    expect(start.stdout).toContain(`redis-cli -c -h 127.0.0.1 -p ${base}`);

    const check = await run(redisCliPath(), ["--cluster", "check", `127.0.0.1:${base}`]);
    expect(check.stdout).toContain("[OK] All 16384 slots covered.");

    const status = await launcher("status");
    expect(status.code).toBe(0);
    expect(status.stdout.match(/cluster_state:ok/g)).toHaveLength(3);
    const ids = await exchange(base, cmd("CLUSTER", "MYID"));

    expect((await launcher("stop")).code).toBe(0);
    expect((await launcher("status")).code).toBe(1);

    const restart = await launcher("start");
    expect(restart.code).toBe(0);
    expect(restart.stdout).toContain("already belong to a cluster");
    expect(restart.stdout).toContain("3/3 nodes report cluster_state:ok");
    expect(await exchange(base, cmd("CLUSTER", "MYID"))).toBe(ids);

    const clean = await launcher("clean");
    expect(clean.code).toBe(0);
    expect((await launcher("status")).stdout).toContain("down");
  }, 120_000);
});

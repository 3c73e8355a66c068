// The built shoal-cli, spawned as a user runs it: one-shot output formats (redis-cli's), -c
// following MOVED, the piped prompt, and the --cluster verbs against real nodes.
import { fileURLToPath } from "node:url";
import { keySlot } from "@shoal/slot-hash";
import {
  type ClusterHandle,
  freeClusterPorts,
  redisServerPath,
  run,
  type ServerHandle,
  spawnServer,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterFactories, clusterNodes, ownerPort } from "./helpers/clusters.js";

const CLI = fileURLToPath(new URL("../bin/shoal-cli", import.meta.url));
const BENCH = fileURLToPath(new URL("../bin/shoal-bench", import.meta.url));
const cli = (args: string[], input?: string) =>
  run(process.execPath, [CLI, ...args], {
    timeout: 90_000,
    ...(input !== undefined ? { input } : {}),
  });

describe("shoal-cli basics", () => {
  it("prints --help and exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: shoal-cli \[options\] \[command\.\.\.\]/);
    expect(r.stdout).toContain("-c ");
    const m = await cli(["--cluster", "--help"]);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain("create [options] <host:port...>");
  });

  it("says it could not connect, like redis-cli", async () => {
    const [port] = await freeClusterPorts(1);
    const r = await cli(["-p", String(port), "ping"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Could not connect to Redis at 127.0.0.1:${port}: Connection refused\n`);
  });
});

function nodeArgs(port: number): string[] {
  return [
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    `nodes-${port}.conf`,
    "--cluster-node-timeout",
    "2000",
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "no",
  ];
}

describe.each(clusterFactories)("shoal-cli against $name", (factory) => {
  let cluster: ClusterHandle;
  const fresh: ServerHandle[] = [];
  let p0: number;

  beforeAll(async () => {
    cluster = await factory.start({ masters: 3, replicasPerMaster: 0 });
    p0 = cluster.ports[0]!;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(fresh.map((s) => s.stop()));
    await cluster?.stop();
  });

  it("prints replies as redis-cli does (--no-raw)", async () => {
    const c = (...args: string[]) => cli(["-c", "-p", String(p0), "--no-raw", ...args]);
    expect((await c("set", "foo", "bar")).stdout).toBe("OK\n");
    expect((await c("get", "foo")).stdout).toBe('"bar"\n');
    expect((await c("get", "nothing")).stdout).toBe("(nil)\n");
    expect((await c("incr", "n")).stdout).toBe("(integer) 1\n");
    expect((await c("rpush", "l", "a", "b c", 'd"e')).stdout).toBe("(integer) 3\n");
    expect((await c("lrange", "l", "0", "-1")).stdout).toBe('1) "a"\n2) "b c"\n3) "d\\"e"\n');
    expect((await c("lrange", "none", "0", "-1")).stdout).toBe("(empty array)\n");
    const wrong = await c("get", "l");
    expect(wrong.stdout).toBe(
      "(error) WRONGTYPE Operation against a key holding the wrong kind of value\n",
    );
    expect(wrong.code).toBe(0);
    expect((await c("-r", "3", "incr", "rep")).stdout).toBe(
      "(integer) 1\n(integer) 2\n(integer) 3\n",
    );
    expect((await c("-3", "hset", "h", "a", "1")).stdout).toBe("(integer) 1\n");
    expect((await c("-3", "hgetall", "h")).stdout).toBe('1# "a" => "1"\n');
    // Nested arrays indent as redis-cli's do (LMPOP: streams aren't in shoal-server yet).
    expect((await c("lmpop", "1", "l", "left", "count", "2")).stdout).toBe(
      '1) "l"\n2) 1) "a"\n   2) "b c"\n',
    );
  });

  it("prints raw replies when stdout is not a terminal", async () => {
    await cli(["-c", "-p", String(p0), "rpush", "raw", "x", "y"]);
    expect((await cli(["-c", "-p", String(p0), "lrange", "raw", "0", "-1"])).stdout).toBe("x\ny\n");
    expect((await cli(["-c", "-p", String(p0), "get", "nothing"])).stdout).toBe("\n");
  });

  it("follows MOVED with -c and shows it without", async () => {
    const key = "moved-key";
    const owner = await ownerPort(p0, keySlot(key));
    const other = cluster.ports.find((p) => p !== owner)!;
    await cli(["-c", "-p", String(owner), "set", key, "v"]);
    const without = await cli(["-p", String(other), "--no-raw", "get", key]);
    expect(without.stdout).toBe(`(error) MOVED ${keySlot(key)} 127.0.0.1:${owner}\n`);
    const withC = await cli(["-c", "-p", String(other), "--no-raw", "get", key]);
    expect(withC.stdout).toBe('"v"\n');
    // The piped prompt reads one command per line and stays on the node it was sent to.
    const piped = await cli(
      ["-c", "-p", String(other), "--no-raw"],
      `get ${key}\nset "a b" "c\\x41"\nget "a b"\n`,
    );
    expect(piped.stdout).toBe('"v"\nOK\n"cA"\n');
  });

  it("--cluster check and info report a healthy cluster", async () => {
    const check = await cli(["--cluster", "check", `127.0.0.1:${p0}`]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/-> \d+ keys \| \d+ slots \| 0 slaves\./);
    expect(check.stdout).toContain(`>>> Performing Cluster Check (using node 127.0.0.1:${p0})`);
    expect(check.stdout).toMatch(
      /M: [0-9a-f]{40} 127\.0\.0\.1:\d+\n {3}slots:\[\d+-\d+\] \(\d+ slots\) master/,
    );
    expect(check.stdout).toContain("[OK] All nodes agree about slots configuration.");
    expect(check.stdout).toContain("[OK] All 16384 slots covered.");
    const info = await cli(["--cluster", "info", `127.0.0.1:${p0}`]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(
      /\[OK\] \d+ keys in 3 masters\.\n\d+\.\d\d keys per slot on average\.\n$/,
    );
    const call = await cli(["--cluster", "call", `127.0.0.1:${p0}`, "PING"]);
    expect(call.stdout.split("\n").filter((l) => l.endsWith(": PONG"))).toHaveLength(3);
  });

  it("shoal-bench discovers the masters and reports percentiles", async () => {
    const r = await run(process.execPath, [
      BENCH,
      "--cluster",
      "-p",
      String(p0),
      "-n",
      "3000",
      "-c",
      "10",
      "-P",
      "4",
      "-t",
      "set,get,mset",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Cluster has 3 master nodes:\n\nMaster 0: [0-9a-f]{40} 127\.0\.0\.1:\d+\n/,
    );
    expect(r.stdout).toContain("====== SET ======\n  3000 requests completed in");
    expect(r.stdout).toMatch(/throughput summary: [\d.]+ requests per second/);
    expect(r.stdout).toMatch(/avg +min +p50 +p95 +p99 +p99\.9 +max/);
    // The progress line lives on stderr and is erased at the end of each test (\r + clear line).
    expect(r.stderr).toMatch(/^(\r[^\n]*)*$/);
    const q = await run(process.execPath, [
      BENCH,
      "--cluster",
      "-p",
      String(p0),
      "-n",
      "2000",
      "-t",
      "incr",
      "-q",
    ]);
    expect(q.stdout).toMatch(
      /^INCR: [\d.]+ requests per second, p50=[\d.]+ msec, p99=[\d.]+ msec, p99\.9=[\d.]+ msec\n$/,
    );
  });

  it("--cluster check fails on an open slot", async () => {
    const slot = keySlot("open");
    const owner = await ownerPort(p0, slot);
    const other = cluster.ports.find((p) => p !== owner)!;
    const nodes = await clusterNodes(p0);
    const otherId = nodes.find((n) => n.port === other)!.id;
    await run("redis-cli", [
      "-p",
      String(owner),
      "cluster",
      "setslot",
      String(slot),
      "migrating",
      otherId,
    ]);
    try {
      const check = await cli(["--cluster", "check", `127.0.0.1:${p0}`]);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(
        `[WARNING] Node 127.0.0.1:${owner} has slots in migrating state ${slot}.`,
      );
      expect(check.stdout).toContain(`[WARNING] The following slots are open: ${slot}.`);
    } finally {
      await run("redis-cli", ["-p", String(owner), "cluster", "setslot", String(slot), "stable"]);
    }
  });

  it("--cluster create, add-node and del-node on fresh nodes", async () => {
    const ports = await freeClusterPorts(7);
    fresh.push(
      ...(await Promise.all(
        ports.map((port) =>
          spawnServer({ command: [redisServerPath()], port, args: nodeArgs(port) }),
        ),
      )),
    );
    const addrs = ports.slice(0, 6).map((p) => `127.0.0.1:${p}`);
    const create = await cli([
      "--cluster",
      "create",
      ...addrs,
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    ]);
    expect(create.stdout).toContain("Master[0] -> Slots 0 - 5460");
    expect(create.stdout).toContain("Master[2] -> Slots 10923 - 16383");
    expect(create.stdout).toContain("[OK] All 16384 slots covered.");
    expect(create.code).toBe(0);
    const nodes = await clusterNodes(ports[0]!);
    expect(nodes.filter((n) => n.role === "slave")).toHaveLength(3);

    // Not empty any more: create refuses with redis-cli's message.
    const again = await cli(["--cluster", "create", ...addrs.slice(0, 3), "--cluster-yes"]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`[ERR] Node ${addrs[0]} is not empty.`);

    const extra = `127.0.0.1:${ports[6]}`;
    const add = await cli(["--cluster", "add-node", extra, addrs[0]!]);
    expect(add.stdout).toContain("[OK] New node added correctly.");
    expect(add.code).toBe(0);
    const id = (await clusterNodes(ports[6]!)).find((n) => n.flags.includes("myself"))!.id;
    const del = await cli(["--cluster", "del-node", addrs[0]!, id]);
    expect(del.stdout).toContain(">>> Sending CLUSTER RESET SOFT to the deleted node.");
    expect(del.code).toBe(0);
    expect((await clusterNodes(ports[0]!)).some((n) => n.id === id)).toBe(false);
    const missing = await cli(["--cluster", "del-node", addrs[0]!, id]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`[ERR] No such node ID ${id}`);
  }, 120_000);
});

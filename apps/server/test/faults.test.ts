// Faults on demand through the library API (LocalCluster from the built package): real
// shoal-server processes, real SIGKILL/SIGSTOP/SIGCONT, a restart from nodes.conf. What each
// fault changed is read back from the operating system and from the nodes themselves.
import fs from "node:fs";
import { redisCli, redisCliPath, run, waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCluster, type LocalClusterNode } from "../dist/index.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const procState = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0];
};
/** Exited: gone, or a zombie its parent (this process, which spawned it) has not reaped yet. */
const exited = (pid: number) => {
  if (!alive(pid)) return true;
  try {
    return procState(pid) === "Z";
  } catch {
    return true;
  }
};

/** The flags `observer` shows for the node with `id` in CLUSTER NODES. */
async function flagsOf(observer: number, id: string): Promise<string[]> {
  const text = await redisCli(observer, ["CLUSTER", "NODES"]);
  const line = text.split("\n").find((l) => l.startsWith(id));
  return line?.split(" ")[2]?.split(",") ?? [];
}

async function info(port: number, section: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await redisCli(port, ["INFO", section])).split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

describe("LocalCluster faults (3 masters, 1 replica each, node-timeout 1000)", () => {
  let cluster: LocalCluster;
  let nodes: LocalClusterNode[];

  beforeAll(async () => {
    cluster = await LocalCluster.start({ masters: 3, replicas: 1, nodeTimeout: 1000 });
    nodes = await cluster.nodes();
  }, 40_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 20_000);

  it("nodes() describes what the nodes report: ids, roles, masters, slots, live pids", async () => {
    const masters = nodes.filter((n) => n.role === "master");
    const replicas = nodes.filter((n) => n.role === "replica");
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    for (const n of nodes) {
      expect(n.id).toMatch(/^[0-9a-f]{40}$/);
      expect(alive(n.pid!)).toBe(true);
      expect((await redisCli(n.port, ["CLUSTER", "MYID"])).trim()).toBe(n.id);
    }
    for (const r of replicas) expect(masters.map((m) => m.port)).toContain(r.master);
    const covered = masters.flatMap((m) => m.slots);
    expect(covered.length).toBeGreaterThanOrEqual(3);
    expect(cluster.seeds.map((s) => s.port).sort()).toEqual(nodes.map((n) => n.port).sort());
  });

  it("partition() on a cluster started without partitions says how to get one", async () => {
    await expect(cluster.partition([[nodes[0]!.port]])).rejects.toThrow(
      /without --partitions.*start --partitions.*partitions: true/,
    );
  });

  it("pause() stops the process (state T, no PING answer), the others flag it fail; resume() brings it back", async () => {
    const replica = nodes.find((n) => n.role === "replica")!;
    await cluster.pause(replica.port);
    expect(procState(replica.pid!)).toBe("T");
    const ping = await run(redisCliPath(), ["-p", String(replica.port), "PING"], { timeout: 1500 });
    expect(ping.stdout).not.toContain("PONG");
    const observer = nodes.find((n) => n.port !== replica.port)!.port;
    await waitFor(async () => (await flagsOf(observer, replica.id)).includes("fail"), {
      timeout: 10_000,
      what: `${replica.port} flagged fail`,
    });
    expect((await cluster.nodes()).find((n) => n.port === replica.port)!.process).toBe("paused");

    await cluster.resume(replica.port);
    expect(procState(replica.pid!)).not.toBe("T");
    expect((await redisCli(replica.port, ["PING"])).trim()).toBe("PONG");
    await waitFor(async () => !(await flagsOf(observer, replica.id)).includes("fail"), {
      timeout: 10_000,
      what: `${replica.port} no longer flagged`,
    });
    await cluster.waitForState("ok", { timeout: 10_000 });
  }, 30_000);

  it("kill() SIGKILLs a master and waitForPromotion() names the replica that took its slots; restart() rejoins it from nodes.conf", async () => {
    const master = nodes.find((n) => n.role === "master")!;
    const itsReplica = nodes.find((n) => n.master === master.port)!;
    await cluster.kill(master.port);
    expect(exited(master.pid!)).toBe(true);

    const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
    expect(promoted).toBe(itsReplica.port);
    await cluster.waitForState("ok", { timeout: 10_000 });
    const after = (await cluster.nodes()).find((n) => n.port === promoted)!;
    expect(after.role).toBe("master");
    expect(after.slots).toEqual(master.slots);

    await cluster.restart(master.port);
    const back = (await cluster.nodes()).find((n) => n.port === master.port)!;
    expect(back.pid).not.toBe(master.pid);
    expect(alive(back.pid!)).toBe(true);
    // Same identity: it read its nodes.conf rather than starting as a new node.
    expect((await redisCli(master.port, ["CLUSTER", "MYID"])).trim()).toBe(master.id);
    await waitFor(
      async () => {
        const n = (await cluster.nodes()).find((x) => x.port === master.port)!;
        return n.role === "replica" && n.master === promoted && n.flags.length === 0;
      },
      { timeout: 15_000, what: `${master.port} to rejoin as a replica of ${promoted}` },
    );
    await cluster.waitForState("ok", { timeout: 10_000 });
    expect((await info(master.port, "replication")).master_port).toBe(String(promoted));
  }, 50_000);
});

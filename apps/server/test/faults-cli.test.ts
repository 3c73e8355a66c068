// The fault verbs of the built `shoal-cluster` bin: each prints what it did, then how the cluster
// reacted (flags, promotion with port and id, cluster_state:ok with elapsed ms). A partitionable
// 3+3 cluster with node-timeout 1000; what a verb claims is checked against the nodes themselves.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { redisCli, run } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consecutiveClusterPorts, LAUNCHER } from "./cluster-helpers.js";

describe("shoal-cluster fault verbs", () => {
  let dir = "";
  let base = 0;
  const launcher = (...args: string[]) =>
    run(process.execPath, [LAUNCHER, ...args, "--dir", dir], { timeout: 60_000 });
  const roleOf = async (port: number) => (await redisCli(port, ["ROLE"])).split("\n")[0]!.trim();
  /** What a failed verb said, and the end of the node log it points at ("see <log>"). */
  const why = (r: { stdout: string; stderr: string }) => {
    const log = /see (\S+\.log)/.exec(r.stderr)?.[1];
    let tail = "";
    try {
      if (log !== undefined) tail = readFileSync(log, "utf8").slice(-2000);
    } catch {}
    return `${r.stdout}${r.stderr}${tail}`;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "shoal-faults-cli-"));
    // 6 nodes behind proxies: 12 consecutive ports (and their +10000).
    base = await consecutiveClusterPorts(12);
    const r = await launcher(
      "start",
      "--port",
      String(base),
      "--replicas",
      "1",
      "--node-timeout",
      "1000",
      "--partitions",
    );
    if (r.code !== 0) throw new Error(`start failed:\n${r.stdout}\n${r.stderr}`);
  }, 40_000);
  afterAll(async () => {
    await launcher("clean");
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("--help lists every fault verb", async () => {
    const r = await run(process.execPath, [LAUNCHER, "--help"]);
    for (const verb of [
      "kill",
      "pause",
      "resume",
      "restart",
      "partition",
      "heal",
      "failover",
      "--partitions",
    ])
      expect(r.stdout).toContain(verb);
  });

  it("kill prints the pid it killed and the promotion; restart brings the node back as a replica", async () => {
    const victim = base;
    expect(await roleOf(victim)).toBe("master");
    const kill = await launcher("kill", String(victim));
    expect(kill.code).toBe(0);
    expect(kill.stdout).toMatch(
      new RegExp(`Killed 127\\.0\\.0\\.1:${victim} \\(pid \\d+, SIGKILL\\)`),
    );
    expect(kill.stdout).toMatch(new RegExp(`${victim} flagged fail by`));
    const promoted = kill.stdout.match(
      /Promoted: (\d+) \(([0-9a-f]{40})\) serves (\S+) in place of/,
    );
    expect(promoted).not.toBeNull();
    expect(kill.stdout).toMatch(/cluster_state:ok on all 5 running nodes since \+\d+ ms/);
    const newMaster = Number(promoted![1]);
    expect((await redisCli(newMaster, ["CLUSTER", "MYID"])).trim()).toBe(promoted![2]);
    expect(await roleOf(newMaster)).toBe("master");

    const restart = await launcher("restart", String(victim));
    expect(restart.code, why(restart)).toBe(0);
    expect(restart.stdout).toMatch(
      /Restarted 127\.0\.0\.1:\d+ \(pid \d+, same nodes\.conf and arguments\)/,
    );
    expect(restart.stdout).toMatch(/Reached after \d+ ms/);
    expect(await roleOf(victim)).toBe("slave");
  }, 40_000);

  it("pause and resume print what they did; status shows the paused node", async () => {
    const port = base + 1;
    const pause = await launcher("pause", String(port), "--no-watch");
    expect(pause.stdout).toMatch(
      new RegExp(`Paused 127\\.0\\.0\\.1:${port} \\(pid \\d+, SIGSTOP\\)`),
    );
    expect(pause.stdout).not.toContain("Watching");
    const status = await launcher("status");
    expect(status.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}  pid \\d+  paused`));
    const resume = await launcher("resume", String(port));
    expect(resume.stdout).toMatch(
      new RegExp(`Resumed 127\\.0\\.0\\.1:${port} \\(pid \\d+, SIGCONT\\)`),
    );
    expect(resume.stdout).toMatch(/Reached after \d+ ms/);
    expect((await redisCli(port, ["PING"])).trim()).toBe("PONG");
  }, 40_000);

  it("partition and heal print the groups and each side's view; bad groups are refused", async () => {
    const bad = await launcher("partition", `${base}|${base + 1}`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/are in no group/);

    const cut = await launcher("partition", String(base + 2));
    expect(cut.code).toBe(0);
    expect(cut.stdout).toMatch(new RegExp(`Partitioned ${base + 2} \\| ${base},`));
    expect(cut.stdout).toMatch(new RegExp(`${base + 2} flagged fail\\?? by`));
    const seen = await redisCli(base, ["CLUSTER", "NODES"]);
    expect(seen).toMatch(/fail/);

    const heal = await launcher("heal");
    expect(heal.code).toBe(0);
    expect(heal.stdout).toMatch(new RegExp(`Healed ${base + 2} \\| `));
    expect(heal.stdout).toMatch(/Reached after \d+ ms: no node flagged/);
    expect(await redisCli(base, ["CLUSTER", "NODES"])).not.toMatch(/fail/);
  }, 40_000);

  it("failover sends CLUSTER FAILOVER to the replica and reports it serving slots", async () => {
    const replica = base; // the restarted former master, a replica now
    expect(await roleOf(replica)).toBe("slave");
    const r = await launcher("failover", String(replica));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Sent CLUSTER FAILOVER to 127.0.0.1:${replica}: OK`);
    expect(r.stdout).toMatch(/Reached after \d+ ms/);
    expect(await roleOf(replica)).toBe("master");
  }, 40_000);
});

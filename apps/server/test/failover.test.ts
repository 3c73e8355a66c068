// Failover under repeated kill -9 (issue 11): a 3+3 cluster of real shoal-server processes,
// cluster-node-timeout 1000. Six times in a row (SHOAL_TEST_FAILOVER_KILLS=20 for the long run;
// bench/failover.ts always does 20 and times them) a current master is killed (round-robin over
// the three slot ranges, so each shard's two nodes take turns being master), its replica must take
// over every slot and every survivor report cluster_state:ok; then the killed node is started
// again from its nodes.conf and must come back as a replica of the node that replaced it. A key
// written with WAIT 1 before each kill is read back from the promoted node. The first kill also
// checks what an operator sees, as in Redis 7.0: fail?/fail flags on the survivors, the winner's
// log lines, configEpoch, INFO replication (new replid, old one kept as replid2) and the
// auth-req/auth-ack counters of CLUSTER INFO.
import fs from "node:fs";
import path from "node:path";
import { waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalCluster, type LocalClusterNode } from "../dist/index.js";
import {
  clusterInfo,
  flagsSeen,
  get,
  keysIn,
  logOf,
  NODE_TIMEOUT,
  replication,
  send,
  setAcked,
  shard,
  steady,
  summary,
  watchFlags,
} from "./failover-helpers.js";
import { cmd, exchange } from "./helpers.js";

// Six kills cover every shard twice, each node once killed as master and once promoted.
const KILLS = Math.max(6, Number(process.env.SHOAL_TEST_FAILOVER_KILLS ?? "6") || 6);
/** First slot of each master's range, as the launcher splits 16384 slots over 3 masters. */
const RANGES = [0, 5461, 10923];

describe(`${KILLS} master kills in a row (3 masters + 3 replicas, node-timeout 1000)`, () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ masters: 3, replicas: 1, nodeTimeout: NODE_TIMEOUT });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 20_000);

  /** Kill → promotion → ok everywhere → restart → replica again. Returns what was measured. */
  async function killRound(round: number, observe: boolean) {
    const before = await steady(cluster);
    const { master, replica } = shard(before, RANGES[round % 3]!);
    const survivors = before.filter((n) => n.port !== master.port).map((n) => n.port);
    const key = keysIn(master.slots, 1, `round${round}`)[0]!;
    expect(await setAcked(master.port, key, `v${round}`)).toBe("+OK\r\n:1\r\n");
    const oldReplid = (await replication(replica.port)).master_replid;
    const stats = observe
      ? new Map(await Promise.all(survivors.map(async (p) => [p, await clusterInfo(p)] as const)))
      : null;
    const flags = observe ? watchFlags(survivors, master.id) : null;

    const t0 = Date.now();
    await cluster.kill(master.port);
    const promoted = await cluster.waitForPromotion(master.port, { timeout: 15_000 });
    await cluster.waitForState("ok", { nodes: survivors, timeout: 15_000 });
    const okMs = Date.now() - t0;
    const seenFlags = await flags?.stop();

    expect(promoted).toBe(replica.port);
    const repl = await replication(promoted);
    expect(repl.role).toBe("master");
    expect(await get(promoted, key)).toBe(`v${round}`);
    expect(await send(promoted, "SET", key, `after${round}`)).toBe("+OK");

    if (observe) {
      // Every survivor first suspects (fail?), then agrees (fail), as Redis prints it.
      expect([...seenFlags!].sort()).toEqual(expect.arrayContaining(["fail", "fail?", "master"]));
      for (const p of survivors) expect(await flagsSeen(p, master.id)).toContain("fail");
      // The winner: a new replication id, the old one kept for its siblings' partial resync.
      expect(repl.master_replid).not.toBe(oldReplid);
      expect(repl.master_replid2).toBe(oldReplid);
      const ci = await clusterInfo(promoted);
      const epoch = Number(ci.cluster_my_epoch);
      expect(epoch).toBe(Number(ci.cluster_current_epoch));
      const log = logOf(cluster, promoted);
      expect(log).toMatch(/Start of election delayed for \d+ milliseconds \(rank #0, offset \d+\)/);
      expect(log).toContain(`Starting a failover election for epoch ${epoch}.`);
      expect(log).toContain("Failover election won: I'm the new master.");
      expect(log).toContain(`configEpoch set to ${epoch} after successful failover`);
      const myLine = (await flagsSeen(promoted, replica.id)).join(",");
      expect(myLine).toBe("myself,master");
      // The replica asked for votes; both surviving masters (2 of 3 is the quorum) granted one.
      const sent = (p: number, k: string, now: Record<string, string>) =>
        Number(now[k] ?? 0) - Number(stats!.get(p)![k] ?? 0);
      expect(sent(promoted, "cluster_stats_messages_auth-req_sent", ci)).toBeGreaterThan(0);
      const voters = before.filter((n) => n.role === "master" && n.port !== master.port);
      for (const v of voters) {
        expect(
          sent(v.port, "cluster_stats_messages_auth-ack_sent", await clusterInfo(v.port)),
        ).toBeGreaterThan(0);
        expect(logOf(cluster, v.port)).toContain(
          `Failover auth granted to ${replica.id} for epoch ${epoch}`,
        );
      }
      // One node saw the quorum of reports and flagged FAIL; it told every other node.
      const marked = `Marking node ${master.id} as failing (quorum reached).`;
      const told = new RegExp(`FAIL message received from [0-9a-f]{40} about ${master.id}`);
      const logs = survivors.map((p) => logOf(cluster, p));
      expect(logs.some((l) => l.includes(marked))).toBe(true);
      for (const l of logs) expect(l.includes(marked) || told.test(l)).toBe(true);
    }

    // Back from its nodes.conf: same id, knows the whole cluster at once, and turns replica.
    const conf = path.join(cluster.dir, String(master.port), "nodes.conf");
    expect(fs.existsSync(conf)).toBe(true);
    await cluster.restart(master.port);
    const back = await waitFor(
      async () => {
        const n = (await cluster.nodes()).find((x) => x.port === master.port)!;
        return n.role === "replica" && n.master === promoted ? n : null;
      },
      {
        timeout: 15_000,
        interval: 50,
        what: `${master.port} to rejoin as a replica of ${promoted}`,
      },
    );
    const rejoinMs = Date.now() - t0;
    return { master, replica, back, promoted, okMs, rejoinMs, conf, seenFlags };
  }

  it(
    `each of ${KILLS} kill -9 of a master ends with its replica promoted and cluster_state:ok on every survivor; the killed node rejoins as a replica`,
    async () => {
      const okTimes: number[] = [];
      const rejoinTimes: number[] = [];
      const killed: number[] = [];
      for (let round = 0; round < KILLS; round++) {
        const r = await killRound(round, round === 0);
        okTimes.push(r.okMs);
        rejoinTimes.push(r.rejoinMs);
        killed.push(r.master.port);
        console.log(
          `kill ${String(round + 1).padStart(2)}/${KILLS}: master ${r.master.port} killed, ${r.promoted} promoted, cluster_state:ok on every survivor after ${r.okMs} ms, ${r.master.port} a replica again after ${r.rejoinMs} ms`,
        );
        if (round === 0) {
          // The restart read nodes.conf: same identity, the whole table known, the new master
          // followed (Redis's "Configuration change detected" path), and the data resynced.
          expect(r.back.id).toBe(r.master.id);
          expect(r.back.pid).not.toBe(r.master.pid);
          expect(Number((await clusterInfo(r.master.port)).cluster_known_nodes)).toBe(6);
          await waitFor(
            async () => (await replication(r.master.port)).master_link_status === "up",
            { timeout: 10_000, what: "the rejoined node's link to its new master" },
          );
          // Read after the link is up: the node writes its log asynchronously.
          const log = logOf(cluster, r.master.port);
          const restartAt = log.lastIndexOf(`Node configuration loaded, I'm ${r.master.id}`);
          expect(restartAt).toBeGreaterThan(0);
          expect(log.slice(restartAt)).toContain(
            `Configuration change detected. Reconfiguring myself as a replica of ${r.replica.id}`,
          );
          // It holds the data again: a READONLY connection reads what the new master wrote.
          const k = keysIn(r.master.slots, 1, "round0")[0]!;
          await waitFor(
            async () =>
              (await exchange(r.master.port, cmd("READONLY") + cmd("GET", k))) ===
              "+OK\r\n$6\r\nafter0\r\n",
            { timeout: 10_000, what: `${k} on the rejoined replica` },
          );
          // A plain connection to the rejoined node is redirected to the new master.
          expect(await send(r.master.port, "GET", k)).toMatch(
            new RegExp(`^-MOVED \\d+ 127\\.0\\.0\\.1:${r.promoted}$`),
          );
        }
      }
      console.log(`kill -> cluster_state:ok on every survivor: ${summary(okTimes)}`);
      console.log(`  all: ${okTimes.join(" ")}`);
      console.log(`kill -> killed node a replica again: ${summary(rejoinTimes)}`);
      expect(okTimes).toHaveLength(KILLS);
      // Round-robin over the shards, each shard's two nodes in turn: all six were killed.
      expect(new Set(killed).size).toBe(6);
      const final = await steady(cluster);
      expect(final.filter((n: LocalClusterNode) => n.role === "master")).toHaveLength(3);
    },
    KILLS * 10_000,
  );
});

// repl-diskless-sync-delay and repl-diskless-sync-max-replicas on a Shoal master: replicas that
// ask for a full sync within the delay wait for it and then share one RDB stream (Redis's
// "Delay next BGSAVE for diskless SYNC", then a single "Starting BGSAVE for SYNC"). One replica
// is a Shoal node and one a real redis-server 7.0.15, so the shared stream serves both readers.
import { waitFor } from "@shoal/test-utils";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, connect, digest, fillEveryType, info, redisAt, shoalAt } from "./rdb-helpers.js";

afterEach(cleanup);

const count = (log: string, line: string) => log.split(line).length - 1;

async function inSync(master: Redis, replicas: Redis[]): Promise<void> {
  await waitFor(
    async () => {
      const m = await info(master);
      for (const r of replicas) {
        const i = await info(r);
        if (i.master_link_status !== "up" || i.master_repl_offset !== m.master_repl_offset)
          return false;
      }
      return true;
    },
    { timeout: 30_000, interval: 100, what: "both replicas in sync" },
  );
}

/** Two running servers, a Shoal and a redis-server, to be made replicas by `follow`. */
async function twoServers(): Promise<Redis[]> {
  const [a, b] = await Promise.all([shoalAt(), redisAt()]);
  return [connect(a.port), connect(b.port)];
}

/**
 * Both told to follow `port` at the same moment: a REPLICAOF each, sent together once both
 * processes run (starting them with --replicaof made their arrival depend on how fast each
 * process started, more than the delay's 2 s on a loaded machine).
 */
async function follow(replicas: Redis[], port: number): Promise<void> {
  await Promise.all(replicas.map((r) => r.call("REPLICAOF", "127.0.0.1", String(port))));
}

describe("diskless full sync shared by the replicas that arrive together", () => {
  it("repl-diskless-sync-delay: both wait for it, then one RDB stream serves both", async () => {
    const m = await shoalAt(["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "2"]);
    const master = connect(m.port);
    await fillEveryType(master, 2000, "k", true);
    const replicas = await twoServers();
    const t0 = Date.now();
    await follow(replicas, m.port);
    // Within the delay both are attached and waiting: listed, nothing sent yet.
    await waitFor(async () => Number((await info(master)).connected_slaves) === 2, {
      timeout: 10_000,
      what: "both replicas attached",
    });
    const waiting = await info(master);
    expect(waiting.slave0).toContain("state=wait_bgsave");
    expect(waiting.slave1).toContain("state=wait_bgsave");
    expect(count(m.output(), "Starting BGSAVE for SYNC")).toBe(0);
    await inSync(master, replicas);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    const log = m.output();
    expect(count(log, "Delay next BGSAVE for diskless SYNC")).toBe(2);
    expect(count(log, "Starting BGSAVE for SYNC with target: replicas sockets")).toBe(1);
    expect(log.lastIndexOf("Delay next BGSAVE")).toBeLessThan(log.indexOf("Starting BGSAVE"));
    expect(count(log, "Streamed RDB transfer with replica")).toBe(2);
    expect((await info(master, "stats")).sync_full).toBe("2");
    const want = await digest(master);
    for (const r of replicas) expect(await digest(r)).toBe(want);
  }, 60_000);

  it("repl-diskless-sync-max-replicas: the transfer starts once that many wait, not after the delay", async () => {
    const m = await shoalAt([
      "--repl-diskless-sync",
      "yes",
      "--repl-diskless-sync-delay",
      "60",
      "--repl-diskless-sync-max-replicas",
      "2",
    ]);
    const master = connect(m.port);
    await fillEveryType(master, 2000, "k", true);
    const replicas = await twoServers();
    const t0 = Date.now();
    await follow(replicas, m.port);
    await inSync(master, replicas);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const log = m.output();
    expect(count(log, "Delay next BGSAVE for diskless SYNC")).toBe(2);
    expect(count(log, "Starting BGSAVE for SYNC with target: replicas sockets")).toBe(1);
    const want = await digest(master);
    for (const r of replicas) expect(await digest(r)).toBe(want);
  }, 60_000);
});

// A replica restarted from its own dump.rdb continues its master's history: the file's aux
// fields repl-id / repl-offset / repl-stream-db (rdbPopulateSaveInfo) become its replid and
// offset at start-up (loadDataFromDisk, replicationCacheMasterUsingMyself), so it asks PSYNC
// <replid> <offset+1> and gets +CONTINUE with what it missed while it was down, instead of a full
// sync. Against a Shoal master and a real redis-server 7.0.15 master. And the other way round
// (Redis 7.0): a master restarted from its dump.rdb keeps that history as replid2, so the
// replicas it had continue with a partial resync.
import { outputContaining, type ServerHandle } from "@shoal/test-utils";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanup,
  connect,
  digest,
  fillEveryType,
  info,
  redisAt,
  shoalAt,
  writeStream,
} from "./rdb-helpers.js";
import { waitInSync } from "./replication-helpers.js";

afterEach(cleanup);

type Start = (args: string[], dir?: string, port?: number) => Promise<ServerHandle>;

/** A master holding `n` keys of every type (db 0) and a replica of it, in sync. */
async function masterAndReplica(
  startMaster: Start,
  startReplica: Start,
  n: number,
  masterArgs: string[] = [],
) {
  const m = await startMaster(masterArgs);
  const master = connect(m.port);
  await fillEveryType(master, n, "k", true);
  const r = await startReplica(["--replicaof", "127.0.0.1", String(m.port)]);
  const replica = connect(r.port);
  await waitInSync(master, replica);
  return { m, master, r, replica };
}

async function restartContinues(m: ServerHandle): Promise<void> {
  const master = connect(m.port);
  await fillEveryType(master, 3000, "k", true);
  const follow = ["--replicaof", "127.0.0.1", String(m.port)];
  const first = await shoalAt(follow);
  await waitInSync(master, connect(first.port));
  await writeStream(master, 2000, "before");
  await waitInSync(master, connect(first.port));
  expect(await connect(first.port).call("SAVE")).toBe("OK");
  await first.kill();
  // Writes while the replica is down: they are in the master's backlog (1 MB by default).
  await writeStream(master, 2000, "down");
  const stats0 = await info(master, "stats");
  expect(stats0.sync_full).toBe("1");

  const again = await shoalAt(follow, first.dir);
  const replica = connect(again.port);
  await waitInSync(master, replica);
  const stats = await info(master, "stats");
  expect(stats.sync_full).toBe("1");
  expect(Number(stats.sync_partial_ok)).toBe(Number(stats0.sync_partial_ok) + 1);
  const log = again.output();
  expect(log).toContain("using my own master parameters to synthesize a cached master");
  expect(log).toContain("Successful partial resynchronization with master.");
  expect(log).not.toContain("Full resync from master");
  expect((await info(replica)).master_replid).toBe((await info(master)).master_replid);
  expect(await digest(replica)).toBe(await digest(master));
}

describe("a restarted replica continues from the history in its dump.rdb", () => {
  it("of a Shoal master: +CONTINUE, the missed writes from the backlog, equal digests", async () => {
    await restartContinues(await shoalAt());
  }, 60_000);

  it("of a redis-server master: +CONTINUE, the missed writes from the backlog, equal digests", async () => {
    await restartContinues(await redisAt());
  }, 60_000);

  it("a node that wrote on its own after the restart does not claim the stored history", async () => {
    const { m, master, r: first } = await masterAndReplica(shoalAt, shoalAt, 500);
    // A stored offset of 0 is never claimed: the history must have some length, or this test
    // passes without looking (as it did whenever no PING of the master's came before the SAVE).
    await master.set("after-sync", "1");
    await waitInSync(master, connect(first.port));
    expect(Number((await info(connect(first.port))).master_repl_offset)).toBeGreaterThan(0);
    expect(await connect(first.port).call("SAVE")).toBe("OK");
    await first.kill();
    // Started as a master on the file, written to, then made a replica: its data is no longer
    // what the stored offset describes, so only a full sync is right. The write is a plain SET
    // with no AOF and no backlog: copied into no stream, yet it must count.
    const again = await shoalAt([], first.dir);
    const rc: Redis = connect(again.port);
    await rc.set("mine", "1");
    await rc.call("REPLICAOF", "127.0.0.1", String(m.port));
    await waitInSync(master, rc);
    expect((await info(master, "stats")).sync_full).toBe("2");
    expect(await rc.exists("mine")).toBe(0);
    expect(await digest(rc)).toBe(await digest(master));
  }, 60_000);
});

/**
 * `startMaster`'s node, SAVEd with a replica attached, killed and started again on its file and
 * port: the replica reconnects with PSYNC and continues (+CONTINUE with the new replid), and the
 * writes after the restart reach it through that link.
 */
async function masterRestartContinues(startMaster: Start, startReplica: Start): Promise<void> {
  // No keepalive PING between the SAVE and the kill: the replica would be past the saved offset
  // (Redis then refuses the partial resync too).
  const { m, master, replica } = await masterAndReplica(startMaster, startReplica, 2000, [
    "--repl-ping-replica-period",
    "3600",
  ]);
  await writeStream(master, 2000, "before");
  await waitInSync(master, replica);
  const oldId = (await info(master)).master_replid;
  expect(await master.call("SAVE")).toBe("OK");
  await m.kill();

  const again = await startMaster([], m.dir, m.port);
  const mc = connect(again.port);
  const mi = await info(mc);
  expect(mi.master_replid2).toBe(oldId);
  expect(mi.master_replid).not.toBe(oldId);
  await writeStream(mc, 2000, "after");
  await waitInSync(mc, replica);
  const stats = await info(mc, "stats");
  expect(stats.sync_full).toBe("0");
  expect(stats.sync_partial_ok).toBe("1");
  expect((await info(replica)).master_replid).toBe(mi.master_replid);
  expect(await digest(replica)).toBe(await digest(mc));
}

describe("a restarted master keeps its dump.rdb's history as replid2 for its replicas", () => {
  it("Shoal master, Shoal replica: +CONTINUE, no full sync, equal digests", async () => {
    await masterRestartContinues(shoalAt, shoalAt);
  }, 60_000);

  it("Shoal master, redis-server replica: +CONTINUE, no full sync, equal digests", async () => {
    await masterRestartContinues(shoalAt, redisAt);
  }, 60_000);

  it("redis-server master, Shoal replica (the reference): the same", async () => {
    await masterRestartContinues(redisAt, shoalAt);
  }, 60_000);

  it("a key that expired while the master was down: a full sync (its DEL is not in the backlog)", async () => {
    const { m, master, replica } = await masterAndReplica(shoalAt, shoalAt, 200);
    // The key must be in the file and gone by the restart: an absolute time a few seconds on,
    // checked to be still ahead once SAVE returned (a slower machine fails here, loudly).
    const at = Date.now() + 4000;
    await master.pexpireat("k:0", at);
    await waitInSync(master, replica);
    expect(await master.call("SAVE")).toBe("OK");
    expect(Date.now()).toBeLessThan(at - 500);
    await m.kill();
    await new Promise((done) => setTimeout(done, at + 200 - Date.now()));
    const again = await shoalAt([], m.dir, m.port);
    const mc = connect(again.port);
    expect((await info(mc)).master_replid2).toBe("0000000000000000000000000000000000000000");
    await waitInSync(mc, replica);
    expect((await info(mc, "stats")).sync_full).toBe("1");
    expect(await replica.exists("k:0")).toBe(0);
    await outputContaining(again, /keys expired: 1\./);
    expect(await digest(replica)).toBe(await digest(mc));
  }, 60_000);
});

// A replica restarted from its own dump.rdb continues its master's history: the file's aux
// fields repl-id / repl-offset / repl-stream-db (rdbPopulateSaveInfo) become its replid and
// offset at start-up (loadDataFromDisk, replicationCacheMasterUsingMyself), so it asks PSYNC
// <replid> <offset+1> and gets +CONTINUE with what it missed while it was down, instead of a full
// sync. Against a Shoal master and a real redis-server 7.0.15 master.
import type { ServerHandle } from "@shoal/test-utils";
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
    const m = await shoalAt();
    const master = connect(m.port);
    await fillEveryType(master, 500, "k", true);
    const first = await shoalAt(["--replicaof", "127.0.0.1", String(m.port)]);
    await waitInSync(master, connect(first.port));
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

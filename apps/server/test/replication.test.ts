// Master–replica replication between real shoal-server processes on loopback: a full sync under
// a concurrent write load converges to the same keyspace, a broken link resumes with a partial
// resync inside the backlog and a full one outside it, chained replicas and promotion (replid2),
// read-only replicas, stale data, min-replicas-to-write, expiry left to the master, and real
// `redis-cli --replica` against a shoal master.

import { spawn } from "node:child_process";
import { pauseProcess, redisCliPath, resumeProcess, sleep, waitFor } from "@shoal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanup,
  connect,
  digest,
  dump,
  info,
  mixedWrites,
  shoal,
  waitInSync,
} from "./replication-helpers.js";

afterEach(cleanup);

describe("full sync", () => {
  it("a replica converges after 100k mixed writes during and after the full sync", async () => {
    const m = await shoal();
    const r = await shoal();
    const mc = connect(m.port);
    const rc = connect(r.port);
    // Enough data that the snapshot transfer overlaps the concurrent writes below.
    await mixedWrites(mc, 0, 30_000);
    await rc.replicaof("127.0.0.1", String(m.port));
    // Writes while the replica connects, receives and loads the snapshot...
    const writer = connect(m.port);
    for (let i = 0; i < 4; i++) await mixedWrites(writer, 30_000 + i * 10_000, 10_000);
    await waitFor(async () => (await info(rc)).master_link_status === "up", {
      timeout: 30_000,
      what: "link up",
    });
    // ...and after it.
    await mixedWrites(writer, 70_000, 30_000);
    expect(await writer.call("WAIT", "1", "20000")).toBe(1);
    await waitInSync(mc, rc);
    const a = await dump(m.port, [0, 2]);
    const b = await dump(r.port, [0, 2]);
    expect(a.length).toBeGreaterThan(1500);
    expect(digest(b)).toBe(digest(a));
    const mi = await info(mc);
    expect(mi.connected_slaves).toBe("1");
    expect(mi.slave0).toMatch(
      new RegExp(`^ip=127\\.0\\.0\\.1,port=${r.port},state=online,offset=\\d+,lag=\\d+$`),
    );
    expect((await info(mc, "stats")).sync_full).toBe("1");
  }, 120_000);
});

describe("partial resync", () => {
  it("continues from the backlog after CLIENT KILL TYPE master, full sync when out of it", async () => {
    const m = await shoal(["--repl-backlog-size", "65536"]);
    const r = await shoal();
    const mc = connect(m.port);
    const rc = connect(r.port);
    await mixedWrites(mc, 0, 2000);
    await rc.replicaof("127.0.0.1", String(m.port));
    await waitInSync(mc, rc);
    const stats0 = await info(mc, "stats");
    expect(stats0.sync_full).toBe("1");

    // Within the backlog: a few KB written while the link is down.
    expect(await rc.call("CLIENT", "KILL", "TYPE", "master")).toBe(1);
    await mixedWrites(mc, 2000, 300);
    await waitInSync(mc, rc);
    const stats1 = await info(mc, "stats");
    expect(Number(stats1.sync_partial_ok)).toBeGreaterThanOrEqual(1);
    expect(stats1.sync_full).toBe("1");
    expect(digest(await dump(r.port, [0, 2]))).toBe(digest(await dump(m.port, [0, 2])));

    // Out of the backlog: the replica is stopped, its link killed by the master, then far more
    // than 64 KB written before it comes back.
    pauseProcess(r.process);
    try {
      expect(await mc.call("CLIENT", "KILL", "TYPE", "replica")).toBe(1);
      await mixedWrites(mc, 2300, 20_000);
    } finally {
      resumeProcess(r.process);
    }
    await waitInSync(mc, rc);
    const stats2 = await info(mc, "stats");
    expect(stats2.sync_full).toBe("2");
    expect(Number(stats2.sync_partial_err)).toBeGreaterThanOrEqual(1);
    expect(digest(await dump(r.port, [0, 2]))).toBe(digest(await dump(m.port, [0, 2])));
  }, 90_000);
});

describe("chains and promotion", () => {
  it("a replica of a replica follows, and a promoted replica keeps its siblings with a partial resync", async () => {
    const m = await shoal();
    const r1 = await shoal();
    const r2 = await shoal();
    const mc = connect(m.port);
    const c1 = connect(r1.port);
    const c2 = connect(r2.port);
    await mixedWrites(mc, 0, 3000);
    await c1.replicaof("127.0.0.1", String(m.port));
    await waitInSync(mc, c1);
    await c2.replicaof("127.0.0.1", String(r1.port));
    await waitInSync(c1, c2);
    await mixedWrites(mc, 3000, 3000);
    await waitInSync(mc, c1);
    await waitInSync(c1, c2);
    expect(digest(await dump(r2.port, [0, 2]))).toBe(digest(await dump(m.port, [0, 2])));
    const role2 = (await c2.role()) as unknown[];
    expect(role2.slice(0, 4)).toEqual(["slave", "127.0.0.1", r1.port, "connected"]);

    // Promote r1: its old replid becomes replid2, valid up to the offset it had.
    const fullBefore = (await info(c1, "stats")).sync_full;
    const before = await info(c1);
    expect(await c1.replicaof("NO", "ONE")).toBe("OK");
    const after = await info(c1);
    expect(after.role).toBe("master");
    expect(after.master_replid2).toBe(before.master_replid);
    expect(after.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1));
    // r2 reconnects to its promoted master and continues without a full copy.
    await waitInSync(c1, c2);
    expect((await info(c1, "stats")).sync_full).toBe(fullBefore);
    expect(Number((await info(c1, "stats")).sync_partial_ok)).toBeGreaterThanOrEqual(1);
    // The old master rejoins as a replica of the promoted one, also partially.
    expect(await mc.replicaof("127.0.0.1", String(r1.port))).toBe("OK");
    await waitInSync(c1, mc);
    expect((await info(c1, "stats")).sync_full).toBe(fullBefore);
    await c1.set("after-promotion", "yes");
    await waitInSync(c1, c2);
    await waitInSync(c1, mc);
    expect(await c2.get("after-promotion")).toBe("yes");
    expect(await mc.get("after-promotion")).toBe("yes");
    const role1 = (await c1.role()) as [string, number, unknown[]];
    expect(role1[0]).toBe("master");
    expect(role1[2]).toHaveLength(2);
  }, 90_000);
});

describe("replica behaviour", () => {
  it("is read-only, leaves expiry to the master, and answers MASTERDOWN without stale data", async () => {
    const m = await shoal();
    const r = await shoal(["--replica-serve-stale-data", "no"]);
    const mc = connect(m.port);
    const rc = connect(r.port);
    await rc.replicaof("127.0.0.1", String(m.port));
    await waitInSync(mc, rc);
    await expect(rc.set("x", "1")).rejects.toThrow(
      "READONLY You can't write against a read only replica.",
    );
    const ri = await info(rc);
    expect(ri.role).toBe("slave");
    expect(ri.slave_read_only).toBe("1");
    expect(ri.slave_priority).toBe("100");
    expect(ri.master_port).toBe(String(m.port));

    // A key past its TTL reads as missing on the replica but stays until the master's DEL.
    await mc.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
    await mc.set("ttl-key", "v", "PX", 100);
    await waitInSync(mc, rc);
    await sleep(250);
    expect(await rc.get("ttl-key")).toBeNull();
    // It is kept, and counted as Redis counts it (DBSIZE is the raw key count).
    expect(await rc.dbsize()).toBe(1);
    expect(await rc.info("keyspace")).toMatch(/db0:keys=1,expires=1,/);
    expect(await mc.get("ttl-key")).toBeNull(); // Lazy expiry on the master propagates DEL.
    await waitInSync(mc, rc);
    expect(await rc.info("keyspace")).not.toMatch(/db0:/);

    // Link down and replica-serve-stale-data no: data commands answer MASTERDOWN, INFO works.
    await m.kill();
    await waitFor(async () => (await info(rc)).master_link_status === "down", {
      what: "link down",
    });
    await expect(rc.get("x")).rejects.toThrow(
      "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    );
    expect((await info(rc)).master_link_down_since_seconds).toMatch(/^\d+$/);
  }, 60_000);

  it("min-replicas-to-write refuses writes with NOREPLICAS until a replica is attached", async () => {
    const m = await shoal(["--min-replicas-to-write", "1", "--min-replicas-max-lag", "10"]);
    const mc = connect(m.port);
    await expect(mc.set("a", "1")).rejects.toThrow("NOREPLICAS Not enough good replicas to write.");
    expect(await mc.get("a")).toBeNull();
    const r = await shoal();
    const rc = connect(r.port);
    await rc.replicaof("127.0.0.1", String(m.port));
    await waitFor(async () => (await info(mc)).min_slaves_good_slaves === "1", {
      timeout: 20_000,
      what: "a good replica",
    });
    expect(await mc.set("a", "1")).toBe("OK");
    await waitInSync(mc, rc);
    expect(await rc.get("a")).toBe("1");
  }, 60_000);

  it("REPLICAOF and WAIT errors match Redis", async () => {
    const m = await shoal();
    const mc = connect(m.port);
    await expect(mc.replicaof("127.0.0.1", "70000")).rejects.toThrow("ERR Invalid master port");
    await expect(mc.call("WAIT", "x", "1")).rejects.toThrow(
      "ERR value is not an integer or out of range",
    );
    await expect(mc.call("WAIT", "1", "-1")).rejects.toThrow("ERR timeout is negative");
    await expect(mc.call("REPLCONF", "foo", "bar")).rejects.toThrow(
      "ERR Unrecognized REPLCONF option: foo",
    );
    expect(await mc.call("WAIT", "0", "0")).toBe(0);
    expect(await mc.call("WAIT", "1", "100")).toBe(0);
    expect(await mc.role()).toEqual(["master", 0, []]);
  });
});

describe("real redis-cli --replica", () => {
  it("gets the snapshot and the command stream, and the master keeps serving", async () => {
    const m = await shoal();
    const mc = connect(m.port);
    await mixedWrites(mc, 0, 1000);
    const cli = spawn(redisCliPath(), ["-p", String(m.port), "--replica"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    cli.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    cli.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    try {
      await waitFor(() => out.includes("SYNC done"), { timeout: 15_000, what: "SYNC done" });
      await mc.set("seen-by-cli", "1");
      await waitFor(() => out.includes('"set","seen-by-cli","1"'), {
        timeout: 15_000,
        what: "the command stream",
      });
    } finally {
      cli.kill("SIGKILL");
    }
    expect(await mc.ping()).toBe("PONG");
    await waitFor(async () => (await info(mc)).connected_slaves === "0", { what: "cli gone" });
  }, 60_000);
});

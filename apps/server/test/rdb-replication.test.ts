// Replication between Shoal and a real redis-server 7.0.15, both ways, in both full-sync forms
// (diskless `$EOF:<mark>` and disk-based `$<length>`), under a stream of writes during and after
// the sync: equal DEBUG DIGEST, then a partial resync after the link is killed. And the replica
// bug of issue 14: a fake master sends a corrupt payload, then a good one.
import net from "node:net";
import { waitFor } from "@shoal/test-utils";
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

afterEach(cleanup);

const KEYS = 10_000;
/**
 * Writes while the replica attaches (and a quarter of that after, and again across the link
 * kill): 100k during and after the sync with the diskless form, as the issue asks; 20k with the
 * disk form, which takes the same code paths once the payload is on disk.
 */
const WRITES = { yes: 80_000, no: 16_000 } as const;

async function waitInSync(master: Redis, replica: Redis): Promise<void> {
  await waitFor(
    async () => {
      const m = await info(master);
      const r = await info(replica);
      return r.master_link_status === "up" && r.master_repl_offset === m.master_repl_offset;
    },
    { timeout: 30_000, interval: 100, what: "replica in sync with its master" },
  );
}

/**
 * The scenario both ways: data on the master, the replica attached while writes run, writes
 * after; equal digests; the link killed from `killSide`, more writes, a partial resync.
 */
async function scenario(
  master: Redis,
  startReplica: () => Promise<Redis>,
  killLink: (master: Redis, replica: Redis) => Promise<unknown>,
  writes: number,
): Promise<void> {
  await fillEveryType(master, KEYS, "k", true);
  const during = writeStream(master, writes, "during");
  const replica = await startReplica();
  await during;
  await writeStream(master, writes / 4, "after");
  await waitInSync(master, replica);
  expect(await digest(replica)).toBe(await digest(master));
  const partialBefore = Number((await info(master, "stats")).sync_partial_ok);
  const fullBefore = Number((await info(master, "stats")).sync_full);
  await killLink(master, replica);
  await writeStream(master, writes / 4, "gap");
  await waitInSync(master, replica);
  const stats = await info(master, "stats");
  expect(Number(stats.sync_partial_ok)).toBe(partialBefore + 1);
  expect(Number(stats.sync_full)).toBe(fullBefore);
  expect(await digest(replica)).toBe(await digest(master));
}

describe("replication between Shoal and redis-server 7.0.15", () => {
  for (const diskless of ["yes", "no"] as const) {
    it(`redis-server replicates from a Shoal master (repl-diskless-sync ${diskless}), PSYNC after CLIENT KILL TYPE replica`, async () => {
      const m = await shoalAt(["--repl-diskless-sync", diskless]);
      const master = connect(m.port);
      await scenario(
        master,
        async () => connect((await redisAt(["--replicaof", "127.0.0.1", String(m.port)])).port),
        (mc) => mc.call("CLIENT", "KILL", "TYPE", "replica"),
        WRITES[diskless],
      );
      expect(m.output()).toContain(
        diskless === "yes"
          ? "Starting BGSAVE for SYNC with target: replicas sockets"
          : "Starting BGSAVE for SYNC with target: disk",
      );
    }, 60_000);

    it(`a Shoal replica of a redis-server master (repl-diskless-sync ${diskless}), PSYNC after CLIENT KILL TYPE master`, async () => {
      const m = await redisAt([
        "--repl-diskless-sync",
        diskless,
        "--repl-diskless-sync-delay",
        "0",
      ]);
      const master = connect(m.port);
      let replicaLog = () => "";
      await scenario(
        master,
        async () => {
          const s = await shoalAt(["--replicaof", "127.0.0.1", String(m.port)]);
          replicaLog = () => s.output();
          return connect(s.port);
        },
        (_mc, rc) => rc.call("CLIENT", "KILL", "TYPE", "master"),
        WRITES[diskless],
      );
      expect(replicaLog()).toContain(
        diskless === "yes"
          ? "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"
          : "MASTER <-> REPLICA sync: receiving",
      );
      expect(replicaLog()).toContain("Successful partial resynchronization with master.");
    }, 60_000);
  }
});

/**
 * A fake master speaking the PSYNC handshake: answers PING/REPLCONF, then to each PSYNC sends
 * +FULLRESYNC and the payload `payloads[attempt]` (the last one repeats), and records the PSYNC
 * arguments it was sent.
 */
function fakeMaster(
  payloads: Buffer[],
): Promise<{ port: number; psyncs: string[][]; close(): void }> {
  const psyncs: string[][] = [];
  const socks = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    socks.add(sock);
    sock.on("close", () => socks.delete(sock));
    sock.on("error", () => {});
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      for (;;) {
        // Every command the handshake sends is a RESP array of bulk strings.
        const m = /^\*(\d+)\r\n/.exec(buf);
        if (!m) return;
        let pos = m[0].length;
        const args: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const h = /^\$(\d+)\r\n/.exec(buf.slice(pos));
          if (!h || buf.length < pos + h[0].length + Number(h[1]) + 2) return;
          pos += h[0].length;
          args.push(buf.slice(pos, pos + Number(h[1])));
          pos += Number(h[1]) + 2;
        }
        buf = buf.slice(pos);
        const cmd = args[0]!.toUpperCase();
        if (cmd === "PING") sock.write("+PONG\r\n");
        else if (cmd === "REPLCONF") {
          if (args[1]?.toUpperCase() !== "ACK") sock.write("+OK\r\n");
        } else if (cmd === "PSYNC") {
          psyncs.push(args.slice(1));
          const payload = payloads[Math.min(psyncs.length, payloads.length) - 1]!;
          sock.write(`+FULLRESYNC ${"a".repeat(40)} ${1000 * psyncs.length}\r\n`);
          sock.write(`$${payload.length}\r\n`);
          sock.write(payload);
        }
      }
    });
  });
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () =>
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        psyncs,
        close: () => {
          for (const s of socks) s.destroy();
          srv.close();
        },
      }),
    ),
  );
}

describe("a full sync that fails earns nothing (issue 14)", () => {
  it("corrupt payload, then a good one: logged, no replid/offset kept, full sync again, link up only on loaded data", async () => {
    // A good payload: a real RDB file with 1000 keys, from a Shoal node's SAVE.
    const src = await shoalAt();
    const sc = connect(src.port);
    await fillEveryType(sc, 1000, "k", true);
    const want = await digest(sc);
    await sc.save();
    const { readFileSync } = await import("node:fs");
    const good = readFileSync(`${src.dir}/dump.rdb`);
    // Corrupt: the same bytes with a flipped byte in the middle (the CRC-64 can't match).
    const corrupt = Buffer.from(good);
    corrupt[good.length >> 1] = (corrupt[good.length >> 1] as number) ^ 0x5a;
    const fm = await fakeMaster([corrupt, good]);
    try {
      const s = await shoalAt(["--replicaof", "127.0.0.1", String(fm.port)]);
      const rc = connect(s.port);
      // While only corrupt data was offered, the link never reports up and nothing is loaded.
      await waitFor(() => fm.psyncs.length >= 1, { timeout: 10_000, what: "first PSYNC" });
      await waitFor(() => s.output().includes("Failed trying to load the MASTER synchronization"), {
        timeout: 10_000,
        what: "the failed load logged",
      });
      const down = await info(rc);
      expect(down.master_link_status).toBe("down");
      expect(await rc.dbsize()).toBe(0);
      expect(down.master_replid).not.toBe("a".repeat(40));
      // The retry asks for a full sync, not to continue the master's history at its offset.
      await waitFor(() => fm.psyncs.length >= 2, { timeout: 10_000, what: "second PSYNC" });
      expect(fm.psyncs[0]).toEqual(["?", "-1"]);
      expect(fm.psyncs[1]).toEqual(["?", "-1"]);
      await waitFor(async () => (await info(rc)).master_link_status === "up", {
        timeout: 10_000,
        what: "link up after the good payload",
      });
      const up = await info(rc);
      expect(up.master_replid).toBe("a".repeat(40));
      expect(up.master_repl_offset).toBe("2000");
      expect(await digest(rc)).toBe(want);
    } finally {
      fm.close();
    }
  }, 60_000);

  it("a transfer cut short: no replid/offset kept, nothing loaded, a full sync retried", async () => {
    const src = await shoalAt();
    const sc = connect(src.port);
    await fillEveryType(sc, 500, "k", true);
    await sc.save();
    const { readFileSync } = await import("node:fs");
    const good = readFileSync(`${src.dir}/dump.rdb`);
    // Announces the whole length, sends half, then the connection drops.
    let attempts = 0;
    const srv = net.createServer((sock) => {
      sock.on("error", () => {});
      sock.on("data", (d) => {
        const t = d.toString("latin1");
        if (t.includes("PING")) sock.write("+PONG\r\n");
        if (t.includes("REPLCONF") && !t.includes("ACK")) sock.write("+OK\r\n");
        if (t.includes("PSYNC")) {
          attempts++;
          sock.write(`+FULLRESYNC ${"b".repeat(40)} 77\r\n$${good.length}\r\n`);
          sock.end(good.subarray(0, good.length >> 1));
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    try {
      const s = await shoalAt([
        "--replicaof",
        "127.0.0.1",
        String((srv.address() as net.AddressInfo).port),
      ]);
      const rc = connect(s.port);
      await waitFor(() => attempts >= 2, { timeout: 10_000, what: "a second attempt" });
      const r = await info(rc);
      expect(r.master_link_status).toBe("down");
      expect(r.master_replid).not.toBe("b".repeat(40));
      expect(await rc.dbsize()).toBe(0);
      expect(s.output()).not.toContain("Finished with success");
    } finally {
      srv.close();
    }
  }, 60_000);
});

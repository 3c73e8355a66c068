// WAIT against real shoal replicas (0, 1, 2 attached, one SIGSTOPped) and the durability it
// promises: with appendfsync always, every write WAIT 1 confirmed is on the replica after the
// master is killed with SIGKILL mid-load.
import { pauseProcess, resumeProcess, waitFor } from "@shoal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, connect, info, shoal, waitInSync } from "./replication-helpers.js";

afterEach(cleanup);

describe("WAIT", () => {
  it("counts 0, 1 and 2 replicas, and a stopped one only up to the timeout", async () => {
    const m = await shoal();
    const mc = connect(m.port);
    await mc.set("k", "0");
    expect(await mc.call("WAIT", "0", "0")).toBe(0);
    expect(await mc.call("WAIT", "1", "200")).toBe(0);

    const r1 = await shoal();
    const c1 = connect(r1.port);
    await c1.replicaof("127.0.0.1", String(m.port));
    await waitInSync(mc, c1);
    await mc.set("k", "1");
    expect(await mc.call("WAIT", "1", "10000")).toBe(1);
    expect(await c1.get("k")).toBe("1");

    const r2 = await shoal();
    const c2 = connect(r2.port);
    await c2.replicaof("127.0.0.1", String(m.port));
    await waitInSync(mc, c2);
    await mc.set("k", "2");
    expect(await mc.call("WAIT", "2", "10000")).toBe(2);
    expect(await c2.get("k")).toBe("2");

    pauseProcess(r2.process);
    try {
      await mc.set("k", "3");
      const t0 = Date.now();
      // Two asked for, one can answer: the timeout decides, and the count is 1.
      expect(await mc.call("WAIT", "2", "1500")).toBe(1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
      expect(await mc.call("WAIT", "1", "10000")).toBe(1);
    } finally {
      resumeProcess(r2.process);
    }
    expect(await mc.call("WAIT", "2", "10000")).toBe(2);
    expect(await c1.call("WAIT", "0", "0").catch((e: Error) => e.message)).toMatch(
      /^ERR WAIT cannot be used with replica instances/,
    );
  }, 90_000);

  it("every write confirmed by WAIT 1 survives kill -9 of the master (appendfsync always)", async () => {
    const m = await shoal(["--appendonly", "yes", "--appendfsync", "always"]);
    const r = await shoal();
    const mc = connect(m.port);
    const rc = connect(r.port);
    await rc.replicaof("127.0.0.1", String(m.port));
    await waitInSync(mc, rc);

    const confirmed: number[] = [];
    let stop = false;
    const writers = [0, 1, 2].map(async (w) => {
      const c = connect(m.port);
      for (let i = 0; !stop; i++) {
        const n = w * 1_000_000 + i;
        try {
          // Pipelined: the SET and its WAIT arrive together, as a client would send them.
          const res = await c.pipeline().set(`w:${n}`, String(n)).call("WAIT", "1", "2000").exec();
          // Once the master is gone ioredis fails each pipeline at once, without I/O: stop, or
          // this loop would starve the event loop that is to deliver the kill.
          if (!res || res[0]?.[0] || res[1]?.[0]) return;
          if (res[0]?.[1] === "OK" && res[1]?.[1] === 1) confirmed.push(n);
        } catch {
          return;
        }
      }
    });
    await waitFor(() => confirmed.length >= 300, { timeout: 30_000, what: "confirmed writes" });
    await m.kill("SIGKILL");
    stop = true;
    await Promise.all(writers);
    await waitFor(async () => (await info(rc)).master_link_status === "down", {
      what: "link down",
    });
    const p = rc.pipeline();
    for (const n of confirmed) p.get(`w:${n}`);
    const got = (await p.exec())!.map(([, v]) => v);
    const missing = confirmed.filter((n, i) => got[i] !== String(n));
    expect(missing).toEqual([]);
  }, 90_000);
});

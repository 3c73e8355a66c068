// Streams through replication: a Shoal replica of a Shoal master ends with the same entries,
// counters, groups and pending entries, whether it got them in the full-sync RDB (streams with
// groups already there) or from the replication stream (XADD with generated IDs and `~` trims
// rewritten, XREADGROUP as XCLAIM/XGROUP SETID, XCLAIM, XAUTOCLAIM, XACK, XGROUP ...).
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, connect, shoal, waitInSync } from "./replication-helpers.js";

afterEach(cleanup);

/** Entries, counters, groups and PELs (idle and seen times are each node's clock). */
async function streamState(c: Redis, keys: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const k of keys) {
    out.push(await c.call("XINFO", "STREAM", k), await c.call("XINFO", "GROUPS", k));
    out.push(await c.call("XRANGE", k, "-", "+"));
    for (const g of (await c.call("XINFO", "GROUPS", k)) as unknown[][]) {
      const name = g[1] as string;
      const pel = (await c.call("XPENDING", k, name, "-", "+", "1000")) as unknown[][];
      out.push(
        name,
        pel.map(([id, owner, , n]) => [id, owner, n]),
      );
    }
  }
  return out;
}

describe("streams on a replica", () => {
  it("full sync, then the replication stream: the replica's streams equal the master's", async () => {
    const m = await shoal();
    const mc = connect(m.port);
    for (let i = 0; i < 300; i++) await mc.xadd("pre", "*", "n", String(i));
    await mc.call("XGROUP", "CREATE", "pre", "g", "0");
    await mc.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "10", "STREAMS", "pre", ">");
    const r = await shoal(["--replicaof", "127.0.0.1", String(m.port)]);
    const rc = connect(r.port);
    await waitInSync(mc, rc);
    for (let i = 0; i < 400; i++)
      await mc.call("XADD", "live", "MAXLEN", "~", "150", "LIMIT", "120", "*", "n", String(i));
    await mc.call("XTRIM", "pre", "MINID", "~", "0-1");
    await mc.call("XGROUP", "CREATE", "live", "g", "0", "MKSTREAM");
    await mc.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "5", "STREAMS", "live", ">");
    await mc.call("XREADGROUP", "GROUP", "g", "b", "NOACK", "COUNT", "5", "STREAMS", "live", ">");
    await mc.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "pre", ">");
    const [first] = (await mc.call("XRANGE", "live", "-", "+", "COUNT", "1")) as [
      string,
      unknown,
    ][];
    await mc.call("XCLAIM", "live", "g", "z", "0", (first as unknown as string[])[0] as string);
    await mc.call("XAUTOCLAIM", "pre", "g", "y", "0", "0", "COUNT", "3");
    await mc.call("XACK", "pre", "g", "0-1");
    await mc.call("XGROUP", "CREATECONSUMER", "live", "g", "idle");
    await mc.call("XGROUP", "SETID", "pre", "g", "$");
    await mc.call("XDEL", "pre", "0-1");
    await waitInSync(mc, rc);
    expect(await streamState(rc, ["pre", "live"])).toEqual(await streamState(mc, ["pre", "live"]));
    expect(await rc.call("XLEN", "live")).toBe(await mc.call("XLEN", "live"));
  }, 60_000);
});

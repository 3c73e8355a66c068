// `redis-cli --cluster import` from a real redis-server 7.0.15 into a Shoal cluster: the tool
// moves every key with MIGRATE, i.e. Redis's DUMP payloads restored by Shoal, for keys of every
// type. Compared by DEBUG DIGEST: Redis's digest of one database is mix(0, db id) XOR the digests
// of its keys, so the XOR of three non-empty nodes' digests (an odd count of mix terms) equals the
// digest of one node holding all their keys.
import { redisCliPath, run, startCluster } from "@shoal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { MAIN_JS } from "./helpers.js";
import { cleanup, connect, digest, fillEveryType, redisAt } from "./rdb-helpers.js";

afterEach(cleanup);

function xorHex(hexes: string[]): string {
  const out = Buffer.alloc(20);
  for (const h of hexes) {
    const b = Buffer.from(h, "hex");
    for (let i = 0; i < 20; i++) out[i] = (out[i] as number) ^ (b[i] as number);
  }
  return out.toString("hex");
}

describe("redis-cli --cluster import into a Shoal cluster", () => {
  it("10k keys of every type from redis-server 7.0.15, equal digests", async () => {
    const cluster = await startCluster({
      command: [process.execPath, MAIN_JS],
      args: ["--enable-debug-command", "yes"],
    });
    try {
      await cluster.waitHealthy();
      const r = await redisAt();
      const rc = connect(r.port);
      await fillEveryType(rc, 10_000, "imp", true, false);
      const want = await digest(rc);
      const n = await rc.dbsize();
      const res = await run(
        redisCliPath(),
        [
          "--cluster",
          "import",
          `127.0.0.1:${cluster.ports[0]}`,
          "--cluster-from",
          `127.0.0.1:${r.port}`,
          "--cluster-copy",
        ],
        { timeout: 50_000 },
      );
      expect(res.stdout).not.toContain("ERR");
      expect(res.code).toBe(0);
      const nodes = cluster.ports.map((p) => connect(p));
      const sizes = await Promise.all(nodes.map((c) => c.dbsize()));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
      expect(sizes.every((s) => s > 0)).toBe(true);
      expect(xorHex(await Promise.all(nodes.map((c) => digest(c))))).toBe(want);
    } finally {
      await cluster.stop();
    }
  }, 60_000);
});

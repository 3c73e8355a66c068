// `redis-cli --cluster import` from a real redis-server 7.0.15 into a Shoal cluster: the tool
// moves every key with MIGRATE, i.e. Redis's DUMP payloads restored by Shoal, for keys of every
// type. 100k keys, compared whole: the key counts add up and the three nodes' DEBUG DIGESTs
// combine (unionDigest: Redis's dataset digest is an xor over keys) into the source's DEBUG
// DIGEST, which covers every key's name, type, value and whether it has a TTL. A sample of keys
// of every type and encoding (one in 37, which visits every residue of fillEveryType's cycle of
// 10) also keeps its OBJECT ENCODING and has byte-equal DUMP payloads where the bytes don't
// depend on Redis's dict order (all but plain hashes and sets).
import { keySlot } from "@shoal/slot-hash";
import { redisCliPath, run, startCluster } from "@shoal/test-utils";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { MAIN_JS } from "./helpers.js";
import { cleanup, connect, digest, fillEveryType, redisAt, unionDigest } from "./rdb-helpers.js";

afterEach(cleanup);

const N = 100_000;

/** fillEveryType's key `i` (every tenth one binary, without NUL for redis-cli). */
function keyOf(i: number): Buffer {
  const k = Buffer.from(`imp:${i}`);
  return i % 10 === 8 ? Buffer.concat([Buffer.from([255, 13, 10]), k]) : k;
}

/** Per key: DEBUG DIGEST-VALUE, DUMP, whether it has a TTL, OBJECT ENCODING (one pipeline). */
async function facts(r: Redis, keys: Buffer[]): Promise<[string, Buffer, boolean, string][]> {
  const p = r.pipeline();
  for (const k of keys) {
    p.call("DEBUG", "DIGEST-VALUE", k);
    p.dumpBuffer(k);
    p.pttl(k);
    p.object("ENCODING", k);
  }
  const res = (await p.exec())!.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
  return keys.map((_, i) => [
    String((res[i * 4] as string[])[0]),
    res[i * 4 + 1] as Buffer,
    (res[i * 4 + 2] as number) > 0,
    res[i * 4 + 3] as string,
  ]);
}

describe("redis-cli --cluster import into a Shoal cluster", () => {
  it("100k keys of every type from redis-server 7.0.15: counts add up, digests equal", async () => {
    // The cluster starts while the source fills.
    const [cluster, [rc, source]] = await Promise.all([
      // Redis's default node timeout: DEBUG DIGEST of a third of the keys blocks each node for
      // a while, and a node whose cron stalls past the timeout stops serving until it rejoins.
      startCluster({
        command: [process.execPath, MAIN_JS],
        args: ["--enable-debug-command", "yes"],
        nodeTimeout: 15_000,
      }).then(async (c) => {
        await c.waitHealthy();
        return c;
      }),
      redisAt().then(async (r) => {
        const c = connect(r.port);
        await fillEveryType(c, N, "imp", true, false);
        return [c, r.port] as const;
      }),
    ]);
    try {
      expect(await rc.dbsize()).toBe(N);
      const res = await run(
        redisCliPath(),
        [
          "--cluster",
          "import",
          `127.0.0.1:${cluster.ports[0]}`,
          "--cluster-from",
          `127.0.0.1:${source}`,
          "--cluster-copy",
        ],
        { timeout: 120_000 },
      );
      expect(res.stdout).not.toContain("ERR");
      expect(res.code).toBe(0);
      const nodes = cluster.ports.map((p) => connect(p));
      const sizes = await Promise.all(nodes.map((c) => c.dbsize()));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(N);
      expect(sizes.every((s) => s > N / 4)).toBe(true);
      const [whole, union] = await Promise.all([digest(rc), unionDigest(nodes)]);
      expect(whole).not.toBe("0".repeat(40));
      expect(union).toBe(whole);

      // Which node serves which slot, from CLUSTER SLOTS.
      const owner = new Array<Redis>(16384);
      for (const [from, to, [, port]] of (await nodes[0]!.call("CLUSTER", "SLOTS")) as [
        number,
        number,
        [string, number],
      ][])
        for (let s = from; s <= to; s++) owner[s] = nodes[cluster.ports.indexOf(port)]!;
      const sample: Buffer[] = [];
      for (let i = 0; i < N; i += 37) sample.push(keyOf(i));
      const want = await facts(rc, sample);
      const byNode = new Map<Redis, number[]>();
      sample.forEach((k, i) => {
        const n = owner[keySlot(k)]!;
        byNode.set(n, [...(byNode.get(n) ?? []), i]);
      });
      const got = new Array<[string, Buffer, boolean, string]>(sample.length);
      for (const [n, idx] of byNode) {
        const f = await facts(
          n,
          idx.map((i) => sample[i]!),
        );
        idx.forEach((i, j) => {
          got[i] = f[j]!;
        });
      }
      let dumps = 0;
      const encodings = new Set<string>();
      sample.forEach((k, i) => {
        const [digest, dump, ttl, enc] = want[i]!;
        const [gDigest, gDump, gTtl, gEnc] = got[i]!;
        const what = `${k.toString("latin1")} (${enc})`;
        expect(gDigest, what).toBe(digest);
        expect(gTtl, what).toBe(ttl);
        expect(gEnc, what).toBe(enc);
        encodings.add(enc);
        if (enc !== "hashtable") {
          expect(gDump.equals(dump), what).toBe(true);
          dumps++;
        }
      });
      // Every encoding fillEveryType makes was in the sample (its sorted sets stay listpacks).
      expect([...encodings].sort()).toEqual([
        "embstr",
        "hashtable",
        "int",
        "intset",
        "listpack",
        "quicklist",
        "raw",
      ]);
      expect(dumps).toBeGreaterThan(sample.length / 2);
    } finally {
      await cluster.stop();
    }
  }, 90_000);
});

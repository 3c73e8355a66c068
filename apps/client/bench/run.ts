// @shoal/client against ioredis' Cluster on the same real Redis cluster, in the same run, at
// pipeline depths 1, 16 and 64 (depth = commands in flight at once: `depth` GET/SET issued
// together, awaited together, repeated). ioredis runs twice: with its defaults (one socket write
// per command) and with enableAutoPipelining (its batching, the closest to what shoal does).
// Prints ops/s and the ratio shoal/ioredis per depth; writes bench-results/client.json.
import { compare, writeResults } from "@shoal/bench";
import { startCluster } from "@shoal/test-utils";
import { Cluster } from "ioredis";
import { createCluster } from "../src/index.js";

const DEPTHS = [1, 16, 64];
const KEYS = 10_000;
const keys = Array.from({ length: KEYS }, (_, i) => `bench:${i}`);

async function main() {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
  const shoal = createCluster({ seeds: cluster.seeds });
  const ioredis = new Cluster(cluster.seeds, { lazyConnect: false });
  const ioredisAuto = new Cluster(cluster.seeds, { enableAutoPipelining: true });
  try {
    await shoal.connect();
    await ioredis.ping();
    await ioredisAuto.ping();
    for (const k of keys) await shoal.set(k, "xxx");
    let n = 0;
    // Half SET, half GET, over keys spread across every slot owner.
    const batchOf =
      (get: (k: string) => Promise<unknown>, set: (k: string) => Promise<unknown>) =>
      (depth: number) =>
      () => {
        const ps: Promise<unknown>[] = new Array(depth);
        for (let i = 0; i < depth; i++) {
          const k = keys[n++ % KEYS]!;
          ps[i] = n & 1 ? get(k) : set(k);
        }
        return Promise.all(ps);
      };
    const shoalBatch = batchOf(
      (k) => shoal.get(k),
      (k) => shoal.set(k, "yyy"),
    );
    const ioBatch = batchOf(
      (k) => ioredis.get(k),
      (k) => ioredis.set(k, "yyy"),
    );
    const ioAutoBatch = batchOf(
      (k) => ioredisAuto.get(k),
      (k) => ioredisAuto.set(k, "yyy"),
    );
    for (const depth of DEPTHS) {
      await compare(
        `cluster GET/SET, ${depth} in flight`,
        { name: "shoal", fn: shoalBatch(depth) },
        [
          { name: "ioredis", fn: ioBatch(depth) },
          { name: "ioredis-autopipelining", fn: ioAutoBatch(depth) },
        ],
        { opsPerCall: depth, rounds: 3, time: 1500 },
      );
    }
    console.log(`\nresults: ${writeResults("client")}`);
  } finally {
    await shoal.quit();
    ioredis.disconnect();
    ioredisAuto.disconnect();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

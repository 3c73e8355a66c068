// Cluster mode (issue 18): a 3-master shoal-server cluster against a 3-master redis-server 7.0.15
// cluster under `redis-benchmark --cluster -t set,get -c 50 -P 1|16`, alternating runs in one
// process. Prints, per pipeline depth and test, requests/s of both and their ratio (median of
// the rounds with the spread), and the server CPU time per request: utime+stime of the three
// nodes from /proc/<pid>/stat before and after each run, divided by the requests it sent. CPU per
// request is what a loaded machine distorts least; throughput moves with the load.
// redis-benchmark's cluster mode ends its runs on 250 ms ticks, so each test must run for 8 s
// or more to mean anything: the defaults (800k requests at -P 1, 8M at -P 16) do on 2 cores.
// Env: SHOAL_BENCH_CLUSTER_N1, SHOAL_BENCH_CLUSTER_N16 (requests per test), SHOAL_BENCH_ROUNDS
// (default 2), SHOAL_BENCH_PIPELINES (default "1,16").
import { fileURLToPath } from "node:url";
import { type ClusterHandle, startCluster } from "@shoal/test-utils";
import { cpuSeconds, loadArgs, median, redisBenchmarkCsv } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 2);
const PIPELINES = (process.env.SHOAL_BENCH_PIPELINES ?? "1,16").split(",").map(Number);
const REQUESTS: Record<number, number> = {
  1: Number(process.env.SHOAL_BENCH_CLUSTER_N1 ?? 800_000),
  16: Number(process.env.SHOAL_BENCH_CLUSTER_N16 ?? 8_000_000),
};
const TESTS = ["set", "get"];

type Kind = "shoal" | "redis";
interface Run {
  rps: Map<string, number>;
  /** Server CPU microseconds per request, summed over the nodes. */
  cpuUs: number;
}

function clusterCpu(cluster: ClusterHandle): number {
  return cluster.nodes.reduce((sum, n) => sum + cpuSeconds(n.process.pid!), 0);
}

async function benchmark(cluster: ClusterHandle, pipeline: number): Promise<Run> {
  const n = REQUESTS[pipeline] ?? REQUESTS[1]!;
  const before = clusterCpu(cluster);
  const rows = await redisBenchmarkCsv(
    ["--cluster", ...loadArgs(cluster.ports[0]!, n, pipeline), "-t", TESTS.join(",")],
    1_800_000,
  );
  const cpuUs = ((clusterCpu(cluster) - before) * 1e6) / (n * TESTS.length);
  const rps = new Map<string, number>();
  for (const t of TESTS) rps.set(t, rows.get(t)?.rps ?? 0);
  return { rps, cpuUs };
}

const spread = (xs: number[]) =>
  `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}]`;

async function main(): Promise<void> {
  let shoal: ClusterHandle | undefined;
  let redis: ClusterHandle | undefined;
  try {
    shoal = await startCluster({ command: [process.execPath, MAIN_JS] });
    redis = await startCluster();
    const clusters: Record<Kind, ClusterHandle> = { shoal, redis };
    console.log(
      `3-master cluster, redis-benchmark --cluster -c 50 (shoal-server vs redis-server ${ROUNDS} alternating rounds)`,
    );
    for (const pipeline of PIPELINES) {
      const runs: Record<Kind, Run[]> = { shoal: [], redis: [] };
      for (let r = 0; r < ROUNDS; r++) {
        const order: Kind[] = r % 2 === 0 ? ["shoal", "redis"] : ["redis", "shoal"];
        for (const kind of order) runs[kind].push(await benchmark(clusters[kind], pipeline));
      }
      for (const t of TESTS) {
        const shoalRps = runs.shoal.map((x) => x.rps.get(t) ?? 0);
        const redisRps = runs.redis.map((x) => x.rps.get(t) ?? 0);
        const ratios = shoalRps.map((v, i) => v / redisRps[i]!);
        console.log(
          `-P ${String(pipeline).padEnd(2)} ${t.padEnd(4)} shoal ${median(shoalRps).toFixed(0).padStart(8)}/s  redis ${median(redisRps).toFixed(0).padStart(8)}/s  shoal/redis ${spread(ratios)}`,
        );
      }
      const shoalCpu = runs.shoal.map((x) => x.cpuUs);
      const redisCpu = runs.redis.map((x) => x.cpuUs);
      console.log(
        `-P ${String(pipeline).padEnd(2)} server CPU per request: shoal ${spread(shoalCpu)} us  redis ${spread(redisCpu)} us  redis/shoal ${spread(redisCpu.map((v, i) => v / shoalCpu[i]!))}`,
      );
    }
  } finally {
    await shoal?.stop();
    await redis?.stop();
  }
}

await main();

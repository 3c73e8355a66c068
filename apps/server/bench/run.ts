// shoal-server vs redis-server 7.0.15 under redis-benchmark, on the same machine, alternating
// runs: `redis-benchmark -t <tests> -n 200000|1000000 -c 50 -P 1|16 --csv`. Prints requests/s, p50 and
// p99 latency for both, and the shoal/redis throughput ratio per test (median of the rounds).
// Goal (issue 4): >= 0.7 of Redis at -P 1 and >= 0.5 at -P 16. Then issue 16's rows (XADD,
// XREADGROUP + XACK, PFADD, BITCOUNT, memory per stream entry): bench/data-types.ts.
// Pipelined runs take five times the requests: 200k at -P 16 lasted a third of a second, short
// enough for a test's ratio to swing by half between runs.
// Env: SHOAL_BENCH_N (default 200000; SHOAL_BENCH_N16 at -P 16, default 5 × N),
// SHOAL_BENCH_ROUNDS (default 3), SHOAL_BENCH_TESTS.
import { fileURLToPath } from "node:url";
import { redisCli, type ServerHandle } from "@shoal/test-utils";
import { dataTypeRows } from "./data-types.js";
import {
  type BenchmarkRow,
  loadArgs,
  median,
  redisBenchmarkCsv,
  withShoalAndRedis,
} from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const N = Number(process.env.SHOAL_BENCH_N ?? 200_000);
const N16 = Number(process.env.SHOAL_BENCH_N16 ?? N * 5);
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 3);
const WANTED = (
  process.env.SHOAL_BENCH_TESTS ?? "ping_mbulk,set,get,incr,lpush,rpop,hset,zadd"
).split(",");

type Row = BenchmarkRow;

function benchmark(port: number, tests: string[], pipeline: number): Promise<Map<string, Row>> {
  const n = pipeline > 1 ? N16 : N;
  return redisBenchmarkCsv([...loadArgs(port, n, pipeline), "-t", tests.join(",")]);
}

/** Tests whose command shoal-server knows (the fixture store has only a few). */
async function supported(port: number): Promise<string[]> {
  const out: string[] = [];
  for (const t of WANTED) {
    const name = t === "ping_mbulk" || t === "ping_inline" ? "ping" : t;
    const info = await redisCli(port, ["command", "info", name]);
    if (info.trim() !== "") out.push(t);
    else console.log(`(skipping ${t}: shoal-server has no '${name}' command yet)`);
  }
  return out;
}

async function main(): Promise<void> {
  await withShoalAndRedis(MAIN_JS, async (shoal, redis) => {
    const tests = await supported(shoal.port);
    console.log(
      `redis-benchmark -n ${N} (-P 1) / ${N16} (-P 16) -c 50, ${ROUNDS} alternating rounds; tests: ${tests.join(",")}`,
    );
    for (const P of [1, 16]) {
      const res = { shoal: new Map<string, Row[]>(), redis: new Map<string, Row[]>() };
      for (let r = 0; r < ROUNDS; r++) {
        const order: Array<["shoal" | "redis", ServerHandle]> =
          r % 2 === 0
            ? [
                ["redis", redis],
                ["shoal", shoal],
              ]
            : [
                ["shoal", shoal],
                ["redis", redis],
              ];
        for (const [who, h] of order) {
          const rows = await benchmark(h.port, tests, P);
          for (const [t, row] of rows) {
            const list = res[who].get(t) ?? [];
            list.push(row);
            res[who].set(t, list);
          }
        }
        await redisCli(shoal.port, ["flushall"]).catch(() => "");
        await redisCli(redis.port, ["flushall"]);
      }
      console.log(`\n-P ${P}`);
      console.log(
        `${"test".padEnd(12)}${"shoal rps".padStart(12)}${"redis rps".padStart(12)}${"ratio".padStart(8)}  ${"shoal p50/p99 ms".padStart(18)}  ${"redis p50/p99 ms".padStart(18)}`,
      );
      for (const [t, rows] of res.shoal) {
        const rr = res.redis.get(t);
        if (!rr) continue;
        const s = {
          rps: median(rows.map((x) => x.rps)),
          p50: median(rows.map((x) => x.p50)),
          p99: median(rows.map((x) => x.p99)),
        };
        const q = {
          rps: median(rr.map((x) => x.rps)),
          p50: median(rr.map((x) => x.p50)),
          p99: median(rr.map((x) => x.p99)),
        };
        console.log(
          `${t.padEnd(12)}${s.rps.toFixed(0).padStart(12)}${q.rps.toFixed(0).padStart(12)}${(s.rps / q.rps).toFixed(2).padStart(8)}  ${`${s.p50.toFixed(3)}/${s.p99.toFixed(3)}`.padStart(18)}  ${`${q.p50.toFixed(3)}/${q.p99.toFixed(3)}`.padStart(18)}`,
        );
      }
    }
    await dataTypeRows(shoal, redis);
  });
}

await main();

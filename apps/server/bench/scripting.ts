// Scripting throughput, shoal-server vs redis-server 7.0.15 on the same machine, alternating
// rounds (issue 15's goal: >= 0.5 of Redis):
//  - EVALSHA of a small script (one INCR, one GET) under `redis-benchmark -c 50 -P 1|16`;
//  - BullMQ's job-add script: Queue.add from one client, 50 adds in flight.
// Prints the median requests/s of the rounds for both and the ratio.
// Env: SHOAL_BENCH_N (default 200000), SHOAL_BENCH_ROUNDS (default 3), SHOAL_BENCH_JOBS (20000:
// a round of 5,000 adds lasted a third of a second, too short to say anything).
import { fileURLToPath } from "node:url";
import { redisCli } from "@shoal/test-utils";
import { Queue } from "bullmq";
import { loadArgs, median, redisBenchmarkCsv, withShoalAndRedis } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const N = Number(process.env.SHOAL_BENCH_N ?? 200_000);
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 3);
const JOBS = Number(process.env.SHOAL_BENCH_JOBS ?? 20_000);
const SCRIPT = "redis.call('INCR', KEYS[1]); return redis.call('GET', KEYS[1])";

async function evalsha(port: number, sha: string, pipeline: number): Promise<number> {
  const rows = await redisBenchmarkCsv([
    ...loadArgs(port, N, pipeline),
    "-r",
    "100000",
    "EVALSHA",
    sha,
    "1",
    "key:__rand_int__",
  ]);
  // One custom command: one row, named by its command line.
  return rows.values().next().value?.rps ?? Number.NaN;
}

async function bullmqAdds(port: number): Promise<number> {
  const queue = new Queue("bench", { connection: { host: "127.0.0.1", port } });
  await queue.waitUntilReady();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < JOBS) {
        const i = next++;
        await queue.add("job", { i }, { removeOnComplete: true });
      }
    }),
  );
  const rps = JOBS / ((performance.now() - t0) / 1000);
  await queue.obliterate({ force: true });
  await queue.close();
  return rps;
}

async function main(): Promise<void> {
  await withShoalAndRedis(MAIN_JS, async (shoal, redis) => {
    const sha = (await redisCli(shoal.port, ["script", "load", SCRIPT])).trim();
    await redisCli(redis.port, ["script", "load", SCRIPT]);
    const cases: [string, (port: number) => Promise<number>][] = [
      ["evalsha -P 1", (p) => evalsha(p, sha, 1)],
      ["evalsha -P 16", (p) => evalsha(p, sha, 16)],
      ["bullmq add", bullmqAdds],
    ];
    console.log(`${ROUNDS} alternating rounds; redis-benchmark -n ${N} -c 50; BullMQ ${JOBS} adds`);
    console.log(
      `${"case".padEnd(16)}${"shoal rps".padStart(12)}${"redis rps".padStart(12)}${"ratio".padStart(8)}`,
    );
    for (const [name, run] of cases) {
      const s: number[] = [];
      const r: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const order = i % 2 === 0 ? [redis, shoal] : [shoal, redis];
        for (const h of order) (h === shoal ? s : r).push(await run(h.port));
      }
      const a = median(s);
      const b = median(r);
      console.log(
        `${name.padEnd(16)}${a.toFixed(0).padStart(12)}${b.toFixed(0).padStart(12)}${(a / b).toFixed(2).padStart(8)}`,
      );
    }
  });
}

await main();

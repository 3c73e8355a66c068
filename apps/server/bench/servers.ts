// What the shoal-vs-redis benchmarks share: a standalone shoal-server next to a redis-server
// 7.0.15, both without persistence for the run, redis-benchmark's CSV rows, and the median of
// the rounds.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { type ServerHandle, spawnServer, startRedisServer } from "@shoal/test-utils";

/** The middle value of `xs` (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS = 100;

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** Runs `body` with shoal-server (`mainJs`, no RDB saves, no AOF) and redis-server; stops both. */
export async function withShoalAndRedis(
  mainJs: string,
  body: (shoal: ServerHandle, redis: ServerHandle) => Promise<void>,
): Promise<void> {
  let shoal: ServerHandle | undefined;
  let redis: ServerHandle | undefined;
  try {
    shoal = await spawnServer({
      command: [process.execPath, mainJs],
      args: ["--save", "", "--appendonly", "no"],
    });
    redis = await startRedisServer();
    await body(shoal, redis);
  } finally {
    await shoal?.stop();
    await redis?.stop();
  }
}

/** One test's line of `redis-benchmark --csv`: requests/s, p50 and p99 latency (ms). */
export interface BenchmarkRow {
  rps: number;
  p50: number;
  p99: number;
}

/** redis-benchmark's load options every run here shares: 50 clients, `requests`, `-P pipeline`. */
export function loadArgs(port: number, requests: number, pipeline: number): string[] {
  return ["-p", String(port), "-n", String(requests), "-c", "50", "-P", String(pipeline)];
}

/**
 * Runs `redis-benchmark --csv <args>` (options first, so `args` may end in a command of its own);
 * its rows by lowercase test name.
 */
export function redisBenchmarkCsv(
  args: string[],
  timeoutMs = 600_000,
): Promise<Map<string, BenchmarkRow>> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-benchmark",
      ["--csv", ...args],
      { maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout) => {
        if (err) return reject(err);
        const out = new Map<string, BenchmarkRow>();
        for (const line of stdout.split("\n").slice(1)) {
          const f = line.split(",").map((x) => x.replace(/"/g, ""));
          if (f.length < 8) continue;
          out.set(f[0]!.toLowerCase(), { rps: Number(f[1]), p50: Number(f[4]), p99: Number(f[6]) });
        }
        resolve(out);
      },
    );
  });
}

// What the shoal-vs-redis benchmarks share: a standalone shoal-server next to a redis-server
// 7.0.15, both without persistence for the run, and the median of the rounds.
import { type ServerHandle, spawnServer, startRedisServer } from "@shoal/test-utils";

/** The middle value of `xs` (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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

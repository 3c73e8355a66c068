// Blocking-command scenarios played the same way on shoal-server and redis-server: waiters block
// one after another (each seen in INFO's blocked_clients before the next), then a writer runs, and
// every byte each side sent is returned for comparison.
import { waitFor } from "@shoal/test-utils";
import { cmd, exchange } from "./helpers.js";

export interface BlockingScenario {
  /** Written before anyone blocks. */
  setup?: string[][];
  /** Blocking commands, each on its own connection, blocked in this order. */
  waiters: string[][];
  /** Writes from another connection once all waiters are blocked; they must serve every waiter. */
  writes: string[][];
}

/** INFO clients' blocked_clients on the server at `port` (-1 when it is missing). */
export async function blockedClients(port: number): Promise<number> {
  const info = await exchange(port, cmd("INFO", "clients"));
  return Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? -1);
}

/** Runs a scenario on a fresh keyspace; resolves with each waiter's bytes, then the writer's. */
export async function playBlocking(port: number, s: BlockingScenario): Promise<string[]> {
  await exchange(port, cmd("FLUSHALL"));
  for (const c of s.setup ?? []) await exchange(port, cmd(...c));
  const waiting: Promise<string>[] = [];
  for (const w of s.waiters) {
    // exchange() pipelines an ECHO marker: it runs, and the exchange ends, once the waiter is served.
    waiting.push(exchange(port, cmd(...w)));
    const n = waiting.length;
    await waitFor(async () => (await blockedClients(port)) === n, { timeout: 10_000 });
  }
  const writer = await exchange(port, s.writes.map((w) => cmd(...w)).join(""));
  return [...(await Promise.all(waiting)), writer];
}

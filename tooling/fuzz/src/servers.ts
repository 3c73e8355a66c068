// The two servers side by side: a standalone shoal-server (the built apps/server/dist/main.js)
// and Debian's redis-server 7.0.15, each on a port below 32768 (the ephemeral range starts
// there), each in its own temp dir, DEBUG enabled as Redis's own test servers run.

import net from "node:net";
import { fileURLToPath } from "node:url";
import { redisServerPath, type ServerHandle, spawnServer } from "@shoal/test-utils";

/** The built server; SHOAL_FUZZ_SERVER points at another build (e.g. a copy, for long runs). */
export const SHOAL_MAIN =
  process.env.SHOAL_FUZZ_SERVER ??
  fileURLToPath(new URL("../../../apps/server/dist/main.js", import.meta.url));

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port in 21000–32767. */
export async function lowPort(): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const p = 21000 + Math.floor(Math.random() * 11768);
    if (await canListen(p)) return p;
  }
  throw new Error("no free port below 32768");
}

export type Side = "shoal" | "redis";

const COMMON = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"];

export async function startSide(side: Side): Promise<ServerHandle> {
  const port = await lowPort();
  if (side === "redis")
    return spawnServer({
      command: [redisServerPath()],
      port,
      // hz 500: Redis expires blocked clients' timeouts and ends CLIENT PAUSE from its cron, so
      // at the default hz 10 a 1 ms BLPOP answers after up to 100 ms.
      args: [...COMMON, "--protected-mode", "no", "--hz", "500"],
    });
  // A command's exception ends the process (SHOAL_FAIL_FAST=1): the fuzzer sees a dead server
  // and the stack trace in its output, never a quietly answered "internal error".
  return spawnServer({
    command: [process.execPath, SHOAL_MAIN],
    port,
    args: COMMON,
    env: { ...process.env, SHOAL_FAIL_FAST: "1" },
  });
}

export function alive(h: ServerHandle): boolean {
  return h.process.exitCode === null && h.process.signalCode === null;
}

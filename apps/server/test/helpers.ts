// Shared helpers for the process-level tests: where the built server is, how to start it, and
// how to run the same bytes against shoal-server and a real redis-server.
import { fileURLToPath } from "node:url";
import { rawExchange, type ServerHandle, spawnServer, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll } from "vitest";

export const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
export const BIN = fileURLToPath(new URL("../bin/shoal-server", import.meta.url));

export function startShoal(
  args: string[] = [],
  opts: { dir?: string; port?: number } = {},
): Promise<ServerHandle> {
  return spawnServer({
    command: [process.execPath, MAIN_JS],
    // As Redis's own test servers do: DEBUG (RELOAD, SET-ACTIVE-EXPIRE...) allowed.
    args: ["--save", "", "--enable-debug-command", "yes", ...args],
    ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  });
}

/**
 * shoal-server and redis-server, both given `args`, started before the tests of the describe it is
 * called in and stopped after them; read `shoal` and `redis` from inside a test.
 */
export function shoalAndRedisForSuite(args: string[] = []): {
  readonly shoal: ServerHandle;
  readonly redis: ServerHandle;
} {
  let shoal: ServerHandle | undefined;
  let redis: ServerHandle | undefined;
  beforeAll(async () => {
    [shoal, redis] = await Promise.all([startShoal(args), startRedisServer({ args })]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });
  const started = (h: ServerHandle | undefined): ServerHandle => {
    if (h === undefined) throw new Error("the suite's servers are not started");
    return h;
  };
  return {
    get shoal() {
      return started(shoal);
    },
    get redis() {
      return started(redis);
    },
  };
}

/** A shoal-server given `args`, started before the tests of the describe and stopped after. */
export function shoalForSuite(args: string[] = []): { readonly shoal: ServerHandle } {
  let shoal: ServerHandle | undefined;
  beforeAll(async () => {
    shoal = await startShoal(args);
  }, 30_000);
  afterAll(async () => {
    await shoal?.stop();
  });
  return {
    get shoal() {
      if (shoal === undefined) throw new Error("the suite's server is not started");
      return shoal;
    },
  };
}

const END = "*2\r\n$4\r\nECHO\r\n$9\r\n__end__!!\r\n";
const END_REPLY = "$9\r\n__end__!!\r\n";

/**
 * Sends `payload` followed by an ECHO marker and resolves with everything before the marker's
 * reply; `port` may be a Unix socket's path.
 */
export async function exchange(
  port: number | string,
  payload: string | Buffer,
  closes = false,
): Promise<string> {
  const body = typeof payload === "string" ? Buffer.from(payload, "latin1") : payload;
  const buf = await rawExchange(port, closes ? body : Buffer.concat([body, Buffer.from(END)]), {
    timeout: closes ? 3000 : 10_000,
    done: (b) =>
      !closes &&
      b.length >= END_REPLY.length &&
      b.subarray(b.length - END_REPLY.length).toString("latin1") === END_REPLY,
  });
  const s = buf.toString("latin1");
  return closes ? s : s.slice(0, s.length - END_REPLY.length);
}

/** Encodes a command as RESP multibulk. */
export function cmd(...args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`;
  return out;
}

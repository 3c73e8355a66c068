// Real redis-server processes (Debian's 7.0.15) as reference peers: started in a fresh temp dir
// on a free loopback port, ready when they answer PING, always killed by stop().
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freeClusterPorts } from "./ports.js";
import { rawExchange, redisServerPath } from "./redis-bin.js";
import { waitFor } from "./wait-for.js";

export interface ServerHandle {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL (or `signal`) and wait for exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kill the process and remove its directory. */
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  /** Executable and leading arguments, e.g. ["/usr/bin/redis-server"] or [process.execPath, "dist/main.js"]. */
  command: string[];
  port?: number;
  /** Extra `--directive value` arguments. */
  args?: string[];
  /** Working directory; a fresh temp dir when omitted. */
  dir?: string;
  /** Readiness timeout in ms (default 15 000). */
  timeout?: number;
  env?: NodeJS.ProcessEnv;
}

/** Resolves true once host:port answers a PING with +PONG (or a NOAUTH/LOADING error). */
export async function pingOnce(port: number, host = "127.0.0.1"): Promise<boolean> {
  const r = await rawExchange(port, "PING\r\n", {
    host,
    timeout: 500,
    done: (b) => b.includes(13),
  });
  const s = r.toString("latin1");
  return s.startsWith("+PONG") || s.startsWith("-NOAUTH") || s.startsWith("-LOADING");
}

/** Spawns any Redis-compatible server binary and waits until it answers PING. */
export async function spawnServer(opts: SpawnServerOptions): Promise<ServerHandle> {
  const port = opts.port ?? (await freeClusterPorts(1))[0]!;
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(path.join(tmpdir(), `shoal-${port}-`)));
  const [file, ...lead] = opts.command;
  const args = [
    ...lead,
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    // As Redis's own test servers (tests/assets/default.conf): a diskless full sync starts at
    // once instead of waiting 5 s for more replicas; `args` may set it back.
    "--repl-diskless-sync-delay",
    "0",
    ...(opts.args ?? []),
  ];
  const child = spawn(file!, args, {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: opts.env ?? process.env,
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let dead = false;
  child.once("exit", () => {
    dead = true;
  });
  const handle: ServerHandle = {
    host: "127.0.0.1",
    port,
    dir,
    process: child,
    output: () => out,
    async kill(signal = "SIGKILL") {
      if (!dead) {
        child.kill(signal);
        await exited;
      }
    },
    async stop() {
      await handle.kill("SIGKILL");
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      async () => {
        if (dead) throw new Error(`server exited early:\n${out}`);
        return pingOnce(port);
      },
      { timeout: opts.timeout ?? 15_000, what: `${file} on port ${port}` },
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/**
 * The process's output once it holds `what`. Its stdout reaches us through a pipe read on our own
 * event loop, so a line the server wrote before answering a command may not be in `output()` yet
 * when the reply is: read log lines through this, not `output()`, right after a start or a stop.
 */
export async function outputContaining(
  s: Pick<ServerHandle, "output">,
  what: string | RegExp,
  timeout = 10_000,
): Promise<string> {
  const holds = () =>
    typeof what === "string" ? s.output().includes(what) : what.test(s.output());
  await waitFor(holds, { timeout, what: `output containing ${String(what)}` });
  return s.output();
}

/** A real redis-server 7.0.15 on a free port, no persistence unless `args` ask for it. */
export function startRedisServer(opts: { port?: number; args?: string[]; dir?: string } = {}) {
  return spawnServer({
    command: [redisServerPath()],
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
    args: ["--save", "", "--appendonly", "no", "--protected-mode", "no", ...(opts.args ?? [])],
  });
}

/** SIGSTOP / SIGCONT a child: a paused node looks dead to its peers but keeps its sockets. */
export function pauseProcess(child: ChildProcess): void {
  child.kill("SIGSTOP");
}
export function resumeProcess(child: ChildProcess): void {
  child.kill("SIGCONT");
}

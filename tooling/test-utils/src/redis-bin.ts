// Locating and calling Debian's Redis 7.0.15 binaries, the reference implementation tests
// compare against. SHOAL_REDIS_SERVER / SHOAL_REDIS_CLI override the paths.
import { execFile, execFileSync } from "node:child_process";
import net from "node:net";

function which(bin: string): string | undefined {
  try {
    return (
      execFileSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

export function redisServerPath(): string {
  const p = process.env.SHOAL_REDIS_SERVER ?? which("redis-server");
  if (!p) {
    throw new Error(
      "redis-server not found: install Debian's redis-server and redis-tools (apt-get install -y redis-server redis-tools) or set SHOAL_REDIS_SERVER",
    );
  }
  return p;
}

export function redisCliPath(): string {
  const p = process.env.SHOAL_REDIS_CLI ?? which("redis-cli");
  if (!p) {
    throw new Error(
      "redis-cli not found: install Debian's redis-tools (apt-get install -y redis-tools) or set SHOAL_REDIS_CLI",
    );
  }
  return p;
}

export function hasRedis(): boolean {
  try {
    redisServerPath();
    redisCliPath();
    return true;
  } catch {
    return false;
  }
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion with a timeout; never rejects on a non-zero exit code. */
export function run(
  file: string,
  args: string[],
  opts: { timeout?: number; input?: string | Buffer; cwd?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        timeout: opts.timeout ?? 30_000,
        maxBuffer: 256 * 1024 * 1024,
        cwd: opts.cwd,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: string | null };
        // A string code (ENOENT, ...) means the program never ran: that is a real failure.
        if (typeof e.code === "string") return reject(err);
        resolve({ code: typeof e.code === "number" ? e.code : 128, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `redis-cli -h host -p port ...args`; resolves with stdout (throws on a non-zero exit). */
export async function redisCli(port: number, args: string[], host = "127.0.0.1"): Promise<string> {
  const r = await run(redisCliPath(), ["-h", host, "-p", String(port), ...args]);
  if (r.code !== 0)
    throw new Error(`redis-cli ${args.join(" ")} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Sends raw bytes to host:port (or to the Unix socket at the path `port`) and resolves with every
 * byte received until `done(received)` returns true, the peer closes, or `timeout` ms pass. For
 * byte-exact reply comparisons.
 */
export function rawExchange(
  port: number | string,
  payload: Buffer | string,
  opts: { done?: (received: Buffer) => boolean; timeout?: number; host?: string } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const sock =
      typeof port === "string"
        ? net.connect({ path: port })
        : net.connect({ port, host: opts.host ?? "127.0.0.1" });
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks, total));
    };
    const timer = setTimeout(finish, opts.timeout ?? 2000);
    sock.on("error", (err) => {
      clearTimeout(timer);
      if (total > 0) finish();
      else reject(err);
    });
    sock.on("data", (d) => {
      chunks.push(d);
      total += d.length;
      if (opts.done?.(Buffer.concat(chunks, total))) finish();
    });
    sock.on("end", finish);
    sock.on("connect", () => sock.write(payload));
  });
}

// The Unix socket listener (`unixsocket`, `unixsocketperm`), against redis-server 7.0.15: the
// socket file with its mode, a stale file replaced, CLIENT LIST's address and flag for such a
// connection, redis-cli -s and redis-benchmark -s, a node listening only there (port 0), the file
// removed at SHUTDOWN, and a connection opened on it while a script is busy answered BUSY.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  outputContaining,
  rawExchange,
  redisCliPath,
  run,
  type ServerHandle,
  startRedisServer,
  waitFor,
} from "@shoal/test-utils";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS, startShoal } from "./helpers.js";

const dirs: string[] = [];
const servers: ServerHandle[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function sockDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "shoal-unix-"));
  dirs.push(d);
  return d;
}

/** The first reply line a new connection to `target` (a port or a socket's path) gets. */
function firstLine(target: number | string, payload: string): Promise<string> {
  return rawExchange(target, payload, {
    timeout: 10_000,
    done: (b) => b.includes("\r\n"),
  }).then((b) => b.toString("latin1"));
}

/** CLIENT INFO's fields that do not depend on the process (ids, fds, ages, memory). */
function stableFields(info: string): string {
  const keep = ["addr", "laddr", "flags", "db", "sub", "multi", "cmd", "user", "resp"];
  return info
    .trim()
    .replace(/^\$\d+\r\n/, "")
    .split(" ")
    .filter((f) => keep.includes(f.split("=")[0]!))
    .join(" ");
}

describe("unixsocket", () => {
  it("listens with unixsocketperm, replaces a stale file, and shows the connection as Redis does", async () => {
    const d = await sockDir();
    const files = { shoal: path.join(d, "shoal.sock"), redis: path.join(d, "redis.sock") };
    fs.writeFileSync(files.shoal, "left by a previous run");
    fs.writeFileSync(files.redis, "left by a previous run");
    const args = (file: string) => ["--unixsocket", file, "--unixsocketperm", "700"];
    const [shoal, redis] = await Promise.all([
      startShoal(args(files.shoal)),
      startRedisServer({ args: args(files.redis) }),
    ]);
    servers.push(shoal, redis);
    for (const file of [files.shoal, files.redis]) {
      const st = fs.statSync(file);
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o700);
    }
    const info = {
      shoal: stableFields(await exchange(files.shoal, cmd("CLIENT", "INFO"))),
      redis: stableFields(await exchange(files.redis, cmd("CLIENT", "INFO"))),
    };
    expect(info.shoal).toBe(
      `addr=${files.shoal}:0 laddr=${files.shoal}:0 flags=U db=0 sub=0 multi=-1 cmd=client|info user=default resp=2`,
    );
    expect(info.shoal.replaceAll(files.shoal, "<sock>")).toBe(
      info.redis.replaceAll(files.redis, "<sock>"),
    );
    // The same bytes for a session on the socket as on redis-server's.
    const session =
      cmd("CONFIG", "GET", "unixsocket") +
      cmd("CONFIG", "GET", "unixsocketperm") +
      cmd("SET", "k", "v") +
      cmd("GET", "k") +
      cmd("MULTI") +
      cmd("INCR", "n") +
      cmd("EXEC");
    const a = await exchange(files.shoal, session);
    const b = await exchange(files.redis, session);
    expect(a.replaceAll(files.shoal, "<sock>")).toBe(b.replaceAll(files.redis, "<sock>"));
    expect(a).toContain("$3\r\n700\r\n");
    // A TCP client sees the socket connection in CLIENT LIST with the U flag too.
    const holder = net.connect({ path: files.shoal });
    await new Promise((r) => holder.once("connect", r));
    const list = await run(redisCliPath(), ["-p", String(shoal.port), "CLIENT", "LIST"]);
    holder.destroy();
    expect(list.stdout).toMatch(
      new RegExp(`addr=${files.shoal}:0 laddr=${files.shoal}:0 .*flags=U `),
    );
  }, 60_000);

  it("serves redis-cli -s and redis-benchmark -s", async () => {
    const d = await sockDir();
    const file = path.join(d, "s.sock");
    const shoal = await startShoal(["--unixsocket", file]);
    servers.push(shoal);
    const ping = await run(redisCliPath(), ["-s", file, "PING"]);
    expect(ping.stdout.trim()).toBe("PONG");
    const bench = await run("redis-benchmark", ["-s", file, "-t", "set,get", "-n", "2000", "-q"]);
    expect(bench.code).toBe(0);
    expect(bench.stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(bench.stdout).toMatch(/GET: [\d.]+ requests per second/);
    const dbsize = await run(redisCliPath(), ["-s", file, "DBSIZE"]);
    expect(Number(dbsize.stdout.trim())).toBeGreaterThan(0);
  }, 60_000);

  it("with port 0 listens only there, and SHUTDOWN removes the file", async () => {
    const d = await sockDir();
    const file = path.join(d, "only.sock");
    const child = spawn(
      process.execPath,
      [MAIN_JS, "--port", "0", "--unixsocket", file, "--save", "", "--dir", d],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await outputContaining(
        { output: () => out },
        `The server is now ready to accept connections at ${file}`,
      );
      expect(out).not.toContain("Ready to accept connections");
      expect(out).not.toContain("Configured to not listen anywhere");
      expect(await exchange(file, cmd("PING"))).toBe("+PONG\r\n");
      const shut = await run(redisCliPath(), ["-s", file, "SHUTDOWN", "NOSAVE"]);
      expect(shut.stdout.trim()).toBe("");
      expect(await exited).toBe(0);
      await outputContaining({ output: () => out }, "Removing the unix socket file.");
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);

  it("a path it cannot bind is Redis's startup error", async () => {
    const d = await sockDir();
    const file = path.join(d, "missing-dir", "s.sock");
    const child = spawn(process.execPath, [MAIN_JS, "--port", "0", "--unixsocket", file], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    // The reason after the colon is the OS's, worded by each runtime.
    await outputContaining({ output: () => out }, /# Failed opening Unix socket: .*s\.sock/);
  }, 30_000);

  it("a connection opened on it while a script is busy is answered BUSY, and SCRIPT KILL works from it", async () => {
    const d = await sockDir();
    const file = path.join(d, "busy.sock");
    const shoal = await startShoal(["--unixsocket", file, "--busy-reply-threshold", "100"]);
    servers.push(shoal);
    const runner = net.connect(shoal.port, "127.0.0.1");
    let ran = "";
    runner.on("data", (b) => {
      ran += b.toString("latin1");
    });
    runner.write(cmd("EVAL", "while true do end", "0"));
    // Past the threshold: the script is busy (a TCP client sees BUSY first).
    await waitFor(async () => (await firstLine(shoal.port, cmd("PING"))).startsWith("-BUSY"), {
      timeout: 10_000,
      what: "the script to be busy",
    });
    expect(await firstLine(file, cmd("PING"))).toBe(
      "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n",
    );
    expect(await firstLine(file, cmd("SCRIPT", "KILL"))).toBe("+OK\r\n");
    await waitFor(() => ran.length > 0, { what: "the script's caller to see it killed" });
    expect(ran).toMatch(
      /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/,
    );
    expect(await exchange(file, cmd("PING"))).toBe("+PONG\r\n");
    runner.destroy();
  }, 60_000);
});

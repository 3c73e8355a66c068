// Durability of the AOF and the server machinery around writes, on the built server with its
// real data store: appendfsync always survives SIGKILL with every acknowledged write (strings,
// lists, hashes, sorted sets), everysec loses at most about a second, a truncated tail loads with
// a warning, SHUTDOWN and SIGTERM stop cleanly; WATCH, blocking, notifications, snapshots.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  freeClusterPorts,
  outputContaining,
  redisCli,
  type ServerHandle,
  spawnServer,
  startRedisServer,
  waitFor,
} from "@shoal/test-utils";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS } from "./helpers.js";

const dirs: string[] = [];
const servers: ServerHandle[] = [];

async function freshDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "shoal-aof-"));
  dirs.push(d);
  return d;
}

async function startKv(dir: string, args: string[], port?: number): Promise<ServerHandle> {
  const s = await spawnServer({
    command: [process.execPath, MAIN_JS],
    dir,
    ...(port !== undefined ? { port } : {}),
    args: ["--save", "", ...args],
  });
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill("SIGKILL")));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The i-th write of connection c: a string, list, hash or sorted-set write, in turn. */
function writeOf(c: number, i: number): string {
  switch (i % 4) {
    case 0:
      return cmd("SET", `w:${c}:${i}`, String(i));
    case 1:
      return cmd("RPUSH", `l:${c}`, String(i));
    case 2:
      return cmd("HSET", `h:${c}`, `f${i}`, String(i));
    default:
      return cmd("ZADD", `z:${c}`, String(i), `m${i}`);
  }
}

/**
 * `clients` connections each send writeOf(c, i) one at a time (the next only after the reply)
 * until stopped; resolves with the writes acknowledged and when.
 */
function writeLoad(port: number, clients: number) {
  const acked: Array<{ c: number; i: number; at: number }> = [];
  const errors: string[] = [];
  let stop = false;
  const socks: net.Socket[] = [];
  const runs = Array.from(
    { length: clients },
    (_, c) =>
      new Promise<void>((resolve) => {
        const sock = net.connect({ port, host: "127.0.0.1" });
        socks.push(sock);
        let i = 0;
        let buf = "";
        const send = () => {
          if (stop) return resolve();
          sock.write(writeOf(c, i));
        };
        sock.on("connect", send);
        sock.on("data", (d) => {
          buf += d.toString();
          // Every reply is one line: +OK or :n.
          for (let eol = buf.indexOf("\r\n"); eol >= 0; eol = buf.indexOf("\r\n")) {
            const line = buf.slice(0, eol);
            buf = buf.slice(eol + 2);
            if (line[0] === "-") {
              errors.push(line);
              return resolve();
            }
            acked.push({ c, i, at: Date.now() });
            i++;
            send();
          }
        });
        sock.on("error", () => resolve());
        sock.on("close", () => resolve());
      }),
  );
  return {
    acked,
    errors,
    async finish() {
      stop = true;
      for (const s of socks) s.destroy();
      await Promise.all(runs);
    },
  };
}

/** The acknowledged writes whose effect is not in the restarted server. */
async function missingWrites(
  port: number,
  acked: Array<{ c: number; i: number; at: number }>,
): Promise<Array<{ c: number; i: number; at: number }>> {
  const r = new Redis(port, "127.0.0.1", { lazyConnect: true });
  await r.connect();
  try {
    const clients = [...new Set(acked.map((a) => a.c))];
    const lists = new Map<number, Set<string>>();
    const hashes = new Map<number, Record<string, string>>();
    const zsets = new Map<number, Set<string>>();
    for (const c of clients) {
      lists.set(c, new Set(await r.lrange(`l:${c}`, 0, -1)));
      hashes.set(c, await r.hgetall(`h:${c}`));
      zsets.set(c, new Set(await r.zrange(`z:${c}`, "0", "-1")));
    }
    const strings = acked.filter((a) => a.i % 4 === 0);
    const values: (string | null)[] = [];
    for (let off = 0; off < strings.length; off += 5000) {
      const batch = strings.slice(off, off + 5000).map((a) => `w:${a.c}:${a.i}`);
      values.push(...(await r.mget(batch)));
    }
    const present = new Set(strings.filter((_, j) => values[j] !== null));
    return acked.filter((a) => {
      switch (a.i % 4) {
        case 0:
          return !present.has(a);
        case 1:
          return !lists.get(a.c)!.has(String(a.i));
        case 2:
          return hashes.get(a.c)![`f${a.i}`] !== String(a.i);
        default:
          return !zsets.get(a.c)!.has(`m${a.i}`);
      }
    });
  } finally {
    r.disconnect();
  }
}

describe("AOF durability", () => {
  it("appendfsync always: every acknowledged write survives SIGKILL mid-load", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, ["--appendonly", "yes", "--appendfsync", "always"], port);
    const load = writeLoad(s.port, 8);
    await waitFor(() => load.acked.length >= 3000, { timeout: 60_000 });
    await s.kill("SIGKILL");
    await load.finish();
    expect(load.errors).toEqual([]);
    s = await startKv(dir, ["--appendonly", "yes", "--appendfsync", "always"], port);
    expect(await missingWrites(s.port, load.acked)).toEqual([]);
  }, 120_000);

  it("appendfsync everysec: only writes of about the last second can be lost", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, ["--appendonly", "yes", "--appendfsync", "everysec"], port);
    const load = writeLoad(s.port, 8);
    await waitFor(() => load.acked.length >= 20_000, { timeout: 60_000 });
    const killedAt = Date.now();
    await s.kill("SIGKILL");
    await load.finish();
    expect(load.errors).toEqual([]);
    s = await startKv(dir, ["--appendonly", "yes", "--appendfsync", "everysec"], port);
    const missing = await missingWrites(s.port, load.acked);
    // A SIGKILL doesn't drop the page cache: what was written survives; the bound still holds.
    for (const a of missing) expect(killedAt - a.at).toBeLessThan(2500);
  }, 120_000);

  it("a truncated tail is loaded up to the last whole command, with a warning", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, ["--appendonly", "yes"], port);
    expect(await exchange(s.port, cmd("SET", "a", "1") + cmd("SET", "b", "2"))).toBe(
      "+OK\r\n+OK\r\n",
    );
    await redisCli(s.port, ["shutdown", "nosave"]).catch(() => "");
    await waitFor(() => s.process.exitCode !== null);
    const aofDir = path.join(dir, "appendonlydir");
    const incr = readdirSync(aofDir).find((f) => f.endsWith(".incr.aof"))!;
    const file = path.join(aofDir, incr);
    const whole = readFileSync(file).length;
    appendFileSync(file, "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhal");
    s = await startKv(dir, ["--appendonly", "yes"], port);
    expect(await exchange(s.port, cmd("GET", "a") + cmd("GET", "b") + cmd("GET", "c"))).toBe(
      "$1\r\n1\r\n$1\r\n2\r\n$-1\r\n",
    );
    await outputContaining(s, `!!! Warning: short read while loading the AOF file ${incr}!!!`);
    await outputContaining(s, `AOF ${incr} loaded anyway because aof-load-truncated is enabled`);
    expect(readFileSync(file).length).toBe(whole);
  }, 60_000);

  it("binary keys and members survive the store's rewritten propagation (latin1 strings)", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, ["--appendonly", "yes"], port);
    const k = "k\xe9\xff";
    const payload =
      cmd("INCRBYFLOAT", k, "1.5") +
      cmd("SET", "t\xe9", "v", "EX", "1000") +
      cmd("HINCRBYFLOAT", "h\xe9", "f\xe9", "2.5") +
      cmd("ZADD", "z\xe9", "1", "m\xe9", "2", "n\xe9") +
      cmd("ZPOPMIN", "z\xe9");
    await exchange(s.port, payload);
    const check =
      cmd("GET", k) +
      cmd("TTL", "t\xe9") +
      cmd("HGET", "h\xe9", "f\xe9") +
      cmd("ZRANGE", "z\xe9", "0", "-1");
    const before = await exchange(s.port, check);
    expect(before).toBe("$3\r\n1.5\r\n:1000\r\n$3\r\n2.5\r\n*1\r\n$2\r\nn\xe9\r\n");
    await s.kill("SIGKILL");
    s = await startKv(dir, ["--appendonly", "yes"], port);
    expect((await exchange(s.port, check)).replace(/:99\d\r\n/, ":1000\r\n")).toBe(before);
    expect(await exchange(s.port, cmd("DBSIZE"))).toBe(":4\r\n");
  }, 60_000);

  it("MULTI/EXEC writes are propagated wrapped in MULTI/EXEC and replayed", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, ["--appendonly", "yes"], port);
    const out = await exchange(
      s.port,
      cmd("MULTI") + cmd("SET", "x", "1") + cmd("INCR", "n") + cmd("EXEC"),
    );
    expect(out).toBe("+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:1\r\n");
    const aof = readFileSync(
      path.join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"),
      "latin1",
    );
    expect(aof).toContain(
      "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n",
    );
    await s.kill("SIGKILL");
    s = await startKv(dir, ["--appendonly", "yes"], port);
    expect(await exchange(s.port, cmd("GET", "x") + cmd("GET", "n"))).toBe(
      "$1\r\n1\r\n$1\r\n1\r\n",
    );
  }, 60_000);
});

describe("clean shutdown", () => {
  it("SHUTDOWN closes the connection without a reply, fsyncs the AOF, removes the pid file", async () => {
    const dir = await freshDir();
    const s = await startKv(dir, ["--appendonly", "yes", "--pidfile", path.join(dir, "shoal.pid")]);
    expect(existsSync(path.join(dir, "shoal.pid"))).toBe(true);
    await exchange(s.port, cmd("SET", "k", "v"));
    const r = await exchange(s.port, cmd("SHUTDOWN", "NOSAVE"), true);
    expect(r).toBe("");
    await waitFor(() => s.process.exitCode !== null);
    expect(s.process.exitCode).toBe(0);
    expect(existsSync(path.join(dir, "shoal.pid"))).toBe(false);
    const out = s.output();
    expect(out).toMatch(/# User requested shutdown\.\.\.\n/);
    expect(out).toMatch(/\* Removing the pid file\.\n/);
    expect(out).toMatch(/# Shoal is now ready to exit, bye bye\.\.\.\n/);
  }, 60_000);

  it("SIGTERM logs Redis's lines and exits 0", async () => {
    const dir = await freshDir();
    const s = await startKv(dir, []);
    s.process.kill("SIGTERM");
    await waitFor(() => s.process.exitCode !== null);
    expect(s.process.exitCode).toBe(0);
    expect(s.output()).toMatch(
      /^\d+:signal-handler \(\d+\) Received SIGTERM scheduling shutdown\.\.\.$/m,
    );
    await outputContaining(s, "Shoal is now ready to exit, bye bye...");
  }, 60_000);

  it("SIGTERM still exits when stdout's reader has gone away (`shoal-server | head`)", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    const child = spawn(process.execPath, [MAIN_JS, "--port", String(port), "--save", ""], {
      cwd: dir,
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      await waitFor(
        async () => (await exchange(port!, cmd("PING")).catch(() => "")) === "+PONG\r\n",
      );
      // Like `| head -3` exiting: the read end closes, later log writes get EPIPE.
      child.stdout!.destroy();
      expect(await exchange(port!, cmd("SET", "k", "v"))).toBe("+OK\r\n");
      child.kill("SIGTERM");
      await waitFor(() => child.exitCode !== null, { timeout: 10_000, what: "exit after SIGTERM" });
      expect(child.exitCode).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  }, 30_000);
});

describe("server machinery around writes", () => {
  it("WATCH: a touched key makes EXEC reply a null array", async () => {
    const dir = await freshDir();
    const s = await startKv(dir, []);
    const a = net.connect({ port: s.port, host: "127.0.0.1" });
    const got: string[] = [];
    a.on("data", (d) => got.push(d.toString()));
    a.write(cmd("WATCH", "w") + cmd("MULTI") + cmd("SET", "w", "mine"));
    await waitFor(() => got.join("") === "+OK\r\n+OK\r\n+QUEUED\r\n");
    await redisCli(s.port, ["set", "w", "theirs"]);
    a.write(cmd("EXEC") + cmd("GET", "w"));
    await waitFor(() => got.join("").endsWith("*-1\r\n$6\r\ntheirs\r\n"));
    a.destroy();
  }, 30_000);

  it("blocked clients are served in arrival order; timeouts reply null; MULTI doesn't block", async () => {
    const dir = await freshDir();
    const s = await startKv(dir, []);
    const mk = () => {
      const sock = net.connect({ port: s.port, host: "127.0.0.1" });
      const got: string[] = [];
      sock.on("data", (d) => got.push(d.toString()));
      return { sock, got };
    };
    const c1 = mk();
    const c2 = mk();
    c1.sock.write(cmd("BLPOP", "q", "0"));
    await waitFor(async () =>
      (await redisCli(s.port, ["info", "clients"])).includes("blocked_clients:1"),
    );
    c2.sock.write(cmd("BLPOP", "q", "0"));
    await waitFor(async () =>
      (await redisCli(s.port, ["info", "clients"])).includes("blocked_clients:2"),
    );
    expect(await exchange(s.port, cmd("LPUSH", "q", "first"))).toBe(":1\r\n");
    await waitFor(() => c1.got.join("") === "*2\r\n$1\r\nq\r\n$5\r\nfirst\r\n");
    expect(c2.got).toEqual([]);
    await exchange(s.port, cmd("LPUSH", "q", "second"));
    await waitFor(() => c2.got.join("") === "*2\r\n$1\r\nq\r\n$6\r\nsecond\r\n");
    c1.sock.write(cmd("BLPOP", "none", "0.2") + cmd("ECHO", "after"));
    await waitFor(() => c1.got.join("").endsWith("*-1\r\n$5\r\nafter\r\n"));
    expect(await exchange(s.port, cmd("MULTI") + cmd("BLPOP", "none", "0") + cmd("EXEC"))).toBe(
      "+OK\r\n+QUEUED\r\n*1\r\n*-1\r\n",
    );
    // A timeout beyond setTimeout's 2^31-1 ms (about 25 days) still waits, then serves a push.
    c2.got.length = 0;
    c2.sock.write(cmd("BLPOP", "far", "3000000"));
    await waitFor(async () =>
      (await redisCli(s.port, ["info", "clients"])).includes("blocked_clients:1"),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(c2.got).toEqual([]);
    await exchange(s.port, cmd("RPUSH", "far", "x"));
    await waitFor(() => c2.got.join("") === "*2\r\n$3\r\nfar\r\n$1\r\nx\r\n");
    c1.sock.destroy();
    c2.sock.destroy();
  }, 30_000);

  it("BZPOPMIN and BRPOP: arrival order across keys and types, MULTI never blocks", async () => {
    const dir = await freshDir();
    const s = await startKv(dir, []);
    const mk = () => {
      const sock = net.connect({ port: s.port, host: "127.0.0.1" });
      const got: string[] = [];
      sock.on("data", (d) => got.push(d.toString()));
      return { sock, text: () => got.join("") };
    };
    const blocked = async (n: number) =>
      waitFor(async () =>
        (await redisCli(s.port, ["info", "clients"])).includes(`blocked_clients:${n}`),
      );
    const [c1, c2, c3] = [mk(), mk(), mk()];
    c1.sock.write(cmd("BZPOPMIN", "za", "zb", "0"));
    await blocked(1);
    c2.sock.write(cmd("BZPOPMIN", "zb", "0"));
    await blocked(2);
    c3.sock.write(cmd("BRPOP", "la", "0"));
    await blocked(3);
    // Two members in one ZADD: the first client served gets the lowest score.
    expect(await exchange(s.port, cmd("ZADD", "zb", "2", "two", "1", "one"))).toBe(":2\r\n");
    await waitFor(() => c1.text() === "*3\r\n$2\r\nzb\r\n$3\r\none\r\n$1\r\n1\r\n");
    await waitFor(() => c2.text() === "*3\r\n$2\r\nzb\r\n$3\r\ntwo\r\n$1\r\n2\r\n");
    expect(await exchange(s.port, cmd("EXISTS", "zb"))).toBe(":0\r\n");
    // A push inside MULTI wakes the blocked client after EXEC, with the final state.
    expect(
      await exchange(
        s.port,
        cmd("MULTI") + cmd("RPUSH", "la", "a", "b") + cmd("RPOP", "la") + cmd("EXEC"),
      ),
    ).toBe("+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:2\r\n$1\r\nb\r\n");
    await waitFor(() => c3.text() === "*2\r\n$2\r\nla\r\n$1\r\na\r\n");
    expect(
      await exchange(
        s.port,
        cmd("MULTI") + cmd("BZPOPMIN", "none", "0") + cmd("BRPOP", "none", "0") + cmd("EXEC"),
      ),
    ).toBe("+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*-1\r\n*-1\r\n");
    // Timeouts answer the null reply.
    c1.sock.write(cmd("BZPOPMIN", "none", "0.1") + cmd("ECHO", "after"));
    await waitFor(() => c1.text().endsWith("*-1\r\n$5\r\nafter\r\n"));
    for (const c of [c1, c2, c3]) c.sock.destroy();
  }, 30_000);

  it("keyspace notifications follow notify-keyspace-events", async () => {
    const dir = await freshDir();
    const s = await startKv(dir, ["--notify-keyspace-events", "KA"]);
    const sub = net.connect({ port: s.port, host: "127.0.0.1" });
    const got: string[] = [];
    sub.on("data", (d) => got.push(d.toString()));
    sub.write(cmd("PSUBSCRIBE", "__key*__:*"));
    await waitFor(() => got.join("").includes("psubscribe"));
    await redisCli(s.port, ["set", "nk", "1"]);
    await waitFor(() =>
      got
        .join("")
        .includes(
          "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$17\r\n__keyspace@0__:nk\r\n$3\r\nset\r\n",
        ),
    );
    expect(got.join("")).not.toContain("__keyevent@");
    sub.destroy();
  }, 30_000);
});

describe("snapshots and AOF rewrite", () => {
  it("a SHUTDOWN whose save fails leaves the node up, listening and running its cron, as Redis", async () => {
    const shoal = await startKv(await freshDir(), []);
    const redisDir = await freshDir();
    const redis = await startRedisServer({ args: ["--dir", redisDir] });
    servers.push(redis);
    for (const s of [shoal, redis]) {
      // dump.rdb is a directory: the save's final rename fails.
      mkdirSync(path.join(s === redis ? redisDir : s.dir, "dump.rdb"));
      expect(
        await exchange(s.port, cmd("SET", "k", "v", "PX", "300") + cmd("SHUTDOWN", "SAVE")),
      ).toBe("+OK\r\n-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
      // A new connection is served, and the cron's active expiry still deletes the key.
      expect(await exchange(s.port, cmd("PING"))).toBe("+PONG\r\n");
      await waitFor(async () => (await exchange(s.port, cmd("DBSIZE"))) === ":0\r\n", {
        what: "active expiry after the failed SHUTDOWN",
      });
      expect(s.process.exitCode).toBe(null);
    }
    await outputContaining(
      shoal,
      "Errors trying to shut down the server. Check the logs for more information.",
    );
  }, 60_000);

  it("SAVE writes dbfilename; a restart without AOF loads it", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, [], port);
    await exchange(s.port, cmd("SET", "snap", "1") + cmd("SELECT", "2") + cmd("SET", "two", "2"));
    expect(await exchange(s.port, cmd("SAVE"))).toBe("+OK\r\n");
    expect(existsSync(path.join(dir, "dump.rdb"))).toBe(true);
    await s.kill("SIGKILL");
    s = await startKv(dir, [], port);
    expect(
      await exchange(s.port, cmd("GET", "snap") + cmd("SELECT", "2") + cmd("GET", "two")),
    ).toBe("$1\r\n1\r\n+OK\r\n$1\r\n2\r\n");
    await outputContaining(s, "DB loaded from disk");
  }, 60_000);

  it("BGSAVE replies at once and saves in the background", async () => {
    const dir = await freshDir();
    const s = await startKv(dir, []);
    await exchange(s.port, cmd("SET", "bg", "1"));
    expect(await exchange(s.port, cmd("BGSAVE"))).toBe("+Background saving started\r\n");
    await waitFor(() => s.output().includes("Background saving terminated with success"));
    expect(existsSync(path.join(dir, "dump.rdb"))).toBe(true);
  }, 60_000);

  it("BGREWRITEAOF: base snapshot + fresh increment; writes during and after survive SIGKILL", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, ["--appendonly", "yes", "--appendfsync", "always"], port);
    let before = "";
    for (let i = 0; i < 500; i++) before += cmd("SET", `r${i}`, String(i));
    await exchange(s.port, before);
    expect(await exchange(s.port, cmd("BGREWRITEAOF") + cmd("SET", "during", "1"))).toBe(
      "+Background append only file rewriting started\r\n+OK\r\n",
    );
    await waitFor(async () =>
      (await redisCli(s.port, ["info", "persistence"])).includes("aof_rewrites:1"),
    );
    await exchange(s.port, cmd("SET", "after", "1") + cmd("INCR", "r0"));
    const manifest = readFileSync(
      path.join(dir, "appendonlydir", "appendonly.aof.manifest"),
      "utf8",
    );
    expect(manifest).toBe(
      "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
    );
    expect(readdirSync(path.join(dir, "appendonlydir")).sort()).toEqual([
      "appendonly.aof.2.base.rdb",
      "appendonly.aof.2.incr.aof",
      "appendonly.aof.manifest",
    ]);
    await s.kill("SIGKILL");
    s = await startKv(dir, ["--appendonly", "yes"], port);
    expect(
      await exchange(
        s.port,
        cmd("GET", "r499") + cmd("GET", "during") + cmd("GET", "after") + cmd("GET", "r0"),
      ),
    ).toBe("$3\r\n499\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n");
  }, 60_000);
});

describe("CONFIG SET appendonly yes at run time", () => {
  it("rewrites the data already in memory into the new AOF", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    let s = await startKv(dir, [], port);
    await exchange(s.port, cmd("SET", "old", "1"));
    expect(await exchange(s.port, cmd("CONFIG", "SET", "appendonly", "yes"))).toBe("+OK\r\n");
    await waitFor(async () =>
      (await redisCli(s.port, ["info", "persistence"])).includes("aof_rewrites:1"),
    );
    await exchange(s.port, cmd("SET", "new", "2"));
    await s.kill("SIGKILL");
    s = await startKv(dir, ["--appendonly", "yes"], port);
    expect(await exchange(s.port, cmd("GET", "old") + cmd("GET", "new"))).toBe(
      "$1\r\n1\r\n$1\r\n2\r\n",
    );
  }, 60_000);

  it("a plain rewrite (no RDB preamble) and the increment keep binary list elements and hash values byte for byte", async () => {
    const dir = await freshDir();
    const [port] = await freeClusterPorts(1);
    const opts = ["--aof-use-rdb-preamble", "no"];
    let s = await startKv(dir, opts, port);
    // Short elements and hash values are latin1 strings in the store, long ones Buffers: NUL,
    // 0x80-0xFF and invalid UTF-8 in both.
    const high = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join("");
    const els = ["\x00", "\x80a\xe2\x82\xc0\x80\xfe\xff", "", `\x00${high}`, high.repeat(3)];
    await exchange(s.port, cmd("RPUSH", "l\xe9", ...els));
    await exchange(s.port, cmd("HSET", "h\xe9", "s", els[1] as string, "l", els[4] as string));
    expect(await exchange(s.port, cmd("CONFIG", "SET", "appendonly", "yes"))).toBe("+OK\r\n");
    await waitFor(async () =>
      (await redisCli(s.port, ["info", "persistence"])).includes("aof_rewrites:1"),
    );
    await exchange(s.port, cmd("LPUSH", "l\xe9", `\xff${high}`, "\xc3\x28"));
    await exchange(s.port, cmd("HSET", "h\xe9", "n", `\x00${high}`));
    const check = cmd("LRANGE", "l\xe9", "0", "-1") + cmd("HMGET", "h\xe9", "s", "l", "n");
    const before = await exchange(s.port, check);
    const bulks = (xs: string[]) =>
      `*${xs.length}\r\n${xs.map((e) => `$${e.length}\r\n${e}\r\n`).join("")}`;
    expect(before).toBe(
      bulks(["\xc3\x28", `\xff${high}`, ...els]) +
        bulks([els[1] as string, els[4] as string, `\x00${high}`]),
    );
    await s.kill("SIGKILL");
    s = await startKv(dir, [...opts, "--appendonly", "yes"], port);
    expect(await exchange(s.port, check)).toBe(before);
  }, 60_000);
});

// Behaviour over time and across connections, pinned against real redis-server 7.0.15: the same
// scenario runs against a shoal-server and a redis-server and what each client saw must match
// (issue 12: CLIENT PAUSE WRITE, lazy expiry with active expiry off, protocol desync, CLIENT KILL
// TYPE replica, CONFIG GET names, CLIENT LIST qbuf).
import { exec as execCb, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  freePort,
  redisCliPath,
  redisServerPath,
  type ServerHandle,
  sleep,
  spawnServer,
  startRedisServer,
  waitFor,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS, startShoal } from "./helpers.js";

const exec = promisify(execCb);

/** A raw connection that collects what the server sends; read() takes what arrived so far. */
class Conn {
  private buf = "";
  ended = false;
  error: NodeJS.ErrnoException | null = null;
  private constructor(readonly sock: net.Socket) {
    sock.on("data", (d: Buffer) => {
      this.buf += d.toString("latin1");
    });
    sock.on("end", () => {
      this.ended = true;
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      this.error = e;
    });
  }
  static open(port: number, allowHalfOpen = false): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen }, () => resolve(new Conn(s)));
      s.once("error", reject);
    });
  }
  send(payload: string): void {
    this.sock.write(Buffer.from(payload, "latin1"));
  }
  /** Waits until `n` replies' worth of text ends with `suffix` (or `ms` pass), then takes it. */
  async read(until: (s: string) => boolean = () => false, ms = 300): Promise<string> {
    const t0 = Date.now();
    while (!until(this.buf) && Date.now() - t0 < ms) await sleep(10);
    const out = this.buf;
    this.buf = "";
    return out;
  }
  close(): void {
    this.sock.destroy();
  }
}

const endsWith = (suffix: string) => (s: string) => s.endsWith(suffix);

async function blockedClients(port: number): Promise<number> {
  const info = await exchange(port, cmd("INFO", "clients"));
  return Number(/blocked_clients:(\d+)/.exec(info)?.[1]);
}

describe("behaviour vs redis-server 7.0.15", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    [shoal, redis] = await Promise.all([
      startShoal(),
      // No 5 s wait before a diskless SYNC (redis-cli --replica below).
      startRedisServer({
        args: ["--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"],
      }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  /** Runs the scenario on both servers at once; returns [shoal's, redis's] transcripts. */
  const both = <T>(scenario: (port: number) => Promise<T>) =>
    Promise.all([scenario(shoal.port), scenario(redis.port)]);

  it("CLIENT PAUSE WRITE holds writes (plain, in MULTI, EXEC, PUBLISH), in arrival order; reads and errors answer at once", async () => {
    const scenario = async (port: number) => {
      const log: [string, unknown][] = [];
      const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => Conn.open(port)));
      const [a_, b_, c_, d_] = [a!, b!, c!, d!];
      a_.send(cmd("FLUSHALL") + cmd("CLIENT", "PAUSE", "20000", "WRITE"));
      log.push(["pause", await a_.read(endsWith("+OK\r\n+OK\r\n"))]);
      b_.send(cmd("SET", "p:k", "v"));
      await waitFor(async () => (await blockedClients(port)) === 1);
      c_.send(cmd("GET", "p:k") + cmd("SET", "p:k") + cmd("MULTI") + cmd("SET", "p:m", "1"));
      // The read and the arity error answer at once; the SET inside MULTI waits unqueued.
      log.push(["c before", await c_.read(endsWith("+OK\r\n"))]);
      d_.send(cmd("MULTI") + cmd("GET", "p:m") + cmd("EXEC") + cmd("RPUSH", "p:l", "d"));
      log.push(["read-only transaction", await d_.read(endsWith("$-1\r\n"))]);
      await waitFor(async () => (await blockedClients(port)) === 3);
      // Held clients show as blocked, their held command as cmd=.
      const list = await exchange(port, cmd("CLIENT", "LIST"));
      log.push([
        "client list",
        list
          .split("\n")
          .filter((l) => l.includes(" cmd="))
          .map((l) => `${/ flags=(\S+)/.exec(l)?.[1]} ${/ cmd=(\S+)/.exec(l)?.[1]}`)
          .sort(),
      ]);
      // PUBLISH may replicate: the pausing client itself waits, and its PING behind it.
      a_.send(cmd("PUBLISH", "p:ch", "x") + cmd("PING"));
      log.push(["a held", await a_.read(undefined, 200)]);
      log.push(["b held", await b_.read(undefined, 10)]);
      log.push(["keys while paused", await exchange(port, cmd("MGET", "p:k", "p:m", "p:l"))]);
      log.push(["unpause", await exchange(port, cmd("CLIENT", "UNPAUSE"))]);
      log.push(["a", await a_.read(endsWith("+PONG\r\n"))]);
      log.push(["b", await b_.read(endsWith("+OK\r\n"))]);
      log.push(["c", await c_.read(endsWith("+OK\r\n"))]);
      log.push(["d", await d_.read(endsWith(":1\r\n"))]);
      log.push(["keys after", await exchange(port, cmd("MGET", "p:k", "p:m"))]);

      // Several held clients run in the order they came.
      a_.send(cmd("CLIENT", "PAUSE", "20000", "WRITE"));
      await a_.read(endsWith("+OK\r\n"));
      const queued = await Promise.all([0, 1, 2, 3, 4].map(() => Conn.open(port)));
      for (const [i, q] of queued.entries()) {
        q.send(cmd("RPUSH", "p:order", String(i)));
        await waitFor(async () => (await blockedClients(port)) === i + 1);
      }
      log.push(["unpause", await exchange(port, cmd("CLIENT", "UNPAUSE"))]);
      log.push(["queued", await Promise.all(queued.map((q) => q.read(endsWith("\r\n"))))]);
      log.push(["order", await exchange(port, cmd("LRANGE", "p:order", "0", "-1"))]);

      // A pause issued inside a transaction starts at its end: the transaction's writes all run.
      a_.send(
        cmd("MULTI") +
          cmd("SET", "p:f1", "bar") +
          cmd("CLIENT", "PAUSE", "20000", "WRITE") +
          cmd("SET", "p:f2", "bar") +
          cmd("EXEC"),
      );
      log.push(["transaction", await a_.read(endsWith("+OK\r\n+OK\r\n+OK\r\n"))]);
      b_.send(cmd("SET", "p:f3", "bar"));
      await waitFor(async () => (await blockedClients(port)) === 1);
      log.push(["during", await exchange(port, cmd("MGET", "p:f1", "p:f2", "p:f3"))]);
      log.push(["unpause", await exchange(port, cmd("CLIENT", "UNPAUSE"))]);
      log.push(["f3", await b_.read(endsWith("+OK\r\n"))]);
      log.push(["after", await exchange(port, cmd("MGET", "p:f1", "p:f2", "p:f3"))]);
      for (const x of [a_, b_, c_, d_, ...queued]) x.close();
      return log;
    };
    const [s, r] = await both(scenario);
    expect(s).toEqual(r);
    // The scenario checked something: the SET was held until the unpause.
    expect(r).toContainEqual(["b held", ""]);
    expect(r).toContainEqual(["b", "+OK\r\n"]);
  });

  it("protocol desync: a line with no end past 64 KiB gets Redis's error and a closed connection", async () => {
    // strchr() stops at a NUL, so these lines never end; Redis gives up past PROTO_INLINE_MAX_SIZE.
    const prefixes = ["\x00", "*\x00", "$\x00", "*1\r\n$\x00", "*1\r\n$3\r\nfoo\x00"];
    const scenario = async (port: number) => {
      const out: [string, string, boolean][] = [];
      for (const prefix of prefixes) {
        // Half-open allowed: the client keeps sending after the server's FIN, as a desynced
        // client would; only a server that really closed the socket makes those writes fail.
        const c = await Conn.open(port, true);
        c.send(prefix + "a".repeat(65_537 - prefix.length));
        const reply = await c.read((s) => c.ended && s.length > 0, 3000);
        let reset = false;
        for (let i = 0; i < 100 && !reset; i++) {
          c.sock.write("a".repeat(16_384));
          await sleep(20);
          reset = c.error !== null || c.sock.destroyed;
        }
        out.push([JSON.stringify(prefix), reply, reset]);
        c.close();
      }
      return out;
    };
    const [s, r] = await both(scenario);
    expect(s).toEqual(r);
    expect(r[0]).toEqual(['"\\u0000"', "-ERR Protocol error: too big inline request\r\n", true]);
    expect(r[1]?.[1]).toBe("-ERR Protocol error: too big mbulk count string\r\n");
    expect(await exchange(shoal.port, cmd("PING"))).toBe("+PONG\r\n");
  });

  it("with active expiry off, expired keys stay in DBSIZE until a lookup deletes them", async () => {
    const scenario = async (port: number) => {
      const keyspace = async () =>
        /db0:keys=\d+,expires=\d+/.exec(await exchange(port, cmd("INFO", "keyspace")))?.[0] ?? "";
      const log: [string, string][] = [];
      log.push([
        "setup",
        await exchange(
          port,
          cmd("FLUSHALL") +
            cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0") +
            cmd("PSETEX", "ae:1", "500", "v") +
            cmd("PSETEX", "ae:2", "500", "v") +
            cmd("PSETEX", "ae:3", "500", "v") +
            cmd("SET", "ae:keep", "v"),
        ),
      ]);
      await sleep(1000);
      log.push(["dbsize after 1 s", await exchange(port, cmd("DBSIZE"))]);
      log.push(["keyspace", await keyspace()]);
      log.push(["lookups", await exchange(port, cmd("GET", "ae:1") + cmd("EXISTS", "ae:2"))]);
      log.push(["dbsize after lookups", await exchange(port, cmd("DBSIZE"))]);
      log.push(["keyspace", await keyspace()]);
      await exchange(port, cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1"));
      await waitFor(async () => (await exchange(port, cmd("DBSIZE"))) === ":1\r\n");
      log.push(["collected by the cycle", await keyspace()]);
      await exchange(port, cmd("FLUSHALL"));
      return log;
    };
    const [s, r] = await both(scenario);
    expect(s).toEqual(r);
    expect(r).toContainEqual(["dbsize after 1 s", ":4\r\n"]);
    expect(r).toContainEqual(["dbsize after lookups", ":2\r\n"]);
  });

  it("CLIENT KILL TYPE replica|slave closes a `redis-cli --replica` connection: the tool exits", async () => {
    const scenario = async (port: number) => {
      const out: [string, string][] = [];
      for (const type of ["replica", "slave"]) {
        const cli = spawn(redisCliPath(), ["-p", String(port), "--replica"], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        let text = "";
        cli.stdout.on("data", (d: Buffer) => {
          text += d.toString();
        });
        cli.stderr.on("data", (d: Buffer) => {
          text += d.toString();
        });
        const exited = new Promise<number | null>((resolve) => cli.once("exit", resolve));
        try {
          await waitFor(() => text.includes("Logging commands from master"));
          const flags = async () =>
            (await exchange(port, cmd("CLIENT", "LIST")))
              .split("\n")
              .filter((l) => l.includes(" flags=S "))
              .map((l) => /cmd=(\S+)/.exec(l)?.[1] ?? "")
              .join(",");
          out.push([`${type}: replica listed`, await flags()]);
          out.push([`${type}: kill`, await exchange(port, cmd("CLIENT", "KILL", "TYPE", type))]);
          const code = await Promise.race([exited, sleep(5000).then(() => "still running")]);
          out.push([`${type}: redis-cli`, String(code)]);
          out.push([`${type}: replicas left`, await flags()]);
        } finally {
          cli.kill("SIGKILL");
        }
      }
      return out;
    };
    const [s, r] = await both(scenario);
    expect(s).toEqual(r);
    expect(r).toContainEqual(["replica: kill", ":1\r\n"]);
    expect(r).toContainEqual(["slave: redis-cli", "1"]);
  });

  it("CONFIG GET: the names `*` lists, aliases under their own names, hidden configs by exact name only", async () => {
    /** The name/value pairs of a CONFIG GET reply, sorted by name (Redis lists in hash order). */
    const pairs = async (port: number, ...args: string[]) => {
      const lines = (await exchange(port, cmd("CONFIG", "GET", ...args))).split("\r\n");
      const values: string[] = [];
      for (let i = 1; i < lines.length; i++)
        if (lines[i - 1]?.startsWith("$")) values.push(lines[i]!);
      const out: string[] = [];
      for (let i = 0; i + 1 < values.length; i += 2) out.push(`${values[i]}=${values[i + 1]}`);
      return out.sort();
    };
    const scenario = async (port: number) => ({
      // Values differ by process (port, dir, test settings): `*` is compared by name.
      names: (await pairs(port, "*")).map((p) => p.slice(0, p.indexOf("="))),
      aliases: await pairs(port, "*of", "slave-*", "*ziplist*", "lua-time-limit"),
      exact: await pairs(
        port,
        "replicaof",
        "slaveof",
        "SLAVEOF",
        "key-load-delay",
        "rdb-key-save-delay",
      ),
      hiddenByPattern: await pairs(port, "*load-delay*", "*save-delay", "loading-process-*"),
      hidden: await pairs(port, "loading-process-events-interval-bytes"),
      inert: await pairs(
        port,
        "maxmemory*",
        "lazyfree-*",
        "active-defrag-*",
        "tls-*",
        "stream-node-*",
        "oom-score-adj*",
        "latency-*",
        "io-threads*",
      ),
      set: await exchange(
        port,
        cmd("CONFIG", "SET", "key-load-delay", "-5", "maxmemory-samples", "7") +
          cmd("CONFIG", "GET", "key-load-delay") +
          cmd("CONFIG", "SET", "maxmemory-policy", "bogus") +
          cmd("CONFIG", "SET", "io-threads", "2") +
          cmd("CONFIG", "SET", "key-load-delay", "0", "maxmemory-samples", "5"),
      ),
    });
    const [s, r] = await both(scenario);
    expect(s).toEqual(r);
    expect(r.names.length).toBeGreaterThan(190);
    expect(r.names).toContain("slaveof");
    expect(r.names).not.toContain("key-load-delay");
    expect(r.hiddenByPattern).toEqual([]);
  });

  it("CLIENT LIST qbuf, qbuf-free and argv-mem: idle, partial inline, partial multibulk, the caller's batch", async () => {
    const scenario = async (port: number) => {
      const named = async (name: string, pending: string) => {
        const c = await Conn.open(port);
        c.send(cmd("CLIENT", "SETNAME", name));
        await c.read(endsWith("+OK\r\n"));
        if (pending !== "") c.send(pending);
        return c;
      };
      const conns = [
        await named("qb-idle", ""),
        await named("qb-inline", "GET ke"),
        await named("qb-args", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n"),
        await named("qb-payload", "*2\r\n$3\r\nGET\r\n$5\r\nab"),
      ];
      const fields = (text: string) =>
        text
          .split("\n")
          .filter((l) => / name=qb-/.test(l))
          .map(
            (l) =>
              `${/name=(\S+)/.exec(l)?.[1]} ${/(qbuf=\d+ qbuf-free=\d+ argv-mem=\d+)/.exec(l)?.[1]}`,
          )
          .sort();
      await sleep(200);
      const fresh = fields(await exchange(port, cmd("CLIENT", "LIST")));
      // The caller: its whole pipelined batch is in the buffer while CLIENT LIST runs.
      const self = await Conn.open(port);
      self.send(
        cmd("CLIENT", "SETNAME", "qb-self") + cmd("PING") + cmd("CLIENT", "LIST") + cmd("PING"),
      );
      const own = fields(await self.read(endsWith("+PONG\r\n+PONG\r\n"), 3000)).filter((l) =>
        l.startsWith("qb-self"),
      );
      // Idle for more than 2 s: the spare room of each query buffer is given back.
      await sleep(3500);
      const idle = fields(await exchange(port, cmd("CLIENT", "LIST")));
      for (const c of [...conns, self]) c.close();
      return { fresh, own, idle };
    };
    const [s, r] = await both(scenario);
    expect(s).toEqual(r);
    expect(r.fresh).toContain("qb-payload qbuf=2 qbuf-free=20472 argv-mem=3");
    expect(r.idle).toContain("qb-inline qbuf=6 qbuf-free=0 argv-mem=0");
  }, 20_000);
});

describe("start-up vs redis-server 7.0.15", () => {
  const servers = (args: string[], dir: string, configFile?: string) =>
    Promise.all([
      spawnServer({
        command: [process.execPath, MAIN_JS, ...(configFile ? [configFile] : [])],
        args: ["--save", "", ...args],
        dir,
      }),
      spawnServer({
        command: [redisServerPath(), ...(configFile ? [configFile] : [])],
        args: ["--save", "", ...args],
        dir,
      }),
    ]);

  it("a relative logfile is opened in `dir` (the last one given), wherever it comes in the config", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "shoal-logfile-"));
    const started: ServerHandle[] = [];
    try {
      for (const kind of ["shoal", "redis"]) {
        await mkdir(path.join(root, kind, "d1"), { recursive: true });
        await mkdir(path.join(root, kind, "d2"), { recursive: true });
      }
      const places = (kind: string, i: number) =>
        ["", "d1", "d2"].map((d) => [d || ".", path.join(root, kind, d, `rel${i}.log`)] as const);
      const where = (kind: string, i: number) =>
        places(kind, i)
          .filter(([, file]) => existsSync(file))
          .map(([d]) => d);
      // A server's log is read while it runs, once its own line (its pid, "Ready to accept
      // connections") is in the file, not once after it exits: what reaches the file after
      // SIGTERM hangs on the shutdown's flush (Shoal gives its log 2 s to close, and a write
      // stalled under load outlasts that), and a PING answered on the port shows little (a
      // process that took the port between the probe and our bind answers it too).
      const ready = async (kind: string, i: number, h: ServerHandle) => {
        const line = new RegExp(`^${h.process.pid}:M .* Ready to accept connections`, "m");
        const logs = () =>
          places(kind, i)
            .filter(([, file]) => existsSync(file))
            .map(([, file]) => readFileSync(file, "utf8"));
        const seen = await waitFor(
          () =>
            h.process.exitCode !== null || h.process.signalCode !== null
              ? "exited"
              : logs().some((text) => line.test(text)),
          { what: `${kind}'s ready line in rel${i}.log` },
        );
        if (seen === "exited")
          throw new Error(`${kind} exited before it was ready; its log:\n${logs().join("\n")}`);
      };
      // 1: logfile before dir on the command line; 2: after; 3: the file says dir d2, then the
      // command line's dir d1 comes last.
      const runs: [string[], string | undefined][] = [
        [["--logfile", "rel1.log", "--dir", "d1"], undefined],
        [["--dir", "d1", "--logfile", "rel2.log"], undefined],
        [["--dir", "d1"], "logfile rel3.log\ndir d2\n"],
      ];
      for (const [i, [args, conf]] of runs.entries()) {
        const kinds = ["shoal", "redis"];
        const spawned = await Promise.allSettled(
          kinds.map(async (kind) => {
            const dir = path.join(root, kind);
            let file: string | undefined;
            if (conf !== undefined) {
              file = path.join(dir, `c${i + 1}.conf`);
              await writeFile(file, conf);
            }
            const spawnArgs = args.map((a) => (a.startsWith("d") ? path.join(dir, a) : a));
            return spawnServer({
              command: [
                ...(kind === "shoal" ? [process.execPath, MAIN_JS] : [redisServerPath()]),
                ...(file ? [file] : []),
              ],
              // spawnServer puts its own --dir (the cwd) first: ours come after it.
              args: ["--save", "", ...spawnArgs],
              dir,
            });
          }),
        );
        // One that failed to start must not leave the other running.
        for (const s of spawned) if (s.status === "fulfilled") started.push(s.value);
        const handles = spawned.map((s) => {
          if (s.status === "rejected") throw s.reason;
          return s.value;
        });
        await Promise.all(handles.map((h, k) => ready(kinds[k]!, i + 1, h)));
        await Promise.all(handles.map((h) => h.kill("SIGTERM")));
      }
      const [s, r] = ["shoal", "redis"].map((kind) => [
        where(kind, 1),
        where(kind, 2),
        where(kind, 3),
      ]);
      expect(s).toEqual(r);
      expect(r).toEqual([["d1"], ["d1"], ["d1"]]);
      const text = await readFile(path.join(root, "shoal", "d1", "rel3.log"), "utf8");
      expect(text).toContain("Ready to accept connections");
    } finally {
      await Promise.all(started.map((h) => h.kill()));
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it("the start-up banner: the logo with `PID: <pid>` on a terminal or with always-show-logo, one line otherwise", async () => {
    const banner = (out: string, pid: number | undefined) => ({
      pidLine: out.includes(`     PID: ${pid}`),
      anyPid: /PID: \d+/.test(out),
      oneLine: /Running mode=standalone, port=\d+\./.test(out),
      modeLine: out.includes("Running in standalone mode"),
    });
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-banner-"));
    try {
      const plain = await servers([], dir);
      const logo = await servers(["--always-show-logo", "yes"], dir);
      const seen = async (hs: ServerHandle[]) =>
        Promise.all(
          hs.map(async (h) => {
            await waitFor(() => h.output().includes("Ready to accept connections"));
            await h.stop();
            return banner(h.output(), h.process.pid);
          }),
        );
      const [plainShoal, plainRedis] = await seen(plain);
      const [logoShoal, logoRedis] = await seen(logo);
      expect(plainShoal).toEqual(plainRedis);
      expect(plainRedis).toEqual({ pidLine: false, anyPid: false, oneLine: true, modeLine: false });
      expect(logoShoal).toEqual(logoRedis);
      expect(logoRedis).toEqual({ pidLine: true, anyPid: true, oneLine: false, modeLine: true });
      // stdout a terminal (script(1) gives one), no logfile: the logo too.
      const onTty = async (command: string) => {
        const port = await freePort();
        const child = spawn(
          "script",
          ["-qfc", `${command} --port ${port} --save '' --dir ${dir}`, "/dev/null"],
          { stdio: ["ignore", "pipe", "pipe"], cwd: dir },
        );
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
        });
        try {
          await waitFor(() => out.includes("Ready to accept connections"));
        } finally {
          child.kill("SIGKILL");
          await exec(`${redisCliPath()} -p ${port} shutdown nosave`).catch(() => undefined);
        }
        const pid = Number(/^(\d+):[CM] /m.exec(out)?.[1]);
        return banner(out, pid);
      };
      const ttyShoal = await onTty(`${process.execPath} ${MAIN_JS}`);
      const ttyRedis = await onTty(redisServerPath());
      expect(ttyShoal).toEqual(ttyRedis);
      expect(ttyRedis.pidLine).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

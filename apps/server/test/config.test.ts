// Command line and config file handling of the built shoal-server: argv becomes config lines,
// one parser reads file and argv, errors stop start-up with redis-server's banner.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  freeClusterPorts,
  outputContaining,
  redisCli,
  run,
  type ServerHandle,
  spawnServer,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerArgv } from "../src/config/argv.js";
import { ServerConfig } from "../src/config/load.js";
import { quoteRepr, splitArgs } from "../src/config/split-args.js";
import { BIN, cmd, exchange, MAIN_JS } from "./helpers.js";

describe("sdssplitargs", () => {
  it("splits words, quotes and escapes like Redis", () => {
    expect(splitArgs("set a b")).toEqual(["set", "a", "b"]);
    expect(splitArgs("  \"a b\"  'c d' ")).toEqual(["a b", "c d"]);
    expect(splitArgs('"\\x41\\n\\t\\\\"')).toEqual(["A\n\t\\"]);
    expect(splitArgs("'it\\'s'")).toEqual(["it's"]);
    expect(splitArgs('""')).toEqual([""]);
    expect(splitArgs('"abc')).toBeNull();
    expect(splitArgs('"abc"x')).toBeNull();
    expect(splitArgs("'abc'x")).toBeNull();
    expect(splitArgs("")).toEqual([]);
    // \v and \f are blanks between words but do not end one (sdssplitargs' switch).
    expect(splitArgs("port\v7000")).toEqual(["port\v7000"]);
    expect(splitArgs("port \v\f7000\f")).toEqual(["port", "7000\f"]);
    expect(splitArgs('"a"\v')).toEqual(["a"]);
    expect(splitArgs("a\u0000b c")).toEqual(["a"]);
  });
  it("quoteRepr round-trips through splitArgs", () => {
    for (const s of ["", "a b", 'q"uote', "back\\slash", "\x00\x01\xff", "new\nline"]) {
      expect(splitArgs(quoteRepr(s))).toEqual([s]);
    }
  });
});

describe("argv to config lines (server.c main)", () => {
  it("turns --name value words into lines", () => {
    const r = parseServerArgv([
      "/etc/r.conf",
      "--port",
      "7000",
      "--save",
      "--bind",
      "127.0.0.1",
      "::1",
    ]);
    expect(r).toEqual({
      kind: "run",
      configFile: "/etc/r.conf",
      fromStdin: false,
      options: 'port "7000" \nsave ""\nbind "127.0.0.1" "::1" ',
    });
  });
  it("--save last means save \"\"; '--port 7000' in one word", () => {
    const r = parseServerArgv(["--port 7000", "--save"]);
    expect(r.kind === "run" && r.options).toBe('port 7000 \nsave ""');
  });
  it("--version and --help", () => {
    expect(parseServerArgv(["-v"]).kind).toBe("version");
    expect(parseServerArgv(["--help"]).kind).toBe("help");
  });
  it('accumulates save lines and resets with save ""', () => {
    const c = new ServerConfig();
    c.loadFromString("save 10 1\nsave 20 2\n");
    expect(c.get("save")).toEqual([
      { seconds: 10, changes: 1 },
      { seconds: 20, changes: 2 },
    ]);
    c.loadFromString('save ""');
    expect(c.get("save")).toEqual([]);
  });
});

describe("shoal-server start-up errors", () => {
  const cases: Array<[string[], string]> = [
    [
      ["--foo", "bar"],
      `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo "bar"'\nBad directive or wrong number of arguments\n`,
    ],
    [
      ["--port", "abc"],
      `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port "abc"'\nargument couldn't be parsed into an integer\n`,
    ],
    [["--port", "99999"], "argument must be between 0 and 65535 inclusive"],
    [["--appendonly", "maybe"], "argument must be 'yes' or 'no'"],
    [
      ["--loglevel", "loud"],
      "argument(s) must be one of the following: debug, verbose, notice, warning",
    ],
    [["--save", "10"], "Invalid save parameters"],
    [["--daemonize", "yes"], "shoal-server does not daemonize"],
  ];
  for (const [args, expected] of cases) {
    it(`${args.join(" ")} exits 1 with Redis's message`, async () => {
      const r = await run(BIN, args);
      expect(r.code).toBe(1);
      expect(r.stderr + r.stdout).toContain(expected);
    });
  }
  it("names the line of a config file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-conf-"));
    try {
      const file = path.join(dir, "r.conf");
      await writeFile(file, "# comment\n\nport 7000\nport 1 2\n");
      const r = await run(BIN, [file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 4\n>>> 'port 1 2'\nwrong number of arguments\n",
      );
      await writeFile(file, 'port "7000\n');
      expect((await run(BIN, [file])).stderr).toContain("Unbalanced quotes in configuration line");
      // As redis-server 7.0.15: a \v between directive and value joins them into one word.
      await writeFile(file, "port\v7000\n");
      expect((await run(BIN, [file])).stderr).toBe(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n>>> 'port\v7000'\nBad directive or wrong number of arguments\n",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("--version prints a redis-server-like line plus Shoal's version", async () => {
    const r = await run(BIN, ["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Redis server v=7\.0\.15 sha=00000000:0 malloc=libc bits=64 build=shoal-\S+\nShoal server v=/,
    );
  });
  it("--help prints the usage", async () => {
    const r = await run(BIN, ["--help"]);
    expect(r.stderr).toContain("Usage: ./shoal-server [/path/to/redis.conf] [options] [-]");
  });
});

describe("a running server's config", () => {
  let s: ServerHandle;
  let conf: string;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-rw-"));
    conf = path.join(dir, "shoal.conf");
    await writeFile(conf, "# my settings\nhz 10\nmaxclients 500\n");
    s = await spawnServer({
      command: [process.execPath, MAIN_JS, conf],
      args: ["--save", "", "--loglevel", "verbose"],
      dir,
    });
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("logs in Redis's line format", async () => {
    // The server accepts connections before its "Ready" line has come through the pipe.
    const out = await outputContaining(s, /^\d+:M .* \* Ready to accept connections$/m);
    expect(out).toMatch(
      /^\d+:C \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # oO0OoO0OoO0Oo Shoal is starting oO0OoO0OoO0Oo$/m,
    );
    expect(out).toMatch(/^\d+:C .* # Configuration loaded$/m);
  });

  it("CONFIG GET takes glob patterns, several at once", async () => {
    expect(await redisCli(s.port, ["config", "get", "maxc*"])).toBe("maxclients\n500\n");
    // An exact name is answered as asked for, as Redis 7.0 does.
    expect(await redisCli(s.port, ["config", "get", "hz", "APPENDONLY"])).toBe(
      "hz\n10\nAPPENDONLY\nno\n",
    );
    expect(await redisCli(s.port, ["config", "get", "dir"])).toBe(`dir\n${path.dirname(conf)}\n`);
  });

  it("CONFIG SET then CONFIG REWRITE keeps comments and replaces lines", async () => {
    expect(await redisCli(s.port, ["config", "set", "maxclients", "600", "timeout", "30"])).toBe(
      "OK\n",
    );
    expect(await redisCli(s.port, ["config", "rewrite"])).toBe("OK\n");
    const text = await readFile(conf, "utf8");
    expect(
      text.startsWith("# my settings\nhz 10\nmaxclients 600\n# Generated by CONFIG REWRITE\n"),
    ).toBe(true);
    expect(text).toContain("\ntimeout 30\n");
    expect(text).toContain('\nsave ""\n');
    expect(text).toContain("\nloglevel verbose\n");
  });

  it("CONFIG RESETSTAT clears INFO counters", async () => {
    await redisCli(s.port, ["nosuchcommand"]);
    expect(await redisCli(s.port, ["info", "errorstats"])).toContain("errorstat_ERR:count=");
    await redisCli(s.port, ["config", "resetstat"]);
    expect(await redisCli(s.port, ["info", "errorstats"])).not.toContain("errorstat_ERR");
  });

  it("INFO has Redis's default sections in order", async () => {
    const info = await redisCli(s.port, ["info"]);
    const heads = info
      .split("\n")
      .filter((l) => l.startsWith("# "))
      .map((l) => l.trim());
    expect(heads).toEqual([
      "# Server",
      "# Clients",
      "# Memory",
      "# Persistence",
      "# Stats",
      "# Replication",
      "# CPU",
      "# Modules",
      "# Errorstats",
      "# Cluster",
      "# Keyspace",
    ]);
    for (const f of [
      "redis_version:7.0.15",
      "redis_mode:standalone",
      `tcp_port:${s.port}`,
      "connected_clients:",
      "maxclients:600",
      "used_memory:",
      "aof_enabled:0",
      "total_commands_processed:",
      "role:master",
      "master_replid:",
      "used_cpu_sys:",
      "cluster_enabled:0",
    ]) {
      expect(info).toContain(f);
    }
  });

  it("a CONFIG SET that can't listen on its port restores every value and its effect", async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const out = await exchange(
        s.port,
        cmd("CONFIG", "SET", "slowlog-log-slower-than", "0", "port", String(port)) +
          cmd("CONFIG", "GET", "slowlog-log-slower-than") +
          cmd("SLOWLOG", "RESET") +
          cmd("SET", "x", "y") +
          cmd("SLOWLOG", "LEN"),
      );
      expect(out).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port\r\n" +
          "*2\r\n$23\r\nslowlog-log-slower-than\r\n$5\r\n10000\r\n+OK\r\n+OK\r\n:0\r\n",
      );
    } finally {
      busy.close();
    }
  });

  it("CONFIG SET port moves the listener; replies stay in pipeline order", async () => {
    const [next] = await freeClusterPorts(1);
    const out = await exchange(s.port, cmd("CONFIG", "SET", "port", String(next)) + cmd("PING"));
    expect(out).toBe("+OK\r\n+PONG\r\n");
    expect(await redisCli(next!, ["config", "get", "port"])).toBe(`port\n${next}\n`);
    await expect(redisCli(s.port, ["ping"])).rejects.toThrow();
  });
});

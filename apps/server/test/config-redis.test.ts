// Config directives pinned against redis-server 7.0.15 on the same machine: CONFIG GET of every
// directive at defaults, CONFIG SET's errors for bad values of each type, and whole config files
// (Debian's stock /etc/redis/redis.conf, Redis's own test-suite default.conf) read by both.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MAXMEMORY_POLICIES } from "@shoal/keyspace-store";
import {
  freeClusterPorts,
  pingOnce,
  redisServerPath,
  run,
  type ServerHandle,
  spawnServer,
  waitFor,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, cmd, exchange, MAIN_JS } from "./helpers.js";

/** Reads a pipeline of RESP2 replies made of simple strings, errors and arrays of bulk strings. */
function parseReplies(s: string): Array<string | string[]> {
  const out: Array<string | string[]> = [];
  let i = 0;
  const line = () => {
    const end = s.indexOf("\r\n", i);
    const l = s.slice(i, end);
    i = end + 2;
    return l;
  };
  const bulk = () => {
    const len = Number(line().slice(1));
    const v = s.slice(i, i + len);
    i += len + 2;
    return v;
  };
  while (i < s.length) {
    const head = s[i];
    if (head === "*") {
      const n = Number(line().slice(1));
      const arr: string[] = [];
      for (let k = 0; k < n; k++) arr.push(bulk());
      out.push(arr);
    } else out.push(line());
  }
  return out;
}

/** CONFIG GET `pattern` as a name -> value map. */
async function configMap(port: number, pattern = "*"): Promise<Map<string, string>> {
  const [arr] = parseReplies(await exchange(port, cmd("CONFIG", "GET", pattern)));
  const m = new Map<string, string>();
  const a = arr as string[];
  for (let k = 0; k + 1 < a.length; k += 2) m.set(a[k]!, a[k + 1]!);
  return m;
}

// Values that differ by process, not by reading: the port and dir each server was given, and the
// pidfile path derived from them.
const PER_PROCESS = new Set(["port", "dir", "pidfile"]);

describe("CONFIG GET/SET vs redis-server 7.0.15", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    // The same arguments for both (spawnServer adds port, bind, dir, repl-diskless-sync-delay).
    [shoal, redis] = await Promise.all([
      spawnServer({ command: [process.execPath, MAIN_JS], args: ["--save", ""] }),
      spawnServer({ command: [redisServerPath()], args: ["--save", ""] }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  it("CONFIG GET <name> of every directive gives Redis's reply at defaults", async () => {
    const names = [...(await configMap(redis.port)).keys()].sort();
    expect(names.length).toBeGreaterThan(190);
    expect([...(await configMap(shoal.port)).keys()].sort()).toEqual(names);
    const asked = names.filter((n) => !PER_PROCESS.has(n));
    const payload = asked.map((n) => cmd("CONFIG", "GET", n)).join("");
    const [s, r] = await Promise.all([
      exchange(shoal.port, payload),
      exchange(redis.port, payload),
    ]);
    const sr = parseReplies(s);
    const rr = parseReplies(r);
    expect(rr).toHaveLength(asked.length);
    const differ = asked.filter((_, k) => JSON.stringify(sr[k]) !== JSON.stringify(rr[k]));
    expect(differ).toEqual([]);
    // Exact RESP2 bytes too, not only the parsed values.
    expect(s).toBe(r);
  });

  // CONFIG SET <name> <value>, then CONFIG GET <name>: Redis's error (or its normalised value).
  const CASES: Array<[string, string]> = [
    // bool
    ["appendonly", "maybe"],
    ["activedefrag", "1"],
    ["protected-mode", ""],
    // int, with Redis's bounds and hz's clamping
    ["hz", "abc"],
    ["hz", "-1"],
    ["hz", "1000"],
    ["hz", "0"],
    ["timeout", "-1"],
    ["tcp-keepalive", "1.5"],
    ["maxclients", "0"],
    ["maxclients", "4294967296"],
    ["active-defrag-cycle-max", "100"],
    ["maxmemory-samples", "0"],
    ["maxmemory-eviction-tenacity", "101"],
    ["active-expire-effort", "11"],
    ["slowlog-log-slower-than", "-2"],
    ["set-max-intset-entries", "-1"],
    ["lfu-log-factor", "-1"],
    ["tls-port", "70000"],
    ["busy-reply-threshold", "-1"],
    ["watchdog-period", "-1"],
    // memory, and memory-or-percent
    ["proto-max-bulk-len", "1"],
    ["proto-max-bulk-len", "10xb"],
    ["repl-backlog-size", "-1"],
    ["client-query-buffer-limit", "1k"],
    ["hash-max-listpack-value", "abc"],
    ["maxmemory", "abc"],
    ["maxmemory", "-1"],
    ["maxmemory-clients", "10zz"],
    ["maxmemory-clients", "200%"],
    ["maxmemory-clients", "-5%"],
    ["maxmemory-clients", "10%"],
    ["maxmemory-clients", "0%"],
    ["maxmemory-clients", "1kb"],
    // enum
    ["maxmemory-policy", "bogus"],
    ["maxmemory-policy", "ALLKEYS-LFU"],
    ["appendfsync", "sometimes"],
    ["loglevel", "loud"],
    ["repl-diskless-load", "x"],
    ["oom-score-adj", "maybe"],
    ["acl-pubsub-default", "none"],
    ["sanitize-dump-payload", "x"],
    ["propagation-error-behavior", "x"],
    ["cluster-preferred-endpoint-type", "x"],
    ["shutdown-on-sigterm", "save nosave"],
    ["shutdown-on-sigterm", "bogus"],
    ["shutdown-on-sigterm", "now SAVE"],
    // string
    ["notify-keyspace-events", "Q"],
    ["notify-keyspace-events", "KEA"],
    ["notify-keyspace-events", "KEAmn"],
    ["notify-keyspace-events", "Egg"],
    ["notify-keyspace-events", "Kg$lshzxetd"],
    ["notify-keyspace-events", ""],
    ["dbfilename", "a/b"],
    ["cluster-announce-hostname", "a b"],
    ["cluster-announce-hostname", "x_y"],
    // special
    ["save", "10"],
    ["save", "a b"],
    ["save", "0 1"],
    ["client-output-buffer-limit", "normal 1 2"],
    ["client-output-buffer-limit", "foo 1 2 3"],
    ["client-output-buffer-limit", "normal x 0 0"],
    ["client-output-buffer-limit", "normal 1 2 -1"],
    ["oom-score-adj-values", "1 2"],
    ["oom-score-adj-values", "a b c"],
    ["oom-score-adj-values", "0 2001 3000"],
    ["oom-score-adj-values", "1.5 0 1"],
    ["oom-score-adj-values", "-1 0 1"],
    ["latency-tracking-info-percentiles", "101"],
    ["latency-tracking-info-percentiles", "abc"],
    ["latency-tracking-info-percentiles", "50.0 1e1 99.999"],
    ["latency-tracking-info-percentiles", ""],
    // immutable, unknown
    ["io-threads", "2"],
    ["databases", "4"],
    ["appendfilename", "x.aof"],
    ["unixsocket", "/tmp/x"],
    ["unixsocketperm", "700"],
    ["supervised", "systemd"],
    ["socket-mark-id", "1"],
    ["replicaof", "127.0.0.1 1"],
    ["no-such-directive", "x"],
  ];

  it("CONFIG SET of bad values per type answers Redis's exact errors", async () => {
    const payload = CASES.map(([n, v]) => cmd("CONFIG", "SET", n, v) + cmd("CONFIG", "GET", n));
    const replies = async (port: number) => {
      const out: string[] = [];
      // One exchange per case, so a diverging reply names its case.
      for (const [k, p] of payload.entries())
        out.push(`${CASES[k]!.join(" ")} => ${await exchange(port, p)}`);
      return out;
    };
    const [s, r] = await Promise.all([replies(shoal.port), replies(redis.port)]);
    expect(s).toEqual(r);
    // The cases do reach the parsers: Redis's texts for each kind are among the replies.
    const all = r.join("\n");
    for (const text of [
      "argument must be 'yes' or 'no'",
      "argument couldn't be parsed into an integer",
      "argument must be between 0 and 100 inclusive",
      "argument must be a memory value",
      "argument must be a memory or percent value",
      "argument(s) must be one of the following:",
      "can't set immutable config",
      "Invalid save parameters",
      "Unknown option or number of arguments for CONFIG SET - 'no-such-directive'",
    ])
      expect(all).toContain(text);
  });

  it("maxmemory and every maxmemory-policy are set and read back as Redis does", async () => {
    const mm =
      cmd("CONFIG", "SET", "maxmemory", "1gb") +
      cmd("CONFIG", "GET", "maxmemory") +
      cmd("CONFIG", "SET", "maxmemory", "-1") +
      cmd("CONFIG", "SET", "maxmemory", "0");
    const [ms, mr] = await Promise.all([exchange(shoal.port, mm), exchange(redis.port, mm)]);
    expect(ms).toContain("$10\r\n1073741824\r\n");
    expect(ms).toBe(mr);
    const policies = MAXMEMORY_POLICIES;
    const set = policies.map((p) => cmd("CONFIG", "SET", "maxmemory-policy", p)).join("");
    const [s, r] = await Promise.all([exchange(shoal.port, set), exchange(redis.port, set)]);
    expect(s).toBe("+OK\r\n".repeat(policies.length));
    expect(s).toBe(r);
  });
});

/** Starts `command file` with nothing added, waits for PING; returns the process and its output. */
async function startWithFile(command: string[], file: string, port: number) {
  const [exe, ...lead] = command;
  const child: ChildProcess = spawn(exe!, [...lead, file], {
    cwd: path.dirname(file),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  let dead = false;
  child.once("exit", () => {
    dead = true;
  });
  try {
    await waitFor(
      async () => {
        if (dead) throw new Error(`exited early:\n${out}`);
        return pingOnce(port);
      },
      { timeout: 15_000, what: `${exe} ${file}` },
    );
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return child;
}

/**
 * Starts shoal-server and redis-server each on its copy of `text`, with only the lines a test
 * harness must own replaced (port, dir, pidfile, logfile, daemonize, supervised), and returns
 * both servers' CONFIG GET * (the per-process values left out).
 */
async function readByBoth(text: string) {
  const root = await mkdtemp(path.join(tmpdir(), "shoal-conf-"));
  const children: ChildProcess[] = [];
  try {
    const ports = await freeClusterPorts(2);
    const maps: Array<Map<string, string>> = [];
    for (const [k, command] of [[process.execPath, MAIN_JS], [redisServerPath()]].entries()) {
      const dir = path.join(root, String(k));
      await mkdir(dir);
      const conf = text
        .replace(/^port .*$/m, `port ${ports[k]}`)
        .replace(/^dir .*$/m, `dir ${dir}`)
        .replace(/^pidfile .*$/m, `pidfile ${path.join(dir, "server.pid")}`)
        .replace(/^logfile .*$/m, 'logfile ""')
        .replace(/^daemonize .*$/m, "daemonize no")
        .replace(/^supervised .*$/m, "supervised no");
      const file = path.join(dir, "redis.conf");
      await writeFile(file, conf, "latin1");
      children.push(await startWithFile(command, file, ports[k]!));
      const m = await configMap(ports[k]!);
      for (const n of PER_PROCESS) m.delete(n);
      maps.push(m);
    }
    return { shoal: Object.fromEntries(maps[0]!), redis: Object.fromEntries(maps[1]!) };
  } finally {
    for (const c of children) c.kill("SIGKILL");
    await rm(root, { recursive: true, force: true });
  }
}

describe("config files read as redis-server 7.0.15 reads them", () => {
  it("Debian's stock /etc/redis/redis.conf starts Shoal; every directive reads as Redis's", async () => {
    const stock = await readFile("/etc/redis/redis.conf", "latin1");
    // The harness lines are there to be replaced (Debian daemonizes and logs under /var/log).
    expect(stock).toMatch(/^daemonize yes$/m);
    expect(stock).toMatch(/^logfile \/var\/log\/redis\/redis-server\.log$/m);
    const { shoal, redis } = await readByBoth(stock);
    expect(Object.keys(redis).length).toBeGreaterThan(185);
    expect(shoal).toEqual(redis);
    // Debian's own choices, not only defaults, came through.
    expect(redis.bind).toBe("127.0.0.1 -::1");
    expect(redis.daemonize).toBe("no");
  }, 40_000);

  it("Redis 7.0.15's test-suite default.conf (tests/assets/default.conf) starts Shoal", async () => {
    // Copied from the redis 7.0.15 source tree, comments dropped.
    const conf = [
      "always-show-logo yes",
      "notify-keyspace-events KEA",
      "daemonize no",
      "pidfile /var/run/redis.pid",
      "port 6379",
      "timeout 0",
      "bind 127.0.0.1",
      "loglevel verbose",
      "logfile ''",
      "databases 16",
      "latency-monitor-threshold 1",
      "repl-diskless-sync-delay 0",
      "save 900 1",
      "rdbcompression yes",
      "dbfilename dump.rdb",
      "dir ./",
      "slave-serve-stale-data yes",
      "appendonly no",
      "appendfsync everysec",
      "no-appendfsync-on-rewrite no",
      "activerehashing yes",
      "enable-protected-configs yes",
      "enable-debug-command yes",
      "enable-module-command yes",
      "propagation-error-behavior panic",
      "",
    ].join("\n");
    const { shoal, redis } = await readByBoth(conf);
    expect(shoal).toEqual(redis);
    expect(redis["notify-keyspace-events"]).toBe("AKE");
    expect(redis.save).toBe("900 1");
  }, 40_000);

  it("a multi-argument directive given as one argument is split, as Redis's MULTI_ARG_CONFIG", async () => {
    // What `--save "3600 1"` on the command line becomes: one quoted argument.
    const conf = [
      "port 6379",
      "dir ./",
      'bind "127.0.0.1 -::1"',
      'save "3600 1 300 100"',
      'client-output-buffer-limit "pubsub 1mb 2mb 30"',
      'latency-tracking-info-percentiles "50 99.9"',
      'shutdown-on-sigterm "nosave now"',
      'oom-score-adj-values "0 100 900"',
      "",
    ].join("\n");
    const { shoal, redis } = await readByBoth(conf);
    expect(redis.save).toBe("3600 1 300 100");
    expect(redis["latency-tracking-info-percentiles"]).toBe("50 99.9");
    expect(shoal).toEqual(redis);
  }, 40_000);
});

describe("config-file-only lines", () => {
  it("include reads another file in place; an error in it names its own line", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-include-"));
    try {
      const inc = path.join(dir, "inc.conf");
      const main = path.join(dir, "main.conf");
      await writeFile(inc, "hz 20\nhz nope\n");
      await writeFile(main, `save ""\ninclude ${inc}\n`);
      const [s, r] = await Promise.all([run(BIN, [main]), run(redisServerPath(), [main])]);
      expect(s.code).toBe(1);
      expect(s.stderr).toBe(r.stderr);
      expect(s.stderr).toContain(">>> 'hz nope'");
      await writeFile(main, `save ""\ninclude ${path.join(dir, "missing.conf")}\n`);
      const m = await run(BIN, [main]);
      expect(m.code).toBe(1);
      expect(m.stdout + m.stderr).toContain(
        `Fatal error, can't open config file '${path.join(dir, "missing.conf")}': No such file or directory`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("include with a glob reads every match in byte order, skips dotfiles, and may match none", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-include-glob-"));
    try {
      const confd = path.join(dir, "conf.d");
      await mkdir(confd);
      // Read in order b-, then c-: the later file's hz wins; .hidden and x.txt don't match.
      await writeFile(path.join(confd, "c-last.conf"), "hz 33\n");
      await writeFile(path.join(confd, "b-first.conf"), "hz 22\nmaxclients 777\n");
      await writeFile(path.join(confd, ".hidden.conf"), "hz nope\n");
      await writeFile(path.join(confd, "x.txt"), "hz nope\n");
      const { shoal, redis } = await readByBoth(
        `port 6379\nsave ""\ninclude ${path.join(dir, "empty.d", "*.conf")}\ninclude ${path.join(confd, "*.conf")}\n`,
      );
      expect([redis.hz, redis.maxclients]).toEqual(["33", "777"]);
      expect(shoal).toEqual(redis);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it("rename-command, loadmodule, user, aclfile and TLS stop start-up with a reason", async () => {
    const cases: Array<[string[], string]> = [
      [
        ["--rename-command", "FLUSHALL", ""],
        "rename-command is not supported by Shoal: the command would stay reachable under its name",
      ],
      [["--loadmodule", "/nonexistent/m.so"], "Shoal can't load Redis modules"],
      [["--user", "alice", "on", ">pw", "+@all"], "ACL users in the config file are not supported"],
      [["--aclfile", "/etc/redis/users.acl"], "aclfile is not supported by Shoal"],
      [["--tls-port", "6380"], "tls-port is not supported by Shoal: it has no TLS"],
      [["--tls-replication", "yes"], "tls-replication is not supported by Shoal"],
    ];
    for (const [args, text] of cases) {
      const r = await run(BIN, args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***");
      expect(r.stderr).toContain(text);
    }
    // `maxmemory 0` (no limit) is what Redis starts with; it stays accepted.
    const [port] = await freeClusterPorts(1);
    const ok = await spawnServer({
      command: [process.execPath, MAIN_JS],
      port: port!,
      args: ["--save", "", "--maxmemory", "0", "--maxmemory-policy", "allkeys-lru"],
    });
    try {
      expect(await exchange(ok.port, cmd("CONFIG", "GET", "maxmemory-policy"))).toBe(
        "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n",
      );
    } finally {
      await ok.stop();
    }
  }, 30_000);
});

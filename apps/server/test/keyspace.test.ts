// The real data store behind the server (keyspace-store's Keyspace and command table): data
// commands through dispatch, databases and SELECT, one owner per command name, INFO keyspace and
// stats, active expiry from the cron, DEBUG RELOAD and SAVE/restart with every data type.
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  freeClusterPorts,
  outputContaining,
  redisCli,
  run,
  type ServerHandle,
  waitFor,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS, startShoal } from "./helpers.js";

/** Every data type, with a TTL on one key: what a reload or restart must bring back. */
const FILL =
  cmd("SET", "s", "bin\x00ary\xff") +
  cmd("SET", "ttl", "v", "PX", "600000") +
  cmd("RPUSH", "l", "a", "b", "c") +
  cmd("HSET", "h", "f1", "v1", "f2", "v2") +
  cmd("SADD", "st", "x", "y") +
  cmd("ZADD", "z", "1", "one", "2.5", "two") +
  cmd("SELECT", "3") +
  cmd("SET", "in3", "three") +
  cmd("SELECT", "0");

const CHECK =
  cmd("GET", "s") +
  cmd("GET", "ttl") +
  cmd("LRANGE", "l", "0", "-1") +
  cmd("HGET", "h", "f2") +
  cmd("SCARD", "st") +
  cmd("ZSCORE", "z", "two") +
  cmd("SELECT", "3") +
  cmd("GET", "in3") +
  cmd("SELECT", "0") +
  cmd("DBSIZE");

const CHECKED =
  "$8\r\nbin\x00ary\xff\r\n" +
  "$1\r\nv\r\n" +
  "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n" +
  "$2\r\nv2\r\n" +
  ":2\r\n" +
  "$3\r\n2.5\r\n" +
  "+OK\r\n$5\r\nthree\r\n+OK\r\n:6\r\n";

function ttlOf(port: number, key: string): Promise<number> {
  return exchange(port, cmd("PTTL", key)).then((r) => Number(r.slice(1)));
}

describe("data commands on the real store", () => {
  let s: ServerHandle;
  beforeAll(async () => {
    s = await startShoal(["--hz", "50"]);
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("serves every type through dispatch, per database", async () => {
    await exchange(s.port, cmd("FLUSHALL"));
    expect(await exchange(s.port, FILL)).toBe(
      "+OK\r\n+OK\r\n:3\r\n:2\r\n:2\r\n:2\r\n+OK\r\n+OK\r\n+OK\r\n",
    );
    expect(await exchange(s.port, CHECK)).toBe(CHECKED);
    expect(
      await exchange(s.port, cmd("GET", "l") + cmd("INCR", "s") + cmd("get") + cmd("SELECT", "1")),
    ).toBe(
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" +
        "-ERR value is not an integer or out of range\r\n" +
        "-ERR wrong number of arguments for 'get' command\r\n+OK\r\n",
    );
  });

  it("one owner per name: server commands keep theirs, the store's fill the table", async () => {
    await exchange(s.port, cmd("FLUSHALL"));
    await exchange(s.port, cmd("SET", "a", "1") + cmd("SET", "b", "2"));
    expect(
      await exchange(
        s.port,
        cmd("DBSIZE") +
          cmd("SELECT", "5") +
          cmd("DBSIZE") +
          cmd("SET", "c", "3") +
          cmd("SWAPDB", "0", "5") +
          cmd("DBSIZE") +
          cmd("SELECT", "0") +
          cmd("GET", "c") +
          cmd("FLUSHDB") +
          cmd("DBSIZE") +
          cmd("SELECT", "5") +
          cmd("DBSIZE"),
      ),
    ).toBe(":2\r\n+OK\r\n:0\r\n+OK\r\n+OK\r\n:2\r\n+OK\r\n$1\r\n3\r\n+OK\r\n:0\r\n+OK\r\n:2\r\n");
    // COMMAND knows both kinds.
    const info = await redisCli(s.port, ["command", "info", "get", "select", "lpush"]);
    expect(info).toContain("get\n2\n");
    expect(info).toContain("select\n2\n");
    expect(info).toContain("lpush\n-3\n");
    expect(await redisCli(s.port, ["command", "getkeys", "mset", "a", "1", "b", "2"])).toBe(
      "a\nb\n",
    );
  });

  it("SWAPDB wakes clients blocked on keys the swapped-in database holds", async () => {
    await exchange(s.port, cmd("FLUSHALL"));
    const sock = net.connect({ port: s.port, host: "127.0.0.1" });
    const got: string[] = [];
    sock.on("data", (d) => got.push(d.toString("latin1")));
    sock.write(cmd("BLPOP", "swapq", "0"));
    await waitFor(async () =>
      (await redisCli(s.port, ["info", "clients"])).includes("blocked_clients:1"),
    );
    await exchange(s.port, cmd("SELECT", "7") + cmd("RPUSH", "swapq", "from7"));
    expect(got).toEqual([]);
    expect(await exchange(s.port, cmd("SWAPDB", "0", "7"))).toBe("+OK\r\n");
    await waitFor(() => got.join("") === "*2\r\n$5\r\nswapq\r\n$5\r\nfrom7\r\n");
    sock.destroy();
  });

  it("MULTI/EXEC runs data commands atomically, with Redis's queued-error rules", async () => {
    await exchange(s.port, cmd("FLUSHALL"));
    expect(
      await exchange(
        s.port,
        cmd("MULTI") +
          cmd("SET", "k", "v") +
          cmd("LPUSH", "k", "x") +
          cmd("APPEND", "k", "w") +
          cmd("EXEC"),
      ),
    ).toBe(
      "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n" +
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:2\r\n",
    );
    expect(
      await exchange(
        s.port,
        cmd("MULTI") + cmd("SET", "k2", "v") + cmd("SET") + cmd("EXEC") + cmd("EXISTS", "k2"),
      ),
    ).toBe(
      "+OK\r\n+QUEUED\r\n-ERR wrong number of arguments for 'set' command\r\n" +
        "-EXECABORT Transaction discarded because of previous errors.\r\n:0\r\n",
    );
  });

  it("INFO keyspace: db<N>:keys=N,expires=N,avg_ttl=N; INFO stats counts hits, misses, expiries", async () => {
    await exchange(s.port, cmd("FLUSHALL") + cmd("CONFIG", "RESETSTAT"));
    let fill = "";
    for (let i = 0; i < 10; i++) fill += cmd("SET", `p${i}`, "v");
    for (let i = 0; i < 5; i++) fill += cmd("SET", `t${i}`, "v", "EX", "1000");
    fill += cmd("SELECT", "2") + cmd("SET", "x", "1") + cmd("SELECT", "0");
    await exchange(s.port, fill);
    // avg_ttl is the expiry cycle's running estimate, as in Redis: wait for a cron step.
    let ks = "";
    await waitFor(async () => {
      ks = await redisCli(s.port, ["info", "keyspace"]);
      return /avg_ttl=[1-9]/.test(ks);
    });
    const m = /db0:keys=15,expires=5,avg_ttl=(\d+)\r?\n/.exec(ks);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(990_000);
    expect(Number(m![1])).toBeLessThanOrEqual(1_000_000);
    expect(ks).toMatch(/db2:keys=1,expires=0,avg_ttl=0\r?\n/);
    await exchange(s.port, cmd("GET", "p1") + cmd("GET", "nope") + cmd("GET", "nope2"));
    const stats = await redisCli(s.port, ["info", "stats"]);
    expect(stats).toMatch(/keyspace_hits:1\r?\n/);
    expect(stats).toMatch(/keyspace_misses:2\r?\n/);
  });

  it("active expiry deletes keys nobody reads; DEBUG SET-ACTIVE-EXPIRE 0 stops it", async () => {
    await exchange(s.port, cmd("FLUSHALL") + cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0"));
    let fill = "";
    for (let i = 0; i < 200; i++) fill += cmd("SET", `e${i}`, "v", "PX", "50");
    await exchange(s.port, fill + cmd("SET", "stay", "1"));
    await new Promise((r) => setTimeout(r, 300));
    // Not read and not collected: still in the keyspace (INFO keyspace counts them, as Redis's).
    expect(await redisCli(s.port, ["info", "keyspace"])).toMatch(/db0:keys=201,expires=200,/);
    await exchange(s.port, cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1"));
    await waitFor(async () =>
      /db0:keys=1,expires=0,/.test(await redisCli(s.port, ["info", "keyspace"])),
    );
    expect(await redisCli(s.port, ["info", "stats"])).toMatch(/expired_keys:200\r?\n/);
  });

  it("active expiry publishes expired events (notify-keyspace-events Ex)", async () => {
    await exchange(s.port, cmd("FLUSHALL") + cmd("CONFIG", "SET", "notify-keyspace-events", "Ex"));
    const sub = net.connect({ port: s.port, host: "127.0.0.1" });
    const got: string[] = [];
    sub.on("data", (d) => got.push(d.toString("latin1")));
    sub.write(cmd("SUBSCRIBE", "__keyevent@0__:expired"));
    await waitFor(() => got.join("").includes("subscribe"));
    await exchange(s.port, cmd("SET", "gone", "1", "PX", "30"));
    await waitFor(() =>
      got.join("").includes("$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$4\r\ngone\r\n"),
    );
    sub.destroy();
    await exchange(s.port, cmd("CONFIG", "SET", "notify-keyspace-events", ""));
  });

  it("DEBUG RELOAD keeps every type, TTLs and databases", async () => {
    await exchange(s.port, cmd("FLUSHALL"));
    await exchange(s.port, FILL);
    const ttlBefore = await ttlOf(s.port, "ttl");
    expect(await exchange(s.port, cmd("DEBUG", "RELOAD"))).toBe("+OK\r\n");
    expect(await exchange(s.port, CHECK)).toBe(CHECKED);
    const ttlAfter = await ttlOf(s.port, "ttl");
    expect(ttlAfter).toBeGreaterThan(500_000);
    expect(ttlAfter).toBeLessThanOrEqual(ttlBefore);
  });
});

describe("snapshots of the real store", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("BGSAVE writes the data as of the command, whatever clients write meanwhile", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-snap-"));
    dirs.push(dir);
    const [port] = await freeClusterPorts(1);
    let s = await startShoal([], { dir, port: port! });
    try {
      // Enough data that the snapshot is written in many batches, across event-loop turns.
      let fill = "";
      for (let i = 0; i < 100_000; i++) fill += cmd("SET", `k${i}`, "old");
      for (let i = 0; i < 2000; i++) fill += cmd("RPUSH", "list", `e${i}`);
      await exchange(s.port, fill);
      let during = cmd("BGSAVE");
      for (let i = 0; i < 100_000; i += 7) during += cmd("SET", `k${i}`, "new");
      during += cmd("DEL", "k1") + cmd("LTRIM", "list", "0", "9") + cmd("SET", "late", "1");
      await exchange(s.port, during);
      await waitFor(() => s.output().includes("Background saving terminated with success"), {
        timeout: 60_000,
      });
      await s.kill("SIGKILL");
      s = await startShoal([], { dir, port: port! });
      expect(
        await exchange(
          s.port,
          cmd("GET", "k0") +
            cmd("GET", "k1") +
            cmd("GET", "k99995") +
            cmd("LLEN", "list") +
            cmd("EXISTS", "late") +
            cmd("DBSIZE"),
        ),
      ).toBe("$3\r\nold\r\n$3\r\nold\r\n$3\r\nold\r\n:2000\r\n:0\r\n:100001\r\n");
    } finally {
      await s.kill("SIGKILL");
    }
  }, 120_000);

  it("a save point (save 1 1) snapshots changes in the background", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-snap-"));
    dirs.push(dir);
    const [port] = await freeClusterPorts(1);
    let s = await startShoal(["--save", "1", "1"], { dir, port: port! });
    try {
      await exchange(s.port, cmd("RPUSH", "saved", "a", "b"));
      await waitFor(() => s.output().includes("1 changes in 1 seconds. Saving..."), {
        timeout: 10_000,
      });
      await waitFor(() => s.output().includes("Background saving terminated with success"));
      await s.kill("SIGKILL");
      s = await startShoal([], { dir, port: port! });
      expect(await exchange(s.port, cmd("LRANGE", "saved", "0", "-1"))).toBe(
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
      );
    } finally {
      await s.kill("SIGKILL");
    }
  }, 60_000);

  it("a truncated or corrupt dump.rdb stops start-up with Redis's lines, nothing served", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-snap-"));
    dirs.push(dir);
    const start = () =>
      run(process.execPath, [MAIN_JS, "--port", "0", "--save", ""], { cwd: dir, timeout: 20_000 });
    // A Redis 7.0 header cut inside its first aux field.
    writeFileSync(
      path.join(dir, "dump.rdb"),
      Buffer.from("REDIS0010\xfa\tredis-ver\x067.0", "latin1"),
    );
    let r = await start();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "# Short read or OOM loading DB. Unrecoverable error, aborting now.",
    );
    expect(r.stdout).toContain(
      "# Fatal error loading the DB: Short read or OOM loading DB. Unrecoverable error, aborting now. Exiting.",
    );
    expect(r.stdout).not.toContain("Ready to accept connections");
    writeFileSync(path.join(dir, "dump.rdb"), "\x93garbage");
    r = await start();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "# Fatal error loading the DB: Wrong signature trying to load DB from file. Exiting.",
    );
  }, 60_000);

  it("FLUSHALL with save points rewrites the snapshot: a restart doesn't bring the data back", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-snap-"));
    dirs.push(dir);
    const [port] = await freeClusterPorts(1);
    let s = await startShoal(["--save", "3600", "1"], { dir, port: port! });
    try {
      await exchange(s.port, cmd("SET", "old", "1") + cmd("SAVE"));
      expect(await exchange(s.port, cmd("FLUSHALL") + cmd("SET", "after", "1"))).toBe(
        "+OK\r\n+OK\r\n",
      );
      await waitFor(() => s.output().includes("Background saving terminated with success"));
      await s.kill("SIGKILL");
      s = await startShoal([], { dir, port: port! });
      expect(await exchange(s.port, cmd("EXISTS", "old") + cmd("EXISTS", "after"))).toBe(
        ":0\r\n:0\r\n",
      );
    } finally {
      await s.kill("SIGKILL");
    }
  }, 60_000);

  it("SAVE, SIGKILL, restart: every type, TTLs and databases come back from dump.rdb", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-snap-"));
    dirs.push(dir);
    const [port] = await freeClusterPorts(1);
    let s = await startShoal([], { dir, port: port! });
    try {
      await exchange(s.port, FILL);
      expect(await exchange(s.port, cmd("SAVE"))).toBe("+OK\r\n");
      await s.kill("SIGKILL");
      s = await startShoal([], { dir, port: port! });
      await outputContaining(s, "DB loaded from disk");
      expect(await exchange(s.port, CHECK)).toBe(CHECKED);
      expect(await ttlOf(s.port, "ttl")).toBeGreaterThan(500_000);
    } finally {
      await s.kill("SIGKILL");
    }
  }, 60_000);
});

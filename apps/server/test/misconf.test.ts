// Writes refused while the node can't persist, against redis-server 7.0.15: after a failed
// BGSAVE with stop-writes-on-bgsave-error on and save points set, and after a failed AOF write
// (writeCommandsDeniedByDiskError in processCommand, scriptPrepareForRun and
// scriptVerifyWriteCommandAllow). Every reply byte for byte: writes and PING get MISCONF, reads
// pass, MULTI/EXEC, scripts with and without a shebang, functions, what lifts the stop, and a
// replica's (its clients refused, its master's writes applied or the replica stopped). A
// BGSAVE fails alike on both servers when `dbfilename` names a directory (the rename fails,
// even as root); an AOF write fails when the next incremental file is a link to /dev/full.
import { mkdirSync, rmdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import type { ServerHandle } from "@shoal/test-utils";
import { outputContaining, startRedisServer, waitFor } from "@shoal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { cmd, exchange, shoalAndRedisForSuite } from "./helpers.js";
import { cleanup, connect, handles, shoal, waitInSync } from "./replication-helpers.js";
import { runScenario } from "./tracking-helpers.js";

const MISCONF =
  "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";

const script = (...cmds: string[][]) => cmds.map((c) => cmd(...c)).join("");

type Pair = { readonly shoal: ServerHandle; readonly redis: ServerHandle };
const both = (s: Pair, payload: string) =>
  Promise.all([exchange(s.shoal.port, payload), exchange(s.redis.port, payload)]);

/** INFO persistence's field on one server. */
async function persistenceField(h: ServerHandle, field: string): Promise<string> {
  const text = await exchange(h.port, cmd("INFO", "persistence"));
  const m = new RegExp(`^${field}:(.*)\\r$`, "m").exec(text);
  if (m === null) throw new Error(`no ${field} in INFO persistence:\n${text}`);
  return m[1]!;
}

/** dump.rdb made a directory: the next save's rename fails. */
function blockSave(h: ServerHandle): void {
  const file = path.join(h.dir, "dump.rdb");
  rmSync(file, { recursive: true, force: true });
  mkdirSync(file);
}

/** BGSAVE once dump.rdb is a directory; resolves when it has failed. */
async function failBgsave(h: ServerHandle): Promise<void> {
  // FLUSHALL with save points saves too (at once on Redis, in the background on Shoal).
  await waitFor(async () => (await persistenceField(h, "rdb_bgsave_in_progress")) === "0");
  blockSave(h);
  expect(await exchange(h.port, cmd("BGSAVE"))).toBe("+Background saving started\r\n");
  await waitFor(
    async () =>
      (await persistenceField(h, "rdb_bgsave_in_progress")) === "0" &&
      (await persistenceField(h, "rdb_last_bgsave_status")) === "err",
    { what: `a failed BGSAVE on port ${h.port}` },
  );
}

/** dump.rdb can be written again (the test that failed a BGSAVE undoes it). */
function allowSave(h: ServerHandle): void {
  rmdirSync(path.join(h.dir, "dump.rdb"));
}

const failBoth = (s: Pair) => Promise.all([failBgsave(s.shoal), failBgsave(s.redis)]);
const allowBoth = (s: Pair) => {
  allowSave(s.shoal);
  allowSave(s.redis);
};

describe("after a failed BGSAVE (stop-writes-on-bgsave-error yes, save points set)", () => {
  const s = shoalAndRedisForSuite(["--save", "3600", "1"]);

  it("writes and PING get MISCONF, reads and admin commands pass; INFO says err", async () => {
    await both(s, script(["FLUSHALL"], ["SET", "a", "1"], ["RPUSH", "l", "x"]));
    await failBoth(s);
    const payload = script(
      ["SET", "a", "2"],
      ["PING"],
      ["PING", "hello"],
      ["GET", "a"],
      ["ECHO", "hi"],
      ["INCR", "n"],
      ["DEL", "a"],
      ["LPOP", "l"],
      ["EXPIRE", "a", "10"],
      ["FLUSHALL"],
      ["LRANGE", "l", "0", "-1"],
      ["PUBLISH", "ch", "m"],
      ["SCRIPT", "LOAD", "return 1"],
      ["CONFIG", "GET", "stop-writes-on-bgsave-error"],
      ["DBSIZE"],
      ["HELLO", "3"],
      ["PING"],
      ["SET", "a", "3"],
      ["HELLO", "2"],
      ["SUBSCRIBE", "ch"],
      ["PING"],
      ["UNSUBSCRIBE"],
    );
    // HELLO's client id is each server's own count.
    const noId = (t: string) => t.replaceAll(/\$2\r\nid\r\n:\d+\r\n/g, "$2\r\nid\r\n:<id>\r\n");
    const [mine, ref] = (await both(s, payload)).map(noId) as [string, string];
    expect(mine).toContain("$2\r\nid\r\n:<id>\r\n");
    expect(mine.split(MISCONF).length - 1).toBe(11);
    expect(mine).toBe(ref);
    expect(await persistenceField(s.shoal, "rdb_last_bgsave_status")).toBe("err");
    // The commands a rejection counts (rejected_calls) and INFO errorstats, as Redis.
    const stats = script(["INFO", "errorstats"]);
    const [es, er] = await both(s, stats);
    expect(es).toContain("errorstat_MISCONF:count=");
    expect(es.match(/errorstat_MISCONF:count=\d+/)?.[0]).toBe(
      er.match(/errorstat_MISCONF:count=\d+/)?.[0],
    );
    allowBoth(s);
    await both(s, cmd("SAVE"));
  });

  it("MULTI: a write or PING queued gets MISCONF and EXEC aborts; a read-only transaction runs", async () => {
    await both(s, script(["FLUSHALL"], ["SET", "a", "1"]));
    await failBoth(s);
    const payload = script(
      ["MULTI"],
      ["GET", "a"],
      ["SET", "a", "2"],
      ["EXEC"],
      ["MULTI"],
      ["PING"],
      ["EXEC"],
      ["MULTI"],
      ["GET", "a"],
      ["EXISTS", "a"],
      ["EXEC"],
      // EVAL without a shebang is no write when queued: EXEC runs it, its redis.call fails.
      ["MULTI"],
      ["EVAL", "return redis.call('set','a','9')", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0"],
      ["EXEC"],
      ["GET", "a"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toContain("-EXECABORT Transaction discarded because of previous errors.\r\n");
    expect(mine).toBe(ref);
    allowBoth(s);
    await both(s, cmd("SAVE"));
  });

  it("EXEC of writes queued before the failure is aborted with the MISCONF reason", async () => {
    // The stop is lifted (stop-writes-on-bgsave-error no) while B queues, then put back.
    await failBoth(s);
    const steps = [
      { on: "a", send: [["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]] },
      { on: "b", send: [["MULTI"], ["SET", "k", "1"], ["GET", "k"]] },
      { on: "a", send: [["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"]] },
      { on: "b", send: [["EXEC"], ["EXISTS", "k"]] },
      { on: "b", send: [["MULTI"], ["GET", "k"], ["EXEC"]] },
    ];
    const conns = { a: 2, b: 2 } as const;
    const [mine, ref] = await Promise.all([
      runScenario(s.shoal.port, conns, steps),
      runScenario(s.redis.port, conns, steps),
    ]);
    expect(mine.join("")).toContain(
      `-EXECABORT Transaction discarded because of: ${MISCONF.slice(1)}`,
    );
    expect(mine).toEqual(ref);
    allowBoth(s);
    await both(s, cmd("SAVE"));
  });

  it("scripts: a shebang without no-writes is a write; others fail at their first write", async () => {
    await both(s, script(["FLUSHALL"], ["SCRIPT", "FLUSH"], ["SET", "x", "1"]));
    await failBoth(s);
    const payload = script(
      // No shebang: redis.call raises the error (with the script's location), pcall returns it.
      ["EVAL", "return redis.call('set','x','2')", "0"],
      ["EVAL", "return redis.pcall('set','x','2')", "0"],
      ["EVAL", "local r = redis.pcall('set','x','2'); return r['err']", "0"],
      ["EVAL", "local v = redis.call('get','x'); redis.call('incr','x'); return v", "0"],
      ["EVAL", "return redis.call('get','x')", "0"],
      ["EVAL_RO", "return redis.call('get','x')", "0"],
      // A shebang: its flags make EVAL a write (refused up front) or a read.
      ["EVAL", "#!lua\nreturn redis.call('set','x','2')", "0"],
      ["EVAL", "#!lua\nreturn 1", "0"],
      ["EVAL", "#!lua flags=allow-oom\nreturn 1", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','x')", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('set','x','2')", "0"],
      ["SCRIPT", "LOAD", "#!lua\nreturn redis.call('set','x','3')"],
      ["SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 7"],
      ["GET", "x"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toContain(MISCONF);
    expect(mine).toContain("@user_script:1.");
    expect(mine).toBe(ref);
    // The scripts SCRIPT LOAD cached, by their SHA.
    const shas = [...ref.matchAll(/\$40\r\n([0-9a-f]{40})\r\n/g)].map((m) => m[1]!);
    expect(shas).toHaveLength(2);
    const [m2, r2] = await both(
      s,
      script(["EVALSHA", shas[0]!, "0"], ["EVALSHA", shas[1]!, "0"], ["EVALSHA_RO", shas[1]!, "0"]),
    );
    expect(m2).toContain(MISCONF);
    expect(m2).toBe(r2);
    // Refused and failed calls are counted on EVAL's and EVALSHA's own commandstats lines.
    const counts = (t: string) =>
      [...t.matchAll(/^cmdstat_(eval\w*):.*(rejected_calls=\d+,failed_calls=\d+)/gm)]
        .map((m) => `${m[1]} ${m[2]}`)
        .sort();
    const [cm, cr] = await both(s, cmd("INFO", "commandstats"));
    expect(counts(cr).join()).toMatch(/eval rejected_calls=[1-9]/);
    expect(counts(cm)).toEqual(counts(cr));
    allowBoth(s);
    await both(s, cmd("SAVE"));
  });

  it("functions: FUNCTION LOAD/DELETE/FLUSH are writes, FCALL as the function's flags say", async () => {
    const lib = `#!lua name=mlib
redis.register_function('w', function(k, a) return redis.call('set', k[1], a[1]) end)
redis.register_function{function_name='wf', callback=function(k, a) return redis.call('set', k[1], a[1]) end, flags={}}
redis.register_function{function_name='r', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}`;
    await both(
      s,
      script(["FLUSHALL"], ["FUNCTION", "FLUSH"], ["FUNCTION", "LOAD", lib], ["SET", "a", "1"]),
    );
    await failBoth(s);
    const payload = script(
      ["FCALL", "r", "1", "a"],
      ["FCALL", "w", "1", "a", "2"],
      ["FCALL", "wf", "1", "a", "2"],
      ["FCALL_RO", "w", "1", "a", "2"],
      ["FCALL_RO", "r", "1", "a"],
      ["FUNCTION", "LOAD", "REPLACE", lib],
      ["FUNCTION", "DELETE", "mlib"],
      ["FUNCTION", "FLUSH"],
      ["FCALL", "r", "1", "a"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toContain(MISCONF);
    expect(mine).toBe(ref);
    allowBoth(s);
    await both(s, cmd("SAVE"));
  });

  it("a script whose flags were not known when queued is refused by scriptPrepareForRun", async () => {
    // EVALSHA queued before its shebang script is cached: EXEC's flags say no write, so the
    // script itself is refused, in scriptPrepareForRun's words, inside EXEC's reply.
    const body = "#!lua\nreturn redis.call('set','q','1')";
    const [loaded] = await both(s, script(["FLUSHALL"], ["SCRIPT", "LOAD", body]));
    const digest = /([0-9a-f]{40})/.exec(loaded)![1]!;
    await both(s, cmd("SCRIPT", "FLUSH"));
    await failBoth(s);
    const steps = [
      { on: "b", send: [["MULTI"], ["EVALSHA", digest, "0"], ["GET", "q"]] },
      { on: "a", send: [["SCRIPT", "LOAD", body]] },
      { on: "b", send: [["EXEC"]] },
      {
        on: "a",
        send: [
          ["EVALSHA", digest, "0"],
          ["EXISTS", "q"],
        ],
      },
    ];
    const conns = { a: 2, b: 2 } as const;
    const [mine, ref] = await Promise.all([
      runScenario(s.shoal.port, conns, steps),
      runScenario(s.redis.port, conns, steps),
    ]);
    expect(mine.join("")).toContain(
      "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.\r\n",
    );
    expect(mine).toEqual(ref);
    allowBoth(s);
    await both(s, cmd("SAVE"));
  });

  it("lifts once a BGSAVE or SAVE succeeds, or with stop-writes-on-bgsave-error no or save ''", async () => {
    await both(s, cmd("FLUSHALL"));
    // A SAVE that fails (dump.rdb a directory) answers a bare ERR and leaves the stop as it is.
    await failBoth(s);
    const [m1, r1] = await both(
      s,
      script(
        ["SAVE"],
        ["SET", "a", "1"],
        ["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
        ["SET", "a", "2"],
        ["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"],
        ["SET", "a", "3"],
        ["CONFIG", "SET", "save", ""],
        ["SET", "a", "4"],
        ["CONFIG", "SET", "save", "3600 1"],
        ["SET", "a", "5"],
        ["GET", "a"],
      ),
    );
    expect(m1).toContain("-ERR\r\n");
    expect(m1.split(MISCONF).length - 1).toBe(3);
    expect(m1).toBe(r1);

    // A BGSAVE that succeeds lifts it.
    allowBoth(s);
    await Promise.all(
      [s.shoal, s.redis].map(async (h) => {
        await exchange(h.port, cmd("BGSAVE"));
        await waitFor(async () => (await persistenceField(h, "rdb_last_bgsave_status")) === "ok");
      }),
    );
    const [m2, r2] = await both(s, script(["SET", "a", "6"], ["PING"]));
    expect(m2).toBe("+OK\r\n+PONG\r\n");
    expect(m2).toBe(r2);

    // So does a SAVE that succeeds.
    blockSave(s.shoal);
    blockSave(s.redis);
    await Promise.all([s.shoal, s.redis].map((h) => exchange(h.port, cmd("BGSAVE"))));
    await Promise.all(
      [s.shoal, s.redis].map((h) =>
        waitFor(async () => (await persistenceField(h, "rdb_last_bgsave_status")) === "err"),
      ),
    );
    allowBoth(s);
    const [m3, r3] = await both(s, script(["SET", "a", "7"], ["SAVE"], ["SET", "a", "8"]));
    expect(m3).toBe(`${MISCONF}+OK\r\n+OK\r\n`);
    expect(m3).toBe(r3);
  });
});

describe("without save points, or with stop-writes-on-bgsave-error no", () => {
  const s = shoalAndRedisForSuite(["--stop-writes-on-bgsave-error", "no", "--save", "3600", "1"]);

  it("a failed BGSAVE stops nothing", async () => {
    await failBoth(s);
    const payload = script(
      ["SET", "a", "1"],
      ["PING"],
      ["EVAL", "#!lua\nreturn redis.call('set','x','2')", "0"],
      ["CONFIG", "SET", "save", ""],
      ["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"],
      ["SET", "a", "2"],
      ["CONFIG", "SET", "save", "3600 1"],
      ["SET", "a", "3"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toBe(`+OK\r\n+PONG\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n${MISCONF}`);
    expect(mine).toBe(ref);
    allowBoth(s);
  });
});

describe("after a failed AOF write (appendonly yes)", () => {
  const s = shoalAndRedisForSuite(["--appendonly", "yes"]);

  it("writes and PING get MISCONF with the write's strerror until appendonly is turned off", async () => {
    // The incremental file BGREWRITEAOF opens next is /dev/full: every write to it fails ENOSPC.
    for (const h of [s.shoal, s.redis]) {
      symlinkSync("/dev/full", path.join(h.dir, "appendonlydir", "appendonly.aof.2.incr.aof"));
      expect(await exchange(h.port, cmd("BGREWRITEAOF"))).toBe(
        "+Background append only file rewriting started\r\n",
      );
      await waitFor(async () => (await persistenceField(h, "aof_rewrite_in_progress")) === "0");
      // The write that meets the error is answered (its reply was made before the AOF write).
      expect(await exchange(h.port, cmd("SET", "a", "1"))).toBe("+OK\r\n");
      expect(await persistenceField(h, "aof_last_write_status")).toBe("err");
    }
    const payload = script(
      ["SET", "a", "2"],
      ["PING"],
      ["GET", "a"],
      ["EVAL", "return redis.call('set','x','2')", "0"],
      ["EVAL", "#!lua\nreturn 1", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0"],
      ["MULTI"],
      ["SET", "a", "3"],
      ["EXEC"],
      ["CONFIG", "SET", "appendonly", "no"],
      ["SET", "a", "4"],
      ["GET", "a"],
    );
    const [mine, ref] = await both(s, payload);
    expect(mine).toContain("-MISCONF Errors writing to the AOF file: No space left on device\r\n");
    expect(mine).toBe(ref);
  });
});

describe("a replica whose BGSAVE failed", () => {
  afterEach(cleanup);

  /** A master and a replica that saves (and applies its master's writes despite errors). */
  async function pair(
    kind: "shoal" | "redis",
    ignore = "yes",
  ): Promise<{ master: ServerHandle; replica: ServerHandle }> {
    const start = async (args: string[]) => {
      if (kind === "shoal") return shoal(args);
      const h = await startRedisServer({ args });
      handles.push(h);
      return h;
    };
    const master = await start([]);
    const replica = await start([
      "--save",
      "3600",
      "1",
      "--replica-ignore-disk-write-errors",
      ignore,
      "--replicaof",
      "127.0.0.1",
      String(master.port),
    ]);
    await waitInSync(connect(master.port), connect(replica.port));
    return { master, replica };
  }

  it("answers MISCONF before READONLY, PING too, and applies its master's writes with a warning", async () => {
    const [sh, rd] = await Promise.all([pair("shoal"), pair("redis")]);
    await Promise.all([failBgsave(sh.replica), failBgsave(rd.replica)]);
    const payload = script(["PING"], ["SET", "a", "1"], ["GET", "a"], ["EVAL", "return 1", "0"]);
    const [mine, ref] = await Promise.all([
      exchange(sh.replica.port, payload),
      exchange(rd.replica.port, payload),
    ]);
    expect(mine).toBe(`${MISCONF}${MISCONF}$-1\r\n:1\r\n`);
    expect(mine).toBe(ref);
    for (const { master, replica } of [sh, rd]) {
      expect(await exchange(master.port, cmd("SET", "k", "v"))).toBe("+OK\r\n");
      await waitFor(async () => (await exchange(replica.port, cmd("GET", "k"))) === "$1\r\nv\r\n");
      await outputContaining(
        replica,
        "Replica is applying a command even though it is unable to write to disk.",
      );
    }
  });

  it("stops at its master's first write with replica-ignore-disk-write-errors no, as Redis panics", async () => {
    const [sh, rd] = await Promise.all([pair("shoal", "no"), pair("redis", "no")]);
    await Promise.all([failBgsave(sh.replica), failBgsave(rd.replica)]);
    for (const { master, replica } of [sh, rd]) {
      expect(await exchange(master.port, cmd("SET", "k", "v"))).toBe("+OK\r\n");
      await waitFor(
        () => replica.process.exitCode !== null || replica.process.signalCode !== null,
        {
          what: `replica on port ${replica.port} to stop`,
        },
      );
      expect(replica.output()).toContain("Replica was unable to write command to disk.");
    }
  });
});

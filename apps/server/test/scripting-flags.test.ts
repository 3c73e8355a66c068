// The shebang flags that change what the server lets a script do, against redis-server 7.0.15
// (issue 15): a `no-writes` script runs during CLIENT PAUSE WRITE while others wait, a stale
// replica refuses all but `allow-stale` scripts (and their commands not flagged stale), and past
// maxmemory only `allow-oom` and `no-writes` scripts run (evalGetCommandFlags in processCommand,
// then scriptPrepareForRun and scriptCall's checks). Also SCRIPT FLUSH ASYNC and FUNCTION FLUSH
// ASYNC: their replies, and the cache or libraries gone for the very next command.
import { freePort, waitFor } from "@shoal/test-utils";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { cmd, exchange, shoalAndRedisForSuite } from "./helpers.js";
import { runScenario } from "./tracking-helpers.js";

const servers = shoalAndRedisForSuite();
const both = (payload: string) =>
  Promise.all([exchange(servers.shoal.port, payload), exchange(servers.redis.port, payload)]);
const ev = (body: string, ...rest: string[]) => cmd("EVAL", body, ...rest);

const RESET = cmd("FLUSHALL") + cmd("SCRIPT", "FLUSH") + cmd("FUNCTION", "FLUSH");
const LIB = `#!lua name=flagslib
redis.register_function{function_name='ro', callback=function() return 1 end, flags={'no-writes'}}
redis.register_function{function_name='stale', callback=function() return 2 end, flags={'allow-stale','no-writes'}}
redis.register_function{function_name='rw', callback=function(keys) return redis.call('set', keys[1], 'v') end}
redis.register_function{function_name='oom', callback=function(keys) return redis.call('set', keys[1], 'v') end, flags={'allow-oom'}}`;

describe("SCRIPT FLUSH ASYNC, FUNCTION FLUSH ASYNC", () => {
  it("answer as Redis and take effect at once", async () => {
    const sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
    const lib = "#!lua name=x\nredis.register_function('f', function() return 1 end)";
    const payload =
      RESET +
      cmd("SCRIPT", "LOAD", "return 1") +
      cmd("SCRIPT", "FLUSH", "ASYNC") +
      cmd("SCRIPT", "EXISTS", sha) +
      cmd("EVALSHA", sha, "0") +
      cmd("SCRIPT", "LOAD", "return 1") +
      cmd("SCRIPT", "FLUSH", "SYNC") +
      cmd("SCRIPT", "EXISTS", sha) +
      cmd("SCRIPT", "FLUSH", "bogus") +
      cmd("SCRIPT", "FLUSH", "ASYNC", "SYNC") +
      cmd("FUNCTION", "LOAD", lib) +
      cmd("FUNCTION", "FLUSH", "ASYNC") +
      cmd("FUNCTION", "LIST") +
      cmd("FCALL", "f", "0") +
      cmd("FUNCTION", "FLUSH", "bogus") +
      cmd("FUNCTION", "FLUSH", "SYNC", "ASYNC") +
      cmd("CONFIG", "SET", "lazyfree-lazy-user-flush", "yes") +
      cmd("SCRIPT", "LOAD", "return 1") +
      cmd("SCRIPT", "FLUSH") +
      cmd("SCRIPT", "EXISTS", sha) +
      cmd("CONFIG", "SET", "lazyfree-lazy-user-flush", "no") +
      cmd("MULTI") +
      cmd("SCRIPT", "FLUSH", "ASYNC") +
      cmd("EXEC");
    const [s, r] = await both(payload);
    expect(s).toBe(r);
    expect(r).toContain("-NOSCRIPT No matching script. Please use EVAL.\r\n");
    expect(r).toContain("-ERR Function not found\r\n");
  });
});

describe("a replica cut from its master", () => {
  it("refuses scripts as Redis does: READONLY before MASTERDOWN, allow-stale runs, its commands checked", async () => {
    const deadMaster = await freePort();
    const setup =
      RESET +
      cmd("FUNCTION", "LOAD", LIB) +
      cmd("REPLICAOF", "127.0.0.1", String(deadMaster)) +
      cmd("CONFIG", "SET", "replica-read-only", "yes") +
      cmd("CONFIG", "SET", "replica-serve-stale-data", "yes");
    const scripts =
      ev("#!lua\nreturn 1", "0") +
      ev("#!lua flags=no-writes\nreturn 1", "0") +
      ev("return 1", "0") +
      cmd("FCALL", "rw", "1", "k") +
      cmd("CONFIG", "SET", "replica-serve-stale-data", "no") +
      ev("#!lua\nreturn 1", "0") +
      ev("#!lua flags=no-writes\nreturn 1", "0") +
      ev("#!lua flags=no-writes,allow-stale\nreturn 1", "0") +
      ev("return 1", "0") +
      ev("#!lua flags=allow-stale\nreturn 1", "0") +
      cmd("FCALL", "ro", "0") +
      cmd("FCALL", "stale", "0") +
      cmd("FCALL_RO", "stale", "0") +
      cmd("FCALL", "rw", "1", "k") +
      cmd("CONFIG", "SET", "replica-read-only", "no") +
      ev("#!lua flags=allow-stale\nreturn 1", "0") +
      ev("#!lua flags=allow-stale\nreturn redis.call('get', 'x')", "0") +
      ev("#!lua flags=allow-stale\nreturn redis.pcall('ping')", "0") +
      ev("#!lua flags=allow-stale\nreturn redis.call('config', 'get', 'replica-read-only')", "0") +
      cmd("GET", "x");
    const teardown =
      cmd("REPLICAOF", "NO", "ONE") +
      cmd("CONFIG", "SET", "replica-serve-stale-data", "yes") +
      cmd("CONFIG", "SET", "replica-read-only", "yes");
    try {
      await both(setup);
      const [s, r] = await both(scripts);
      expect(s).toBe(r);
      expect(r).toContain("-MASTERDOWN Link with MASTER is down");
      expect(r).toContain("-READONLY You can't write against a read only replica.");
      expect(r).toContain("Can not execute the command on a stale replica script:");
      expect(r).toContain(":2\r\n");
    } finally {
      await both(teardown);
    }
  });
});

describe("past maxmemory", () => {
  it("runs allow-oom and no-writes scripts only; a script without a shebang is refused its first write", async () => {
    const payload =
      RESET +
      cmd("FUNCTION", "LOAD", LIB) +
      cmd("SET", "k", "1") +
      cmd("CONFIG", "SET", "maxmemory-policy", "noeviction") +
      cmd("CONFIG", "SET", "maxmemory", "1") +
      ev("#!lua\nreturn 1", "0") +
      ev("#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'x')", "1", "k") +
      ev("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "k") +
      ev("return redis.call('get', KEYS[1])", "1", "k") +
      ev("return redis.call('set', KEYS[1], 'y')", "1", "k") +
      ev("return redis.pcall('set', KEYS[1], 'y')", "1", "k") +
      ev("redis.call('del', KEYS[1]); return redis.call('set', KEYS[1], 'z')", "1", "k") +
      cmd("FCALL", "rw", "1", "k") +
      cmd("FCALL", "oom", "1", "k") +
      cmd("FCALL", "ro", "0") +
      cmd("CONFIG", "SET", "maxmemory", "0") +
      cmd("GET", "k");
    const [s, r] = await both(payload);
    expect(s).toBe(r);
    expect(r).toContain("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(r).toContain("-OOM command not allowed when used memory > 'maxmemory'. script:");
  });
});

describe("CLIENT PAUSE WRITE", () => {
  /** What each script got while the pause held, on one server. */
  async function underPause(port: number): Promise<string[]> {
    const admin = new Redis({ port, lazyConnect: true });
    const user = new Redis({ port, lazyConnect: true });
    await Promise.all([admin.connect(), user.connect()]);
    try {
      await admin.set("k", "v");
      await admin.call("CLIENT", "PAUSE", "60000", "WRITE");
      const events: string[] = [];
      const run = (label: string, p: Promise<unknown>) =>
        p.then(
          (v) => events.push(`${label}=${String(v)}`),
          (e: Error) => events.push(`${label}!${e.message}`),
        );
      // Sent one after another on one connection: a held script holds the ones after it, so
      // each is sent on its own once the one before was answered or seen held.
      await run(
        "no-writes",
        user.eval("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", 1, "k"),
      );
      await run("eval_ro", user.call("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"));
      const held = run("compat", user.eval("return redis.call('get', KEYS[1])", 1, "k"));
      await waitFor(async () => /blocked_clients:1/.test(await admin.info("clients")));
      events.push("held");
      await admin.call("CLIENT", "UNPAUSE");
      await held;
      return events;
    } finally {
      admin.disconnect();
      user.disconnect();
    }
  }

  it("lets no-writes scripts and EVAL_RO run while scripts that may write wait", async () => {
    const s = await underPause(servers.shoal.port);
    const r = await underPause(servers.redis.port);
    expect(s).toEqual(r);
    expect(r).toEqual(["no-writes=v", "eval_ro=v", "held", "compat=v"]);
  });

  it("holds a script whose shebang allows writes", async () => {
    async function held(port: number): Promise<string[]> {
      const admin = new Redis({ port, lazyConnect: true });
      const user = new Redis({ port, lazyConnect: true });
      await Promise.all([admin.connect(), user.connect()]);
      try {
        await admin.call("CLIENT", "PAUSE", "60000", "WRITE");
        const events: string[] = [];
        const p = user.eval("#!lua\nreturn 1", 0).then((v) => events.push(`shebang=${v}`));
        await waitFor(async () => /blocked_clients:1/.test(await admin.info("clients")));
        events.push("held");
        await admin.call("CLIENT", "UNPAUSE");
        await p;
        return events;
      } finally {
        admin.disconnect();
        user.disconnect();
      }
    }
    const s = await held(servers.shoal.port);
    expect(s).toEqual(await held(servers.redis.port));
    expect(s).toEqual(["held", "shebang=1"]);
  });
});

describe("EXEC of queued scripts", () => {
  it("is checked by the flags the scripts had when queued (mstate.cmd_flags): OOM, CLIENT PAUSE WRITE", async () => {
    // maxmemory arrives after B queued a writing shebang script: EXEC is refused as a denyoom
    // command; a no-writes script queued under CLIENT PAUSE WRITE runs at once.
    const steps = [
      { on: "a", send: [["CONFIG", "SET", "maxmemory", "0"]] },
      { on: "b", send: [["MULTI"], ["EVAL", "#!lua\nreturn redis.call('set','k','1')", "0"]] },
      { on: "a", send: [["CONFIG", "SET", "maxmemory", "1"]] },
      { on: "b", send: [["EXEC"]] },
      { on: "a", send: [["CONFIG", "SET", "maxmemory", "0"]] },
      { on: "b", send: [["MULTI"], ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"]] },
      { on: "a", send: [["CLIENT", "PAUSE", "60000", "WRITE"]] },
      { on: "b", send: [["EXEC"], ["EXISTS", "k"]] },
      { on: "a", send: [["CLIENT", "UNPAUSE"]] },
    ];
    const conns = { a: 2, b: 2 } as const;
    const [mine, ref] = await Promise.all([
      runScenario(servers.shoal.port, conns, steps),
      runScenario(servers.redis.port, conns, steps),
    ]);
    expect(mine.join("")).toContain(
      "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n",
    );
    expect(mine.join("")).toContain("*1\r\n:1\r\n:0\r\n");
    expect(mine).toEqual(ref);
  });

  it("a shebang script refused for memory is counted on EVAL's commandstats line", async () => {
    const payload =
      cmd("CONFIG", "RESETSTAT") +
      cmd("CONFIG", "SET", "maxmemory", "1") +
      cmd("EVAL", "#!lua\nreturn 1", "0") +
      cmd("CONFIG", "SET", "maxmemory", "0") +
      cmd("INFO", "commandstats");
    const line = (t: string) =>
      /^cmdstat_eval:.*(rejected_calls=\d+,failed_calls=\d+)/m.exec(t)?.[1];
    const [s, r] = await both(payload);
    expect(line(r)).toBe("rejected_calls=1,failed_calls=0");
    expect(line(s)).toBe(line(r));
  });
});

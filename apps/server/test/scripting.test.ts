// Lua scripting and functions against redis-server 7.0.15 (issue 15): the same bytes to a
// shoal-server and a redis-server, byte-for-byte the same replies, in RESP2 and RESP3; a busy
// script answered with BUSY and killed; the effects a script propagates to the AOF.
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { freePort, type ServerHandle, sleep, startRedisServer, waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, startShoal } from "./helpers.js";

let shoal: ServerHandle;
let redis: ServerHandle;

beforeAll(async () => {
  [shoal, redis] = await Promise.all([
    startShoal(["--busy-reply-threshold", "200"], { port: await freePort() }),
    startRedisServer({ port: await freePort(), args: ["--busy-reply-threshold", "200"] }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([shoal?.stop(), redis?.stop()]);
});

/** Runs the commands on both servers (after FLUSHALL and SCRIPT/FUNCTION FLUSH), returns both. */
async function both(payload: string): Promise<[string, string]> {
  const reset = cmd("FLUSHALL") + cmd("SCRIPT", "FLUSH") + cmd("FUNCTION", "FLUSH");
  return Promise.all([
    exchange(shoal.port, reset + payload),
    exchange(redis.port, reset + payload),
  ]) as Promise<[string, string]>;
}

const ev = (body: string, ...rest: string[]) => cmd("EVAL", body, ...rest);

const CASES: [string, string][] = [
  [
    // sort.c: a set's BY nosort output is sorted ALPHA when the caller is a script.
    "SORT BY nosort on a set is sorted ALPHA from a script; a list keeps its order",
    cmd("SADD", "s", "c", "a", "b", "10", "9", "100", "bb") +
      cmd("SADD", "n", "3", "1", "20", "2") +
      cmd("RPUSH", "l", "z", "y", "x") +
      cmd("MSET", "w_a", "1", "w_b", "2") +
      ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort')", "1", "s") +
      ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'DESC')", "1", "s") +
      ev(
        "return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'LIMIT', '1', '3', 'GET', '#', 'GET', 'w_*')",
        "1",
        "s",
      ) +
      ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort')", "1", "n") +
      ev("return redis.call('SORT_RO', KEYS[1], 'BY', 'nosort')", "1", "s") +
      ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'DESC')", "1", "l") +
      ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'STORE', KEYS[2])", "2", "s", "d") +
      cmd("LRANGE", "d", "0", "-1"),
  ],
  ["conversions", ev('return {1,2,{3,"x"},"ok",false,true}', "0")],
  ["nil stops an array", ev("return {1,2,3,'x',nil,4}", "0")],
  ["numbers truncate", ev("return 3.99", "0") + ev("return -2.5", "0")],
  ["5.1 number printing", ev("return tostring(10/2) .. ' ' .. tostring(2^53) .. ' ' .. 1/3", "0")],
  [
    // luaArgsToArgbuf's "%.17g": whole numbers below 2^53 as digits, the rest as snprintf has them.
    "numbers as redis.call arguments",
    ev(
      "local t = {} for i, n in ipairs({0, -0, 7, -7, 10000, 1765139171000, 2^53 - 1, -(2^53 - 1), 2^53, -(2^53), 1e16, 1e17, 1e17 + 2^20, 2^63, 0.5, -2.5, 1/3, 1e-5, 1/0, -1/0, 0/0}) do redis.call('RPUSH', KEYS[1], n) end return redis.call('LRANGE', KEYS[1], 0, -1)",
      "1",
      "nums",
    ),
  ],
  [
    "status and error tables",
    ev('return redis.status_reply("FINE")', "0") + ev('return {err="My\\nerr"}', "0"),
  ],
  [
    "error_reply",
    ev("return redis.error_reply('MY err')", "0") + ev("return redis.error_reply('-X y')", "0"),
  ],
  [
    "typed tables",
    ev("return {double=3.5}", "0") +
      ev('return {big_number="123"}', "0") +
      ev("return {map={a=1}}", "0") +
      ev("return {set={a=true}}", "0"),
  ],
  [
    "KEYS and ARGV",
    ev("return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2"),
  ],
  [
    "redis.call writes and reads",
    ev("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])", "1", "k", "v"),
  ],
  [
    // redis.call's arguments are views of the engine's memory, written over by the next call
    // (and moved when a long one grows the region): what a command keeps must be its own copy.
    "what commands keep outlives redis.call's argument region",
    ev(
      "redis.call('SET','a','x1'); redis.call('HSET','h','f','v2'); redis.call('RPUSH','l','e3'); redis.call('XADD','s','1-1','f','v4'); redis.call('SET','b',string.rep('y',70000)); redis.call('SADD','t','m5'); return {redis.call('GET','a'), redis.call('HGET','h','f'), redis.call('LINDEX','l',0), redis.call('XRANGE','s','-','+'), #redis.call('GET','b'), redis.call('SMEMBERS','t')}",
      "0",
    ) +
      ev(
        "return {redis.call('GET','a'), redis.call('HGETALL','h'), redis.call('LRANGE','l',0,-1)}",
        "0",
      ),
  ],
  [
    "call replies to Lua",
    cmd("RPUSH", "l", "a", "b") +
      cmd("HSET", "h", "f", "v") +
      ev(
        "return {redis.call('LRANGE','l',0,-1), redis.call('HGETALL','h'), redis.call('GET','nokey'), redis.call('INCR','n'), redis.call('SET','s','1').ok, type(redis.call('GET','nokey'))}",
        "0",
      ),
  ],
  [
    "RESP3 replies inside the script",
    cmd("HSET", "h", "f", "v") +
      cmd("ZADD", "z", "1.5", "m") +
      ev(
        "redis.setresp(3); local m = redis.call('HGETALL','h'); local z = redis.call('ZRANGE','z',0,-1,'WITHSCORES'); return {m.map.f, tostring(z[1][2].double), redis.call('HGETALL','h')}",
        "0",
      ),
  ],
  [
    "a map returned to a RESP2 client",
    cmd("HSET", "h", "f", "v") + ev("redis.setresp(3); return redis.call('HGETALL','h')", "0"),
  ],
  [
    "redis.call errors",
    cmd("SET", "s", "x") +
      ev("return redis.call('LPUSH','s','a')", "0") +
      ev("return redis.call('nosuch')", "0") +
      ev("return redis.call('incr')", "0") +
      ev("return redis.call('multi')", "0") +
      ev("return redis.call()", "0") +
      ev("return redis.call('get', {})", "0"),
  ],
  [
    "redis.pcall errors",
    cmd("SET", "s", "x") +
      ev("return redis.pcall('LPUSH','s','a')", "0") +
      ev("local r = redis.pcall('nosuch'); return r.err", "0"),
  ],
  [
    "pcall catches a redis.call error",
    cmd("SET", "s", "x") +
      ev("local ok, e = pcall(redis.call, 'INCR', 's'); return {tostring(ok), e}", "0"),
  ],
  [
    "runtime and compile errors",
    ev("error('boom')", "0") +
      ev("error({err='X y'})", "0") +
      ev("return x.y", "0") +
      ev("x=", "0"),
  ],
  [
    "globals are protected",
    ev("x = 1", "0") +
      ev("return y", "0") +
      ev("return type(getfenv)", "0") +
      ev("local t = string; t.x = 1", "0"),
  ],
  [
    "libraries",
    ev(
      "return {cjson.encode({1,2,'x'}), cjson.decode('[1,2]')[2], cmsgpack.unpack(cmsgpack.pack({1,'a'}))[2], bit.bxor(5,3), struct.pack('>I2', 258), redis.sha1hex('abc')}",
      "0",
    ),
  ],
  [
    "math.random is seeded per call",
    ev("return {math.random(100), math.random(100), tostring(math.random())}", "0") +
      ev("return {math.random(100), math.random(100)}", "0"),
  ],
  ["version", ev("return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, _VERSION}", "0")],
  [
    "numkeys",
    ev("return 1", "x") + ev("return 1", "-1") + ev("return 1", "2", "a") + ev("return 1"),
  ],
  [
    "EVALSHA and the cache",
    cmd("SCRIPT", "LOAD", "return 'hi'") +
      cmd("EVALSHA", "cc1fcc1e5c1e1e6ed1a1e6d8e6f9e7d0c8e7f4a2", "0") +
      cmd("EVALSHA", "b4f8ee76c5a2ec5e06a6d2d8b2a4b8b4cb0c0d80", "0") +
      cmd("EVALSHA", "abc", "0") +
      cmd("SCRIPT", "EXISTS", "b4f8ee76c5a2ec5e06a6d2d8b2a4b8b4cb0c0d80", "nope") +
      ev("return 'hi'", "0") +
      cmd("SCRIPT", "EXISTS", "ea0ac4ad0c3bc6d7a0e7f2d1f2b40d7b1d0e9ad1") +
      cmd("SCRIPT", "LOAD", "x="),
  ],
  [
    "SCRIPT subcommands",
    cmd("SCRIPT", "FLUSH", "ASYNC") +
      cmd("SCRIPT", "FLUSH", "bad") +
      cmd("SCRIPT", "KILL") +
      cmd("SCRIPT", "HELP") +
      cmd("SCRIPT", "EXISTS") +
      cmd("SCRIPT", "NOPE") +
      cmd("SCRIPT", "DEBUG", "no") +
      cmd("SCRIPT", "DEBUG", "maybe"),
  ],
  [
    "shebang flags",
    ev("#!lua flags=no-writes\nreturn redis.call('set','x','1')", "0") +
      ev("#!lua flags=bogus\nreturn 1", "0") +
      ev("#!lua\nreturn 1", "0") +
      ev("#!lua", "0") +
      cmd("EVAL_RO", "#!lua\nreturn 1", "0") +
      cmd("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"),
  ],
  [
    "read-only scripts",
    cmd("EVAL_RO", "return redis.call('set','x','1')", "0") +
      cmd("EVAL_RO", "return redis.call('get','x')", "0") +
      cmd("EVALSHA_RO", "0000000000000000000000000000000000000000", "0"),
  ],
  [
    "SELECT inside a script stays inside",
    cmd("SET", "k", "db0") +
      ev(
        "redis.call('SELECT', 1); redis.call('SET', 'k', 'db1'); return redis.call('GET','k')",
        "0",
      ) +
      cmd("GET", "k") +
      cmd("SELECT", "1") +
      cmd("GET", "k") +
      cmd("FLUSHDB") +
      cmd("SELECT", "0"),
  ],
  [
    "EVAL inside MULTI",
    cmd("MULTI") +
      ev("return redis.call('INCR','c')", "0") +
      ev("return redis.call('INCR','c')", "0") +
      cmd("EXEC"),
  ],
  ["blocking commands do not block", ev("return redis.call('BLPOP','nolist', 0)", "0")],
  [
    "set_repl and replicate_commands",
    ev("redis.set_repl(redis.REPL_ALL); return redis.replicate_commands()", "0") +
      ev("redis.set_repl(99)", "0"),
  ],
  [
    "redis.log",
    ev("redis.log(redis.LOG_WARNING, 'from a script'); return 1", "0") +
      ev("redis.log(9, 'x')", "0") +
      ev("redis.log(1)", "0"),
  ],
  // Redis lists libraries and functions in dict order (seeded at random): one per listing.
  [
    "FUNCTION LOAD and FCALL",
    cmd(
      "FUNCTION",
      "LOAD",
      "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return redis.call('SET', keys[1], args[1]) end)",
    ) +
      cmd(
        "FUNCTION",
        "LOAD",
        "#!lua name=rolib\nredis.register_function{function_name='ro', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes', 'allow-oom'}, description='reads'}",
      ) +
      cmd("FCALL", "myfunc", "1", "k", "v") +
      cmd("FCALL_RO", "ro", "1", "k") +
      cmd("FCALL_RO", "myfunc", "1", "k", "v") +
      cmd("FCALL", "nope", "0") +
      cmd("FCALL", "ro", "x") +
      cmd("FUNCTION", "LIST", "LIBRARYNAME", "rolib") +
      cmd("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*") +
      cmd("FUNCTION", "STATS") +
      cmd("FUNCTION", "DELETE", "mylib") +
      cmd("FUNCTION", "DELETE", "mylib") +
      cmd("FUNCTION", "KILL"),
  ],
  [
    "FUNCTION errors",
    cmd("FUNCTION", "LOAD", "return 1") +
      cmd("FUNCTION", "LOAD", "#!lua name=x\nreturn 1") +
      cmd("FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')") +
      cmd("FUNCTION", "LOAD", "BAD", "#!lua name=x\n") +
      cmd("FUNCTION", "LIST", "LIBRARYNAME") +
      cmd("FUNCTION", "LIST", "FOO") +
      cmd("FUNCTION", "FLUSH", "x") +
      cmd("FUNCTION", "RESTORE", "junk") +
      cmd("FUNCTION", "RESTORE", "junk", "NOPE"),
  ],
  [
    "FUNCTION DUMP and RESTORE",
    cmd(
      "FUNCTION",
      "LOAD",
      "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)",
    ) + cmd("FUNCTION", "DUMP"),
  ],
  ["FUNCTION HELP", cmd("FUNCTION", "HELP")],
  [
    // functionDictType compares names with strcasecmp; libraries and a library's own functions
    // are case-sensitive (fuzz seed 297714529: FCALL F1 was 'Function not found').
    "function names are case-insensitive, library names are not",
    cmd(
      "FUNCTION",
      "LOAD",
      "#!lua name=caselib\nredis.register_function('f1', function(keys, args) return 'f1' end)",
    ) +
      cmd("FCALL", "F1", "0") +
      cmd("FCALL_RO", "F1", "0") +
      cmd("FCALL", "F1", "1") +
      cmd(
        "FUNCTION",
        "LOAD",
        "#!lua name=CASELIB\nredis.register_function('F1', function(keys, args) return 'F1' end)",
      ) +
      cmd(
        "FUNCTION",
        "LOAD",
        "#!lua name=CASELIB\nredis.register_function('g1', function(keys, args) return 'g1' end)",
      ) +
      cmd("FCALL", "G1", "0") +
      cmd(
        "FUNCTION",
        "LOAD",
        "REPLACE",
        "#!lua name=caselib\nredis.register_function('F1', function(keys, args) return 'F1 now' end)",
      ) +
      cmd("FCALL", "f1", "0") +
      cmd("FUNCTION", "DELETE", "CaseLib") +
      cmd("FUNCTION", "DELETE", "caselib") +
      cmd("FCALL", "f1", "0") +
      cmd("FUNCTION", "STATS"),
  ],
];

describe.each([
  ["RESP2", ""],
  ["RESP3", cmd("HELLO", "3")],
])("EVAL and FCALL as redis-server, %s", (_name, hello) => {
  it.each(CASES)("%s", async (_case, payload) => {
    // HELLO's own reply differs (server name, id): compared from the first command after it.
    const [s, r] = await both(hello + cmd("PING") + payload);
    const cut = (x: string) => x.slice(x.indexOf("PONG"));
    expect(cut(s)).toBe(cut(r));
  });
});

/** A raw connection that keeps what the server sent. */
async function open(port: number): Promise<{ sock: net.Socket; data: () => string }> {
  const sock = net.connect(port, "127.0.0.1");
  await new Promise((r) => sock.once("connect", r));
  let buf = "";
  sock.on("data", (d) => {
    buf += d.toString("latin1");
  });
  return { sock, data: () => buf };
}

describe("MONITOR", () => {
  it("shows EVAL and FCALL before the commands they run, those as [db lua]", async () => {
    const seen = async (port: number) => {
      const mon = await open(port);
      mon.sock.write(cmd("MONITOR"));
      await waitFor(() => mon.data() === "+OK\r\n", { timeout: 5000 });
      await exchange(
        port,
        cmd(
          "FUNCTION",
          "LOAD",
          "REPLACE",
          "#!lua name=m\nredis.register_function('mf', function(k) return redis.call('GET', k[1]) end)",
        ) +
          cmd("EVAL", "return redis.call('SET', KEYS[1], 'v')", "1", "k") +
          cmd("FCALL", "mf", "1", "k"),
      );
      await waitFor(() => mon.data().includes('"GET" "k"'), { timeout: 5000 });
      mon.sock.destroy();
      // Times and the client's address differ between the two servers.
      return mon
        .data()
        .replace(/\+\d+\.\d{6} /g, "+T ")
        .replace(/\[0 127\.0\.0\.1:\d+\]/g, "[0 ADDR]")
        .split("\r\n")
        .filter((l) => !l.includes('"ECHO"') && !l.includes('"FUNCTION"'))
        .join("\r\n");
    };
    const [s, r] = await Promise.all([seen(shoal.port), seen(redis.port)]);
    expect(s).toBe(r);
    expect(r).toContain('[0 lua] "SET" "k" "v"');
  });
});

describe("busy scripts", () => {
  it.each([
    ["shoal", () => shoal.port],
    ["redis", () => redis.port],
  ])(
    "%s: BUSY for others past the threshold, SCRIPT KILL ends it, PING answered throughout",
    async (_n, port) => {
      const runner = await open(port());
      const other = await open(port());
      runner.sock.write(ev("local i = 0 while true do i = i + 1 end", "0"));
      await sleep(400);
      other.sock.write(cmd("PING") + cmd("GET", "x"));
      await waitFor(() => other.data().split("\r\n").length > 2, { timeout: 5000 });
      expect(other.data()).toBe(
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n".repeat(
          2,
        ),
      );
      other.sock.write(cmd("SCRIPT", "KILL"));
      await waitFor(() => runner.data().length > 0, { timeout: 5000 });
      expect(runner.data()).toMatch(
        /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/,
      );
      other.sock.write(cmd("PING"));
      await waitFor(() => other.data().endsWith("+PONG\r\n"), { timeout: 5000 });
      expect(other.data().endsWith("+OK\r\n+PONG\r\n")).toBe(true);
      runner.sock.destroy();
      other.sock.destroy();
    },
  );

  it.each([
    ["shoal", () => shoal.port],
    ["redis", () => redis.port],
  ])("%s: a script that wrote is UNKILLABLE", async (_n, port) => {
    const runner = await open(port());
    const other = await open(port());
    // Stops by itself after ~1.2 s: the test waits for it.
    runner.sock.write(
      ev(
        "redis.call('SET','w','1') local t = redis.call('TIME') local s = tonumber(t[1]) while true do local n = redis.call('TIME') if tonumber(n[1]) * 1000000 + tonumber(n[2]) - (s * 1000000 + tonumber(t[2])) > 1200000 then break end end return 'done'",
        "0",
      ),
    );
    await sleep(400);
    other.sock.write(cmd("SCRIPT", "KILL"));
    await waitFor(() => other.data().length > 0, { timeout: 5000 });
    expect(other.data()).toBe(
      "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n",
    );
    await waitFor(() => runner.data().length > 0, { timeout: 5000 });
    expect(runner.data()).toBe("$4\r\ndone\r\n");
    runner.sock.destroy();
    other.sock.destroy();
  });
});

describe("effects propagation", () => {
  it("a script's writes reach the AOF wrapped in MULTI/EXEC, as redis-server writes them", async () => {
    const aofArgs = ["--appendonly", "yes", "--appendfsync", "always"];
    const [s, r] = await Promise.all([
      startShoal(aofArgs, { port: await freePort() }),
      startRedisServer({ port: await freePort(), args: aofArgs }),
    ]);
    try {
      const payload =
        cmd(
          "EVAL",
          "redis.call('SET', KEYS[1], 'v'); redis.call('INCR', 'n'); return redis.call('GET', 'n')",
          "1",
          "k",
        ) +
        cmd("EVAL", "return redis.call('GET', 'n')", "0") +
        cmd("EVAL", "redis.call('SET', 'one', '1')", "0") +
        cmd("EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('SET', 'hidden', '1')", "0") +
        cmd(
          "FUNCTION",
          "LOAD",
          "#!lua name=l\nredis.register_function('f', function() return redis.call('INCR', 'n') end)",
        ) +
        cmd("FCALL", "f", "0");
      const [sr, rr] = await Promise.all([exchange(s.port, payload), exchange(r.port, payload)]);
      expect(sr).toBe(rr);
      const incr = (dir: string) => {
        const d = path.join(dir, "appendonlydir");
        return readFileSync(
          path.join(d, readdirSync(d).find((f) => f.endsWith(".incr.aof"))!),
          "latin1",
        );
      };
      await waitFor(() => incr(s.dir) === incr(r.dir), { timeout: 5000 }).catch(() => {});
      expect(incr(s.dir)).toBe(incr(r.dir));
    } finally {
      await Promise.all([s.stop(), r.stop()]);
    }
  });
});

describe("functions in snapshots", () => {
  it("survive DEBUG RELOAD and a restart from dump.rdb, and load from redis-server's dump.rdb", async () => {
    const lib =
      "#!lua name=keep\nredis.register_function('kept', function(keys, args) return 'still here' end)";
    const r = await startRedisServer({ port: await freePort() });
    let s: ServerHandle | undefined;
    try {
      await exchange(r.port, cmd("FUNCTION", "LOAD", lib) + cmd("SAVE"));
      // Shoal starts on redis-server's dump.rdb, keeps the library over DEBUG RELOAD and a restart.
      const port = await freePort();
      s = await startShoal(["--dbfilename", "dump.rdb", "--dir", r.dir], { port });
      expect(await exchange(s.port, cmd("FCALL", "kept", "0"))).toBe("$10\r\nstill here\r\n");
      expect(await exchange(s.port, cmd("DEBUG", "RELOAD") + cmd("FCALL", "kept", "0"))).toBe(
        "+OK\r\n$10\r\nstill here\r\n",
      );
      await exchange(s.port, cmd("FUNCTION", "DELETE", "keep") + cmd("SAVE"));
      await s.stop();
      s = await startShoal(["--dbfilename", "dump.rdb", "--dir", r.dir], { port });
      expect(await exchange(s.port, cmd("FUNCTION", "LIST"))).toBe("*0\r\n");
    } finally {
      await Promise.all([s?.stop(), r.stop()]);
    }
  });
});

describe("functions in a plain AOF", () => {
  it("a rewrite without RDB preamble writes FUNCTION LOAD first; a restart loads them", async () => {
    const aof = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"];
    const port = await freePort();
    let s = await startShoal(aof, { port });
    try {
      await exchange(
        s.port,
        cmd(
          "FUNCTION",
          "LOAD",
          "#!lua name=a\nredis.register_function('af', function() return 'a' end)",
        ) + cmd("SET", "k", "v"),
      );
      await exchange(s.port, cmd("BGREWRITEAOF"));
      const base = () => {
        const d = path.join(s.dir, "appendonlydir");
        const f = readdirSync(d).find((x) => x.endsWith(".base.aof"));
        return f === undefined ? "" : readFileSync(path.join(d, f), "latin1");
      };
      await waitFor(() => base().includes("SET"), { timeout: 10_000 });
      expect(base().startsWith("*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n")).toBe(true);
      const dir = s.dir;
      await s.kill();
      s = await startShoal(aof, { port, dir });
      expect(await exchange(s.port, cmd("FCALL", "af", "0") + cmd("GET", "k"))).toBe(
        "$1\r\na\r\n$1\r\nv\r\n",
      );
    } finally {
      await s.stop();
    }
  });
});

describe("functions on replicas", () => {
  it("reach a replica by the full sync and by the stream", async () => {
    const lib = (name: string) =>
      `#!lua name=${name}\nredis.register_function{function_name='${name}_f', callback=function() return '${name}' end, flags={'no-writes'}}`;
    const master = await startShoal([], { port: await freePort() });
    let replica: ServerHandle | undefined;
    try {
      await exchange(master.port, cmd("FUNCTION", "LOAD", lib("before")));
      replica = await startShoal(["--replicaof", "127.0.0.1", String(master.port)], {
        port: await freePort(),
      });
      await exchange(master.port, cmd("FUNCTION", "LOAD", lib("after")));
      await waitFor(
        async () =>
          (await exchange(replica!.port, cmd("FCALL_RO", "after_f", "0"))) === "$5\r\nafter\r\n",
        { timeout: 10_000 },
      );
      expect(await exchange(replica.port, cmd("FCALL_RO", "before_f", "0"))).toBe(
        "$6\r\nbefore\r\n",
      );
      // A read-only replica: scripts that may write are refused up front (a shebang without
      // no-writes makes EVAL a write command in processCommand's checks, so the error is the
      // replica's own, as redis-server answers) or at their first write (EVAL compatibility
      // mode), as scriptCall does.
      expect(await exchange(replica.port, cmd("EVAL", "#!lua\nreturn 1", "0"))).toBe(
        "-READONLY You can't write against a read only replica.\r\n",
      );
      expect(
        await exchange(replica.port, cmd("EVAL", "#!lua flags=no-writes\nreturn 1", "0")),
      ).toBe(":1\r\n");
      expect(
        await exchange(replica.port, cmd("EVAL", "return redis.call('SET', 'x', '1')", "0")),
      ).toMatch(
        /^-READONLY You can't write against a read only replica\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/,
      );
    } finally {
      await Promise.all([replica?.stop(), master.stop()]);
    }
  });
});

// The Lua engine alone, redis.call answered by a stub: the Lua <-> RESP conversions, the errors
// and the sandbox, each expected reply copied from redis-server 7.0.15 (Debian) answering the
// same EVAL. Whole-server comparisons with a live redis-server are in test/scripting.test.ts.
import { createHash } from "node:crypto";
import { OwnedArgs, ReplyBuffer } from "@shoal/resp-codec";
import { describe, expect, it } from "vitest";
import { LuaEngine } from "./lua-engine.js";

function engineWith(
  call: (argv: Buffer[], resp: 2 | 3) => Uint8Array,
  interrupt: () => boolean = () => false,
) {
  const logs: string[] = [];
  const calls: string[][] = [];
  // The stub's reply goes where a command's would: a reply buffer the engine reads back.
  const replies = new ReplyBuffer();
  const engine = new LuaEngine({
    call: (args, resp) => {
      const argv = Array.from({ length: args.argc }, (_, i) => args.copy(i));
      calls.push(argv.map((a) => a.toString()));
      replies.raw(Buffer.from(call(argv, resp)));
      return replies;
    },
    interrupt,
    log: (level, msg) => logs.push(`${level} ${msg}`),
    setRepl: () => {},
  });
  const evalScript = (body: string, keys: string[] = [], args: string[] = [], resp: 2 | 3 = 2) => {
    const sha = createHash("sha1").update(body).digest("hex");
    const ref = engine.compile(`f_${sha}`, Buffer.from(body));
    if (typeof ref !== "number") return ref.toString("latin1");
    const argv = OwnedArgs.of(...keys, ...args);
    const r = engine.run(ref, `f_${sha}`, argv, 0, keys.length, resp, true);
    return r.reply.toString("latin1");
  };
  return { engine, evalScript, logs, calls };
}

const sha = (s: string) => createHash("sha1").update(s).digest("hex");

describe("Lua -> RESP (luaReplyToRedisReply)", () => {
  const { evalScript } = engineWith(() => Buffer.from("+OK\r\n"));
  it.each([
    ['return {1,2,{3,"x"},"ok"}', "*4\r\n:1\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n$2\r\nok\r\n"],
    ["return {1,2,3,'x',nil,4}", "*4\r\n:1\r\n:2\r\n:3\r\n$1\r\nx\r\n"],
    ["return 3.99", ":3\r\n"],
    ["return tostring(10/2)", "$1\r\n5\r\n"],
    ["return tostring(2^53)", "$18\r\n9.007199254741e+15\r\n"],
    ["return false", "$-1\r\n"],
    ["return true", ":1\r\n"],
    ["return nil", "$-1\r\n"],
    ['return redis.status_reply("FINE")', "+FINE\r\n"],
    ['return {err="My\\nerr"}', "-My err\r\n"],
    ["return {map={a=1}}", "*2\r\n$1\r\na\r\n:1\r\n"],
    ["return {set={a=true}}", "*1\r\n$1\r\na\r\n"],
    ["return {double=3.5}", "$3\r\n3.5\r\n"],
    ['return {big_number="123"}', "$3\r\n123\r\n"],
    ['return {verbatim_string={format="txt",string="hi"}}', "$2\r\nhi\r\n"],
    ["return redis.error_reply('MY err')", "-MY err\r\n"],
    ["return redis.sha1hex('')", "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n"],
  ])("RESP2 %s", (body, reply) => {
    expect(evalScript(body)).toBe(reply);
  });
  it.each([
    ["return {map={a=1}}", "%1\r\n$1\r\na\r\n:1\r\n"],
    ["return {set={a=true}}", "~1\r\n$1\r\na\r\n"],
    ["return {double=3.5}", ",3.5\r\n"],
    ['return {big_number="123"}', "(123\r\n"],
    ["return false", "_\r\n"],
    ["redis.setresp(3); return false", "#f\r\n"],
    ["return nil", "_\r\n"],
    ['return {verbatim_string={format="txt",string="hi"}}', "=6\r\ntxt:hi\r\n"],
  ])("RESP3 %s", (body, reply) => {
    expect(evalScript(body, [], [], 3)).toBe(reply);
  });
});

describe("RESP -> Lua (redisProtocolToLuaType)", () => {
  it("turns each reply type into the documented Lua value", () => {
    const replies: Record<string, string> = {
      int: ":7\r\n",
      bulk: "$3\r\nbar\r\n",
      nil: "$-1\r\n",
      status: "+OK\r\n",
      arr: "*2\r\n:1\r\n$1\r\na\r\n",
      map: "%1\r\n$1\r\nk\r\n:2\r\n",
      set: "~1\r\n$1\r\nm\r\n",
      dbl: ",1.5\r\n",
      bool: "#t\r\n",
      null: "_\r\n",
      big: "(12345678901234567890\r\n",
    };
    const { evalScript } = engineWith((argv) => Buffer.from(replies[argv[0]!.toString()]!));
    expect(evalScript("return redis.call('int') + 1")).toBe(":8\r\n");
    expect(evalScript("return redis.call('bulk')")).toBe("$3\r\nbar\r\n");
    expect(evalScript("return type(redis.call('nil'))")).toBe("$7\r\nboolean\r\n");
    expect(evalScript("return redis.call('status').ok")).toBe("$2\r\nOK\r\n");
    expect(evalScript("return redis.call('arr')")).toBe("*2\r\n:1\r\n$1\r\na\r\n");
    expect(evalScript("return redis.call('map').map.k")).toBe(":2\r\n");
    expect(evalScript("return tostring(redis.call('set').set.m)")).toBe("$4\r\ntrue\r\n");
    expect(evalScript("return tostring(redis.call('dbl').double)")).toBe("$3\r\n1.5\r\n");
    expect(evalScript("return tostring(redis.call('bool'))")).toBe("$4\r\ntrue\r\n");
    expect(evalScript("return tostring(redis.call('null'))")).toBe("$3\r\nnil\r\n");
    expect(evalScript("return redis.call('big').big_number")).toBe(
      "$20\r\n12345678901234567890\r\n",
    );
  });

  it("passes numbers as %.17g and refuses other argument types", () => {
    const { evalScript, calls } = engineWith(() => Buffer.from("+OK\r\n"));
    evalScript("redis.call('SET', 'k', 0.1)");
    expect(calls.at(-1)).toEqual(["SET", "k", "0.10000000000000001"]);
    const body = "redis.call('SET', 'k', {})";
    expect(evalScript(body)).toBe(
      `-ERR Lua redis lib command arguments must be strings or integers script: ${sha(body)}, on @user_script:1.\r\n`,
    );
  });
});

describe("errors", () => {
  const { evalScript } = engineWith((argv) =>
    Buffer.from(
      argv[0]!.toString() === "nosuch"
        ? "-ERR Unknown Redis command called from script\r\n"
        : "+OK\r\n",
    ),
  );
  it("redis.call raises with the script and line; redis.pcall returns the error table", () => {
    const call = 'return redis.call("nosuch")';
    expect(evalScript(call)).toBe(
      `-ERR Unknown Redis command called from script script: ${sha(call)}, on @user_script:1.\r\n`,
    );
    expect(evalScript('return redis.pcall("nosuch")')).toBe(
      "-ERR Unknown Redis command called from script\r\n",
    );
  });
  it("error() with a table and a string, compile errors", () => {
    const t = 'error({err="X y"})';
    expect(evalScript(t)).toBe(`-X y script: ${sha(t)}, on @user_script:1.\r\n`);
    const s = "error('boom')";
    expect(evalScript(s)).toBe(
      `-ERR user_script:1: boom script: ${sha(s)}, on @user_script:1.\r\n`,
    );
    expect(evalScript("x=")).toBe(
      "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n",
    );
  });
  it("protects globals and refuses the deprecated setfenv/getfenv", () => {
    const w = "x = 1";
    expect(evalScript(w)).toBe(
      `-ERR user_script:1: Attempt to modify a readonly table script: ${sha(w)}, on @user_script:1.\r\n`,
    );
    const g = "return type(getfenv)";
    expect(evalScript(g)).toBe(
      `-ERR user_script:1: Script attempted to access nonexistent global variable 'getfenv' script: ${sha(g)}, on @user_script:1.\r\n`,
    );
  });
});

describe("environment", () => {
  const { evalScript } = engineWith(() => Buffer.from("+OK\r\n"));
  it("ships Redis's libraries and Lua 5.1's globals", () => {
    expect(evalScript("return cjson.encode({a=1})")).toBe('$7\r\n{"a":1}\r\n');
    expect(evalScript("return cmsgpack.unpack(cmsgpack.pack({1,2}))")).toBe("*2\r\n:1\r\n:2\r\n");
    expect(evalScript("return bit.band(7,3)")).toBe(":3\r\n");
    expect(evalScript("return struct.unpack('>I2', '\\0\\5')")).toBe(":5\r\n");
    expect(evalScript("return table.getn({1,2})")).toBe(":2\r\n");
    expect(evalScript("return _VERSION")).toBe("$7\r\nLua 5.1\r\n");
    expect(evalScript("return redis.REDIS_VERSION")).toBe("$6\r\n7.0.15\r\n");
  });
  it("math.random runs on from rand.c's fixed seed, as a fresh redis-server's", () => {
    const fresh = engineWith(() => Buffer.from("+OK\r\n")).evalScript;
    expect(fresh("return {math.random(100), math.random(100), tostring(math.random())}")).toBe(
      "*3\r\n:40\r\n:85\r\n$16\r\n0.35333609737146\r\n",
    );
    expect(fresh("math.randomseed(7); return {math.random(100), math.random(100)}")).toBe(
      "*2\r\n:27\r\n:69\r\n",
    );
  });
  it("KEYS and ARGV", () => {
    expect(evalScript("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", ["k"], ["a", "b"])).toBe(
      "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:2\r\n",
    );
  });
});

describe("time limit hook", () => {
  it("kills a busy script when the host says so, and the engine runs again after", () => {
    let ticks = 0;
    const { evalScript, logs } = engineWith(
      () => Buffer.from("+OK\r\n"),
      () => ++ticks > 3,
    );
    const loop = "while true do end";
    expect(evalScript(loop)).toBe(
      `-ERR Script killed by user with SCRIPT KILL... script: ${sha(loop)}, on @user_script:1.\r\n`,
    );
    expect(logs).toContain("3 Lua script killed by user with SCRIPT KILL.");
    expect(evalScript("return 1")).toBe(":1\r\n");
  });
});

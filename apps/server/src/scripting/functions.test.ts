// Function libraries with the Lua engine alone (redis.call answered by a stub): FUNCTION LOAD's
// checks and FCALL's replies and errors, each text as redis-server 7.0.15 answers the same.
import { OwnedArgs, ReplyBuffer } from "@shoal/resp-codec";
import { describe, expect, it } from "vitest";
import { FunctionLibraries } from "./functions.js";
import { LuaEngine } from "./lua-engine.js";

function setup() {
  let libs: FunctionLibraries | null = null;
  const replies = new ReplyBuffer();
  const engine = new LuaEngine(
    {
      call: () => {
        replies.simple("PONG");
        return replies;
      },
      interrupt: () => false,
      log: () => {},
      setRepl: () => {},
      registerFunction: (n, d, f, r) => libs!.registerFunction(n, d, f, r),
    },
    "functions",
  );
  libs = new FunctionLibraries(() => engine);
  const load = (code: string, replace = false) => {
    const r = libs!.load(Buffer.from(code), replace);
    return "error" in r ? `ERR ${r.error}` : r.name;
  };
  const fcall = (name: string, keys: string[], args: string[]) => {
    const f = libs!.functions.get(name)!;
    return engine
      .callFunction(f.ref, f.name, OwnedArgs.of(...keys, ...args), 0, keys.length, 2, false)
      .reply.toString("latin1");
  };
  return { libs, load, fcall };
}

const MYLIB =
  "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)";

describe("FUNCTION LOAD", () => {
  it("loads, refuses a second load without REPLACE, runs the function", () => {
    const { load, fcall } = setup();
    expect(load(MYLIB)).toBe("mylib");
    expect(load(MYLIB)).toBe("ERR Library 'mylib' already exists");
    expect(load(MYLIB, true)).toBe("mylib");
    expect(fcall("myfunc", [], ["hello"])).toBe("$5\r\nhello\r\n");
  });
  it.each([
    ["return 1", "ERR Missing library metadata"],
    ["#!lua name=x\nreturn 1", "ERR No functions registered"],
    [
      "#!lua name=y\nredis.register_function('bad name', function() end)",
      "ERR Error registering functions: ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
    ],
    [
      "#!lua name=w\nredis.call('ping')",
      "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'",
    ],
    [
      "#!lua name=v\nx =",
      "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'",
    ],
    ["#!lua name=a b=c\n", "ERR Invalid metadata value given: b=c"],
    ["#!js name=a\n", "ERR Engine 'js' not found"],
  ])("%j -> %s", (code, err) => {
    expect(setup().load(code)).toBe(err);
  });
  it("refuses a function name another library has", () => {
    const { load } = setup();
    load(MYLIB);
    expect(load("#!lua name=z\nredis.register_function('myfunc', function() end)")).toBe(
      "ERR Function myfunc already exists",
    );
  });
  it("named arguments with flags and description; errors name the function", () => {
    const { load, fcall, libs } = setup();
    expect(
      load(
        "#!lua name=u\nredis.register_function{function_name='f2', callback=function() return 1 end, flags={'no-writes'}, description='d'}",
      ),
    ).toBe("u");
    const f = libs.functions.get("f2")!;
    expect([f.flags, f.description?.toString()]).toEqual([1, "d"]);
    expect(fcall("f2", [], [])).toBe(":1\r\n");
    load("#!lua name=t\nredis.register_function('f4', function() error('boom') end)");
    expect(fcall("f4", [], [])).toBe(
      "-ERR user_function:2: boom script: f4, on @user_function:2.\r\n",
    );
  });
  it("DUMP and RESTORE round-trip; the payload starts as Redis's", () => {
    const { load, libs } = setup();
    load(MYLIB);
    const dump = libs.dump();
    expect(dump[0]).toBe(0xf5);
    const other = setup();
    expect(other.libs.restore(dump, "append")).toBeNull();
    expect(other.fcall("myfunc", [], ["x"])).toBe("$1\r\nx\r\n");
    expect(other.libs.restore(dump, "append")).toBe("Library mylib already exists");
    dump[3] = dump[3]! ^ 1;
    expect(other.libs.restore(dump, "append")).toBe("DUMP payload version or checksum are wrong");
  });
});

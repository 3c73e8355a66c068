// Measures the Lua engines Shoal could run scripts on, for the choice written down in the server
// README ("Scripting"): Redis's Lua 5.1 as WebAssembly (this directory's build), fengari (pure-JS
// Lua 5.3, what ioredis-mock uses) and wasmoon (Lua 5.4 as WebAssembly).
//  1. call overhead: `return redis.call('GET', KEYS[1])` with redis.call answered by a JS stub;
//  2. dialect: probe expressions compared with what redis-server 7.0.15's EVAL answers;
//  3. real scripts: BullMQ's, redlock's and rate-limiter-flexible's compile, and which of them
//     need libraries only Redis's Lua ships (cjson, cmsgpack, bit, struct).
// The npm packages are not dependencies of the repository; install them in a scratch directory:
//   cd /tmp/x && npm i fengari@0.1.5 wasmoon@1.16.0 bullmq@5 redlock@5.0.0-beta.2 rate-limiter-flexible@7
//   npx tsx tooling/lua-wasm/compare-engines.ts /tmp/x <port of a running redis-server>
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { join } from "node:path";
import { LuaEngine } from "../../apps/server/src/scripting/lua-engine.js";
import { OwnedArgs, ReplyBuffer } from "../../packages/resp-codec/src/index.js";

const dir = process.argv[2] ?? "/tmp/luabench";
const req = createRequire(join(dir, "package.json"));
const GET_REPLY = Buffer.from("$3\r\nbar\r\n");

// ---- engines behind one small interface -------------------------------------------------------
interface Engine {
  name: string;
  /** Compile; an error message or null. */
  compile(src: string): string | null;
  /** Run a compiled script with KEYS/ARGV; the result as a string (tostring of the value). */
  run(src: string, keys: string[], args: string[]): string;
}

function wasm51(): Engine {
  const replies = new ReplyBuffer();
  const e = new LuaEngine({
    call: () => {
      replies.raw(GET_REPLY);
      return replies;
    },
    interrupt: () => false,
    log: () => {},
    setRepl: () => {},
  });
  const names = new Map<string, { name: string; ref: number }>();
  return {
    name: "Redis Lua 5.1 (WASM)",
    compile(src) {
      const name = `f_${createHash("sha1").update(src).digest("hex")}`;
      const ref = e.compile(name, Buffer.from(src));
      if (typeof ref !== "number") return ref.toString();
      names.set(src, { name, ref });
      return null;
    },
    run(src, keys, args) {
      const { name, ref } = names.get(src)!;
      const r = e.run(ref, name, OwnedArgs.of(...keys, ...args), 0, keys.length, 2, true);
      return r.reply.toString();
    },
  };
}

function fengari(): Engine {
  const f = req("fengari");
  const { lua, lauxlib, lualib, to_luastring, to_jsstring } = f;
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  // redis.call as a JS function returning "bar" (no RESP parsing: a lower bound for its cost).
  lua.lua_newtable(L);
  lua.lua_pushjsfunction(L, (s: unknown) => {
    lua.lua_pushstring(s, to_luastring("bar"));
    return 1;
  });
  lua.lua_setfield(L, -2, to_luastring("call"));
  lua.lua_setglobal(L, to_luastring("redis"));
  const refs = new Map<string, number>();
  const setArray = (name: string, vals: string[]) => {
    lua.lua_createtable(L, vals.length, 0);
    vals.forEach((v, i) => {
      lua.lua_pushstring(L, to_luastring(v));
      lua.lua_rawseti(L, -2, i + 1);
    });
    lua.lua_setglobal(L, to_luastring(name));
  };
  return {
    name: "fengari (Lua 5.3, JS)",
    compile(src) {
      if (lauxlib.luaL_loadbuffer(L, to_luastring(src), null, to_luastring("=user_script")) !== 0) {
        const m = to_jsstring(lua.lua_tostring(L, -1));
        lua.lua_pop(L, 1);
        return m;
      }
      refs.set(src, lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX));
      return null;
    },
    run(src, keys, args) {
      setArray("KEYS", keys);
      setArray("ARGV", args);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, refs.get(src)!);
      if (lua.lua_pcall(L, 0, 1, 0) !== 0) {
        const m = lua.lua_tostring(L, -1);
        lua.lua_pop(L, 1);
        return `error: ${m ? to_jsstring(m) : "?"}`;
      }
      const s = lauxlib.luaL_tolstring(L, -1);
      const out = to_jsstring(s);
      lua.lua_pop(L, 2);
      return out;
    },
  };
}

async function wasmoon(): Promise<Engine> {
  const { LuaFactory } = req("wasmoon");
  const engine = await new LuaFactory().createEngine({ injectObjects: false });
  engine.global.set("redis", { call: () => "bar" });
  const fns = new Map<string, (...a: unknown[]) => unknown>();
  return {
    name: "wasmoon (Lua 5.4, WASM)",
    compile(src) {
      try {
        fns.set(src, engine.doStringSync(`return function() ${src}\nend`));
        return null;
      } catch (e) {
        return String(e);
      }
    },
    run(src, keys, args) {
      engine.global.set("KEYS", keys);
      engine.global.set("ARGV", args);
      try {
        return String(fns.get(src)!());
      } catch (e) {
        return `error: ${String(e)}`;
      }
    },
  };
}

// ---- 1. call overhead --------------------------------------------------------------------------
function throughput(e: Engine): number {
  const src = "return redis.call('GET', KEYS[1])";
  if (e.compile(src)) throw new Error(`${e.name}: tiny script does not compile`);
  const keys = ["k"];
  const args: string[] = [];
  for (let i = 0; i < 2000; i++) e.run(src, keys, args);
  let n = 0;
  const t0 = process.hrtime.bigint();
  const until = t0 + 1_000_000_000n;
  while (process.hrtime.bigint() < until) {
    for (let i = 0; i < 200; i++) e.run(src, keys, args);
    n += 200;
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

// ---- 2. dialect probes, answered by redis-server ----------------------------------------------
const PROBES = [
  "tostring(10/2)",
  "tostring(1/3)",
  "tostring(2^53)",
  "tostring(3 // 1 == nil)",
  "type(unpack)",
  "type(table.getn)",
  "type(math.mod)",
  "type(loadstring)",
  "type(setfenv)",
  "type(table.unpack)",
  "type(math.pow)",
  "tostring(string.format('%d', 3))",
  "tostring(math.floor(3.7))",
  "tostring(7 % -3)",
  "tostring(#'\\u{41}')",
  "tostring(0x10)",
  "tostring(tonumber('0x1p4'))",
  "tostring(string.rep('a', 3, ','))",
  "type(cjson)",
  "type(cmsgpack)",
  "type(bit)",
  "type(struct)",
  "tostring(select('#', unpack or table.unpack, 1))",
  "_VERSION",
];

function probeScript(p: string): string {
  // One script per probe; a compile or runtime error is itself an answer to compare.
  return `local ok, v = pcall(function() return ${p} end) if ok then return tostring(v) else return 'error' end`;
}

async function redisAnswers(port: number, scripts: string[]): Promise<string[]> {
  const sock = connect(port, "127.0.0.1");
  let data = "";
  sock.on("data", (d) => {
    data += d.toString("latin1");
  });
  const out: string[] = [];
  for (const s of scripts) {
    data = "";
    const cmd = ["EVAL", s, "0"];
    sock.write(
      `*${cmd.length}\r\n${cmd.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join("")}`,
    );
    while (!data.endsWith("\r\n") || (data.startsWith("$") && data.split("\r\n").length < 3)) {
      await new Promise((r) => setTimeout(r, 1));
    }
    const compileError = data.startsWith("-ERR Error compiling script");
    out.push(
      compileError ? "compile error" : data.startsWith("$") ? data.split("\r\n")[1]! : data.trim(),
    );
  }
  sock.end();
  return out;
}

function answerOf(e: Engine, src: string): string {
  const err = e.compile(src);
  if (err) return "compile error";
  const r = e.run(src, [], []);
  // The WASM engine answers RESP; the others a plain string.
  return r.startsWith("$") ? r.split("\r\n")[1]! : r.startsWith("-") ? r.trim() : r;
}

// ---- 3. real library scripts -------------------------------------------------------------------
function libraryScripts(): { name: string; src: string }[] {
  const out: { name: string; src: string }[] = [];
  const bull = join(dir, "node_modules/bullmq/dist/cjs/scripts");
  for (const f of readdirSync(bull).filter((f) => f.endsWith(".js") && f !== "index.js")) {
    const m = req(join(bull, f));
    for (const v of Object.values(m) as { content?: string }[]) {
      if (v && typeof v.content === "string") out.push({ name: `bullmq/${f}`, src: v.content });
    }
  }
  const redlock = readFileSync(join(dir, "node_modules/redlock/dist/cjs/index.js"), "utf8");
  for (const m of redlock.matchAll(/const (\w+_SCRIPT) = `([^`]*)`/g)) {
    out.push({ name: `redlock/${m[1]}`, src: m[2]! });
  }
  const rl = join(dir, "node_modules/rate-limiter-flexible/lib");
  for (const f of readdirSync(rl).filter((f) => f.endsWith(".js"))) {
    const text = readFileSync(join(rl, f), "utf8");
    for (const m of text.matchAll(/`((?:[^`\\]|\\.)*redis\.call(?:[^`\\]|\\.)*)`/g)) {
      out.push({ name: `rate-limiter-flexible/${f}`, src: m[1]!.replace(/\\\n/g, "\n") });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const engines = [wasm51(), fengari(), await wasmoon()];
  // Best of 3 rounds, engines alternating, so a busy neighbour on the machine hurts all alike.
  console.log("# call overhead: return redis.call('GET', KEYS[1]) (ops/s, best of 3 x 1 s)");
  const best = engines.map(() => 0);
  for (let round = 0; round < 3; round++) {
    engines.forEach((e, i) => {
      best[i] = Math.max(best[i]!, throughput(e));
    });
  }
  engines.forEach((e, i) => {
    console.log(`${e.name}: ${Math.round(best[i]!).toLocaleString()}`);
  });

  const port = Number(process.argv[3]);
  if (port) {
    const scripts = PROBES.map(probeScript);
    const ref = await redisAnswers(port, scripts);
    console.log(`\n# dialect: ${PROBES.length} probes compared with redis-server's EVAL`);
    for (const e of engines) {
      const diffs: string[] = [];
      scripts.forEach((s, i) => {
        const a = answerOf(e, s);
        if (a !== ref[i]) diffs.push(`${PROBES[i]}: redis ${ref[i]}, here ${a}`);
      });
      console.log(`${e.name}: ${PROBES.length - diffs.length}/${PROBES.length} same`);
      for (const d of diffs) console.log(`   ${d}`);
    }
  }

  const libs = libraryScripts();
  const redisOnly = /\b(cmsgpack|cjson|bit|struct)\./;
  const fiftyOne = /\b(unpack|table\.getn|math\.mod|loadstring|setfenv|getfenv)\s*\(/;
  console.log(`\n# ${libs.length} library scripts (bullmq, redlock, rate-limiter-flexible)`);
  console.log(
    `use cjson/cmsgpack/bit/struct: ${libs.filter((l) => redisOnly.test(l.src)).length}; ` +
      `use 5.1-only globals (unpack, table.getn, ...): ${libs.filter((l) => fiftyOne.test(l.src)).length}`,
  );
  for (const e of engines) {
    const bad = libs.filter((l) => e.compile(l.src) !== null);
    console.log(`${e.name}: ${libs.length - bad.length}/${libs.length} compile`);
    for (const b of bad.slice(0, 3)) console.log(`   ${b.name}: ${e.compile(b.src)}`);
  }
}

await main();

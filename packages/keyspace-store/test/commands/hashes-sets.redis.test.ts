// The hash and set commands against real redis-server 7.0.15, one fixed script for both: every
// reply must match in type and content, in RESP2 and RESP3 (only elements of replies Redis leaves
// unordered are sorted first, and a RESP3 set still has to be a set); the keyspace events a
// subscriber sees and the commands Redis writes to its AOF must match what the store notifies and
// propagates; and each command's COMMAND INFO (arity, flags, key positions, ACL categories).
import { readdir, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { rawExchange, type ServerHandle, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { infoFlags } from "../../src/command-types.js";
import { hashCommands } from "../../src/commands/hashes.js";
import { setCommands } from "../../src/commands/sets.js";
import { TestStore } from "../../src/test-kit.js";

// ---- Type-keeping RESP parsing (sets stay apart from arrays when sorted) -----------------------------------------------------------------------

/** A parsed reply that keeps its RESP type: "type:payload" leaves, [type, children] aggregates. */
type Node = string | [string, Node[]];

/** Parses one reply at `pos`; returns it and the next position, or null if incomplete. */
function parseOne(b: Buffer, pos: number): [Node, number] | null {
  const eol = b.indexOf("\r\n", pos, "latin1");
  if (eol < 0) return null;
  const t = String.fromCharCode(b[pos] as number);
  const line = b.toString("latin1", pos + 1, eol);
  let p = eol + 2;
  if (t === "$") {
    const n = Number(line);
    if (n < 0) return ["$:null", p];
    if (b.length < p + n + 2) return null;
    return [`$:${b.toString("latin1", p, p + n)}`, p + n + 2];
  }
  if (t === "*" || t === "~" || t === "%" || t === ">") {
    let n = Number(line);
    if (n < 0) return ["*:null", p];
    if (t === "%") n *= 2;
    const kids: Node[] = [];
    for (let i = 0; i < n; i++) {
      const r = parseOne(b, p);
      if (r === null) return null;
      kids.push(r[0]);
      p = r[1];
    }
    return [[t, kids], p];
  }
  return [`${t}:${line}`, p];
}

function parseAll(b: Buffer): Node[] {
  const out: Node[] = [];
  let p = 0;
  while (p < b.length) {
    const r = parseOne(b, p);
    if (r === null) throw new Error(`incomplete reply at ${p}`);
    out.push(r[0]);
    p = r[1];
  }
  return out;
}

function countReplies(b: Buffer): number {
  let n = 0;
  let p = 0;
  while (p < b.length) {
    const r = parseOne(b, p);
    if (r === null) break;
    n++;
    p = r[1];
  }
  return n;
}

const key = (n: unknown): string => JSON.stringify(n);

/** Sorts an aggregate's elements (pairs stay together for maps and flat field/value lists). */
function sortNode(n: Node, pairs: boolean): Node {
  if (typeof n === "string") return n;
  const [t, kids] = n;
  if (!pairs && t !== "%") return [t, [...kids].sort((a, b) => (key(a) < key(b) ? -1 : 1))];
  const grouped: Node[][] = [];
  for (let i = 0; i < kids.length; i += 2) grouped.push(kids.slice(i, i + 2));
  grouped.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  return [t, grouped.flat()];
}

function encode(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`;
  return s;
}

// ---- The script ---------------------------------------------------------------------------------

/** How to compare a reply: exactly, with its elements sorted, or with pairs sorted. */
type Mode = "exact" | "sorted" | "pairs" | "scan";
type Step = [Mode, ...string[]];

const S = (...argv: string[]): Step => ["sorted", ...argv];
const E = (...argv: string[]): Step => ["exact", ...argv];
const P = (...argv: string[]): Step => ["pairs", ...argv];
const SC = (...argv: string[]): Step => ["scan", ...argv];
/** Every byte 0x80-0xFF (128 bytes). */
const HIGH = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join("");

/** A reproducible PRNG for the generated part of the script. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function floatLiterals(n: number): string[] {
  const rnd = mulberry32(7);
  const digits = (k: number) =>
    Array.from({ length: k }, () => Math.floor(rnd() * 10)).join("") || "0";
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const sign = rnd() < 0.4 ? "-" : "";
    const kind = Math.floor(rnd() * 5);
    if (kind === 0) out.push(`${sign}${digits(1 + Math.floor(rnd() * 6))}`);
    else if (kind === 1)
      out.push(`${sign}${digits(1 + Math.floor(rnd() * 4))}.${digits(1 + Math.floor(rnd() * 8))}`);
    else if (kind === 2) out.push(`${sign}0.${digits(1 + Math.floor(rnd() * 20))}`);
    else if (kind === 3)
      out.push(`${sign}${digits(1 + Math.floor(rnd() * 3))}e${Math.floor(rnd() * 40) - 20}`);
    else out.push(`${sign}${digits(10 + Math.floor(rnd() * 15))}.${digits(Math.floor(rnd() * 5))}`);
  }
  return out;
}

function script(): Step[] {
  const s: Step[] = [
    // Hashes
    E("HSET", "h", "a", "1", "b", "2", "c", "3"),
    E("HSET", "h", "a", "10", "d", "4"),
    E("HSET", "h", "x"),
    E("HSET", "h", "x", "1", "y"),
    E("HMSET", "h", "e", "5"),
    E("HMSET", "h", "e"),
    E("HSETNX", "h", "a", "zz"),
    E("HSETNX", "h", "f", "6"),
    E("HGET", "h", "a"),
    E("HGET", "h", "nope"),
    E("HGET", "nokey", "a"),
    E("HGET", "h"),
    E("HMGET", "h", "a", "nope", "b"),
    E("HMGET", "nokey", "a", "b"),
    E("HLEN", "h"),
    E("HLEN", "nokey"),
    E("HSTRLEN", "h", "a"),
    E("HSTRLEN", "h", "nope"),
    E("HEXISTS", "h", "a"),
    E("HEXISTS", "h", "nope"),
    E("HGETALL", "h"),
    E("HGETALL", "nokey"),
    E("HKEYS", "h"),
    E("HVALS", "h"),
    E("HKEYS", "nokey"),
    E("HDEL", "h", "a", "nope"),
    E("HDEL", "h", "nope"),
    E("HDEL", "nokey", "a"),
    E("HINCRBY", "h", "b", "40"),
    E("HINCRBY", "h", "new", "-5"),
    E("HINCRBY", "h", "b", "x"),
    E("HINCRBY", "h", "b", "9223372036854775807"),
    E("HSET", "h", "big", "9223372036854775806", "neg", "-9223372036854775807", "txt", " 1"),
    E("HINCRBY", "h", "big", "1"),
    E("HINCRBY", "h", "big", "1"),
    E("HINCRBY", "h", "neg", "-1"),
    E("HINCRBY", "h", "neg", "-1"),
    E("HINCRBY", "h", "txt", "1"),
    E("HINCRBY", "h", "b", "9223372036854775808"),
    E("HINCRBYFLOAT", "h", "fl", "10.1"),
    E("HINCRBYFLOAT", "h", "fl", "0.2"),
    E("HINCRBYFLOAT", "h", "fl", "5.0e3"),
    E("HINCRBYFLOAT", "h", "fl", "-5010.3"),
    E("HINCRBYFLOAT", "h", "fl", "abc"),
    E("HINCRBYFLOAT", "h", "fl", "inf"),
    E("HINCRBYFLOAT", "h", "fl", "nan"),
    E("HINCRBYFLOAT", "h", "fl", " 1"),
    E("HINCRBYFLOAT", "h", "txt", "1"),
    E("HINCRBYFLOAT", "h", "hex", "0x1p-2"),
    E("HINCRBYFLOAT", "h", "hex", "0X1.8P1"),
    E("HINCRBYFLOAT", "h", "tiny", "1e-4940"),
    E("HINCRBYFLOAT", "h", "tiny", "1e-5000"),
    // In a hash of its own: a value over 64 bytes turns Redis's listpack into a hashtable,
    // whose reply order (HGETALL, HSCAN) is not insertion order.
    E("HINCRBYFLOAT", "hh", "huge", "1.18e4932"),
    E("HINCRBYFLOAT", "hh", "huge", "1.18e4932"),
    E("HGET", "hh", "huge"),
    E("HRANDFIELD", "nokey"),
    E("HRANDFIELD", "nokey", "3"),
    E("HRANDFIELD", "nokey", "x"),
    E("HRANDFIELD", "h", "x"),
    E("HRANDFIELD", "h", "1", "foo"),
    E("HRANDFIELD", "h", "1", "withvalues", "x"),
    E("HRANDFIELD", "h", "9223372036854775807", "withvalues"),
    E("HRANDFIELD", "h", "0"),
    E("HRANDFIELD", "h", "100"),
    E("HRANDFIELD", "h", "100", "WITHVALUES"),
    E("HSET", "one", "only", "v"),
    E("HRANDFIELD", "one"),
    E("HRANDFIELD", "one", "-3"),
    E("HRANDFIELD", "one", "-2", "withvalues"),
    E("HSCAN", "h", "0"),
    E("HSCAN", "h", "0", "MATCH", "*e*"),
    E("HSCAN", "h", "0", "COUNT", "2", "MATCH", "[a-c]"),
    E("HSCAN", "h", "x"),
    E("HSCAN", "h", "-1"),
    E("HSCAN", "h", "0", "COUNT", "0"),
    E("HSCAN", "h", "0", "COUNT", "x"),
    E("HSCAN", "h", "0", "TYPE", "hash"),
    E("HSCAN", "h", "0", "MATCH"),
    E("HSCAN", "nokey", "0", "COUNT", "0"),
    E("HSCAN", "nokey", "x"),
    E("HGETALL", "h"),
    // Sets
    E("SADD", "s1", "a", "b", "c", "d", "a"),
    E("SADD", "s1", "a"),
    E("SADD", "s2", "c", "d", "e"),
    E("SADD", "s3", "d", "x"),
    E("SADD", "i1", "3", "1", "2", "-5", "100"),
    E("SCARD", "s1"),
    E("SCARD", "nokey"),
    E("SISMEMBER", "s1", "a"),
    E("SISMEMBER", "s1", "z"),
    E("SISMEMBER", "nokey", "z"),
    E("SMISMEMBER", "s1", "a", "z", "b"),
    E("SMISMEMBER", "nokey", "a"),
    S("SMEMBERS", "s1"),
    E("SMEMBERS", "nokey"),
    S("SINTER", "s1", "s2"),
    S("SINTER", "s1", "s2", "s3"),
    E("SINTER", "s1", "nokey"),
    S("SUNION", "s1", "s2", "nokey"),
    S("SDIFF", "s1", "s2"),
    S("SDIFF", "s1", "nokey", "s3"),
    E("SDIFF", "s1", "s1"),
    E("SDIFF", "nokey", "s1"),
    E("SINTERCARD", "2", "s1", "s2"),
    E("SINTERCARD", "2", "s1", "s2", "LIMIT", "1"),
    E("SINTERCARD", "2", "s1", "s2", "LIMIT", "0"),
    E("SINTERCARD", "0", "s1"),
    E("SINTERCARD", "x", "s1"),
    E("SINTERCARD", "3", "s1", "s2"),
    E("SINTERCARD", "1", "s1", "LIMIT", "-1"),
    E("SINTERCARD", "1", "s1", "LIMIT"),
    E("SINTERCARD", "1", "s1", "BOGUS", "1"),
    E("SINTERCARD", "2", "nokey", "h"),
    E("SINTERSTORE", "d1", "s1", "s2"),
    S("SMEMBERS", "d1"),
    E("SUNIONSTORE", "d2", "s1", "s3"),
    E("SDIFFSTORE", "d3", "s1", "s2"),
    E("SINTERSTORE", "d3", "s1", "nokey"),
    E("SUNIONSTORE", "d2", "nokey"),
    E("SDIFFSTORE", "h", "s1", "s2"),
    S("SMEMBERS", "h"),
    E("HSET", "h", "a", "1"),
    S("SINTER", "s1", "h"),
    E("SINTER", "nokey", "h"),
    S("SUNION", "h"),
    E("SADD", "h", "x"),
    E("HSET", "s1", "a", "1"),
    E("SRANDMEMBER", "nokey"),
    E("SRANDMEMBER", "nokey", "3"),
    E("SRANDMEMBER", "nokey", "-3"),
    E("SRANDMEMBER", "s1", "x"),
    E("SRANDMEMBER", "s1", "-9223372036854775808"),
    E("SRANDMEMBER", "s1", "1", "2"),
    E("SRANDMEMBER", "s1", "0"),
    S("SRANDMEMBER", "s1", "100"),
    E("SADD", "single", "m"),
    E("SRANDMEMBER", "single"),
    E("SRANDMEMBER", "single", "-3"),
    E("SPOP", "nokey"),
    E("SPOP", "nokey", "3"),
    E("SPOP", "s1", "-1"),
    E("SPOP", "s1", "x"),
    E("SPOP", "s1", "1", "2"),
    E("SPOP", "s1", "0"),
    E("SPOP", "single"),
    E("SCARD", "single"),
    S("SPOP", "s2", "10"),
    E("SCARD", "s2"),
    E("SMOVE", "s3", "s4", "d"),
    E("SMOVE", "s3", "s4", "nope"),
    E("SMOVE", "nokey", "s4", "d"),
    E("SMOVE", "nokey", "h", "d"),
    E("SMOVE", "s3", "h", "x"),
    E("SMOVE", "h", "s3", "x"),
    E("SMOVE", "s3", "s3", "x"),
    E("SMOVE", "s3", "s3", "nope"),
    E("SMOVE", "s3", "s4", "x"),
    E("SCARD", "s3"),
    S("SMEMBERS", "s4"),
    SC("SSCAN", "i1", "0"),
    SC("SSCAN", "i1", "0", "MATCH", "1*"),
    SC("SSCAN", "s1", "0"),
    E("SSCAN", "s1", "abc"),
    E("SSCAN", "s1", "0", "COUNT", "0"),
    E("SSCAN", "s1", "0", "TYPE", "set"),
    E("SSCAN", "nokey", "0", "COUNT", "0"),
    SC("SSCAN", "h", "0"),
    E("SCARD", "h"),
  ];
  // Intsets hold their integers ascending, whatever order they were added in: every reader sees
  // that order, so these replies are compared exactly (hashtable sets are dict-ordered).
  s.push(
    E("SADD", "io", "3", "1", "2", "-5"),
    E("SMEMBERS", "io"),
    E("SSCAN", "io", "0"),
    E("SINTER", "io", "io"),
    E("SUNIONSTORE", "iu", "io"),
    E("SMEMBERS", "iu"),
    E("SRANDMEMBER", "io", "10"),
    E("SUNIONSTORE", "ic", "io"),
    E("SPOP", "ic", "10"),
    E("SADD", "io", "0", "9223372036854775807", "-9223372036854775808", "100000", "-40000"),
    E("SMEMBERS", "io"),
    E("SREM", "io", "9223372036854775807", "3"),
    E("SADD", "io", "4", "70000"),
    E("SMEMBERS", "io"),
    E("SADD", "io2", "7", "-1", "2", "50"),
    E("SUNION", "io2", "io"),
    E("SDIFF", "io2", "io"),
    E("SINTER", "io2", "io"),
    E("SMOVE", "io2", "io", "-1"),
    E("SMEMBERS", "io"),
    E("SADD", "mixed", "x", "7", "2"),
    E("SINTERSTORE", "im", "mixed", "io2"),
    E("SMEMBERS", "im"),
    E("SDIFFSTORE", "id", "io", "io2"),
    E("SMEMBERS", "id"),
    E("SRANDMEMBER", "id", "100"),
  );
  // Binary-safe fields, values and members.
  s.push(
    E("HSET", "bin", "\x00\xff", "\r\n\x80"),
    E("HGETALL", "bin"),
    // Values are latin1 strings up to 128 bytes and Buffers beyond (keyspace-store's
    // types/list.ts): NUL, 0x80-0xFF and invalid UTF-8 in both shapes.
    E("HSET", "bin2", "short", "\x80a\xe2\x82\xc0\x80\xfe\xff", "long", `\x00${HIGH}`, "at", HIGH),
    E("HGET", "bin2", "long"),
    E("HMGET", "bin2", "short", "at", "nope"),
    S("HVALS", "bin2"),
    E("HSTRLEN", "bin2", "long"),
    E("HSETNX", "bin2", "new", `${HIGH}${HIGH}`),
    P("HGETALL", "bin2"),
    SC("HSCAN", "bin2", "0"),
    E("HINCRBY", "bin2", "long", "1"),
    E("HINCRBYFLOAT", "bin2", "short", "1"),
    E("SADD", "sbin", "\x00\xff\x01"),
    E("SMEMBERS", "sbin"),
  );
  // A long chain of HINCRBYFLOAT over generated literals: long double arithmetic and printing.
  for (const lit of floatLiterals(300)) s.push(E("HINCRBYFLOAT", "acc", "f", lit));
  for (const lit of floatLiterals(150)) s.push(E("HINCRBYFLOAT", "fresh", lit, lit));
  s.push(P("HGETALL", "fresh"));
  return s;
}

// ---- The tests ----------------------------------------------------------------------------------

describe("hashes and sets vs redis-server 7.0.15", () => {
  let redis: ServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    await redis?.stop();
  });

  async function redisReplies(resp: 2 | 3, steps: readonly Step[]): Promise<Node[]> {
    const prologue = [encode(["FLUSHALL"]), resp === 3 ? encode(["HELLO", "3"]) : ""].join("");
    const payload = prologue + steps.map((st) => encode(st.slice(1))).join("");
    const want = steps.length + (resp === 3 ? 2 : 1);
    const raw = await rawExchange(redis.port, Buffer.from(payload, "latin1"), {
      timeout: 20_000,
      done: (b) => countReplies(b) >= want,
    });
    const all = parseAll(raw);
    expect(all).toHaveLength(want);
    return all.slice(want - steps.length);
  }

  for (const resp of [2, 3] as const) {
    it(`replies as Redis does in RESP${resp}`, async () => {
      const steps = script();
      const expected = await redisReplies(resp, steps);
      const store = new TestStore([...hashCommands, ...setCommands]);
      store.resp = resp;
      const mismatches: string[] = [];
      steps.forEach((st, i) => {
        const [mode, ...argv] = st;
        const got = parseAll(store.runResp(...argv))[0] as Node;
        const want = expected[i] as Node;
        const norm = (n: Node): Node => {
          if (mode === "exact") return n;
          if (mode === "scan" && typeof n !== "string") {
            const [cursor, items] = n[1] as [Node, Node];
            return [n[0], [cursor, sortNode(items, false)]];
          }
          return sortNode(n, mode === "pairs");
        };
        if (key(norm(got)) !== key(norm(want)))
          mismatches.push(`${argv.join(" ")}\n  shoal: ${key(got)}\n  redis: ${key(want)}`);
      });
      expect(mismatches).toEqual([]);
    }, 60_000);
  }

  it("sends the same keyspace events as Redis, in the same order", async () => {
    const steps = script();
    // Redis side: a subscriber on every key event (new included), then the script, then a
    // marker whose event says everything before it has arrived.
    await rawExchange(
      redis.port,
      encode(["FLUSHALL"]) + encode(["CONFIG", "SET", "notify-keyspace-events", "EAn"]),
      { done: (b) => countReplies(b) >= 2 },
    );
    const events: string[] = [];
    const sub = net.connect({ port: redis.port, host: "127.0.0.1" });
    let buf = Buffer.alloc(0);
    let subscribed!: () => void;
    let finished!: () => void;
    const ready = new Promise<void>((r) => {
      subscribed = r;
    });
    const done = new Promise<void>((r) => {
      finished = r;
    });
    sub.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parseOne(buf, 0);
        if (r === null) break;
        buf = buf.subarray(r[1]);
        const [, parts] = r[0] as [string, string[]];
        if (parts[0] === "$:psubscribe") subscribed();
        else if (parts[0] === "$:pmessage") {
          const ev = (parts[2] as string).slice("$:__keyevent@0__:".length);
          const key = (parts[3] as string).slice(2);
          if (key === "__marker__") finished();
          else events.push(`${ev} ${key}`);
        }
      }
    });
    sub.write(encode(["PSUBSCRIBE", "__keyevent@0__:*"]));
    await ready;
    const payload =
      steps.map((st) => encode(st.slice(1))).join("") + encode(["SADD", "__marker__", "x"]);
    await rawExchange(redis.port, Buffer.from(payload, "latin1"), {
      timeout: 20_000,
      done: (b) => countReplies(b) >= steps.length + 1,
    });
    await done;
    sub.destroy();

    const ours: string[] = [];
    const store = new TestStore([...hashCommands, ...setCommands], {
      hooks: {
        notify: (_db, cls, ev, key) => {
          if (cls !== "keymiss") ours.push(`${ev} ${key}`);
        },
      },
    });
    for (const st of steps) store.runResp(...st.slice(1));
    expect(events.length).toBeGreaterThan(500);
    expect(ours).toEqual(events);
  }, 60_000);

  it("propagates what Redis writes to its AOF", async () => {
    const steps = script();
    const aofRedis = await startRedisServer({
      args: ["--appendonly", "yes", "--appendfsync", "always"],
    });
    try {
      const payload = steps.map((st) => encode(st.slice(1))).join("");
      await rawExchange(aofRedis.port, Buffer.from(payload, "latin1"), {
        timeout: 20_000,
        done: (b) => countReplies(b) >= steps.length,
      });
      const dir = path.join(aofRedis.dir, "appendonlydir");
      const incr = (await readdir(dir)).find((f) => f.endsWith(".incr.aof")) as string;
      const aof = parseAll(await readFile(path.join(dir, incr)))
        .map((n) => (n as [string, string[]])[1].map((a) => a.slice(2)))
        .filter((argv) => !["SELECT", "MULTI", "EXEC"].includes(argv[0] as string));
      const store = new TestStore([...hashCommands, ...setCommands]);
      const propagated: string[][] = [];
      for (const st of steps) {
        store.runResp(...st.slice(1));
        for (const argv of store.last.propagated)
          propagated.push(argv.map((a) => (typeof a === "string" ? a : a.toString("latin1"))));
      }
      expect(aof.length).toBeGreaterThan(400);
      expect(propagated).toEqual(aof);
    } finally {
      await aofRedis.stop();
    }
  }, 60_000);

  it("has Redis's COMMAND INFO for every hash and set command", async () => {
    const specs = [...hashCommands, ...setCommands];
    const payload = encode(["COMMAND", "INFO", ...specs.map((c) => c.name)]);
    const raw = await rawExchange(redis.port, payload, {
      timeout: 10_000,
      done: (b) => countReplies(b) >= 1,
    });
    const [reply] = parseAll(raw) as [[string, Node[]]];
    const strip = (n: Node) => (typeof n === "string" ? n.slice(2) : n);
    specs.forEach((spec, i) => {
      const info = (reply[1][i] as [string, Node[]])[1];
      const flags = (info[2] as [string, Node[]])[1].map(strip);
      const acl = (info[6] as [string, Node[]])[1].map(strip);
      expect({
        name: strip(info[0] as Node),
        arity: Number(strip(info[1] as Node)),
        flags,
        keys: [info[3], info[4], info[5]].map((n) => Number(strip(n as Node))),
        acl,
      }).toEqual({
        name: spec.name,
        arity: spec.arity,
        flags: infoFlags(spec),
        keys: [spec.firstKey, spec.lastKey, spec.step],
        acl: spec.aclCategories,
      });
    });
  });
});

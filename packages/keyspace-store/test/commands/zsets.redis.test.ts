// The sorted-set commands against real redis-server 7.0.15 through the shared oracle
// (redis-oracle.ts): one deterministic script goes to both, in RESP2 and in RESP3, and every
// reply must be the same bytes. Also compares keyspace hit/miss counts and keyspace events, and
// pins COMMAND INFO (arity, flags, key positions, ACL categories) and COMMAND GETKEYS.
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type { CommandArgs } from "@shoal/resp-codec";
import { describe, expect, it } from "vitest";
import { infoFlags } from "../../src/command-types.js";
import { cmd } from "../../src/commands/define.js";
import { keyCommands } from "../../src/commands/keys.js";
import { stringCommands } from "../../src/commands/strings.js";
import { zsetCommands } from "../../src/commands/zsets.js";
import { ArrayArgs, TestStore } from "../../src/test-kit.js";
import {
  compareScript,
  decodeReply,
  oracleForSuite,
  RedisOracle,
  replyLength,
} from "../redis-oracle.js";

// Plain sets are inputs of ZUNION/ZINTER/ZDIFF; a minimal SADD stands in for the set family here.
const saddStandIn = cmd(
  "sadd",
  -3,
  "write denyoom fast",
  [1, 1, 1],
  "@write @set @fast",
  (ctx, args, w) => {
    const key = args.latin1(1);
    let s = ctx.db.lookupWrite(key, ctx.now);
    if (s === undefined) {
      s = new Set<string>();
      ctx.db.add(key, s);
    }
    if (!(s instanceof Set))
      return w.error("WRONGTYPE Operation against a key holding the wrong kind of value");
    let n = 0;
    for (let i = 2; i < args.argc; i++) {
      const m = args.latin1(i);
      if (!s.has(m)) {
        s.add(m);
        n++;
      }
    }
    w.integer(n);
  },
);
const table = [...zsetCommands, ...keyCommands, ...stringCommands, saddStandIn];

// ---- The script ---------------------------------------------------------------------------------

const sp = (s: string) => s.split(" ");

function script(): string[][] {
  const c: string[][] = [];
  const add = (...lines: string[]) => {
    for (const l of lines) c.push(sp(l));
  };
  // ZADD options, errors and replies
  add(
    "ZADD z 1 a 2 b 3 c",
    "ZADD z 1 a",
    "ZADD z CH 5 a 2 b 9 d",
    "ZADD z NX 100 a 4 e",
    "ZADD z XX 100 zz 7 e",
    "ZADD z XX CH 8 e",
    "ZADD z GT 1 a 10 b",
    "ZADD z LT CH 1 a 100 b",
    "ZADD z GT LT 1 a",
    "ZADD z NX XX 1 a",
    "ZADD z NX GT 1 a",
    "ZADD z INCR 1 a 2 b",
    "ZADD z INCR 2.5 a",
    "ZADD z INCR NX 1 a",
    "ZADD z INCR XX 1 nope",
    "ZADD z INCR GT -1 a",
    "ZADD z 1",
    "ZADD z 1 a 2",
    "ZADD z x a",
    "ZADD z nan a",
    "ZADD z 1e400 a",
    "ZADD z 0x10 hex",
    // Hex floats round once to the nearest double (ties to even), subnormals included.
    "ZADD zhex 0x1.00000000000008000000001p0 a 0x1.00000000000008p0 b 0x1.0000001p-1075 c",
    "ZADD zhex 0x0p99999 d 0x1.8p-1074 e 1e-310 f",
    "ZADD zhex 0x1p-1075 x",
    "ZADD zhex 0x1.fffffffffffff8p1023 x",
    "ZRANGE zhex 0 -1 WITHSCORES",
    "ZADD z -inf lo +inf hi",
    "ZADD z INCR -inf hi",
    "ZADD z XX 1 a",
    "ZADD newxx XX 1 a",
    "ZADD newxx XX INCR 1 a",
    "EXISTS newxx",
    "ZINCRBY z 1.5 b",
    "ZINCRBY z 1 fresh",
    "ZINCRBY z abc b",
    "ZINCRBY z nx b",
    "ZINCRBY z +inf lo",
    "ZADD z 0.1 f 1e-7 g 123456789012345678 big -0 negzero 3.0000000000000004 h",
    "ZRANGE z 0 -1 WITHSCORES",
    "ZCARD z",
    "ZCARD nokey",
    "ZSCORE z a",
    "ZSCORE z nope",
    "ZSCORE nokey a",
    "ZMSCORE z a nope b",
    "ZMSCORE nokey a b",
    "ZRANK z a",
    "ZRANK z nope",
    "ZREVRANK z a",
    "ZREVRANK nokey a",
  );
  // Ranges by rank, score, lex
  add(
    "DEL z",
    "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g",
    "ZRANGE z 0 -1",
    "ZRANGE z 2 4 WITHSCORES",
    "ZRANGE z -3 -1",
    "ZRANGE z 5 2",
    "ZRANGE z 10 20",
    "ZRANGE z -100 100",
    "ZRANGE z 0 -1 REV WITHSCORES",
    "ZRANGE z 1 2 REV",
    "ZRANGE z x 1",
    "ZRANGE z 0 1 LIMIT 0 1",
    "ZRANGE z 0 1 FOO",
    "ZRANGE z (1 5 BYSCORE",
    "ZRANGE z 5 (1 BYSCORE REV WITHSCORES",
    "ZRANGE z -inf +inf BYSCORE LIMIT 2 3",
    "ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2 WITHSCORES",
    "ZRANGE z -inf +inf BYSCORE LIMIT -1 2",
    "ZRANGE z -inf +inf BYSCORE LIMIT 2 -1",
    "ZRANGE z -inf +inf BYSCORE LIMIT 2 0",
    "ZRANGE z -inf +inf BYSCORE LIMIT 7 1",
    "ZRANGE z -inf +inf BYSCORE LIMIT 1",
    "ZRANGE z 3 2 BYSCORE",
    "ZRANGE z (3 3 BYSCORE",
    "ZRANGE z x 3 BYSCORE",
    "ZRANGE z 1 3 BYSCORE BYLEX",
    "ZRANGEBYSCORE z 2 4",
    "ZRANGEBYSCORE z (2 (4 WITHSCORES",
    "ZRANGEBYSCORE z -inf +inf LIMIT 1 2 WITHSCORES",
    "ZRANGEBYSCORE z 1 2 REV",
    "ZRANGEBYSCORE z 1 2 BYSCORE",
    "ZRANGEBYSCORE z ( 3",
    "ZREVRANGEBYSCORE z 4 2",
    "ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 0 3",
    "ZREVRANGEBYSCORE z 2 4",
    "ZREVRANGE z 0 2 WITHSCORES",
    "ZREVRANGE z 0 2 REV",
    "ZCOUNT z 2 4",
    "ZCOUNT z (2 (4",
    "ZCOUNT z -inf +inf",
    "ZCOUNT z 5 1",
    "ZCOUNT z a b",
    "ZCOUNT nokey 1 2",
    "DEL l",
    "ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 g",
    "ZRANGE l [b [d BYLEX",
    "ZRANGE l (b (d BYLEX",
    "ZRANGE l - + BYLEX LIMIT 2 3",
    "ZRANGE l + - BYLEX REV",
    "ZRANGE l [d [b BYLEX REV LIMIT 1 5",
    "ZRANGE l - + BYLEX WITHSCORES",
    "ZRANGE l b d BYLEX",
    "ZRANGE l + - BYLEX",
    "ZRANGE l [a [a BYLEX",
    "ZRANGE l (a [a BYLEX",
    "ZRANGEBYLEX l - [c",
    "ZRANGEBYLEX l [aa (f",
    "ZRANGEBYLEX l - + LIMIT 1 1",
    "ZRANGEBYLEX l - + WITHSCORES",
    "ZREVRANGEBYLEX l [f (b",
    "ZREVRANGEBYLEX l + - LIMIT 0 2",
    "ZLEXCOUNT l - +",
    "ZLEXCOUNT l [b (e",
    "ZLEXCOUNT l (z +",
    "ZLEXCOUNT l x +",
    "ZLEXCOUNT nokey - +",
  );
  // Stores, removals, pops
  add(
    "ZRANGESTORE dst z 1 3",
    "ZRANGE dst 0 -1 WITHSCORES",
    "ZRANGESTORE dst z (2 +inf BYSCORE LIMIT 0 2",
    "ZRANGE dst 0 -1 WITHSCORES",
    "ZRANGESTORE dst l [c + BYLEX REV",
    "ZRANGE dst 0 -1",
    "ZRANGESTORE dst z 5 1 BYSCORE",
    "EXISTS dst",
    "ZRANGESTORE dst nokey 0 -1",
    "ZRANGESTORE dst z 0 -1 WITHSCORES",
    "ZRANGESTORE dst z 0 -1 LIMIT 0 1",
    "ZREMRANGEBYRANK z 0 1",
    "ZREMRANGEBYRANK z -1 -1",
    "ZREMRANGEBYRANK z 10 20",
    "ZREMRANGEBYRANK z a 1",
    "ZRANGE z 0 -1",
    "ZREMRANGEBYSCORE z (3 4",
    "ZREMRANGEBYSCORE z x 4",
    "ZREMRANGEBYSCORE nokey 1 2",
    "ZRANGE z 0 -1 WITHSCORES",
    "ZREMRANGEBYLEX l [b (d",
    "ZREMRANGEBYLEX l - (a",
    "ZREMRANGEBYLEX l x +",
    "ZRANGE l 0 -1",
    "ZREMRANGEBYLEX l - +",
    "EXISTS l",
    "ZREM z c nope",
    "ZREM z nope",
    "ZREM nokey a",
    "ZREM z e f",
    "EXISTS z",
    "ZADD p 1 a 2 b 3 c 4 d 5 e",
    "ZPOPMIN p",
    "ZPOPMAX p",
    "ZPOPMIN p 2",
    "ZPOPMIN p 0",
    "ZPOPMIN p -1",
    "ZPOPMIN p x",
    "ZPOPMIN p 1 2",
    "ZPOPMAX p 10",
    "EXISTS p",
    "ZPOPMIN p",
    "ZPOPMAX nokey 3",
    "ZADD p 1 a 2 b 3 c",
    "BZPOPMIN nokey p 0",
    "BZPOPMAX p 0.5",
    "BZPOPMIN p nokey x",
    "BZPOPMIN p -1",
    "ZADD m1 1 a 2 b",
    "ZADD m2 3 c",
    "ZMPOP 2 nokey m1 MIN",
    "ZMPOP 2 m1 m2 MAX COUNT 5",
    "ZMPOP 2 m1 m2 MIN COUNT 5",
    "ZMPOP 2 m1 m2 MIN",
    "ZMPOP 1 nokey MAX",
    "ZMPOP 0 m1 MIN",
    "ZMPOP x m1 MIN",
    "ZMPOP 5 m1 MIN",
    "ZMPOP 1 m1 FOO",
    "ZMPOP 1 m1 MIN COUNT 0",
    "ZMPOP 1 m1 MIN COUNT 1 COUNT 1",
    "ZMPOP 1 m1 MIN COUNT",
    "ZADD m3 5 x 6 y",
    "BZMPOP 0 2 m1 m3 MAX COUNT 1",
    "BZMPOP 0 1 m3 MIN",
    "BZMPOP x 1 m3 MIN",
    "BZMPOP 0 0 m3 MIN",
  );
  // Set algebra, with a plain set among the inputs
  add(
    "ZADD u1 1 a 2 b 3 c",
    "ZADD u2 10 b 20 c 30 d",
    "SADD s1 c d e",
    "ZUNION 2 u1 u2",
    "ZUNION 2 u1 u2 WITHSCORES",
    "ZUNION 3 u1 u2 s1 WITHSCORES",
    "ZUNION 2 u1 u2 WEIGHTS 2 0.5 WITHSCORES",
    "ZUNION 2 u1 u2 AGGREGATE MIN WITHSCORES",
    "ZUNION 2 u1 u2 AGGREGATE MAX WEIGHTS 1 -1 WITHSCORES",
    "ZUNION 2 u1 u2 WEIGHTS 1",
    "ZUNION 2 u1 u2 WEIGHTS 1 x",
    "ZUNION 2 u1 u2 AGGREGATE AVG",
    "ZUNION 0 u1",
    "ZUNION 3 u1 u2",
    "ZUNION x u1",
    "ZUNION 1 nokey",
    "ZINTER 2 u1 u2 WITHSCORES",
    "ZINTER 3 u1 u2 s1 WITHSCORES",
    "ZINTER 2 u1 u2 AGGREGATE MAX",
    "ZINTER 2 u1 nokey",
    "ZINTER 2 u1 u1 WITHSCORES",
    "ZDIFF 2 u1 u2 WITHSCORES",
    "ZDIFF 2 u2 s1 WITHSCORES",
    "ZDIFF 2 u1 u2 WEIGHTS 1 1",
    "ZDIFF 1 nokey",
    "ZUNIONSTORE out 2 u1 u2 WEIGHTS 1 2",
    "ZRANGE out 0 -1 WITHSCORES",
    "ZUNIONSTORE out 2 u1 u2 WITHSCORES",
    "ZINTERSTORE out 2 u1 u2 AGGREGATE MIN",
    "ZRANGE out 0 -1 WITHSCORES",
    "ZDIFFSTORE out 2 u2 u1",
    "ZRANGE out 0 -1 WITHSCORES",
    "ZINTERSTORE out 2 u1 nokey",
    "EXISTS out",
    "ZUNIONSTORE out 0 u1",
    "ZINTERCARD 2 u1 u2",
    "ZINTERCARD 3 u1 u2 s1",
    "ZINTERCARD 2 u1 u2 LIMIT 1",
    "ZINTERCARD 2 u1 u2 LIMIT 0",
    "ZINTERCARD 2 u1 u2 LIMIT -1",
    "ZINTERCARD 2 u1 u2 WITHSCORES",
    "ZINTERCARD 0 u1",
    "ZADD inf1 +inf a -inf b",
    "ZADD inf2 -inf a +inf b",
    "ZUNION 2 inf1 inf2 WITHSCORES",
    "ZINTER 2 inf1 inf2 WITHSCORES",
    "ZUNION 2 inf1 inf2 WEIGHTS 0 1 WITHSCORES",
  );
  // Random members (deterministic forms only), scans of a small set, wrong types
  add(
    "ZRANDMEMBER nokey",
    "ZRANDMEMBER nokey 5",
    "ZRANDMEMBER u1 0",
    "ZRANDMEMBER u1 3 WITHSCORES",
    "ZRANDMEMBER u1 10",
    "ZRANDMEMBER u1 1 FOO",
    "ZRANDMEMBER u1 x",
    "ZRANDMEMBER u1 -9223372036854775808",
    "ZRANDMEMBER u1 9223372036854775807 WITHSCORES",
    "ZSCAN u1 0",
    "ZSCAN u1 0 MATCH a*",
    "ZSCAN u1 0 COUNT 0",
    "ZSCAN u1 x",
    "ZSCAN u1 0 TYPE zset",
    "ZSCAN nokey 0",
    "SET str x",
    "ZADD str 1 a",
    "ZINCRBY str 1 a",
    "ZSCORE str a",
    "ZRANGE str 0 -1",
    "ZCOUNT str 1 2",
    "ZPOPMIN str",
    "BZPOPMIN nokey str 0",
    "ZMPOP 2 nokey str MIN",
    "ZUNION 2 u1 str",
    "ZINTERSTORE out 2 str u1",
    "ZRANGESTORE out str 0 -1",
    "ZREMRANGEBYRANK str 0 1",
    "ZSCAN str 0",
    "ZRANDMEMBER str",
    "ZRANGESTORE str u1 0 -1",
    "ZRANGE str 0 -1 WITHSCORES",
    "SET str2 x",
    "BZPOPMIN str2 x",
    "BZMPOP x 1 str2 MIN",
    "ZMPOP 1 str2 MIN COUNT x",
    "ZRANGE str2 a b",
    "ZRANGE str2 a b BYSCORE",
    "ZCOUNT str2 a b",
    "ZADD str2 NX XX 1 a",
    "ZADD str2 x a",
    "ZUNION 2 u1 str2 WEIGHTS 1",
    "ZRANGESTORE dst u1 (1 (3 BYSCORE REV",
    "ZRANGESTORE dst u1 (3 (1 BYSCORE REV",
    "ZRANGE dst 0 -1 WITHSCORES",
    "ZRANGESTORE dst u1 0 -1 REV",
    "ZRANGE dst 0 -1 WITHSCORES",
    "ZRANGE u1 [a [c BYLEX LIMIT 0 1 REV",
    "ZRANGE u1 0 -1 WITHSCORES WITHSCORES",
    "ZRANGE u1 0 -1 REV REV",
    "ZRANGE u1 0 -1 BYSCORE BYSCORE",
  );
  // Sets past the listpack limits (skiplist encoding in Redis): rank jumps, -0, long members
  const big: string[] = ["ZADD", "big"];
  const lexbig: string[] = ["ZADD", "lexbig"];
  for (let i = 0; i < 300; i++) {
    big.push(String((i * 37) % 101), `m${i}`);
    lexbig.push("0", `k${String(i).padStart(3, "0")}`);
  }
  c.push(big, lexbig);
  add(
    "ZCARD big",
    "ZRANGEBYSCORE big -inf +inf LIMIT 50 5 WITHSCORES",
    "ZRANGEBYSCORE big (10 +inf LIMIT 200 3",
    "ZREVRANGEBYSCORE big +inf -inf LIMIT 100 4 WITHSCORES",
    "ZRANGE big 150 155 WITHSCORES",
    "ZRANGE big -160 -150 REV",
    "ZRANK big m77",
    "ZREVRANK big m77",
    "ZCOUNT big 10 (50",
    "ZRANGE lexbig [k100 + BYLEX LIMIT 120 3",
    "ZRANGE lexbig (k250 - BYLEX REV LIMIT 20 3",
    "ZLEXCOUNT lexbig [k010 (k200",
    "ZADD big -0 negzero 1.5e-5 tiny 12345678901234567890 huge",
    "ZSCORE big negzero",
    "ZMSCORE big tiny huge",
    "ZADD small -0 negzero",
    "ZSCORE small negzero",
    "ZINCRBY small -0 negzero",
    "ZUNIONSTORE u0 1 big WEIGHTS -1",
    "ZRANGE u0 0 2 WITHSCORES",
    "ZRANGESTORE r0 big negzero (1 BYSCORE",
    "ZRANGE big -0 0 BYSCORE WITHSCORES",
    `ZADD big 1 ${"x".repeat(100)}`,
    "ZREMRANGEBYRANK big 100 199",
    "ZREMRANGEBYSCORE big 20 30",
    "ZREMRANGEBYLEX lexbig [k050 [k149",
    "ZCARD big",
    "ZCARD lexbig",
    "ZRANGE big 0 -1 WITHSCORES",
    "ZRANGE lexbig 0 -1",
    "ZPOPMAX big 3",
    "ZRANDMEMBER big 1000 WITHSCORES",
    "ZINTER 2 big lexbig",
    "ZUNION 2 big lexbig AGGREGATE MAX WITHSCORES",
    "ZDIFF 2 big u0 WITHSCORES",
    "OBJECT ENCODING big",
    "OBJECT ENCODING lexbig",
    "OBJECT ENCODING small",
    "OBJECT ENCODING u0",
    "ZRANGESTORE rs big 0 9",
    "OBJECT ENCODING rs",
    "ZUNIONSTORE us 1 rs",
    "OBJECT ENCODING us",
    "ZRANGESTORE rs2 big 0 199",
    "OBJECT ENCODING rs2",
    "ZREMRANGEBYRANK rs2 0 150",
    "OBJECT ENCODING rs2",
    `ZADD lp 1 ${"y".repeat(65)}`,
    "OBJECT ENCODING lp",
    `ZADD lp2 1 a 2 ${"y".repeat(65)}`,
    "OBJECT ENCODING lp2",
    "COPY big bigcopy",
    "OBJECT ENCODING bigcopy",
    "ZRANGE bigcopy 0 4 WITHSCORES",
    "EXPIRE us 100",
    "ZADD us 9 q",
    "TTL us",
    "ZUNIONSTORE us 1 rs",
    "TTL us",
    "TYPE us",
  );
  return c;
}

describe("sorted sets vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  for (const resp of [2, 3] as const) {
    it(`replies like Redis in RESP${resp}`, async () => {
      await oracle().command("FLUSHALL");
      const t = new TestStore(table);
      t.resp = resp;
      expect(await compareScript(t, oracle(), script())).toEqual([]);
    }, 60_000);
  }

  it("counts keyspace hits and misses as Redis does", async () => {
    await oracle().command("FLUSHALL");
    await oracle().command("CONFIG", "RESETSTAT");
    const t = new TestStore(table);
    // Sorted-set commands only (no blocking ones: without the script's SET a BZPOPMIN could wait).
    const steps = script().filter((c) => (c[0] as string).startsWith("Z"));
    expect(await compareScript(t, oracle(), steps)).toEqual([]);
    const info = decodeReply(await oracle().command("INFO", "stats")) as string;
    const stat = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);
    expect({
      hits: t.keyspace.stats.keyspaceHits,
      misses: t.keyspace.stats.keyspaceMisses,
    }).toEqual({
      hits: stat("keyspace_hits"),
      misses: stat("keyspace_misses"),
    });
  });

  it("sends the same keyspace events as Redis, in order", async () => {
    await oracle().command("FLUSHALL");
    await oracle().command("CONFIG", "SET", "notify-keyspace-events", "Ezg");
    // A second connection subscribed to every key event of db 0.
    const sub = net.connect({ port: oracle().server.port, host: "127.0.0.1" });
    let buf = Buffer.alloc(0);
    sub.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
    });
    const replies = (): unknown[] => {
      const out: unknown[] = [];
      let at = 0;
      for (let n = replyLength(buf, at); n > 0; n = replyLength(buf, at)) {
        out.push(decodeReply(buf.subarray(at, at + n)));
        at += n;
      }
      return out;
    };
    const waitFor = async (done: (r: unknown[]) => boolean) => {
      for (let i = 0; i < 500 && !done(replies()); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      sub.write("PSUBSCRIBE __keyevent@0__:*\r\n");
      await waitFor((r) => r.length >= 1);
      const ours: string[] = [];
      const t = new TestStore(table, {
        hooks: {
          notify: (_db, cls, ev, key) => {
            if (cls === "zset" || cls === "generic") ours.push(`${ev} ${key}`);
          },
        },
      });
      const steps = script().filter((c) => (c[0] as string).startsWith("Z"));
      expect(await compareScript(t, oracle(), steps)).toEqual([]);
      sub.write("PING\r\n");
      await waitFor((r) => JSON.stringify(r.at(-1)).includes("pong"));
      const theirs = (replies().slice(1, -1) as string[][]).map(
        (m) => `${(m[2] as string).replace("__keyevent@0__:", "")} ${m[3]}`,
      );
      expect(ours).toEqual(theirs);
      expect(ours.length).toBeGreaterThan(50);
    } finally {
      sub.destroy();
      await oracle().command("CONFIG", "SET", "notify-keyspace-events", "");
    }
  });

  it("propagates what Redis appends to its AOF", async () => {
    // A second server with an AOF fsynced on every write: its incr file is the reference.
    const aof = await RedisOracle.start(["--appendonly", "yes", "--appendfsync", "always"]);
    try {
      const t = new TestStore(table);
      const ours: string[] = [];
      const steps = [
        ...script().filter((c) => (c[0] as string).startsWith("Z")),
        ["ZADD", "bz", "1", "a", "2", "b"],
        ["BZPOPMIN", "nokey", "bz", "0"],
        ["BZMPOP", "0", "1", "bz", "MAX", "COUNT", "5"],
      ];
      for (const step of steps) {
        expect(await compareScript(t, aof, [step])).toEqual([]);
        for (const argv of t.last.propagated)
          ours.push(argv.map((a) => (Buffer.isBuffer(a) ? a.toString("latin1") : a)).join(" "));
      }
      const dir = path.join(aof.server.dir, "appendonlydir");
      const incr = readdirSync(dir).find((f) => f.endsWith(".incr.aof")) as string;
      const bytes = readFileSync(path.join(dir, incr));
      const theirs: string[] = [];
      for (let at = 0, n = replyLength(bytes, at); n > 0; at += n, n = replyLength(bytes, at))
        theirs.push((decodeReply(bytes.subarray(at, at + n)) as string[]).join(" "));
      expect(ours).toEqual(theirs.filter((c) => c !== "SELECT 0"));
      expect(ours.length).toBeGreaterThan(50);
    } finally {
      await aof.stop();
    }
  });

  it("pins COMMAND INFO for every command", async () => {
    await oracle().command("HELLO", "2");
    const names = zsetCommands.map((c) => c.name);
    const rows = decodeReply(await oracle().command("COMMAND", "INFO", ...names)) as unknown[][];
    const strip = (xs: unknown) => (xs as string[]).map((x) => x.replace(/^\+/, ""));
    zsetCommands.forEach((spec, i) => {
      const row = rows[i] as unknown[];
      expect({
        name: spec.name,
        arity: spec.arity,
        flags: infoFlags(spec),
        keys: [spec.firstKey, spec.lastKey, spec.step],
        acl: spec.aclCategories,
      }).toEqual({
        name: row[0],
        arity: row[1],
        flags: strip(row[2]),
        keys: [row[3], row[4], row[5]],
        acl: strip(row[6]),
      });
    });
  });

  it("finds the keys of numkeys commands as COMMAND GETKEYS does", async () => {
    await oracle().command("HELLO", "2");
    const cases = [
      "ZUNIONSTORE d 2 a b WEIGHTS 1 2",
      "ZINTER 3 a b c",
      "ZDIFF 1 a WITHSCORES",
      "ZINTERCARD 2 a b LIMIT 1",
      "ZMPOP 2 a b MIN COUNT 2",
      "BZMPOP 0 2 a b MAX",
      "ZDIFFSTORE d 1 a",
    ].map(sp);
    for (const c of cases) {
      const theirs = decodeReply(await oracle().command("COMMAND", "GETKEYS", ...c));
      const spec = zsetCommands.find((s) => s.name === (c[0] as string).toLowerCase());
      const args: CommandArgs = new ArrayArgs(c.map((a) => Buffer.from(a)));
      const idx = spec?.getKeys?.(args) ?? [];
      expect(idx.map((k) => c[k])).toEqual(theirs);
    }
  });
});

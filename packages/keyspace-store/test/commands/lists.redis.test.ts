// The list commands against real redis-server 7.0.15: one batch of commands (edge cases, errors,
// RESP2 and RESP3 null shapes, blocking forms inside MULTI) runs on Redis and on the store, and
// every reply must be the same bytes. Also checks the command table against COMMAND INFO.
import net from "node:net";
import type { CommandArgs } from "@shoal/resp-codec";
import { type ServerHandle, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CommandContext,
  type CommandSpec,
  infoFlags,
  type KeyspaceHooks,
} from "../../src/command-types.js";
import { listCommands } from "../../src/commands/lists.js";
import { Keyspace } from "../../src/keyspace.js";
import { ArrayArgs, EncodingWriter } from "../../src/test-kit.js";

// ---- Our side: run a spec and encode its reply as Redis would ---------------------------------

class Ours {
  readonly keyspace: Keyspace;
  resp: 2 | 3 = 2;
  constructor(hooks: KeyspaceHooks = {}) {
    this.keyspace = new Keyspace({ hooks });
  }
  private readonly table = new Map<string, CommandSpec>(listCommands.map((c) => [c.name, c]));

  /** The reply bytes; "" when the command blocked. */
  run(argv: Buffer[], canBlock: boolean): Buffer {
    const name = argv[0]?.toString("latin1").toLowerCase() ?? "";
    const db = this.keyspace.db(0);
    const w = new EncodingWriter(this.resp);
    // The few non-list commands the batch uses to set up keys.
    if (name === "set") {
      const key = argv[1]?.toString("latin1") ?? "";
      db.setKey(key, Buffer.from(argv[2] ?? ""));
      db.notify("string", "set", key);
      w.ok();
      return w.bytes();
    }
    if (name === "exists") {
      w.integer(db.has(argv[1]?.toString("latin1") ?? "", Date.now()) ? 1 : 0);
      return w.bytes();
    }
    if (name === "hello") {
      this.resp = Number(argv[1]?.toString()) as 2 | 3;
      return Buffer.alloc(0); // not compared
    }
    const spec = this.table.get(name);
    if (!spec?.handler) throw new Error(`no spec for ${name}`);
    if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
      w.error(`ERR wrong number of arguments for '${name}' command`);
      return w.bytes();
    }
    let blocked = false;
    const ctx: CommandContext = {
      keyspace: this.keyspace,
      db,
      dbIndex: 0,
      now: Date.now(),
      canBlock,
      propagateSelf() {},
      propagate() {},
      addDirty() {},
      block() {
        blocked = true;
      },
    };
    spec.handler(ctx, new ArrayArgs(argv) as CommandArgs, w);
    return blocked ? Buffer.alloc(0) : w.bytes();
  }
}

// ---- Redis's side: a pipelined exchange split into replies ------------------------------------

/** Parses one RESP2/RESP3 value at `pos`; returns it (simple/bulk as strings) and its end. */
function parseReply(buf: Buffer, pos: number): [unknown, number] | null {
  const eol = buf.indexOf("\r\n", pos, "latin1");
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos] as number);
  const line = buf.toString("latin1", pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case "+":
    case "-":
    case ":":
    case ",":
    case "#":
    case "(":
      return [line, next];
    case "_":
      return [null, next];
    case "$":
    case "=":
    case "!": {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString("latin1", next, next + n), next + n + 2];
    }
    case "*":
    case "~":
    case ">":
    case "%": {
      const n = Number(line) * (type === "%" ? 2 : 1);
      if (n < 0) return [null, next];
      const items: unknown[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        items.push(r[0]);
        p = r[1];
      }
      return [items, p];
    }
  }
  throw new Error(`bad RESP type byte ${type}`);
}

const encodeCommand = (argv: Buffer[]) =>
  Buffer.concat([
    Buffer.from(`*${argv.length}\r\n`),
    ...argv.flatMap((a) => [Buffer.from(`$${a.length}\r\n`), a, Buffer.from("\r\n")]),
  ]);

/** Sends the commands pipelined on one connection; resolves with each reply's raw bytes. */
function exchange(port: number, commands: Buffer[][]): Promise<Buffer[]> {
  return exchangeWithPushes(port, commands, commands.length).then((r) => r.replies);
}

/**
 * Like exchange, on a connection that may receive RESP3 pushes: resolves once `want` replies
 * (pushes not counted) have arrived, with the pushes parsed.
 */
function exchangeWithPushes(
  port: number,
  commands: Buffer[][],
  want: number,
): Promise<{ replies: Buffer[]; pushes: unknown[][] }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("redis did not answer every command"));
    }, 10_000);
    sock.on("error", reject);
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      const replies: Buffer[] = [];
      const pushes: unknown[][] = [];
      let p = 0;
      while (replies.length < want) {
        const r = parseReply(buf, p);
        if (r === null) return;
        if (buf[p] === 0x3e) pushes.push(r[0] as unknown[]);
        else replies.push(buf.subarray(p, r[1]));
        p = r[1];
      }
      clearTimeout(timer);
      sock.end();
      resolve({ replies, pushes });
    });
    sock.on("connect", () => sock.write(Buffer.concat(commands.map(encodeCommand))));
  });
}

// ---- The batch ----------------------------------------------------------------------------------

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** One step: a command, run inside MULTI/EXEC when `multi` (blocking forms that would block). */
type Step = { argv: Buffer[]; multi: boolean };
const BIN = "\xff\x00\r\n\x80";
/** A NUL and every byte 0x80-0xFF: 129 bytes, past ELEMENT_INLINE_MAX (a Buffer element). */
const HIGH = `\x00${range(128, (i) => String.fromCharCode(0x80 + i)).join("")}`;
/** Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong NUL, 0xFE/0xFF. */
const BAD_UTF8 = "\x80a\xe2\x82\xc0\x80\xfe\xff";

function steps(lines: string[]): Step[] {
  return lines.map((line) => {
    const multi = line.startsWith("MULTI ");
    const text = multi ? line.slice(6) : line;
    // Arguments are space-separated; "\e" is an empty argument, "\b" a binary one, "\h" NUL
    // and the bytes 0x80-0xFF (a long element), "\u" invalid UTF-8.
    const argv = text
      .split(" ")
      .map((a) =>
        Buffer.from(
          a === "\\e"
            ? ""
            : a.replaceAll("\\b", BIN).replaceAll("\\h", HIGH).replaceAll("\\u", BAD_UTF8),
          "latin1",
        ),
      );
    return { argv, multi };
  });
}

const BATCH = [
  "SET s x",
  "LPUSH l c b a",
  "RPUSH l d e f",
  "LPUSHX nokey a",
  "RPUSHX l g",
  "LPUSH s a",
  "LPUSH l",
  "LLEN l",
  "LLEN nokey",
  "LLEN s",
  "LRANGE l 0 -1",
  "LRANGE l -100 100",
  "LRANGE l 5 1",
  "LRANGE l 100 200",
  "LRANGE l -3 -1",
  "LRANGE l 9223372036854775807 -9223372036854775808",
  "LRANGE l abc 1",
  "LRANGE nokey abc 1",
  "LRANGE nokey 0 -1",
  "LINDEX l 0",
  "LINDEX l -1",
  "LINDEX l 7",
  "LINDEX l -8",
  "LINDEX l abc",
  "LINDEX nokey abc",
  "LINDEX s 0",
  "LSET l 1 B",
  "LSET l -2 F",
  "LSET l 7 x",
  "LSET l abc x",
  "LSET nokey 0 x",
  "LSET s 0 x",
  "LRANGE l 0 -1",
  "LINSERT l BEFORE B b0",
  "LINSERT l after F f0",
  "LINSERT l before zz x",
  "LINSERT l middle B x",
  "LINSERT nokey before a b",
  "LINSERT s before a b",
  "LRANGE l 0 -1",
  "RPUSH r x y x z x x",
  "LREM r 1 x",
  "LREM r -1 x",
  "LREM r 0 x",
  "LREM r 0 nothere",
  "LREM r abc x",
  "LREM nokey 0 x",
  "LREM r 0 y",
  "LREM r 0 z",
  "LLEN r",
  "RPUSH t 1 2 3 4 5 6 7 8",
  "LTRIM t 1 -2",
  "LRANGE t 0 -1",
  "LTRIM t -100 100",
  "LTRIM t 5 1",
  "LLEN t",
  "LTRIM nokey 0 1",
  "LTRIM s 0 1",
  "LTRIM t abc 1",
  "RPUSH p a b c d 1 2 3 4 3 3 3",
  "LPOS p 3",
  "LPOS p 3 COUNT 0 RANK 2",
  "LPOS p 3 RANK -1",
  "LPOS p 3 RANK -2 COUNT 2",
  "LPOS p 3 COUNT 2 MAXLEN 9",
  "LPOS p 3 MAXLEN 6",
  "LPOS p zz",
  "LPOS p zz COUNT 1",
  "LPOS p 3 RANK 0",
  "LPOS p 3 RANK abc",
  "LPOS p 3 RANK -9223372036854775808",
  "LPOS p 3 RANK -9223372036854775808 COUNT 1",
  "LPOS p 3 COUNT -1",
  "LPOS p 3 MAXLEN -1",
  "LPOS p 3 COUNT",
  "LPOS p 3 FOO 1",
  "LPOS nokey 3",
  "LPOS nokey 3 COUNT 0",
  "LPOS s 3",
  "LPOP p",
  "RPOP p",
  "LPOP p 2",
  "RPOP p 3",
  "LPOP p 0",
  "LPOP nokey",
  "LPOP nokey 0",
  "LPOP nokey 3",
  "LPOP p -1",
  "LPOP p abc",
  "LPOP p 1 2",
  "RPOP p 1 2",
  "RPOP s",
  "RPOP p 100",
  "EXISTS p",
  "RPUSH m one two three",
  "LMOVE m m2 RIGHT LEFT",
  "LMOVE m m2 left right",
  "LMOVE m m left left",
  "LMOVE m s left left",
  "LMOVE s m left left",
  "LMOVE nokey s left left",
  "LMOVE m m2 up left",
  "LMOVE m m2 left down",
  "RPOPLPUSH m2 m2",
  "RPOPLPUSH m2 m",
  "RPOPLPUSH nokey m",
  "RPOPLPUSH m s",
  "LRANGE m 0 -1",
  "LRANGE m2 0 -1",
  "RPUSH one x",
  "LMOVE one one right right",
  "LRANGE one 0 -1",
  "LMPOP 2 nokey m2 LEFT",
  "LMPOP 2 nokey m RIGHT COUNT 10",
  "LMPOP 1 nokey left",
  "LMPOP 2 nokey s left",
  "LMPOP 0 m left",
  "LMPOP -1 m left",
  "LMPOP abc m left",
  "LMPOP 2 m left",
  "LMPOP 1 m middle",
  "LMPOP 1 m left count",
  "LMPOP 1 m left count 0",
  "LMPOP 1 m left count abc",
  "LMPOP 1 m left count 1 count 2",
  "LMPOP 1 m left foo",
  "LMPOP 1 m",
  "RPUSH b1 a b c",
  "BLPOP nokey b1 0",
  "BRPOP nokey b1 1.5",
  "BLPOP nokey s 0",
  "BLPOP b1 abc",
  "BLPOP b1 -1",
  "BLPOP b1 inf",
  "BLPOP b1 nan",
  "BLPOP b1 0x10",
  "BLPOP b1 \\e",
  "MULTI BLPOP nokey 0",
  "MULTI BRPOP nokey nokey2 0.001",
  "MULTI BLMOVE nokey x left left 0",
  "MULTI BRPOPLPUSH nokey x 0",
  "MULTI BLMPOP 0 2 nokey nokey2 left",
  "MULTI BLMPOP 0 1 nokey left count 3",
  "RPUSH b2 1 2 3",
  "BLMOVE b2 b3 LEFT RIGHT 0",
  "BRPOPLPUSH b2 b3 0",
  "BLMOVE b2 s LEFT RIGHT 0",
  "BLMOVE b2 b3 up RIGHT 0",
  "BLMOVE b2 b3 LEFT RIGHT abc",
  "BRPOPLPUSH b2 b3 -5",
  "BLMPOP 0 2 nokey b3 RIGHT COUNT 5",
  "BLMPOP abc 1 b2 left",
  "BLMPOP abc 0 b2 left",
  "BLMPOP abc 1 b2 middle",
  "BLMPOP 0 1 b2 left count 0",
  "BLMPOP 0 1 b2 left",
  "RPUSH \\b \\b \\e \\b",
  "LRANGE \\b 0 -1",
  "LPOS \\b \\b COUNT 0",
  "LREM \\b 0 \\e",
  "LMPOP 1 \\b left count 5",
  // Binary elements of both shapes (short strings, long Buffers) read back byte for byte.
  "RPUSH bin \\h \\u \\b \\e \\h\\h \\u\\h",
  "LRANGE bin 0 -1",
  "LINDEX bin 0",
  "LINDEX bin 1",
  "LINDEX bin -1",
  "LPOS bin \\h RANK -1",
  "LPOS bin \\u COUNT 0",
  "LINSERT bin AFTER \\u \\h\\u",
  "LINSERT bin BEFORE \\h\\h \\u",
  "LSET bin 2 \\u\\u",
  "LREM bin -1 \\h",
  "LRANGE bin 0 -1",
  "LPOP bin 2",
  "RPOP bin",
  "LMOVE bin bin2 RIGHT LEFT",
  "RPOPLPUSH bin bin2",
  "LPUSH bin2 \\u \\h",
  "LPOP bin2",
  "LRANGE bin2 0 -1",
  "LMPOP 2 bin bin2 RIGHT COUNT 10",
  "BLPOP bin bin2 0",
];

// ---- The tests ----------------------------------------------------------------------------------

describe("lists against redis-server 7.0.15", () => {
  let redis: ServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    await redis?.stop();
  });

  /** Runs the batch on both sides (in `resp`), returns the mismatching steps. */
  async function compare(resp: 2 | 3): Promise<string[]> {
    const run = steps(BATCH);
    // Both sides start empty: FLUSHALL and HELLO lead the exchange (their replies are skipped).
    const wire: Buffer[][] = [["FLUSHALL"], ["HELLO", String(resp)]].map((c) =>
      c.map((a) => Buffer.from(a)),
    );
    for (const s of run) {
      if (s.multi) wire.push([Buffer.from("MULTI")], s.argv, [Buffer.from("EXEC")]);
      else wire.push(s.argv);
    }
    const replies = await exchange(redis.port, wire);
    const ours = new Ours();
    ours.resp = resp;
    const bad: string[] = [];
    let r = 2;
    for (const s of run) {
      const mine = ours.run(s.argv, !s.multi);
      let theirs: Buffer;
      let want: Buffer;
      if (s.multi) {
        theirs = Buffer.concat(replies.slice(r, r + 3));
        want = Buffer.concat([Buffer.from("+OK\r\n+QUEUED\r\n*1\r\n"), mine]);
        r += 3;
      } else {
        theirs = replies[r] as Buffer;
        want = mine;
        r++;
      }
      if (!want.equals(theirs)) {
        const show = (b: Buffer) => JSON.stringify(b.toString("latin1"));
        bad.push(
          `${s.argv.map((a) => a.toString("latin1")).join(" ")}: ours ${show(want)} redis ${show(theirs)}`,
        );
      }
    }
    return bad;
  }

  it("every reply matches byte for byte in RESP2", async () => {
    expect(await compare(2)).toEqual([]);
  });

  it("every reply matches byte for byte in RESP3", async () => {
    expect(await compare(3)).toEqual([]);
  });

  it("emits the same keyspace events, in the same order", async () => {
    const run = steps(BATCH).filter((s) => !s.multi);
    const b = (...a: string[]) => a.map((x) => Buffer.from(x));
    // One RESP3 connection subscribes to every key event, then runs the batch; a last PING
    // guarantees every event of the batch was pushed before the final reply.
    const wire = [
      b("FLUSHALL"),
      b("HELLO", "3"),
      b("CONFIG", "SET", "notify-keyspace-events", "KEA"),
      b("PSUBSCRIBE", "__keyevent@0__:*"), // confirmed by a push in RESP3
      ...run.map((s) => s.argv),
      b("PING"),
    ];
    const { pushes } = await exchangeWithPushes(redis.port, wire, wire.length - 1);
    const theirs = pushes
      .filter((m) => m[0] === "pmessage")
      .map((m) => `${String(m[2]).replace("__keyevent@0__:", "")} ${m[3]}`);
    const events: string[] = [];
    // KEA: every class but "new" (n) and "keymiss" (m).
    const ours = new Ours({
      notify: (_db, cls, ev, key) => {
        if (cls !== "new" && cls !== "keymiss") events.push(`${ev} ${key}`);
      },
    });
    ours.resp = 3;
    for (const s of run) ours.run(s.argv, true);
    expect(events.length).toBeGreaterThan(50);
    expect(events).toEqual(theirs);
  });

  it("the command table matches COMMAND INFO", async () => {
    const names = listCommands.map((c) => c.name);
    const [raw] = await exchange(redis.port, [
      ["COMMAND", "INFO", ...names].map((a) => Buffer.from(a)),
    ]);
    const info = (parseReply(raw as Buffer, 0) as [unknown[][], number])[0];
    const theirs = info.map((e) => ({
      name: e[0],
      arity: Number(e[1]),
      flags: e[2],
      keys: [Number(e[3]), Number(e[4]), Number(e[5])],
      acl: e[6],
    }));
    const ours = listCommands.map((c) => ({
      name: c.name,
      arity: c.arity,
      flags: [...infoFlags(c)],
      keys: [c.firstKey, c.lastKey, c.step],
      acl: [...c.aclCategories],
    }));
    expect(ours).toEqual(theirs);
  });
});

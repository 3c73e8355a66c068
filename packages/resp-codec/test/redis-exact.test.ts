// Byte-exact agreement with a real redis-server 7.0.15: for each command, the bytes Redis sends
// (RESP2 and RESP3) equal what ReplyBuffer writes for the same reply; every protocol error the
// command decoder reports is the error Redis sends for the same bytes; inline commands split
// the way Redis splits them (checked through ECHO).
import net from "node:net";
import { rawExchange, type ServerHandle, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CommandArg,
  CommandDecoder,
  DecodeResult,
  encodeCommandBuffer,
  ReplyBuffer,
  ReplyDecoder,
} from "../src/index.js";

type Expect = (w: ReplyBuffer) => void;

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const DEBUG_PROTOCOL: Array<[string, Expect, number?]> = [
  ["string", (w) => w.bulk("Hello World")],
  ["integer", (w) => w.integer(12345)],
  ["double", (w) => w.double(3141 / 1000)],
  ["bignum", (w) => w.bigNumber("1234567999999999999999999999999999999")],
  ["null", (w) => w.nullBulk()],
  [
    "array",
    (w) => {
      w.array(3);
      for (let j = 0; j < 3; j++) w.integer(j);
    },
  ],
  [
    "set",
    (w) => {
      w.set(3);
      for (let j = 0; j < 3; j++) w.integer(j);
    },
  ],
  [
    "map",
    (w) => {
      w.map(3);
      for (let j = 0; j < 3; j++) {
        w.integer(j);
        w.bool(j === 1);
      }
    },
  ],
  [
    "attrib",
    (w) => {
      if (w.resp === 3) {
        w.attribute(1);
        w.bulk("key-popularity");
        w.array(2);
        w.bulk("key:123");
        w.integer(90);
      }
      w.bulk("Some real reply following the attribute");
    },
  ],
  ["verbatim", (w) => w.verbatim("txt", "This is a verbatim\nstring")],
  ["true", (w) => w.bool(true)],
  ["false", (w) => w.bool(false)],
];

const CASES: Array<[CommandArg[], Expect]> = [
  [["SET", "k", "v"], (w) => w.ok()],
  [["GET", "nokey"], (w) => w.nullBulk()],
  [["GET", "k"], (w) => w.bulk("v")],
  [["INCR", "n"], (w) => w.integer(1)],
  [["INCRBY", "n", "-9223372036854775807"], (w) => w.integer(-9223372036854775806n)],
  [["ECHO", Buffer.from([0, 255, 13, 10])], (w) => w.bulk(Buffer.from([0, 255, 13, 10]))],
  [["ECHO", ""], (w) => w.bulk("")],
  [
    ["ZADD", "z", "1.1", "m", "1000000000000000.25", "t", "inf", "i", "-1e-300", "s"],
    (w) => w.integer(4),
  ],
  [["ZSCORE", "z", "m"], (w) => w.double(1.1)],
  [["ZSCORE", "z", "t"], (w) => w.double(4000000000000001 / 4)],
  [["ZSCORE", "z", "i"], (w) => w.double(Number.POSITIVE_INFINITY)],
  [["ZSCORE", "z", "s"], (w) => w.double(-1e-300)],
  [
    ["ZRANGE", "z", "0", "0", "WITHSCORES"],
    (w) => {
      // Redis 7.0 nests [member, score] pairs in RESP3 only.
      if (w.resp === 3) {
        w.array(1);
        w.array(2);
      } else w.array(2);
      w.bulk("s");
      w.double(-1e-300);
    },
  ],
  [["HSET", "h", "f", "v"], (w) => w.integer(1)],
  [
    ["HGETALL", "h"],
    (w) => {
      w.map(1);
      w.bulk("f");
      w.bulk("v");
    },
  ],
  [["SADD", "s", "a"], (w) => w.integer(1)],
  [
    ["SMEMBERS", "s"],
    (w) => {
      w.set(1);
      w.bulk("a");
    },
  ],
  [["LRANGE", "nolist", "0", "-1"], (w) => w.array(0)],
  [["LPUSH", "k", "x"], (w) => w.error(WRONGTYPE)],
  [["BLPOP", "nolist", "0.01"], (w) => w.nullArray()],
  [["EXISTS", "k", "h", "nokey"], (w) => w.integer(2)],
  [["DEL", "n", "z", "h", "s", "k"], (w) => w.integer(5)],
  ...DEBUG_PROTOCOL.map(([name, e]): [CommandArg[], Expect] => [["DEBUG", "PROTOCOL", name], e]),
];

/** Sends commands on one connection (after HELLO 3 for RESP3) and returns the reply bytes. */
async function session(port: number, resp: 2 | 3, commands: CommandArg[][]): Promise<Buffer> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  await new Promise<void>((res, rej) => {
    sock.once("connect", () => res());
    sock.once("error", rej);
  });
  try {
    let collected: Buffer[] = [];
    let count = 0;
    let wake: (() => void) | null = null;
    const dec = new ReplyDecoder({
      onReply: () => count++,
      onPush: () => count++,
    });
    sock.on("data", (d: Buffer) => {
      collected.push(d);
      dec.feed(d);
      wake?.();
    });
    const until = async (n: number) => {
      while (count < n) await new Promise<void>((r) => (wake = r));
    };
    if (resp === 3) {
      sock.write(encodeCommandBuffer(["HELLO", "3"]));
      await until(1);
      collected = [];
      count = 0;
    }
    sock.write(Buffer.concat(commands.map(encodeCommandBuffer)));
    // DEBUG PROTOCOL push sends a push and a reply.
    await until(commands.length + commands.filter((c) => c[2] === "push").length);
    return Buffer.concat(collected);
  } finally {
    sock.destroy();
  }
}

function expected(resp: 2 | 3, expects: Expect[]): Buffer {
  const w = new ReplyBuffer({ resp });
  for (const e of expects) e(w);
  return w.take() ?? Buffer.alloc(0);
}

/** What our decoder says about `bytes`: the first error (as Redis would send it) or the commands. */
function ourVerdict(bytes: Buffer): { error: string } | { commands: Buffer[][] } {
  const d = new CommandDecoder();
  d.feed(bytes);
  const commands: Buffer[][] = [];
  for (;;) {
    const r = d.next();
    if (r === DecodeResult.Error) return { error: `-ERR ${d.error}\r\n` };
    if (r === DecodeResult.NeedMore) return { commands };
    commands.push(Array.from({ length: d.argc }, (_, i) => d.copy(i)));
  }
}

const PROTOCOL_ERRORS = [
  "*x\r\n",
  "*-0\r\n",
  "*2147483648\r\n",
  "*1\r\n$x\r\n",
  "*1\r\n$-1\r\n",
  "*1\r\n$01\r\n",
  "*1\r\n$536870913\r\n",
  "*1\r\n:1\r\n",
  "*1\r\n\r\n",
  "*1\r\n\xff1\r\n",
  'PING "x\r\n',
  "PING 'x\r\n",
  "PING 'x'y\r\n",
  'PING "x"y\r\n',
  'PING "x\\"\r\n',
  `${"a".repeat(70000)}`,
  `*1${"1".repeat(70000)}`,
  `*1\r\n$1${"1".repeat(70000)}`,
];

const INLINE_ECHOES = [
  'ECHO "a\\x41\\x4g\\n\\t\\b\\a\\\\\\"z"\r\n',
  "ECHO 'it\\'s' \r\n",
  "ECHO a\vb\r\n",
  "ECHO \f\v ab\r\n",
  'ECHO a"b c"\r\n',
  "ECHO ''\n",
  "ECHO a\rb\r\n",
];

describe("byte-exact with redis-server 7.0.15", () => {
  let server: ServerHandle;
  let authServer: ServerHandle;
  beforeAll(async () => {
    [server, authServer] = await Promise.all([
      startRedisServer({ args: ["--enable-debug-command", "yes"] }),
      startRedisServer({ args: ["--requirepass", "secret"] }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), authServer?.stop()]);
  });

  for (const resp of [2, 3] as const) {
    it(`replies, RESP${resp}`, async () => {
      const got = await session(
        server.port,
        resp,
        CASES.map(([c]) => c),
      );
      const want = expected(
        resp,
        CASES.map(([, e]) => e),
      );
      expect(got.toString("latin1")).toBe(want.toString("latin1"));
    });
  }

  it("DEBUG PROTOCOL push (RESP3 push, then the reply)", async () => {
    const got = await session(server.port, 3, [["DEBUG", "PROTOCOL", "push"]]);
    const w = new ReplyBuffer({ resp: 3 });
    w.push(2);
    w.bulk("server-cpu-usage");
    w.integer(42);
    w.bulk("Some real reply following the push reply");
    expect(got.toString("latin1")).toBe(w.take()!.toString("latin1"));
  });

  for (const input of PROTOCOL_ERRORS) {
    it(`protocol error for ${JSON.stringify(input.slice(0, 24))}`, async () => {
      const bytes = Buffer.from(input, "latin1");
      const ours = ourVerdict(bytes);
      expect(ours).toHaveProperty("error");
      const theirs = await rawExchange(server.port, bytes, { timeout: 5000 });
      expect(theirs.toString("latin1")).toBe((ours as { error: string }).error);
    });
  }

  it("unauthenticated limits", async () => {
    for (const input of ["*11\r\n", "*1\r\n$16385\r\n"]) {
      const d = new CommandDecoder({ authenticated: false });
      d.feed(Buffer.from(input));
      expect(d.next()).toBe(DecodeResult.Error);
      const theirs = await rawExchange(authServer.port, input, { timeout: 5000 });
      expect(theirs.toString("latin1")).toBe(`-ERR ${d.error}\r\n`);
    }
  });

  for (const input of INLINE_ECHOES) {
    it(`inline split of ${JSON.stringify(input)}`, async () => {
      const bytes = Buffer.from(input, "latin1");
      const ours = ourVerdict(bytes);
      expect(ours).toHaveProperty("commands");
      const [cmd] = (ours as { commands: Buffer[][] }).commands;
      const w = new ReplyBuffer();
      if (cmd!.length === 2) w.bulk(cmd![1]!);
      else w.error(`ERR wrong number of arguments for 'echo' command`);
      const theirs = await rawExchange(server.port, bytes, {
        timeout: 5000,
        done: (b) => b.length >= w.pendingBytes,
      });
      expect(theirs.toString("latin1")).toBe(w.take()!.toString("latin1"));
    });
  }
});

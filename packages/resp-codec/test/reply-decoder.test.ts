// The client-side reply decoder: every RESP2/RESP3 type, whole, byte by byte and in random
// chunks (the results must not depend on where the stream is cut), and malformed input.
import { describe, expect, it } from "vitest";
import {
  ReplyDecoder,
  type ReplyDecoderOptions,
  RespError,
  RespProtocolError,
} from "../src/index.js";

type Opts = Omit<ReplyDecoderOptions, "onReply" | "onPush" | "onAttribute">;

function run(chunks: Buffer[], opts: Opts) {
  const replies: unknown[] = [];
  const pushes: unknown[] = [];
  const attributes: unknown[] = [];
  const d = new ReplyDecoder({
    ...opts,
    onReply: (v) => replies.push(v),
    onPush: (v) => pushes.push(v),
    onAttribute: (a) => attributes.push(a),
  });
  for (const c of chunks) d.feed(c);
  return { replies, pushes, attributes, buffered: d.bufferedBytes };
}

/** Decodes whole, byte by byte and in random chunks; all three must agree. */
function decode(input: string | Buffer, opts: Opts = {}) {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input, "latin1");
  const whole = run([buf], opts);
  expect(
    run(
      [...buf].map((b) => Buffer.from([b])),
      opts,
    ),
  ).toEqual(whole);
  let x = buf.length + 7;
  const chunks: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (x % 9);
    chunks.push(buf.subarray(off, off + n));
    off += n;
  }
  expect(run(chunks, opts)).toEqual(whole);
  return whole;
}

const one = (input: string, opts: Opts = {}) => {
  const { replies } = decode(input, opts);
  expect(replies).toHaveLength(1);
  return replies[0];
};

describe("ReplyDecoder: RESP2", () => {
  it("simple strings, integers, bulk strings, nulls, arrays", () => {
    const { replies, buffered } = decode(
      "+OK\r\n:42\r\n:-7\r\n:0\r\n$3\r\nbar\r\n$-1\r\n$0\r\n\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n*0\r\n",
    );
    expect(replies).toEqual(["OK", 42, -7, 0, "bar", null, "", ["a", [1]], null, []]);
    expect(buffered).toBe(0);
  });

  it("error replies are values", () => {
    const [e] = decode("-ERR unknown command 'FOO'\r\n").replies;
    expect(e).toBeInstanceOf(RespError);
    expect((e as Error).message).toBe("ERR unknown command 'FOO'");
  });

  it("binary-safe bulk strings, as Buffers when asked", () => {
    const bytes = Buffer.from([0x24, 0x34, 13, 10, 0xff, 13, 10, 0x00, 13, 10]);
    expect(decode(bytes, { returnBuffers: true }).replies).toEqual([
      Buffer.from([0xff, 13, 10, 0]),
    ]);
  });

  it("UTF-8 split across chunks", () => {
    expect(decode(Buffer.from("$4\r\néé\r\n", "utf8")).replies).toEqual(["éé"]);
  });

  it("64-bit integers", () => {
    expect(one(":9223372036854775807\r\n")).toBe(2 ** 63);
    expect(one(":-9223372036854775808\r\n", { bigInts: true })).toBe(-9223372036854775808n);
    expect(one(":9007199254740991\r\n", { bigInts: true })).toBe(9007199254740991);
  });

  it("deep nesting resumes without re-parsing", () => {
    const depth = 1000;
    const input = `${"*1\r\n".repeat(depth)}:1\r\n`;
    let v = one(input) as unknown;
    for (let i = 0; i < depth; i++) v = (v as unknown[])[0];
    expect(v).toBe(1);
  });
});

describe("ReplyDecoder: RESP3", () => {
  it("null, booleans, doubles, big numbers", () => {
    expect(decode("_\r\n#t\r\n#f\r\n,1.5\r\n,-0.25e3\r\n,inf\r\n,-inf\r\n,10\r\n").replies).toEqual(
      [null, true, false, 1.5, -250, Infinity, -Infinity, 10],
    );
    expect(one(",nan\r\n")).toBeNaN();
    expect(one("(3492890328409238509324850943850943825024385\r\n")).toBe(
      3492890328409238509324850943850943825024385n,
    );
  });

  it("bulk errors and verbatim strings", () => {
    const e = one("!21\r\nSYNTAX invalid syntax\r\n");
    expect(e).toBeInstanceOf(RespError);
    expect((e as Error).message).toBe("SYNTAX invalid syntax");
    expect(one("=15\r\ntxt:Some string\r\n")).toBe("Some string");
    expect(one("=8\r\nmkd:a\r\nb\r\n", { builders: { verbatim: (f, t) => ({ f, t }) } })).toEqual({
      f: "mkd",
      t: "a\r\nb",
    });
  });

  it("maps and sets", () => {
    expect(one("%2\r\n+first\r\n:1\r\n+second\r\n*2\r\n:2\r\n:3\r\n")).toEqual(
      new Map<unknown, unknown>([
        ["first", 1],
        ["second", [2, 3]],
      ]),
    );
    expect(one("~3\r\n+a\r\n+b\r\n+a\r\n")).toEqual(new Set(["a", "b"]));
    expect(one("%0\r\n")).toEqual(new Map());
    expect(one("~0\r\n")).toEqual(new Set());
    expect(one("~2\r\n:1\r\n:2\r\n", { builders: { set: (items) => items } })).toEqual([1, 2]);
  });

  it("attributes go aside and the annotated value follows, also inside aggregates", () => {
    const { replies, attributes } = decode(
      "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n|0\r\n+x\r\n",
    );
    expect(replies).toEqual([[2039123, 9543892], [1, 2], "x"]);
    expect(attributes).toEqual([
      new Map([
        [
          "key-popularity",
          new Map([
            ["a", 0.1923],
            ["b", 0.0012],
          ]),
        ],
      ]),
      new Map([["ttl", 3600]]),
      new Map(),
    ]);
  });

  it("pushes go apart from replies", () => {
    const { replies, pushes } = decode(
      ":1\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n:2\r\n>0\r\n*1\r\n>1\r\n:5\r\n",
    );
    expect(replies).toEqual([1, 2, [[5]]]);
    expect(pushes).toEqual([["message", "ch", "hi"], []]);
  });

  it("pushes go to onReply when there is no onPush", () => {
    const got: unknown[] = [];
    const d = new ReplyDecoder({ onReply: (v) => got.push(v) });
    d.feed(Buffer.from(">2\r\n+a\r\n+b\r\n"));
    expect(got).toEqual([["a", "b"]]);
  });
});

describe("ReplyDecoder: malformed input", () => {
  const bad = [
    "?\r\n",
    ":12a\r\n",
    ":\r\n",
    "$x\r\n",
    "$-2\r\n",
    "$3\r\nabcd\r\n",
    "+OK\rx",
    "#x\r\n",
    ",1.2.3\r\n",
    "(12a\r\n",
    "=2\r\nab\r\n",
    "*1x\r\n",
    "_x\r\n",
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)} with one RespProtocolError, then keeps failing`, () => {
      const d = new ReplyDecoder({ onReply: () => {} });
      let first: unknown;
      try {
        d.feed(Buffer.from(input, "latin1"));
      } catch (e) {
        first = e;
      }
      expect(first).toBeInstanceOf(RespProtocolError);
      expect(() => d.feed(Buffer.from("+OK\r\n"))).toThrow(first as Error);
      d.reset();
      const got: unknown[] = [];
      const d2 = new ReplyDecoder({ onReply: (v) => got.push(v) });
      d2.feed(Buffer.from("+OK\r\n"));
      expect(got).toEqual(["OK"]);
    });
  }

  it("refuses bulk strings over maxBulkLength before buffering them", () => {
    const d = new ReplyDecoder({ onReply: () => {}, maxBulkLength: 10 });
    expect(() => d.feed(Buffer.from("$11\r\n"))).toThrow(RespProtocolError);
  });

  it("holds chunks of a long line until its CR arrives", () => {
    const got: unknown[] = [];
    const d = new ReplyDecoder({ onReply: (v) => got.push(v) });
    const line = "x".repeat(50_000);
    d.feed(Buffer.from(`:1\r\n+${line.slice(0, 10)}`));
    for (let i = 10; i < line.length; i += 7) d.feed(Buffer.from(line.slice(i, i + 7)));
    expect(got).toEqual([1]);
    expect(d.bufferedBytes).toBe(50_001);
    d.feed(Buffer.from("\r"));
    d.feed(Buffer.from("\n:2\r\n"));
    expect(got).toEqual([1, line, 2]);
  });

  it("holds a large bulk's chunks and joins them once", () => {
    const got: unknown[] = [];
    const d = new ReplyDecoder({ onReply: (v) => got.push(v), returnBuffers: true });
    d.feed(Buffer.from("$100000\r\n"));
    for (let i = 0; i < 100; i++) d.feed(Buffer.alloc(1000, 98));
    expect(got).toEqual([]);
    expect(d.bufferedBytes).toBe(100_009);
    d.feed(Buffer.from("\r\n:1\r\n"));
    expect(got).toEqual([Buffer.alloc(100_000, 98), 1]);
    expect(d.bufferedBytes).toBe(0);
  });
});

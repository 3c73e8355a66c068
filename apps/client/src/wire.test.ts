// The client's byte seam: replies decoded whole and byte by byte (as node-redis tests its
// decoder), errors as values, pushes apart, and the command encoder.
import { describe, expect, it } from "vitest";
import { MovedError, ProtocolError, ReplyError } from "./errors.js";
import { DoubleReply, MapReply, SetReply, StatusReply } from "./reply-types.js";
import { createReplyDecoder, encodeCommand } from "./wire.js";

function decode(bytes: string | Buffer, opts: { returnBuffers?: boolean; typed?: boolean } = {}) {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, "latin1");
  const run = (chunks: Buffer[]) => {
    const replies: unknown[] = [];
    const pushes: unknown[] = [];
    const d = createReplyDecoder({
      returnBuffers: opts.returnBuffers ?? false,
      ...(opts.typed ? { typed: true } : {}),
      onReply: (v) => replies.push(v),
      onPush: (v) => pushes.push(v),
    });
    for (const c of chunks) d.feed(c);
    return { replies, pushes };
  };
  const whole = run([buf]);
  const bytewise = run([...buf].map((b) => Buffer.from([b])));
  expect(bytewise).toEqual(whole);
  return whole;
}

describe("reply decoding", () => {
  it("decodes RESP2 types", () => {
    const { replies } = decode(
      "+OK\r\n:42\r\n:-7\r\n$3\r\nbar\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n*0\r\n$0\r\n\r\n",
    );
    expect(replies).toEqual(["OK", 42, -7, "bar", null, ["a", [1]], null, [], ""]);
  });

  it("returns error replies as typed values", () => {
    const { replies } = decode("-ERR unknown command 'FOO'\r\n-MOVED 3999 127.0.0.1:6381\r\n");
    expect(replies[0]).toBeInstanceOf(ReplyError);
    expect((replies[0] as Error).message).toBe("ERR unknown command 'FOO'");
    expect(replies[1]).toBeInstanceOf(MovedError);
  });

  it("decodes RESP3 types and keeps pushes apart", () => {
    const { replies, pushes } = decode(
      "%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n~1\r\n+m\r\n,1.5\r\n,inf\r\n_\r\n(12345678901234567890\r\n=7\r\ntxt:abc\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n:5\r\n",
    );
    expect(replies).toEqual([
      { a: 1, b: true },
      ["m"],
      1.5,
      Infinity,
      null,
      12345678901234567890n,
      "abc",
      5,
    ]);
    expect(pushes).toEqual([["message", "ch", "hi"]]);
  });

  it("keeps RESP types when asked (for shoal-cli)", () => {
    const { replies } = decode("+OK\r\n%1\r\n+k\r\n,2\r\n~0\r\n", { typed: true });
    expect(replies[0]).toEqual(new StatusReply("OK"));
    expect(replies[1]).toEqual(new MapReply([[new StatusReply("k"), new DoubleReply(2)]]));
    expect(replies[2]).toEqual(new SetReply([]));
  });

  it("returns binary-safe Buffers when asked", () => {
    const { replies } = decode(Buffer.from([0x24, 0x32, 13, 10, 0xff, 0x00, 13, 10]), {
      returnBuffers: true,
    });
    expect(replies).toEqual([Buffer.from([0xff, 0x00])]);
  });

  it("decodes multi-byte UTF-8 split across chunks", () => {
    const { replies } = decode(Buffer.from("$4\r\n\u00e9\u00e9\r\n", "utf8"));
    expect(replies).toEqual(["éé"]);
  });
});

describe("reply decoding edge cases", () => {
  it("drops attributes, keeps the value they annotate", () => {
    const { replies } = decode("|1\r\n+ttl\r\n:10\r\n$1\r\nv\r\n");
    expect(replies).toEqual(["v"]);
  });

  it("returns bulk errors and big numbers", () => {
    const { replies } = decode("!9\r\nERR oops!\r\n(-1\r\n");
    expect(replies[0]).toBeInstanceOf(ReplyError);
    expect((replies[0] as Error).message).toBe("ERR oops!");
    expect(replies[1]).toBe(-1n);
  });

  it("throws the client's ProtocolError on a malformed stream", () => {
    const d = createReplyDecoder({ returnBuffers: false, onReply: () => {}, onPush: () => {} });
    expect(() => d.feed(Buffer.from("?bad\r\n"))).toThrow(ProtocolError);
  });
});

describe("command encoding", () => {
  it("encodes strings, numbers and Buffers as bulk strings", () => {
    expect(encodeCommand(["SET", "k", 1]).toString()).toBe(
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n",
    );
    expect(encodeCommand(["SET", "é", Buffer.from([0])])).toEqual(
      Buffer.concat([
        Buffer.from("*3\r\n$3\r\nSET\r\n$2\r\né\r\n$1\r\n"),
        Buffer.from([0]),
        Buffer.from("\r\n"),
      ]),
    );
  });
});

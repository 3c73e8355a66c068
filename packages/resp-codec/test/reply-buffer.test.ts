// The reply encoder's bytes for each ReplyWriter call in RESP2 and RESP3, and the slab
// discipline (views handed out are never overwritten), plus the client command encoder.
import { describe, expect, it } from "vitest";
import {
  encodeCommand,
  encodeCommandBuffer,
  formatDouble17g,
  MAX_PENDING_REPLY,
  nullBulkReply,
  ReplyBuffer,
  ReplyTooLargeError,
  SharedReplies,
} from "../src/index.js";

function bytes(resp: 2 | 3, write: (w: ReplyBuffer) => void): string {
  const w = new ReplyBuffer({ resp });
  write(w);
  return w.take()?.toString("latin1") ?? "";
}

describe("ReplyBuffer", () => {
  const cases: Array<[string, (w: ReplyBuffer) => void, string, string]> = [
    ["ok", (w) => w.ok(), "+OK\r\n", "+OK\r\n"],
    ["simple", (w) => w.simple("PONG"), "+PONG\r\n", "+PONG\r\n"],
    ["simple, empty", (w) => w.simple(""), "+\r\n", "+\r\n"],
    [
      "simple, 16 chars",
      (w) => w.simple("0123456789abcdef"),
      "+0123456789abcdef\r\n",
      "+0123456789abcdef\r\n",
    ],
    [
      "simple, 17 chars",
      (w) => w.simple("0123456789abcdefg"),
      "+0123456789abcdefg\r\n",
      "+0123456789abcdefg\r\n",
    ],
    [
      "simple, short UTF-8",
      (w) => w.simple("h\u00e9\u20ac"),
      "+h\u00c3\u00a9\u00e2\u0082\u00ac\r\n",
      "+h\u00c3\u00a9\u00e2\u0082\u00ac\r\n",
    ],
    ["error", (w) => w.error("ERR bad\r\nthing"), "-ERR bad  thing\r\n", "-ERR bad  thing\r\n"],
    [
      "error quoting latin1 bytes",
      (w) => w.error("ERR Protocol error: expected '$', got '\xff'"),
      "-ERR Protocol error: expected '$', got '\xff'\r\n",
      "-ERR Protocol error: expected '$', got '\xff'\r\n",
    ],
    [
      "error with a character above U+00FF",
      (w) => w.error("ERR \u20ac"),
      "-ERR \xe2\x82\xac\r\n",
      "-ERR \xe2\x82\xac\r\n",
    ],
    ["integer", (w) => w.integer(-1234567890123), ":-1234567890123\r\n", ":-1234567890123\r\n"],
    [
      "integer 0..10",
      (w) => {
        for (const n of [0, 9, 10, 99, 100]) w.integer(n);
      },
      ":0\r\n:9\r\n:10\r\n:99\r\n:100\r\n",
      ":0\r\n:9\r\n:10\r\n:99\r\n:100\r\n",
    ],
    [
      "bigint",
      (w) => w.integer(-9223372036854775808n),
      ":-9223372036854775808\r\n",
      ":-9223372036854775808\r\n",
    ],
    [
      "huge number",
      (w) => w.integer(1e21),
      ":1000000000000000000000\r\n",
      ":1000000000000000000000\r\n",
    ],
    ["bulk string", (w) => w.bulk("héllo"), "$6\r\nh\xc3\xa9llo\r\n", "$6\r\nh\xc3\xa9llo\r\n"],
    [
      "bulk buffer",
      (w) => w.bulk(Buffer.from([0, 13, 10])),
      "$3\r\n\x00\r\n\r\n",
      "$3\r\n\x00\r\n\r\n",
    ],
    ["bulk latin1", (w) => w.bulkLatin1("\xff\x00"), "$2\r\n\xff\x00\r\n", "$2\r\n\xff\x00\r\n"],
    [
      "bulk slice",
      (w) => w.bulkSlice(Buffer.from("xx\xff\x00yy", "latin1"), 2, 4),
      "$2\r\n\xff\x00\r\n",
      "$2\r\n\xff\x00\r\n",
    ],
    [
      "bulk slice, long",
      (w) => w.bulkSlice(Buffer.from(`<${"v".repeat(40)}>`), 1, 41),
      `$40\r\n${"v".repeat(40)}\r\n`,
      `$40\r\n${"v".repeat(40)}\r\n`,
    ],
    ["empty bulk", (w) => w.bulk(""), "$0\r\n\r\n", "$0\r\n\r\n"],
    ["null bulk", (w) => w.nullBulk(), "$-1\r\n", "_\r\n"],
    ["null array", (w) => w.nullArray(), "*-1\r\n", "_\r\n"],
    ["array", (w) => w.array(12), "*12\r\n", "*12\r\n"],
    ["map", (w) => w.map(2), "*4\r\n", "%2\r\n"],
    ["set", (w) => w.set(3), "*3\r\n", "~3\r\n"],
    ["push", (w) => w.push(3), "*3\r\n", ">3\r\n"],
    ["double", (w) => w.double(1.1), "$18\r\n1.1000000000000001\r\n", ",1.1000000000000001\r\n"],
    ["double inf", (w) => w.double(-Infinity), "$4\r\n-inf\r\n", ",-inf\r\n"],
    ["bool", (w) => w.bool(true), ":1\r\n", "#t\r\n"],
    ["verbatim", (w) => w.verbatim("txt", "a\nb"), "$3\r\na\nb\r\n", "=7\r\ntxt:a\nb\r\n"],
    [
      "big number",
      (w) => w.bigNumber("-123456789012345678901"),
      "$22\r\n-123456789012345678901\r\n",
      "(-123456789012345678901\r\n",
    ],
    ["raw", (w) => w.raw(SharedReplies.queued), "+QUEUED\r\n", "+QUEUED\r\n"],
  ];
  for (const [name, write, resp2, resp3] of cases) {
    it(`${name}: RESP2 and RESP3`, () => {
      expect(bytes(2, write)).toBe(resp2);
      expect(bytes(3, write)).toBe(resp3);
    });
  }

  it("never overwrites bytes handed out by take(), and grows for big replies", () => {
    const w = new ReplyBuffer({ slabSize: 1024 });
    const taken: Array<[Buffer, string]> = [];
    for (let i = 0; i < 200; i++) {
      const s = `value-${i}-${"x".repeat(i * 7)}`;
      w.bulk(s);
      const t = w.take()!;
      taken.push([t, `$${s.length}\r\n${s}\r\n`]);
    }
    for (const [buf, want] of taken) expect(buf.toString()).toBe(want);
    expect(w.take()).toBeNull();
  });

  it("takeInto copies the pending bytes out (short and long, across slab changes) and takes them", () => {
    const w = new ReplyBuffer({ slabSize: 1024 });
    const dst = new Uint8Array(8192);
    for (let i = 0; i < 200; i++) {
      const s = `v${i}${"x".repeat((i * 13) % 700)}`;
      w.bulk(s);
      const want = `$${s.length}\r\n${s}\r\n`;
      expect(w.pendingBytes).toBe(want.length);
      expect(w.takeInto(dst, 5)).toBe(want.length);
      expect(Buffer.from(dst.subarray(5, 5 + want.length)).toString()).toBe(want);
      expect(w.pendingBytes).toBe(0);
    }
    w.ok();
    expect(w.take()?.toString()).toBe("+OK\r\n");
  });

  it("rawSlice copies a range of bytes as they are (short and long), and honours CLIENT REPLY OFF", () => {
    const w = new ReplyBuffer({ slabSize: 64 });
    const src = Buffer.from(`xx:12\r\n$100\r\n${"v".repeat(100)}\r\nyy`);
    w.rawSlice(src, 2, 7);
    w.rawSlice(src, 7, src.length - 2);
    w.enabled = false;
    w.rawSlice(src, 2, 7);
    expect(w.take()?.toString()).toBe(`:12\r\n$100\r\n${"v".repeat(100)}\r\n`);
  });

  it("encodes a big bulk with one slab of about its size, and lets that slab go after take()", () => {
    const w = new ReplyBuffer({ slabSize: 1024 });
    const value = Buffer.alloc(1_000_000, 118);
    w.bulk(value);
    const out = w.take()!;
    expect(out.length).toBe(1_000_000 + 12);
    // Not twice the value (doubling), and not kept as the connection's slab afterwards.
    expect(out.buffer.byteLength).toBeLessThan(1_000_000 + 4096);
    w.ok();
    const next = w.take()!;
    expect(next.toString()).toBe("+OK\r\n");
    expect(next.buffer).not.toBe(out.buffer);
    expect(out.subarray(0, 12).toString()).toBe("$1000000\r\nvv");
  });

  it("writes integers and lengths around every power of ten and the int32 limit", () => {
    const ns: number[] = [2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER];
    for (let p = 1; p < 1e16; p *= 10) ns.push(p - 1, p, p + 1);
    for (const n of ns) {
      for (const v of [n, -n]) expect(bytes(2, (w) => w.integer(v))).toBe(`:${v}\r\n`);
      // An aggregate's count is capped (MAX_PENDING_REPLY / 3); below that it is a header too.
      if (n <= 1e9) expect(bytes(2, (w) => w.array(n))).toBe(`*${n}\r\n`);
    }
  });

  it("keeps pending bytes across growth and discards on request", () => {
    const w = new ReplyBuffer({ slabSize: 64 });
    for (let i = 0; i < 100; i++) w.integer(i);
    expect(w.pendingBytes).toBe(10 * 4 + 90 * 5);
    const all = w.take()!.toString();
    expect(all.startsWith(":0\r\n:1\r\n")).toBe(true);
    expect(all.endsWith(":99\r\n")).toBe(true);
    w.ok();
    w.discard();
    expect(w.take()).toBeNull();
  });

  it("drops replies but not pub/sub pushes (elements included) when disabled, and counts errors", () => {
    for (const [resp, head] of [
      [3, ">"],
      [2, "*"],
    ] as const) {
      const w = new ReplyBuffer({ resp });
      w.enabled = false;
      w.ok();
      w.error("ERR x");
      // DEBUG PROTOCOL push is an ordinary reply: dropped with the rest.
      w.push(1);
      w.bulk("dropped");
      w.beginPush(3);
      w.bulk("message");
      w.bulkLatin1("ch");
      w.integer(1);
      w.endPush();
      w.bulk("dropped again");
      w.rawAlways(Buffer.from("+m\r\n"));
      expect(w.take()!.toString()).toBe(`${head}3\r\n$7\r\nmessage\r\n$2\r\nch\r\n:1\r\n+m\r\n`);
      expect(w.enabled).toBe(false);
      expect(w.errorCount).toBe(1);
      expect(w.lastError).toBe("ERR x");
    }
  });

  it("truncate drops a partial reply back to a mark, across a slab change", () => {
    const w = new ReplyBuffer({ slabSize: 64 });
    w.ok();
    const mark = w.pendingBytes;
    w.array(3);
    w.bulk("x".repeat(200));
    w.truncate(mark);
    w.error("ERR instead");
    expect(w.take()!.toString()).toBe("+OK\r\n-ERR instead\r\n");
    w.truncate(10);
    expect(w.take()).toBeNull();
  });

  it("refuses sizes no reply can hold with ReplyTooLargeError, and stays usable", () => {
    const w = new ReplyBuffer();
    w.ok();
    for (const n of [2 ** 62, Number.NaN, -2, 1.5, 2 ** 63])
      expect(() => w.array(n), String(n)).toThrow(ReplyTooLargeError);
    expect(() => w.map(2 ** 40)).toThrow(ReplyTooLargeError);
    expect(() => w.set(Number.POSITIVE_INFINITY)).toThrow(ReplyTooLargeError);
    expect(() => w.beginPush(-5)).toThrow(ReplyTooLargeError);
    // A count that fits as a header but whose bytes never could: refused before any is written.
    expect(() => w.array(Math.floor(MAX_PENDING_REPLY / 3) + 1)).toThrow(ReplyTooLargeError);
    expect(() => w.raw({ length: MAX_PENDING_REPLY + 1 } as Buffer)).toThrow(
      /reply too large: 5 bytes pending/,
    );
    w.array(-1);
    expect(w.take()!.toString()).toBe("+OK\r\n*-1\r\n");
  });

  it("shared replies", () => {
    expect(nullBulkReply(2).toString()).toBe("$-1\r\n");
    expect(nullBulkReply(3).toString()).toBe("_\r\n");
  });
});

describe("formatDouble17g", () => {
  it("prints as glibc's %.17g", () => {
    const cases: Array<[number, string]> = [
      [0, "0"],
      [-0, "-0"],
      [1, "1"],
      [0.1, "0.10000000000000001"],
      [3.25, "3.25"],
      [1e16, "10000000000000000"],
      [1e17, "1e+17"],
      [1.5e-5, "1.5e-05"],
      [2 ** -20, "9.5367431640625e-07"],
      [0.3e-5, "3.0000000000000001e-06"],
      [0.0001, "0.0001"],
      [1e300, "1.0000000000000001e+300"],
      [5e-324, "4.9406564584124654e-324"],
      // An exact tie: glibc rounds to even, toExponential() away from zero.
      [4000000000000001 / 4, "1000000000000000.2"],
      [Number.NaN, "nan"],
      [Number.POSITIVE_INFINITY, "inf"],
    ];
    for (const [d, s] of cases) expect(formatDouble17g(d)).toBe(s);
  });
});

describe("command encoder", () => {
  it("encodes strings, numbers and binary arguments", () => {
    expect(encodeCommand(["SET", "k", 1, 2n])).toBe(
      "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n$1\r\n2\r\n",
    );
    expect(encodeCommand(["SET", "é", Buffer.from([0])])).toEqual(
      Buffer.from("*3\r\n$3\r\nSET\r\n$2\r\né\r\n$1\r\n\x00\r\n"),
    );
    expect(encodeCommandBuffer(["ECHO", "é", new Uint8Array([1, 2])])).toEqual(
      Buffer.from("*3\r\n$4\r\nECHO\r\n$2\r\né\r\n$2\r\n\x01\x02\r\n"),
    );
    expect(encodeCommandBuffer([])).toEqual(Buffer.from("*0\r\n"));
  });
});

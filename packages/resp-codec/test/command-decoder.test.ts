// The server-side command decoder: every case whole, byte by byte and in random chunks, with
// Redis 7.0's rules (checked against redis-server 7.0.15 where they are surprising).
import { describe, expect, it } from "vitest";
import {
  CommandDecoder,
  type CommandDecoderOptions,
  DecodeResult,
  OwnedArgs,
} from "../src/index.js";

type Out = Array<string[] | { error: string }>;

function decodeAll(input: Buffer, chunks: number[], opts: CommandDecoderOptions = {}): Out {
  const d = new CommandDecoder(opts);
  const out: Out = [];
  let off = 0;
  const sizes = [...chunks, input.length];
  for (const size of sizes) {
    if (off >= input.length) break;
    d.feed(input.subarray(off, off + size));
    off += size;
    for (;;) {
      const r = d.next();
      if (r === DecodeResult.NeedMore) break;
      if (r === DecodeResult.Error) {
        out.push({ error: d.error });
        return out;
      }
      out.push(Array.from({ length: d.argc }, (_, i) => d.latin1(i)));
    }
  }
  return out;
}

function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x;
  };
}

const E = (error: string) => ({ error });

const cases: Array<[string, string, Out]> = [
  ["multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [["GET", "k"]]],
  ["pipelined", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [["PING"], ["ECHO", ""]]],
  ["inline with quotes", 'SET k "a b"\r\nPING\n', [["SET", "k", "a b"], ["PING"]]],
  [
    "inline escapes",
    "ECHO \"\\x41\\n\\t\\\"\\\\\\q\" 'it\\'s'\r\n",
    [["ECHO", 'A\n\t"\\q', "it's"]],
  ],
  ["inline bad hex stays literal", 'ECHO "\\x4g"\r\n', [["ECHO", "x4g"]]],
  [
    "quote inside a word",
    'SET a"b c"d x\r\n',
    [{ error: "Protocol error: unbalanced quotes in request" }],
  ],
  ["quote opens mid word", 'SET a"b c" x\r\n', [["SET", "ab c", "x"]]],
  ["vertical tab is not a word end", "a\vb \f c\r\n", [["a\vb", "c"]]],
  ["blank lines and *0 / *-1 skipped", "\r\n*0\r\n*-1\r\n   \r\nPING\r\n", [["PING"]]],
  ["binary payload", "*1\r\n$4\r\n\x00\r\n\xff\r\n", [["\x00\r\n\xff"]]],
  ["trailing bytes after a bulk are not checked", "*1\r\n$4\r\nPINGxx", [["PING"]]],
  ["byte after CR in a count line is not checked", "*1\rX$4\r\nPING\r\n", [["PING"]]],
  ["long length header", "*1\r\n$0000\r\n", [E("Protocol error: invalid bulk length")]],
  ["invalid bulk length", "*1\r\n$2147483648\r\n", [E("Protocol error: invalid bulk length")]],
  [
    "bulk length over proto-max-bulk-len",
    "*1\r\n$536870913\r\n",
    [E("Protocol error: invalid bulk length")],
  ],
  ["negative bulk length", "*1\r\n$-1\r\n", [E("Protocol error: invalid bulk length")]],
  ["bulk length with sign", "*1\r\n$+1\r\n", [E("Protocol error: invalid bulk length")]],
  ["expected $", "*1\r\n:1\r\n", [E("Protocol error: expected '$', got ':'")]],
  ["expected $ on an empty line", "*1\r\n\r\n", [E("Protocol error: expected '$', got ' '")]],
  [
    "expected $ with a high byte",
    "*1\r\n\xff1\r\n",
    [E("Protocol error: expected '$', got '\xff'")],
  ],
  ["invalid multibulk length", "*x\r\n", [E("Protocol error: invalid multibulk length")]],
  ["-0 is not a count", "*-0\r\n", [E("Protocol error: invalid multibulk length")]],
  ["count over INT_MAX", "*2147483648\r\n", [E("Protocol error: invalid multibulk length")]],
  ["count of 2^20+1 is fine in 7.0", "*1048577\r\n", []],
  ["unbalanced quotes", 'PING "x\r\n', [E("Protocol error: unbalanced quotes in request")]],
  ["unbalanced single quote", "PING 'x\r\n", [E("Protocol error: unbalanced quotes in request")]],
  [
    "closing quote followed by a letter",
    "PING 'x'y\r\n",
    [E("Protocol error: unbalanced quotes in request")],
  ],
  ["NUL hides the newline (Redis waits)", "PING\x00\r\n", []],
  ["NUL in a count line (Redis waits)", "*1\r\n\x00\r\n", []],
  ["commands after a partial one wait", "*2\r\n$3\r\nGET\r\n$1\r\n", []],
  [
    "a big argument between others, then a pipelined command",
    `*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n${"v".repeat(40_000)}\r\n$2\r\nEX\r\n*1\r\n$4\r\nPING\r\n`,
    [["SET", "k", "v".repeat(40_000), "EX"], ["PING"]],
  ],
  [
    "two big arguments, the last one ending the command",
    `*3\r\n$4\r\nMSET\r\n$32768\r\n${"a".repeat(32_768)}\r\n$33000\r\n${"b".repeat(33_000)}\r\nPING\r\n`,
    [["MSET", "a".repeat(32_768), "b".repeat(33_000)], ["PING"]],
  ],
];

describe("CommandDecoder", () => {
  for (const [name, input, expected] of cases) {
    const buf = Buffer.from(input, "latin1");
    it(`${name}: whole`, () => expect(decodeAll(buf, [])).toEqual(expected));
    it(`${name}: byte by byte`, () =>
      expect(decodeAll(buf, Array(buf.length).fill(1))).toEqual(expected));
    it(`${name}: random chunks`, () => {
      for (let seed = 1; seed < 30; seed++) {
        const r = lcg(seed);
        const sizes = Array.from({ length: buf.length }, () => 1 + (r() % 7));
        expect(decodeAll(buf, sizes)).toEqual(expected);
      }
    });
  }

  it("limits inline requests to 64 KB", () => {
    const big = Buffer.alloc(64 * 1024 + 1, 97);
    expect(decodeAll(big, [])).toEqual([E("Protocol error: too big inline request")]);
    expect(decodeAll(Buffer.alloc(64 * 1024, 97), [])).toEqual([]);
    // A NUL-hidden newline ends the same way once 64 KB are buffered.
    const hidden = Buffer.concat([Buffer.from("PING\x00\r\n"), Buffer.alloc(64 * 1024, 97)]);
    expect(decodeAll(hidden, [1000, 1000])).toEqual([E("Protocol error: too big inline request")]);
  });

  it("finds line ends in lines fed a byte at a time (and NUL-hidden ones never)", () => {
    const d = new CommandDecoder();
    const line = Buffer.from(`ECHO ${"y".repeat(30_000)}\r\n*1\r\n$4\r\nPING\r\n`);
    const got: number[] = [];
    for (let i = 0; i < line.length; i++) {
      d.feed(line.subarray(i, i + 1));
      while (d.next() === DecodeResult.Command) got.push(d.len(d.argc - 1));
    }
    expect(got).toEqual([30_000, 4]);
    const hidden = Buffer.concat([Buffer.from("PING\x00"), Buffer.alloc(64 * 1024, 10)]);
    const h = new CommandDecoder();
    let r: DecodeResult = DecodeResult.NeedMore;
    for (let i = 0; i < hidden.length && r === DecodeResult.NeedMore; i++) {
      h.feed(hidden.subarray(i, i + 1));
      r = h.next();
    }
    expect(r).toBe(DecodeResult.Error);
    expect(h.error).toBe("Protocol error: too big inline request");
  });

  it("limits count lines to 64 KB", () => {
    const mb = Buffer.concat([Buffer.from("*1"), Buffer.alloc(64 * 1024, 49)]);
    expect(decodeAll(mb, [])).toEqual([E("Protocol error: too big mbulk count string")]);
    const b = Buffer.concat([Buffer.from("*1\r\n$1"), Buffer.alloc(64 * 1024, 49)]);
    expect(decodeAll(b, [])).toEqual([E("Protocol error: too big bulk count string")]);
  });

  it("honours proto-max-bulk-len and the multibulk limit", () => {
    const input = Buffer.from("*1\r\n$11\r\nhello world\r\n");
    expect(decodeAll(input, [], { maxBulkLen: 10 })).toEqual([
      E("Protocol error: invalid bulk length"),
    ]);
    expect(decodeAll(input, [], { maxBulkLen: 11 })).toEqual([["hello world"]]);
    expect(decodeAll(Buffer.from("*3\r\n"), [], { maxMultibulkLen: 2 })).toEqual([
      E("Protocol error: invalid multibulk length"),
    ]);
  });

  it("refuses big requests from unauthenticated clients as Redis 7.0 does", () => {
    const opts = { authenticated: false };
    expect(decodeAll(Buffer.from("*1\r\n$20000\r\n"), [], opts)).toEqual([
      E("Protocol error: unauthenticated bulk length"),
    ]);
    expect(decodeAll(Buffer.from("*11\r\n"), [], opts)).toEqual([
      E("Protocol error: unauthenticated multibulk length"),
    ]);
    expect(decodeAll(Buffer.from("*10\r\n"), [], opts)).toEqual([]);
    const ok = Buffer.from(`*1\r\n$16384\r\n${"a".repeat(16384)}\r\n`);
    expect(decodeAll(ok, [], opts)).toHaveLength(1);
  });

  it("reads a big bulk into a buffer of its own and counts it as the query buffer", () => {
    const d = new CommandDecoder();
    d.feed(Buffer.from("*2\r\n$4\r\nECHO\r\n$100000\r\n"));
    expect(d.next()).toBe(DecodeResult.NeedMore);
    for (let i = 0; i < 99; i++) {
      d.feed(Buffer.alloc(1000, 97));
      expect(d.next()).toBe(DecodeResult.NeedMore);
    }
    // Redis's query buffer is the big argument itself; ECHO went to argv.
    expect([d.bufferedBytes, d.unparsedBytes, d.partialArgBytes]).toEqual([99_000, 99_000, 4]);
    expect(d.peek(3)).toBe("aaa");
    d.feed(Buffer.from(`${"a".repeat(1000)}\r\n*1\r\n$4\r\nPING\r\n`));
    expect(d.next()).toBe(DecodeResult.Command);
    expect(d.len(1)).toBe(100_000);
    expect(d.view(1).every((c) => c === 97)).toBe(true);
    expect(d.next()).toBe(DecodeResult.Command);
    expect(d.is(0, "ping")).toBe(true);
    expect(d.next()).toBe(DecodeResult.NeedMore);
    expect(d.bufferedBytes).toBe(0);
  });

  it("reports the query buffer as Redis holds it: past parsed argument lines, parsed args aside", () => {
    const d = new CommandDecoder();
    const step = (bytes: string) => {
      d.feed(Buffer.from(bytes, "latin1"));
      expect(d.next()).toBe(DecodeResult.NeedMore);
      return [d.unparsedBytes, d.partialArgBytes, d.bufferedBytes];
    };
    // [qbuf, argv-mem, all bytes of the pending command]
    expect(step("*3\r\n")).toEqual([0, 0, 4]);
    expect(step("$3\r\nSET\r\n$1")).toEqual([2, 3, 15]);
    expect(step("\r\nk\r\n$5\r\nab")).toEqual([2, 4, 26]);
    d.feed(Buffer.from("cde\r\nGET k", "latin1"));
    expect(d.next()).toBe(DecodeResult.Command);
    // The whole read batch, consumed bytes included, while its command runs.
    expect(d.batchBytes).toBe(36);
    expect(d.next()).toBe(DecodeResult.NeedMore);
    // An inline line counts whole until it ends.
    expect([d.unparsedBytes, d.partialArgBytes]).toEqual([5, 0]);
  });

  it("hands a big argument's own buffer to the first copy(), and keeps none of it afterwards", () => {
    const d = new CommandDecoder();
    d.feed(Buffer.from("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$50000\r\nxy"));
    expect(d.next()).toBe(DecodeResult.NeedMore);
    d.feed(Buffer.alloc(49_998, 122));
    expect(d.next()).toBe(DecodeResult.NeedMore);
    d.feed(Buffer.from("\r"));
    expect(d.next()).toBe(DecodeResult.NeedMore);
    d.feed(Buffer.from("\n*1\r\n$4\r\nPING\r\n"));
    expect(d.next()).toBe(DecodeResult.Command);
    const view = d.view(2);
    expect(view.length).toBe(50_000);
    expect(view.buffer.byteLength).toBe(50_000); // its own memory, not a slice of a read
    expect(d.latin1(2).slice(0, 3)).toBe("xyz");
    const owned = d.copy(2);
    expect(owned).toBe(view);
    const again = d.copy(2);
    expect(again).not.toBe(view);
    expect(again.equals(view)).toBe(true);
    expect(d.copy(1)).not.toBe(d.view(1));
    expect(d.next()).toBe(DecodeResult.Command);
    expect(d.is(0, "ping")).toBe(true);
    expect(d.next()).toBe(DecodeResult.NeedMore);
    expect(d.bufferedBytes).toBe(0);
  });

  it("decodes random mixes of small and big arguments the same in any chunking", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = lcg(seed);
      const commands: string[][] = [];
      let input = "";
      for (let c = 0; c < 6; c++) {
        const args = Array.from({ length: 1 + (r() % 4) }, (_, i) => {
          const big = r() % 3 === 0;
          const len = big ? 32 * 1024 + (r() % 40_000) : r() % 50;
          return String.fromCharCode(97 + ((c + i) % 26)).repeat(len);
        });
        commands.push(args);
        input += `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
      }
      const buf = Buffer.from(input, "latin1");
      const sizes = Array.from({ length: 400 }, () => 1 + (r() % (r() % 2 ? 17 : 70_000)));
      expect(decodeAll(buf, sizes)).toEqual(commands);
    }
  });

  it("keeps what it still needs when every read goes into one reused buffer", () => {
    // A server reading all its connections into one buffer (Node's `onread`) overwrites it on
    // the next read; commands may also be left unrun (a blocked or paused client).
    for (let seed = 1; seed <= 12; seed++) {
      const r = lcg(seed);
      const commands: string[][] = [];
      let input = "";
      for (let c = 0; c < 40; c++) {
        const args = Array.from({ length: 1 + (r() % 4) }, (_, i) => {
          const len = r() % 9 === 0 ? 20 * 1024 + (r() % 40_000) : r() % 50;
          return String.fromCharCode(97 + ((c + i) % 26)).repeat(len);
        });
        commands.push(args);
        input +=
          r() % 5 === 0 && args.every((a) => a.length > 0 && a.length < 100)
            ? `${args.join(" ")}\r\n`
            : `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
      }
      const bytes = Buffer.from(input, "latin1");
      const shared = Buffer.alloc(70_000);
      const d = new CommandDecoder();
      const out: string[][] = [];
      const drain = (limit: number) => {
        for (let n = 0; n < limit && d.next() === DecodeResult.Command; n++)
          out.push(Array.from({ length: d.argc }, (_, i) => d.latin1(i)));
      };
      for (let off = 0; off < bytes.length; ) {
        const n = Math.min(bytes.length - off, 1 + (r() % (r() % 2 ? 17 : 70_000)));
        bytes.copy(shared, 0, off, off + n);
        off += n;
        d.feed(shared.subarray(0, n));
        drain(r() % 3 === 0 ? r() % 3 : Number.POSITIVE_INFINITY);
        d.retainUnconsumed();
        shared.fill(0x2a); // the next connection's bytes
      }
      drain(Number.POSITIVE_INFINITY);
      expect(out).toEqual(commands);
    }
  });

  it("applies the limits to a big argument before reading it", () => {
    expect(decodeAll(Buffer.from("*1\r\n$40000\r\nab"), [], { maxBulkLen: 39_999 })).toEqual([
      E("Protocol error: invalid bulk length"),
    ]);
    const d = new CommandDecoder();
    d.feed(Buffer.from("*2\r\n$4\r\nECHO\r\n$40000\r\nab"));
    expect(d.next()).toBe(DecodeResult.NeedMore);
    d.reset();
    expect(d.bufferedBytes).toBe(0);
    d.feed(Buffer.from("*1\r\n$4\r\nPING\r\n"));
    expect(d.next()).toBe(DecodeResult.Command);
    expect(d.argc).toBe(1);
  });

  it("stays failed after an error and can be reset", () => {
    const d = new CommandDecoder();
    d.feed(Buffer.from("*x\r\n*1\r\n$4\r\nPING\r\n"));
    expect(d.next()).toBe(DecodeResult.Error);
    d.feed(Buffer.from("*1\r\n$4\r\nPING\r\n"));
    expect(d.next()).toBe(DecodeResult.Error);
    expect(d.bufferedBytes).toBe(0);
    d.reset();
    d.feed(Buffer.from("*1\r\n$4\r\nPING\r\n"));
    expect(d.next()).toBe(DecodeResult.Command);
  });

  it("exposes arguments as views, copies, strings and ranges", () => {
    const d = new CommandDecoder();
    const input = Buffer.from("*3\r\n$3\r\nSeT\r\n$2\r\n\xc3\xa9\r\n$1\r\nv\r\n", "latin1");
    d.feed(input);
    expect(d.next()).toBe(DecodeResult.Command);
    expect(d.argc).toBe(3);
    expect(d.is(0, "set")).toBe(true);
    expect(d.is(0, "get")).toBe(false);
    expect(d.utf8(1)).toBe("é");
    expect(d.latin1(1)).toBe("\xc3\xa9");
    expect(d.len(1)).toBe(2);
    expect(d.view(1).buffer).toBe(input.buffer); // zero copy
    const c = d.copy(2);
    c[0] = 0;
    expect(d.latin1(2)).toBe("v");
    expect(d.argBuffer(1)).toBe(input);
    expect(d.argOffset(1)).toBe(input.indexOf("\xc3", 0, "latin1"));
    d.feed(Buffer.from('get "k k"\r\n'));
    expect(d.next()).toBe(DecodeResult.Command);
    expect(d.is(0, "get")).toBe(true);
    expect(d.latin1(1)).toBe("k k");
    expect(d.len(1)).toBe(3);
  });

  it("handles a command of many arguments arriving in small chunks in linear time", () => {
    const n = 200_000;
    const parts = [`*${n}\r\n`];
    for (let i = 0; i < n; i++) parts.push(`$1\r\nx\r\n`);
    const input = Buffer.from(parts.join(""));
    const d = new CommandDecoder();
    let commands = 0;
    for (let off = 0; off < input.length; off += 61) {
      d.feed(input.subarray(off, off + 61));
      while (d.next() === DecodeResult.Command) commands++;
    }
    expect(commands).toBe(1);
    expect(d.argc).toBe(n);
  });
});

describe("OwnedArgs", () => {
  it("copies a borrowed view so it outlives the read buffer", () => {
    const d = new CommandDecoder();
    const input = Buffer.from("*2\r\n$3\r\nGET\r\n$2\r\nk\xff\r\n", "latin1");
    d.feed(input);
    expect(d.next()).toBe(DecodeResult.Command);
    const owned = OwnedArgs.from(d);
    input.fill(0);
    expect(owned.argc).toBe(2);
    expect(owned.is(0, "get")).toBe(true);
    expect(owned.latin1(1)).toBe("k\xff");
    expect(owned.len(1)).toBe(2);
    expect(OwnedArgs.of("SET", "é").utf8(1)).toBe("é");
  });
});

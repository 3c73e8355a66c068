// The interim command decoder: every case whole, byte by byte and in random chunks.
import { describe, expect, it } from "vitest";
import { CommandDecoder, DecodeResult } from "./command-decoder.js";

function decodeAll(input: Buffer, chunks: number[]): Array<string[] | { error: string }> {
  const d = new CommandDecoder();
  const out: Array<string[] | { error: string }> = [];
  let off = 0;
  for (const size of [...chunks, input.length]) {
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

const cases: Array<[string, string, Array<string[] | { error: string }>]> = [
  ["multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [["GET", "k"]]],
  ["pipelined", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [["PING"], ["ECHO", ""]]],
  ["inline with quotes", 'SET k "a b"\r\nPING\n', [["SET", "k", "a b"], ["PING"]]],
  ["empty lines and *0 skipped", "\r\n*0\r\nPING\r\n", [["PING"]]],
  ["binary payload", "*1\r\n$4\r\n\x00\r\n\xff\r\n", [["\x00\r\n\xff"]]],
  [
    "invalid bulk length",
    "*1\r\n$2147483648\r\n",
    [{ error: "Protocol error: invalid bulk length" }],
  ],
  ["expected $", "*1\r\n:1\r\n", [{ error: "Protocol error: expected '$', got ':'" }]],
  ["invalid multibulk length", "*x\r\n", [{ error: "Protocol error: invalid multibulk length" }]],
  ["unbalanced quotes", 'PING "x\r\n', [{ error: "Protocol error: unbalanced quotes in request" }]],
];

describe("CommandDecoder", () => {
  for (const [name, input, expected] of cases) {
    const buf = Buffer.from(input, "latin1");
    it(`${name}: whole`, () => expect(decodeAll(buf, [])).toEqual(expected));
    it(`${name}: byte by byte`, () =>
      expect(decodeAll(buf, Array(buf.length).fill(1))).toEqual(expected));
    it(`${name}: random chunks`, () => {
      for (let seed = 1; seed < 30; seed++) {
        const sizes: number[] = [];
        let x = seed;
        for (let t = 0; t < buf.length; t++) {
          x = (x * 1103515245 + 12345) & 0x7fffffff;
          sizes.push(1 + (x % 7));
        }
        expect(decodeAll(buf, sizes)).toEqual(expected);
      }
    });
  }

  it("waits for a large bulk without copying per chunk and counts buffered bytes", () => {
    const d = new CommandDecoder();
    d.feed(Buffer.from("*2\r\n$4\r\nECHO\r\n$100000\r\n"));
    expect(d.next()).toBe(DecodeResult.NeedMore);
    for (let i = 0; i < 99; i++) {
      d.feed(Buffer.alloc(1000, 97));
      expect(d.next()).toBe(DecodeResult.NeedMore);
    }
    d.feed(Buffer.from(`${"a".repeat(1000)}\r\n`));
    expect(d.next()).toBe(DecodeResult.Command);
    expect(d.len(1)).toBe(100_000);
    expect(d.bufferedBytes).toBe(0);
  });

  it("refuses big requests from unauthenticated clients", () => {
    const d = new CommandDecoder();
    d.authenticated = false;
    d.feed(Buffer.from("*1\r\n$20000\r\n"));
    expect(d.next()).toBe(DecodeResult.Error);
    expect(d.error).toBe("Protocol error: unauthenticated bulk length");
  });
});

// Fuzzing both decoders with random bytes and with mutated valid streams: the only failure is
// the typed one (DecodeResult.Error / RespProtocolError), never an exception of another kind or
// a loop that does not end; what was decoded does not depend on the chunking; and nothing is
// buffered beyond the bytes fed.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  CommandDecoder,
  DecodeResult,
  encodeCommandBuffer,
  ReplyDecoder,
  RespProtocolError,
} from "../src/index.js";

const VALID_COMMANDS = Buffer.concat([
  encodeCommandBuffer(["SET", "key:1", "0123456789abcdef"]),
  Buffer.from("GET \"k\\x41\" 'x'\r\n"),
  encodeCommandBuffer(["MSET", "a", "1", "b", Buffer.from([0, 255, 13, 10])]),
  Buffer.from("PING\n"),
]);

const VALID_REPLIES = Buffer.from(
  "+OK\r\n-ERR x\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n:1\r\n*-1\r\n_\r\n#t\r\n,1.5\r\n,inf\r\n(123\r\n!3\r\nERR\r\n=7\r\ntxt:abc\r\n%1\r\n+k\r\n~1\r\n:2\r\n|1\r\n+a\r\n:1\r\n:3\r\n>2\r\n+m\r\n$1\r\nx\r\n",
  "latin1",
);

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.integer({ min: 0, max: 3 }),
  byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(13, 10, 36, 42, 45, 48, 57)),
});

function mutate(base: Buffer, ms: Array<{ at: number; kind: number; byte: number }>): Buffer {
  const b = [...base];
  for (const m of ms) {
    const i = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === 0 && i < b.length) b[i] = m.byte;
    else if (m.kind === 1) b.splice(i, 0, m.byte);
    else if (m.kind === 2) b.splice(i, 1);
    else b.length = Math.min(b.length, i + 1);
  }
  return Buffer.from(b);
}

const input = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
  fc.array(mutation, { minLength: 1, maxLength: 6 }).map((ms) => mutate(VALID_COMMANDS, ms)),
  fc.array(mutation, { minLength: 1, maxLength: 6 }).map((ms) => mutate(VALID_REPLIES, ms)),
);
const chunks = fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 });

function commandOutcome(bytes: Buffer, sizes: number[] | null) {
  const d = new CommandDecoder();
  const got: Array<string[] | string> = [];
  let fed = 0;
  let off = 0;
  for (let k = 0; off < bytes.length; k++) {
    const n = sizes === null ? bytes.length : sizes[k % sizes.length]!;
    d.feed(bytes.subarray(off, off + n));
    off += n;
    fed = Math.min(off, bytes.length);
    // Each Command consumes at least one byte, so this loop is bounded by the input.
    for (let guard = 0; ; guard++) {
      expect(guard).toBeLessThanOrEqual(bytes.length + 1);
      const r = d.next();
      if (r === DecodeResult.NeedMore) break;
      if (r === DecodeResult.Error) {
        expect(d.next()).toBe(DecodeResult.Error);
        got.push(d.error);
        return got;
      }
      got.push(Array.from({ length: d.argc }, (_, i) => d.latin1(i)));
    }
    expect(d.bufferedBytes).toBeLessThanOrEqual(fed);
  }
  return got;
}

function replyOutcome(bytes: Buffer, sizes: number[] | null) {
  const got: unknown[] = [];
  const d = new ReplyDecoder({
    onReply: (v) => got.push(v),
    onPush: (v) => got.push({ push: v }),
    onAttribute: (a) => got.push({ attr: a }),
  });
  let off = 0;
  for (let k = 0; off < bytes.length; k++) {
    const n = sizes === null ? bytes.length : sizes[k % sizes.length]!;
    try {
      d.feed(bytes.subarray(off, off + n));
    } catch (e) {
      expect(e).toBeInstanceOf(RespProtocolError);
      got.push({ error: (e as Error).message });
      return got;
    }
    off += n;
    expect(d.bufferedBytes).toBeLessThanOrEqual(Math.min(off, bytes.length));
  }
  return got;
}

describe("fuzz", () => {
  test.prop([input, chunks], { numRuns: 1500 })(
    "CommandDecoder: typed errors only, same result under any chunking",
    (bytes, sizes) => {
      expect(commandOutcome(bytes, sizes)).toEqual(commandOutcome(bytes, null));
    },
  );

  test.prop([input, chunks], { numRuns: 1500 })(
    "ReplyDecoder: RespProtocolError only, same result under any chunking",
    (bytes, sizes) => {
      expect(replyOutcome(bytes, sizes)).toEqual(replyOutcome(bytes, null));
    },
  );

  test.prop([fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom("*", "$", "%", "~", ">")])(
    "huge announced sizes allocate nothing up front",
    (n, t) => {
      const r = new ReplyDecoder({ onReply: () => {} });
      try {
        r.feed(Buffer.from(`${t}${n}\r\n`));
      } catch (e) {
        expect(e).toBeInstanceOf(RespProtocolError);
      }
      expect(r.bufferedBytes).toBeLessThanOrEqual(16);
      const c = new CommandDecoder();
      c.feed(Buffer.from(`*${n}\r\n$${n}\r\n`));
      expect([DecodeResult.NeedMore, DecodeResult.Error]).toContain(c.next());
      expect(c.bufferedBytes).toBeLessThanOrEqual(32);
    },
  );
});

// Interim streaming command decoder, private to the server until @shoal/resp-codec ships its own
// (then this file goes and the connection feeds resp-codec's decoder through the same
// CommandArgs view). Mirrors processInlineBuffer() and processMultibulkBuffer() in
// src/networking.c (Redis 7.0): argument bounds are offsets into the read buffer, nothing is
// copied until a command asks for it, and malformed input yields Redis's protocol error text.
import type { CommandArgs } from "@shoal/resp-codec";
import { splitArgs } from "../config/split-args.js";
import "./node-buffer.js";

const PROTO_INLINE_MAX_SIZE = 64 * 1024;
const INT_MAX = 2147483647;
const EMPTY = Buffer.alloc(0);

export const DecodeResult = { NeedMore: 0, Command: 1, Error: 2 } as const;
export type DecodeResult = (typeof DecodeResult)[keyof typeof DecodeResult];

export class CommandDecoder implements CommandArgs {
  argc = 0;
  /** Set when next() returned Error: Redis's message without the "ERR " prefix. */
  error = "";
  /** Limits; the connection updates them from the config and the client's auth state. */
  maxBulkLen = 512 * 1024 * 1024;
  authenticated = true;

  private buf: Buffer = EMPTY;
  /** Start of the first unconsumed command in buf. */
  private pos = 0;
  private starts: number[] = [];
  private ends: number[] = [];
  /** Inline commands are split into owned strings rather than bounds. */
  private inline: Buffer[] | null = null;

  // Partial multibulk state, kept across feeds (offsets relative to this.pos).
  private mbRemaining = -1;
  private mbCursor = 0;
  private mbArgs = 0;

  /** Chunks received while a large bulk is incomplete; joined once enough bytes are here. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private need = 0;

  /** Bytes received and not yet consumed (for client-query-buffer-limit and CLIENT LIST qbuf). */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  /** The first `n` unconsumed bytes, as latin1 (for log lines). */
  peek(n: number): string {
    const avail = this.buf.subarray(this.pos, this.pos + n);
    return avail.toString("latin1");
  }

  feed(chunk: Buffer): void {
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    // While waiting for a known number of bytes, don't copy on every small chunk.
    if (this.buf.length - this.pos + this.pendingBytes < this.need) return;
    this.compact();
  }

  private compact(): void {
    const rest = this.buf.subarray(this.pos);
    this.pending.unshift(rest);
    this.buf = Buffer.concat(this.pending, rest.length + this.pendingBytes);
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Decodes the next command into this view. */
  next(): DecodeResult {
    if (this.pendingBytes > 0) {
      if (this.buf.length - this.pos + this.pendingBytes < this.need) return DecodeResult.NeedMore;
      this.compact();
    }
    for (;;) {
      if (this.pos >= this.buf.length) return DecodeResult.NeedMore;
      const r =
        this.mbRemaining >= 0 || this.buf[this.pos] === 42 /* '*' */
          ? this.parseMultibulk()
          : this.parseInline();
      // Empty commands (a blank inline line, "*0") are skipped as Redis does.
      if (r === DecodeResult.Command && this.argc === 0) continue;
      return r;
    }
  }

  private fail(msg: string): DecodeResult {
    this.error = msg;
    this.buf = EMPTY;
    this.pos = 0;
    this.mbRemaining = -1;
    return DecodeResult.Error;
  }

  private parseInline(): DecodeResult {
    const buf = this.buf;
    const nl = buf.indexOf(10, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE)
        return this.fail("Protocol error: too big inline request");
      this.need = 0;
      return DecodeResult.NeedMore;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 13) end--;
    const line = buf.latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const words = splitArgs(line);
    if (words === null) return this.fail("Protocol error: unbalanced quotes in request");
    this.inline = words.map((w) => Buffer.from(w, "latin1"));
    this.argc = words.length;
    return DecodeResult.Command;
  }

  /** Parses a decimal CRLF-terminated integer at `at`; returns [value, index after CRLF] or nulls. */
  private readLine(at: number): number {
    return this.buf.indexOf(13, at);
  }

  private parseMultibulk(): DecodeResult {
    const buf = this.buf;
    const base = this.pos;
    if (this.mbRemaining < 0) {
      const cr = this.readLine(base);
      if (cr < 0 || cr + 1 >= buf.length) {
        if (buf.length - base > PROTO_INLINE_MAX_SIZE)
          return this.fail("Protocol error: too big mbulk count string");
        this.need = 0;
        return DecodeResult.NeedMore;
      }
      const n = parseLongLong(buf, base + 1, cr);
      if (n === undefined || n > INT_MAX)
        return this.fail("Protocol error: invalid multibulk length");
      if (n > 10 && !this.authenticated)
        return this.fail("Protocol error: unauthenticated multibulk length");
      this.mbCursor = cr + 2 - base;
      if (n <= 0) {
        this.pos = cr + 2;
        this.argc = 0;
        this.inline = null;
        return DecodeResult.Command;
      }
      this.mbRemaining = n;
      this.mbArgs = 0;
      this.starts.length = 0;
      this.ends.length = 0;
    }
    while (this.mbRemaining > 0) {
      const at = base + this.mbCursor;
      const cr = this.readLine(at);
      if (cr < 0 || cr + 1 >= buf.length) {
        if (buf.length - at > PROTO_INLINE_MAX_SIZE)
          return this.fail("Protocol error: too big bulk count string");
        this.need = 0;
        return DecodeResult.NeedMore;
      }
      if (buf[at] !== 36 /* '$' */)
        return this.fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[at]!)}'`);
      const len = parseLongLong(buf, at + 1, cr);
      if (len === undefined || len < 0 || len > this.maxBulkLen)
        return this.fail("Protocol error: invalid bulk length");
      if (len > 16384 && !this.authenticated)
        return this.fail("Protocol error: unauthenticated bulk length");
      const start = cr + 2;
      if (start + len + 2 > buf.length) {
        // Remember how much must arrive before parsing can go on (relative to this.pos).
        this.need = start + len + 2 - base;
        return DecodeResult.NeedMore;
      }
      this.starts[this.mbArgs] = start - base;
      this.ends[this.mbArgs] = start + len - base;
      this.mbArgs++;
      this.mbRemaining--;
      this.mbCursor = start + len + 2 - base;
    }
    // Whole command: make the bounds absolute and consume it.
    for (let i = 0; i < this.mbArgs; i++) {
      this.starts[i]! += base;
      this.ends[i]! += base;
    }
    this.argc = this.mbArgs;
    this.inline = null;
    this.mbRemaining = -1;
    this.pos = base + this.mbCursor;
    this.need = 0;
    return DecodeResult.Command;
  }

  // ---- CommandArgs ---------------------------------------------------------------------------

  len(i: number): number {
    return this.inline ? this.inline[i]!.length : this.ends[i]! - this.starts[i]!;
  }
  view(i: number): Buffer {
    return this.inline ? this.inline[i]! : this.buf.subarray(this.starts[i]!, this.ends[i]!);
  }
  copy(i: number): Buffer {
    return Buffer.from(this.view(i));
  }
  latin1(i: number): string {
    return this.inline
      ? this.inline[i]!.latin1Slice()
      : this.buf.latin1Slice(this.starts[i]!, this.ends[i]!);
  }
  utf8(i: number): string {
    return this.inline
      ? this.inline[i]!.toString("utf8")
      : this.buf.utf8Slice(this.starts[i]!, this.ends[i]!);
  }
  is(i: number, lower: string): boolean {
    let b: Buffer;
    let s: number;
    let e: number;
    if (this.inline) {
      b = this.inline[i]!;
      s = 0;
      e = b.length;
    } else {
      b = this.buf;
      s = this.starts[i]!;
      e = this.ends[i]!;
    }
    if (e - s !== lower.length) return false;
    for (let k = 0; k < lower.length; k++) {
      let c = b[s + k]!;
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== lower.charCodeAt(k)) return false;
    }
    return true;
  }
}

/** Redis's string2ll() over buf[start, end): no sign but '-', no leading zeros, no spaces. */
export function parseLongLong(buf: Buffer, start: number, end: number): number | undefined {
  if (start >= end || end - start > 20) return undefined;
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === end) return undefined;
  }
  if (buf[i] === 48) return i + 1 === end && !neg ? 0 : undefined;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  if (n > Number.MAX_SAFE_INTEGER) return n; // Caller's range checks reject it.
  return neg ? -n : n;
}

/** An owned argument vector (MULTI queue, blocked clients, AOF replay) behind the same view. */
export class OwnedArgs implements CommandArgs {
  readonly argc: number;
  constructor(readonly argv: Buffer[]) {
    this.argc = argv.length;
  }
  static from(args: CommandArgs): OwnedArgs {
    const out: Buffer[] = new Array(args.argc);
    for (let i = 0; i < args.argc; i++) out[i] = args.copy(i);
    return new OwnedArgs(out);
  }
  static of(...words: string[]): OwnedArgs {
    return new OwnedArgs(words.map((w) => Buffer.from(w)));
  }
  len(i: number): number {
    return this.argv[i]!.length;
  }
  view(i: number): Buffer {
    return this.argv[i]!;
  }
  copy(i: number): Buffer {
    return Buffer.from(this.argv[i]!);
  }
  latin1(i: number): string {
    return this.argv[i]!.latin1Slice();
  }
  utf8(i: number): string {
    return this.argv[i]!.toString("utf8");
  }
  is(i: number, lower: string): boolean {
    const b = this.argv[i]!;
    if (b.length !== lower.length) return false;
    for (let k = 0; k < lower.length; k++) {
      let c = b[k]!;
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== lower.charCodeAt(k)) return false;
    }
    return true;
  }
}

// The client side: a streaming decoder of RESP2 and RESP3 replies. Aggregates are built on an
// explicit stack, so a reply split at any byte resumes where it stopped instead of re-parsing
// from its first byte (a million-element array arriving in small reads costs linear time), and
// deep nesting cannot overflow the JS stack. How each RESP type becomes a JS value is a set of
// builders the caller may replace (a client keeps its own error classes and typed replies).

import type { NodeBuffer } from "./node-buffer.js";
import { RespProtocolError } from "./protocol-error.js";

/** An error reply (`-ERR ...` or `!<len>`) delivered as a value, not thrown. */
export class RespError extends Error {
  override name = "RespError";
}

/** How RESP types become values. Bulk strings, integers, nulls, booleans and arrays are fixed. */
export interface ReplyBuilders {
  /** `+text`. Default: the string. */
  simple(text: string): unknown;
  /** `-text` and `!<len>` (message including its code). Default: a RespError. */
  error(message: string): unknown;
  /** `%n`: keys and values alternate in `flat`. Default: a Map. */
  map(flat: unknown[]): unknown;
  /** `~n`. Default: a Set. */
  set(items: unknown[]): unknown;
  /** `,d` (inf, -inf and nan included). Default: the number. */
  double(value: number): unknown;
  /** `(digits`. Default: a bigint. */
  bigNumber(digits: string): unknown;
  /** `=len\r\nfmt:text`. Default: the text (a Buffer with returnBuffers). */
  verbatim(format: string, text: string | Buffer): unknown;
  /** `|n` attributes (passed to onAttribute). Default: a Map. */
  attribute(flat: unknown[]): unknown;
}

export interface ReplyDecoderOptions {
  /** Each complete reply (errors included, as values). */
  onReply(value: unknown): void;
  /** RESP3 pushes (`>`) at top level. Without it, pushes go to onReply as arrays. */
  onPush?(items: unknown[]): void;
  /** RESP3 attributes (`|`); without it they are dropped. The value they annotate follows. */
  onAttribute?(attributes: unknown): void;
  /**
   * Bulk strings (and verbatim texts) as Buffers instead of UTF-8 strings. They are views of the
   * bytes fed (no copy): a chunk must not be reused after it is fed, as with a socket's chunks.
   */
  returnBuffers?: boolean;
  /** Integers outside ±2^53 as bigint (default: number, possibly rounded, as other clients do). */
  bigInts?: boolean;
  /** Longest bulk string accepted (default 512 MB, proto-max-bulk-len's default). */
  maxBulkLength?: number;
  builders?: Partial<ReplyBuilders>;
}

const defaultBuilders: ReplyBuilders = {
  simple: (text) => text,
  error: (message) => new RespError(message),
  map: (flat) => pairsToMap(flat),
  set: (items) => new Set(items),
  double: (value) => value,
  bigNumber: (digits) => BigInt(digits),
  verbatim: (_format, text) => text,
  attribute: (flat) => pairsToMap(flat),
};

function pairsToMap(flat: unknown[]): Map<unknown, unknown> {
  const m = new Map<unknown, unknown>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
  return m;
}

interface Frame {
  type: number;
  /** Elements expected (2 per entry for maps and attributes). */
  n: number;
  items: unknown[];
}

const EMPTY = Buffer.alloc(0);
const NEED_MORE = -2;
const T_ARRAY = 42;
const T_MAP = 37;
const T_SET = 126;
const T_PUSH = 62;
const T_ATTR = 124;

export class ReplyDecoder {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes from pos needed before the element at pos can be decoded (0: unknown). */
  private need = 0;
  private readonly stack: Frame[] = [];
  private depth = 0;
  private failure: RespProtocolError | null = null;
  /** lineEnd() / readLength() output: first byte after the line. */
  private next = 0;
  /** The partial element is a line with no CR yet: chunks without one are held, not joined. */
  private waitLine = false;

  private readonly onReply: (value: unknown) => void;
  private readonly onPush: ((items: unknown[]) => void) | undefined;
  private readonly onAttribute: ((attributes: unknown) => void) | undefined;
  private readonly returnBuffers: boolean;
  private readonly bigInts: boolean;
  private readonly maxBulk: number;
  private readonly b: ReplyBuilders;
  private readonly simpleIsDefault: boolean;

  constructor(opts: ReplyDecoderOptions) {
    this.onReply = opts.onReply;
    this.onPush = opts.onPush;
    this.onAttribute = opts.onAttribute;
    this.returnBuffers = opts.returnBuffers ?? false;
    this.bigInts = opts.bigInts ?? false;
    this.maxBulk = opts.maxBulkLength ?? 512 * 1024 * 1024;
    this.b = { ...defaultBuilders, ...opts.builders };
    this.simpleIsDefault = this.b.simple === defaultBuilders.simple;
  }

  /** Bytes received and not yet part of a delivered reply's consumed prefix. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  /** The protocol error this decoder failed with, if any. */
  get error(): RespProtocolError | null {
    return this.failure;
  }

  /** Forgets buffered bytes, partial replies and a failure. */
  reset(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.need = 0;
    this.depth = 0;
    this.failure = null;
    this.waitLine = false;
  }

  /**
   * Decodes what `chunk` completes, calling onReply/onPush for each reply. Throws a
   * RespProtocolError on malformed input; after that every feed throws the same error.
   */
  feed(chunk: Buffer): void {
    if (this.failure !== null) throw this.failure;
    if (chunk.length === 0) return;
    const rest = this.buf.length - this.pos;
    if (rest === 0 && this.pendingBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
      this.need = 0;
      this.run();
      return;
    }
    if (
      (this.need > 0 && rest + this.pendingBytes + chunk.length < this.need) ||
      (this.waitLine && chunk.indexOf(13) < 0)
    ) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return;
    }
    // The unconsumed bytes are one partial element (aggregates live on the stack). Complete it
    // with as few bytes of the chunk as possible, then parse the chunk where it lies: copying
    // every chunk behind a small leftover would cost more than the decoding itself.
    const head = this.leftover();
    for (let attempt = 0; attempt < 2; attempt++) {
      const take = this.need > 0 ? this.need - head.length : Math.min(chunk.length, 128);
      if (take > chunk.length) break;
      this.buf = this.concat(head, chunk, take);
      this.pos = 0;
      this.need = 0;
      this.run();
      if (this.pos >= head.length) {
        this.pos -= head.length;
        this.buf = chunk;
        this.need = 0;
        this.run();
        return;
      }
      if (this.need === 0) break;
    }
    this.buf = this.concat(head, chunk, chunk.length);
    this.pos = 0;
    this.need = 0;
    this.run();
  }

  /** The unconsumed bytes and held chunks as one buffer. */
  private leftover(): Buffer {
    if (this.pendingBytes === 0) return this.buf.subarray(this.pos);
    const joined = Buffer.allocUnsafe(this.buf.length - this.pos + this.pendingBytes);
    let off = this.buf.copy(joined, 0, this.pos);
    for (const p of this.pending) off += p.copy(joined, off);
    this.pending = [];
    this.pendingBytes = 0;
    return joined;
  }

  private concat(head: Buffer, chunk: Buffer, n: number): Buffer {
    const joined = Buffer.allocUnsafe(head.length + n);
    head.copy(joined, 0);
    chunk.copy(joined, head.length, 0, n);
    return joined;
  }

  private fail(message: string): never {
    this.failure = new RespProtocolError(message);
    this.buf = EMPTY;
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.depth = 0;
    throw this.failure;
  }

  private run(): void {
    this.waitLine = false;
    const buf = this.buf as NodeBuffer;
    const end = buf.length;
    const stack = this.stack;
    const returnBuffers = this.returnBuffers;
    const maxBulk = this.maxBulk;
    const onReply = this.onReply;
    let pos = this.pos;
    while (pos < end) {
      const t = buf[pos]!;
      let v: unknown;
      let next: number;
      if (t === 36 /* $ */) {
        // Bulk string, the hot path: "$<digits>\r\n<payload>\r\n" parsed in place.
        let i = pos + 1;
        let len = 0;
        let c = 0;
        for (; i < end && i - pos < 17; i++) {
          c = buf[i]!;
          if (c < 48 || c > 57) break;
          len = len * 10 + (c - 48);
        }
        let start: number;
        if (c === 13 && i > pos + 1 && i + 1 < end && buf[i + 1] === 10) {
          start = i + 2;
        } else {
          len = this.readLength(pos);
          if (len === NEED_MORE) break;
          start = len < 0 ? -1 : this.next;
        }
        if (start >= 0) {
          if (len > maxBulk) this.fail(`Protocol error: bulk length ${len} over the limit`);
          const stop = start + len;
          if (stop + 2 > end) {
            this.need = stop + 2 - pos;
            break;
          }
          if (buf[stop] !== 13 || buf[stop + 1] !== 10)
            this.fail("Protocol error: bulk string not terminated by CRLF");
          v = returnBuffers ? buf.subarray(start, stop) : buf.utf8Slice(start, stop);
          next = stop + 2;
        } else {
          v = null;
          next = this.next;
        }
        if (this.depth === 0) {
          pos = next;
          this.pos = pos;
          onReply(v);
          continue;
        }
      } else if (t === T_ARRAY || t === T_MAP || t === T_SET || t === T_PUSH || t === T_ATTR) {
        const n = this.readLength(pos);
        if (n === NEED_MORE) break;
        next = this.next;
        if (n < 0) {
          if (t === T_ATTR) this.fail("Protocol error: invalid attribute length");
          v = null;
        } else if (n === 0) {
          if (t === T_ATTR || (t === T_PUSH && this.depth === 0)) {
            pos = next;
            this.pos = pos;
            if (t === T_ATTR) this.attribute([]);
            else this.push([]);
            continue;
          }
          v = this.finish(t, []);
        } else {
          const d = this.depth;
          let f = stack[d];
          if (f === undefined) {
            f = { type: 0, n: 0, items: [] };
            stack[d] = f;
          }
          f.type = t;
          f.n = t === T_MAP || t === T_ATTR ? n * 2 : n;
          f.items = [];
          this.depth = d + 1;
          pos = next;
          continue;
        }
      } else {
        v = this.scalar(t, pos);
        if (this.next === NEED_MORE) break;
        next = this.next;
      }
      pos = next;
      // Hand the value to its parent; completed parents climb up in turn.
      for (;;) {
        const d = this.depth;
        if (d === 0) {
          this.pos = pos;
          onReply(v);
          break;
        }
        const f = stack[d - 1]!;
        f.items.push(v);
        if (f.items.length < f.n) break;
        this.depth = d - 1;
        if (f.type === T_ATTR) {
          this.pos = pos;
          this.attribute(f.items);
          break;
        }
        if (f.type === T_PUSH && d === 1) {
          this.pos = pos;
          this.push(f.items);
          break;
        }
        v = this.finish(f.type, f.items);
      }
    }
    this.pos = pos;
  }

  private attribute(flat: unknown[]): void {
    if (this.onAttribute !== undefined) this.onAttribute(this.b.attribute(flat));
  }

  private push(items: unknown[]): void {
    if (this.onPush !== undefined) this.onPush(items);
    else this.onReply(items);
  }

  /** The value of a completed aggregate (a push nested in another aggregate is an array). */
  private finish(type: number, items: unknown[]): unknown {
    if (type === T_MAP) return this.b.map(items);
    if (type === T_SET) return this.b.set(items);
    return items;
  }

  /**
   * Reads the length line of a bulk or aggregate whose type byte is at `at`: -1 (null), a
   * length, or NEED_MORE. Sets `next`.
   */
  private readLength(at: number): number {
    const cr = this.lineEnd(at);
    if (cr < 0) return NEED_MORE;
    const buf = this.buf as NodeBuffer;
    let i = at + 1;
    if (cr - i === 2 && buf[i] === 45 && buf[i + 1] === 49) return -1;
    if (cr === i || cr - i > 15) this.fail(lengthError(buf, at, cr));
    let n = 0;
    for (; i < cr; i++) {
      const c = buf[i]!;
      if (c < 48 || c > 57) this.fail(lengthError(buf, at, cr));
      n = n * 10 + (c - 48);
    }
    return n;
  }

  /** The CR ending the line at `at`, or -1 when the line is incomplete. Checks the LF; sets `next`. */
  private lineEnd(at: number): number {
    const buf = this.buf as NodeBuffer;
    const cr = buf.indexOf(13, at + 1);
    if (cr < 0) this.waitLine = true;
    if (cr < 0 || cr + 1 >= buf.length) return -1;
    if (buf[cr + 1] !== 10) this.fail("Protocol error: line not terminated by CRLF");
    this.next = cr + 2;
    return cr;
  }

  /** Decodes a non-aggregate, non-bulk value at `at`; sets `next` (NEED_MORE when incomplete). */
  private scalar(t: number, at: number): unknown {
    const buf = this.buf as NodeBuffer;
    switch (t) {
      case 43 /* + */:
        {
          const cr = this.lineEnd(at);
          if (cr < 0) return this.more();
          const s = buf.utf8Slice(at + 1, cr);
          return this.simpleIsDefault ? s : this.b.simple(s);
        }
      case 45 /* - */:
        {
          const cr = this.lineEnd(at);
          if (cr < 0) return this.more();
          return this.b.error(buf.utf8Slice(at + 1, cr));
        }
      case 58 /* : */:
        {
          const cr = this.lineEnd(at);
          if (cr < 0) return this.more();
          return this.integer(at + 1, cr);
        }
      case 95 /* _ */:
        {
          const cr = this.lineEnd(at);
          if (cr < 0) return this.more();
          if (cr !== at + 1) this.fail("Protocol error: invalid null");
          return null;
        }
      case 35 /* # */:
        {
          const cr = this.lineEnd(at);
          if (cr < 0) return this.more();
          const c = buf[at + 1];
          if (cr !== at + 2 || (c !== 116 && c !== 102))
            this.fail("Protocol error: invalid boolean");
          return c === 116;
        }
      case 44 /* , */:
        {
          const cr = this.lineEnd(at);
          if (cr < 0) return this.more();
          return this.b.double(this.double(buf.latin1Slice(at + 1, cr)));
        }
      case 40 /* ( */:
        {
          const cr = this.lineEnd(at);
          if (cr < 0) return this.more();
          const digits = buf.latin1Slice(at + 1, cr);
          if (!/^-?[0-9]+$/.test(digits)) this.fail("Protocol error: invalid big number");
          return this.b.bigNumber(digits);
        }
      case 33 /* ! */:
      case 61 /* = */:
        {
          const len = this.readLength(at);
          if (len === NEED_MORE) return this.more();
          if (len < 0) this.fail("Protocol error: invalid length");
          if (len > this.maxBulk) this.fail(`Protocol error: bulk length ${len} over the limit`);
          const start = this.next;
          const stop = start + len;
          if (stop + 2 > buf.length) {
            this.need = stop + 2 - at;
            return this.more();
          }
          if (buf[stop] !== 13 || buf[stop + 1] !== 10)
            this.fail("Protocol error: bulk string not terminated by CRLF");
          this.next = stop + 2;
          if (t === 33) return this.b.error(buf.utf8Slice(start, stop));
          if (len < 4 || buf[start + 3] !== 58)
            this.fail("Protocol error: verbatim string without a format");
          const text = this.returnBuffers
            ? buf.subarray(start + 4, stop)
            : buf.utf8Slice(start + 4, stop);
          return this.b.verbatim(buf.latin1Slice(start, start + 3), text);
        }
      default:
        return this.fail(
          `Protocol error: invalid reply type byte ${JSON.stringify(String.fromCharCode(t))}`,
        );
    }
  }

  private more(): undefined {
    this.next = NEED_MORE;
    return undefined;
  }

  private integer(start: number, cr: number): number | bigint {
    const buf = this.buf as NodeBuffer;
    let i = start;
    const neg = buf[i] === 45;
    if (neg) i++;
    if (i === cr || cr - i > 19) this.fail("Protocol error: invalid integer");
    let n = 0;
    for (let k = i; k < cr; k++) {
      const c = buf[k]!;
      if (c < 48 || c > 57) this.fail("Protocol error: invalid integer");
      n = n * 10 + (c - 48);
    }
    if (n > Number.MAX_SAFE_INTEGER) {
      const text = buf.latin1Slice(start, cr);
      return this.bigInts ? BigInt(text) : Number(text);
    }
    return neg ? -n : n;
  }

  private double(s: string): number {
    switch (s) {
      case "inf":
      case "+inf":
        return Number.POSITIVE_INFINITY;
      case "-inf":
        return Number.NEGATIVE_INFINITY;
      case "nan":
      case "-nan":
        return Number.NaN;
    }
    if (s.length > 400 || !DOUBLE.test(s)) this.fail("Protocol error: invalid double");
    return Number(s);
  }
}

const DOUBLE = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

function lengthError(buf: NodeBuffer, at: number, cr: number): string {
  return `Protocol error: invalid length ${JSON.stringify(buf.latin1Slice(at + 1, Math.min(cr, at + 33)))}`;
}

// The client's seam to the byte level: encode commands, decode replies. Everything else in the
// client talks to these two functions only, so the codec (@shoal/resp-codec) is swapped or tuned
// here without touching connection logic.
//
// TEMPORARY: a local decoder until @shoal/resp-codec's client decoder lands.
import { ProtocolError, ReplyError, toReplyError } from "./errors.js";
import { DoubleReply, MapReply, SetReply, StatusReply, VerbatimReply } from "./reply-types.js";

export type Arg = string | Buffer | number;

/** Encodes one command as a RESP array of bulk strings; a string when every argument is text. */
export function encodeCommand(args: readonly Arg[]): string | Buffer {
  let allText = true;
  for (const a of args) if (typeof a !== "string" && typeof a !== "number") allText = false;
  if (allText) {
    let s = `*${args.length}\r\n`;
    for (const a of args) {
      const t = typeof a === "number" ? String(a) : (a as string);
      s += `$${Buffer.byteLength(t)}\r\n${t}\r\n`;
    }
    return s;
  }
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}
const CRLF = Buffer.from("\r\n");

export interface ReplyDecoderOptions {
  /** Bulk strings as Buffers instead of UTF-8 strings. */
  returnBuffers: boolean;
  /** Keep RESP types (StatusReply, MapReply, SetReply, DoubleReply, VerbatimReply). */
  typed?: boolean;
  /** A complete reply: a value, or a ReplyError for `-ERR ...` (errors are values). */
  onReply(value: unknown): void;
  /** A RESP3 push (`>`): pub/sub messages, invalidations. */
  onPush(value: unknown[]): void;
}

export interface ReplyDecoder {
  /** Feeds bytes read from the socket; calls onReply/onPush for each complete reply. Throws ProtocolError. */
  feed(chunk: Buffer): void;
}

export function createReplyDecoder(opts: ReplyDecoderOptions): ReplyDecoder {
  return new LocalDecoder(opts);
}

const INCOMPLETE = Symbol("incomplete");
class PushValue {
  constructor(readonly items: unknown[]) {}
}

class LocalDecoder implements ReplyDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  constructor(private readonly opts: ReplyDecoderOptions) {}

  feed(chunk: Buffer): void {
    this.buf =
      this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    for (;;) {
      const start = this.pos;
      const v = this.parse();
      if (v === INCOMPLETE) {
        this.pos = start;
        return;
      }
      if (v instanceof PushValue) this.opts.onPush(v.items);
      else this.opts.onReply(v);
      if (this.pos >= this.buf.length) {
        this.buf = Buffer.alloc(0);
        this.pos = 0;
        return;
      }
    }
  }

  private line(): string | typeof INCOMPLETE {
    const end = this.buf.indexOf(13, this.pos);
    if (end < 0 || end + 1 >= this.buf.length) return INCOMPLETE;
    const s = this.buf.toString("latin1", this.pos, end);
    this.pos = end + 2;
    return s;
  }

  private int(): number | typeof INCOMPLETE {
    const b = this.buf;
    let i = this.pos;
    let neg = false;
    if (b[i] === 45) {
      neg = true;
      i++;
    }
    let n = 0;
    for (;;) {
      if (i >= b.length) return INCOMPLETE;
      const c = b[i]!;
      if (c === 13) break;
      n = n * 10 + (c - 48);
      i++;
    }
    if (i + 1 >= b.length) return INCOMPLETE;
    this.pos = i + 2;
    return neg ? -n : n;
  }

  private parse(): unknown {
    if (this.pos >= this.buf.length) return INCOMPLETE;
    const type = this.buf[this.pos++];
    switch (type) {
      case 43: {
        // +
        const l = this.line();
        return this.opts.typed && l !== INCOMPLETE ? new StatusReply(l) : l;
      }
      case 45: {
        // -
        const l = this.line();
        return l === INCOMPLETE ? l : toReplyError(l);
      }
      case 58: // :
        return this.int();
      case 36: // $
      case 61: {
        // = verbatim
        const len = this.int();
        if (len === INCOMPLETE) return len;
        if (len < 0) return null;
        if (this.pos + len + 2 > this.buf.length) return INCOMPLETE;
        const s = this.pos;
        this.pos += len + 2;
        const from = type === 61 ? s + 4 : s;
        if (type === 61 && this.opts.typed)
          return new VerbatimReply(
            this.buf.toString("latin1", s, s + 3),
            this.buf.toString("utf8", from, s + len),
          );
        return this.opts.returnBuffers
          ? Buffer.from(this.buf.subarray(from, s + len))
          : this.buf.toString("utf8", from, s + len);
      }
      case 42: // *
      case 126: // ~
      case 62: {
        // >
        const n = this.int();
        if (n === INCOMPLETE) return n;
        if (n < 0) return null;
        const arr = new Array(n);
        for (let i = 0; i < n; i++) {
          const v = this.parse();
          if (v === INCOMPLETE) return v;
          arr[i] = v;
        }
        if (type === 62) return new PushValue(arr);
        return type === 126 && this.opts.typed ? new SetReply(arr) : arr;
      }
      case 37: {
        // % map → plain object
        const n = this.int();
        if (n === INCOMPLETE) return n;
        if (this.opts.typed) {
          const entries: [unknown, unknown][] = [];
          for (let i = 0; i < n; i++) {
            const k = this.parse();
            if (k === INCOMPLETE) return k;
            const v = this.parse();
            if (v === INCOMPLETE) return v;
            entries.push([k, v]);
          }
          return new MapReply(entries);
        }
        const obj: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.parse();
          if (k === INCOMPLETE) return k;
          const v = this.parse();
          if (v === INCOMPLETE) return v;
          obj[Buffer.isBuffer(k) ? k.toString() : String(k)] = v;
        }
        return obj;
      }
      case 124: {
        // | attribute: read and drop, then the real value
        const n = this.int();
        if (n === INCOMPLETE) return n;
        for (let i = 0; i < 2 * n; i++) if (this.parse() === INCOMPLETE) return INCOMPLETE;
        return this.parse();
      }
      case 95: {
        // _ null
        const l = this.line();
        return l === INCOMPLETE ? l : null;
      }
      case 35: {
        // # bool
        const l = this.line();
        return l === INCOMPLETE ? l : l === "t";
      }
      case 44: {
        // , double
        const l = this.line();
        if (l === INCOMPLETE) return l;
        const d = l === "inf" ? Infinity : l === "-inf" ? -Infinity : Number(l);
        return this.opts.typed ? new DoubleReply(d) : d;
      }
      case 40: {
        // ( big number
        const l = this.line();
        return l === INCOMPLETE ? l : BigInt(l);
      }
      case 33: {
        // ! blob error
        const len = this.int();
        if (len === INCOMPLETE) return len;
        if (this.pos + len + 2 > this.buf.length) return INCOMPLETE;
        const s = this.buf.toString("utf8", this.pos, this.pos + len);
        this.pos += len + 2;
        return toReplyError(s);
      }
      default:
        throw new ProtocolError(`Protocol error: unexpected reply type byte ${type}`);
    }
  }
}

export function isReplyError(v: unknown): v is ReplyError {
  return v instanceof ReplyError;
}

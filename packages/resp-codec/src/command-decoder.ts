// The server side: a streaming decoder of client commands, multibulk (`*2\r\n$3\r\nGET\r\n...`)
// and inline (`GET k\r\n`), following processMultibulkBuffer() and processInlineBuffer() in
// src/networking.c (Redis 7.0) rule for rule, limits and error texts included.
//
// Speed comes from not materialising arguments: a decoded command is a set of (start, end)
// bounds into the read buffer, and the decoder itself is the CommandArgs view a handler reads
// them through. A chunk that starts on a command boundary is used in place; bytes of a command
// split across chunks are gathered once, into a buffer that grows by doubling (or, while a bulk
// is awaited, once its last byte is here), so any chunking costs linear time.
//
// A big argument (BIG_ARG or more, not all here when its `$len` line is read) gets a buffer of
// its own, filled as the bytes arrive, as Redis reads a PROTO_MBULK_BIG_ARG straight into an sds
// it then hands to argv: the first copy() of it hands over that very buffer. A 500 MB SET thus
// costs the value once, not the held chunks, their gathering and the store's copy (3x).
import type { CommandArgs } from "./contracts.js";
import { splitInlineArgs } from "./inline-args.js";
import { latin1String } from "./latin1-string.js";
import type { NodeBuffer } from "./node-buffer.js";
import { expectedDollar, ProtocolErrors } from "./protocol-error.js";
import { string2ll } from "./string2ll.js";

/** PROTO_INLINE_MAX_SIZE: an inline request, or a count line, longer than this is refused. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** proto-max-bulk-len's default. */
export const DEFAULT_PROTO_MAX_BULK_LEN = 512 * 1024 * 1024;
/** Redis 7.0 accepts multibulk counts up to INT_MAX (1024*1024 was the limit before 6.2). */
export const DEFAULT_MAX_MULTIBULK_LEN = 2147483647;
/** Before AUTH, Redis 7.0 refuses more arguments than this... */
export const UNAUTHENTICATED_MAX_MULTIBULK_LEN = 10;
/** ...and bulk strings longer than this. */
export const UNAUTHENTICATED_MAX_BULK_LEN = 16384;

export const DecodeResult = { NeedMore: 0, Command: 1, Error: 2 } as const;
export type DecodeResult = (typeof DecodeResult)[keyof typeof DecodeResult];

const EMPTY = Buffer.alloc(0);
const MIN_GATHER = 16 * 1024;
/** Redis's PROTO_MBULK_BIG_ARG: a bulk this long is read into a buffer of its own. */
export const BIG_ARG = 32 * 1024;

// scanLine() results.
const LINE_OK = 0;
const LINE_MORE = 1;
const LINE_BAD = 2;

export interface CommandDecoderOptions {
  /** proto-max-bulk-len (default 512 MB). */
  maxBulkLen?: number;
  /** Largest multibulk count (default INT_MAX, as Redis 7.0). */
  maxMultibulkLen?: number;
  /** False applies Redis's unauthenticated limits (10 arguments, 16 KB per argument). */
  authenticated?: boolean;
}

/**
 * Feed it bytes, then call next() until it says NeedMore. After Command, the decoder is the
 * command's CommandArgs view until the next call of next() or feed(). After Error, `error`
 * holds Redis's text (without "ERR "), and the decoder stays failed: a connection replies
 * `-ERR <error>` and closes, as Redis does.
 */
export class CommandDecoder implements CommandArgs {
  argc = 0;
  /** Set when next() returned Error: Redis's message without the "ERR " prefix. */
  error = "";
  /** Limits; a server updates them from its config and the client's auth state. */
  maxBulkLen: number;
  maxMultibulkLen: number;
  authenticated: boolean;

  /** The unconsumed bytes are buf[pos, buf.length). */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Backing store of `buf` when the decoder owns it (bytes gathered from several chunks). */
  private store: Buffer | null = null;
  private starts: number[] = [];
  private ends: number[] = [];
  /**
   * Inline commands: one Buffer per word (views of the line, copies for quoted words); also a
   * command with big arguments (isInline then means "arguments held as Buffers").
   */
  private inlineArgs: Buffer[] = [];
  private isInline = false;
  private failed = false;

  // A multibulk command in progress: arguments still expected (Redis's multibulklen), those
  // found so far, and where the next one starts (absolute offset in buf).
  private mbRemaining = 0;
  private mbArgs = 0;
  private mbCursor = 0;
  /** Where the awaited argument's payload starts once its `$len` line is read; -1 before. */
  private mbPayload = -1;

  /** Chunks held back while a known amount of bytes is awaited (a big bulk). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes, counted from pos, that must be buffered before parsing can progress (0: unknown). */
  private need = 0;

  // A big argument being filled: its own buffer, the bytes in it so far, and how many of the
  // CR LF after it are still to be skipped. `owned` holds the current multibulk's arguments that
  // live outside `buf` (copies of those before a big one, and the big ones), by index.
  private big: Buffer | null = null;
  private bigFill = 0;
  private bigSkip = 0;
  private owned: Buffer[] | null = null;
  /** Big buffers of the multibulk being read. */
  private bigArgs: Buffer[] = [];
  /** Big buffers of the command just decoded that copy() has not handed out yet. */
  private handoff: Buffer[] | null = null;

  // scanLine() outputs.
  private num = 0;
  private lineNext = 0;

  // An incomplete line (starting at scanAt) holds no terminator before scanFrom, so a search
  // resumes there instead of rescanning a line that arrives a few bytes at a time; scanDead
  // marks a line with a NUL before its end, which strchr() never sees past.
  private scanAt = -1;
  private scanFrom = 0;
  private scanDead = false;

  constructor(opts: CommandDecoderOptions = {}) {
    this.maxBulkLen = opts.maxBulkLen ?? DEFAULT_PROTO_MAX_BULK_LEN;
    this.maxMultibulkLen = opts.maxMultibulkLen ?? DEFAULT_MAX_MULTIBULK_LEN;
    this.authenticated = opts.authenticated ?? true;
  }

  /** Bytes received and not yet consumed (client-query-buffer-limit, CLIENT LIST qbuf). */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.pendingBytes + this.bigFill;
  }

  /**
   * What Redis's query buffer would still hold: the bytes after the last argument line it has
   * parsed. Redis moves each complete argument of a multibulk into argv as it goes, and past an
   * argument's `$len` line as soon as it is read, so only the rest counts (CLIENT LIST qbuf).
   */
  get unparsedBytes(): number {
    // A big argument is Redis's whole query buffer while it is read.
    if (this.big !== null) return this.bigFill + this.buf.length - this.pos;
    if (this.mbRemaining === 0) return this.buf.length - this.pos + this.pendingBytes;
    const from = this.mbPayload >= 0 ? this.mbPayload : this.mbCursor;
    return this.buf.length - from + this.pendingBytes;
  }

  /** Length of the big argument being read into a buffer of its own; 0 when none is. */
  get bigArgLength(): number {
    return this.big === null ? 0 : this.big.length;
  }

  /** Total length of the arguments of a partly received multibulk parsed so far (argv-mem). */
  get partialArgBytes(): number {
    let n = 0;
    if (this.mbRemaining === 0 && this.big === null) return 0;
    const owned = this.owned;
    for (let i = 0; i < this.mbArgs; i++) {
      const o = owned?.[i];
      // The big argument being read is not in argv yet.
      if (o !== undefined) n += o === this.big ? 0 : o.length;
      else n += this.ends[i]! - this.starts[i]!;
    }
    return n;
  }

  /**
   * The bytes of the read buffer, consumed ones included: while a command of a pipelined batch
   * runs, Redis's query buffer still holds the whole batch (it is trimmed after the batch).
   */
  get batchBytes(): number {
    return this.buf.length + this.pendingBytes;
  }

  /** True once next() has returned Error.
  get hasFailed(): boolean {
    return this.failed;
  }

  /** The first `n` unconsumed bytes as latin1 (for log lines). */
  peek(n: number): string {
    if (this.big !== null && this.pos >= this.buf.length)
      return (this.big as NodeBuffer).latin1Slice(0, Math.min(this.bigFill, n));
    return (this.buf as NodeBuffer).latin1Slice(this.pos, Math.min(this.buf.length, this.pos + n));
  }

  /** Forgets everything buffered and any error: the decoder is as new (limits kept). */
  reset(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.store = null;
    this.pending = [];
    this.pendingBytes = 0;
    this.need = 0;
    this.mbRemaining = 0;
    this.mbArgs = 0;
    this.argc = 0;
    this.isInline = false;
    this.failed = false;
    this.error = "";
    this.scanAt = -1;
    this.dropBig();
  }

  private dropBig(): void {
    this.big = null;
    this.bigFill = this.bigSkip = 0;
    this.owned = null;
    this.bigArgs = [];
    this.handoff = null;
    this.inlineArgs = [];
  }

  /**
   * Adds bytes read from the socket. The decoder keeps a reference and never writes to it; a
   * caller that reuses the chunk's memory calls retainUnconsumed() before it does.
   */
  feed(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    if (this.big !== null) {
      chunk = this.fillBig(chunk);
      if (chunk.length === 0) return;
    }
    const rest = this.buf.length - this.pos;
    if (rest === 0 && this.pendingBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
      this.store = null;
      this.scanAt = -1;
      return;
    }
    if (this.need > 0 && rest + this.pendingBytes + chunk.length < this.need) {
      // A big bulk is on its way: hold the chunks and copy them once, when it is complete.
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return;
    }
    this.append(chunk);
  }

  /**
   * Makes the decoder hold no reference to memory it was fed: the bytes it still needs (a partial
   * command, commands left for later, chunks held for a big bulk) are copied into a buffer of
   * its own. For a reader that reads every connection into one reused buffer (Node's `onread`),
   * called after each read's commands ran; usually nothing is left and it costs a comparison.
   */
  retainUnconsumed(): void {
    if (this.pendingBytes > 0 || (this.store === null && this.pos < this.buf.length))
      this.append(EMPTY);
  }

  /** Copies what `chunk` holds of the big argument (and its CR LF) into it; returns the rest. */
  private fillBig(chunk: Buffer): Buffer {
    const big = this.big!;
    let off = Math.min(big.length - this.bigFill, chunk.length);
    if (off > 0) {
      chunk.copy(big, this.bigFill, 0, off);
      this.bigFill += off;
    }
    const skip = Math.min(this.bigSkip, chunk.length - off);
    this.bigSkip -= skip;
    off += skip;
    return off === chunk.length ? EMPTY : chunk.subarray(off);
  }

  /** Gathers unconsumed bytes, held chunks and `chunk` into an owned buffer. */
  private append(chunk: Buffer): void {
    const rest = this.buf.length - this.pos;
    const total = rest + this.pendingBytes + chunk.length;
    const store = this.store;
    // Appending in place is safe: `buf` is store[0, buf.length) and earlier views end before it.
    // A store grown for one big command is not kept for small ones (Redis shrinks its query
    // buffer too).
    if (
      store !== null &&
      this.pendingBytes === 0 &&
      this.buf.length + chunk.length <= store.length &&
      store.length <= Math.max(4 * MIN_GATHER, 4 * total)
    ) {
      store.set(chunk, this.buf.length);
      this.buf = store.subarray(0, this.buf.length + chunk.length);
      return;
    }
    // Doubling keeps many small appends linear; a completed big bulk gets only a little slack.
    const size =
      this.need > 0 && total >= this.need ? total + MIN_GATHER : Math.max(MIN_GATHER, total * 2);
    const next = Buffer.allocUnsafeSlow(size);
    let off = this.buf.copy(next, 0, this.pos);
    for (const p of this.pending) off += p.copy(next, off);
    chunk.copy(next, off);
    this.pending = [];
    this.pendingBytes = 0;
    const shift = this.pos;
    this.store = next;
    this.buf = next.subarray(0, total);
    this.pos = 0;
    this.rebase(shift);
  }

  /** Shifts the bounds of a partially decoded multibulk after its bytes moved left by `shift`. */
  private rebase(shift: number): void {
    if (this.scanAt >= 0) {
      this.scanAt -= shift;
      this.scanFrom -= shift;
    }
    if (this.mbRemaining === 0 || shift === 0) return;
    for (let i = 0; i < this.mbArgs; i++) {
      this.starts[i]! -= shift;
      this.ends[i]! -= shift;
    }
    this.mbCursor -= shift;
    if (this.mbPayload >= 0) this.mbPayload -= shift;
  }

  /** Decodes the next command into this view. */
  next(): DecodeResult {
    if (this.failed) return DecodeResult.Error;
    if (this.handoff !== null) {
      // The last command had big arguments: hold on to none of them.
      this.handoff = null;
      this.inlineArgs = [];
    }
    if (this.big !== null) {
      if (this.bigFill < this.big.length || this.bigSkip > 0) return DecodeResult.NeedMore;
      this.big = null;
      this.bigFill = 0;
      // The big argument was the command's last: it is complete.
      if (this.mbRemaining === 0) return this.ownedCommand(this.mbArgs);
    }
    if (this.pendingBytes > 0) {
      if (this.buf.length - this.pos + this.pendingBytes < this.need) return DecodeResult.NeedMore;
      this.append(EMPTY);
    }
    for (;;) {
      if (this.pos >= this.buf.length) {
        this.need = 0;
        return DecodeResult.NeedMore;
      }
      const r =
        this.mbRemaining > 0 || this.buf[this.pos] === 42 /* '*' */
          ? this.parseMultibulk()
          : this.parseInline();
      if (r === DecodeResult.Command) {
        this.need = 0;
        // Empty commands (a blank inline line, "*0", "*-1") are skipped as Redis does.
        if (this.argc === 0) continue;
      }
      return r;
    }
  }

  private fail(msg: string): DecodeResult {
    this.error = msg;
    this.failed = true;
    this.buf = EMPTY;
    this.store = null;
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.mbRemaining = 0;
    this.argc = 0;
    this.scanAt = -1;
    this.dropBig();
    return DecodeResult.Error;
  }

  /**
   * The first `byte` (LF for inline, CR otherwise) at or after `at`, as strchr() finds it: -1
   * when there is none yet, or when a NUL comes first.
   */
  private findLineEnd(at: number, byte: number): number {
    const buf = this.buf;
    let from = at;
    if (this.scanAt === at) {
      if (this.scanDead) return -1;
      from = this.scanFrom;
    }
    const i = buf.indexOf(byte, from);
    const stop = i < 0 ? buf.length : i;
    for (let k = from; k < stop; k++) {
      if (buf[k] === 0) {
        this.scanAt = at;
        this.scanDead = true;
        return -1;
      }
    }
    if (i < 0) {
      this.scanAt = at;
      this.scanFrom = buf.length;
      this.scanDead = false;
    }
    return i;
  }

  private parseInline(): DecodeResult {
    const buf = this.buf;
    const base = this.pos;
    // Redis finds the newline with strchr(), which stops at a NUL byte: a line holding one is
    // never complete (and ends as "too big inline request" once 64 KB are buffered).
    const nl = this.findLineEnd(base, 10);
    if (nl < 0) {
      if (buf.length - base > PROTO_INLINE_MAX_SIZE) return this.fail(ProtocolErrors.tooBigInline);
      this.need = 0;
      return DecodeResult.NeedMore;
    }
    const end = nl > base && buf[nl - 1] === 13 ? nl - 1 : nl;
    if (!splitInlineArgs(buf, base, end, this.inlineArgs))
      return this.fail(ProtocolErrors.unbalancedQuotes);
    this.pos = nl + 1;
    this.isInline = true;
    this.argc = this.inlineArgs.length;
    return DecodeResult.Command;
  }

  /**
   * Reads the integer line whose type byte is at `at`, as Redis does: the line is complete once
   * a CR and one more byte are buffered (the byte after CR is skipped unchecked), and its text
   * must pass string2ll(). Sets num and lineNext (the first byte after the line) on LINE_OK.
   */
  private scanLine(at: number): number {
    const buf = this.buf;
    const end = buf.length;
    let i = at + 1;
    let c = i < end ? buf[i]! : 0;
    if (c >= 49 && c <= 57) {
      // Fast path: [1-9][0-9]*\r
      let n = c - 48;
      for (i++; i < end && i - at <= 19; i++) {
        c = buf[i]!;
        if (c < 48 || c > 57) break;
        n = n * 10 + (c - 48);
      }
      if (i < end && c === 13 && i - at <= 19) {
        if (i + 1 >= end) return LINE_MORE;
        this.num = n;
        this.lineNext = i + 2;
        return LINE_OK;
      }
    }
    // Anything else: find the CR as strchr() would (not past a NUL), then judge the text.
    const cr = this.findLineEnd(at, 13);
    if (cr < 0 || cr + 1 >= end) return LINE_MORE;
    const n = string2ll(buf, at + 1, cr);
    if (Number.isNaN(n)) return LINE_BAD;
    this.num = n;
    this.lineNext = cr + 2;
    return LINE_OK;
  }

  private parseMultibulk(): DecodeResult {
    const buf = this.buf;
    const end = buf.length;
    const base = this.pos;
    let at: number;
    let remaining = this.mbRemaining;
    let k: number;
    if (remaining === 0) {
      const r = this.scanLine(base);
      if (r === LINE_BAD) return this.fail(ProtocolErrors.invalidMultibulkLength);
      if (r === LINE_MORE) {
        if (end - base > PROTO_INLINE_MAX_SIZE) return this.fail(ProtocolErrors.tooBigMbulkCount);
        this.need = 0;
        return DecodeResult.NeedMore;
      }
      const n = this.num;
      if (n > this.maxMultibulkLen) return this.fail(ProtocolErrors.invalidMultibulkLength);
      if (n > UNAUTHENTICATED_MAX_MULTIBULK_LEN && !this.authenticated)
        return this.fail(ProtocolErrors.unauthenticatedMultibulkLength);
      at = this.lineNext;
      if (n <= 0) {
        this.pos = at;
        this.argc = 0;
        return DecodeResult.Command;
      }
      remaining = n;
      k = 0;
    } else {
      at = this.mbCursor;
      k = this.mbArgs;
    }
    const starts = this.starts;
    const ends = this.ends;
    const maxBulk = this.maxBulkLen;
    while (remaining > 0) {
      let len = 0;
      let start = -1;
      // Fast path for the common header "$<1-9 digits>\r\n".
      if (at + 3 < end && buf[at] === 36) {
        let i = at + 1;
        let c = buf[i]!;
        if (c >= 49 && c <= 57) {
          for (; i < end; i++) {
            c = buf[i]!;
            if (c < 48 || c > 57) break;
            len = len * 10 + (c - 48);
          }
          if (c === 13 && i + 1 < end && i - at <= 10) start = i + 2;
        }
      }
      if (start < 0) {
        const r = this.scanLine(at);
        if (r === LINE_MORE) {
          if (end - at > PROTO_INLINE_MAX_SIZE) return this.fail(ProtocolErrors.tooBigBulkCount);
          this.saveProgress(remaining, k, at, 0, -1);
          return DecodeResult.NeedMore;
        }
        // The line is complete: only now does Redis look at its first byte.
        if (buf[at] !== 36) return this.fail(expectedDollar(buf[at]!));
        if (r === LINE_BAD) return this.fail(ProtocolErrors.invalidBulkLength);
        len = this.num;
        if (len < 0) return this.fail(ProtocolErrors.invalidBulkLength);
        start = this.lineNext;
      }
      if (len > maxBulk) return this.fail(ProtocolErrors.invalidBulkLength);
      if (len > UNAUTHENTICATED_MAX_BULK_LEN && !this.authenticated)
        return this.fail(ProtocolErrors.unauthenticatedBulkLength);
      const stop = start + len;
      // The two bytes after the payload are skipped unchecked, as Redis does.
      if (stop + 2 > end) {
        if (len >= BIG_ARG) return this.startBig(remaining - 1, k, start, len);
        this.saveProgress(remaining, k, at, stop + 2 - base, start);
        return DecodeResult.NeedMore;
      }
      starts[k] = start;
      ends[k] = stop;
      k++;
      remaining--;
      at = stop + 2;
    }
    this.mbRemaining = 0;
    this.pos = at;
    if (this.owned !== null) return this.ownedCommand(k);
    this.argc = k;
    this.isInline = false;
    return DecodeResult.Command;
  }

  /**
   * Argument `k` (payload at `start`, `len` bytes) is big and not all here: its bytes so far go
   * into a buffer of its own, the arguments before it are copied out of `buf` (small ones), and
   * `buf` is left empty for what follows the big argument.
   */
  private startBig(remaining: number, k: number, start: number, len: number): DecodeResult {
    const buf = this.buf;
    const owned = this.owned ?? [];
    for (let i = 0; i < k; i++)
      owned[i] ??= Buffer.from(buf.subarray(this.starts[i]!, this.ends[i]!));
    const big = Buffer.allocUnsafeSlow(len);
    const have = buf.length - start; // less than len + 2: part of the payload, maybe its CR
    const copied = buf.copy(big, 0, start, Math.min(buf.length, start + len));
    owned[k] = big;
    this.owned = owned;
    this.bigArgs.push(big);
    this.big = big;
    this.bigFill = copied;
    this.bigSkip = 2 - (have - copied);
    this.buf = EMPTY;
    this.pos = 0;
    this.store = null;
    this.scanAt = -1;
    this.saveProgress(remaining, k + 1, 0, 0, -1);
    return DecodeResult.NeedMore;
  }

  /** A command with big arguments: all its arguments as Buffers (the inline form's storage). */
  private ownedCommand(argc: number): DecodeResult {
    const owned = this.owned!;
    for (let i = 0; i < argc; i++) owned[i] ??= this.buf.subarray(this.starts[i]!, this.ends[i]!);
    this.owned = null;
    this.handoff = this.bigArgs;
    this.bigArgs = [];
    this.inlineArgs = owned;
    this.argc = argc;
    this.isInline = true;
    return DecodeResult.Command;
  }

  private saveProgress(
    remaining: number,
    args: number,
    cursor: number,
    need: number,
    payload: number,
  ): void {
    this.mbRemaining = remaining;
    this.mbArgs = args;
    this.mbCursor = cursor;
    this.need = need;
    this.mbPayload = payload;
  }

  // ---- CommandArgs ---------------------------------------------------------------------------

  len(i: number): number {
    return this.isInline ? this.inlineArgs[i]!.length : this.ends[i]! - this.starts[i]!;
  }
  view(i: number): Buffer {
    return this.isInline ? this.inlineArgs[i]! : this.buf.subarray(this.starts[i]!, this.ends[i]!);
  }
  copy(i: number): Buffer {
    if (this.isInline) {
      const b = this.inlineArgs[i]!;
      // A big argument's own buffer is handed over, once: its bytes are needed nowhere else.
      const j = this.handoff === null ? -1 : this.handoff.indexOf(b);
      if (j < 0) return Buffer.from(b);
      this.handoff!.splice(j, 1);
      return b;
    }
    const buf = this.buf;
    const s = this.starts[i]!;
    const n = this.ends[i]! - s;
    const out = Buffer.allocUnsafe(n);
    // Small values by hand: no view object, no native call.
    if (n <= 16) for (let k = 0; k < n; k++) out[k] = buf[s + k]!;
    else buf.copy(out, 0, s, s + n);
    return out;
  }
  latin1(i: number): string {
    if (!this.isInline) return latin1String(this.buf, this.starts[i]!, this.ends[i]!);
    const b = this.inlineArgs[i]!;
    return latin1String(b, 0, b.length);
  }
  utf8(i: number): string {
    return this.isInline
      ? (this.inlineArgs[i] as NodeBuffer).utf8Slice()
      : (this.buf as NodeBuffer).utf8Slice(this.starts[i]!, this.ends[i]!);
  }
  is(i: number, lower: string): boolean {
    let b: Buffer;
    let s: number;
    let e: number;
    if (this.isInline) {
      b = this.inlineArgs[i]!;
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
  /**
   * The buffer argument `i` lives in; with argOffset() it gives a (buffer, start, end) range,
   * e.g. to hash a key's slot without allocating.
   */
  argBuffer(i: number): Buffer {
    return this.isInline ? this.inlineArgs[i]! : this.buf;
  }
  /** Offset of argument `i` in argBuffer(i). */
  argOffset(i: number): number {
    return this.isInline ? 0 : this.starts[i]!;
  }
}

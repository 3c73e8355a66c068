// The server's reply encoder: a ReplyWriter that encodes straight into a per-connection slab.
// The connection hands the filled range to socket.write() once per event-loop turn (Redis's
// beforeSleep/handleClientsWithPendingWrites) and keeps encoding after it, so a flush costs no
// copy: take() returns a view, and the slab is replaced (never rewound) once nearly full, so
// bytes handed out are never overwritten. Numbers are written digit by digit, without strings.
// RESP2/RESP3 differences follow src/networking.c (Redis 7.0): a map is a flat array in RESP2,
// nulls are $-1/*-1 vs _, doubles are %.17g bulk strings vs `,`.
import { constants } from "node:buffer";
import type { ReplyWriter } from "./contracts.js";
import { formatDouble17g } from "./double-format.js";
import type { NodeBuffer } from "./node-buffer.js";

const SLAB = 16 * 1024;
/** Below this much room, take() starts a fresh slab rather than leave a sliver behind. */
const MIN_ROOM = 512;
/** Up to this many bytes, a loop beats a native call (latin1Write, TypedArray set). */
const SHORT = 16;
const NON_LATIN1 = /[^\u0000-\u00ff]/;
/** A write this big grows the slab to fit it rather than doubling it. */
const BIG_WRITE = 64 * 1024;
/**
 * The most one connection can hold unflushed: a command's whole reply is encoded before the
 * turn's flush, so this bounds a single reply. It is what one Buffer can hold (capped at 4 GiB).
 */
export const MAX_PENDING_REPLY = Math.min(constants.MAX_LENGTH, 2 ** 32);
/**
 * An aggregate announces n elements of at least 3 bytes each ("_\r\n"); more than this many
 * can never be encoded, so the header is refused before a command starts producing them.
 */
const MAX_AGGREGATE = Math.floor(MAX_PENDING_REPLY / 3);

/**
 * A reply that cannot be encoded: an element or aggregate larger than one connection's
 * MAX_PENDING_REPLY, or a size that is not a count at all (NaN, negative). Thrown out of the
 * command; the server turns it into an error reply for that command alone.
 */
export class ReplyTooLargeError extends RangeError {
  constructor(what: string) {
    super(`reply too large: ${what}`);
    this.name = "ReplyTooLargeError";
  }
}

const INT32_MAX = 0x7fffffff;

/** Decimal digits of 10 <= n <= INT32_MAX. */
function decimalDigits(n: number): number {
  if (n < 100000) return n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  return n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
}

export class ReplyBuffer implements ReplyWriter {
  resp: 2 | 3 = 2;
  private slab: NodeBuffer;
  /** First byte not yet handed out by take(). */
  private start = 0;
  /** Next byte to write. */
  private off = 0;
  private readonly slabSize: number;
  /** Error replies written so far, and the last one (INFO errorstats, failed_calls). */
  errorCount = 0;
  lastError = "";
  /** When false, replies are dropped (CLIENT REPLY OFF/SKIP); pushes still go out. */
  enabled = true;
  private enabledBeforePush = true;

  constructor(opts: { resp?: 2 | 3; slabSize?: number } = {}) {
    this.resp = opts.resp ?? 2;
    this.slabSize = opts.slabSize ?? SLAB;
    this.slab = Buffer.allocUnsafe(this.slabSize) as NodeBuffer;
  }

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.off - this.start;
  }

  /** Takes the encoded bytes out (a view; the slab keeps going after them); null when empty. */
  take(): Buffer | null {
    if (this.off === this.start) return null;
    const out = this.slab.subarray(this.start, this.off);
    this.taken();
    return out;
  }

  /**
   * Takes the encoded bytes out as a copy written to `dst` at `at` (room for pendingBytes there),
   * without making a view of them: for a reply read back at once, such as the reply to a
   * script's redis.call copied into the Lua engine's memory. Returns how many bytes.
   */
  takeInto(dst: Uint8Array, at: number): number {
    const n = this.off - this.start;
    if (n <= SHORT) for (let i = 0; i < n; i++) dst[at + i] = this.slab[this.start + i]!;
    else this.slab.copy(dst, at, this.start, this.off);
    this.taken();
    return n;
  }

  /** The pending bytes were handed out: the next ones go after them, or to a fresh slab. */
  private taken(): void {
    this.start = this.off;
    // A slab grown for a big reply goes with it: kept, it would hold the reply's memory for as
    // long as the connection lives.
    if (this.slab.length - this.off < MIN_ROOM || this.slab.length > this.slabSize) {
      this.slab = Buffer.allocUnsafe(this.slabSize) as NodeBuffer;
      this.start = this.off = 0;
    }
  }

  /** Drops encoded bytes not yet taken (a client being closed). */
  discard(): void {
    this.start = this.off;
  }

  /**
   * Drops what was encoded after the first `pending` bytes not yet taken: the partial reply of a
   * command that threw (the server answers it with an error instead). A no-op when fewer bytes
   * are pending.
   */
  truncate(pending: number): void {
    if (pending >= 0 && pending < this.off - this.start) this.off = this.start + pending;
  }

  private ensure(n: number): void {
    if (this.off + n <= this.slab.length) return;
    const used = this.off - this.start;
    // Off the fast path: a size no Buffer can hold (or no size at all) is refused here rather
    // than by allocUnsafe's ERR_OUT_OF_RANGE deep in a command.
    if (!(n >= 0) || used + n > MAX_PENDING_REPLY)
      throw new ReplyTooLargeError(`${used} bytes pending, ${n} more requested`);
    // Doubling keeps many writes linear; one big element (a large bulk) after little else gets
    // its size and a slab's worth of room, not twice its size.
    const want = n >= BIG_WRITE && used < n ? used + n + this.slabSize : (used + n) * 2;
    const next = Buffer.allocUnsafe(
      Math.max(this.slabSize, Math.min(want, MAX_PENDING_REPLY)),
    ) as NodeBuffer;
    this.slab.copy(next, 0, this.start, this.off);
    this.slab = next;
    this.start = 0;
    this.off = used;
  }

  private ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    if (n > SHORT) {
      this.off += this.slab.latin1Write(s, this.off);
      return;
    }
    // Short replies (+OK, :1, $-1) by hand: a native write call costs more than the bytes.
    const slab = this.slab;
    let off = this.off;
    for (let i = 0; i < n; i++) slab[off++] = s.charCodeAt(i) & 0xff;
    this.off = off;
  }

  /** Writes `<type><n>\r\n` for a safe integer n; the caller has ensured 24 bytes. */
  private header(type: number, n: number): void {
    const slab = this.slab;
    let off = this.off;
    slab[off++] = type;
    if (n < 0) {
      slab[off++] = 45;
      n = -n;
    }
    if (n < 10) {
      slab[off++] = 48 + n;
    } else if (n <= INT32_MAX) {
      // Counts, lengths and most integer replies: the digits counted by comparisons and
      // produced by int32 division, where the general loop below divides doubles (a 6-digit
      // INCR reply took 80-160 ns that way, 30-90 ns this way).
      let p = off + decimalDigits(n);
      off = p;
      let m = n | 0;
      while (m >= 10) {
        const q = (m / 10) | 0;
        slab[--p] = 48 + (m - q * 10);
        m = q;
      }
      slab[--p] = 48 + m;
    } else {
      let digits = 2;
      for (let t = n; t >= 100; t = Math.floor(t / 10)) digits++;
      let p = off + digits;
      off = p;
      while (n >= 10) {
        const q = Math.floor(n / 10);
        slab[--p] = 48 + (n - q * 10);
        n = q;
      }
      slab[--p] = 48 + n;
    }
    slab[off++] = 13;
    slab[off++] = 10;
    this.off = off;
  }

  private crlf(): void {
    this.slab[this.off++] = 13;
    this.slab[this.off++] = 10;
  }

  ok(): void {
    if (!this.enabled) return;
    this.ascii("+OK\r\n");
  }
  simple(s: string): void {
    if (!this.enabled) return;
    const n = s.length;
    if (n <= SHORT) {
      // +PONG, +QUEUED, a TYPE's name...: ASCII written by hand, as ascii() does (a byteLength
      // and a utf8Write call into C++ were 8% of a pipelined PING's busy time).
      this.ensure(n + 3);
      const slab = this.slab;
      let off = this.off;
      slab[off++] = 43;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        slab[off++] = c;
      }
      if (i === n) {
        slab[off++] = 13;
        slab[off++] = 10;
        this.off = off;
        return;
      }
      // A wider character: nothing is committed yet (this.off), the UTF-8 path below writes it.
    }
    this.ensure(Buffer.byteLength(s) + 3);
    this.slab[this.off++] = 43;
    this.off += this.slab.utf8Write(s, this.off);
    this.crlf();
  }
  error(msg: string): void {
    this.errorCount++;
    this.lastError = msg;
    if (!this.enabled) return;
    // As addReplyErrorFormat(): CRs and LFs at either end are trimmed (sdstrim), the ones inside
    // become spaces (a CR or LF would break the protocol). "Unsupported option \r\n" ends in
    // "option ". DEBUG ERROR, which Redis maps without trimming, maps before calling this.
    const clean =
      msg.includes("\r") || msg.includes("\n")
        ? msg.replace(/^[\r\n]+|[\r\n]+$/g, "").replace(/[\r\n]/g, " ")
        : msg;
    // Messages quote arguments, held as latin1 strings of their bytes: Redis echoes those bytes
    // as they came ("got '\xff'"), so they go out one byte per character. Only text with a
    // character above U+00FF cannot be such bytes, and goes out as UTF-8.
    const wide = NON_LATIN1.test(clean);
    this.ensure((wide ? Buffer.byteLength(clean) : clean.length) + 3);
    this.slab[this.off++] = 45;
    this.off += wide
      ? this.slab.utf8Write(clean, this.off)
      : this.slab.latin1Write(clean, this.off);
    this.crlf();
  }
  integer(n: number | bigint): void {
    if (!this.enabled) return;
    if (typeof n === "number" && Number.isSafeInteger(n)) {
      this.ensure(24);
      this.header(58, n);
    } else {
      // Beyond 2^53 a number is already rounded; print its integer value, never "1e+21".
      const v = typeof n === "bigint" ? n : Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
      this.ascii(`:${v}\r\n`);
    }
  }
  bulk(value: Buffer | Uint8Array | string): void {
    if (!this.enabled) return;
    if (typeof value === "string") {
      const len = value.length < 64 && isAscii(value) ? value.length : Buffer.byteLength(value);
      this.ensure(len + 24);
      this.header(36, len);
      this.off +=
        len === value.length
          ? this.slab.latin1Write(value, this.off)
          : this.slab.utf8Write(value, this.off);
    } else {
      const len = value.length;
      this.ensure(len + 24);
      this.header(36, len);
      if (len > SHORT) this.slab.set(value, this.off);
      else for (let i = 0; i < len; i++) this.slab[this.off + i] = value[i]!;
      this.off += len;
    }
    this.crlf();
  }
  bulkLatin1(s: string): void {
    if (!this.enabled) return;
    const n = s.length;
    this.ensure(n + 24);
    this.header(36, n);
    if (n > SHORT) this.off += this.slab.latin1Write(s, this.off);
    else {
      // Short ones (keys, members, small string values) by hand, as bulk() copies short Buffers.
      const slab = this.slab;
      let off = this.off;
      for (let i = 0; i < n; i++) slab[off++] = s.charCodeAt(i);
      this.off = off;
    }
    this.crlf();
  }
  bulkSlice(bytes: Uint8Array, start: number, end: number): void {
    if (!this.enabled) return;
    const n = end - start;
    this.ensure(n + 24);
    this.header(36, n);
    const slab = this.slab;
    let off = this.off;
    if (n > SHORT) {
      slab.set(bytes.subarray(start, end), off);
      off += n;
    } else for (let i = start; i < end; i++) slab[off++] = bytes[i]!;
    slab[off++] = 13;
    slab[off++] = 10;
    this.off = off;
  }
  nullBulk(): void {
    if (!this.enabled) return;
    this.ascii(this.resp === 3 ? "_\r\n" : "$-1\r\n");
  }
  nullArray(): void {
    if (!this.enabled) return;
    this.ascii(this.resp === 3 ? "_\r\n" : "*-1\r\n");
  }
  array(n: number): void {
    if (!this.enabled) return;
    checkAggregate(n);
    this.ensure(24);
    this.header(42, n);
  }
  map(n: number): void {
    if (!this.enabled) return;
    checkAggregate(n);
    this.ensure(24);
    if (this.resp === 3) this.header(37, n);
    else this.header(42, n * 2);
  }
  set(n: number): void {
    if (!this.enabled) return;
    checkAggregate(n);
    this.ensure(24);
    this.header(this.resp === 3 ? 126 : 42, n);
  }
  /** A push header `>n` (`*n` in RESP2), dropped under CLIENT REPLY OFF like any reply. */
  push(n: number): void {
    if (!this.enabled) return;
    checkAggregate(n);
    this.ensure(24);
    this.header(this.resp === 3 ? 62 : 42, n);
  }
  /**
   * A pub/sub push of `n` elements (a message, a (un)subscribe confirmation): it goes out under
   * CLIENT REPLY OFF/SKIP too, its elements included, until endPush() (Redis's CLIENT_PUSHING
   * flag, set around addReplyPubsub*()).
   */
  beginPush(n: number): void {
    checkAggregate(n);
    this.enabledBeforePush = this.enabled;
    this.enabled = true;
    this.ensure(24);
    this.header(this.resp === 3 ? 62 : 42, n);
  }
  endPush(): void {
    this.enabled = this.enabledBeforePush;
  }
  /** RESP3 attribute header `|n` (n key/value pairs follow, then the value they annotate). RESP2 has none: the caller skips them. */
  attribute(n: number): void {
    if (!this.enabled) return;
    this.ensure(24);
    this.header(124, n);
  }
  double(d: number): void {
    if (!this.enabled) return;
    const s = formatDouble17g(d);
    if (this.resp === 3) {
      this.ascii(`,${s}\r\n`);
    } else {
      this.ensure(s.length + 24);
      this.header(36, s.length);
      this.off += this.slab.latin1Write(s, this.off);
      this.crlf();
    }
  }
  bool(b: boolean): void {
    if (!this.enabled) return;
    this.ascii(this.resp === 3 ? (b ? "#t\r\n" : "#f\r\n") : b ? ":1\r\n" : ":0\r\n");
  }
  verbatim(format: string, text: string): void {
    if (!this.enabled) return;
    if (this.resp === 3) {
      const len = Buffer.byteLength(text) + 4;
      this.ensure(len + 24);
      this.header(61, len);
      this.off += this.slab.latin1Write(format.slice(0, 3).padEnd(3, " "), this.off);
      this.slab[this.off++] = 58;
      this.off += this.slab.utf8Write(text, this.off);
      this.crlf();
    } else {
      this.bulk(text);
    }
  }
  bigNumber(digits: string): void {
    if (!this.enabled) return;
    if (this.resp === 3) {
      this.ascii(`(${digits}\r\n`);
    } else {
      this.ensure(digits.length + 24);
      this.header(36, digits.length);
      this.off += this.slab.latin1Write(digits, this.off);
      this.crlf();
    }
  }
  raw(bytes: Buffer): void {
    if (!this.enabled) return;
    this.ensure(bytes.length);
    this.slab.set(bytes, this.off);
    this.off += bytes.length;
  }
  /**
   * raw() of `bytes[start, end)`, copied from there without a view made of it: a reply already
   * encoded elsewhere, such as a script's result in the Lua engine's memory.
   */
  rawSlice(bytes: Buffer, start: number, end: number): void {
    if (!this.enabled) return;
    const n = end - start;
    this.ensure(n);
    if (n > SHORT) bytes.copy(this.slab, this.off, start, end);
    else for (let i = 0; i < n; i++) this.slab[this.off + i] = bytes[start + i]!;
    this.off += n;
  }
  /** Raw bytes that bypass CLIENT REPLY OFF (pub/sub pushes). */
  rawAlways(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.slab.set(bytes, this.off);
    this.off += bytes.length;
  }
}

/** An aggregate length the header can print and a reply can hold (-1 is RESP2's null array). */
function checkAggregate(n: number): void {
  if (!(n >= -1 && n <= MAX_AGGREGATE) || n !== Math.floor(n))
    throw new ReplyTooLargeError(`an aggregate of ${n} elements`);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

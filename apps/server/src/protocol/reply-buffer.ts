// Interim reply encoder, private to the server until @shoal/resp-codec ships its writer. Replies
// are encoded straight into a per-connection slab; the connection hands the filled range to
// socket.write() once per event-loop turn (Redis's beforeSleep/handleClientsWithPendingWrites)
// and keeps encoding after it, so a flush costs no copy. Doubles follow addReplyDouble() in
// src/networking.c (Redis 7.0): %.17g, inf/-inf.
import type { ReplyWriter } from "@shoal/resp-codec";
import "./node-buffer.js";

const SLAB = 16 * 1024;
const CRLF = "\r\n";

/** Formats like C's printf("%.17g"). */
export function formatDouble17g(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return "inf";
  if (d === Number.NEGATIVE_INFINITY) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const exp = Math.floor(Math.log10(Math.abs(d)));
  let s: string;
  if (exp < -4 || exp >= 17) {
    s = d.toExponential(16);
    let [mant, e] = s.split("e") as [string, string];
    if (mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
    const en = Number(e);
    s = `${mant}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
  } else {
    s = d.toPrecision(17);
    if (s.includes("e")) return formatDouble17g(d); // Not reached for this exponent range.
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  }
  return s;
}

export class ReplyBuffer implements ReplyWriter {
  resp: 2 | 3 = 2;
  private slab: Buffer = Buffer.allocUnsafe(SLAB);
  /** First byte not yet handed to the socket. */
  private start = 0;
  /** Next byte to write. */
  private off = 0;
  /** Error replies written so far, and the last one (INFO errorstats, failed_calls). */
  errorCount = 0;
  lastError = "";
  /** When false, replies are dropped (CLIENT REPLY OFF/SKIP). */
  enabled = true;

  /** Bytes encoded and not yet flushed. */
  get pendingBytes(): number {
    return this.off - this.start;
  }

  /** Takes the encoded bytes out (the slab keeps going after them); null when empty. */
  take(): Buffer | null {
    if (this.off === this.start) return null;
    const out = this.slab.subarray(this.start, this.off);
    this.start = this.off;
    if (this.slab.length - this.off < 512) {
      this.slab = Buffer.allocUnsafe(SLAB);
      this.start = this.off = 0;
    }
    return out;
  }

  /** Drops encoded bytes not yet flushed (used when a client is being closed). */
  discard(): void {
    this.start = this.off;
  }

  private ensure(n: number): void {
    if (this.off + n <= this.slab.length) return;
    const used = this.off - this.start;
    const next = Buffer.allocUnsafe(Math.max(SLAB, (used + n) * 2));
    this.slab.copy(next, 0, this.start, this.off);
    this.slab = next;
    this.start = 0;
    this.off = used;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    this.off += this.slab.latin1Write(s, this.off);
  }

  ok(): void {
    if (!this.enabled) return;
    this.ascii("+OK\r\n");
  }
  simple(s: string): void {
    if (!this.enabled) return;
    this.ensure(Buffer.byteLength(s) + 3);
    this.slab[this.off++] = 43;
    this.off += this.slab.utf8Write(s, this.off);
    this.slab[this.off++] = 13;
    this.slab[this.off++] = 10;
  }
  error(msg: string): void {
    this.errorCount++;
    this.lastError = msg;
    if (!this.enabled) return;
    // Like addReplyErrorLength(): newlines in the message would break the protocol.
    const clean = msg.includes("\r") || msg.includes("\n") ? msg.replace(/[\r\n]/g, " ") : msg;
    this.ensure(Buffer.byteLength(clean) + 3);
    this.slab[this.off++] = 45;
    this.off += this.slab.utf8Write(clean, this.off);
    this.slab[this.off++] = 13;
    this.slab[this.off++] = 10;
  }
  integer(n: number | bigint): void {
    if (!this.enabled) return;
    this.ascii(`:${n}\r\n`);
  }
  bulk(value: Buffer | Uint8Array | string): void {
    if (!this.enabled) return;
    if (typeof value === "string") {
      const len = Buffer.byteLength(value);
      this.ensure(len + 24);
      this.off += this.slab.latin1Write(`$${len}\r\n`, this.off);
      this.off += this.slab.utf8Write(value, this.off);
    } else {
      const len = value.length;
      this.ensure(len + 24);
      this.off += this.slab.latin1Write(`$${len}\r\n`, this.off);
      this.slab.set(value, this.off);
      this.off += len;
    }
    this.slab[this.off++] = 13;
    this.slab[this.off++] = 10;
  }
  bulkLatin1(s: string): void {
    if (!this.enabled) return;
    this.ensure(s.length + 24);
    this.off += this.slab.latin1Write(`$${s.length}\r\n`, this.off);
    this.off += this.slab.latin1Write(s, this.off);
    this.slab[this.off++] = 13;
    this.slab[this.off++] = 10;
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
    this.ascii(`*${n}${CRLF}`);
  }
  map(n: number): void {
    if (!this.enabled) return;
    this.ascii(this.resp === 3 ? `%${n}${CRLF}` : `*${n * 2}${CRLF}`);
  }
  set(n: number): void {
    if (!this.enabled) return;
    this.ascii(this.resp === 3 ? `~${n}${CRLF}` : `*${n}${CRLF}`);
  }
  push(n: number): void {
    // Pushes are sent even with CLIENT REPLY OFF, as Redis does for pub/sub messages.
    this.ascii(this.resp === 3 ? `>${n}${CRLF}` : `*${n}${CRLF}`);
  }
  double(d: number): void {
    if (!this.enabled) return;
    const s = formatDouble17g(d);
    if (this.resp === 3) this.ascii(`,${s}${CRLF}`);
    else this.ascii(`$${s.length}${CRLF}${s}${CRLF}`);
  }
  bool(b: boolean): void {
    if (!this.enabled) return;
    this.ascii(this.resp === 3 ? (b ? "#t\r\n" : "#f\r\n") : b ? ":1\r\n" : ":0\r\n");
  }
  verbatim(format: string, text: string): void {
    if (!this.enabled) return;
    if (this.resp === 3) {
      const len = Buffer.byteLength(text) + 4;
      this.ascii(`=${len}${CRLF}${format}:`);
      this.ensure(len + 2);
      this.off += this.slab.utf8Write(text, this.off);
      this.ascii(CRLF);
    } else {
      this.bulk(text);
    }
  }
  bigNumber(digits: string): void {
    if (!this.enabled) return;
    if (this.resp === 3) this.ascii(`(${digits}${CRLF}`);
    else this.ascii(`$${digits.length}${CRLF}${digits}${CRLF}`);
  }
  raw(bytes: Buffer): void {
    if (!this.enabled) return;
    this.ensure(bytes.length);
    this.slab.set(bytes, this.off);
    this.off += bytes.length;
  }
  /** Raw bytes that bypass CLIENT REPLY OFF (pub/sub pushes). */
  rawAlways(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.slab.set(bytes, this.off);
    this.off += bytes.length;
  }
}

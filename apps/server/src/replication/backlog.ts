// The replication backlog: a ring buffer holding the last `repl-backlog-size` bytes of the
// replication stream, addressed by stream offset, so that a replica that lost its link can get
// just the bytes it missed (PSYNC ... +CONTINUE). Mirrors the role of server.repl_backlog in
// src/replication.c (Redis 7.0): `firstByteOffset` and `histlen` are INFO's
// repl_backlog_first_byte_offset and repl_backlog_histlen.

import type { CommandArgs, NodeBuffer } from "@shoal/resp-codec";
import { CommandDecoder } from "../protocol/command-decoder.js";

export class Backlog {
  private buf: Buffer;
  /** Next write position in buf. */
  private idx = 0;
  /** Bytes of history held (at most the buffer size). */
  histlen = 0;
  /** Stream offset of the last byte appended (the master offset when the backlog is in sync). */
  endOffset: number;

  /** `endOffset`: the stream offset the backlog starts after (its first byte will be end+1). */
  constructor(size: number, endOffset: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.endOffset = endOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Offset of the oldest byte held (Redis's repl_backlog->offset): end + 1 when empty. */
  get firstByteOffset(): number {
    return this.endOffset - this.histlen + 1;
  }

  append(data: Uint8Array): void {
    const size = this.buf.length;
    let src = data;
    if (src.length > size) src = src.subarray(src.length - size);
    const first = Math.min(size - this.idx, src.length);
    this.buf.set(src.subarray(0, first), this.idx);
    if (first < src.length) this.buf.set(src.subarray(first), 0);
    this.idx = (this.idx + src.length) % size;
    this.histlen = Math.min(size, this.histlen + data.length);
    this.endOffset += data.length;
  }

  /** True when the bytes from `offset` (the next byte a replica needs) to the end are held. */
  covers(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.endOffset + 1;
  }

  /** A copy of the bytes from `offset` to the end (caller checked covers()). */
  readFrom(offset: number): Buffer {
    const len = this.endOffset + 1 - offset;
    const out = Buffer.allocUnsafe(len);
    if (len === 0) return out;
    const size = this.buf.length;
    const start = (((this.idx - len) % size) + size) % size;
    const first = Math.min(size - start, len);
    this.buf.copy(out, 0, start, start + first);
    if (first < len) this.buf.copy(out, first, 0, len - first);
    return out;
  }

  /** CONFIG SET repl-backlog-size: keeps as much of the newest history as fits. */
  resize(size: number): void {
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const tail = this.readFrom(this.endOffset + 1 - keep);
    const end = this.endOffset;
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.idx = 0;
    this.histlen = 0;
    this.endOffset = end - keep;
    this.append(tail);
  }
}

/**
 * A growable buffer the turn's writes are encoded into as RESP multibulk (no allocation per
 * command once grown); handed out once per event-loop turn.
 */
export class StreamBuffer {
  private buf = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** `<type><n>\r\n` for a count or length n >= 0, digits written by hand (no string). */
  private header(type: number, n: number): void {
    this.ensure(24);
    const buf = this.buf;
    let off = this.length;
    buf[off++] = type;
    if (n < 10) {
      buf[off++] = 48 + n;
    } else {
      let digits = 2;
      for (let t = n; t >= 100; t = Math.floor(t / 10)) digits++;
      let p = off + digits;
      off = p;
      while (n >= 10) {
        const q = Math.floor(n / 10);
        buf[--p] = 48 + (n - q * 10);
        n = q;
      }
      buf[--p] = 48 + n;
    }
    buf[off++] = 13;
    buf[off++] = 10;
    this.length = off;
  }

  /** One bulk argument from src[start, start + n). */
  private bulk(src: Uint8Array, start: number, n: number): void {
    this.header(36, n);
    this.ensure(n + 2);
    const buf = this.buf;
    let off = this.length;
    // A native copy costs more than a short loop.
    if (n <= 16) for (let i = 0; i < n; i++) buf[off++] = src[start + i]!;
    else {
      buf.set(start === 0 && n === src.length ? src : src.subarray(start, start + n), off);
      off += n;
    }
    buf[off++] = 13;
    buf[off++] = 10;
    this.length = off;
  }

  /** Appends one command; strings are latin1 (keyspace keys are latin1 strings). Returns bytes. */
  command(argv: readonly (Buffer | Uint8Array | string)[]): number {
    const before = this.length;
    this.header(42, argv.length);
    for (const a of argv) {
      if (typeof a === "string") {
        this.header(36, a.length);
        this.ensure(a.length + 2);
        this.length += (this.buf as NodeBuffer).latin1Write(a, this.length);
        this.buf[this.length++] = 13;
        this.buf[this.length++] = 10;
      } else {
        this.bulk(a, 0, a.length);
      }
    }
    return this.length - before;
  }

  /**
   * Appends the command being run, read from the decoder's buffer where it lives (no view per
   * argument); the same bytes as command() of its views. Returns bytes.
   */
  commandArgs(args: CommandArgs): number {
    const before = this.length;
    const argc = args.argc;
    this.header(42, argc);
    if (args instanceof CommandDecoder) {
      for (let i = 0; i < argc; i++) this.bulk(args.argBuffer(i), args.argOffset(i), args.len(i));
    } else {
      for (let i = 0; i < argc; i++) {
        const v = args.view(i);
        this.bulk(v, 0, v.length);
      }
    }
    return this.length - before;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A copy of the contents (sockets keep references), and empties the buffer. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.length));
    this.clear();
    return out;
  }

  /** The contents, valid until the next append or clear(). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Empties the buffer (a big one is let go). */
  clear(): void {
    this.length = 0;
    if (this.buf.length > 4 * 1024 * 1024) this.buf = Buffer.allocUnsafe(64 * 1024);
  }
}

/** One command as RESP multibulk (handshake commands, ACKs). */
export function encodeResp(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`;
  return Buffer.from(s, "latin1");
}

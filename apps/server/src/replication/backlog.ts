// The replication backlog: a ring buffer holding the last `repl-backlog-size` bytes of the
// replication stream, addressed by stream offset, so that a replica that lost its link can get
// just the bytes it missed (PSYNC ... +CONTINUE). Mirrors the role of server.repl_backlog in
// src/replication.c (Redis 7.0): `firstByteOffset` and `histlen` are INFO's
// repl_backlog_first_byte_offset and repl_backlog_histlen.

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

  private header(prefix: string, n: number): void {
    this.ensure(24);
    this.length += this.buf.latin1Write(`${prefix}${n}\r\n`, this.length);
  }

  /** Appends one command; strings are latin1 (keyspace keys are latin1 strings). Returns bytes. */
  command(argv: readonly (Buffer | Uint8Array | string)[]): number {
    const before = this.length;
    this.header("*", argv.length);
    for (const a of argv) {
      if (typeof a === "string") {
        this.header("$", a.length);
        this.ensure(a.length + 2);
        this.length += this.buf.latin1Write(a, this.length);
      } else {
        this.header("$", a.length);
        this.ensure(a.length + 2);
        this.buf.set(a, this.length);
        this.length += a.length;
      }
      this.buf[this.length++] = 13;
      this.buf[this.length++] = 10;
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
    this.length = 0;
    if (this.buf.length > 4 * 1024 * 1024) this.buf = Buffer.allocUnsafe(64 * 1024);
    return out;
  }
}

/** One command as RESP multibulk (handshake commands, ACKs). */
export function encodeResp(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`;
  return Buffer.from(s, "latin1");
}

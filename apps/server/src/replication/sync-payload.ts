// A full sync's RDB payload as a replica receives it (the reading half of readSyncBulkPayload in
// src/replication.c, Redis 7.0, repl-diskless-load disabled): after +FULLRESYNC the master sends
// `$<length>` and that many bytes (disk-based), or `$EOF:<40-byte mark>`, the bytes and the mark
// (diskless). They go to temp-<unixtime>.<pid>.rdb in `dir` as they arrive; with a mark, the last
// 40 bytes received are held back until more follow, since they may be the mark. The link parses
// the header, loads the finished file and decides what happens to it.
import fs from "node:fs";
import path from "node:path";

const EMPTY = Buffer.alloc(0);

export class SyncPayload {
  /** Bytes written to the file so far (INFO master_sync_read_bytes). */
  read = 0;
  private fd: number;
  private file: string;
  private tail: Buffer = EMPTY;

  /**
   * Opens the temp file (throws when it can't). `size` is the announced length, -1 with an EOF
   * `mark` (INFO master_sync_total_bytes).
   */
  constructor(
    readonly size: number,
    private readonly mark: Buffer | null,
  ) {
    // temp-<unixtime>.<pid>.rdb in dir, as Redis names it.
    this.file = path.join(
      process.cwd(),
      `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`,
    );
    this.fd = fs.openSync(this.file, "w");
  }

  private write(d: Uint8Array): void {
    let off = 0;
    while (off < d.length) off += fs.writeSync(this.fd, d, off);
    this.read += d.length;
  }

  /**
   * Writes the payload's part of `d`. Returns null while more is to come, else the bytes that
   * followed the payload (the start of the stream). Write errors are thrown.
   */
  push(d: Buffer): Buffer | null {
    const mark = this.mark;
    if (mark === null) {
      const need = this.size - this.read;
      if (d.length < need) {
        this.write(d);
        return null;
      }
      this.write(d.subarray(0, need));
      return d.subarray(need);
    }
    // A master sends nothing after the mark before our first ACK; a mark found earlier in the
    // window still ends the payload there.
    const window = this.tail.length > 0 ? Buffer.concat([this.tail, d]) : d;
    const at = window.indexOf(mark);
    if (at >= 0) {
      this.write(window.subarray(0, at));
      return window.subarray(at + mark.length);
    }
    const keep = Math.min(window.length, mark.length - 1);
    this.write(window.subarray(0, window.length - keep));
    this.tail = Buffer.from(window.subarray(window.length - keep));
    return null;
  }

  /** The payload is complete: fsync and close the file, whose path is returned. */
  close(): string {
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
    return this.file;
  }

  /** The file was moved away (it became dbfilename): discard() leaves it alone. */
  keep(): void {
    this.file = "";
  }

  /** Closes and deletes the temp file (a transfer cut short, or a file not loaded). */
  discard(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    if (this.file !== "") {
      fs.rmSync(this.file, { force: true });
      this.file = "";
    }
    this.tail = EMPTY;
  }
}

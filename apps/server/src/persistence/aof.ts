// The append-only file in Redis 7's multi-part layout: `appenddirname/` holds a manifest
// (`appendfilename.manifest`) listing an optional base file and incremental files
// (`appendonly.aof.1.incr.aof`). Mirrors src/aof.c (Redis 7.0): writes are buffered while
// commands run (feedAppendOnlyFile), written before replies are sent (flushAppendOnlyFile in
// beforeSleep) and fsynced per `appendfsync`: always = before the replies of those writes go
// out, everysec = once a second off the event loop, no = left to the kernel.
import fs from "node:fs";
import path from "node:path";

export interface ManifestEntry {
  file: string;
  seq: number;
  type: "b" | "h" | "i";
}

export function parseManifest(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const w = t.split(/\s+/);
    const get = (k: string) => {
      const i = w.indexOf(k);
      return i >= 0 ? w[i + 1] : undefined;
    };
    const file = get("file");
    const seq = Number(get("seq"));
    const type = get("type") as ManifestEntry["type"] | undefined;
    if (!file || !Number.isFinite(seq) || !type) throw new Error(`Invalid AOF manifest line: ${t}`);
    out.push({ file, seq, type });
  }
  return out;
}

export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => `file ${e.file} seq ${e.seq} type ${e.type}\n`).join("");
}

/** Encodes one command as RESP multibulk (the AOF's format). */
export function encodeCommand(argv: readonly (Buffer | string)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = typeof a === "string" ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}
const CRLF = Buffer.from("\r\n");

export type FsyncPolicy = "always" | "everysec" | "no";

export class AofWriter {
  private fd = -1;
  private buf: Buffer[] = [];
  private bufBytes = 0;
  private selectedDb = -1;
  private lastFsync = Date.now();
  private unsyncedWrites = false;
  private fsyncInFlight = false;
  /** Bytes written to the current incr file (INFO aof_current_size). */
  currentSize = 0;
  lastWriteError: string | null = null;

  constructor(
    readonly dirPath: string,
    readonly baseName: string,
    public fsync: FsyncPolicy,
  ) {}

  get manifestPath(): string {
    return path.join(this.dirPath, `${this.baseName}.manifest`);
  }

  /** Files to replay, in order (base first, then increments). Empty when there is no AOF yet. */
  filesToLoad(): string[] {
    if (!fs.existsSync(this.manifestPath)) return [];
    const entries = parseManifest(fs.readFileSync(this.manifestPath, "utf8"));
    const base = entries.filter((e) => e.type === "b");
    const incr = entries.filter((e) => e.type === "i").sort((a, b) => a.seq - b.seq);
    return [...base, ...incr].map((e) => path.join(this.dirPath, e.file));
  }

  /** Opens (creating if needed) the current incremental file and the manifest. */
  open(): void {
    fs.mkdirSync(this.dirPath, { recursive: true });
    let entries: ManifestEntry[] = [];
    if (fs.existsSync(this.manifestPath))
      entries = parseManifest(fs.readFileSync(this.manifestPath, "utf8"));
    let incr = entries
      .filter((e) => e.type === "i")
      .sort((a, b) => a.seq - b.seq)
      .pop();
    if (!incr) {
      incr = { file: `${this.baseName}.1.incr.aof`, seq: 1, type: "i" };
      entries.push(incr);
      const tmp = `${this.manifestPath}.tmp`;
      fs.writeFileSync(tmp, formatManifest(entries));
      const mfd = fs.openSync(tmp, "r");
      fs.fsyncSync(mfd);
      fs.closeSync(mfd);
      fs.renameSync(tmp, this.manifestPath);
    }
    const file = path.join(this.dirPath, incr.file);
    this.fd = fs.openSync(file, "a");
    this.currentSize = fs.fstatSync(this.fd).size;
    this.selectedDb = -1;
  }

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** Buffers a command (Redis's feedAppendOnlyFile), with a SELECT when the db changes. */
  feed(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    if (this.fd < 0) return;
    if (dbIndex !== this.selectedDb) {
      this.push(encodeCommand(["SELECT", String(dbIndex)]));
      this.selectedDb = dbIndex;
    }
    this.push(encodeCommand(argv));
  }

  private push(b: Buffer): void {
    this.buf.push(b);
    this.bufBytes += b.length;
  }

  get pendingBytes(): number {
    return this.bufBytes;
  }

  /** Writes buffered commands; fsyncs now when the policy is `always` (flushAppendOnlyFile). */
  flush(): void {
    if (this.fd < 0 || this.bufBytes === 0) return;
    const data = this.buf.length === 1 ? this.buf[0]! : Buffer.concat(this.buf, this.bufBytes);
    this.buf = [];
    this.bufBytes = 0;
    let off = 0;
    while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
    this.currentSize += data.length;
    if (this.fsync === "always") {
      fs.fsyncSync(this.fd);
      this.lastFsync = Date.now();
    } else {
      this.unsyncedWrites = true;
    }
  }

  /** everysec: one background fsync per second when something was written. */
  cron(now: number): void {
    if (this.fsync !== "everysec" || !this.unsyncedWrites || this.fsyncInFlight) return;
    if (now - this.lastFsync < 1000) return;
    this.unsyncedWrites = false;
    this.fsyncInFlight = true;
    const fd = this.fd;
    fs.fsync(fd, (err) => {
      this.fsyncInFlight = false;
      this.lastFsync = Date.now();
      if (err) this.lastWriteError = err.message;
    });
  }

  /** Final flush and fsync (shutdown). */
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

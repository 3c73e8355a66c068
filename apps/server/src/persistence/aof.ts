// The append-only file in Redis 7's multi-part layout: `appenddirname/` holds a manifest
// (`appendfilename.manifest`) listing an optional base file and incremental files
// (`appendonly.aof.1.incr.aof`). Mirrors src/aof.c (Redis 7.0): writes are buffered while
// commands run (feedAppendOnlyFile), written before replies are sent (flushAppendOnlyFile in
// beforeSleep) and fsynced per `appendfsync`: always = before the replies of those writes go
// out, everysec = once a second off the event loop, no = left to the kernel.
import fs from "node:fs";
import path from "node:path";
import type { NodeBuffer } from "@shoal/resp-codec";

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

/**
 * Encodes one command as RESP multibulk (the AOF's format). Strings are latin1: keyspace-store
 * carries keys, fields and members as latin1 strings (one char per byte), so that is how their
 * bytes come back.
 */
export function encodeCommand(argv: readonly (Buffer | string)[]): Buffer {
  const out = Buffer.allocUnsafe(encodedSizeBound(argv));
  return out.subarray(0, encodeInto(out, 0, argv));
}

/** An upper bound of encodeInto's output for `argv`. */
function encodedSizeBound(argv: readonly (Buffer | string)[]): number {
  let n = 16;
  for (let i = 0; i < argv.length; i++) n += (argv[i] as Buffer | string).length + 16;
  return n;
}

/** Writes `argv` as RESP multibulk into `out` at `off`; returns the new offset. */
function encodeInto(buf: Buffer, off: number, argv: readonly (Buffer | string)[]): number {
  const out = buf as NodeBuffer;
  let o = off + out.latin1Write(`*${argv.length}\r\n`, off);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as Buffer | string;
    o += out.latin1Write(`$${a.length}\r\n`, o);
    if (typeof a === "string") o += out.latin1Write(a, o);
    else {
      out.set(a, o);
      o += a.length;
    }
    out[o++] = 13;
    out[o++] = 10;
  }
  return o;
}

/** The write buffer starts at this size and goes back to it after a burst. */
const SLAB_BYTES = 64 * 1024;

export type FsyncPolicy = "always" | "everysec" | "no";

export class AofWriter {
  private fd = -1;
  /** Commands fed since the last flush, encoded back to back (one copy, one write). */
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;
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

  /** Manifest entries of the open AOF. */
  private entries: ManifestEntry[] = [];

  /** Files to load, in order: the base (if any), then increments. Empty when there is no AOF. */
  filesToLoad(): ManifestEntry[] {
    if (!fs.existsSync(this.manifestPath)) return [];
    const entries = parseManifest(fs.readFileSync(this.manifestPath, "utf8"));
    const base = entries.filter((e) => e.type === "b");
    const incr = entries.filter((e) => e.type === "i").sort((a, b) => a.seq - b.seq);
    return [...base, ...incr];
  }

  /** Writes the manifest atomically: temp file, fsync, rename (as Redis's writeAofManifestFile). */
  private writeManifest(entries: ManifestEntry[]): void {
    const tmp = `${this.manifestPath}.tmp`;
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeSync(fd, formatManifest(entries));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.manifestPath);
    this.entries = entries;
  }

  /** Opens (creating if needed) the current incremental file and the manifest. */
  open(): void {
    fs.mkdirSync(this.dirPath, { recursive: true });
    this.entries = fs.existsSync(this.manifestPath)
      ? parseManifest(fs.readFileSync(this.manifestPath, "utf8"))
      : [];
    const incr = this.entries
      .filter((e) => e.type === "i")
      .sort((a, b) => a.seq - b.seq)
      .pop();
    if (!incr) {
      this.writeManifest([
        ...this.entries,
        { file: `${this.baseName}.1.incr.aof`, seq: 1, type: "i" },
      ]);
    }
    this.openIncr();
  }

  private openIncr(): void {
    const incr = this.entries
      .filter((e) => e.type === "i")
      .sort((a, b) => a.seq - b.seq)
      .pop()!;
    this.fd = fs.openSync(path.join(this.dirPath, incr.file), "a");
    this.currentSize = fs.fstatSync(this.fd).size;
    this.selectedDb = -1;
  }

  /**
   * Starts a rewrite (BGREWRITEAOF): later writes go to a new incremental file, listed in the
   * manifest after the old files so a crash mid-rewrite still replays everything. Returns the
   * new sequence number for finishRewrite().
   */
  startRewrite(): number {
    this.flush();
    if (this.fd >= 0) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
    }
    const seq = Math.max(0, ...this.entries.map((e) => e.seq)) + 1;
    this.writeManifest([
      ...this.entries,
      { file: `${this.baseName}.${seq}.incr.aof`, seq, type: "i" },
    ]);
    this.openIncr();
    return seq;
  }

  /** Name of the base file a rewrite with sequence `seq` writes (a snapshot of the data). */
  baseFileName(seq: number): string {
    return `${this.baseName}.${seq}.base.rdb`;
  }

  /** The base file is on disk: the manifest becomes base + new increment; old files go. */
  finishRewrite(seq: number): void {
    const keep: ManifestEntry[] = [
      { file: this.baseFileName(seq), seq, type: "b" },
      { file: `${this.baseName}.${seq}.incr.aof`, seq, type: "i" },
    ];
    const old = this.entries.filter((e) => !keep.some((k) => k.file === e.file));
    this.writeManifest(keep);
    for (const e of old) fs.rmSync(path.join(this.dirPath, e.file), { force: true });
  }

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** Buffers a command (Redis's feedAppendOnlyFile), with a SELECT when the db changes. */
  feed(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    if (this.fd < 0) return;
    if (dbIndex !== this.selectedDb) {
      this.append(["SELECT", String(dbIndex)]);
      this.selectedDb = dbIndex;
    }
    this.append(argv);
  }

  private append(argv: readonly (Buffer | string)[]): void {
    const need = this.used + encodedSizeBound(argv);
    if (need > this.slab.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.slab.length * 2));
      this.slab.copy(grown, 0, 0, this.used);
      this.slab = grown;
    }
    this.used = encodeInto(this.slab, this.used, argv);
  }

  get pendingBytes(): number {
    return this.used;
  }

  /** Writes buffered commands; fsyncs now when the policy is `always` (flushAppendOnlyFile). */
  flush(): void {
    if (this.fd < 0 || this.used === 0) return;
    const n = this.used;
    let off = 0;
    while (off < n) off += fs.writeSync(this.fd, this.slab, off, n - off);
    this.used = 0;
    if (this.slab.length > SLAB_BYTES * 16) this.slab = Buffer.allocUnsafe(SLAB_BYTES);
    this.currentSize += n;
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

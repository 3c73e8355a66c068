// The append-only file as Redis 7.0 lays it out (src/aof.c), so redis-check-aof reads Shoal's
// directory and either server starts from the other's:
//
// 1. `appenddirname/` holds a manifest (`appendfilename.manifest`) listing one base file, the
//    history files a rewrite left behind, and the incremental files, each as
//    `file <name> seq <n> type <b|h|i>`, in that order (getAofManifestAsString). Base and
//    incremental files count their sequence numbers separately (curr_base_file_seq,
//    curr_incr_file_seq). The manifest is replaced atomically: temp file, fsync, rename.
// 2. The base is an RDB file (`appendonly.aof.<seq>.base.rdb`) with aof-use-rdb-preamble yes, else
//    commands rebuilding the data (`.base.aof`, rewriteAppendOnlyFileRio's form: SELECT, SET,
//    RPUSH/SADD/ZADD/HMSET of up to 64 items, PEXPIREAT). Which one a base is, is told by its first
//    five bytes ("REDIS"), as loadSingleAppendOnlyFile does, not by its name.
// 3. Commands are buffered while they run (feedAppendOnlyFile), written to the last incremental
//    file before replies go out (flushAppendOnlyFile in beforeSleep) and fsynced per
//    `appendfsync`: always = before the replies of those writes go out, everysec = once a second
//    off the event loop, no = left to the kernel.
// 4. A rewrite (BGREWRITEAOF) opens the next incremental file at once, so the writes made while
//    the base is being written land after the data it captures; when the base is on disk it
//    becomes the base, the old base and the older incremental files turn to history, and the
//    history files are deleted (backgroundRewriteDoneHandler, aofDelHistoryFiles).
import fs from "node:fs";
import path from "node:path";
import {
  formatStreamId,
  isHash,
  isList,
  isSet,
  isStream,
  isString,
  type StreamGroup,
  type StreamValue,
  type Value,
  type ZSetValue,
} from "@shoal/keyspace-store";
import { formatDouble17g, type NodeBuffer } from "@shoal/resp-codec";
import { quoteRepr, splitArgs } from "../config/split-args.js";

export type AofFileType = "b" | "h" | "i";

export interface ManifestEntry {
  file: string;
  seq: number;
  type: AofFileType;
}

/** Manifest text -> entries (aofLoadManifestFromFile): `key value` pairs, `#` comments. */
export function parseManifest(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const w = splitArgs(t);
    if (w === null || w.length % 2 !== 0) throw new Error("Invalid AOF manifest file format");
    let file: string | undefined;
    let seq = Number.NaN;
    let type: string | undefined;
    for (let i = 0; i < w.length; i += 2) {
      if (w[i] === "file") file = w[i + 1];
      else if (w[i] === "seq") seq = /^[0-9]+$/.test(w[i + 1]!) ? Number(w[i + 1]) : Number.NaN;
      else if (w[i] === "type") type = w[i + 1];
    }
    if (file === undefined || !Number.isSafeInteger(seq) || !/^[bhi]$/.test(type ?? ""))
      throw new Error("Invalid AOF manifest file format");
    out.push({ file, seq, type: type as AofFileType });
  }
  return out;
}

/** A file name as getAofManifestAsString writes it: quoted (sdscatrepr) only when it must be. */
function reprName(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !/["'\\]/.test(name)) return name;
  return quoteRepr(name);
}

export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => `file ${reprName(e.file)} seq ${e.seq} type ${e.type}\n`).join("");
}

/** Redis's aofManifest: the base, the history left by rewrites, the incremental files. */
export class AofManifest {
  base: ManifestEntry | null = null;
  history: ManifestEntry[] = [];
  incr: ManifestEntry[] = [];
  currBaseSeq = 0;
  currIncrSeq = 0;

  static parse(text: string): AofManifest {
    const m = new AofManifest();
    for (const e of parseManifest(text)) {
      if (e.type === "b") {
        if (m.base !== null) throw new Error("Found duplicate base file information");
        m.base = e;
        m.currBaseSeq = e.seq;
      } else if (e.type === "h") m.history.push(e);
      else {
        if (e.seq <= m.currIncrSeq) throw new Error("Found a non-monotonic sequence number");
        m.incr.push(e);
        m.currIncrSeq = e.seq;
      }
    }
    return m;
  }

  entries(): ManifestEntry[] {
    return [...(this.base ? [this.base] : []), ...this.history, ...this.incr];
  }

  toString(): string {
    return formatManifest(this.entries());
  }

  /** The files to load, in order: the base (if any), then the increments. */
  filesToLoad(): ManifestEntry[] {
    return [...(this.base ? [this.base] : []), ...this.incr];
  }
}

/**
 * Encodes one command as RESP multibulk (the AOF's format). Strings are latin1: keyspace-store
 * carries keys, fields, members, short list elements and small string values as latin1 strings
 * (one char per byte), so that is how their bytes come back.
 */
export function encodeCommand(argv: readonly (Uint8Array | string)[]): Buffer {
  const out = Buffer.allocUnsafe(encodedSizeBound(argv));
  return out.subarray(0, encodeInto(out, 0, argv));
}

/** An upper bound of encodeInto's output for `argv`. */
function encodedSizeBound(argv: readonly (Uint8Array | string)[]): number {
  let n = 16;
  for (let i = 0; i < argv.length; i++) n += (argv[i] as Uint8Array | string).length + 16;
  return n;
}

/** Writes `argv` as RESP multibulk into `out` at `off`; returns the new offset. */
function encodeInto(buf: Buffer, off: number, argv: readonly (Uint8Array | string)[]): number {
  const out = buf as NodeBuffer;
  let o = off + out.latin1Write(`*${argv.length}\r\n`, off);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as Uint8Array | string;
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

/** Redis's AOF_REWRITE_ITEMS_PER_CMD: a collection is rebuilt 64 items per command. */
const ITEMS_PER_CMD = 64;

/**
 * The commands that rebuild one key in a plain AOF base (rewriteAppendOnlyFileRio's per-type
 * functions), then PEXPIREAT when it has a TTL.
 */
export function rewriteKeyCommands(key: string, v: Value, expireAt: number): Buffer[] {
  const out: Buffer[] = [];
  const batched = (cmd: string, items: Iterable<(Uint8Array | string)[]>) => {
    let argv: (Uint8Array | string)[] = [cmd, key];
    let n = 0;
    for (const it of items) {
      argv.push(...it);
      if (++n === ITEMS_PER_CMD) {
        out.push(encodeCommand(argv));
        argv = [cmd, key];
        n = 0;
      }
    }
    if (n > 0) out.push(encodeCommand(argv));
  };
  if (isString(v)) out.push(encodeCommand(["SET", key, v]));
  else if (isList(v))
    batched(
      "RPUSH",
      mapIter(v.toArray(), (e) => [e]),
    );
  else if (isSet(v))
    batched(
      "SADD",
      mapIter(v, (m) => [m]),
    );
  else if (isHash(v))
    batched(
      "HMSET",
      mapIter(v, ([f, val]) => [f, val]),
    );
  else if (isStream(v)) rewriteStream(out, key, v);
  else
    batched(
      "ZADD",
      mapIter((v as ZSetValue).entries(), ([m, s]) => [formatDouble17g(s), m]),
    );
  if (expireAt !== -1) out.push(encodeCommand(["PEXPIREAT", key, String(expireAt)]));
  return out;
}

/**
 * rewriteStreamObject: one XADD per entry (an empty stream: XADD MAXLEN 0 0-1 x y), XSETID with
 * the last ID, entries added and max deleted ID, then per group (by name) XGROUP CREATE ...
 * ENTRIESREAD, and per consumer (by name) an XCLAIM ... FORCE per pending entry, or XGROUP
 * CREATECONSUMER when it has none.
 */
function rewriteStream(out: Buffer[], key: string, s: StreamValue): void {
  const byName = <T>(m: Map<string, T>) =>
    [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (s.length)
    s.range(0n, (1n << 128n) - 1n, false, 0, (id, fv) => {
      out.push(encodeCommand(["XADD", key, formatStreamId(id), ...fv]));
    });
  else out.push(encodeCommand(["XADD", key, "MAXLEN", "0", "0-1", "x", "y"]));
  out.push(
    encodeCommand([
      "XSETID",
      key,
      formatStreamId(s.lastId),
      "ENTRIESADDED",
      String(s.entriesAdded),
      "MAXDELETEDID",
      formatStreamId(s.maxDeletedId),
    ]),
  );
  for (const [gname, g] of byName(s.groups ?? new Map<string, StreamGroup>())) {
    out.push(
      encodeCommand([
        "XGROUP",
        "CREATE",
        key,
        gname,
        formatStreamId(g.lastId),
        "ENTRIESREAD",
        String(g.entriesRead),
      ]),
    );
    for (const [cname, c] of byName(g.consumers)) {
      if (c.pel.size === 0) {
        out.push(encodeCommand(["XGROUP", "CREATECONSUMER", key, gname, cname]));
        continue;
      }
      for (const [id, nack] of c.pel.range(0n, (1n << 128n) - 1n))
        out.push(
          encodeCommand([
            "XCLAIM",
            key,
            gname,
            cname,
            "0",
            formatStreamId(id),
            "TIME",
            String(nack.deliveryTime),
            "RETRYCOUNT",
            String(nack.deliveryCount),
            "JUSTID",
            "FORCE",
          ]),
        );
    }
  }
}

function* mapIter<T, U>(it: Iterable<T>, f: (t: T) => U): Iterable<U> {
  for (const t of it) yield f(t);
}

/** The write buffer starts at this size and goes back to it after a burst. */
const SLAB_BYTES = 64 * 1024;

export type FsyncPolicy = "always" | "everysec" | "no";

/**
 * The open AOF: the manifest, the incremental file being appended to, the write buffer and the
 * fsync policy. Persistence drives it (load, rewrite); the server feeds it commands.
 */
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
  /** Size of the base file (INFO aof_base_size). */
  baseSize = 0;
  /** The background fsync's outcome (bio's aof_bio_fsync_status): null when it succeeded. */
  onFsyncDone: (err: NodeJS.ErrnoException | null) => void = () => {};
  manifest = new AofManifest();

  constructor(
    readonly dirPath: string,
    readonly baseName: string,
    public fsync: FsyncPolicy,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get manifestPath(): string {
    return path.join(this.dirPath, `${this.baseName}.manifest`);
  }

  /** Reads the manifest from disk (aofLoadManifestFromDisk); an absent one is empty. */
  loadManifest(): AofManifest {
    this.manifest = fs.existsSync(this.manifestPath)
      ? AofManifest.parse(fs.readFileSync(this.manifestPath, "latin1"))
      : new AofManifest();
    return this.manifest;
  }

  /** Writes the manifest atomically (writeAofManifestFile: temp file, fsync, rename). */
  persistManifest(m: AofManifest = this.manifest): void {
    fs.mkdirSync(this.dirPath, { recursive: true });
    const tmp = path.join(this.dirPath, `temp-${this.baseName}.manifest`);
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeSync(fd, m.toString(), null, "latin1");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.manifestPath);
    this.manifest = m;
  }

  /** Name of the next base file (getNewBaseFileNameAndMarkPreAsHistory), RDB or commands. */
  nextBaseName(rdb: boolean): string {
    return `${this.baseName}.${this.manifest.currBaseSeq + 1}.base.${rdb ? "rdb" : "aof"}`;
  }

  /**
   * The base file `name` (already in the directory) becomes the base; the old base and every
   * incremental file but the last turn to history (backgroundRewriteDoneHandler), which is then
   * deleted (aofDelHistoryFiles).
   */
  installBase(name: string): void {
    const m = this.manifest;
    const next = new AofManifest();
    next.currBaseSeq = m.currBaseSeq + 1;
    next.currIncrSeq = m.currIncrSeq;
    next.base = { file: name, seq: next.currBaseSeq, type: "b" };
    next.history = [...m.history];
    if (m.base) next.history.push({ ...m.base, type: "h" });
    const last = m.incr[m.incr.length - 1];
    for (const e of m.incr) if (e !== last) next.history.push({ ...e, type: "h" });
    next.incr = last ? [last] : [];
    this.persistManifest(next);
    this.baseSize = fileSize(path.join(this.dirPath, name));
    this.deleteHistory();
  }

  /** aofDelHistoryFiles: removes the history files and lists them no more. */
  deleteHistory(): void {
    const m = this.manifest;
    if (m.history.length === 0) return;
    for (const e of m.history) {
      this.log(`Removing the history file ${e.file} in the background`);
      fs.rmSync(path.join(this.dirPath, e.file), { force: true });
    }
    const next = Object.assign(new AofManifest(), m, { history: [] });
    this.persistManifest(next);
  }

  /**
   * Opens a new incremental file for appending and lists it (openNewIncrAofForAppend): at start
   * when the manifest has none, and at the start of every rewrite.
   */
  openNewIncr(reason: "on server start" | "on background rewrite"): void {
    this.flush();
    this.closeFd();
    const m = this.manifest;
    const next = Object.assign(new AofManifest(), m, { incr: [...m.incr] });
    next.currIncrSeq = m.currIncrSeq + 1;
    const name = `${this.baseName}.${next.currIncrSeq}.incr.aof`;
    fs.mkdirSync(this.dirPath, { recursive: true });
    const fd = fs.openSync(path.join(this.dirPath, name), "a");
    next.incr.push({ file: name, seq: next.currIncrSeq, type: "i" });
    this.persistManifest(next);
    this.log(`Creating AOF incr file ${name} ${reason}`);
    this.attachFd(fd);
  }

  /** Opens the last incremental file for appending (aofOpenIfNeededOnServerStart). */
  openLastIncr(): void {
    const last = this.manifest.incr[this.manifest.incr.length - 1];
    if (last === undefined) {
      this.openNewIncr("on server start");
      return;
    }
    this.attachFd(fs.openSync(path.join(this.dirPath, last.file), "a"));
  }

  private attachFd(fd: number): void {
    this.fd = fd;
    this.currentSize = fs.fstatSync(fd).size;
    this.selectedDb = -1;
    if (this.manifest.base)
      this.baseSize = fileSize(path.join(this.dirPath, this.manifest.base.file));
  }

  private closeFd(): void {
    if (this.fd < 0) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** Buffers a command (Redis's feedAppendOnlyFile), with a SELECT when the db changes. */
  feed(dbIndex: number, argv: readonly (Uint8Array | string)[]): void {
    if (this.fd < 0) return;
    if (dbIndex !== this.selectedDb) {
      this.append(["SELECT", String(dbIndex)]);
      this.selectedDb = dbIndex;
    }
    this.append(argv);
  }

  private append(argv: readonly (Uint8Array | string)[]): void {
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
    try {
      while (off < n) off += fs.writeSync(this.fd, this.slab, off, n - off);
    } catch (err) {
      if (off > 0) this.dropShortWrite(off);
      throw err;
    }
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

  /**
   * A write that failed part way (flushAppendOnlyFile's short write): the partial command is cut
   * from the file so the whole buffer is written again on the next try; if the file can't be
   * truncated, what reached it is dropped from the buffer instead.
   */
  private dropShortWrite(written: number): void {
    try {
      fs.ftruncateSync(this.fd, this.currentSize);
    } catch {
      this.slab.copyWithin(0, written, this.used);
      this.used -= written;
      this.currentSize += written;
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
      // A closed descriptor (EBADF, EINVAL) is not a failed fsync, as bio.c ignores them.
      this.onFsyncDone(err && err.code !== "EBADF" && err.code !== "EINVAL" ? err : null);
    });
  }

  /** Final flush and fsync (shutdown, appendonly no). */
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    this.closeFd();
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

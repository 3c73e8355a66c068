// Persistence for one node, in Redis's formats (src/rdb.c, src/aof.c, Redis 7.0): what is loaded
// at start, the snapshot file, the append-only file and the shutdown sequence. Reading files into
// the data is loading.ts's; the AOF's files and manifest are aof.ts's.
//
// Snapshots are `dbfilename` in `dir`: an RDB version 10 file as Redis 7.0 writes it (with
// rdbcompression and rdbchecksum), produced from the store's chunked snapshot while clients keep
// being served (no fork: the snapshot saves a key's pre-image before a write changes it), written
// to a temp file, fsynced and renamed over the old one. SAVE, BGSAVE, save points, FLUSHALL with
// save points, the shutdown save, DEBUG RELOAD and the disk-based full sync all write it.
//
// At start (loadDataFromDisk) the AOF is loaded when appendonly is on (its manifest: the base,
// RDB or commands, then the incremental files), else dump.rdb; a file written by Shoal or by a
// real redis-server, loaded all or nothing. A file that can't be loaded stops the start with
// Redis's lines: the reason, then "Fatal error loading the DB ... Exiting." (run.ts) — a node
// never serves half a data set. With appendonly on and no AOF yet, an empty base and the first
// incremental file are created (aofOpenIfNeededOnServerStart).
//
// BGREWRITEAOF (and CONFIG SET appendonly yes) opens the next incremental file and captures the
// snapshot in the same event-loop turn, writes the base to `temp-rewriteaof-bg-<pid>.aof` in
// `dir`, renames it into the AOF directory and installs it (aof.ts, step 4).
import fs from "node:fs";
import path from "node:path";
import { Keyspace, type RdbLoader, type RdbSaveOptions } from "@shoal/keyspace-store";
import type { SavePoint } from "../config/directives.js";
import { AofWriter, encodeCommand, type FsyncPolicy, rewriteKeyCommands } from "./aof.js";
import { aofErrorReason } from "./disk-errors.js";
import type { PersistenceHost } from "./host.js";
import { DataLoader, type LoadingOwner } from "./loading.js";

/** CONFIG_BGSAVE_RETRY_DELAY: seconds between save points' tries after a failed save. */
const BGSAVE_RETRY_DELAY = 5;

export class Persistence implements LoadingOwner {
  aof: AofWriter | null = null;
  loading = false;
  lastSave = Math.floor(Date.now() / 1000);
  lastSaveStatus: "ok" | "err" = "ok";
  bgsaveInProgress = false;
  /** When the last background save started, in seconds (lastbgsave_try: save points' retry delay). */
  private lastBgsaveTry = 0;
  /** INFO rdb_last_load_keys_loaded / rdb_last_load_keys_expired. */
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  rdbSaves = 0;

  private readonly loader: DataLoader;

  constructor(private readonly server: PersistenceHost) {
    this.loader = new DataLoader(server, this);
    server.store.afterFlushAllCommand = () => this.afterFlushAll();
  }

  /** INFO's rdb_last_bgsave_status: a failed one stops writes (disk-errors.ts). */
  get lastBgsaveStatus(): "ok" | "err" {
    return this.server.diskErrors.lastBgsaveStatus;
  }

  /** INFO's aof_last_write_status. */
  get aofLastWriteStatus(): "ok" | "err" {
    return this.server.diskErrors.aofLastWriteStatus;
  }

  /** A snapshot is due again once the running one finishes (FLUSHALL during a BGSAVE). */
  private saveAgain = false;
  private saveSeq = 0;

  /**
   * FLUSHALL with save points set rewrites the snapshot at once (Redis's
   * flushAllDataAndResetRDB), so a restart doesn't bring the flushed data back. The snapshot is
   * taken now (empty); a BGSAVE still writing the old data is followed by another save.
   */
  private afterFlushAll(): void {
    if (this.loading) return;
    if (this.server.config.get<SavePoint[]>("save").length === 0) return;
    if (this.bgsaveInProgress) {
      this.saveAgain = true;
      return;
    }
    void this.bgsave(true);
  }

  /** `dir`: run.ts chdir()s into it, as Redis does. */
  private get dir(): string {
    return process.cwd();
  }

  aofDirPath(): string {
    return path.join(this.dir, this.server.config.get<string>("appenddirname"));
  }

  /** The snapshot file (dbfilename in dir). */
  snapshotPath(): string {
    return path.join(this.dir, this.server.config.get<string>("dbfilename"));
  }

  private newAofWriter(): AofWriter {
    const cfg = this.server.config;
    const aof = new AofWriter(
      this.aofDirPath(),
      cfg.get<string>("appendfilename"),
      cfg.get<FsyncPolicy>("appendfsync"),
      (line) => this.server.log.notice(line),
    );
    aof.onFsyncDone = (err) => {
      const errors = this.server.diskErrors;
      if (err !== null && !errors.aofFsyncFailed)
        this.server.log.warning(`Fail to fsync the AOF file: ${aofErrorReason(err)}`);
      if (this.aof === aof) errors.aofFsyncDone(err === null ? null : aofErrorReason(err));
    };
    return aof;
  }

  // ---- RDB ----------------------------------------------------------------------------------

  /**
   * rdbcompression, rdbchecksum and the aux fields rdbSaveInfoAuxFields writes: with a
   * replication history (a backlog), its id and offset (rdbPopulateSaveInfo), so a node started
   * on the file knows which history the data belongs to.
   */
  rdbSaveOptions(aofBase = false): RdbSaveOptions {
    const cfg = this.server.config;
    const repl = this.server.replication;
    const withRepl = repl.backlog !== null;
    return {
      compression: cfg.get<boolean>("rdbcompression"),
      checksum: cfg.get<boolean>("rdbchecksum"),
      // Chunks of 256 keys / 64 KiB: a chunk of 200k short strings took p50 0.25 ms, p99 8 ms
      // (1024 keys / 256 KiB, keyspace-store's default: p50 2.6 ms, p99 14 ms).
      batchKeys: 256,
      batchBytes: 64 * 1024,
      functions: this.server.scripting.functionCodes(),
      aux: {
        usedMem: process.memoryUsage().rss,
        aofBase,
        ...(withRepl
          ? {
              replStreamDb: repl.isReplica ? repl.masterDb : 0,
              replId: repl.replid,
              replOffset: repl.offset,
            }
          : {}),
      },
    };
  }

  /**
   * Writes `chunks` to `file` through `tmp` (write, fsync, rename: rdbSave). The chunks may be
   * produced while commands run; the fsync runs off the event loop.
   */
  private async writeFileAtomically(
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    file: string,
    tmp: string,
  ): Promise<void> {
    const fd = fs.openSync(tmp, "w");
    try {
      for await (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off);
      }
      await new Promise<void>((resolve, reject) =>
        fs.fsync(fd, (err) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    try {
      fs.renameSync(tmp, file);
    } catch (err) {
      // rdbSave unlinks its temp file when the rename fails (dbfilename names a directory...).
      if (tmp !== file) fs.rmSync(tmp, { force: true });
      throw err;
    }
  }

  private snapshotChunks(aofBase = false): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
    const store = this.server.store;
    return store.snapshot(this.rdbSaveOptions(aofBase));
  }

  /** Writes dbfilename (SAVE, BGSAVE, a save point, shutdown). */
  async save(): Promise<void> {
    // One temp file per save: a SAVE and a BGSAVE may overlap (each renames its own).
    const tmp = path.join(this.dir, `temp-${process.pid}-${++this.saveSeq}.rdb`);
    const dirtyBefore = this.server.dirty;
    await this.writeFileAtomically(this.snapshotChunks(), this.snapshotPath(), tmp);
    // Writes made while the file was written are not in it (the snapshot is as of its start).
    this.server.dirty = Math.max(0, this.server.dirty - dirtyBefore);
    this.lastSave = Math.floor(Date.now() / 1000);
    this.lastSaveStatus = "ok";
    // rdbSave: any save that succeeds, SAVE's too, clears a failed BGSAVE's stop on writes.
    this.server.diskErrors.saveDone(true);
    this.rdbSaves++;
    this.server.log.notice("DB saved on disk");
  }

  /**
   * The disk-based full sync (rdbSaveToSlavesSockets' sibling, BGSAVE with target disk): writes
   * dbfilename as a save does and hands back an open descriptor of that very file, so a save
   * finishing meanwhile can't change what the replica gets. `chunks` was captured by the caller
   * in the turn it answered +FULLRESYNC.
   */
  async saveForSync(
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<{ fd: number; size: number }> {
    const tmp = path.join(this.dir, `temp-${process.pid}-${++this.saveSeq}.rdb`);
    let fd: number;
    try {
      await this.writeFileAtomically(chunks, tmp, tmp);
      fd = fs.openSync(tmp, "r");
      fs.renameSync(tmp, this.snapshotPath());
    } catch (err) {
      // A BGSAVE for replication, as far as Redis's stop-writes-on-bgsave-error goes.
      fs.rmSync(tmp, { force: true });
      this.server.diskErrors.saveDone(false);
      throw err;
    }
    this.lastSave = Math.floor(Date.now() / 1000);
    this.server.diskErrors.saveDone(true);
    this.rdbSaves++;
    this.server.log.notice("DB saved on disk");
    return { fd, size: fs.fstatSync(fd).size };
  }

  /**
   * A replica's full sync payload, received to `dbfilename` (readSyncBulkPayload with
   * repl-diskless-load disabled), loaded all or nothing: on an error the data is left empty and
   * the error thrown.
   */
  loadSyncFile(file: string): RdbLoader {
    return this.loader.loadSyncFile(file);
  }

  /**
   * BGSAVE, a save point's save. `flushSave`: FLUSHALL's, which Redis makes with a foreground
   * rdbSave: its failure is logged but stops no writes (only a background save's does).
   */
  async bgsave(flushSave = false): Promise<void> {
    this.bgsaveInProgress = true;
    if (!flushSave) this.lastBgsaveTry = Math.floor(Date.now() / 1000);
    this.server.log.notice("Background saving started");
    try {
      await this.save();
      this.server.log.notice("Background saving terminated with success");
    } catch (err) {
      if (!flushSave) this.server.diskErrors.saveDone(false);
      this.server.log.warning(`Background saving error: ${(err as Error).message}`);
    } finally {
      this.bgsaveInProgress = false;
    }
    if (this.saveAgain) {
      this.saveAgain = false;
      await this.bgsave(true);
    }
  }

  /**
   * DEBUG RELOAD: saves (unless NOSAVE), then loads dbfilename back: emptying the data first, or
   * with NOFLUSH adding the file's keys to the live ones (MERGE: replacing keys in both, else a
   * key in both is an error and nothing is added).
   */
  reloadRdb(flush: boolean, merge: boolean): void {
    this.loader.reloadRdb(this.snapshotPath(), flush, merge);
  }

  // ---- AOF ----------------------------------------------------------------------------------

  /** Loads the data at start-up and opens the AOF when appendonly is on. */
  loadAtStartup(): void {
    const cfg = this.server.config;
    const log = this.server.log;
    if (!cfg.get<boolean>("appendonly")) {
      this.loader.loadSnapshot(this.snapshotPath());
      return;
    }
    const t0 = Date.now();
    const aof = this.newAofWriter();
    aof.loadManifest();
    if (this.loader.loadAofFiles(aof))
      log.notice(
        `DB loaded from append only file: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`,
      );
    this.openAofAtStart(aof);
  }

  /**
   * aofOpenIfNeededOnServerStart: without base nor increment (a new AOF) the data as it is
   * becomes the base (written before anything is appended); then the last increment is opened,
   * or a first one created. History left by an interrupted rewrite is deleted.
   */
  private openAofAtStart(aof: AofWriter): void {
    const m = aof.manifest;
    if (m.base === null && m.incr.length === 0) {
      const rdb = this.server.config.get<boolean>("aof-use-rdb-preamble");
      const name = aof.nextBaseName(rdb);
      fs.mkdirSync(aof.dirPath, { recursive: true });
      const file = path.join(aof.dirPath, name);
      const fd = fs.openSync(file, "w");
      try {
        for (const chunk of this.baseChunksSync(rdb)) fs.writeSync(fd, chunk);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      aof.installBase(name);
      this.server.log.notice(`Creating AOF base file ${name} on server start`);
    }
    aof.openLastIncr();
    aof.deleteHistory();
    this.aof = aof;
  }

  /** The data as a base file, produced synchronously (at start, before clients are served). */
  private baseChunksSync(rdb: boolean): Iterable<Uint8Array> {
    const ks = this.server.store.keyspace;
    const chunks = ks.rdbSnapshotSync(this.rdbSaveOptions(true));
    return rdb ? chunks : rdbToCommandsSync(chunks, ks.dbs.length);
  }

  /**
   * DEBUG LOADAOF: writes out what the AOF buffer holds, empties the data and loads the AOF back
   * (debugCommand "loadaof"). False, and the data left alone, when appendonly is off: Redis then
   * finds no AOF and exits, which a debug command should not make of a node.
   */
  reloadAof(): boolean {
    const aof = this.aof;
    if (aof === null) return false;
    aof.flush();
    this.server.store.flushAll();
    this.loader.loadAofFiles(aof);
    this.server.dirty = 0;
    return true;
  }

  /** CONFIG SET appendonly: start an AOF holding the current data (startAppendOnly), or stop it. */
  setAppendOnly(on: boolean): void {
    if (on && this.aof === null) {
      // startAppendOnly: "AOF reopen, just ignore the last error."
      this.server.diskErrors.aofWriteDone(null);
      this.server.diskErrors.aofFsyncDone(null);
      const aof = this.newAofWriter();
      aof.loadManifest();
      this.aof = aof;
      // The data already in memory becomes the base; what was listed before turns to history.
      this.rewriteAof().catch(() => {
        // Logged by rewriteAof.
      });
    } else if (!on && this.aof !== null) {
      const aof = this.aof;
      this.aof = null;
      try {
        aof.close();
      } catch (err) {
        // stopAppendOnly flushes what it can and lets the AOF go either way.
        this.server.log.warning(`Error writing to the AOF file: ${aofErrorReason(err)}`);
      }
    }
  }

  feed(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    if (this.loading) return;
    this.aof?.feed(dbIndex, argv);
  }

  /** When the last AOF write error was logged (ms): one line per 30 s, AOF_WRITE_LOG_ERROR_RATE. */
  private aofErrorLoggedAt = 0;

  /**
   * Before replies go out: write (and with `always`, fsync) what this turn's commands wrote
   * (flushAppendOnlyFile). A failed write keeps the buffer for the next try and stops writes
   * (MISCONF) until one succeeds; with `always` the node exits, as the replies already promise
   * data that is not on disk.
   */
  beforeSleep(): void {
    if (this.aof === null) return;
    const errors = this.server.diskErrors;
    const log = this.server.log;
    try {
      this.aof.flush();
    } catch (err) {
      const reason = aofErrorReason(err);
      const now = Date.now();
      if (now - this.aofErrorLoggedAt > 30_000) {
        this.aofErrorLoggedAt = now;
        log.warning(`Error writing to the AOF file: ${reason}`);
      }
      if (this.aof.fsync === "always") {
        log.warning(
          "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...",
        );
        log.flushSync();
        process.exit(1);
      }
      errors.aofWriteDone(reason);
      return;
    }
    if (errors.aofLastWriteStatus === "err") {
      log.warning("AOF write error looks solved, Redis can write again.");
      errors.aofWriteDone(null);
    }
  }

  cron(now: number): void {
    // Writes the cron made (active expiry's DELs) go out now, not with the next client's turn.
    if (this.aof !== null && this.aof.pendingBytes > 0) this.beforeSleep();
    this.aof?.cron(now);
    // Save points: "save <seconds> <changes>" (serverCron).
    const points = this.server.config.get<SavePoint[]>("save");
    if (points.length === 0 || this.bgsaveInProgress) return;
    const nowSec = Math.floor(now / 1000);
    // After a failed save, the next try waits CONFIG_BGSAVE_RETRY_DELAY (5 s), as serverCron.
    if (this.lastBgsaveStatus === "err" && nowSec - this.lastBgsaveTry <= BGSAVE_RETRY_DELAY)
      return;
    const elapsed = nowSec - this.lastSave;
    for (const p of points) {
      if (this.server.dirty >= p.changes && elapsed >= p.seconds) {
        this.server.log.notice(`${p.changes} changes in ${p.seconds} seconds. Saving...`);
        void this.bgsave();
        break;
      }
    }
  }

  aofRewriteInProgress = false;
  aofRewrites = 0;
  aofLastRewriteStatus: "ok" | "err" = "ok";

  /** BGREWRITEAOF (rewriteAppendOnlyFileBackground + backgroundRewriteDoneHandler). */
  async rewriteAof(): Promise<void> {
    const aof = this.aof;
    if (!aof) throw new Error("AOF is not enabled");
    const log = this.server.log;
    const rdb = this.server.config.get<boolean>("aof-use-rdb-preamble");
    this.aofRewriteInProgress = true;
    const tmpName = `temp-rewriteaof-bg-${process.pid}.aof`;
    const tmp = path.join(this.dir, tmpName);
    try {
      // Same turn: the snapshot's point in time and the switch to the new increment coincide.
      aof.openNewIncr("on background rewrite");
      const chunks = this.snapshotChunks(true);
      log.notice("Background append only file rewriting started");
      const body = rdb ? chunks : rdbToCommands(chunks, this.server.store.keyspace.dbs.length);
      await this.writeFileAtomically(body, tmp, tmp);
      log.notice(`Successfully created the temporary AOF base file ${tmpName}`);
      if (this.aof !== aof) {
        // appendonly was turned off meanwhile (stopAppendOnly kills the rewrite child).
        fs.rmSync(tmp, { force: true });
        throw new Error("the AOF was turned off during the rewrite");
      }
      const name = aof.nextBaseName(rdb);
      fs.renameSync(tmp, path.join(aof.dirPath, name));
      log.notice(`Successfully renamed the temporary AOF base file ${tmpName} into ${name}`);
      aof.installBase(name);
      this.aofRewrites++;
      this.aofLastRewriteStatus = "ok";
      log.notice("Background AOF rewrite finished successfully");
    } catch (err) {
      this.aofLastRewriteStatus = "err";
      fs.rmSync(tmp, { force: true });
      log.warning(`Background AOF rewrite failed: ${(err as Error).message}`);
      throw err;
    } finally {
      this.aofRewriteInProgress = false;
    }
  }

  /** Shutdown: fsync the AOF; save a snapshot when save points exist (or SAVE), unless NOSAVE. */
  async shutdown(save: boolean | undefined): Promise<void> {
    if (this.aof) {
      this.server.log.notice("Calling fsync() on the AOF file.");
      this.aof.close();
    }
    const points = this.server.config.get<SavePoint[]>("save");
    const wantSave = save ?? points.length > 0;
    if (wantSave) {
      this.server.log.notice("Saving the final RDB snapshot before exiting.");
      await this.save();
    } else if (save === true) {
      throw new Error("snapshots are not supported by this keyspace store");
    }
  }
}

/**
 * A plain AOF base from RDB chunks (rewriteAppendOnlyFileRio's output): each chunk is read into a
 * scratch keyspace (expired keys kept, as in a preamble), its keys written out as commands, and
 * the scratch emptied, so at most one chunk's keys are held twice.
 */
function* convertChunk(
  loader: RdbLoader,
  scratch: Keyspace,
  chunk: Uint8Array,
  state: { db: number; functions: number },
): Generator<Buffer> {
  loader.push(chunk);
  // Function libraries first, as rewriteFunctions writes them: FUNCTION LOAD <code> each.
  while (state.functions < loader.functions.length) {
    yield encodeCommand(["FUNCTION", "LOAD", loader.functions[state.functions++]!]);
  }
  for (const db of scratch.dbs) {
    if (db.dict.size === 0) continue;
    const out: Buffer[] = [];
    if (db.index !== state.db) {
      out.push(encodeCommand(["SELECT", String(db.index)]));
      state.db = db.index;
    }
    for (const [key, v] of db.dict) out.push(...rewriteKeyCommands(key, v, db.getExpire(key)));
    db.clear();
    yield Buffer.concat(out);
  }
}

async function* rdbToCommands(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  databases: number,
): AsyncGenerator<Buffer> {
  const scratch = new Keyspace({ databases });
  const loader = scratch.rdbLoader({ aofPreamble: true });
  const state = { db: -1, functions: 0 };
  for await (const chunk of chunks) yield* convertChunk(loader, scratch, chunk, state);
  loader.finish();
}

function* rdbToCommandsSync(chunks: Iterable<Uint8Array>, databases: number): Generator<Buffer> {
  const scratch = new Keyspace({ databases });
  const loader = scratch.rdbLoader({ aofPreamble: true });
  const state = { db: -1, functions: 0 };
  for (const chunk of chunks) yield* convertChunk(loader, scratch, chunk, state);
  loader.finish();
}

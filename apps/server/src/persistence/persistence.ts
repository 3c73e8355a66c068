// Persistence orchestration: what to load at start (the AOF when appendonly is on, else a
// snapshot), feeding and flushing the AOF around each event-loop turn, save points, and the
// shutdown sequence. Mirrors loadDataFromDisk(), serverCron()'s save-point check and
// prepareForShutdown() in src/server.c (Redis 7.0).
import fs from "node:fs";
import path from "node:path";
import type { SavePoint } from "../config/directives.js";
import { CommandDecoder, DecodeResult, OwnedArgs } from "../protocol/command-decoder.js";
import { AofWriter, type FsyncPolicy } from "./aof.js";
import type { PersistenceHost } from "./host.js";

export class Persistence {
  aof: AofWriter | null = null;
  loading = false;
  lastSave = Math.floor(Date.now() / 1000);
  lastSaveStatus: "ok" | "err" = "ok";
  lastBgsaveStatus: "ok" | "err" = "ok";
  bgsaveInProgress = false;
  aofLastWriteStatus: "ok" | "err" = "ok";
  loadedKeys = 0;

  constructor(private readonly server: PersistenceHost) {
    server.store.afterFlushAllCommand = () => this.afterFlushAll();
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
    if (this.loading || !this.server.store.snapshot) return;
    if (this.server.config.get<SavePoint[]>("save").length === 0) return;
    if (this.bgsaveInProgress) {
      this.saveAgain = true;
      return;
    }
    void this.bgsave();
  }

  private get dir(): string {
    return process.cwd();
  }

  aofDirPath(): string {
    return path.join(this.dir, this.server.config.get<string>("appenddirname"));
  }

  /** Loads the data at start-up and opens the AOF when appendonly is on. */
  loadAtStartup(): void {
    const cfg = this.server.config;
    const log = this.server.log;
    const t0 = Date.now();
    if (cfg.get<boolean>("appendonly")) {
      this.aof = new AofWriter(
        this.aofDirPath(),
        cfg.get<string>("appendfilename"),
        cfg.get<FsyncPolicy>("appendfsync"),
      );
      if (this.loadAofFiles(this.aof) > 0)
        log.notice(
          `DB loaded from append only file: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`,
        );
      this.aof.open();
      return;
    }
    this.loadSnapshot();
  }

  /** Loads every file the AOF manifest lists, base then increments; returns how many. */
  private loadAofFiles(aof: AofWriter): number {
    const files = aof.filesToLoad();
    let commands = 0;
    for (const e of files) {
      const file = path.join(this.aofDirPath(), e.file);
      if (e.type === "b" && e.file.endsWith(".rdb")) this.loadSnapshotFile(file);
      else commands += this.replayAofFile(file, e === files[files.length - 1]);
    }
    if (files.length > 0)
      this.server.log.verbose(`${commands} commands replayed from the append only file`);
    return files.length;
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
    this.loadAofFiles(aof);
    this.server.dirty = 0;
    return true;
  }

  /** The snapshot file (dbfilename in dir). */
  snapshotPath(): string {
    return path.join(this.dir, this.server.config.get<string>("dbfilename"));
  }

  /** Snapshot loading: only when the keyspace store provides snapshot support. */
  loadSnapshot(): boolean {
    const file = path.join(this.dir, this.server.config.get<string>("dbfilename"));
    if (!fs.existsSync(file)) return false;
    return this.loadSnapshotFile(file);
  }

  private loadSnapshotFile(file: string): boolean {
    const store = this.server.store;
    if (!store.loadSnapshot) {
      this.server.log.warning(
        `Snapshot ${file} found but this build's keyspace store cannot load snapshots yet; starting empty.`,
      );
      return false;
    }
    const t0 = Date.now();
    const data = fs.readFileSync(file);
    // Same file names as Redis, not the same format: say so rather than "corrupt snapshot".
    if (data.subarray(0, 5).toString("latin1") === "REDIS")
      throw new Error(
        `${path.basename(file)} is a Redis RDB file; shoal-server reads only its own snapshots (move it away, or import the data with RESTORE or redis-cli --pipe)`,
      );
    store.loadSnapshot(data);
    this.server.log.notice(`DB loaded from disk: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
    return true;
  }

  /**
   * Replays one AOF file. A command cut short at the end of the last file (a crash mid-write)
   * is dropped with a warning and the file truncated to the last whole command, as Redis does
   * with aof-load-truncated yes.
   */
  private replayAofFile(file: string, isLast: boolean): number {
    const log = this.server.log;
    const data = fs.readFileSync(file);
    const dec = new CommandDecoder();
    dec.maxBulkLen = Number.MAX_SAFE_INTEGER;
    dec.feed(data);
    const replay = this.server.createReplayClient();
    this.loading = true;
    let n = 0;
    try {
      for (;;) {
        const r = dec.next();
        if (r === DecodeResult.NeedMore) break;
        if (r === DecodeResult.Error) {
          log.warning(
            `Bad file format reading the append only file ${path.basename(file)}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
          );
          throw new Error(`bad AOF format: ${dec.error}`);
        }
        replay.run(OwnedArgs.from(dec));
        n++;
      }
    } finally {
      this.loading = false;
    }
    const leftover = dec.bufferedBytes;
    if (leftover > 0) {
      if (!isLast) throw new Error(`Unexpected end of file in ${file}`);
      const valid = data.length - leftover;
      log.warning(`!!! Warning: short read while loading the AOF file ${path.basename(file)}!!!`);
      log.warning(`!!! Truncating the AOF ${path.basename(file)} at offset ${valid} !!!`);
      fs.truncateSync(file, valid);
      log.warning(`AOF ${path.basename(file)} loaded anyway because aof-load-truncated is enabled`);
    }
    return n;
  }

  /** CONFIG SET appendonly: start an AOF holding the current data, or stop it. */
  setAppendOnly(on: boolean): void {
    const cfg = this.server.config;
    if (on && this.aof === null) {
      this.aof = new AofWriter(
        this.aofDirPath(),
        cfg.get<string>("appendfilename"),
        cfg.get<FsyncPolicy>("appendfsync"),
      );
      this.aof.open();
      // As Redis's startAppendOnly(): the data already in memory goes into the AOF via a rewrite.
      if (this.server.store.snapshot) {
        this.rewriteAof().catch(() => {
          // Logged by rewriteAof.
        });
      } else {
        this.server.log.warning(
          "AOF enabled at run time without snapshot support: data written before now is not in the AOF.",
        );
      }
    } else if (!on && this.aof !== null) {
      this.aof.close();
      this.aof = null;
    }
  }

  feed(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    if (this.loading) return;
    this.aof?.feed(dbIndex, argv);
  }

  /** Before replies go out: write (and with `always`, fsync) what this turn's commands wrote. */
  beforeSleep(): void {
    if (this.aof === null) return;
    try {
      this.aof.flush();
      this.aofLastWriteStatus = "ok";
    } catch (err) {
      this.aofLastWriteStatus = "err";
      this.server.log.warning(`Error writing to the AOF file: ${(err as Error).message}`);
    }
  }

  cron(now: number): void {
    // Writes the cron made (active expiry's DELs) go out now, not with the next client's turn.
    if (this.aof !== null && this.aof.pendingBytes > 0) this.beforeSleep();
    this.aof?.cron(now);
    // Save points: "save <seconds> <changes>" (serverCron).
    const points = this.server.config.get<SavePoint[]>("save");
    if (points.length === 0 || this.bgsaveInProgress || !this.server.store.snapshot) return;
    const elapsed = Math.floor(now / 1000) - this.lastSave;
    for (const p of points) {
      if (this.server.dirty >= p.changes && elapsed >= p.seconds) {
        this.server.log.notice(`${p.changes} changes in ${p.seconds} seconds. Saving...`);
        void this.bgsave();
        break;
      }
    }
  }

  /**
   * Writes a snapshot to `file` through a temp file (fsync, rename). The store's snapshot() must
   * capture the data as of the call; the chunks may then be produced while commands run.
   */
  private async writeSnapshot(file: string, tmp: string): Promise<void> {
    const store = this.server.store;
    if (!store.snapshot) throw new Error("snapshots are not supported by this keyspace store yet");
    const chunks = store.snapshot();
    const fd = fs.openSync(tmp, "w");
    try {
      for await (const chunk of chunks) fs.writeSync(fd, chunk);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }

  aofRewriteInProgress = false;
  aofRewrites = 0;
  aofLastRewriteStatus: "ok" | "err" = "ok";

  /**
   * BGREWRITEAOF: the base becomes a snapshot of the data, and the increments written during the
   * rewrite continue in a fresh incremental file (Redis 7's multi-part rewrite).
   */
  async rewriteAof(): Promise<void> {
    const aof = this.aof;
    if (!aof) throw new Error("AOF is not enabled");
    if (!this.server.store.snapshot)
      throw new Error("snapshots are not supported by this keyspace store yet");
    this.aofRewriteInProgress = true;
    this.server.log.notice("Background append only file rewriting started");
    try {
      // Same turn: the snapshot's point in time and the switch to the new increment coincide.
      const seq = aof.startRewrite();
      const base = path.join(this.aofDirPath(), aof.baseFileName(seq));
      await this.writeSnapshot(base, `${base}.tmp`);
      aof.finishRewrite(seq);
      this.aofRewrites++;
      this.aofLastRewriteStatus = "ok";
      this.server.log.notice("Background AOF rewrite finished successfully");
    } catch (err) {
      this.aofLastRewriteStatus = "err";
      this.server.log.warning(`Background AOF rewrite failed: ${(err as Error).message}`);
      throw err;
    } finally {
      this.aofRewriteInProgress = false;
    }
  }

  /** Writes the snapshot (SAVE); throws when the store has no snapshot support. */
  async save(): Promise<void> {
    const file = path.join(this.dir, this.server.config.get<string>("dbfilename"));
    // One temp file per save: a SAVE and a BGSAVE may overlap (each renames its own).
    const tmp = path.join(this.dir, `temp-${process.pid}-${++this.saveSeq}.rdb`);
    await this.writeSnapshot(file, tmp);
    this.server.dirty = 0;
    this.lastSave = Math.floor(Date.now() / 1000);
    this.lastSaveStatus = "ok";
    this.server.log.notice("DB saved on disk");
  }

  async bgsave(): Promise<void> {
    this.bgsaveInProgress = true;
    this.server.log.notice("Background saving started");
    try {
      await this.save();
      this.lastBgsaveStatus = "ok";
      this.server.log.notice("Background saving terminated with success");
    } catch (err) {
      this.lastBgsaveStatus = "err";
      this.server.log.warning(`Background saving error: ${(err as Error).message}`);
    } finally {
      this.bgsaveInProgress = false;
    }
    if (this.saveAgain) {
      this.saveAgain = false;
      await this.bgsave();
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
    if (wantSave && this.server.store.snapshot) {
      this.server.log.notice("Saving the final RDB snapshot before exiting.");
      await this.save();
    } else if (save === true) {
      throw new Error("snapshots are not supported by this keyspace store yet");
    }
  }
}

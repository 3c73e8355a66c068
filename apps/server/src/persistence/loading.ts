// Loading data from files (rdbLoad and its log lines in src/rdb.c, loadAppendOnlyFiles and
// loadSingleAppendOnlyFile in src/aof.c, loadDataFromDisk in src/server.c, Redis 7.0): dump.rdb at
// start (and the replication history it recorded), the AOF's base and increments listed by its
// manifest, a replica's full-sync payload, and DEBUG RELOAD's file. Every load is all or nothing:
// an RDB that can't be read throws with Redis's reason (the caller logs "Fatal error loading the
// DB"), and an AOF command cut short is tolerated only at the end of the last file (a crash
// mid-write: aof-load-truncated). While a file loads, the owner's `loading` is set, so what is
// replayed is not propagated again.
import fs from "node:fs";
import path from "node:path";
import type { RdbLoader } from "@shoal/keyspace-store";
import { CommandDecoder, DecodeResult, OwnedArgs } from "../protocol/command-decoder.js";
import type { AofWriter } from "./aof.js";
import { DuplicateKeyError } from "./errors.js";
import type { PersistenceHost } from "./host.js";

const RDB_MAGIC = Buffer.from("REDIS", "latin1");

/** The load state persistence shows (INFO persistence, propagation while loading). */
export interface LoadingOwner {
  /** Redis's server.loading: set while a file is read into the data. */
  loading: boolean;
  /** INFO rdb_last_load_keys_loaded / rdb_last_load_keys_expired. */
  lastLoadKeysLoaded: number;
  lastLoadKeysExpired: number;
}

export class DataLoader {
  constructor(
    private readonly server: PersistenceHost,
    private readonly owner: LoadingOwner,
  ) {}

  /**
   * Loads an RDB file, all or nothing, with Redis's log lines (rdbLoad, rdbLoadRio). An AOF's
   * RDB base keeps expired keys (RDBFLAGS_AOF_PREAMBLE); its `trailing` bytes are an AOF tail.
   */
  private loadRdbData(data: Buffer, aofPreamble: boolean): RdbLoader {
    const store = this.server.store;
    const log = this.server.log;
    this.owner.loading = true;
    let l: RdbLoader;
    try {
      l = store.loadSnapshot(data, {
        checksum: this.server.config.get<boolean>("rdbchecksum"),
        aofPreamble,
      });
    } catch (err) {
      // Redis's line first, then the caller's "Fatal error loading the DB: <reason>. Exiting."
      const msg = (err as Error).message;
      log.warning(msg);
      throw new Error(msg.replace(/\.+$/, ""), { cause: err });
    } finally {
      this.owner.loading = false;
    }
    const ver = l.aux.get("redis-ver");
    if (ver !== undefined) log.notice(`Loading RDB produced by version ${ver}`);
    const ctime = Number(l.aux.get("ctime"));
    if (Number.isFinite(ctime))
      log.notice(`RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - ctime)} seconds`);
    const mem = Number(l.aux.get("used-mem"));
    if (Number.isFinite(mem))
      log.notice(`RDB memory usage when created ${(mem / 1024 / 1024).toFixed(2)} Mb`);
    // The file's libraries replace the node's (rdbFunctionLoad after emptyData).
    const fnErr = this.server.scripting.loadFunctions(l.functions);
    if (fnErr !== null) log.warning(`Failed loading library, ${fnErr}`);
    log.notice(`Done loading RDB, keys loaded: ${l.loaded}, keys expired: ${l.skippedExpired}.`);
    this.owner.lastLoadKeysLoaded = l.loaded;
    this.owner.lastLoadKeysExpired = l.skippedExpired;
    this.server.dirty = 0;
    return l;
  }

  /**
   * Loads the snapshot `file` when there is one (the data is emptied first), and hands the
   * replication history it recorded to replication (loadDataFromDisk: a replica continues from it).
   */
  loadSnapshot(file: string): boolean {
    if (!fs.existsSync(file)) return false;
    const t0 = Date.now();
    const l = this.loadRdbData(fs.readFileSync(file), false);
    this.server.log.notice(`DB loaded from disk: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
    const id = l.aux.get("repl-id");
    const offset = Number(l.aux.get("repl-offset"));
    const db = Number(l.aux.get("repl-stream-db") ?? -1);
    // Older writers may record repl-stream-db -1 (rdbPopulateSaveInfo's note): no history then.
    if (id?.length === 40 && Number.isSafeInteger(offset) && offset >= 0 && db >= 0)
      this.server.replication.restoreStoredHistory(id, offset, db, l.skippedExpired === 0);
    return true;
  }

  /**
   * A replica's full sync payload, received to `dbfilename` (readSyncBulkPayload with
   * repl-diskless-load disabled), loaded all or nothing: on an error the data is left empty and
   * the error thrown.
   */
  loadSyncFile(file: string): RdbLoader {
    return this.loadRdbData(fs.readFileSync(file), false);
  }

  /**
   * DEBUG RELOAD's load of the snapshot `file`: emptying the data first, or with NOFLUSH adding
   * the file's keys to the live ones (MERGE: replacing keys in both, else a key in both is an
   * error and nothing is added).
   */
  reloadRdb(file: string, flush: boolean, merge: boolean): void {
    const store = this.server.store;
    const data = fs.readFileSync(file);
    this.owner.loading = true;
    try {
      store.loadSnapshot(data, {
        checksum: this.server.config.get<boolean>("rdbchecksum"),
        flush,
        replaceDuplicates: merge,
      });
    } catch (err) {
      // Redis panics on a key in both without MERGE; Shoal refuses before changing anything.
      const dup = /^RDB has duplicated key '(.*)' in DB (\d+)$/s.exec((err as Error).message);
      if (dup !== null && !flush)
        throw new DuplicateKeyError(
          `DEBUG RELOAD NOFLUSH: key '${dup[1]}' in DB ${dup[2]} exists in both (MERGE replaces it)`,
        );
      throw err;
    } finally {
      this.owner.loading = false;
    }
  }

  /**
   * Loads every file the manifest lists, base then increments (loadAppendOnlyFiles); false when
   * there is no AOF. A base starting with "REDIS" is an RDB (with maybe an AOF tail after it).
   */
  loadAofFiles(aof: AofWriter): boolean {
    const files = aof.manifest.filesToLoad();
    if (files.length === 0) return false;
    const log = this.server.log;
    let commands = 0;
    files.forEach((e, i) => {
      const t0 = Date.now();
      const file = path.join(aof.dirPath, e.file);
      const isLast = i === files.length - 1;
      if (!fs.existsSync(file)) {
        // An increment that was never written to may be absent (Redis: AOF_NOT_EXIST, skipped).
        if (e.type === "i") return;
        throw new Error(`The AOF file ${e.file} doesn't exist`);
      }
      const data = fs.readFileSync(file);
      if (data.length === 0) return;
      if (data.length >= 5 && data.compare(RDB_MAGIC, 0, 5, 0, 5) === 0) {
        log.notice("Reading RDB base file on AOF loading...");
        const l = this.loadRdbData(data, true);
        if (l.trailing > 0) {
          log.notice("Reading the remaining AOF tail...");
          commands += this.replayAof(data.subarray(data.length - l.trailing), file, isLast);
        }
      } else commands += this.replayAof(data, file, isLast);
      log.notice(
        `DB loaded from ${e.type === "b" ? "base" : "incr"} file ${e.file}: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`,
      );
    });
    log.verbose(`${commands} commands replayed from the append only file`);
    return true;
  }

  /**
   * Replays commands of one AOF file. A command cut short at the end of the last file (a crash
   * mid-write) is dropped with a warning and the file truncated to the last whole command, as
   * Redis does with aof-load-truncated yes.
   */
  private replayAof(data: Buffer, file: string, isLast: boolean): number {
    const log = this.server.log;
    const dec = new CommandDecoder();
    dec.maxBulkLen = Number.MAX_SAFE_INTEGER;
    dec.feed(data);
    const replay = this.server.createReplayClient();
    this.owner.loading = true;
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
      this.owner.loading = false;
    }
    const leftover = dec.bufferedBytes;
    if (leftover > 0) {
      if (!isLast) throw new Error(`Unexpected end of file in ${path.basename(file)}`);
      const size = fs.statSync(file).size;
      const valid = size - leftover;
      log.warning(`!!! Warning: short read while loading the AOF file ${path.basename(file)}!!!`);
      log.warning(`!!! Truncating the AOF ${path.basename(file)} at offset ${valid} !!!`);
      fs.truncateSync(file, valid);
      log.warning(`AOF ${path.basename(file)} loaded anyway because aof-load-truncated is enabled`);
    }
    return n;
  }
}

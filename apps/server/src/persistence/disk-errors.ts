// Writes refused while the node can't persist (Redis 7.0's writeCommandsDeniedByDiskError and
// writeCommandsGetDiskErrorMessage, src/server.c): after a failed background save, when
// stop-writes-on-bgsave-error is on and save points are set (DISK_ERROR_TYPE_RDB), or while the
// AOF can't be written or fsynced and appendonly is on (DISK_ERROR_TYPE_AOF). The RDB case wins when both
// hold, as in Redis.
//
// Persistence reports each save's and each AOF write's outcome here, CONFIG SET the settings
// involved; the MISCONF text is worked out then, so processCommand reads one field per command
// and a script's redis.call one more (scriptVerifyWriteCommandAllow).
import type { SavePoint } from "../config/directives.js";
import type { ServerConfig } from "../config/load.js";

/** shared.bgsaveerr: what a write (and PING) gets after a failed BGSAVE. */
const ERR_MISCONF_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** scriptPrepareForRun's wording, for a script declared with flags but without `no-writes`. */
const ERR_SCRIPT_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.";

const errAof = (reason: string) => `MISCONF Errors writing to the AOF file: ${reason}`;
const errScriptAof = (reason: string) =>
  `MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: ${reason}`;

/** The settings the condition depends on (CONFIG SET of one of them calls refresh()). */
export const DISK_ERROR_SETTINGS: ReadonlySet<string> = new Set([
  "stop-writes-on-bgsave-error",
  "save",
  "appendonly",
]);

export class DiskErrors {
  /** The MISCONF error a write gets now (processCommand, redis.call); null while writes go. */
  denial: string | null = null;
  /** The same condition in scriptPrepareForRun's words (a script that may write). */
  scriptDenial: string | null = null;
  /** The last background save failed (Redis's lastbgsave_status == C_ERR). */
  private bgsaveFailed = false;
  /** Why the last AOF write failed, as strerror() words it; null once a write succeeds. */
  private aofError: string | null = null;
  /** Why the last background fsync of the AOF failed; null once one succeeds. */
  private aofFsyncError: string | null = null;

  constructor(private readonly config: Pick<ServerConfig, "get">) {}

  get lastBgsaveStatus(): "ok" | "err" {
    return this.bgsaveFailed ? "err" : "ok";
  }

  get aofLastWriteStatus(): "ok" | "err" {
    return this.aofError === null && this.aofFsyncError === null ? "ok" : "err";
  }

  /** A save ended: BGSAVE, a save point's, the full sync's; SAVE's only when it succeeded. */
  saveDone(ok: boolean): void {
    if (this.bgsaveFailed === !ok) return;
    this.bgsaveFailed = !ok;
    this.refresh();
  }

  /** An AOF write ended: null when it succeeded, else why it failed (aofErrorReason). */
  aofWriteDone(reason: string | null): void {
    if (this.aofError === reason) return;
    this.aofError = reason;
    this.refresh();
  }

  get aofFsyncFailed(): boolean {
    return this.aofFsyncError !== null;
  }

  /** A background fsync of the AOF ended (everysec): null when it succeeded. */
  aofFsyncDone(reason: string | null): void {
    if (this.aofFsyncError === reason) return;
    this.aofFsyncError = reason;
    this.refresh();
  }

  /** Recomputes the condition (after an outcome, or a CONFIG SET of DISK_ERROR_SETTINGS). */
  refresh(): void {
    const cfg = this.config;
    if (
      this.bgsaveFailed &&
      cfg.get<boolean>("stop-writes-on-bgsave-error") &&
      cfg.get<SavePoint[]>("save").length > 0
    ) {
      this.denial = ERR_MISCONF_RDB;
      this.scriptDenial = ERR_SCRIPT_RDB;
    } else if (
      (this.aofError !== null || this.aofFsyncError !== null) &&
      cfg.get<boolean>("appendonly")
    ) {
      const reason = (this.aofError ?? this.aofFsyncError)!;
      this.denial = errAof(reason);
      this.scriptDenial = errScriptAof(reason);
    } else {
      this.denial = null;
      this.scriptDenial = null;
    }
  }
}

/**
 * glibc's strerror() text for the errors a write to a file can meet: Node gives libuv's
 * lowercase words ("no space left on device"), Redis prints the C library's.
 */
const STRERROR: Readonly<Record<string, string>> = {
  ENOSPC: "No space left on device",
  EDQUOT: "Disk quota exceeded",
  EIO: "Input/output error",
  EFBIG: "File too large",
  EROFS: "Read-only file system",
  EBADF: "Bad file descriptor",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  EAGAIN: "Resource temporarily unavailable",
  EINTR: "Interrupted system call",
  EPIPE: "Broken pipe",
  ENXIO: "No such device or address",
  ENODEV: "No such device",
};

/** strerror(errno) for a failed fs call; an error without a known code keeps its own message. */
export function aofErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && STRERROR[code] !== undefined) return STRERROR[code];
  return err instanceof Error ? err.message : String(err);
}

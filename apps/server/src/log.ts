// Redis-format log lines: `pid:role dd Mon yyyy HH:MM:SS.mmm <level> message`. Mirrors
// serverLogRaw() in src/server.c (Redis 7.0): role C (starting), M (master), S (replica);
// level characters '.' debug, '-' verbose, '*' notice, '#' warning. Written through sonic-boom
// (asynchronous, batched) to stdout or the logfile; never log per command.
import { openSync } from "node:fs";
import SonicBoomModule from "sonic-boom";

// sonic-boom is CommonJS (`module.exports = SonicBoom`): take the class from the default import.
const SonicBoom = SonicBoomModule as unknown as typeof import("sonic-boom").SonicBoom;
type SonicBoom = import("sonic-boom").SonicBoom;

export const LogLevel = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const;
export type LogLevelName = keyof typeof LogLevel;
const LEVEL_CHARS = [".", "-", "*", "#"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Local time as Redis prints it: "25 Nov 2026 02:38:23.446". */
export function formatLogTime(d: Date): string {
  const ms = d.getMilliseconds();
  return `${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}`;
}

export class Logger {
  role: "C" | "M" | "S" = "C";
  level: number = LogLevel.notice;
  private dest: SonicBoom;
  /**
   * Set when the destination fails (stdout piped into a reader that went away: EPIPE). Logging
   * stops then: sonic-boom's flushSync retries a failed write forever, which would hang shutdown.
   */
  private broken = false;

  constructor(logfile = "") {
    this.dest = this.watch(Logger.open(logfile));
  }

  private watch(dest: SonicBoom): SonicBoom {
    dest.on("error", () => {
      if (dest === this.dest) this.broken = true;
    });
    return dest;
  }

  // Opening the file ourselves makes the stream ready at once, so flushSync() works at exit.
  private static open(logfile: string): SonicBoom {
    const fd = logfile === "" ? 1 : openSync(logfile, "a");
    return new SonicBoom({ fd, sync: false });
  }

  /** Switches to a logfile (after the config is loaded). Throws if it can't be opened. */
  reopen(logfile: string): void {
    const next = this.watch(Logger.open(logfile));
    this.flushSync();
    // Never close stdout; a previous logfile is closed once flushed.
    if ((this.dest as unknown as { fd: number }).fd !== 1) this.dest.end();
    this.dest = next;
    this.broken = false;
  }

  setLevel(name: string): void {
    this.level = LogLevel[name as LogLevelName] ?? LogLevel.notice;
  }

  log(level: number, msg: string): void {
    if (level < this.level || this.broken) return;
    this.dest.write(
      `${process.pid}:${this.role} ${formatLogTime(new Date())} ${LEVEL_CHARS[level]} ${msg}\n`,
    );
  }

  /** A raw line without the prefix (Redis's LL_RAW, and the signal-handler lines). */
  raw(line: string): void {
    if (this.broken) return;
    this.dest.write(`${line}\n`);
  }

  debug(msg: string): void {
    this.log(LogLevel.debug, msg);
  }
  verbose(msg: string): void {
    this.log(LogLevel.verbose, msg);
  }
  notice(msg: string): void {
    this.log(LogLevel.notice, msg);
  }
  warning(msg: string): void {
    this.log(LogLevel.warning, msg);
  }

  /**
   * Writes everything buffered and closes the log, waiting at most `ms`: the last step of a clean
   * shutdown. A reader that went away (EPIPE) or a stuck one doesn't hold the exit, where
   * sonic-boom's flushSync would retry forever. Nothing is logged after this.
   */
  close(ms = 2000): Promise<void> {
    if (this.broken) return Promise.resolve();
    this.broken = true;
    const dest = this.dest;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      dest.once("close", done);
      dest.once("error", done);
      try {
        dest.end();
      } catch {
        done();
      }
    });
  }

  /** Writes everything buffered, synchronously: for exits during start-up. */
  flushSync(): void {
    if (this.broken) return;
    try {
      this.dest.flushSync();
    } catch {
      // Not ready yet (file still opening) or already closed: nothing to flush synchronously.
    }
  }
}

// SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first, at most
// slowlog-max-len entries. Mirrors src/slowlog.c (Redis 7.0): at most 32 arguments kept (the last
// one says how many more), each cut to 128 bytes with "... (N more bytes)".
import type { CommandArgs } from "@shoal/resp-codec";
import type { CommandEntry } from "../commands/command-types.js";
import type { ServerConfig } from "../config/load.js";
import type { Client } from "../networking/client-connection.js";
import { REDACTED, redactedArgs } from "../redact.js";

const SLOWLOG_ENTRY_MAX_ARGC = 32;
const SLOWLOG_ENTRY_MAX_STRING = 128;

export interface SlowLogEntry {
  id: number;
  time: number;
  duration: number;
  args: string[];
  peer: string;
  name: string;
}

export class SlowLog {
  entries: SlowLogEntry[] = [];
  private nextId = 0;

  /** Adds an entry; the caller checked slowlog-log-slower-than. Secrets show as "(redacted)". */
  maybeAdd(
    config: Pick<ServerConfig, "get">,
    client: Client,
    args: CommandArgs,
    usec: number,
    entry?: CommandEntry,
  ): void {
    const argc = Math.min(args.argc, SLOWLOG_ENTRY_MAX_ARGC);
    const hide = entry === undefined ? null : redactedArgs(entry, args);
    const out: string[] = [];
    for (let i = 0; i < argc; i++) {
      if (argc !== args.argc && i === argc - 1) {
        out.push(`... (${args.argc - argc + 1} more arguments)`);
        break;
      }
      if (hide?.has(i)) {
        out.push(REDACTED);
        continue;
      }
      const len = args.len(i);
      out.push(
        len > SLOWLOG_ENTRY_MAX_STRING
          ? `${args.view(i).subarray(0, SLOWLOG_ENTRY_MAX_STRING).toString("latin1")}... (${len - SLOWLOG_ENTRY_MAX_STRING} more bytes)`
          : args.latin1(i),
      );
    }
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(Date.now() / 1000),
      duration: usec,
      args: out,
      peer: client.addr,
      name: client.name,
    });
    const max = config.get<number>("slowlog-max-len");
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }
}

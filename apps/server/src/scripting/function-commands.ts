// FCALL, FCALL_RO and FUNCTION LOAD/DELETE/LIST/FLUSH/DUMP/RESTORE/STATS/KILL/HELP (Redis 7.0's
// functions.c commands), declared as commands.def does. The libraries are functions.ts's; the
// runs eval.ts's. The commands that change the libraries propagate themselves, as Redis's call()
// propagates a write command whose dirty counter moved.
import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { ServerCommandDef } from "../commands/command-types.js";
import { subcommandSyntaxError } from "../commands/define.js";
import type { Client } from "../networking/client-connection.js";
import type { Scripting } from "./eval.js";
import type { RestorePolicy } from "./functions.js";
import { evalGetKeys } from "./script-commands.js";

/** What the FUNCTION commands take besides scripting: propagation of their own writes. */
export interface FunctionCommandsHost {
  propagate(dbIndex: number, argv: readonly (Buffer | string)[]): void;
  dirty: number;
}

function propagateSelf(host: FunctionCommandsHost, c: Client, a: CommandArgs): void {
  const argv: Buffer[] = [];
  for (let i = 0; i < a.argc; i++) argv.push(a.copy(i));
  host.dirty++;
  host.propagate(c.db, argv);
}

function functionLoadCommand(
  s: Scripting,
  host: FunctionCommandsHost,
  c: Client,
  a: CommandArgs,
): void {
  let replace = false;
  let i = 2;
  for (; i < a.argc - 1; i++) {
    if (a.latin1(i).toLowerCase() === "replace") {
      replace = true;
      continue;
    }
    c.reply.error(`ERR Unknown option given: ${a.latin1(i)}`);
    return;
  }
  if (i >= a.argc) {
    c.reply.error("ERR Function code is missing");
    return;
  }
  const r = s.loadLibrary(a.copy(i), replace);
  if ("error" in r) {
    c.reply.error(`ERR ${r.error}`);
    return;
  }
  propagateSelf(host, c, a);
  c.reply.bulk(r.name);
}

function functionDeleteCommand(
  s: Scripting,
  host: FunctionCommandsHost,
  c: Client,
  a: CommandArgs,
): void {
  if (!s.libraries.delete(a.latin1(2))) {
    c.reply.error("ERR Library not found");
    return;
  }
  propagateSelf(host, c, a);
  c.reply.ok();
}

function functionListCommand(s: Scripting, c: Client, a: CommandArgs): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < a.argc; i++) {
    const arg = a.latin1(i).toLowerCase();
    if (!withCode && arg === "withcode") {
      withCode = true;
      continue;
    }
    if (pattern === null && arg === "libraryname") {
      if (i >= a.argc - 1) {
        c.reply.error("ERR library name argument was not given");
        return;
      }
      pattern = a.latin1(++i);
      continue;
    }
    // addReplyErrorSdsSafe: CR and LF become spaces, none trimmed (reply.error would trim).
    c.reply.error(`ERR Unknown argument ${a.latin1(i)}`.replace(/[\r\n]/g, " "));
    return;
  }
  s.libraries.list(c.reply, pattern, withCode);
}

function functionFlushCommand(
  s: Scripting,
  host: FunctionCommandsHost,
  c: Client,
  a: CommandArgs,
): void {
  if (a.argc > 3) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  if (a.argc === 3) {
    const mode = a.latin1(2).toLowerCase();
    if (mode !== "sync" && mode !== "async") {
      c.reply.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
      return;
    }
  }
  s.libraries.flush();
  propagateSelf(host, c, a);
  c.reply.ok();
}

function functionRestoreCommand(
  s: Scripting,
  host: FunctionCommandsHost,
  c: Client,
  a: CommandArgs,
): void {
  if (a.argc > 4) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  let policy: RestorePolicy = "append";
  if (a.argc === 4) {
    const p = a.latin1(3).toLowerCase();
    if (p !== "append" && p !== "replace" && p !== "flush") {
      c.reply.error(
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
      );
      return;
    }
    policy = p;
  }
  const err = s.libraries.restore(a.copy(2), policy);
  if (err !== null) {
    c.reply.error(`ERR ${err}`);
    return;
  }
  propagateSelf(host, c, a);
  c.reply.ok();
}

function functionStatsCommand(s: Scripting, c: Client): void {
  const running = s.runningFunction();
  if (running === "eval") {
    c.reply.error(
      "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
    );
    return;
  }
  c.reply.map(2);
  c.reply.bulk("running_script");
  if (running === null) c.reply.nullBulk();
  else {
    c.reply.map(3);
    c.reply.bulk("name");
    c.reply.bulk(running.name);
    c.reply.bulk("command");
    c.reply.array(running.argv.length);
    for (const v of running.argv) c.reply.bulk(v);
    c.reply.bulk("duration_ms");
    c.reply.integer(running.durationMs);
  }
  c.reply.bulk("engines");
  c.reply.map(1);
  c.reply.bulk("LUA");
  c.reply.map(2);
  c.reply.bulk("libraries_count");
  c.reply.integer(s.libraries.libraries.size);
  c.reply.bulk("functions_count");
  c.reply.integer(s.libraries.functions.size);
}

function functionKillCommand(s: Scripting, c: Client): void {
  const err = s.kill(false);
  if (err === undefined) c.reply.ok();
  else c.reply.error(err);
}

function functionHelpCommand(c: Client): void {
  replyHelp(c.reply, "FUNCTION", [
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
  ]);
}

const FCALL_FLAGS = "noscript stale skip_monitor no_mandatory_keys";
const SCRIPTING = "@slow @scripting";
const WRITE_SCRIPTING = "@write @slow @scripting";

export function functionCommands(s: Scripting, host: FunctionCommandsHost): ServerCommandDef[] {
  const keys = { getKeys: evalGetKeys };
  return [
    cmd(
      "fcall",
      -3,
      `may_replicate ${FCALL_FLAGS}`,
      [0, 0, 0],
      SCRIPTING,
      (c, a) => s.fcall(c, a, false),
      keys,
    ),
    cmd(
      "fcall_ro",
      -3,
      `readonly ${FCALL_FLAGS}`,
      [0, 0, 0],
      SCRIPTING,
      (c, a) => s.fcall(c, a, true),
      keys,
    ),
    cmd("function", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: [
        cmd("delete", 3, "write noscript", [0, 0, 0], WRITE_SCRIPTING, (c, a) =>
          functionDeleteCommand(s, host, c, a),
        ),
        cmd("kill", 2, "noscript allow_busy", [0, 0, 0], SCRIPTING, (c) =>
          functionKillCommand(s, c),
        ),
        cmd("flush", -2, "write noscript", [0, 0, 0], WRITE_SCRIPTING, (c, a) =>
          functionFlushCommand(s, host, c, a),
        ),
        cmd("stats", 2, "noscript allow_busy", [0, 0, 0], SCRIPTING, (c) =>
          functionStatsCommand(s, c),
        ),
        cmd("list", -2, "noscript", [0, 0, 0], SCRIPTING, (c, a) => functionListCommand(s, c, a)),
        cmd("load", -3, "write denyoom noscript", [0, 0, 0], WRITE_SCRIPTING, (c, a) =>
          functionLoadCommand(s, host, c, a),
        ),
        cmd("dump", 2, "noscript", [0, 0, 0], SCRIPTING, (c) => c.reply.bulk(s.libraries.dump())),
        cmd("restore", -3, "write denyoom noscript", [0, 0, 0], WRITE_SCRIPTING, (c, a) =>
          functionRestoreCommand(s, host, c, a),
        ),
        cmd("help", 2, "loading stale", [0, 0, 0], SCRIPTING, (c) => functionHelpCommand(c)),
      ],
    }),
  ];
}

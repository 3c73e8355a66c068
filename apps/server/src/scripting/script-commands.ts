// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP (Redis 7.0's
// eval.c commands), declared as commands.def does; the work is in eval.ts.
import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { ServerCommandDef } from "../commands/command-types.js";
import type { Client } from "../networking/client-connection.js";
import type { Scripting } from "./eval.js";

/** EVAL's keys: numkeys at argv[2], then that many (no keys when numkeys is not usable). */
export function evalGetKeys(args: CommandArgs): number[] {
  const n = Number(args.latin1(2));
  if (!Number.isInteger(n) || n < 1 || n > args.argc - 3) return [];
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = 3 + k;
  return out;
}

function scriptLoadCommand(s: Scripting, c: Client, a: CommandArgs): void {
  const sha = s.createFunction(c, a.copy(2));
  if (sha !== null) c.reply.bulk(sha);
}

function scriptExistsCommand(s: Scripting, c: Client, a: CommandArgs): void {
  c.reply.array(a.argc - 2);
  for (let i = 2; i < a.argc; i++) c.reply.integer(s.exists(a.latin1(i)) ? 1 : 0);
}

function scriptFlushCommand(s: Scripting, c: Client, a: CommandArgs): void {
  if (a.argc > 3) {
    c.reply.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (a.argc === 3) {
    const mode = a.latin1(2).toLowerCase();
    if (mode !== "sync" && mode !== "async") {
      c.reply.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
      return;
    }
  }
  // ASYNC frees the old state in the background in Redis; here both are immediate.
  s.flush();
  c.reply.ok();
}

function scriptKillCommand(s: Scripting, c: Client): void {
  const err = s.kill(true);
  if (err === undefined) c.reply.ok();
  else c.reply.error(err);
}

/** SCRIPT DEBUG: Shoal has no Lua debugger (ldb); NO, the default, is all it can be set to. */
function scriptDebugCommand(c: Client, a: CommandArgs): void {
  // clientHasPendingReplies: replies of this batch not written yet.
  if (c.reply.pendingBytes > 0) {
    c.reply.error("ERR SCRIPT DEBUG must be called outside a pipeline");
    return;
  }
  const mode = a.latin1(2).toLowerCase();
  if (mode === "no") c.reply.ok();
  else if (mode === "yes" || mode === "sync")
    c.reply.error("ERR SCRIPT DEBUG YES/SYNC is not supported: shoal-server has no Lua debugger");
  else c.reply.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

function scriptHelpCommand(c: Client): void {
  replyHelp(c.reply, "SCRIPT", [
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
  ]);
}

const EVAL_FLAGS = "noscript stale skip_monitor no_mandatory_keys";
// EVAL may write (eval.json's MAY_REPLICATE, which COMMAND INFO hides): CLIENT PAUSE WRITE holds
// it; the _RO forms may not write.
const EVAL_WRITE_FLAGS = `may_replicate ${EVAL_FLAGS}`;
const SCRIPTING = "@slow @scripting";

export function scriptCommands(s: Scripting): ServerCommandDef[] {
  const keys = { getKeys: evalGetKeys };
  return [
    cmd(
      "eval",
      -3,
      EVAL_WRITE_FLAGS,
      [0, 0, 0],
      SCRIPTING,
      (c, a) => s.eval(c, a, false, false),
      keys,
    ),
    cmd(
      "evalsha",
      -3,
      EVAL_WRITE_FLAGS,
      [0, 0, 0],
      SCRIPTING,
      (c, a) => s.eval(c, a, true, false),
      keys,
    ),
    cmd(
      "eval_ro",
      -3,
      `readonly ${EVAL_FLAGS}`,
      [0, 0, 0],
      SCRIPTING,
      (c, a) => s.eval(c, a, false, true),
      keys,
    ),
    cmd(
      "evalsha_ro",
      -3,
      `readonly ${EVAL_FLAGS}`,
      [0, 0, 0],
      SCRIPTING,
      (c, a) => s.eval(c, a, true, true),
      keys,
    ),
    cmd("script", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: [
        cmd("flush", -2, "noscript", [0, 0, 0], SCRIPTING, (c, a) => scriptFlushCommand(s, c, a)),
        cmd("debug", 3, "noscript", [0, 0, 0], SCRIPTING, (c, a) => scriptDebugCommand(c, a)),
        cmd("exists", -3, "noscript", [0, 0, 0], SCRIPTING, (c, a) => scriptExistsCommand(s, c, a)),
        cmd("kill", 2, "noscript allow_busy", [0, 0, 0], SCRIPTING, (c) => scriptKillCommand(s, c)),
        cmd("load", 3, "noscript stale", [0, 0, 0], SCRIPTING, (c, a) =>
          scriptLoadCommand(s, c, a),
        ),
        cmd("help", 2, "loading stale", [0, 0, 0], SCRIPTING, (c) => scriptHelpCommand(c)),
      ],
    }),
  ];
}

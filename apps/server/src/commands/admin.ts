// Server administration: DBSIZE LASTSAVE SAVE BGSAVE BGREWRITEAOF. Mirrors
// dbsizeCommand()/lastsaveCommand() (src/db.c, src/server.c), saveCommand()/bgsaveCommand()
// (src/rdb.c) and bgrewriteaofCommand() (src/aof.c), Redis 7.0. COMMAND, DEBUG, MONITOR, SLOWLOG
// and SHUTDOWN have their own modules (command.ts, debug.ts, monitor.ts, slowlog.ts, shutdown.ts).
import { cmd } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ServerCommandDef } from "./command-types.js";
import { ERR_SYNTAX } from "./define.js";

/** What DBSIZE, LASTSAVE and the saves take from the node. */
export type AdminCommandsHost = Pick<
  NodeServices,
  "persistence" | "store" | "startTime" | "runAsync" | "log"
>;

function dbsizeCommand(server: AdminCommandsHost, c: Client): void {
  // Redis's dictSize: keys past their TTL count until the active expiry cycle or a lookup
  // deletes them (with DEBUG SET-ACTIVE-EXPIRE 0, only a lookup does).
  c.reply.integer(server.store.dbSize(c.db));
}

function lastsaveCommand(server: AdminCommandsHost, c: Client): void {
  c.reply.integer(server.persistence?.lastSave ?? Math.floor(server.startTime / 1000));
}

function saveCommand(server: AdminCommandsHost, c: Client): void {
  const p = server.persistence;
  if (p?.bgsaveInProgress) {
    c.reply.error("ERR Background save already in progress");
    return;
  }
  server.runAsync(c, () => saveAndReply(server, c));
}

async function saveAndReply(server: AdminCommandsHost, c: Client): Promise<void> {
  const p = server.persistence;
  try {
    if (!p) throw new Error("persistence is not initialised");
    await p.save();
    c.reply.ok();
  } catch (err) {
    server.log.warning(`SAVE failed: ${(err as Error).message}`);
    // shared.err: the reason is in the log only, as Redis's saveCommand answers.
    c.reply.error("ERR");
  }
}

function bgsaveCommand(server: AdminCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc > 2 || (a.argc === 2 && !a.is(1, "schedule"))) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const p = server.persistence;
  if (!p) {
    c.reply.error("ERR snapshots are not supported by this build's keyspace store yet");
    return;
  }
  if (p.bgsaveInProgress) {
    c.reply.error("ERR Background save already in progress");
    return;
  }
  void p.bgsave();
  c.reply.simple("Background saving started");
}

function bgrewriteaofCommand(server: AdminCommandsHost, c: Client): void {
  const p = server.persistence;
  if (!p?.aof) {
    c.reply.error("ERR BGREWRITEAOF needs appendonly yes on shoal-server");
    return;
  }
  if (p.aofRewriteInProgress) {
    c.reply.error("ERR Background append only file rewriting already in progress");
    return;
  }
  p.rewriteAof().catch(() => {
    // Logged by rewriteAof; INFO shows aof_last_bgrewrite_status:err.
  });
  c.reply.simple("Background append only file rewriting started");
}

const ADMIN = "@admin @slow @dangerous";
const SAVE = "admin noscript no_async_loading";

export function adminCommands(server: AdminCommandsHost): ServerCommandDef[] {
  return [
    cmd("dbsize", 1, "readonly fast", [0, 0, 0], "@keyspace @read @fast", (c) =>
      dbsizeCommand(server, c),
    ),
    cmd("lastsave", 1, "loading stale fast", [0, 0, 0], "@fast @admin @dangerous", (c) =>
      lastsaveCommand(server, c),
    ),
    cmd("save", 1, `${SAVE} no_multi`, [0, 0, 0], ADMIN, (c) => saveCommand(server, c)),
    cmd("bgsave", -1, SAVE, [0, 0, 0], ADMIN, (c, a) => bgsaveCommand(server, c, a)),
    cmd("bgrewriteaof", 1, SAVE, [0, 0, 0], ADMIN, (c) => bgrewriteaofCommand(server, c)),
  ];
}

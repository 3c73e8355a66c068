// MULTI EXEC DISCARD WATCH UNWATCH. Mirrors src/multi.c (Redis 7.0): errors while queueing flag
// the transaction (EXECABORT at EXEC), a touched WATCHed key makes EXEC reply a null array,
// runtime errors of queued commands are replies inside EXEC's array, and the writes of the
// transaction are propagated wrapped in MULTI/EXEC.
import { cmd } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { ServerCommandDef } from "../commands/command-types.js";
import { call, type DispatchHost } from "../dispatch.js";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";

/**
 * What MULTI/EXEC/WATCH take from the node: WATCH, EXEC's propagation, and dispatch's call()
 * for the queued commands.
 */
export type TransactionCommandsHost = DispatchHost &
  Pick<NodeServices, "watches" | "beginExecPropagation" | "endExecPropagation">;

function multiCommand(c: Client): void {
  if (c.multiQueue !== null) {
    c.reply.error("ERR MULTI calls can not be nested");
    return;
  }
  c.multiQueue = [];
  c.multiDirty = false;
  c.reply.ok();
}

function discardCommand(server: TransactionCommandsHost, c: Client): void {
  if (c.multiQueue === null) {
    c.reply.error("ERR DISCARD without MULTI");
    return;
  }
  c.multiQueue = null;
  c.multiDirty = false;
  server.watches.unwatchAll(c);
  c.reply.ok();
}

function execCommand(server: TransactionCommandsHost, c: Client): void {
  const queue = c.multiQueue;
  if (queue === null) {
    c.reply.error("ERR EXEC without MULTI");
    return;
  }
  c.multiQueue = null;
  if (c.multiDirty) {
    c.multiDirty = false;
    server.watches.unwatchAll(c);
    c.reply.error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (c.casDirty) {
    server.watches.unwatchAll(c);
    c.reply.nullArray();
    return;
  }
  // Redis unwatches before running the queue: the transaction's own writes don't abort it.
  server.watches.unwatchAll(c);
  c.reply.array(queue.length);
  server.beginExecPropagation(c.db);
  // CLIENT LIST shows the transaction while it runs (flags=x, multi=<queued>).
  c.execCount = queue.length;
  try {
    for (const q of queue) call(server, c, q.entry, q.args);
  } finally {
    c.execCount = -1;
    server.endExecPropagation(c.db);
  }
}

function watchCommand(server: TransactionCommandsHost, c: Client, a: CommandArgs): void {
  if (c.multiQueue !== null) {
    c.reply.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  for (let i = 1; i < a.argc; i++) server.watches.watch(c, a.latin1(i));
  c.reply.ok();
}

function unwatchCommand(server: TransactionCommandsHost, c: Client): void {
  server.watches.unwatchAll(c);
  c.reply.ok();
}

const TX = "@fast @transaction";
const TX_FLAGS = "noscript loading stale fast allow_busy";

export function transactionCommands(server: TransactionCommandsHost): ServerCommandDef[] {
  return [
    cmd("multi", 1, TX_FLAGS, [0, 0, 0], TX, multiCommand),
    cmd("discard", 1, TX_FLAGS, [0, 0, 0], TX, (c) => discardCommand(server, c)),
    cmd("exec", 1, "noscript loading stale skip_slowlog", [0, 0, 0], "@slow @transaction", (c) =>
      execCommand(server, c),
    ),
    cmd("watch", -2, TX_FLAGS, [1, -1, 1], TX, (c, a) => watchCommand(server, c, a)),
    cmd("unwatch", 1, TX_FLAGS, [0, 0, 0], TX, (c) => unwatchCommand(server, c)),
  ];
}

// SLOWLOG GET/LEN/RESET/HELP: slowlogCommand() (src/slowlog.c, Redis 7.0). The log itself is
// ../slowlog.ts.
import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ServerCommandDef } from "./command-types.js";
import { subcommandSyntaxError, toInt } from "./define.js";

/** What SLOWLOG takes from the node: the slow log. */
export type SlowlogCommandsHost = Pick<NodeServices, "slowlog">;

function slowlogGetCommand(server: SlowlogCommandsHost, c: Client, a: CommandArgs): void {
  let count = 10;
  if (a.argc === 3) {
    const n = toInt(a.latin1(2));
    if (n === undefined || n < -1) {
      c.reply.error("ERR count should be greater than or equal to -1");
      return;
    }
    count = n === -1 ? server.slowlog.entries.length : n;
  } else if (a.argc > 3) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  const list = server.slowlog.entries.slice(0, count);
  c.reply.array(list.length);
  for (const e of list) {
    c.reply.array(6);
    c.reply.integer(e.id);
    c.reply.integer(e.time);
    c.reply.integer(e.duration);
    c.reply.array(e.args.length);
    for (const x of e.args) c.reply.bulkLatin1(x);
    c.reply.bulk(e.peer);
    c.reply.bulk(e.name);
  }
}

function slowlogLenCommand(server: SlowlogCommandsHost, c: Client): void {
  c.reply.integer(server.slowlog.entries.length);
}

function slowlogResetCommand(server: SlowlogCommandsHost, c: Client): void {
  server.slowlog.reset();
  c.reply.ok();
}

function slowlogHelpCommand(c: Client): void {
  replyHelp(c.reply, "SLOWLOG", [
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
  ]);
}

const ADMIN = "@admin @slow @dangerous";

export function slowlogCommands(server: SlowlogCommandsHost): ServerCommandDef[] {
  return [
    cmd("slowlog", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: [
        cmd("get", -2, "admin loading stale", [0, 0, 0], ADMIN, (c, a) =>
          slowlogGetCommand(server, c, a),
        ),
        cmd("len", 2, "admin loading stale", [0, 0, 0], ADMIN, (c) => slowlogLenCommand(server, c)),
        cmd("reset", 2, "admin loading stale", [0, 0, 0], ADMIN, (c) =>
          slowlogResetCommand(server, c),
        ),
        cmd("help", 2, "loading stale", [0, 0, 0], "@slow", (c) => slowlogHelpCommand(c)),
      ],
    }),
  ];
}

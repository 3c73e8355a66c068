// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: shutdownCommand() (src/db.c, Redis 7.0).
import { cmd } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ServerCommandDef } from "./command-types.js";
import { ERR_SYNTAX } from "./define.js";

/** What SHUTDOWN takes from the node: the shutdown sequence, and holding the client meanwhile. */
export type ShutdownCommandsHost = Pick<NodeServices, "requestShutdown" | "runAsync">;

function shutdownCommand(server: ShutdownCommandsHost, c: Client, a: CommandArgs): void {
  let nosave = false;
  let dosave = false;
  let force = false;
  let now = false;
  let abort = false;
  for (let i = 1; i < a.argc; i++) {
    if (a.is(i, "nosave")) nosave = true;
    else if (a.is(i, "save")) dosave = true;
    // No replicas to wait for yet: NOW changes nothing but the flag check below.
    else if (a.is(i, "now")) now = true;
    else if (a.is(i, "force")) force = true;
    else if (a.is(i, "abort")) abort = true;
    else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  // As shutdownCommand(): ABORT takes no other flag, SAVE and NOSAVE exclude each other.
  if ((abort && (nosave || dosave || now || force)) || (nosave && dosave)) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  if (abort) {
    c.reply.error("ERR No shutdown in progress.");
    return;
  }
  const save = nosave ? false : dosave ? true : undefined;
  // The final save is asynchronous: what the client pipelined after SHUTDOWN waits for its
  // outcome (an error reply when the node stays up), as behind Redis's synchronous one.
  server.runAsync(c, () => server.requestShutdown({ save, force }, c));
}

export function shutdownCommands(server: ShutdownCommandsHost): ServerCommandDef[] {
  return [
    cmd(
      "shutdown",
      -1,
      "admin noscript loading stale no_multi sentinel allow_busy",
      [0, 0, 0],
      "@admin @slow @dangerous",
      (c, a) => shutdownCommand(server, c, a),
    ),
  ];
}

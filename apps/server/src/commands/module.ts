// MODULE: Shoal loads no modules. LIST is empty; LOAD, LOADEX and UNLOAD are protected by
// enable-module-command (dispatch refuses them as Redis does) and, when allowed, fail the way
// Redis 7.0's moduleCommand() does for a library that can't be loaded or a name not loaded.
import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ServerCommandDef } from "./command-types.js";

/** What MODULE takes from the node: the log (a load is refused with a warning). */
export type ModuleCommandsHost = Pick<NodeServices, "log">;

function moduleLoadCommand(server: ModuleCommandsHost, c: Client, a: CommandArgs): void {
  server.log.warning(`Module ${a.latin1(2)} failed to load: Shoal does not load Redis modules`);
  c.reply.error("ERR Error loading the extension. Please check the server logs.");
}

function moduleUnloadCommand(c: Client): void {
  c.reply.error("ERR Error unloading module: no such module with that name");
}

function moduleHelpCommand(c: Client): void {
  replyHelp(c.reply, "MODULE", [
    "LIST",
    "    Return a list of loaded modules.",
    "LOAD <path> [<arg> ...]",
    "    Load a module library from <path>, passing to it any optional arguments.",
    "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
    "    Load a module library from <path>, while passing it module configurations and optional arguments.",
    "UNLOAD <name>",
    "    Unload a module.",
  ]);
}

const ADMIN = "@admin @slow @dangerous";
const LOAD = "admin noscript no_async_loading protected";

export function moduleCommands(server: ModuleCommandsHost): ServerCommandDef[] {
  return [
    cmd("module", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: [
        cmd("list", 2, "admin noscript", [0, 0, 0], ADMIN, (c) => c.reply.array(0)),
        cmd("load", -3, LOAD, [0, 0, 0], ADMIN, (c, a) => moduleLoadCommand(server, c, a)),
        cmd("loadex", -3, LOAD, [0, 0, 0], ADMIN, (c, a) => moduleLoadCommand(server, c, a)),
        cmd("unload", 3, LOAD, [0, 0, 0], ADMIN, moduleUnloadCommand),
        cmd("help", 2, "loading stale", [0, 0, 0], "@slow", moduleHelpCommand),
      ],
    }),
  ];
}

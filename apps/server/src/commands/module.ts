// MODULE: Shoal loads no modules. LIST is empty; LOAD, LOADEX and UNLOAD are protected by
// enable-module-command (dispatch refuses them as Redis does) and, when allowed, fail the way
// Redis 7.0's moduleCommand() does for a library that can't be loaded or a name not loaded.
import type { ServerCommandDef } from "../command-types.js";
import type { NodeServices } from "../node-services.js";
import { def } from "./define.js";

const ADMIN = ["@admin", "@slow", "@dangerous"];
// Redis adds no_async_loading, which keyspace-store's CommandFlag type doesn't list.
const LOAD_FLAGS = ["admin", "noscript"] as const;

export function moduleCommands(server: NodeServices): ServerCommandDef[] {
  const loadFailed = (path: string, run: { reply: { error(m: string): void } }) => {
    server.log.warning(`Module ${path} failed to load: Shoal does not load Redis modules`);
    run.reply.error("ERR Error loading the extension. Please check the server logs.");
  };
  return [
    def(
      "module",
      -2,
      [],
      ["@slow"],
      undefined,
      [0, 0, 0],
      [
        def("list", 2, ["admin", "noscript"], ADMIN, (c) => c.reply.array(0)),
        def("load", -3, [...LOAD_FLAGS], ADMIN, (c, a) => loadFailed(a.latin1(2), c)),
        def("loadex", -3, [...LOAD_FLAGS], ADMIN, (c, a) => loadFailed(a.latin1(2), c)),
        def("unload", 3, [...LOAD_FLAGS], ADMIN, (c) =>
          c.reply.error("ERR Error unloading module: no such module with that name"),
        ),
        def("help", 2, ["loading", "stale"], ["@slow"], (c) => {
          const lines = [
            "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LIST",
            "    Return a list of loaded modules.",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path>, passing to it any optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library from <path>, while passing it module configurations and optional arguments.",
            "UNLOAD <name>",
            "    Unload a module.",
            "HELP",
            "    Prints this help.",
          ];
          c.reply.array(lines.length);
          for (const l of lines) c.reply.simple(l);
        }),
      ],
    ),
  ];
}

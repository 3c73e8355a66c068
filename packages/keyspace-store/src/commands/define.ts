// A compact way to write command-table entries: `cmd("get", 2, "readonly fast", [1, 1, 1],
// "@read @string @fast", handler)`. Flags and ACL categories are space-separated as COMMAND INFO
// prints them, which keeps each command's line close to Redis's commands.def.

import type { CommandArgs } from "@shoal/resp-codec";
import type { CommandFlag, CommandHandler, CommandSpec } from "../command-types.js";

export function cmd(
  name: string,
  arity: number,
  flags: string,
  keys: readonly [number, number, number],
  acl: string,
  handler?: CommandHandler,
  extra?: { getKeys?: (args: CommandArgs) => number[]; subcommands?: CommandSpec[] },
): CommandSpec {
  // COMMAND INFO's movablekeys comes from getKeys (infoFlags): written by hand it could lie.
  if (flags.split(" ").includes("movablekeys"))
    throw new Error(`${name}: movablekeys is derived from getKeys, not listed`);
  return {
    name,
    arity,
    flags: (flags ? flags.split(" ") : []) as CommandFlag[],
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    aclCategories: acl ? acl.split(" ") : [],
    ...(handler ? { handler } : {}),
    ...(extra?.getKeys ? { getKeys: extra.getKeys } : {}),
    ...(extra?.subcommands ? { subcommands: extra.subcommands } : {}),
  };
}

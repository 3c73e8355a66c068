// How a command is declared, by keyspace-store and by the server alike: `cmd("get", 2,
// "readonly fast", [1, 1, 1], "@read @string @fast", get)`. Every Redis flag in one string and the
// ACL categories in another, space-separated as COMMAND INFO prints them, so each command's line
// reads like its entry in Redis's commands.def. Also the HELP reply every container shares.

import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import {
  COMMAND_FLAGS,
  type CommandFlag,
  type CommandHandler,
  type CommandSpec,
} from "../command-types.js";

const KNOWN_FLAGS: ReadonlySet<string> = new Set(COMMAND_FLAGS);

/**
 * One command-table entry. `H` is inferred from the handler (or from the table's type): the
 * store's CommandHandler, or the server's function for the commands it runs itself.
 */
export function cmd<H = CommandHandler>(
  name: string,
  arity: number,
  flags: string,
  keys: readonly [number, number, number],
  acl: string,
  handler?: NoInfer<H>,
  extra?: { getKeys?: (args: CommandArgs) => number[]; subcommands?: CommandSpec<H>[] },
): CommandSpec<H> {
  const list = flags ? flags.split(" ") : [];
  for (const f of list) {
    // COMMAND INFO's movablekeys comes from getKeys (infoFlags): written by hand it could lie.
    if (f === "movablekeys")
      throw new Error(`${name}: movablekeys is derived from getKeys, not listed`);
    if (!KNOWN_FLAGS.has(f)) throw new Error(`${name}: unknown command flag "${f}"`);
  }
  return {
    name,
    arity,
    flags: list as CommandFlag[],
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    aclCategories: acl ? acl.split(" ") : [],
    ...(handler ? { handler } : {}),
    ...(extra?.getKeys ? { getKeys: extra.getKeys } : {}),
    ...(extra?.subcommands ? { subcommands: extra.subcommands } : {}),
  };
}

/**
 * A container's HELP reply as Redis's addReplyHelp() writes it: the "<NAME> <subcommand> ..."
 * header, the command's own lines, then the HELP entry every container ends with.
 */
export function replyHelp(reply: ReplyWriter, name: string, lines: readonly string[]): void {
  reply.array(lines.length + 3);
  reply.simple(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) reply.simple(l);
  reply.simple("HELP");
  reply.simple("    Prints this help.");
}

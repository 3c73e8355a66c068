// Helpers to declare server commands with Redis 7.0's COMMAND INFO metadata.
import type { CommandFlag } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../client-connection.js";
import type { RunCommand, ServerCommandDef } from "../command-types.js";

export function def(
  name: string,
  arity: number,
  flags: CommandFlag[],
  aclCategories: string[],
  run: RunCommand | undefined,
  keys: [number, number, number] = [0, 0, 0],
  subcommands?: ServerCommandDef[],
): ServerCommandDef {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    aclCategories,
    ...(run ? { run } : {}),
    ...(subcommands ? { subcommands } : {}),
  };
}

/** Redis's validateClientName(): printable ASCII without spaces. */
export function clientNameError(name: string): string | undefined {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126)
      return "ERR Client names cannot contain spaces, newlines or special characters.";
  }
  return undefined;
}

/**
 * Redis's string2ll() on a whole string: any int64, as a number (exact below 2^53, the nearest
 * double above, which keeps range checks such as "must be <= LONG_MAX" right).
 */
export function toInt(s: string): number | undefined {
  if (!/^(-?[1-9][0-9]{0,18}|0)$/.test(s)) return undefined;
  const n = Number(s);
  if (Number.isSafeInteger(n)) return n;
  const b = BigInt(s);
  return b > 9223372036854775807n || b < -9223372036854775808n ? undefined : n;
}

export const ERR_SYNTAX = "ERR syntax error";
export const ERR_NOT_INT = "ERR value is not an integer or out of range";

/** Redis's addReplySubcommandSyntaxError. */
export function subcommandSyntaxError(a: CommandArgs): string {
  return `ERR unknown subcommand or wrong number of arguments for '${a.latin1(1)}'. Try ${a.latin1(0).toUpperCase()} HELP.`;
}

/**
 * A container's HELP reply as Redis's addReplyHelp() writes it: the "<NAME> <subcommand> ..."
 * header, the command's own lines, then the HELP entry every container ends with.
 */
export function replyHelp(c: Client, name: string, lines: readonly string[]): void {
  c.reply.array(lines.length + 3);
  c.reply.simple(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.reply.simple(l);
  c.reply.simple("HELP");
  c.reply.simple("    Prints this help.");
}

// Argument checks and error texts the server's command handlers share. Commands themselves are
// declared with keyspace-store's `cmd`, as the store's are.
import { errors } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";

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

// The texts are keyspace-store's (one copy of each Redis error string).
export const ERR_SYNTAX = errors.ERR_SYNTAX;
export const ERR_NOT_INT = errors.ERR_NOT_INTEGER;

/** Redis's addReplySubcommandSyntaxError. */
export function subcommandSyntaxError(a: CommandArgs): string {
  return `ERR unknown subcommand or wrong number of arguments for '${a.latin1(1)}'. Try ${a.latin1(0).toUpperCase()} HELP.`;
}

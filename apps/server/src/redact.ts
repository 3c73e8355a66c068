// Arguments MONITOR and SLOWLOG show as "(redacted)": passwords and other secrets a command
// carries. Mirrors the redactClientCommandArgument() calls in Redis 7.0: AUTH (every argument),
// HELLO's AUTH username and password, CONFIG SET of a sensitive config (requirepass, masterauth,
// masteruser), MIGRATE's AUTH password and AUTH2 username and password.
import type { CommandArgs } from "@shoal/resp-codec";
import type { CommandEntry } from "./commands/command-types.js";

export const REDACTED = "(redacted)";

const SENSITIVE_CONFIGS = new Set(["requirepass", "masterauth", "masteruser"]);

/** The argument positions to hide, or null when there are none (almost every command). */
export function redactedArgs(entry: CommandEntry, args: CommandArgs): Set<number> | null {
  switch (entry.fullName) {
    case "auth": {
      const out = new Set<number>();
      for (let j = 1; j < args.argc; j++) out.add(j);
      return out;
    }
    case "hello": {
      // helloCommand's option loop: redaction happens as AUTH is parsed, before any error.
      const out = new Set<number>();
      for (let j = 2; j < args.argc; j++) {
        const more = args.argc - 1 - j;
        if (args.is(j, "auth") && more >= 2) {
          out.add(j + 1);
          out.add(j + 2);
          j += 2;
        } else if (args.is(j, "setname") && more >= 1) j++;
        else break;
      }
      return out.size === 0 ? null : out;
    }
    case "config|set": {
      // configSetCommand looks at every pair, even after an error, unless the count is wrong.
      if (args.argc < 4 || args.argc % 2 !== 0) return null;
      const out = new Set<number>();
      for (let j = 2; j < args.argc; j += 2)
        if (SENSITIVE_CONFIGS.has(args.latin1(j).toLowerCase())) out.add(j + 1);
      return out.size === 0 ? null : out;
    }
    case "migrate": {
      const out = new Set<number>();
      for (let j = 6; j < args.argc; j++) {
        const more = args.argc - 1 - j;
        if (args.is(j, "copy") || args.is(j, "replace")) continue;
        if (args.is(j, "auth") && more >= 1) out.add(++j);
        else if (args.is(j, "auth2") && more >= 2) {
          out.add(++j);
          out.add(++j);
        } else break; // KEYS (the rest are keys) or a syntax error
      }
      return out.size === 0 ? null : out;
    }
    default:
      return null;
  }
}

// What processCommand checks a script command against, from the script's flags rather than the
// command table's (Redis 7.0's evalGetCommandFlags/fcallGetCommandFlags and
// scriptFlagsToCmdFlags): a `no-writes` script is not a write (CLIENT PAUSE WRITE lets it run, a
// read-only replica too), one without `allow-oom` is denyoom, `allow-stale` lets it run on a stale
// replica. Apart from eval.ts so dispatch can import it without a cycle.
import type { CommandFlag } from "@shoal/keyspace-store";
import type { CommandEntry } from "../commands/command-types.js";
import { ScriptFlag } from "./shebang.js";

/** The script commands processCommand asks the script's flags about (checkedEntry). */
export const SCRIPT_COMMANDS: ReadonlySet<string> = new Set([
  "eval",
  "evalsha",
  "eval_ro",
  "evalsha_ro",
  "fcall",
  "fcall_ro",
]);

const flagEntries = new WeakMap<CommandEntry, Map<number, CommandEntry>>();
const DECLARED = ScriptFlag.NoWrites | ScriptFlag.AllowOom | ScriptFlag.AllowStale;

/** scriptFlagsToCmdFlags: `entry` as a script with these shebang flags makes it (one per flags). */
export function withScriptFlags(entry: CommandEntry, scriptFlags: number): CommandEntry {
  const key = scriptFlags & DECLARED;
  let byFlags = flagEntries.get(entry);
  if (byFlags === undefined) {
    byFlags = new Map();
    flagEntries.set(entry, byFlags);
  }
  let e = byFlags.get(key);
  if (e === undefined) {
    const noWrites = (key & ScriptFlag.NoWrites) !== 0;
    const denyoom = !(key & (ScriptFlag.AllowOom | ScriptFlag.NoWrites));
    const flags: CommandFlag[] = entry.spec.flags.filter(
      (f) => f !== "write" && f !== "denyoom" && f !== "stale" && f !== "may_replicate",
    );
    if (denyoom) flags.push("denyoom");
    if (!noWrites) flags.push("write");
    if (key & ScriptFlag.AllowStale) flags.push("stale");
    e = Object.assign(Object.create(entry) as CommandEntry, {
      isWrite: !noWrites,
      denyoom,
      spec: { ...entry.spec, flags },
    });
    byFlags.set(key, e);
  }
  return e;
}

// Redis's command docs, tips and key specs (command-docs.generated.ts) written as replies:
// COMMAND DOCS's per-command map (addReplyCommandDocs), COMMAND INFO's tips and key-specs
// elements, and the key specs read back for COMMAND GETKEYSANDFLAGS.
import type { ReplyWriter } from "@shoal/resp-codec";
import { COMMAND_DATA, type DocTree } from "./command-docs.generated.js";

/**
 * Writes a DocTree (a RESP3 value kept as data; map keys and values alternate). Maps and sets
 * become arrays in RESP2, as Redis's addReplyMapLen/addReplySetLen make them.
 */
export function writeDocTree(r: ReplyWriter, t: DocTree): void {
  if (typeof t === "string") r.bulk(t);
  else if (typeof t === "number") r.integer(t);
  else {
    const tag = t[0];
    const n = t.length - 1;
    if (tag === "+") r.simple(t[1] as string);
    else if (tag === "%") r.map(n / 2);
    else if (tag === "~") r.set(n);
    else r.array(n);
    if (tag !== "+") for (let i = 1; i <= n; i++) writeDocTree(r, t[i]!);
  }
}

/** Commands Shoal has and Redis 7.0.15 hasn't: the docs of the Redis version that added them. */
const LATER_COMMANDS: Record<string, [DocTree, DocTree, DocTree]> = {
  "cluster|myshardid": [
    ["~"],
    ["~"],
    [
      "%",
      "summary",
      "Returns the shard ID of a node.",
      "since",
      "7.2.0",
      "group",
      "cluster",
    ].concat(["complexity", "O(1)"]),
  ],
};

/** Redis's data for a command by full name ("get", "config|get"). */
export function commandData(fullName: string): [DocTree, DocTree, DocTree] | undefined {
  return COMMAND_DATA[fullName] ?? LATER_COMMANDS[fullName];
}

/** A key found by a key spec: its argument index (0 = the command name) and the spec's flags. */
export interface KeyRef {
  pos: number;
  flags: string[];
}

/** The fields of a map tree ("%", k, v, ...) by name. */
function fieldsOf(t: DocTree | undefined): Map<string, DocTree> {
  const m = new Map<string, DocTree>();
  if (Array.isArray(t) && t[0] === "%")
    for (let i = 1; i + 1 < t.length; i += 2) m.set(t[i] as string, t[i + 1]!);
  return m;
}

function num(m: Map<string, DocTree>, k: string): number {
  const v = m.get(k);
  return typeof v === "number" ? v : 0;
}

/** A spec's flags (the "+" items of its flags set), in Redis's order. */
function specFlags(spec: Map<string, DocTree>): string[] {
  const f = spec.get("flags");
  return Array.isArray(f) ? f.slice(1).map((x) => (x as DocTree[])[1] as string) : [];
}

/**
 * Whether Redis's key specs of the command are all NOT_KEY (SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE:
 * their channels are specs only for cluster routing). doesCommandHaveKeys (db.c) counts such a
 * command as keyless, so COMMAND GETKEYS refuses it even though Shoal routes on the channel.
 */
export function hasOnlyNotKeySpecs(fullName: string): boolean {
  const specs = commandData(fullName)?.[1];
  if (!Array.isArray(specs) || specs.length < 2) return false;
  return specs.slice(1).every((st) => specFlags(fieldsOf(st)).includes("not_key"));
}

export interface KeySpecKeys {
  /** Every spec evaluated cleanly (getKeysUsingKeySpecs returned >= 0). */
  complete: boolean;
  /** Some spec's flags depend on the arguments (VARIABLE_FLAGS): Redis asks getkeys_proc. */
  variableFlags: boolean;
  keys: KeyRef[];
}

/**
 * getKeysUsingKeySpecs (db.c, Redis 7.0) over Redis's key specs: begin_search index/keyword,
 * find_keys range/keynum; NOT_KEY specs skipped. With an invalid or incomplete spec Redis gives
 * up (complete false) and falls back to the command's getkeys_proc; the keys found are kept.
 */
export function keysFromSpecs(fullName: string, args: readonly string[]): KeySpecKeys {
  const out: KeySpecKeys = { complete: true, variableFlags: false, keys: [] };
  const specs = commandData(fullName)?.[1];
  if (!Array.isArray(specs)) return out;
  const argc = args.length;
  for (const st of specs.slice(1)) {
    const spec = fieldsOf(st);
    const flags = specFlags(spec);
    if (flags.includes("variable_flags")) out.variableFlags = true;
    if (flags.includes("not_key")) continue;
    const invalid = () => {
      out.complete = false; // Redis drops to getkeys_proc
    };
    const bs = fieldsOf(spec.get("begin_search"));
    const bsSpec = fieldsOf(bs.get("spec"));
    let first = 0;
    if (bs.get("type") === "index") first = num(bsSpec, "index");
    else if (bs.get("type") === "keyword") {
      const from = num(bsSpec, "startfrom");
      const kw = String(bsSpec.get("keyword")).toLowerCase();
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (args[i]!.toLowerCase() === kw) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword not found: no keys from this spec
    } else {
      invalid();
      continue;
    }
    const fk = fieldsOf(spec.get("find_keys"));
    const fkSpec = fieldsOf(fk.get("spec"));
    let last: number;
    let step: number;
    if (fk.get("type") === "range") {
      step = num(fkSpec, "keystep");
      const lastkey = num(fkSpec, "lastkey");
      const limit = num(fkSpec, "limit");
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (fk.get("type") === "keynum") {
      step = num(fkSpec, "keystep");
      const idx = first + num(fkSpec, "keynumidx");
      const n = idx < argc && /^(0|-?[1-9][0-9]*)$/.test(args[idx]!) ? Number(args[idx]) : -1;
      if (n < 0) {
        invalid();
        continue;
      }
      first += num(fkSpec, "firstkey");
      last = first + n - 1;
    } else {
      invalid();
      continue;
    }
    if (last >= argc || last < first || first >= argc) {
      invalid();
      continue;
    }
    for (let i = first; i <= last; i += step || 1) out.keys.push({ pos: i, flags });
    if (flags.includes("incomplete")) invalid();
  }
  return out;
}

/**
 * The flags Redis 7.0's getkeys_proc gives a key when the key specs can't answer (db.c): only
 * the procs standing for INCOMPLETE or VARIABLE_FLAGS specs set any (sortGetKeys,
 * sortROGetKeys, migrateGetKeys, setGetKeys, bitfieldGetKeys); the others leave them empty.
 */
export function getKeysProcFlags(fullName: string, args: readonly string[], pos: number): string[] {
  switch (fullName) {
    case "sort":
      return pos === 1 ? ["RO", "access"] : ["OW", "update"];
    case "sort_ro":
      return ["RO", "access"];
    case "migrate":
      return ["RW", "access", "delete"];
    case "set":
      return args.slice(3).some((a) => a.toLowerCase() === "get")
        ? ["RW", "access", "update"]
        : ["OW", "update"];
    case "bitfield":
      return bitfieldReadOnly(args) ? ["RO", "access"] : ["RW", "access", "update"];
    default:
      return [];
  }
}

/** bitfieldGetKeys: read-only while only GET and OVERFLOW with their arguments follow. */
function bitfieldReadOnly(args: readonly string[]): boolean {
  const argc = args.length;
  for (let i = 2; i < argc; i++) {
    const rem = argc - i - 1;
    const a = args[i]!.toLowerCase();
    if (a === "get" && rem >= 2) i += 2;
    else if (a === "overflow" && rem >= 1) i += 1;
    else return false; // SET/INCRBY, or a syntax error: "safer to assume non-RO"
  }
  return true;
}

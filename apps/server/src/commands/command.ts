// COMMAND and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS, HELP): commandCommand() and
// friends (src/server.c, Redis 7.0). COMMAND INFO's 10-element entry is writeCommandInfo; its
// flags and categories are written in Redis's order.
import {
  type CommandSpec,
  cmd,
  globMatch,
  INFO_FLAG_ORDER,
  infoFlags,
  replyHelp,
} from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import { OwnedArgs } from "../protocol/command-decoder.js";
import type { DocTree } from "./command-docs.generated.js";
import {
  commandData,
  getKeysProcFlags,
  hasOnlyNotKeySpecs,
  type KeyRef,
  keysFromSpecs,
  writeDocTree,
} from "./command-docs.js";
import type { CommandEntry, ServerCommandDef } from "./command-types.js";
import { ERR_SYNTAX } from "./define.js";

/** COMMAND (no subcommand) and COMMAND INFO without names: every command. */
/** What COMMAND takes from the node: the command table. */
export type CommandCommandsHost = Pick<NodeServices, "table">;

function commandCommand(server: CommandCommandsHost, c: Client): void {
  const all = [...server.table.all()];
  c.reply.array(all.length);
  for (const e of all) writeCommandInfo(c, e.spec, e);
}

function commandCountCommand(server: CommandCommandsHost, c: Client): void {
  c.reply.integer(server.table.size);
}

function commandListCommand(server: CommandCommandsHost, c: Client, a: CommandArgs): void {
  let filter: ((e: CommandEntry) => boolean) | undefined;
  if (a.argc === 5 && a.is(2, "filterby")) {
    const v = a.latin1(4);
    if (a.is(3, "pattern")) {
      // stringmatchlen(nocase), as Redis: a glob ("[a-" included), never a RegExp.
      filter = (e) => globMatch(v, e.fullName, true);
    } else if (a.is(3, "aclcat"))
      filter = (e) => e.spec.aclCategories.includes(`@${v.toLowerCase()}`);
    else if (a.is(3, "module")) filter = () => false;
    else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  } else if (a.argc !== 2) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  // Subcommands are listed too, under their full names (commandListWithFilter).
  const names: string[] = [];
  for (const e of server.table.all()) {
    if (!filter || filter(e)) names.push(e.fullName);
    if (e.subcommands)
      for (const s of e.subcommands.values()) if (!filter || filter(s)) names.push(s.fullName);
  }
  c.reply.array(names.length);
  for (const n of names) c.reply.bulk(n);
}

function commandInfoCommand(server: CommandCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc === 2) {
    const all = [...server.table.all()];
    c.reply.array(all.length);
    for (const e of all) writeCommandInfo(c, e.spec, e);
    return;
  }
  c.reply.array(a.argc - 2);
  for (let i = 2; i < a.argc; i++) {
    const e = lookupFullName(server, a.latin1(i));
    if (e) writeCommandInfo(c, e.spec, e);
    else c.reply.nullBulk(); // addReplyNull: $-1 in RESP2
  }
}

function commandDocsCommand(server: CommandCommandsHost, c: Client, a: CommandArgs): void {
  // commandDocsCommand(): every command, or those named that exist, under their full names.
  const entries =
    a.argc === 2
      ? [...server.table.all()]
      : Array.from({ length: a.argc - 2 }, (_, i) => lookupFullName(server, a.latin1(i + 2)));
  const known = entries.filter((e): e is CommandEntry => e !== undefined);
  c.reply.map(known.length);
  for (const e of known) {
    c.reply.bulk(e.fullName);
    writeCommandDocs(c, e);
  }
}

/** addReplyCommandDocs: Redis's docs for the command, then its subcommands Shoal has. */
function writeCommandDocs(c: Client, e: CommandEntry): void {
  const docs = commandData(e.fullName)?.[2];
  const subs = e.subcommands ? [...e.subcommands.values()] : [];
  // A command Redis 7.0.15 hasn't: what is known of it, its group being Redis's catch-all.
  const fields: DocTree[] = Array.isArray(docs) ? docs.slice(1) : ["group", "server"];
  c.reply.map(fields.length / 2 + (subs.length > 0 ? 1 : 0));
  for (const f of fields) writeDocTree(c.reply, f);
  if (subs.length === 0) return;
  c.reply.bulk("subcommands");
  c.reply.map(subs.length);
  for (const s of subs) {
    c.reply.bulk(s.fullName);
    writeCommandDocs(c, s);
  }
}

// Redis 7.0 declares GETKEYS and GETKEYSANDFLAGS with arity -4 (a command and an argument).
function commandGetKeysCommand(
  server: CommandCommandsHost,
  c: Client,
  a: CommandArgs,
  withFlags: boolean,
): void {
  // lookupCommand(): a container's argv[1] names the subcommand (MEMORY USAGE k).
  let e = server.table.lookup(a.latin1(2).toLowerCase());
  if (e?.subcommands) e = e.subcommands.get(a.latin1(3).toLowerCase());
  if (!e) {
    c.reply.error("ERR Invalid command specified");
    return;
  }
  // getKeysSubcommandImpl's order: keyless commands first, then the arity check.
  if ((!e.spec.getKeys && e.spec.firstKey <= 0) || hasOnlyNotKeySpecs(e.fullName)) {
    c.reply.error("ERR The command has no key arguments");
    return;
  }
  const argc = a.argc - 2;
  const ar = e.spec.arity;
  if ((ar > 0 && argc !== ar) || argc < -ar) {
    c.reply.error("ERR Invalid number of arguments specified for command");
    return;
  }
  const keys: number[] = [];
  if (e.spec.getKeys) {
    // getKeys reads a view whose argv[0] is the command name: shift by two.
    const sub = new OwnedArgs(Array.from({ length: argc }, (_, i) => a.copy(i + 2)));
    keys.push(...e.spec.getKeys(sub));
  } else if (e.spec.firstKey > 0) {
    const last = e.spec.lastKey < 0 ? argc + e.spec.lastKey : e.spec.lastKey;
    for (let k = e.spec.firstKey; k <= last; k += e.spec.step || 1) keys.push(k);
  }
  if (keys.length === 0) {
    // Keys that can't be found (ZUNIONSTORE d 5 x): an error, unless none are required.
    if (e.spec.flags.includes("no_mandatory_keys")) c.reply.array(0);
    else c.reply.error("ERR Invalid arguments specified for command");
    return;
  }
  if (!withFlags) {
    c.reply.array(keys.length);
    for (const k of keys) c.reply.bulk(a.view(k + 2));
    return;
  }
  // Redis takes keys and flags from the key specs when they are complete and their flags
  // fixed (getKeysFromCommandWithSpecs); otherwise from getkeys_proc, with its own flags.
  const args = Array.from({ length: argc }, (_, i) => a.latin1(i + 2));
  const found = keysFromSpecs(e.fullName, args);
  const refs: KeyRef[] =
    found.complete && !found.variableFlags && found.keys.length > 0
      ? found.keys
      : keys.map((pos) => ({ pos, flags: getKeysProcFlags(e.fullName, args, pos) }));
  c.reply.array(refs.length);
  for (const k of refs) {
    c.reply.array(2);
    c.reply.bulk(a.view(k.pos + 2));
    // addReplyFlagsForKeyArgs: a set of status strings, in the order of the spec's flags.
    const shown = k.flags.filter((f) => KEY_FLAG_ORDER.includes(f));
    c.reply.set(shown.length);
    for (const f of shown) c.reply.simple(f);
  }
}

/** The flags addReplyFlagsForKeyArgs names, in its order. */
const KEY_FLAG_ORDER = [
  "RO",
  "RW",
  "OW",
  "RM",
  "access",
  "update",
  "insert",
  "delete",
  "not_key",
  "incomplete",
  "variable_flags",
];

function commandHelpCommand(c: Client): void {
  replyHelp(c.reply, "COMMAND", [
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
  ]);
}

/** A command by the name COMMAND INFO/DOCS accept: "get", or "config|get" for a subcommand. */
function lookupFullName(server: CommandCommandsHost, name: string): CommandEntry | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf("|");
  if (bar < 0) return server.table.lookup(lower);
  return server.table.lookup(lower.slice(0, bar))?.subcommands?.get(lower.slice(bar + 1));
}

/** ACL categories in Redis's table order (addReplyCommandCategories). */
const CATEGORY_ORDER = [
  "@keyspace",
  "@read",
  "@write",
  "@set",
  "@sortedset",
  "@list",
  "@hash",
  "@string",
  "@bitmap",
  "@hyperloglog",
  "@geo",
  "@stream",
  "@pubsub",
  "@admin",
  "@fast",
  "@slow",
  "@blocking",
  "@dangerous",
  "@connection",
  "@transaction",
  "@scripting",
];

/** COMMAND INFO's 10-element array (Redis 7.0 addReplyCommandInfo). */
function writeCommandInfo(c: Client, spec: CommandSpec, entry: CommandEntry | undefined): void {
  const r = c.reply;
  const name = entry ? entry.fullName : spec.name;
  r.array(10);
  r.bulk(name);
  r.integer(spec.arity);
  const has = new Set<string>(infoFlags(spec));
  const flags = INFO_FLAG_ORDER.filter((f) => has.has(f));
  r.set(flags.length);
  for (const f of flags) r.simple(f);
  r.integer(spec.firstKey);
  r.integer(spec.lastKey);
  r.integer(spec.step);
  const cats = CATEGORY_ORDER.filter((a) => spec.aclCategories.includes(a));
  r.set(cats.length);
  for (const a of cats) r.simple(a);
  // Tips and key specs are sets in 7.0 (RESP3 ~), and so is an empty subcommand list.
  const data = commandData(name);
  if (data) {
    writeDocTree(r, data[0]);
    writeDocTree(r, data[1]);
  } else {
    r.set(0);
    r.set(0);
  }
  const subs = entry?.subcommands ? [...entry.subcommands.values()] : [];
  if (subs.length === 0) r.set(0);
  else r.array(subs.length);
  for (const s of subs) writeCommandInfo(c, s.spec, s);
}

const CONN = "@slow @connection";

export function commandCommands(server: CommandCommandsHost): ServerCommandDef[] {
  return [
    cmd(
      "command",
      -1,
      "loading stale sentinel",
      [0, 0, 0],
      CONN,
      (c) => commandCommand(server, c),
      {
        subcommands: [
          cmd("count", 2, "loading stale", [0, 0, 0], CONN, (c) => commandCountCommand(server, c)),
          cmd("list", -2, "loading stale", [0, 0, 0], CONN, (c, a) =>
            commandListCommand(server, c, a),
          ),
          cmd("info", -2, "loading stale", [0, 0, 0], CONN, (c, a) =>
            commandInfoCommand(server, c, a),
          ),
          cmd("docs", -2, "loading stale", [0, 0, 0], CONN, (c, a) =>
            commandDocsCommand(server, c, a),
          ),
          cmd("getkeys", -4, "loading stale", [0, 0, 0], CONN, (c, a) =>
            commandGetKeysCommand(server, c, a, false),
          ),
          cmd("getkeysandflags", -4, "loading stale", [0, 0, 0], CONN, (c, a) =>
            commandGetKeysCommand(server, c, a, true),
          ),
          cmd("help", 2, "loading stale", [0, 0, 0], CONN, (c) => commandHelpCommand(c)),
        ],
      },
    ),
  ];
}

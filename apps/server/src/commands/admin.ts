// Server administration: DBSIZE LASTSAVE SAVE BGSAVE SHUTDOWN DEBUG COMMAND. Mirrors
// dbsizeCommand()/lastsaveCommand() (src/db.c, src/server.c), shutdownCommand() (src/db.c),
// debugCommand() (src/debug.c) and commandCommand() and friends (src/server.c), Redis 7.0.
import {
  type CommandSpec,
  datasetDigest,
  globMatch,
  infoFlags,
  isList,
  objectEncoding,
  rdbSavedObjectLen,
  type Value,
  valueDigest,
} from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../client-connection.js";
import type { CommandEntry, ServerCommandDef } from "../command-types.js";
import type { NodeServices } from "../node-services.js";
import { DuplicateKeyError } from "../persistence/errors.js";
import { OwnedArgs } from "../protocol/command-decoder.js";
import { def, ERR_SYNTAX, subcommandSyntaxError, toInt } from "./define.js";

export function adminCommands(server: NodeServices): ServerCommandDef[] {
  return [
    def("dbsize", 1, ["readonly", "fast"], ["@keyspace", "@read", "@fast"], (c) => {
      // Redis's dictSize: keys past their TTL count until the active expiry cycle or a lookup
      // deletes them (with DEBUG SET-ACTIVE-EXPIRE 0, only a lookup does).
      c.reply.integer(server.store.dbSize(c.db));
    }),
    def("lastsave", 1, ["loading", "stale", "fast"], ["@fast", "@admin", "@dangerous"], (c) => {
      c.reply.integer(server.persistence?.lastSave ?? Math.floor(server.startTime / 1000));
    }),
    def("save", 1, ["admin", "noscript", "no_multi"], ["@admin", "@slow", "@dangerous"], (c) => {
      const p = server.persistence;
      if (p?.bgsaveInProgress) {
        c.reply.error("ERR Background save already in progress");
        return;
      }
      server.runAsync(c, () => saveAndReply(server, c));
    }),
    def("bgsave", -1, ["admin", "noscript"], ["@admin", "@slow", "@dangerous"], (c, a) => {
      if (a.argc > 2 || (a.argc === 2 && !a.is(1, "schedule"))) {
        c.reply.error(ERR_SYNTAX);
        return;
      }
      const p = server.persistence;
      if (!server.store.snapshot || !p) {
        c.reply.error("ERR snapshots are not supported by this build's keyspace store yet");
        return;
      }
      if (p.bgsaveInProgress) {
        c.reply.error("ERR Background save already in progress");
        return;
      }
      void p.bgsave();
      c.reply.simple("Background saving started");
    }),
    def("bgrewriteaof", 1, ["admin", "noscript"], ["@admin", "@slow", "@dangerous"], (c) => {
      const p = server.persistence;
      if (!p?.aof) {
        c.reply.error("ERR BGREWRITEAOF needs appendonly yes on shoal-server");
        return;
      }
      if (!server.store.snapshot) {
        c.reply.error("ERR snapshots are not supported by this build's keyspace store yet");
        return;
      }
      if (p.aofRewriteInProgress) {
        c.reply.error("ERR Background append only file rewriting already in progress");
        return;
      }
      p.rewriteAof().catch(() => {
        // Logged by rewriteAof; INFO shows aof_last_bgrewrite_status:err.
      });
      c.reply.simple("Background append only file rewriting started");
    }),
    def(
      "shutdown",
      -1,
      ["admin", "noscript", "loading", "stale", "no_multi", "sentinel", "allow_busy"],
      ["@admin", "@slow", "@dangerous"],
      (c, a) => {
        let nosave = false;
        let dosave = false;
        let force = false;
        let now = false;
        let abort = false;
        for (let i = 1; i < a.argc; i++) {
          if (a.is(i, "nosave")) nosave = true;
          else if (a.is(i, "save")) dosave = true;
          // No replicas to wait for yet: NOW changes nothing but the flag check below.
          else if (a.is(i, "now")) now = true;
          else if (a.is(i, "force")) force = true;
          else if (a.is(i, "abort")) abort = true;
          else {
            c.reply.error(ERR_SYNTAX);
            return;
          }
        }
        // As shutdownCommand(): ABORT takes no other flag, SAVE and NOSAVE exclude each other.
        if ((abort && (nosave || dosave || now || force)) || (nosave && dosave)) {
          c.reply.error(ERR_SYNTAX);
          return;
        }
        if (abort) {
          c.reply.error("ERR No shutdown in progress.");
          return;
        }
        const save = nosave ? false : dosave ? true : undefined;
        void server.requestShutdown({ save, force }, c);
      },
    ),
    def(
      "monitor",
      1,
      ["admin", "noscript", "loading", "stale"],
      ["@admin", "@slow", "@dangerous"],
      (c) => {
        // Already monitoring: ignored, without a reply (monitorCommand).
        if (c.isMonitor) return;
        server.monitors.add(c);
        c.isMonitor = true;
        c.reply.ok();
      },
    ),
    def(
      "slowlog",
      -2,
      [],
      ["@slow"],
      undefined,
      [0, 0, 0],
      [
        def("get", -2, ["admin", "loading", "stale"], ["@admin", "@slow", "@dangerous"], (c, a) => {
          let count = 10;
          if (a.argc === 3) {
            const n = toInt(a.latin1(2));
            if (n === undefined || n < -1) {
              c.reply.error("ERR count should be greater than or equal to -1");
              return;
            }
            count = n === -1 ? server.slowlog.entries.length : n;
          } else if (a.argc > 3) {
            c.reply.error(subcommandSyntaxError(a));
            return;
          }
          const list = server.slowlog.entries.slice(0, count);
          c.reply.array(list.length);
          for (const e of list) {
            c.reply.array(6);
            c.reply.integer(e.id);
            c.reply.integer(e.time);
            c.reply.integer(e.duration);
            c.reply.array(e.args.length);
            for (const x of e.args) c.reply.bulkLatin1(x);
            c.reply.bulk(e.peer);
            c.reply.bulk(e.name);
          }
        }),
        def("len", 2, ["admin", "loading", "stale"], ["@admin", "@slow", "@dangerous"], (c) => {
          c.reply.integer(server.slowlog.entries.length);
        }),
        def("reset", 2, ["admin", "loading", "stale"], ["@admin", "@slow", "@dangerous"], (c) => {
          server.slowlog.reset();
          c.reply.ok();
        }),
        def("help", 2, ["loading", "stale"], ["@slow"], (c) => {
          const lines = [
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
            "HELP",
            "    Prints this help.",
          ];
          c.reply.array(lines.length);
          for (const l of lines) c.reply.simple(l);
        }),
      ],
    ),
    def(
      "debug",
      -2,
      ["admin", "noscript", "loading", "stale"],
      ["@admin", "@slow", "@dangerous"],
      (c, a) => {
        debugCommand(server, c, a);
      },
    ),
    def(
      "command",
      -1,
      ["loading", "stale", "sentinel"],
      ["@slow", "@connection"],
      (c) => {
        const all = [...server.table.all()];
        c.reply.array(all.length);
        for (const e of all) writeCommandInfo(c, e.spec, e);
      },
      [0, 0, 0],
      [
        def("count", 2, ["loading", "stale"], ["@slow", "@connection"], (c) => {
          c.reply.integer(server.table.size);
        }),
        def("list", -2, ["loading", "stale"], ["@slow", "@connection"], (c, a) => {
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
              for (const s of e.subcommands.values())
                if (!filter || filter(s)) names.push(s.fullName);
          }
          c.reply.array(names.length);
          for (const n of names) c.reply.bulk(n);
        }),
        def("info", -2, ["loading", "stale"], ["@slow", "@connection"], (c, a) => {
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
        }),
        def("docs", -2, ["loading", "stale"], ["@slow", "@connection"], (c, a) => {
          // Docs (summary, since, group, arguments) aren't in the command table yet: Shoal
          // answers the map with the entries it knows, an empty one for unknown names.
          const names =
            a.argc === 2
              ? [...server.table.all()].map((e) => e.spec.name)
              : Array.from({ length: a.argc - 2 }, (_, i) => a.latin1(i + 2).toLowerCase());
          const known = names.filter((n) => lookupFullName(server, n));
          c.reply.map(known.length);
          for (const n of known) {
            c.reply.bulk(n);
            c.reply.map(0);
          }
        }),
        // Redis 7.0 declares GETKEYS with arity -4 (a command and at least one argument).
        def("getkeys", -4, ["loading", "stale"], ["@slow", "@connection"], (c, a) => {
          // lookupCommand(): a container's argv[1] names the subcommand (MEMORY USAGE k).
          let e = server.table.lookup(a.latin1(2).toLowerCase());
          if (e?.subcommands) e = e.subcommands.get(a.latin1(3).toLowerCase());
          if (!e) {
            c.reply.error("ERR Invalid command specified");
            return;
          }
          // getKeysSubcommandImpl's order: keyless commands first, then the arity check.
          if (!e.spec.getKeys && e.spec.firstKey <= 0) {
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
          c.reply.array(keys.length);
          for (const k of keys) c.reply.bulk(a.view(k + 2));
        }),
        def("help", 2, ["loading", "stale"], ["@slow", "@connection"], (c) => {
          const lines = [
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
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

/** A command by the name COMMAND INFO/DOCS accept: "get", or "config|get" for a subcommand. */
function lookupFullName(server: NodeServices, name: string): CommandEntry | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf("|");
  if (bar < 0) return server.table.lookup(lower);
  return server.table.lookup(lower.slice(0, bar))?.subcommands?.get(lower.slice(bar + 1));
}

/**
 * The flags COMMAND INFO shows, in addReplyFlagsForCommand's order: may_replicate, sentinel,
 * only_sentinel and protected are hidden on purpose (Redis 7.0).
 */
const INFO_FLAG_ORDER = [
  "write",
  "readonly",
  "denyoom",
  "module",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "no_mandatory_keys",
  "no_async_loading",
  "no_multi",
  "movablekeys",
  "allow_busy",
];

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

/**
 * Commands Redis 7.0 flags no_async_loading. keyspace-store's CommandFlag type has no such
 * flag, so the server adds it here, where COMMAND INFO is written.
 */
const NO_ASYNC_LOADING = new Set([
  "save",
  "bgsave",
  "bgrewriteaof",
  "replicaof",
  "slaveof",
  "psync",
  "sync",
  "module|load",
  "module|loadex",
  "module|unload",
  "cluster|addslots",
  "cluster|addslotsrange",
  "cluster|bumpepoch",
  "cluster|delslots",
  "cluster|delslotsrange",
  "cluster|failover",
  "cluster|flushslots",
  "cluster|forget",
  "cluster|meet",
  "cluster|replicate",
  "cluster|saveconfig",
  "cluster|set-config-epoch",
  "cluster|setslot",
]);

/** COMMAND INFO's 10-element array (Redis 7.0 addReplyCommandInfo). */
function writeCommandInfo(c: Client, spec: CommandSpec, entry: CommandEntry | undefined): void {
  const r = c.reply;
  const name = entry ? entry.fullName : spec.name;
  r.array(10);
  r.bulk(name);
  r.integer(spec.arity);
  const has = new Set<string>(infoFlags(spec));
  if (NO_ASYNC_LOADING.has(name)) has.add("no_async_loading");
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
  r.set(0); // tips
  r.set(0); // key specifications: not described by the command table yet
  const subs = entry?.subcommands ? [...entry.subcommands.values()] : [];
  if (subs.length === 0) r.set(0);
  else r.array(subs.length);
  for (const s of subs) writeCommandInfo(c, s.spec, s);
}

async function saveAndReply(server: NodeServices, c: Client): Promise<void> {
  const p = server.persistence;
  try {
    if (!p) throw new Error("persistence is not initialised");
    await p.save();
    c.reply.ok();
  } catch (err) {
    server.log.warning(`SAVE failed: ${(err as Error).message}`);
    c.reply.error(`ERR ${(err as Error).message}`);
  }
}

function debugCommand(server: NodeServices, c: Client, a: CommandArgs): void {
  if (a.is(1, "sleep") && a.argc === 3) {
    // strtod() on the argument: its leading number, 0 when there is none ("x" sleeps 0).
    const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(a.latin1(2));
    const parsed = m ? Number(m[0]) : 0;
    const secs = Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
    // Blocks the event loop on purpose, exactly like Redis's DEBUG SLEEP.
    const until = Date.now() + secs * 1000;
    const sab = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < until) Atomics.wait(sab, 0, 0, Math.max(1, until - Date.now()));
    c.reply.ok();
  } else if (a.is(1, "set-active-expire") && a.argc === 3) {
    // atoi(): the leading integer, 0 when there is none ("abc" disables).
    const m = /^\s*[+-]?\d+/.exec(a.latin1(2));
    server.store.activeExpireEnabled = m !== null && Number(m[0]) !== 0;
    c.reply.ok();
  } else if (a.is(1, "reload")) {
    debugReload(server, c, a);
  } else if (a.is(1, "loadaof")) {
    // Redis takes any arguments here and ignores them.
    const p = server.persistence;
    try {
      if (!p?.reloadAof()) {
        c.reply.error("ERR DEBUG LOADAOF needs appendonly yes: there is no append only file");
        return;
      }
    } catch (err) {
      server.log.warning(`DEBUG LOADAOF failed: ${(err as Error).message}`);
      c.reply.error(`ERR Error loading the append only file: ${(err as Error).message}`);
      return;
    }
    server.log.notice("Append Only File loaded by DEBUG LOADAOF");
    c.reply.ok();
  } else if (a.is(1, "digest") && a.argc === 2) {
    const db = server.store.db?.(0);
    c.reply.simple(db ? datasetDigest(db.keyspace) : "0".repeat(40));
  } else if (a.is(1, "digest-value") && a.argc >= 2) {
    // No lookup: logically expired keys are digested too, as Redis's dictFind.
    const db = server.store.db?.(c.db);
    c.reply.array(a.argc - 2);
    for (let j = 2; j < a.argc; j++)
      c.reply.simple(db ? valueDigest(db, a.latin1(j)) : "0".repeat(40));
  } else if (a.is(1, "change-repl-id") && a.argc === 2) {
    server.log.warning("Changing replication IDs after receiving DEBUG change-repl-id");
    server.replication.changeReplicationId();
    c.reply.ok();
  } else if (a.is(1, "quicklist-packed-threshold") && a.argc === 3) {
    // Shoal's lists have no packed/plain nodes: the value is checked as Redis checks it, then
    // has nothing to change.
    const sz = memtoull(a.latin1(2));
    if (sz === undefined || sz > 2 ** 32 - 2 ** 20)
      c.reply.error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
    else c.reply.ok();
  } else if (a.is(1, "replybuffer") && a.argc === 4) {
    // Shoal's reply buffers are not resized by a cron: the settings are accepted and unused.
    if (a.is(2, "peak-reset-time")) {
      if (!a.is(3, "never") && !a.is(3, "reset") && toLong(a.latin1(3)) === undefined) {
        c.reply.error("ERR value is not an integer or out of range");
        return;
      }
    } else if (!a.is(2, "resizing")) {
      c.reply.error(subcommandSyntaxError(a));
      return;
    }
    c.reply.ok();
  } else if (a.is(1, "set-skip-checksum-validation") && a.argc === 3) {
    const db = server.store.db?.(0);
    if (db) db.keyspace.skipChecksumValidation = atoi(a.latin1(2)) !== 0;
    c.reply.ok();
  } else if (a.is(1, "pause-cron") && a.argc === 3) {
    server.pauseCron = atoi(a.latin1(2)) !== 0;
    c.reply.ok();
  } else if (a.is(1, "stringmatch-test") && a.argc === 2) {
    stringmatchFuzz();
    c.reply.simple("Apparently Redis did not crash: test passed");
  } else if (
    (a.is(1, "listpack") && a.argc === 3) ||
    (a.is(1, "quicklist") && (a.argc === 3 || a.argc === 4))
  ) {
    const listpack = a.is(1, "listpack");
    const db = server.store.db?.(c.db);
    const key = a.latin1(2);
    const v = db?.has(key, server.call.now) ? db.dict.get(key) : undefined;
    if (v === undefined) c.reply.error("ERR no such key");
    else if (objectEncoding(v) !== (listpack ? "listpack" : "quicklist"))
      c.reply.error(`ERR Not a ${listpack ? "listpack" : "quicklist"} encoded object.`);
    else {
      // Redis prints its C structure (lpRepr/quicklistRepr); Shoal has none: the elements.
      process.stdout.write(
        `{${listpack ? "listpack" : "quicklist"} ${JSON.stringify(key)}: ${JSON.stringify(debugElements(v))}}\n`,
      );
      c.reply.simple(`${listpack ? "Listpack" : "Quicklist"} structure printed on stdout`);
    }
  } else if (a.is(1, "object") && a.argc === 3) {
    const db = server.store.db?.(c.db);
    const key = a.latin1(2);
    const v = db?.has(key, server.call.now) ? db.dict.get(key) : undefined;
    if (v === undefined || db === undefined) c.reply.error("ERR no such key");
    else {
      // Not an access (Redis reads the dict directly): the key's own access time, as it was.
      const idle = db.idleSeconds(key, server.call.now);
      const lru = (Math.floor(server.call.now / 1000) - idle) & 0xffffff;
      c.reply.simple(debugObject(v, lru, idle));
    }
  } else if (a.is(1, "protocol") && a.argc === 3) {
    debugProtocol(c, a.latin1(2).toLowerCase());
  } else if (a.is(1, "error") && a.argc === 3) {
    // debugCommand maps CR/LF to spaces itself and, unlike addReplyErrorFormat, trims nothing.
    c.reply.error(a.latin1(2).replace(/[\r\n]/g, " "));
  } else if (a.is(1, "log") && a.argc === 3) {
    server.log.warning(`DEBUG LOG: ${a.latin1(2)}`);
    c.reply.ok();
  } else if (a.is(1, "help") && a.argc === 2) {
    const lines = [
      // Redis 7.0's lines for the subcommands Shoal has.
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANGE-REPL-ID",
      "    Change the replication IDs of the instance.",
      "    Dangerous: should be used only for testing the replication subsystem.",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "ERROR <string>",
      "    Return a Redis protocol error with <string> as message. Useful for clients",
      "    unit tests to simulate Redis errors.",
      "LOG <message>",
      "    Write <message> to the server log.",
      "LOADAOF",
      "    Flush the AOF buffers on disk and reload the AOF in memory.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "RELOAD [option ...]",
      "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
      "    * MERGE: conflicting keys will be loaded from RDB.",
      "    * NOFLUSH: the existing database will not be removed before load, but",
      "      conflicting keys will generate an exception and kill the server.",
      "    * NOSAVE: the database will be loaded from an existing RDB file.",
      "    Examples:",
      "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
      "      the database.",
      "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
      "      existing RDB file.",
      "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
      "      file to the database.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "QUICKLIST-PACKED-THRESHOLD <size>",
      "    Sets the threshold for elements to be inserted as plain vs packed nodes",
      "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
      "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
      "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "STRINGMATCH-TEST",
      "    Run a fuzz tester against the stringmatchlen() function.",
      "LISTPACK <key>",
      "    Show low level info about the listpack encoding of <key>.",
      "QUICKLIST <key> [<0|1>]",
      "    Show low level info about the quicklist encoding of <key>.",
      "    The optional argument (0 by default) sets the level of detail",
      "PAUSE-CRON <0|1>",
      "    Stop periodic cron job processing.",
      "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
      "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
      "    In case NEVER is provided the last observed peak will never be reset",
      "    In case RESET is provided the peak reset time will be restored to the default value",
      "REPLYBUFFER RESIZING <0|1>",
      "    Enable or disable the reply buffer resize cron job",
      "HELP",
      "    Prints this help.",
    ];
    c.reply.array(lines.length);
    for (const l of lines) c.reply.simple(l);
  } else {
    // DEBUG checks its own subcommands and their argument counts (addReplySubcommandSyntaxError).
    c.reply.error(
      `ERR unknown subcommand or wrong number of arguments for '${a.latin1(1).slice(0, 128)}'. Try DEBUG HELP.`,
    );
  }
}

/** DEBUG PROTOCOL <type>: one test value of each RESP3 type (debugCommand, Redis 7.0). */
function debugProtocol(c: Client, type: string): void {
  const r = c.reply;
  switch (type) {
    case "string":
      r.bulk("Hello World");
      return;
    case "integer":
      r.integer(12345);
      return;
    case "double":
      // biome-ignore lint/suspicious/noApproximativeNumericConstant: Redis's test value, not pi
      r.double(3.141);
      return;
    case "bignum":
      r.bigNumber("1234567999999999999999999999999999999");
      return;
    case "null":
      r.nullBulk();
      return;
    case "array":
    case "set":
      if (type === "array") r.array(3);
      else r.set(3);
      for (let j = 0; j < 3; j++) r.integer(j);
      return;
    case "map":
      r.map(3);
      for (let j = 0; j < 3; j++) {
        r.integer(j);
        r.bool(j === 1);
      }
      return;
    case "attrib":
      // An attribute isn't a reply on its own: a real one follows (and alone in RESP2).
      if (c.resp >= 3) {
        r.attribute(1);
        r.bulk("key-popularity");
        r.array(2);
        r.bulk("key:123");
        r.integer(90);
      }
      r.bulk("Some real reply following the attribute");
      return;
    case "push":
      if (c.resp < 3) {
        r.error("ERR RESP2 is not supported by this command");
        return;
      }
      r.push(2);
      r.bulk("server-cpu-usage");
      r.integer(42);
      r.bulk("Some real reply following the push reply");
      return;
    case "true":
    case "false":
      r.bool(type === "true");
      return;
    case "verbatim":
      r.verbatim("txt", "This is a verbatim\nstring");
      return;
    default:
      r.error(
        "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
      );
  }
}

/** Listpack bytes of one list entry: encoding header, data, backlen (listpack.c). */
function listpackEntryBytes(len: number): number {
  const enc = len + (len < 64 ? 1 : len < 4096 ? 2 : 5);
  return enc + (enc < 128 ? 1 : enc < 16384 ? 2 : 3);
}

/**
 * DEBUG OBJECT's line, in Redis 7.0's format. There is no object address in Shoal: the address
 * is a placeholder; lru is the key's access time in Redis's 24-bit seconds clock and idle its
 * age (as OBJECT IDLETIME). serializedlength is Redis's rdbSavedObjectLen (the value's RDB
 * encoding, compressed as a save would). A list reports the quicklist Redis would build with its default 8 KB nodes.
 */
function debugObject(v: Value, lru: number, idle: number): string {
  let line = `Value at:0x7f0000000000 refcount:1 encoding:${objectEncoding(v)} serializedlength:${rdbSavedObjectLen(v)} lru:${lru} lru_seconds_idle:${idle}`;
  if (isList(v)) {
    let nodes = 0;
    let node = 0;
    let total = 0;
    for (let i = 0; i < v.length; i++) {
      const e = listpackEntryBytes(v.peekAt(i)!.length);
      if (node === 0 || node + e > 8192) {
        total += node;
        nodes++;
        node = 7; // listpack header (6) and end byte (1)
      }
      node += e;
    }
    total += node;
    const avg = nodes === 0 ? 0 : v.length / nodes;
    line += ` ql_nodes:${nodes} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:${total}`;
  }
  return line;
}

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (debugCommand "reload"): save the snapshot, empty the
 * data, load the snapshot back. NOSAVE loads the file already on disk; NOFLUSH keeps the data
 * and adds the file's keys to it, replacing a key present in both only with MERGE. Where Redis
 * panics on such a duplicate without MERGE, Shoal refuses before changing anything. The file is
 * dump.rdb, written and read as Redis does (persistence.ts).
 */
function debugReload(server: NodeServices, c: Client, a: CommandArgs): void {
  let flush = true;
  let save = true;
  let merge = false;
  for (let j = 2; j < a.argc; j++) {
    if (a.is(j, "merge")) merge = true;
    else if (a.is(j, "noflush")) flush = false;
    else if (a.is(j, "nosave")) save = false;
    else {
      c.reply.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  const p = server.persistence;
  if (!p || !server.store.snapshot) {
    c.reply.error("ERR DEBUG RELOAD needs snapshot support from the keyspace store");
    return;
  }
  server.runAsync(c, async () => {
    if (save) {
      try {
        await p.save();
      } catch (err) {
        server.log.warning(`DEBUG RELOAD: saving failed: ${(err as Error).message}`);
        c.reply.error("ERR");
        return;
      }
    }
    try {
      p.reloadRdb(flush, merge);
    } catch (err) {
      server.log.warning(`DEBUG RELOAD: loading failed: ${(err as Error).message}`);
      c.reply.error(
        err instanceof DuplicateKeyError
          ? `ERR ${err.message}`
          : "ERR Error trying to load the RDB dump, check server logs.",
      );
      return;
    }
    server.log.warning("DB reloaded by DEBUG RELOAD");
    c.reply.ok();
  });
}

/**
 * Redis's memtoull(): digits with an optional unit (b, k, kb, m, mb, g, gb, any case); no sign,
 * no spaces, no fraction. An empty number reads as 0.
 */
function memtoull(s: string): number | undefined {
  const m = /^([0-9]*)(.*)$/s.exec(s) as RegExpExecArray;
  const mul = (
    { "": 1, b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 } as Record<
      string,
      number
    >
  )[(m[2] as string).toLowerCase()];
  if (mul === undefined) return undefined;
  const n = m[1] === "" ? 0 : Number(m[1]);
  return Number.isFinite(n * mul) ? n * mul : undefined;
}

/** C's atoi: leading spaces, a sign, the digits up to the first other byte; 0 when none. */
function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? Number.parseInt(m[0], 10) : 0;
}

/** getLongFromObject: a whole int64 as string2ll reads it. */
function toLong(s: string): number | undefined {
  return /^(-?[1-9][0-9]{0,18}|0)$/.test(s) && BigInt(s) >= -(2n ** 63n) && BigInt(s) < 2n ** 63n
    ? Number(s)
    : undefined;
}

/**
 * DEBUG STRINGMATCH-TEST (stringmatchlen_fuzz_test): random patterns against random strings of up
 * to 31 bytes, only to show the matcher neither throws nor hangs. Redis runs 10 million rounds;
 * 100 thousand keep the event loop's pause well under a second.
 */
function stringmatchFuzz(): void {
  const rand = (n: number) => Math.floor(Math.random() * n);
  const bytes = (n: number) => String.fromCharCode(...Array.from({ length: n }, () => rand(128)));
  for (let i = 0; i < 100_000; i++) globMatch(bytes(rand(32)), bytes(rand(32)));
}

/** The elements of a listpack or quicklist value, for DEBUG LISTPACK/QUICKLIST's stdout dump. */
function debugElements(v: Value): string[] {
  if (isList(v)) return v.toArray().map((b) => b.toString("latin1"));
  if (v instanceof Map) return [...v].flatMap(([f, b]) => [f, b.toString("latin1")]);
  if (v instanceof Set || typeof v === "string" || v instanceof Uint8Array) return [];
  const z = v as { entries(): Iterable<[string, number]> };
  return [...z.entries()].flatMap(([m, s]) => [m, String(s)]);
}

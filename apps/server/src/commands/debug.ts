// DEBUG and its subcommands: debugCommand() (src/debug.c, Redis 7.0), the ones Shoal has.
import {
  cmd,
  datasetDigest,
  type EncodingLimits,
  elementLatin1,
  globMatch,
  isList,
  objectEncoding,
  rdbSavedObjectLen,
  replyHelp,
  type Value,
  valueDigest,
} from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import { DuplicateKeyError } from "../persistence/errors.js";
import type { ServerCommandDef } from "./command-types.js";
import { subcommandSyntaxError } from "./define.js";

/** What DEBUG takes from the node: the data, persistence (RELOAD, LOADAOF), the cron switch. */
export type DebugCommandsHost = Pick<
  NodeServices,
  "store" | "log" | "call" | "persistence" | "runAsync" | "replication" | "pauseCron"
>;

function debugCommand(server: DebugCommandsHost, c: Client, a: CommandArgs): void {
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
    c.reply.simple(datasetDigest(server.store.keyspace));
  } else if (a.is(1, "digest-value") && a.argc >= 2) {
    // No lookup: logically expired keys are digested too, as Redis's dictFind.
    const db = server.store.db(c.db);
    c.reply.array(a.argc - 2);
    for (let j = 2; j < a.argc; j++) c.reply.simple(valueDigest(db, a.latin1(j)));
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
    server.store.keyspace.skipChecksumValidation = atoi(a.latin1(2)) !== 0;
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
    const db = server.store.db(c.db);
    const key = a.latin1(2);
    const v = db.has(key, server.call.now) ? db.dict.get(key) : undefined;
    if (v === undefined) c.reply.error("ERR no such key");
    else if (
      objectEncoding(v, db.keyspace.encodingLimits) !== (listpack ? "listpack" : "quicklist")
    )
      c.reply.error(`ERR Not a ${listpack ? "listpack" : "quicklist"} encoded object.`);
    else {
      // Redis prints its C structure (lpRepr/quicklistRepr); Shoal has none: the elements.
      process.stdout.write(
        `{${listpack ? "listpack" : "quicklist"} ${JSON.stringify(key)}: ${JSON.stringify(debugElements(v))}}\n`,
      );
      c.reply.simple(`${listpack ? "Listpack" : "Quicklist"} structure printed on stdout`);
    }
  } else if (a.is(1, "object") && a.argc === 3) {
    const db = server.store.db(c.db);
    const key = a.latin1(2);
    // Redis reads the dict directly (dictFind): a key past its time that nothing expired yet is
    // still there to describe.
    const v = db.dict.get(key);
    if (v === undefined) c.reply.error("ERR no such key");
    else {
      // Not an access: the key's own access time, as it was.
      const idle = db.idleSeconds(key, server.call.now);
      c.reply.simple(debugObject(v, db.accessRecord(key), idle, db.keyspace.encodingLimits));
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
    // Redis 7.0's lines for the subcommands Shoal has.
    replyHelp(c.reply, "DEBUG", [
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
    ]);
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
function debugObject(
  v: Value,
  lru: number,
  idle: number,
  limits: Readonly<EncodingLimits>,
): string {
  let line = `Value at:0x7f0000000000 refcount:1 encoding:${objectEncoding(v, limits)} serializedlength:${rdbSavedObjectLen(v, true, limits)} lru:${lru} lru_seconds_idle:${idle}`;
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
function debugReload(server: DebugCommandsHost, c: Client, a: CommandArgs): void {
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
  if (!p) {
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
  if (isList(v)) return v.toArray().map(elementLatin1);
  if (v instanceof Map) return [...v].flatMap(([f, b]) => [f, elementLatin1(b)]);
  if (v instanceof Set || typeof v === "string" || v instanceof Uint8Array) return [];
  const z = v as { entries(): Iterable<[string, number]> };
  return [...z.entries()].flatMap(([m, s]) => [m, String(s)]);
}

export function debugCommands(server: DebugCommandsHost): ServerCommandDef[] {
  return [
    cmd(
      "debug",
      -2,
      "admin noscript loading stale protected",
      [0, 0, 0],
      "@admin @slow @dangerous",
      (c, a) => debugCommand(server, c, a),
    ),
  ];
}

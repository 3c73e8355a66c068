// The generic key commands (db.c, expire.c, cluster.c's DUMP/RESTORE and object.c in Redis 7.0):
// deleting, inspecting, expiring, renaming, copying and moving keys, iterating the keyspace,
// flushing and swapping databases, DUMP/RESTORE and OBJECT. Replies, error texts, keyspace events
// and propagation follow Redis: EXPIRE-family commands replicate as PEXPIREAT with an absolute
// time (or DEL when the time has passed), RESTORE with a relative TTL as an ABSTTL one.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { argLong, parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { DumpPayloadError, dumpValue, restoreValue } from "../dump.js";
import { objectEncoding } from "../encoding.js";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../errors.js";
import { globMatch } from "../glob.js";
import type { Database, Keyspace } from "../keyspace.js";
import { parseScanArgs } from "../scan.js";
import { stringRefcount } from "../string-value.js";
import { isStream, isString, typeName, type Value } from "../value.js";
import { cloneValue } from "../value-codec.js";
import { cmd, replyHelp } from "./define.js";

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT32_MAX = 2147483647;
const ERR_SAME_OBJECT = "ERR source and destination objects are the same";
const ERR_DB_RANGE = "ERR DB index is out of range";
const ERR_INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647";

/** checkAlreadyExpired: a past time deletes the key, except on a replica (master decides). */
function alreadyExpired(ks: Keyspace, when: number, now: number): boolean {
  return when <= now && ks.deleteExpired;
}

/**
 * getIntFromObjectOrReply: an int32 argument, or null after replying. With no message of its
 * own, a valid long outside int gets getRangeLongFromObjectOrReply's range text.
 */
function argInt(args: CommandArgs, i: number, reply: ReplyWriter, err?: string): number | null {
  const n = argLong(args, i);
  if (n === null || n < -INT32_MAX - 1 || n > INT32_MAX) {
    reply.error(err ?? (n === null ? ERR_NOT_INTEGER : ERR_INT_RANGE));
    return null;
  }
  return n;
}

/** selectDb's check: a database of this keyspace, or null after replying the range error. */
function targetDb(ks: Keyspace, id: number, reply: ReplyWriter): Database | null {
  const d = ks.dbs[id];
  if (id < 0 || d === undefined) {
    reply.error(ERR_DB_RANGE);
    return null;
  }
  return d;
}

// ---- DEL UNLINK EXISTS TOUCH TYPE ------------------------------------------------------------

function del(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  let n = 0;
  for (let j = 1; j < args.argc; j++) {
    const key = args.latin1(j);
    if (db.lookupWrite(key, ctx.now) === undefined) continue;
    db.delete(key);
    db.signalModified(key);
    db.notify("generic", "del", key);
    n++;
  }
  if (n > 0) {
    ctx.addDirty(n);
    ctx.propagateSelf();
  }
  reply.integer(n);
}

// EXISTS, TYPE and the TTL family look keys up with LOOKUP_NOTOUCH in Redis: asking about a
// key is not an access, so OBJECT IDLETIME keeps counting.
function exists(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let n = 0;
  for (let j = 1; j < args.argc; j++)
    if (ctx.db.lookupRead(args.latin1(j), ctx.now, true) !== undefined) n++;
  reply.integer(n);
}

/** TOUCH: a lookup that is an access, unlike EXISTS's. */
function touch(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let n = 0;
  for (let j = 1; j < args.argc; j++)
    if (ctx.db.lookupRead(args.latin1(j), ctx.now) !== undefined) n++;
  reply.integer(n);
}

function type(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = ctx.db.lookupRead(args.latin1(1), ctx.now, true);
  reply.simple(v === undefined ? "none" : typeName(v));
}

// ---- Expiry ----------------------------------------------------------------------------------

type ExpireUnit = "s" | "ms";

/** expireGenericCommand: EXPIRE, PEXPIRE (basetime now), EXPIREAT, PEXPIREAT (basetime 0). */
function expireGeneric(relative: boolean, unit: ExpireUnit, name: string) {
  return (ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void => {
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    for (let j = 3; j < args.argc; j++) {
      if (args.is(j, "nx")) nx = true;
      else if (args.is(j, "xx")) xx = true;
      else if (args.is(j, "gt")) gt = true;
      else if (args.is(j, "lt")) lt = true;
      else {
        reply.error(`ERR Unsupported option ${args.latin1(j)}`);
        return;
      }
    }
    if (nx && (xx || gt || lt)) {
      reply.error("ERR NX and XX, GT or LT options at the same time are not compatible");
      return;
    }
    if (gt && lt) {
      reply.error("ERR GT and LT options at the same time are not compatible");
      return;
    }
    const raw = parseInt64(args.view(2));
    if (raw === null) {
      reply.error(ERR_NOT_INTEGER);
      return;
    }
    let when = BigInt(raw);
    const errTime = `ERR invalid expire time in '${name}' command`;
    if (unit === "s") {
      if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
        reply.error(errTime);
        return;
      }
      when *= 1000n;
    }
    const base = relative ? BigInt(ctx.now) : 0n;
    if (when > INT64_MAX - base) {
      reply.error(errTime);
      return;
    }
    when += base;
    const db = ctx.db;
    const key = args.latin1(1);
    if (db.lookupWrite(key, ctx.now) === undefined) {
      reply.integer(0);
      return;
    }
    const at = Number(when);
    if (nx || xx || gt || lt) {
      const cur = db.getExpire(key);
      if ((nx && cur !== -1) || (xx && cur === -1)) {
        reply.integer(0);
        return;
      }
      // No TTL counts as an infinite one: GT never beats it, LT always does.
      if (gt && (cur === -1 || at <= cur)) {
        reply.integer(0);
        return;
      }
      if (lt && cur !== -1 && at >= cur) {
        reply.integer(0);
        return;
      }
    }
    if (alreadyExpired(ctx.keyspace, at, ctx.now)) {
      db.delete(key);
      ctx.addDirty(1);
      ctx.propagate(["DEL", key]);
      db.signalModified(key);
      db.notify("generic", "del", key);
      reply.integer(1);
      return;
    }
    db.setExpire(key, at);
    reply.integer(1);
    if (!relative && unit === "ms")
      ctx.propagateSelf(); // PEXPIREAT goes out as sent
    else {
      const argv: (Buffer | string)[] = ["PEXPIREAT", key, String(at)];
      for (let j = 3; j < args.argc; j++) argv.push(args.copy(j));
      ctx.propagate(argv);
    }
    db.signalModified(key);
    db.notify("generic", "expire", key);
    ctx.addDirty(1);
  };
}

/** ttlGenericCommand: TTL, PTTL, EXPIRETIME, PEXPIRETIME. */
function ttlGeneric(ms: boolean, absolute: boolean) {
  return (ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void => {
    const key = args.latin1(1);
    if (ctx.db.lookupRead(key, ctx.now, true) === undefined) {
      reply.integer(-2);
      return;
    }
    const when = ctx.db.getExpire(key);
    if (when === -1) {
      reply.integer(-1);
      return;
    }
    let ttl = absolute ? when : when - ctx.now;
    if (ttl < 0) ttl = 0;
    reply.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
  };
}

function persist(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  if (db.lookupWrite(key, ctx.now) === undefined || !db.persist(key)) {
    reply.integer(0);
    return;
  }
  db.signalModified(key);
  db.notify("generic", "persist", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.integer(1);
}

// ---- RENAME COPY MOVE ------------------------------------------------------------------------

function renameGeneric(nx: boolean) {
  return (ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void => {
    const db = ctx.db;
    const src = args.latin1(1);
    const dst = args.latin1(2);
    const v = db.lookupWrite(src, ctx.now);
    if (v === undefined) {
      reply.error("ERR no such key");
      return;
    }
    if (src === dst) {
      if (nx) reply.integer(0);
      else reply.ok();
      return;
    }
    const when = db.getExpire(src);
    if (db.lookupWrite(dst, ctx.now) !== undefined) {
      if (nx) {
        reply.integer(0);
        return;
      }
      db.delete(dst);
    }
    db.delete(src);
    db.add(dst, v);
    if (when !== -1) db.setExpire(dst, when);
    db.signalModified(src);
    db.signalModified(dst);
    db.notify("generic", "rename_from", src);
    db.notify("generic", "rename_to", dst);
    ctx.addDirty(1);
    ctx.propagateSelf();
    if (nx) reply.integer(1);
    else reply.ok();
  };
}

function copy(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const ks = ctx.keyspace;
  const src = ctx.db;
  let dst = src;
  let replace = false;
  for (let j = 3; j < args.argc; j++) {
    const more = args.argc - j - 1;
    if (args.is(j, "replace")) replace = true;
    else if (args.is(j, "db") && more > 0) {
      const id = argInt(args, j + 1, reply);
      if (id === null) return;
      const d = targetDb(ks, id, reply);
      if (d === null) return;
      dst = d;
      j++;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (ks.clusterMode && (src.index !== 0 || dst.index !== 0)) {
    reply.error("ERR Copying to another database is not allowed in cluster mode");
    return;
  }
  const key = args.latin1(1);
  const newKey = args.latin1(2);
  if (src === dst && key === newKey) {
    reply.error(ERR_SAME_OBJECT);
    return;
  }
  const v = src.lookupRead(key, ctx.now);
  if (v === undefined) {
    reply.integer(0);
    return;
  }
  const when = src.getExpire(key);
  if (dst.lookupWrite(newKey, ctx.now) !== undefined) {
    if (!replace) {
      reply.integer(0);
      return;
    }
    dst.delete(newKey);
  }
  dst.add(newKey, cloneValue(v));
  if (when !== -1) dst.setExpire(newKey, when);
  dst.signalModified(newKey);
  dst.notify("generic", "copy_to", newKey);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.integer(1);
}

function move(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const ks = ctx.keyspace;
  if (ks.clusterMode) {
    reply.error("ERR MOVE is not allowed in cluster mode");
    return;
  }
  const src = ctx.db;
  const id = argInt(args, 2, reply);
  if (id === null) return;
  const dst = targetDb(ks, id, reply);
  if (dst === null) return;
  if (dst === src) {
    reply.error(ERR_SAME_OBJECT);
    return;
  }
  const key = args.latin1(1);
  const v = src.lookupWrite(key, ctx.now);
  if (v === undefined || dst.lookupWrite(key, ctx.now) !== undefined) {
    reply.integer(0);
    return;
  }
  const when = src.getExpire(key);
  dst.add(key, v);
  if (when !== -1) dst.setExpire(key, when);
  src.delete(key);
  src.signalModified(key);
  dst.signalModified(key);
  src.notify("generic", "move_from", key);
  dst.notify("generic", "move_to", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.integer(1);
}

// ---- KEYS SCAN RANDOMKEY DBSIZE --------------------------------------------------------------

function keys(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const pattern = args.latin1(1);
  const all = pattern === "*";
  const out: string[] = [];
  const now = ctx.now;
  const checkTtl = db.expires.size !== 0;
  for (const k of db.dict.keys()) {
    if (!all && !globMatch(pattern, k)) continue;
    if (checkTtl) {
      const when = db.expires.get(k);
      if (when !== undefined && when < now) continue; // keyIsExpired: now > when
    }
    out.push(k);
  }
  reply.array(out.length);
  for (const k of out) reply.bulkLatin1(k);
}

function scan(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const o = parseScanArgs(args, 1, true, reply);
  if (o === null) return;
  const out: string[] = [];
  const next = ctx.db.scan(o.cursor, o.count, ctx.now, (k, v) => {
    if (o.match !== null && !o.match(k)) return;
    if (o.type !== null && typeName(v) !== o.type) return;
    out.push(k);
  });
  reply.array(2);
  reply.bulkLatin1(String(next));
  reply.array(out.length);
  for (const k of out) reply.bulkLatin1(k);
}

function randomkey(ctx: CommandContext, _args: CommandArgs, reply: ReplyWriter): void {
  const k = ctx.db.randomKey(ctx.now);
  if (k === undefined) reply.nullBulk();
  else reply.bulkLatin1(k);
}

function dbsize(ctx: CommandContext, _args: CommandArgs, reply: ReplyWriter): void {
  // As Redis: every key in the dictionary, expired ones included until something deletes them
  // (the active expiry cycle, or a lookup that finds one expired).
  reply.integer(ctx.db.size);
}

// ---- FLUSHDB FLUSHALL SWAPDB -----------------------------------------------------------------

/** getFlushCommandFlags: [ASYNC|SYNC]; true when valid (both flush synchronously here). */
function flushFlags(args: CommandArgs, reply: ReplyWriter): boolean {
  if (args.argc === 1) return true;
  if (args.argc === 2 && (args.is(1, "sync") || args.is(1, "async"))) return true;
  reply.error(ERR_SYNTAX);
  return false;
}

function flushdb(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  if (!flushFlags(args, reply)) return;
  const db = ctx.db;
  // signalFlushedDb runs while the keys are still there.
  ctx.keyspace.hooks.dbFlushed?.(db.index, (_i, k) => db.dict.has(k));
  const n = db.clear();
  ctx.addDirty(n);
  ctx.propagateSelf();
  reply.ok();
}

function flushall(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  if (!flushFlags(args, reply)) return;
  const n = ctx.keyspace.flushAll();
  // Redis adds one more so that a FLUSHALL with an empty dataset still counts as a change.
  ctx.addDirty(n + 1);
  ctx.propagateSelf();
  reply.ok();
}

function swapdb(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const ks = ctx.keyspace;
  if (ks.clusterMode) {
    reply.error("ERR SWAPDB is not allowed in cluster mode");
    return;
  }
  const a = argInt(args, 1, reply, "ERR invalid first DB index");
  if (a === null) return;
  const b = argInt(args, 2, reply, "ERR invalid second DB index");
  if (b === null) return;
  if (a < 0 || b < 0 || a >= ks.dbs.length || b >= ks.dbs.length) {
    reply.error(ERR_DB_RANGE);
    return;
  }
  ks.swapDbs(a, b);
  // WATCHed keys of both databases are now stale (touchAllWatchedKeysInDb(db1, db2): a key in
  // either), and blocked clients may have data.
  const inEither = (_i: number, k: string) => ks.db(a).dict.has(k) || ks.db(b).dict.has(k);
  ks.hooks.dbFlushed?.(a, inEither, true);
  if (b !== a) ks.hooks.dbFlushed?.(b, inEither, true);
  ks.hooks.dbSwapped?.(a, b);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.ok();
}

// ---- DUMP RESTORE ------------------------------------------------------------------------------

function dump(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = ctx.db.lookupRead(args.latin1(1), ctx.now);
  if (v === undefined) reply.nullBulk();
  else reply.bulk(dumpValue(v, true, ctx.keyspace.encodingLimits));
}

function isEmptyCollection(v: Value): boolean {
  // A stream may be empty and still carry its last ID and groups: Redis restores it.
  if (isString(v) || isStream(v)) return false;
  const n = (v as { size?: unknown }).size ?? (v as { length?: unknown }).length;
  return n === 0;
}

function restore(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < args.argc; j++) {
    const more = args.argc - j - 1;
    if (args.is(j, "replace")) replace = true;
    else if (args.is(j, "absttl")) absttl = true;
    else if (args.is(j, "idletime") && more >= 1 && freq === -1) {
      const n = argLong(args, j + 1);
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      if (n < 0) {
        reply.error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
      idle = n;
      j++;
    } else if (args.is(j, "freq") && more >= 1 && idle === -1) {
      const n = argLong(args, j + 1);
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      if (n < 0 || n > 255) {
        reply.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
      freq = n;
      j++;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  const db = ctx.db;
  const key = args.latin1(1);
  if (!replace && db.lookupWrite(key, ctx.now) !== undefined) {
    reply.error("BUSYKEY Target key name already exists.");
    return;
  }
  const ttlArg = parseInt64(args.view(2));
  if (ttlArg === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (ttlArg < 0) {
    reply.error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  const v = restoreValue(
    args.view(3),
    ctx.keyspace.skipChecksumValidation,
    ctx.keyspace.encodingLimits,
  );
  if (v instanceof DumpPayloadError) {
    reply.error(v.message);
    return;
  }
  if (isEmptyCollection(v)) {
    reply.error("ERR Bad data format");
    return;
  }
  const deleted = replace && db.lookupWrite(key, ctx.now) !== undefined && db.delete(key);
  // `ttl += mstime()` on a long long: past LLONG_MAX it wraps negative, so RESTORE k
  // 9223372036854775807 ... finds the key already expired (deleted with REPLACE, reply OK).
  let ttlB = BigInt(ttlArg);
  if (ttlB !== 0n && !absttl) ttlB += BigInt(Math.floor(ctx.now));
  if (ttlB > INT64_MAX) ttlB -= 2n ** 64n;
  const ttl = Number(ttlB);
  if (ttl !== 0 && alreadyExpired(ctx.keyspace, ttl, ctx.now)) {
    if (deleted) {
      ctx.propagate(["DEL", key]);
      db.signalModified(key);
      db.notify("generic", "del", key);
      ctx.addDirty(1);
    }
    reply.ok();
    return;
  }
  db.add(key, v);
  db.setAccess(key, idle, freq, ctx.now);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!absttl) {
      const argv: (Buffer | string)[] = [];
      for (let j = 0; j < args.argc; j++) argv.push(j === 2 ? String(ttl) : args.copy(j));
      argv.push("ABSTTL");
      ctx.propagate(argv);
    } else ctx.propagateSelf();
  } else ctx.propagateSelf();
  db.signalModified(key);
  db.notify("generic", "restore", key);
  ctx.addDirty(1);
  reply.ok();
}

// ---- OBJECT ----------------------------------------------------------------------------------

const OBJECT_HELP = [
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
];

/** objectCommandLookup: no hit/miss accounting, no keymiss event; null bulk when missing. */
function objectLookup(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
): Value | undefined {
  const v = ctx.db.has(args.latin1(2), ctx.now) ? ctx.db.dict.get(args.latin1(2)) : undefined;
  if (v === undefined) reply.nullBulk();
  return v;
}

function objectEncodingCmd(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = objectLookup(ctx, args, reply);
  if (v !== undefined) reply.bulk(objectEncoding(v, ctx.keyspace.encodingLimits));
}

function objectRefcount(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = objectLookup(ctx, args, reply);
  if (v !== undefined) reply.integer(isString(v) ? stringRefcount(v) : 1);
}

const LFU_ERR =
  "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
const LRU_ERR =
  "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

function objectIdletime(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = objectLookup(ctx, args, reply);
  if (v === undefined) return;
  if (ctx.keyspace.lfu) reply.error(LRU_ERR);
  else reply.integer(ctx.db.idleSeconds(args.latin1(2), ctx.now));
}

function objectFreq(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = objectLookup(ctx, args, reply);
  if (v === undefined) return;
  if (!ctx.keyspace.lfu) reply.error(LFU_ERR);
  else reply.integer(ctx.db.lfuFrequency(args.latin1(2), ctx.now));
}

function objectHelp(_ctx: CommandContext, _args: CommandArgs, reply: ReplyWriter): void {
  replyHelp(reply, "OBJECT", OBJECT_HELP);
}

// ---- MEMORY USAGE ----------------------------------------------------------------------------

function memoryUsage(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let samples = 5;
  for (let j = 3; j < args.argc; j++) {
    if (args.is(j, "samples") && j + 1 < args.argc) {
      const n = parseInt64(args.view(j + 1));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      if (n < 0) {
        reply.error(ERR_SYNTAX);
        return;
      }
      samples = n === 0 ? 0 : Number(n);
      j++;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  // dbFind: no expiry check, as Redis's MEMORY USAGE.
  const bytes = ctx.db.memoryUsage(args.latin1(2), samples);
  if (bytes === undefined) reply.nullBulk();
  else reply.integer(bytes);
}

const MEMORY_HELP = [
  "DOCTOR",
  "    Return memory problems reports.",
  "MALLOC-STATS",
  "    Return internal statistics report from the memory allocator.",
  "PURGE",
  "    Attempt to purge dirty pages for reclamation by the allocator.",
  "STATS",
  "    Return information about the memory usage of the server.",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value. Nested values are",
  "    sampled up to <count> times (default: 5, 0 means sample all).",
];

function memoryHelp(_ctx: CommandContext, _args: CommandArgs, reply: ReplyWriter): void {
  replyHelp(reply, "MEMORY", MEMORY_HELP);
}

const objectSub = (name: string, handler: CommandSpec["handler"]): CommandSpec =>
  cmd(`object|${name}`, 3, "readonly", [2, 2, 1], "@keyspace @read @slow", handler);

const KW = "@keyspace @write";
const KR = "@keyspace @read";

export const keyCommands: CommandSpec[] = [
  cmd("del", -2, "write", [1, -1, 1], `${KW} @slow`, del),
  cmd("unlink", -2, "write fast", [1, -1, 1], `${KW} @fast`, del),
  cmd("exists", -2, "readonly fast", [1, -1, 1], `${KR} @fast`, exists),
  cmd("touch", -2, "readonly fast", [1, -1, 1], `${KR} @fast`, touch),
  cmd("type", 2, "readonly fast", [1, 1, 1], `${KR} @fast`, type),
  cmd("expire", -3, "write fast", [1, 1, 1], `${KW} @fast`, expireGeneric(true, "s", "expire")),
  cmd("pexpire", -3, "write fast", [1, 1, 1], `${KW} @fast`, expireGeneric(true, "ms", "pexpire")),
  cmd(
    "expireat",
    -3,
    "write fast",
    [1, 1, 1],
    `${KW} @fast`,
    expireGeneric(false, "s", "expireat"),
  ),
  cmd(
    "pexpireat",
    -3,
    "write fast",
    [1, 1, 1],
    `${KW} @fast`,
    expireGeneric(false, "ms", "pexpireat"),
  ),
  cmd("ttl", 2, "readonly fast", [1, 1, 1], `${KR} @fast`, ttlGeneric(false, false)),
  cmd("pttl", 2, "readonly fast", [1, 1, 1], `${KR} @fast`, ttlGeneric(true, false)),
  cmd("expiretime", 2, "readonly fast", [1, 1, 1], `${KR} @fast`, ttlGeneric(false, true)),
  cmd("pexpiretime", 2, "readonly fast", [1, 1, 1], `${KR} @fast`, ttlGeneric(true, true)),
  cmd("persist", 2, "write fast", [1, 1, 1], `${KW} @fast`, persist),
  cmd("rename", 3, "write", [1, 2, 1], `${KW} @slow`, renameGeneric(false)),
  cmd("renamenx", 3, "write fast", [1, 2, 1], `${KW} @fast`, renameGeneric(true)),
  cmd("copy", -3, "write denyoom", [1, 2, 1], `${KW} @slow`, copy),
  cmd("move", 3, "write fast", [1, 1, 1], `${KW} @fast`, move),
  cmd("keys", 2, "readonly", [0, 0, 0], `${KR} @slow @dangerous`, keys),
  cmd("scan", -2, "readonly", [0, 0, 0], `${KR} @slow`, scan),
  cmd("randomkey", 1, "readonly", [0, 0, 0], `${KR} @slow`, randomkey),
  cmd("dbsize", 1, "readonly fast", [0, 0, 0], `${KR} @fast`, dbsize),
  cmd("flushdb", -1, "write", [0, 0, 0], `${KW} @slow @dangerous`, flushdb),
  cmd("flushall", -1, "write", [0, 0, 0], `${KW} @slow @dangerous`, flushall),
  cmd("swapdb", 3, "write fast", [0, 0, 0], `${KW} @fast @dangerous`, swapdb),
  cmd("dump", 2, "readonly", [1, 1, 1], `${KR} @slow`, dump),
  cmd("restore", -4, "write denyoom", [1, 1, 1], `${KW} @slow @dangerous`, restore),
  // What MIGRATE sends in cluster mode: RESTORE with the "asking" flag, so a node importing the
  // slot accepts it without a preceding ASKING. Propagated under its own name, as in Redis.
  cmd("restore-asking", -4, "write denyoom asking", [1, 1, 1], `${KW} @slow @dangerous`, restore),
  cmd("object", -2, "", [0, 0, 0], "@slow", undefined, {
    subcommands: [
      cmd("object|help", 2, "loading stale", [0, 0, 0], "@keyspace @slow", objectHelp),
      objectSub("freq", objectFreq),
      objectSub("encoding", objectEncodingCmd),
      objectSub("idletime", objectIdletime),
      objectSub("refcount", objectRefcount),
    ],
  }),
  // MEMORY's data-side subcommands; DOCTOR, STATS, MALLOC-STATS and PURGE are the server's.
  cmd("memory", -2, "", [0, 0, 0], "@slow", undefined, {
    subcommands: [
      cmd("memory|usage", -3, "readonly", [2, 2, 1], "@read @slow", memoryUsage),
      cmd("memory|help", 2, "loading stale", [0, 0, 0], "@slow", memoryHelp),
    ],
  }),
];

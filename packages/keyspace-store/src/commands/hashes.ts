// The hash commands (t_hash.c in Redis 7.0): HSET HSETNX HGET HMSET HMGET HDEL HEXISTS HLEN
// HSTRLEN HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
// A hash is a Map from field (latin1) to a value shaped as a list element is (a latin1 string up
// to 128 bytes, an owned Buffer beyond: types/list.ts). Insertion order is kept, which is
// also the order Redis's listpack encoding replies in for small hashes. An emptied hash is
// deleted; writes propagate only when they changed something (Redis propagates on server.dirty).
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { noteHashSet, objectEncoding } from "../encoding.js";
import {
  ERR_INVALID_CURSOR,
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OVERFLOW,
  ERR_SYNTAX,
  errArity,
} from "../errors.js";
import { addLongDouble, formatLongDouble, parseLongDouble } from "../long-double.js";
import { parseScanCursor, parseScanOptions, scanContainer } from "../scan.js";
import { parseInt64Latin1 } from "../string-value.js";
import {
  forEachRandomKey,
  noteAdded,
  noteRemoved,
  randomDistinctKeys,
  randomKey,
} from "../types/hash-set-random.js";
import { elementFromArg, elementFromLatin1, elementLatin1, replyElement } from "../types/list.js";
import { type HashValue, isHash, type ListElement, WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";

const ERR_HASH_NOT_INTEGER = "ERR hash value is not an integer";
const ERR_HASH_NOT_FLOAT = "ERR hash value is not a float";
const ERR_NAN_OR_INF = "ERR value is NaN or Infinity";
const ERR_INCR_NAN_OR_INF = "ERR increment would produce NaN or Infinity";
const ERR_OUT_OF_RANGE = "ERR value is out of range";
/** getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): LONG_MIN can't be negated into a count. */
const ERR_RANDFIELD_RANGE =
  "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** HRANDFIELD WITHVALUES refuses counts whose doubled reply length would overflow a long. */
const HALF_LONG_MAX = 2n ** 62n - 1n;

// ---- Lookups --------------------------------------------------------------------------------

/** The hash at `key` for a read: undefined when missing, null after replying WRONGTYPE. */
function readHash(ctx: CommandContext, key: string, w: ReplyWriter): HashValue | undefined | null {
  const v = ctx.db.lookupRead(key, ctx.now);
  if (v === undefined) return undefined;
  if (!isHash(v)) {
    w.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** hashTypeLookupWriteOrCreate: the hash at `key`, created empty when missing; null after WRONGTYPE. */
function writeHashOrCreate(ctx: CommandContext, key: string, w: ReplyWriter): HashValue | null {
  const v = ctx.db.lookupWrite(key, ctx.now);
  if (v === undefined) {
    const h: HashValue = new Map();
    ctx.db.add(key, h);
    return h;
  }
  if (!isHash(v)) {
    w.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** After a write that emptied the hash: Redis never keeps empty aggregates. */
function deleteIfEmpty(ctx: CommandContext, key: string, h: HashValue): boolean {
  if (h.size !== 0) return false;
  ctx.db.delete(key);
  return true;
}

// ---- Writes ---------------------------------------------------------------------------------

function hsetGeneric(ctx: CommandContext, args: CommandArgs, w: ReplyWriter, hset: boolean): void {
  if (args.argc % 2 === 1) {
    w.error(errArity(hset ? "hset" : "hmset"));
    return;
  }
  const key = args.latin1(1);
  const h = writeHashOrCreate(ctx, key, w);
  if (h === null) return;
  const before = h.size;
  for (let i = 2; i < args.argc; i += 2) {
    const n = h.size;
    const field = args.latin1(i);
    h.set(field, elementFromArg(args, i + 1));
    if (h.size !== n) noteAdded(h, field);
    noteHashSet(h, field, args.len(i + 1), ctx.keyspace.encodingLimits);
  }
  if (hset) w.integer(h.size - before);
  else w.ok();
  ctx.db.signalModified(key);
  ctx.db.notify("hash", "hset", key);
  ctx.addDirty((args.argc - 2) / 2);
  ctx.propagateSelf();
}

function hsetnx(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const key = args.latin1(1);
  const h = writeHashOrCreate(ctx, key, w);
  if (h === null) return;
  const field = args.latin1(2);
  if (h.has(field)) {
    w.integer(0);
    return;
  }
  h.set(field, elementFromArg(args, 3));
  noteHashSet(h, field, args.len(3), ctx.keyspace.encodingLimits);
  noteAdded(h, field);
  w.integer(1);
  ctx.db.signalModified(key);
  ctx.db.notify("hash", "hset", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
}

function hdel(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const key = args.latin1(1);
  const v = ctx.db.lookupWrite(key, ctx.now);
  if (v === undefined) {
    w.integer(0);
    return;
  }
  if (!isHash(v)) {
    w.error(WRONGTYPE);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < args.argc; i++) {
    if (v.delete(args.latin1(i))) {
      deleted++;
      if (deleteIfEmpty(ctx, key, v)) {
        removed = true;
        break;
      }
    }
  }
  w.integer(deleted);
  if (deleted === 0) return;
  noteRemoved(v);
  ctx.db.signalModified(key);
  ctx.db.notify("hash", "hdel", key);
  if (removed) ctx.db.notify("generic", "del", key);
  ctx.addDirty(deleted);
  ctx.propagateSelf();
}

function hincrby(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const incr = parseInt64(args.view(3));
  if (incr === null) {
    w.error(ERR_NOT_INTEGER);
    return;
  }
  const key = args.latin1(1);
  const h = writeHashOrCreate(ctx, key, w);
  if (h === null) return;
  const field = args.latin1(2);
  const cur = h.get(field);
  let old: number | bigint = 0;
  if (cur !== undefined) {
    const p = typeof cur === "string" ? parseInt64Latin1(cur) : parseInt64(cur);
    if (p === null) {
      w.error(ERR_HASH_NOT_INTEGER);
      return;
    }
    old = p;
  }
  let result: number | bigint;
  // parseInt64 returns numbers only below 1e15, so a number + number sum is exact.
  if (typeof old === "number" && typeof incr === "number") result = old + incr;
  else {
    const r = BigInt(old) + BigInt(incr);
    if (r > INT64_MAX || r < INT64_MIN) {
      w.error(ERR_OVERFLOW);
      return;
    }
    result = r;
  }
  h.set(field, String(result)); // at most 20 digits: always the string shape
  if (cur === undefined) noteAdded(h, field);
  noteHashSet(h, field, 0, ctx.keyspace.encodingLimits);
  w.integer(result);
  ctx.db.signalModified(key);
  ctx.db.notify("hash", "hincrby", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
}

function hincrbyfloat(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const incr = parseLongDouble(args.latin1(3));
  if (incr === null) {
    w.error(ERR_NOT_FLOAT);
    return;
  }
  if (incr === "inf" || incr === "-inf") {
    w.error(ERR_NAN_OR_INF);
    return;
  }
  const key = args.latin1(1);
  const h = writeHashOrCreate(ctx, key, w);
  if (h === null) return;
  const field = args.latin1(2);
  const cur = h.get(field);
  let sum: ReturnType<typeof addLongDouble> | "-inf" = incr;
  if (cur !== undefined) {
    const old = parseLongDouble(elementLatin1(cur));
    if (old === null) {
      w.error(ERR_HASH_NOT_FLOAT);
      return;
    }
    sum = typeof old === "string" ? old : addLongDouble(old, incr);
  }
  if (typeof sum === "string") {
    w.error(ERR_INCR_NAN_OR_INF);
    return;
  }
  const text = formatLongDouble(sum);
  h.set(field, elementFromLatin1(text));
  if (cur === undefined) noteAdded(h, field);
  noteHashSet(h, field, text.length, ctx.keyspace.encodingLimits);
  w.bulkLatin1(text);
  ctx.db.signalModified(key);
  ctx.db.notify("hash", "hincrbyfloat", key);
  ctx.addDirty(1);
  ctx.propagate(["HSET", args.copy(1), args.copy(2), Buffer.from(text, "latin1")]);
}

// ---- Reads ----------------------------------------------------------------------------------

function hget(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h === null) return;
  const v = h?.get(args.latin1(2));
  if (v === undefined) w.nullBulk();
  else replyElement(w, v);
}

function hmget(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h === null) return;
  w.array(args.argc - 2);
  for (let i = 2; i < args.argc; i++) {
    const v = h?.get(args.latin1(i));
    if (v === undefined) w.nullBulk();
    else replyElement(w, v);
  }
}

function hlen(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h !== null) w.integer(h?.size ?? 0);
}

function hstrlen(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h !== null) w.integer(h?.get(args.latin1(2))?.length ?? 0);
}

function hexists(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h !== null) w.integer(h?.has(args.latin1(2)) ? 1 : 0);
}

function hgetall(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h === null) return;
  if (h === undefined) {
    w.map(0);
    return;
  }
  w.map(h.size);
  for (const [f, v] of h) {
    w.bulkLatin1(f);
    replyElement(w, v);
  }
}

function hkeys(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h === null) return;
  if (h === undefined) {
    w.array(0);
    return;
  }
  w.array(h.size);
  for (const f of h.keys()) w.bulkLatin1(f);
}

function hvals(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const h = readHash(ctx, args.latin1(1), w);
  if (h === null) return;
  if (h === undefined) {
    w.array(0);
    return;
  }
  w.array(h.size);
  for (const v of h.values()) replyElement(w, v);
}

/** One HRANDFIELD element: RESP3 nests field/value pairs, RESP2 flattens them. */
function replyFieldValue(w: ReplyWriter, f: string, v: ListElement, withValues: boolean): void {
  if (withValues && w.resp === 3) w.array(2);
  w.bulkLatin1(f);
  if (withValues) replyElement(w, v);
}

function hrandfield(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  if (args.argc === 2) {
    const h = readHash(ctx, args.latin1(1), w);
    if (h === null) return;
    if (h === undefined) {
      w.nullBulk();
      return;
    }
    w.bulkLatin1(randomKey(h, ctx.keyspace.random));
    return;
  }
  const l = parseInt64(args.view(2));
  if (l === null) {
    w.error(ERR_NOT_INTEGER);
    return;
  }
  if (l === INT64_MIN) {
    w.error(ERR_RANDFIELD_RANGE);
    return;
  }
  if (args.argc > 4 || (args.argc === 4 && !args.is(3, "withvalues"))) {
    w.error(ERR_SYNTAX);
    return;
  }
  const withValues = args.argc === 4;
  if (withValues && (l < -HALF_LONG_MAX || l > HALF_LONG_MAX)) {
    w.error(ERR_OUT_OF_RANGE);
    return;
  }
  const h = readHash(ctx, args.latin1(1), w);
  if (h === null) return;
  if (h === undefined || l === 0) {
    w.array(0);
    return;
  }
  const unique = l > 0;
  const count = unique ? Number(l) : -Number(l);
  const size = h.size;
  const flat = withValues && w.resp === 2;
  if (!unique || count === 1) {
    // Repetition allowed: independent picks, in random order.
    w.array(flat ? count * 2 : count);
    forEachRandomKey(h, count, ctx.keyspace.random, (f) =>
      replyFieldValue(w, f, h.get(f) as ListElement, withValues),
    );
    return;
  }
  if (count >= size) {
    w.array(flat ? size * 2 : size);
    for (const [f, v] of h) replyFieldValue(w, f, v, withValues);
    return;
  }
  const picked = randomDistinctKeys(h, count, ctx.keyspace.random);
  w.array(flat ? count * 2 : count);
  for (const f of picked) replyFieldValue(w, f, h.get(f) as ListElement, withValues);
}

function hscan(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  // As hscanCommand: cursor first, then the key, and only then the options. A hash Redis would
  // hold as a listpack is returned whole with cursor 0, as Redis does.
  const cursor = parseScanCursor(args.latin1(2));
  if (cursor === null) {
    w.error(ERR_INVALID_CURSOR);
    return;
  }
  const h = readHash(ctx, args.latin1(1), w);
  if (h === null) return;
  if (h === undefined) {
    w.array(2);
    w.bulkLatin1("0");
    w.array(0);
    return;
  }
  const opts = parseScanOptions(args, 3, false, cursor, w);
  if (opts === null) return;
  const fields: string[] = [];
  const values: ListElement[] = [];
  const match = opts.match;
  const next = scanContainer(
    h,
    cursor,
    opts.count,
    objectEncoding(h, ctx.keyspace.encodingLimits) === "listpack",
    (f, v) => {
      if (match !== null && !match(f)) return;
      fields.push(f);
      values.push(v as ListElement);
    },
  );
  w.array(2);
  w.bulkLatin1(String(next));
  w.array(fields.length * 2);
  for (let i = 0; i < fields.length; i++) {
    w.bulkLatin1(fields[i] as string);
    replyElement(w, values[i] as ListElement);
  }
}

// ---- Table ----------------------------------------------------------------------------------

const W_FAST = "write denyoom fast";
const ACL_W = "@write @hash @fast";
const ACL_R_FAST = "@read @hash @fast";
const ACL_R_SLOW = "@read @hash @slow";
const K1: [number, number, number] = [1, 1, 1];

export const hashCommands: CommandSpec[] = [
  cmd("hset", -4, W_FAST, K1, ACL_W, (c, a, w) => hsetGeneric(c, a, w, true)),
  cmd("hsetnx", 4, W_FAST, K1, ACL_W, hsetnx),
  cmd("hget", 3, "readonly fast", K1, ACL_R_FAST, hget),
  cmd("hmset", -4, W_FAST, K1, ACL_W, (c, a, w) => hsetGeneric(c, a, w, false)),
  cmd("hmget", -3, "readonly fast", K1, ACL_R_FAST, hmget),
  cmd("hdel", -3, "write fast", K1, ACL_W, hdel),
  cmd("hexists", 3, "readonly fast", K1, ACL_R_FAST, hexists),
  cmd("hlen", 2, "readonly fast", K1, ACL_R_FAST, hlen),
  cmd("hstrlen", 3, "readonly fast", K1, ACL_R_FAST, hstrlen),
  cmd("hgetall", 2, "readonly", K1, ACL_R_SLOW, hgetall),
  cmd("hkeys", 2, "readonly", K1, ACL_R_SLOW, hkeys),
  cmd("hvals", 2, "readonly", K1, ACL_R_SLOW, hvals),
  cmd("hincrby", 4, W_FAST, K1, ACL_W, hincrby),
  cmd("hincrbyfloat", 4, W_FAST, K1, ACL_W, hincrbyfloat),
  cmd("hrandfield", -2, "readonly", K1, ACL_R_SLOW, hrandfield),
  cmd("hscan", -3, "readonly", K1, ACL_R_SLOW, hscan),
];

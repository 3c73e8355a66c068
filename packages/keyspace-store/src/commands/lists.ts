// The list commands, exact to Redis 7.0's t_list.c: pushes and pops at both ends (with COUNT),
// index and range reads, LSET/LINSERT/LREM/LTRIM/LPOS, moves between lists, LMPOP, and the
// blocking forms. A list is a Denque of elements (latin1 strings, or owned Buffers when long:
// types/list.ts); an emptied list is deleted at once, so a list key never holds an empty list.
//
// Blocking: when nothing can be popped and the client may block, a handler calls ctx.block()
// and replies nothing; the server re-runs the very same command when one of the keys is signalled
// ready (db.add signals it whenever a list key is created). Handlers are therefore re-entrant:
// all state is in the arguments and the keyspace. Inside MULTI (ctx.canBlock false) they reply as
// a timeout would. A blocking pop that is served propagates as its non-blocking form (BLPOP ->
// LPOP key, BLMOVE -> LMOVE ..., BLMPOP -> LPOP key count), as Redis 7.0 does.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { argInt64, argLong } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import {
  ERR_INDEX_OUT_OF_RANGE,
  ERR_MUST_BE_POSITIVE,
  ERR_NO_SUCH_KEY,
  ERR_NOT_INTEGER,
  ERR_NUMKEYS_ZERO,
  ERR_SYNTAX,
  errArity,
  WRONGTYPE,
} from "../errors.js";
import type { Database } from "../keyspace.js";
import {
  elementEquals,
  elementFromArg,
  listIndexOf,
  listInsertAt,
  listRemove,
  listSetAt,
  listTrim,
  replyElement,
} from "../types/list.js";
import { parseTimeoutMs } from "../types/list-timeout.js";
import { Denque, isList, type ListElement, type ListValue } from "../value.js";
import { cmd } from "./define.js";

const ERR_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const ERR_COUNT_NEGATIVE = "ERR COUNT can't be negative";
const ERR_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
const ERR_COUNT_ZERO = "ERR count should be greater than 0";
const INT64_MIN = -(2n ** 63n);

// ---- Shared steps (Redis's listTypePush/listElementsRemoved and friends) ----------------------

/**
 * Creates an empty list under `key` (which must be absent). db.add signals the key ready (Redis's
 * dbAdd), which is what wakes clients blocked on it: a list key only exists when non-empty, so
 * creation is the only moment a blocked client can become servable.
 */
function createList(db: Database, key: string): ListValue {
  const list: ListValue = new Denque<ListElement>();
  db.add(key, list);
  return list;
}

/**
 * After elements left `list` at one end: notify, delete the key if the list is now empty, signal
 * WATCH and count the change (Redis's listElementsRemoved).
 */
function elementsRemoved(
  ctx: CommandContext,
  key: string,
  list: ListValue,
  head: boolean,
  count: number,
): void {
  const db = ctx.db;
  db.notify("list", head ? "lpop" : "rpop", key);
  if (list.length === 0) {
    db.delete(key);
    db.notify("generic", "del", key);
  }
  db.signalModified(key);
  ctx.addDirty(count);
}

/** `LEFT` -> true (head), `RIGHT` -> false (tail), anything else -> null. */
function parseWhere(args: CommandArgs, i: number): boolean | null {
  if (args.is(i, "left")) return true;
  if (args.is(i, "right")) return false;
  return null;
}

/** Writes `n` elements popped from one end of `list` as an array (RPOP's go tail first). */
function replyPopped(reply: ReplyWriter, list: ListValue, head: boolean, n: number): void {
  reply.array(n);
  if (head) for (let k = 0; k < n; k++) replyElement(reply, list.shift() as ListElement);
  else for (let k = 0; k < n; k++) replyElement(reply, list.pop() as ListElement);
}

/** Keys of a blocking command, once each, in order (Redis's blockForKeys skips repeats). */
function blockKeys(args: CommandArgs, first: number, last: number): string[] {
  const keys: string[] = [];
  for (let i = first; i <= last; i++) {
    const k = args.latin1(i);
    if (!keys.includes(k)) keys.push(k);
  }
  return keys;
}

// ---- LPUSH RPUSH LPUSHX RPUSHX ----------------------------------------------------------------

function push(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  head: boolean,
  onlyExisting: boolean,
): void {
  const db = ctx.db;
  const key = args.latin1(1);
  let list = db.lookupWrite(key, ctx.now);
  if (list === undefined) {
    if (onlyExisting) {
      reply.integer(0);
      return;
    }
    list = createList(db, key);
  } else if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  const argc = args.argc;
  if (head) for (let i = 2; i < argc; i++) list.unshift(elementFromArg(args, i));
  else for (let i = 2; i < argc; i++) list.push(elementFromArg(args, i));
  reply.integer(list.length);
  db.signalModified(key);
  db.notify("list", head ? "lpush" : "rpush", key);
  ctx.addDirty(argc - 2);
  ctx.propagateSelf();
}

// ---- LPOP RPOP --------------------------------------------------------------------------------

function pop(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter, head: boolean): void {
  const argc = args.argc;
  if (argc > 3) {
    reply.error(errArity(head ? "lpop" : "rpop"));
    return;
  }
  const hasCount = argc === 3;
  let count = 0;
  if (hasCount) {
    const n = argLong(args, 2);
    if (n === null || n < 0) {
      reply.error(ERR_MUST_BE_POSITIVE);
      return;
    }
    count = n;
  }
  const key = args.latin1(1);
  const list = ctx.db.lookupWrite(key, ctx.now);
  if (list === undefined) {
    if (hasCount) reply.nullArray();
    else reply.nullBulk();
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  if (!hasCount) {
    replyElement(reply, (head ? list.shift() : list.pop()) as ListElement);
    elementsRemoved(ctx, key, list, head, 1);
  } else {
    if (count === 0) {
      reply.array(0);
      return;
    }
    const n = Math.min(count, list.length);
    replyPopped(reply, list, head, n);
    elementsRemoved(ctx, key, list, head, n);
  }
  ctx.propagateSelf();
}

// ---- Reads: LLEN LRANGE LINDEX LPOS -----------------------------------------------------------

function llen(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const list = ctx.db.lookupRead(args.latin1(1), ctx.now);
  if (list === undefined) {
    reply.integer(0);
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  reply.integer(list.length);
}

function lrange(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let start = argLong(args, 2);
  let end = argLong(args, 3);
  if (start === null || end === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  const list = ctx.db.lookupRead(args.latin1(1), ctx.now);
  if (list === undefined) {
    reply.array(0);
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) {
    reply.array(0);
    return;
  }
  if (end >= len) end = len - 1;
  reply.array(end - start + 1);
  for (let i = start; i <= end; i++) replyElement(reply, list.peekAt(i) as ListElement);
}

function lindex(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const list = ctx.db.lookupRead(args.latin1(1), ctx.now);
  if (list === undefined) {
    reply.nullBulk();
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  let index = argLong(args, 2);
  if (index === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  const len = list.length;
  if (index < 0) index += len;
  if (index < 0 || index >= len) {
    reply.nullBulk();
    return;
  }
  replyElement(reply, list.peekAt(index) as ListElement);
}

function lpos(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let head = false; // scan direction: from the tail towards the head when true
  let rank = 1;
  let count = -1; // -1: no COUNT option
  let maxlen = 0;
  let unlimited = false; // RANK LONG_MIN: Redis's negation overflows and COUNT stops counting
  const argc = args.argc;
  for (let j = 3; j < argc; j++) {
    const more = j < argc - 1;
    if (more && args.is(j, "rank")) {
      j++;
      const r = argInt64(args, j);
      if (r === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      if (r === 0n) {
        reply.error(ERR_RANK_ZERO);
        return;
      }
      if (r === INT64_MIN) {
        unlimited = true;
        rank = -1;
      } else rank = Number(r);
    } else if (more && args.is(j, "count")) {
      j++;
      const c = argLong(args, j);
      if (c === null || c < 0) {
        reply.error(ERR_COUNT_NEGATIVE);
        return;
      }
      count = c;
    } else if (more && args.is(j, "maxlen")) {
      j++;
      const m = argLong(args, j);
      if (m === null || m < 0) {
        reply.error(ERR_MAXLEN_NEGATIVE);
        return;
      }
      maxlen = m;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (rank < 0) {
    rank = -rank;
    head = true;
  }
  const list = ctx.db.lookupRead(args.latin1(1), ctx.now);
  if (list === undefined) {
    if (count !== -1) reply.array(0);
    else reply.nullBulk();
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }

  const ele = elementFromArg(args, 2);
  const len = list.length;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  const found: number[] | null = count !== -1 ? [] : null;
  let matches = 0;
  for (let k = 0; k < limit; k++) {
    const i = head ? len - 1 - k : k;
    if (!elementEquals(list.peekAt(i) as ListElement, ele)) continue;
    matches++;
    if (matches < rank) continue;
    if (found === null) {
      reply.integer(i);
      return;
    }
    found.push(i);
    if (count !== 0 && !unlimited && matches - rank + 1 >= count) break;
  }
  if (found === null) {
    reply.nullBulk();
    return;
  }
  reply.array(found.length);
  for (const i of found) reply.integer(i);
}

// ---- In-place writes: LSET LINSERT LREM LTRIM -------------------------------------------------

function lset(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  const list = db.lookupWrite(key, ctx.now);
  if (list === undefined) {
    reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  let index = argLong(args, 2);
  if (index === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  const len = list.length;
  if (index < 0) index += len;
  if (index < 0 || index >= len) {
    reply.error(ERR_INDEX_OUT_OF_RANGE);
    return;
  }
  listSetAt(list, index, elementFromArg(args, 3));
  reply.ok();
  db.signalModified(key);
  db.notify("list", "lset", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
}

function linsert(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let after: boolean;
  if (args.is(2, "after")) after = true;
  else if (args.is(2, "before")) after = false;
  else {
    reply.error(ERR_SYNTAX);
    return;
  }
  const db = ctx.db;
  const key = args.latin1(1);
  const list = db.lookupWrite(key, ctx.now);
  if (list === undefined) {
    reply.integer(0);
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  const at = listIndexOf(list, elementFromArg(args, 3));
  if (at < 0) {
    reply.integer(-1);
    return;
  }
  listInsertAt(list, after ? at + 1 : at, elementFromArg(args, 4));
  db.signalModified(key);
  db.notify("list", "linsert", key);
  ctx.addDirty(1);
  reply.integer(list.length);
  ctx.propagateSelf();
}

function lrem(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const count = argLong(args, 2);
  if (count === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  const db = ctx.db;
  const key = args.latin1(1);
  const list = db.lookupWrite(key, ctx.now);
  if (list === undefined) {
    reply.integer(0);
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  const removed = listRemove(list, elementFromArg(args, 3), Math.abs(count), count < 0);
  if (removed > 0) db.notify("list", "lrem", key);
  if (list.length === 0) {
    db.delete(key);
    db.notify("generic", "del", key);
  }
  reply.integer(removed);
  if (removed > 0) {
    db.signalModified(key);
    ctx.addDirty(removed);
    ctx.propagateSelf();
  }
}

function ltrim(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let start = argLong(args, 2);
  let end = argLong(args, 3);
  if (start === null || end === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  const db = ctx.db;
  const key = args.latin1(1);
  const list = db.lookupWrite(key, ctx.now);
  if (list === undefined) {
    reply.ok();
    return;
  }
  if (!isList(list)) {
    reply.error(WRONGTYPE);
    return;
  }
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  let left: number;
  let right: number;
  if (start > end || start >= len) {
    left = len;
    right = 0;
  } else {
    if (end >= len) end = len - 1;
    left = start;
    right = len - end - 1;
  }
  listTrim(list, left, right);
  db.notify("list", "ltrim", key);
  if (list.length === 0) {
    db.delete(key);
    db.notify("generic", "del", key);
  }
  db.signalModified(key);
  reply.ok();
  if (left + right > 0) {
    ctx.addDirty(left + right);
    ctx.propagateSelf();
  }
}

// ---- LMOVE RPOPLPUSH BLMOVE BRPOPLPUSH --------------------------------------------------------

const MOVED = 0;
const NO_SOURCE = 1;
const FAILED = 2;

/**
 * Moves one element from the source list (argv[1]) to the destination (argv[2]) and replies it
 * (MOVED). When the source does not exist it replies nothing (NO_SOURCE: the caller replies null
 * or blocks); a WRONGTYPE reply is FAILED. The destination's type is checked only once the source
 * is known to have elements, as Redis does.
 */
function moveOne(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  fromHead: boolean,
  toHead: boolean,
): typeof MOVED | typeof NO_SOURCE | typeof FAILED {
  const db = ctx.db;
  const srcKey = args.latin1(1);
  const src = db.lookupWrite(srcKey, ctx.now);
  if (src === undefined) return NO_SOURCE;
  if (!isList(src)) {
    // Re-run for a ready key that is not a list: Redis leaves the client blocked.
    if (ctx.readyKey != null) return NO_SOURCE;
    reply.error(WRONGTYPE);
    return FAILED;
  }
  const dstKey = args.latin1(2);
  let dst = db.lookupWrite(dstKey, ctx.now);
  if (dst !== undefined && !isList(dst)) {
    reply.error(WRONGTYPE);
    return FAILED;
  }
  const value = (fromHead ? src.shift() : src.pop()) as ListElement;
  // Redis's lmoveHandlePush: the destination first (when it is the source, it is never emptied).
  if (dst === undefined) dst = createList(db, dstKey);
  db.signalModified(dstKey);
  if (toHead) dst.unshift(value);
  else dst.push(value);
  db.notify("list", toHead ? "lpush" : "rpush", dstKey);
  replyElement(reply, value);
  elementsRemoved(ctx, srcKey, src, fromHead, 1);
  return MOVED;
}

function lmove(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const from = parseWhere(args, 3);
  if (from === null) {
    reply.error(ERR_SYNTAX);
    return;
  }
  const to = parseWhere(args, 4);
  if (to === null) {
    reply.error(ERR_SYNTAX);
    return;
  }
  const r = moveOne(ctx, args, reply, from, to);
  if (r === NO_SOURCE) reply.nullBulk();
  else if (r === MOVED) ctx.propagateSelf();
}

function rpoplpush(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const r = moveOne(ctx, args, reply, false, true);
  if (r === NO_SOURCE) reply.nullBulk();
  else if (r === MOVED) ctx.propagateSelf();
}

/** BLMOVE/BRPOPLPUSH once the arguments are parsed. */
function blockingMove(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  fromHead: boolean,
  toHead: boolean,
  timeoutMs: number,
  rpoplpushForm: boolean,
): void {
  const r = moveOne(ctx, args, reply, fromHead, toHead);
  if (r === NO_SOURCE) {
    if (!ctx.canBlock) {
      reply.nullBulk();
      return;
    }
    // Timed out, replyToBlockedClientTimedOut answers every list block with a null array
    // (RESP2 *-1), BLMOVE too; only the non-blocking path above is a null bulk.
    ctx.block([args.latin1(1)], timeoutMs, "nullArray");
    return;
  }
  if (r === FAILED) return;
  if (rpoplpushForm) ctx.propagate(["RPOPLPUSH", args.copy(1), args.copy(2)]);
  // Served at once, the directions go out as typed; served after blocking, Redis 7.0 writes
  // them itself (serveClientBlockedOnList: "left"/"right").
  else if (ctx.readyKey != null)
    ctx.propagate([
      "LMOVE",
      args.copy(1),
      args.copy(2),
      fromHead ? "left" : "right",
      toHead ? "left" : "right",
    ]);
  else ctx.propagate(["LMOVE", args.copy(1), args.copy(2), args.copy(3), args.copy(4)]);
}

function blmove(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const from = parseWhere(args, 3);
  if (from === null) {
    reply.error(ERR_SYNTAX);
    return;
  }
  const to = parseWhere(args, 4);
  if (to === null) {
    reply.error(ERR_SYNTAX);
    return;
  }
  const timeout = parseTimeoutMs(args.view(5));
  if (typeof timeout === "string") {
    reply.error(timeout);
    return;
  }
  blockingMove(ctx, args, reply, from, to, timeout, false);
}

function brpoplpush(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const timeout = parseTimeoutMs(args.view(3));
  if (typeof timeout === "string") {
    reply.error(timeout);
    return;
  }
  blockingMove(ctx, args, reply, false, true, timeout, true);
}

// ---- BLPOP BRPOP ------------------------------------------------------------------------------

function bpop(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter, head: boolean): void {
  const last = args.argc - 2; // the last key; the timeout follows it
  const timeout = parseTimeoutMs(args.view(last + 1));
  if (typeof timeout === "string") {
    reply.error(timeout);
    return;
  }
  const db = ctx.db;
  const ready = ctx.readyKey ?? null;
  for (let i = 1; i <= last; i++) {
    const key = args.latin1(i);
    if (ready !== null && key !== ready) continue;
    const list = db.lookupWrite(key, ctx.now);
    if (list === undefined) continue;
    if (!isList(list)) {
      if (ready !== null) continue;
      reply.error(WRONGTYPE);
      return;
    }
    reply.array(2);
    reply.bulk(args.view(i));
    replyElement(reply, (head ? list.shift() : list.pop()) as ListElement);
    elementsRemoved(ctx, key, list, head, 1);
    ctx.propagate([head ? "LPOP" : "RPOP", args.copy(i)]);
    return;
  }
  if (!ctx.canBlock) {
    reply.nullArray();
    return;
  }
  ctx.block(blockKeys(args, 1, last), timeout, "nullArray");
}

// ---- LMPOP BLMPOP -----------------------------------------------------------------------------

/**
 * Parses `numkeys key... LEFT|RIGHT [COUNT count]` starting at argv[at]; replies the error and
 * returns null when invalid.
 */
function parseMpop(
  args: CommandArgs,
  reply: ReplyWriter,
  at: number,
): { numkeys: number; head: boolean; count: number } | null {
  const argc = args.argc;
  const numkeys = argLong(args, at);
  if (numkeys === null || numkeys < 1) {
    reply.error(ERR_NUMKEYS_ZERO);
    return null;
  }
  const whereAt = at + numkeys + 1;
  if (whereAt >= argc) {
    reply.error(ERR_SYNTAX);
    return null;
  }
  const head = parseWhere(args, whereAt);
  if (head === null) {
    reply.error(ERR_SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereAt + 1; j < argc; j++) {
    if (count === -1 && j < argc - 1 && args.is(j, "count")) {
      j++;
      const c = argLong(args, j);
      if (c === null || c < 1) {
        reply.error(ERR_COUNT_ZERO);
        return null;
      }
      count = c;
    } else {
      reply.error(ERR_SYNTAX);
      return null;
    }
  }
  return { numkeys, head, count: count === -1 ? 1 : count };
}

/** Pops from the first non-empty list of argv[first..first+numkeys-1]; false if all are absent. */
function mpopFirst(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  first: number,
  numkeys: number,
  head: boolean,
  count: number,
): boolean {
  const db = ctx.db;
  const ready = ctx.readyKey ?? null;
  for (let i = first; i < first + numkeys; i++) {
    const key = args.latin1(i);
    if (ready !== null && key !== ready) continue;
    const list = db.lookupWrite(key, ctx.now);
    if (list === undefined) continue;
    if (!isList(list)) {
      if (ready !== null) continue;
      reply.error(WRONGTYPE);
      return true;
    }
    const n = Math.min(count, list.length);
    reply.array(2);
    reply.bulk(args.view(i));
    replyPopped(reply, list, head, n);
    elementsRemoved(ctx, key, list, head, n);
    ctx.propagate([head ? "LPOP" : "RPOP", args.copy(i), String(n)]);
    return true;
  }
  return false;
}

function lmpop(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const p = parseMpop(args, reply, 1);
  if (p === null) return;
  if (!mpopFirst(ctx, args, reply, 2, p.numkeys, p.head, p.count)) reply.nullArray();
}

function blmpop(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const p = parseMpop(args, reply, 2);
  if (p === null) return;
  const timeout = parseTimeoutMs(args.view(1));
  if (typeof timeout === "string") {
    reply.error(timeout);
    return;
  }
  if (mpopFirst(ctx, args, reply, 3, p.numkeys, p.head, p.count)) return;
  if (!ctx.canBlock) {
    reply.nullArray();
    return;
  }
  ctx.block(blockKeys(args, 3, 2 + p.numkeys), timeout, "nullArray");
}

/**
 * Key positions of LMPOP/BLMPOP (Redis's genericGetKeys): numkeys read with atoi, none when it
 * is out of bounds (the command will fail anyway).
 */
function numkeysGetKeys(numkeysAt: number) {
  return (args: CommandArgs): number[] => {
    const num = atoi(args.view(numkeysAt));
    const first = numkeysAt + 1;
    if (num < 1 || num > args.argc - first) return [];
    const out = new Array<number>(num);
    for (let k = 0; k < num; k++) out[k] = first + k;
    return out;
  };
}

/** C's atoi: leading spaces, a sign, then digits up to the first non-digit. */
function atoi(b: Uint8Array): number {
  let i = 0;
  for (; i < b.length; i++) {
    const c = b[i] as number;
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) break;
  }
  let neg = false;
  if (b[i] === 0x2d || b[i] === 0x2b) neg = b[i++] === 0x2d;
  let n = 0;
  for (; i < b.length; i++) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9 || n > 1e12) break;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

// ---- The table (arity, flags, key positions and ACL categories as COMMAND INFO prints them) --

const W = "@write @list";
export const listCommands: CommandSpec[] = [
  cmd("lpush", -3, "write denyoom fast", [1, 1, 1], `${W} @fast`, (c, a, r) =>
    push(c, a, r, true, false),
  ),
  cmd("rpush", -3, "write denyoom fast", [1, 1, 1], `${W} @fast`, (c, a, r) =>
    push(c, a, r, false, false),
  ),
  cmd("lpushx", -3, "write denyoom fast", [1, 1, 1], `${W} @fast`, (c, a, r) =>
    push(c, a, r, true, true),
  ),
  cmd("rpushx", -3, "write denyoom fast", [1, 1, 1], `${W} @fast`, (c, a, r) =>
    push(c, a, r, false, true),
  ),
  cmd("lpop", -2, "write fast", [1, 1, 1], `${W} @fast`, (c, a, r) => pop(c, a, r, true)),
  cmd("rpop", -2, "write fast", [1, 1, 1], `${W} @fast`, (c, a, r) => pop(c, a, r, false)),
  cmd("llen", 2, "readonly fast", [1, 1, 1], "@read @list @fast", llen),
  cmd("lrange", 4, "readonly", [1, 1, 1], "@read @list @slow", lrange),
  cmd("lindex", 3, "readonly", [1, 1, 1], "@read @list @slow", lindex),
  cmd("lpos", -3, "readonly", [1, 1, 1], "@read @list @slow", lpos),
  cmd("lset", 4, "write denyoom", [1, 1, 1], `${W} @slow`, lset),
  cmd("linsert", 5, "write denyoom", [1, 1, 1], `${W} @slow`, linsert),
  cmd("lrem", 4, "write", [1, 1, 1], `${W} @slow`, lrem),
  cmd("ltrim", 4, "write", [1, 1, 1], `${W} @slow`, ltrim),
  cmd("lmove", 5, "write denyoom", [1, 2, 1], `${W} @slow`, lmove),
  cmd("rpoplpush", 3, "write denyoom", [1, 2, 1], `${W} @slow`, rpoplpush),
  cmd("lmpop", -4, "write", [0, 0, 0], `${W} @slow`, lmpop, {
    getKeys: numkeysGetKeys(1),
  }),
  cmd("blpop", -3, "write noscript blocking", [1, -2, 1], `${W} @slow @blocking`, (c, a, r) =>
    bpop(c, a, r, true),
  ),
  cmd("brpop", -3, "write noscript blocking", [1, -2, 1], `${W} @slow @blocking`, (c, a, r) =>
    bpop(c, a, r, false),
  ),
  cmd("blmove", 6, "write denyoom noscript blocking", [1, 2, 1], `${W} @slow @blocking`, blmove),
  cmd(
    "brpoplpush",
    4,
    "write denyoom noscript blocking",
    [1, 2, 1],
    `${W} @slow @blocking`,
    brpoplpush,
  ),
  cmd("blmpop", -5, "write blocking", [0, 0, 0], `${W} @slow @blocking`, blmpop, {
    getKeys: numkeysGetKeys(2),
  }),
];

// The sorted-set commands (t_zset.c in Redis 7.0), with Redis's argument order of checks, error
// texts, reply shapes (RESP2 flat WITHSCORES, RESP3 [member, score] pairs), keyspace events,
// dirty counts and propagation:
// - writes propagate only when they changed something;
// - ZMPOP, BZMPOP, BZPOPMIN/BZPOPMAX propagate as ZPOPMIN/ZPOPMAX key [count], the count being
//   how many members were popped (what 7.0.15 writes to its AOF);
// - an emptied sorted set is deleted; a *STORE with an empty result deletes its destination.
// Values are ZSet (types/zset.ts): a member->score Map plus a skip list for ranks and ranges.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { argInt64, argLong } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import {
  ERR_INVALID_CURSOR,
  ERR_MIN_MAX_NOT_FLOAT,
  ERR_MIN_MAX_NOT_STRING,
  ERR_MUST_BE_POSITIVE,
  ERR_NAN_RESULT,
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_NUMKEYS_ZERO,
  ERR_SYNTAX,
} from "../errors.js";
import { parseScanCursor, parseScanOptions, replyScan, scanContainer } from "../scan.js";
import { parseTimeoutMs } from "../types/list-timeout.js";
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type ZNode } from "../types/skiplist.js";
import { ZSet } from "../types/zset.js";
import {
  argScore,
  formatScore,
  newLexRange,
  newScoreRange,
  parseLexRange,
  parseScoreRange,
} from "../types/zset-args.js";
import { WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";

const ERR_XX_NX = "ERR XX and NX options at the same time are not compatible";
const ERR_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible";
const ERR_INCR_PAIR = "ERR INCR option supports a single increment-element pair";
const ERR_LIMIT_RANK =
  "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
const ERR_WITHSCORES_LEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
const ERR_WEIGHT = "ERR weight value is not a float";
const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
const ERR_COUNT_ZERO = "ERR count should be greater than 0";
const ERR_RANDMEMBER_RANGE =
  "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
const ERR_OUT_OF_RANGE = "ERR value is out of range";

const INT64_MIN = -(2n ** 63n);
const HALF_LONG_MAX = 2n ** 62n - 1n; // LONG_MAX / 2

// ---- Lookups and reply helpers ----------------------------------------------------------------

/** The sorted set at `key`: undefined when missing, null after replying WRONGTYPE. */
function getZSet(
  ctx: CommandContext,
  key: string,
  w: ReplyWriter,
  write: boolean,
): ZSet | undefined | null {
  const v = write ? ctx.db.lookupWrite(key, ctx.now) : ctx.db.lookupRead(key, ctx.now);
  if (v === undefined || v instanceof ZSet) return v;
  w.error(WRONGTYPE);
  return null;
}

// Range results are gathered here before replying (the reply needs the count first); commands
// run one at a time, so one array is reused and cleared after each use.
const NODES: ZNode[] = [];

/** Replies NODES as ZRANGE does: RESP2 a flat array, RESP3 [member, score] pairs. */
function replyNodes(w: ReplyWriter, withscores: boolean) {
  const n = NODES.length;
  const nested = withscores && w.resp === 3;
  w.array(withscores && !nested ? n * 2 : n);
  for (let i = 0; i < n; i++) {
    const x = NODES[i] as ZNode;
    if (nested) w.array(2);
    w.bulkLatin1(x.member);
    if (withscores) w.double(x.score);
  }
  NODES.length = 0;
}

/** Deletes a key a write left empty (callers send the "del" event after their own). */
function deleteIfEmpty(ctx: CommandContext, key: string, z: ZSet): boolean {
  if (z.size !== 0) return false;
  ctx.db.delete(key);
  return true;
}

/** Stores `z` at `dst` (non-empty) or deletes `dst`, replying the size: the *STORE tail. */
function storeResult(ctx: CommandContext, w: ReplyWriter, dst: string, z: ZSet, event: string) {
  const db = ctx.db;
  if (z.size > 0) {
    db.setKey(dst, z);
    w.integer(z.size);
    db.notify("zset", event, dst);
    ctx.addDirty(1);
    ctx.propagateSelf();
  } else {
    w.integer(0);
    if (db.delete(dst)) {
      db.signalModified(dst);
      db.notify("generic", "del", dst);
      ctx.addDirty(1);
      ctx.propagateSelf();
    }
  }
}

// ---- ZADD / ZINCRBY ---------------------------------------------------------------------------

const SCORES = new Float64Array(1024);

/**
 * ZADD and ZINCRBY. `propagateAs` is the argv to propagate instead of the client's own: GEOADD
 * runs as the ZADD it rewrites itself into, and that ZADD is what Redis propagates.
 */
export function zaddGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  incrCmd: boolean,
  propagateAs?: readonly Buffer[],
) {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCmd;
  let si = 2;
  for (; si < args.argc; si++) {
    if (args.is(si, "nx")) nx = true;
    else if (args.is(si, "xx")) xx = true;
    else if (args.is(si, "ch")) ch = true;
    else if (args.is(si, "incr")) incr = true;
    else if (args.is(si, "gt")) gt = true;
    else if (args.is(si, "lt")) lt = true;
    else break;
  }
  const elements = args.argc - si;
  if (elements % 2 !== 0 || elements === 0) return w.error(ERR_SYNTAX);
  const n = elements / 2;
  if (nx && xx) return w.error(ERR_XX_NX);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return w.error(ERR_GT_LT_NX);
  if (incr && n > 1) return w.error(ERR_INCR_PAIR);
  // Every score is checked before anything changes: the command applies fully or not at all.
  // The shared buffer serves usual sizes; a huge ZADD gets its own rather than pinning memory.
  const scores = n <= SCORES.length ? SCORES : new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const s = argScore(args, si + 2 * j);
    if (s === null) return w.error(ERR_NOT_FLOAT);
    scores[j] = s;
  }
  const key = args.latin1(1);
  const db = ctx.db;
  let z = getZSet(ctx, key, w, true);
  if (z === null) return;
  if (z === undefined) {
    if (xx) return incr ? w.nullBulk() : w.integer(0);
    // 7.0 picks the encoding from the first member only; later inserts convert as needed.
    z = new ZSet(0, args.len(si + 1), ctx.keyspace.encodingLimits);
    db.add(key, z); // dbAdd wakes clients blocked on the key
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let nan = false;
  for (let j = 0; j < n; j++) {
    let s = scores[j] as number;
    const m = args.latin1(si + 2 * j + 1);
    const cur = z.dict.get(m);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (Number.isNaN(s)) {
          nan = true;
          break;
        }
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      processed++;
      score = s;
      if (s !== cur) {
        z.setScore(m, cur, s);
        updated++;
      }
    } else if (!xx) {
      z.insert(m, s);
      added++;
      processed++;
      score = s;
    }
  }
  if (nan) w.error(ERR_NAN_RESULT);
  else if (incr) processed > 0 ? w.double(score) : w.nullBulk();
  else w.integer(ch ? added + updated : added);
  if (added + updated > 0) {
    ctx.addDirty(added + updated);
    db.signalModified(key);
    db.notify("zset", incr ? "zincr" : "zadd", key);
    if (propagateAs) ctx.propagate(propagateAs);
    else ctx.propagateSelf();
  }
}

// ---- Single-key reads and ZREM ------------------------------------------------------------------

function zrem(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  const key = args.latin1(1);
  const z = getZSet(ctx, key, w, true);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < args.argc; j++) {
    if (z.delete(args.latin1(j))) deleted++;
    if (deleteIfEmpty(ctx, key, z)) {
      removed = true;
      break;
    }
  }
  if (deleted > 0) {
    ctx.db.notify("zset", "zrem", key);
    if (removed) ctx.db.notify("generic", "del", key);
    ctx.db.signalModified(key);
    ctx.addDirty(deleted);
    ctx.propagateSelf();
  }
  w.integer(deleted);
}

function zscore(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  const s = z?.dict.get(args.latin1(2));
  if (s === undefined) w.nullBulk();
  else w.double(s);
}

function zmscore(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  w.array(args.argc - 2);
  for (let j = 2; j < args.argc; j++) {
    const s = z?.dict.get(args.latin1(j));
    if (s === undefined) w.nullBulk();
    else w.double(s);
  }
}

function zcard(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z !== null) w.integer(z === undefined ? 0 : z.size);
}

function zrankGeneric(ctx: CommandContext, args: CommandArgs, w: ReplyWriter, rev: boolean) {
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  const r = z === undefined ? -1 : z.rank(args.latin1(2));
  if (r < 0) w.nullBulk();
  else w.integer(rev ? (z as ZSet).size - 1 - r : r);
}

const SCORE_RANGE = newScoreRange();
const LEX_RANGE = newLexRange();

function zcount(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  if (!parseScoreRange(args.latin1(2), args.latin1(3), SCORE_RANGE))
    return w.error(ERR_MIN_MAX_NOT_FLOAT);
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  const first = z.zsl.firstInScoreRange(SCORE_RANGE);
  if (first === null) return w.integer(0);
  const last = z.zsl.lastInScoreRange(SCORE_RANGE) as ZNode;
  w.integer(z.zsl.rank(last.score, last.member) - z.zsl.rank(first.score, first.member) + 1);
}

function zlexcount(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  if (!parseLexRange(args.latin1(2), args.latin1(3), LEX_RANGE))
    return w.error(ERR_MIN_MAX_NOT_STRING);
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  const first = z.zsl.firstInLexRange(LEX_RANGE);
  if (first === null) return w.integer(0);
  const last = z.zsl.lastInLexRange(LEX_RANGE) as ZNode;
  w.integer(z.zsl.rank(last.score, last.member) - z.zsl.rank(first.score, first.member) + 1);
}

// ---- ZRANGE and its older forms ------------------------------------------------------------------

const AUTO = -1;
const BY_RANK = 0;
const BY_SCORE = 1;
const BY_LEX = 2;
const FORWARD = 0;
const REVERSE = 1;

/** Gathers ranks start..end (0-based, negative from the end) into NODES. */
function collectByRank(z: ZSet, start0: number, end0: number, reverse: boolean) {
  const llen = z.size;
  let start = start0 < 0 ? llen + start0 : start0;
  let end = end0 < 0 ? llen + end0 : end0;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return;
  if (end >= llen) end = llen - 1;
  let n = end - start + 1;
  let x: ZNode | null;
  if (reverse) x = start > 0 ? z.zsl.byRank(llen - start) : z.zsl.tail;
  else x = start > 0 ? z.zsl.byRank(start + 1) : z.zsl.first;
  while (x !== null && n-- > 0) {
    NODES.push(x);
    x = reverse ? x.prev : x.next;
  }
}

/** Moves `offset` steps from x (Redis walks node by node; a rank jump lands on the same node). */
function skip(z: ZSet, x: ZNode | null, offset: number, reverse: boolean): ZNode | null {
  if (x === null || offset === 0) return x;
  // A negative offset makes Redis's `while (ln && offset--)` run off the end: no result.
  if (offset < 0 || offset >= z.size) return null;
  if (offset < 8) {
    let y: ZNode | null = x;
    for (let i = 0; i < offset && y !== null; i++) y = reverse ? y.prev : y.next;
    return y;
  }
  const r = z.zsl.rank(x.score, x.member) + (reverse ? -offset : offset);
  return r >= 1 && r <= z.size ? z.zsl.byRank(r) : null;
}

function collectByScore(z: ZSet, offset: number, limit: number, reverse: boolean) {
  if (offset > 0 && offset >= z.size) return;
  const r = SCORE_RANGE;
  let x = reverse ? z.zsl.lastInScoreRange(r) : z.zsl.firstInScoreRange(r);
  x = skip(z, x, offset, reverse);
  let left = limit;
  while (x !== null && left-- !== 0) {
    if (reverse ? !scoreGteMin(x.score, r) : !scoreLteMax(x.score, r)) break;
    NODES.push(x);
    x = reverse ? x.prev : x.next;
  }
}

function collectByLex(z: ZSet, offset: number, limit: number, reverse: boolean) {
  if (offset > 0 && offset >= z.size) return;
  const r = LEX_RANGE;
  let x = reverse ? z.zsl.lastInLexRange(r) : z.zsl.firstInLexRange(r);
  x = skip(z, x, offset, reverse);
  let left = limit;
  while (x !== null && left-- !== 0) {
    if (reverse ? !lexGteMin(x.member, r) : !lexLteMax(x.member, r)) break;
    NODES.push(x);
    x = reverse ? x.prev : x.next;
  }
}

/**
 * zrangeGenericCommand: `argStart` is the source key's index; `store` for ZRANGESTORE (argv[1]
 * is the destination). `type`/`dir` fixed by the legacy commands, AUTO for ZRANGE/ZRANGESTORE.
 */
function zrangeGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  argStart: number,
  store: boolean,
  type0: number,
  dir0: number,
) {
  let type = type0;
  let dir = dir0;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < args.argc; j++) {
    const left = args.argc - j - 1;
    if (!store && args.is(j, "withscores")) withscores = true;
    else if (args.is(j, "limit") && left >= 2) {
      const o = argLong(args, j + 1);
      if (o === null) return w.error(ERR_NOT_INTEGER);
      const l = argLong(args, j + 2);
      if (l === null) return w.error(ERR_NOT_INTEGER);
      offset = o;
      limit = l;
      j += 2;
    } else if (dir === AUTO && args.is(j, "rev")) dir = REVERSE;
    else if (type === AUTO && args.is(j, "bylex")) type = BY_LEX;
    else if (type === AUTO && args.is(j, "byscore")) type = BY_SCORE;
    else return w.error(ERR_SYNTAX);
  }
  if (dir === AUTO) dir = FORWARD;
  if (type === AUTO) type = BY_RANK;
  if (limit !== -1 && type === BY_RANK) return w.error(ERR_LIMIT_RANK);
  if (withscores && type === BY_LEX) return w.error(ERR_WITHSCORES_LEX);
  const reverse = dir === REVERSE;
  // Score and lex forms take the range as [max, min] when reversed.
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  if (reverse && type !== BY_RANK) {
    minIdx = argStart + 2;
    maxIdx = argStart + 1;
  }
  let start = 0;
  let end = 0;
  if (type === BY_RANK) {
    const a = argLong(args, minIdx);
    if (a === null) return w.error(ERR_NOT_INTEGER);
    const b = argLong(args, maxIdx);
    if (b === null) return w.error(ERR_NOT_INTEGER);
    start = a;
    end = b;
  } else if (type === BY_SCORE) {
    if (!parseScoreRange(args.latin1(minIdx), args.latin1(maxIdx), SCORE_RANGE))
      return w.error(ERR_MIN_MAX_NOT_FLOAT);
  } else if (!parseLexRange(args.latin1(minIdx), args.latin1(maxIdx), LEX_RANGE))
    return w.error(ERR_MIN_MAX_NOT_STRING);

  const z = getZSet(ctx, args.latin1(argStart), w, false); // a read for ZRANGESTORE too
  if (z === null) return;
  if (z !== undefined) {
    if (type === BY_RANK) collectByRank(z, start, end, reverse);
    else if (type === BY_SCORE) collectByScore(z, offset, limit, reverse);
    else collectByLex(z, offset, limit, reverse);
  }
  if (!store) return replyNodes(w, withscores);
  // Redis sizes the destination from the count when a rank range knows it up front (a large one
  // starts as a skiplist and keeps -0); score and lex ranges start as a listpack and convert.
  const dst = new ZSet(type === BY_RANK ? NODES.length : 0, 0, ctx.keyspace.encodingLimits);
  for (const x of NODES) dst.insert(x.member, x.score);
  NODES.length = 0;
  storeResult(ctx, w, args.latin1(1), dst, "zrangestore");
}

// ---- Range removal ----------------------------------------------------------------------------------

function zremrangeGeneric(ctx: CommandContext, args: CommandArgs, w: ReplyWriter, type: number) {
  let start = 0;
  let end = 0;
  if (type === BY_RANK) {
    const a = argLong(args, 2);
    if (a === null) return w.error(ERR_NOT_INTEGER);
    const b = argLong(args, 3);
    if (b === null) return w.error(ERR_NOT_INTEGER);
    start = a;
    end = b;
  } else if (type === BY_SCORE) {
    if (!parseScoreRange(args.latin1(2), args.latin1(3), SCORE_RANGE))
      return w.error(ERR_MIN_MAX_NOT_FLOAT);
  } else if (!parseLexRange(args.latin1(2), args.latin1(3), LEX_RANGE))
    return w.error(ERR_MIN_MAX_NOT_STRING);
  const key = args.latin1(1);
  const z = getZSet(ctx, key, w, true);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  let deleted: number;
  if (type === BY_RANK) {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return w.integer(0);
    if (end >= llen) end = llen - 1;
    deleted = z.zsl.deleteRangeByRank(start + 1, end + 1, z.dict);
  } else if (type === BY_SCORE) deleted = z.zsl.deleteRangeByScore(SCORE_RANGE, z.dict);
  else deleted = z.zsl.deleteRangeByLex(LEX_RANGE, z.dict);
  const removed = deleteIfEmpty(ctx, key, z);
  if (deleted > 0) {
    ctx.db.signalModified(key);
    ctx.db.notify(
      "zset",
      type === BY_RANK
        ? "zremrangebyrank"
        : type === BY_SCORE
          ? "zremrangebyscore"
          : "zremrangebylex",
      key,
    );
    if (removed) ctx.db.notify("generic", "del", key);
    ctx.addDirty(deleted);
    ctx.propagateSelf();
  }
  w.integer(deleted);
}

// ---- Pops -------------------------------------------------------------------------------------------

/** How many members the last zpopGeneric popped (ZMPOP propagates that count, as 7.0 does). */
let popped = 0;

/**
 * genericZpopCommand: pops up to `count` (-1 = one, unnested) from the first non-empty of
 * `numkeys` keys at `first`. Returns the key popped from, or null (replied empty / error).
 */
function zpopGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  first: number,
  numkeys: number,
  max: boolean,
  emitKey: boolean,
  count0: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): string | null {
  let z: ZSet | undefined;
  let key = "";
  let keyIdx = first;
  for (let i = 0; i < numkeys; i++) {
    keyIdx = first + i;
    key = args.latin1(keyIdx);
    const v = getZSet(ctx, key, w, true);
    if (v === null) return null;
    if (v !== undefined) {
      z = v;
      break;
    }
  }
  if (z === undefined) {
    if (nilWhenEmpty) w.nullArray();
    else w.array(0);
    return null;
  }
  if (count0 === 0) {
    w.array(0);
    return null;
  }
  const count = count0 === -1 ? 1 : count0;
  const n = Math.min(count, z.size);
  if (!nested && !emitKey) w.array(n * 2);
  else if (nested && !emitKey) w.array(n);
  else if (!nested && emitKey) {
    w.array(n * 2 + 1);
    w.bulk(args.view(keyIdx));
  } else {
    w.array(2);
    w.bulk(args.view(keyIdx));
    w.array(n);
  }
  const db = ctx.db;
  for (let i = 0; i < n; i++) {
    const x = (max ? z.zsl.tail : z.zsl.first) as ZNode;
    const member = x.member;
    const score = x.score;
    z.delete(member);
    if (i === 0) {
      db.notify("zset", max ? "zpopmax" : "zpopmin", key);
      db.signalModified(key);
    }
    if (nested) w.array(2);
    w.bulkLatin1(member);
    w.double(score);
  }
  ctx.addDirty(n);
  popped = n;
  if (deleteIfEmpty(ctx, key, z)) db.notify("generic", "del", key);
  return key;
}

function zpopMinMax(ctx: CommandContext, args: CommandArgs, w: ReplyWriter, max: boolean) {
  if (args.argc > 3) return w.error(ERR_SYNTAX);
  let count = -1;
  if (args.argc === 3) {
    const c = argLong(args, 2);
    if (c === null || c < 0) return w.error(ERR_MUST_BE_POSITIVE);
    count = c;
  }
  const nested = w.resp === 3 && count !== -1;
  if (zpopGeneric(ctx, args, w, 1, 1, max, false, count, nested, false) !== null)
    ctx.propagateSelf();
}

/** blockingGenericZpopCommand: pop now if any key has members, else park the client. */
function blockingZpop(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  first: number,
  numkeys: number,
  max: boolean,
  timeoutIdx: number,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
  /** BZMPOP propagates the count popped; BZPOPMIN/BZPOPMAX no count. */
  withCount: boolean,
) {
  const timeout = parseTimeoutMs(args.view(timeoutIdx));
  if (typeof timeout === "string") return w.error(timeout);
  const ready = ctx.readyKey ?? null;
  for (let j = first; j < first + numkeys; j++) {
    const key = args.latin1(j);
    // A re-run for a ready key serves from it alone, and only if it is a sorted set.
    if (ready !== null && key !== ready) continue;
    const z = ctx.db.lookupWrite(key, ctx.now);
    if (z === undefined) continue;
    if (!(z instanceof ZSet)) {
      if (ready !== null) continue;
      return w.error(WRONGTYPE);
    }
    if (z.size === 0) continue;
    zpopGeneric(ctx, args, w, j, 1, max, true, count, nested, nilWhenEmpty);
    const argv: (Buffer | string)[] = [max ? "ZPOPMAX" : "ZPOPMIN", args.copy(j)];
    if (withCount) argv.push(String(popped));
    ctx.propagate(argv);
    return;
  }
  if (!ctx.canBlock) return w.nullArray();
  const keys: string[] = [];
  for (let j = first; j < first + numkeys; j++) keys.push(args.latin1(j));
  ctx.block(keys, timeout, "nullArray");
}

function bzpopMinMax(ctx: CommandContext, args: CommandArgs, w: ReplyWriter, max: boolean) {
  blockingZpop(ctx, args, w, 1, args.argc - 2, max, args.argc - 1, -1, false, false, false);
}

/** ZMPOP (numkeys at 1) and BZMPOP (timeout at 1, numkeys at 2). */
function zmpopGeneric(ctx: CommandContext, args: CommandArgs, w: ReplyWriter, block: boolean) {
  const nkIdx = block ? 2 : 1;
  const numkeys = argLong(args, nkIdx);
  if (numkeys === null || numkeys < 1) return w.error(ERR_NUMKEYS_ZERO);
  const whereIdx = nkIdx + numkeys + 1;
  if (whereIdx >= args.argc) return w.error(ERR_SYNTAX);
  let max: boolean;
  if (args.is(whereIdx, "min")) max = false;
  else if (args.is(whereIdx, "max")) max = true;
  else return w.error(ERR_SYNTAX);
  let count = -1;
  for (let j = whereIdx + 1; j < args.argc; j++) {
    if (count === -1 && args.is(j, "count") && j < args.argc - 1) {
      j++;
      const c = argLong(args, j);
      if (c === null || c < 1) return w.error(ERR_COUNT_ZERO);
      count = c;
    } else return w.error(ERR_SYNTAX);
  }
  if (count === -1) count = 1;
  if (block) return blockingZpop(ctx, args, w, nkIdx + 1, numkeys, max, 1, count, true, true, true);
  const key = zpopGeneric(ctx, args, w, nkIdx + 1, numkeys, max, true, count, true, true);
  if (key !== null)
    ctx.propagate([max ? "ZPOPMAX" : "ZPOPMIN", Buffer.from(key, "latin1"), String(popped)]);
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------------

function randomNode(z: ZSet, random: () => number): ZNode {
  return z.zsl.byRank(1 + Math.floor(random() * z.size)) as ZNode;
}

function zrandmember(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  if (args.argc >= 3) {
    const l = argInt64(args, 2);
    if (l === null) return w.error(ERR_NOT_INTEGER);
    if (l === INT64_MIN) return w.error(ERR_RANDMEMBER_RANGE);
    let withscores = false;
    if (args.argc > 4 || (args.argc === 4 && !args.is(3, "withscores"))) return w.error(ERR_SYNTAX);
    if (args.argc === 4) {
      withscores = true;
      if (l < -HALF_LONG_MAX || l > HALF_LONG_MAX) return w.error(ERR_OUT_OF_RANGE);
    }
    return zrandmemberCount(ctx, args, w, Number(l), withscores);
  }
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  if (z === undefined) return w.nullBulk();
  w.bulkLatin1(randomNode(z, ctx.keyspace.random).member);
}

function zrandmemberCount(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  l: number,
  withscores: boolean,
) {
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  if (z === undefined || l === 0) return w.array(0);
  const nested = withscores && w.resp === 3;
  const size = z.size;
  const count = Math.abs(l);
  const random = ctx.keyspace.random;
  // Negative count: independent draws, repeats allowed, random order.
  if (l < 0 || count === 1) {
    w.array(withscores && !nested ? count * 2 : count);
    for (let i = 0; i < count; i++) {
      const x = randomNode(z, random);
      if (nested) w.array(2);
      w.bulkLatin1(x.member);
      if (withscores) w.double(x.score);
    }
    return;
  }
  // At least the whole set: all of it, highest rank first (7.0 replies it reversed).
  if (count >= size) {
    collectByRank(z, 0, -1, true);
    return replyNodes(w, withscores);
  }
  // Distinct members: a partial shuffle of all nodes when most are wanted, else rejection.
  if (count * 3 > size) {
    for (let x = z.zsl.first; x !== null; x = x.next) NODES.push(x);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (size - i));
      const t = NODES[i] as ZNode;
      NODES[i] = NODES[j] as ZNode;
      NODES[j] = t;
    }
    NODES.length = count;
  } else {
    const picked = new Set<number>();
    while (picked.size < count) picked.add(1 + Math.floor(random() * size));
    for (const r of picked) NODES.push(z.zsl.byRank(r) as ZNode);
  }
  replyNodes(w, withscores);
}

// ---- ZUNION / ZINTER / ZDIFF and their STORE forms, ZINTERCARD ------------------------------

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

interface OpSource {
  z: ZSet | null;
  set: Set<string> | null;
  weight: number;
}

function sourceSize(s: OpSource): number {
  return s.z !== null ? s.z.size : s.set !== null ? s.set.size : 0;
}
/** The member's score in a source (1 for a plain set), or undefined. */
function sourceScore(s: OpSource, m: string): number | undefined {
  if (s.z !== null) return s.z.dict.get(m);
  if (s.set !== null) return s.set.has(m) ? 1 : undefined;
  return undefined;
}
function forEachMember(s: OpSource, f: (m: string, score: number) => void) {
  if (s.z !== null) for (let x = s.z.zsl.first; x !== null; x = x.next) f(x.member, x.score);
  else if (s.set !== null) for (const m of s.set) f(m, 1);
}

function aggregate(target: number, v: number, agg: number): number {
  if (agg === AGG_SUM) {
    const r = target + v;
    // inf + -inf: Redis keeps the convention that the sum is 0.
    return Number.isNaN(r) ? 0 : r;
  }
  // Not Math.min/max: C's ternaries keep the target on NaN and pick between 0 and -0 by order.
  // biome-ignore lint/complexity/useMathMinMax: see above
  if (agg === AGG_MIN) return v < target ? v : target;
  // biome-ignore lint/complexity/useMathMinMax: see above
  return v > target ? v : target;
}

function zsetOpGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  name: string,
  dstIdx: number,
  numkeysIdx: number,
  op: number,
  cardOnly: boolean,
) {
  const setnum = argLong(args, numkeysIdx);
  if (setnum === null) return w.error(ERR_NOT_INTEGER);
  if (setnum < 1) return w.error(`ERR at least 1 input key is needed for '${name}' command`);
  if (setnum > args.argc - (numkeysIdx + 1)) return w.error(ERR_SYNTAX);
  const store = dstIdx > 0;
  const srcs: OpSource[] = new Array(setnum);
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const key = args.latin1(j);
    const v = ctx.db.lookupRead(key, ctx.now); // inputs count as reads, STORE forms too
    const src: OpSource = { z: null, set: null, weight: 1 };
    if (v !== undefined) {
      if (v instanceof ZSet) src.z = v;
      else if (v instanceof Set) src.set = v;
      else return w.error(WRONGTYPE);
    }
    srcs[i] = src;
  }
  let agg = AGG_SUM;
  let withscores = false;
  let limit = 0;
  let remaining = args.argc - j;
  while (remaining > 0) {
    if (op !== OP_DIFF && !cardOnly && remaining >= setnum + 1 && args.is(j, "weights")) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const wt = argScore(args, j);
        if (wt === null) return w.error(ERR_WEIGHT);
        (srcs[i] as OpSource).weight = wt;
      }
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && args.is(j, "aggregate")) {
      j++;
      if (args.is(j, "sum")) agg = AGG_SUM;
      else if (args.is(j, "min")) agg = AGG_MIN;
      else if (args.is(j, "max")) agg = AGG_MAX;
      else return w.error(ERR_SYNTAX);
      j++;
      remaining -= 2;
    } else if (!store && !cardOnly && args.is(j, "withscores")) {
      j++;
      remaining--;
      withscores = true;
    } else if (cardOnly && remaining >= 2 && args.is(j, "limit")) {
      const l = argLong(args, j + 1);
      if (l === null || l < 0) return w.error(ERR_LIMIT_NEGATIVE);
      limit = l;
      j += 2;
      remaining -= 2;
    } else return w.error(ERR_SYNTAX);
  }

  const result = new Map<string, number>();
  let cardinality = 0;
  if (op === OP_INTER) {
    // Smallest first (a stable sort, as glibc's qsort is a merge sort here): fewer lookups, and
    // the same order of additions, so sums round the same way Redis's do.
    const sorted = srcs.slice().sort((a, b) => sourceSize(a) - sourceSize(b));
    const s0 = sorted[0] as OpSource;
    if (sourceSize(s0) > 0) {
      const iterate = (m: string, sc: number): boolean => {
        let score = s0.weight * sc;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < sorted.length; k++) {
          const s = sorted[k] as OpSource;
          const v = sourceScore(s, m);
          if (v === undefined) return true;
          score = aggregate(score, v * s.weight, agg);
        }
        if (cardOnly) {
          cardinality++;
          return !(limit > 0 && cardinality >= limit);
        }
        result.set(m, score);
        return true;
      };
      if (s0.z !== null) {
        for (let x = s0.z.zsl.first; x !== null; x = x.next) if (!iterate(x.member, x.score)) break;
      } else if (s0.set !== null) {
        for (const m of s0.set) if (!iterate(m, 1)) break;
      }
    }
  } else if (op === OP_UNION) {
    const sorted = srcs.slice().sort((a, b) => sourceSize(a) - sourceSize(b));
    for (const s of sorted) {
      forEachMember(s, (m, sc) => {
        let score = s.weight * sc;
        if (Number.isNaN(score)) score = 0;
        const cur = result.get(m);
        result.set(m, cur === undefined ? score : aggregate(cur, score, agg));
      });
    }
  } else {
    const s0 = srcs[0] as OpSource;
    forEachMember(s0, (m, sc) => {
      for (let k = 1; k < srcs.length; k++)
        if (sourceScore(srcs[k] as OpSource, m) !== undefined) return;
      result.set(m, sc);
    });
  }
  if (cardOnly) return w.integer(cardinality);

  // Built as a skiplist, then listpack-sized results are marked back as Redis converts them.
  const limits = ctx.keyspace.encodingLimits;
  const dst = new ZSet(Number.POSITIVE_INFINITY, 0, limits);
  let maxLen = 0;
  for (const [m, s] of result) {
    dst.insert(m, s);
    if (m.length > maxLen) maxLen = m.length;
  }
  if (dst.size <= limits.zsetMaxListpackEntries && maxLen <= limits.zsetMaxListpackValue && store)
    dst.toListpack();
  if (store) {
    const event = op === OP_UNION ? "zunionstore" : op === OP_INTER ? "zinterstore" : "zdiffstore";
    return storeResult(ctx, w, args.latin1(dstIdx), dst, event);
  }
  for (let x = dst.zsl.first; x !== null; x = x.next) NODES.push(x);
  replyNodes(w, withscores);
}

// ---- ZSCAN --------------------------------------------------------------------------------------

function zscan(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  const cursor = parseScanCursor(args.latin1(2));
  if (cursor === null) return w.error(ERR_INVALID_CURSOR);
  const z = getZSet(ctx, args.latin1(1), w, false);
  if (z === null) return;
  if (z === undefined) return replyScan(w, 0, []);
  const opts = parseScanOptions(args, 3, false, cursor, w);
  if (opts === null) return;
  const out: string[] = [];
  const match = opts.match;
  let next = 0;
  if (z.listpack) {
    // A listpack is returned whole, in its (rank) order, with cursor 0.
    for (let x = z.zsl.first; x !== null; x = x.next) {
      if (match === null || match(x.member)) out.push(x.member, formatScore(x.score));
    }
  } else {
    next = scanContainer(z.dict, opts.cursor, opts.count, false, (m, s) => {
      if (match === null || match(m)) out.push(m, formatScore(s as number));
    });
  }
  replyScan(w, next, out);
}

// ---- Key positions of numkeys commands ------------------------------------------------------------

/** C's atoi on an argument (COMMAND GETKEYS reads numkeys with it). */
function atoi(args: CommandArgs, i: number): number {
  const m = /^\s*([+-]?\d+)/.exec(args.latin1(i));
  return m ? Number.parseInt(m[1] as string, 10) : 0;
}

/** Keys from a numkeys argument at `nkIdx`, optionally preceded by a destination at 1. */
function numkeysKeys(nkIdx: number, withDest: boolean): (args: CommandArgs) => number[] {
  return (args) => {
    if (nkIdx >= args.argc) return [];
    const n = atoi(args, nkIdx);
    if (n < 1 || n > args.argc - nkIdx - 1) return [];
    const keys: number[] = withDest ? [1] : [];
    for (let i = 0; i < n; i++) keys.push(nkIdx + 1 + i);
    return keys;
  };
}

// ---- The table -------------------------------------------------------------------------------------

const W = "@write @sortedset @fast";
const WS = "@write @sortedset @slow";
const R = "@read @sortedset @fast";
const RS = "@read @sortedset @slow";
const K1: [number, number, number] = [1, 1, 1];
const K0: [number, number, number] = [0, 0, 0];

export const zsetCommands: CommandSpec[] = [
  cmd("zadd", -4, "write denyoom fast", K1, W, (c, a, w) => zaddGeneric(c, a, w, false)),
  cmd("zincrby", 4, "write denyoom fast", K1, W, (c, a, w) => zaddGeneric(c, a, w, true)),
  cmd("zrem", -3, "write fast", K1, W, zrem),
  cmd("zscore", 3, "readonly fast", K1, R, zscore),
  cmd("zmscore", -3, "readonly fast", K1, R, zmscore),
  cmd("zcard", 2, "readonly fast", K1, R, zcard),
  cmd("zcount", 4, "readonly fast", K1, R, zcount),
  cmd("zlexcount", 4, "readonly fast", K1, R, zlexcount),
  cmd("zrank", 3, "readonly fast", K1, R, (c, a, w) => zrankGeneric(c, a, w, false)),
  cmd("zrevrank", 3, "readonly fast", K1, R, (c, a, w) => zrankGeneric(c, a, w, true)),
  cmd("zrange", -4, "readonly", K1, RS, (c, a, w) => zrangeGeneric(c, a, w, 1, false, AUTO, AUTO)),
  cmd("zrangebyscore", -4, "readonly", K1, RS, (c, a, w) =>
    zrangeGeneric(c, a, w, 1, false, BY_SCORE, FORWARD),
  ),
  cmd("zrevrangebyscore", -4, "readonly", K1, RS, (c, a, w) =>
    zrangeGeneric(c, a, w, 1, false, BY_SCORE, REVERSE),
  ),
  cmd("zrangebylex", -4, "readonly", K1, RS, (c, a, w) =>
    zrangeGeneric(c, a, w, 1, false, BY_LEX, FORWARD),
  ),
  cmd("zrevrangebylex", -4, "readonly", K1, RS, (c, a, w) =>
    zrangeGeneric(c, a, w, 1, false, BY_LEX, REVERSE),
  ),
  cmd("zrevrange", -4, "readonly", K1, RS, (c, a, w) =>
    zrangeGeneric(c, a, w, 1, false, BY_RANK, REVERSE),
  ),
  cmd("zrangestore", -5, "write denyoom", [1, 2, 1], WS, (c, a, w) =>
    zrangeGeneric(c, a, w, 2, true, AUTO, AUTO),
  ),
  cmd("zpopmin", -2, "write fast", K1, W, (c, a, w) => zpopMinMax(c, a, w, false)),
  cmd("zpopmax", -2, "write fast", K1, W, (c, a, w) => zpopMinMax(c, a, w, true)),
  cmd("bzpopmin", -3, "write noscript blocking fast", [1, -2, 1], `${W} @blocking`, (c, a, w) =>
    bzpopMinMax(c, a, w, false),
  ),
  cmd("bzpopmax", -3, "write noscript blocking fast", [1, -2, 1], `${W} @blocking`, (c, a, w) =>
    bzpopMinMax(c, a, w, true),
  ),
  cmd("zmpop", -4, "write", K0, WS, (c, a, w) => zmpopGeneric(c, a, w, false), {
    getKeys: numkeysKeys(1, false),
  }),
  cmd(
    "bzmpop",
    -5,
    "write blocking",
    K0,
    `${WS} @blocking`,
    (c, a, w) => zmpopGeneric(c, a, w, true),
    { getKeys: numkeysKeys(2, false) },
  ),
  cmd("zrandmember", -2, "readonly", K1, RS, zrandmember),
  cmd("zremrangebyrank", 4, "write", K1, WS, (c, a, w) => zremrangeGeneric(c, a, w, BY_RANK)),
  cmd("zremrangebyscore", 4, "write", K1, WS, (c, a, w) => zremrangeGeneric(c, a, w, BY_SCORE)),
  cmd("zremrangebylex", 4, "write", K1, WS, (c, a, w) => zremrangeGeneric(c, a, w, BY_LEX)),
  cmd(
    "zunion",
    -3,
    "readonly",
    K0,
    RS,
    (c, a, w) => zsetOpGeneric(c, a, w, "zunion", 0, 1, OP_UNION, false),
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    "zinter",
    -3,
    "readonly",
    K0,
    RS,
    (c, a, w) => zsetOpGeneric(c, a, w, "zinter", 0, 1, OP_INTER, false),
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    "zdiff",
    -3,
    "readonly",
    K0,
    RS,
    (c, a, w) => zsetOpGeneric(c, a, w, "zdiff", 0, 1, OP_DIFF, false),
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd(
    "zunionstore",
    -4,
    "write denyoom",
    K1,
    WS,
    (c, a, w) => zsetOpGeneric(c, a, w, "zunionstore", 1, 2, OP_UNION, false),
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    "zinterstore",
    -4,
    "write denyoom",
    K1,
    WS,
    (c, a, w) => zsetOpGeneric(c, a, w, "zinterstore", 1, 2, OP_INTER, false),
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    "zdiffstore",
    -4,
    "write denyoom",
    K1,
    WS,
    (c, a, w) => zsetOpGeneric(c, a, w, "zdiffstore", 1, 2, OP_DIFF, false),
    { getKeys: numkeysKeys(2, true) },
  ),
  cmd(
    "zintercard",
    -3,
    "readonly",
    K0,
    RS,
    (c, a, w) => zsetOpGeneric(c, a, w, "zintercard", 0, 1, OP_INTER, true),
    { getKeys: numkeysKeys(1, false) },
  ),
  cmd("zscan", -3, "readonly", K1, RS, zscan),
];

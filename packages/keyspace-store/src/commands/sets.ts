// The set commands (t_set.c in Redis 7.0): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SINTER SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN.
// A set is a JS Set of latin1 members. Emptied sets are deleted. Writes propagate only when they
// changed something, and SPOP propagates as Redis 7.0 does: one SREM per popped member, or DEL
// when the whole set went.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import {
  endSetAdds,
  isInt64String,
  markHashtable,
  noteSetAdd,
  objectEncoding,
  settleEncoding,
} from "../encoding.js";
import {
  ERR_INVALID_CURSOR,
  ERR_MUST_BE_POSITIVE,
  ERR_NOT_INTEGER,
  ERR_NUMKEYS_ZERO,
  ERR_SYNTAX,
} from "../errors.js";
import { parseScanCursor, parseScanOptions, scanContainer } from "../scan.js";
import {
  forEachRandomKey,
  noteAdded,
  noteRemoved,
  popRandomKey,
  randomDistinctKeys,
  randomKey,
} from "../types/hash-set-random.js";
import { isSet, type SetValue, WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";

const ERR_SRANDMEMBER_RANGE =
  "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
const ERR_NUMKEYS_TOO_MANY = "ERR Number of keys can't be greater than number of args";
const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
const INT64_MIN = -(2n ** 63n);

// ---- Lookups --------------------------------------------------------------------------------

/** The set at `key`: undefined when missing, null after replying WRONGTYPE. */
function getSet(
  ctx: CommandContext,
  key: string,
  w: ReplyWriter,
  write: boolean,
): SetValue | undefined | null {
  const v = write ? ctx.db.lookupWrite(key, ctx.now) : ctx.db.lookupRead(key, ctx.now);
  if (v === undefined) return undefined;
  if (!isSet(v)) {
    w.error(WRONGTYPE);
    return null;
  }
  return v;
}

function replyMembers(w: ReplyWriter, members: Iterable<string>, n: number): void {
  w.set(n);
  for (const m of members) w.bulkLatin1(m);
}

/** The argv form of a key or member for propagation: latin1 bytes, never re-encoded as UTF-8. */
const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

// ---- Single-key writes ----------------------------------------------------------------------

function sadd(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const key = args.latin1(1);
  let s = getSet(ctx, key, w, true);
  if (s === null) return;
  if (s === undefined) {
    s = new Set();
    ctx.db.add(key, s);
  }
  const before = s.size;
  for (let i = 2; i < args.argc; i++) {
    const n = s.size;
    const m = args.latin1(i);
    s.add(m);
    if (s.size !== n) {
      noteAdded(s, m);
      noteSetAdd(s, m, ctx.keyspace.encodingLimits, true);
    }
  }
  endSetAdds(s);
  const added = s.size - before;
  w.integer(added);
  if (added === 0) return;
  ctx.db.signalModified(key);
  ctx.db.notify("set", "sadd", key);
  ctx.addDirty(added);
  ctx.propagateSelf();
}

function srem(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const key = args.latin1(1);
  const s = getSet(ctx, key, w, true);
  if (s === null) return;
  if (s === undefined) {
    w.integer(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < args.argc; i++) {
    if (s.delete(args.latin1(i))) {
      deleted++;
      if (s.size === 0) {
        ctx.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  w.integer(deleted);
  if (deleted === 0) return;
  noteRemoved(s);
  ctx.db.signalModified(key);
  ctx.db.notify("set", "srem", key);
  if (removed) ctx.db.notify("generic", "del", key);
  ctx.addDirty(deleted);
  ctx.propagateSelf();
}

function spop(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  if (args.argc === 3) {
    spopWithCount(ctx, args, w);
    return;
  }
  if (args.argc > 3) {
    w.error(ERR_SYNTAX);
    return;
  }
  const key = args.latin1(1);
  const s = getSet(ctx, key, w, true);
  if (s === null) return;
  if (s === undefined) {
    w.nullBulk();
    return;
  }
  const m = popRandomKey(s, ctx.keyspace.random);
  ctx.db.notify("set", "spop", key);
  ctx.propagate(["SREM", args.copy(1), bytes(m)]);
  w.bulkLatin1(m);
  if (s.size === 0) {
    ctx.db.delete(key);
    ctx.db.notify("generic", "del", key);
  }
  ctx.db.signalModified(key);
  ctx.addDirty(1);
}

function spopWithCount(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  // getPositiveLongFromObjectOrReply: one message for non-integers and negatives alike.
  const l = parseInt64(args.view(2));
  if (l === null || l < 0) {
    w.error(ERR_MUST_BE_POSITIVE);
    return;
  }
  const key = args.latin1(1);
  const s = getSet(ctx, key, w, true);
  if (s === null) return;
  if (s === undefined || l === 0) {
    w.set(0);
    return;
  }
  const count = Number(l);
  const size = s.size;
  ctx.db.notify("set", "spop", key);
  ctx.addDirty(Math.min(count, size));
  if (count >= size) {
    replyMembers(w, s, size);
    ctx.db.delete(key);
    ctx.db.notify("generic", "del", key);
    ctx.propagate(["DEL", args.copy(1)]);
    ctx.db.signalModified(key);
    return;
  }
  const popped = randomDistinctKeys(s, count, ctx.keyspace.random);
  const keyBytes = args.copy(1);
  w.set(count);
  for (const m of popped) {
    s.delete(m);
    w.bulkLatin1(m);
    ctx.propagate(["SREM", keyBytes, bytes(m)]);
  }
  noteRemoved(s);
  ctx.db.signalModified(key);
}

function smove(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const srcKey = args.latin1(1);
  const dstKey = args.latin1(2);
  const src = ctx.db.lookupWrite(srcKey, ctx.now);
  const dst = ctx.db.lookupWrite(dstKey, ctx.now);
  const member = args.latin1(3);
  if (src === undefined) {
    w.integer(0);
    return;
  }
  if (!isSet(src) || (dst !== undefined && !isSet(dst))) {
    w.error(WRONGTYPE);
    return;
  }
  if (src === dst) {
    w.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.delete(member)) {
    w.integer(0);
    return;
  }
  noteRemoved(src);
  ctx.db.notify("set", "srem", srcKey);
  if (src.size === 0) {
    ctx.db.delete(srcKey);
    ctx.db.notify("generic", "del", srcKey);
  }
  let target = dst as SetValue | undefined;
  if (target === undefined) {
    target = new Set();
    ctx.db.add(dstKey, target);
  }
  ctx.db.signalModified(srcKey);
  ctx.addDirty(1);
  if (!target.has(member)) {
    target.add(member);
    noteAdded(target, member);
    noteSetAdd(target, member, ctx.keyspace.encodingLimits);
    ctx.addDirty(1);
    ctx.db.signalModified(dstKey);
    ctx.db.notify("set", "sadd", dstKey);
  }
  w.integer(1);
  ctx.propagateSelf();
}

// ---- Single-key reads -----------------------------------------------------------------------

function smembers(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const s = getSet(ctx, args.latin1(1), w, false);
  if (s === null) return;
  if (s === undefined) {
    w.set(0);
    return;
  }
  replyMembers(w, s, s.size);
}

function sismember(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const s = getSet(ctx, args.latin1(1), w, false);
  if (s !== null) w.integer(s?.has(args.latin1(2)) ? 1 : 0);
}

function smismember(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const s = getSet(ctx, args.latin1(1), w, false);
  if (s === null) return;
  w.array(args.argc - 2);
  for (let i = 2; i < args.argc; i++) w.integer(s?.has(args.latin1(i)) ? 1 : 0);
}

function scard(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const s = getSet(ctx, args.latin1(1), w, false);
  if (s !== null) w.integer(s?.size ?? 0);
}

function srandmember(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  if (args.argc === 3) {
    srandmemberWithCount(ctx, args, w);
    return;
  }
  if (args.argc > 3) {
    w.error(ERR_SYNTAX);
    return;
  }
  const s = getSet(ctx, args.latin1(1), w, false);
  if (s === null) return;
  if (s === undefined) {
    w.nullBulk();
    return;
  }
  w.bulkLatin1(randomKey(s, ctx.keyspace.random));
}

function srandmemberWithCount(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const l = parseInt64(args.view(2));
  if (l === null) {
    w.error(ERR_NOT_INTEGER);
    return;
  }
  if (l === INT64_MIN) {
    w.error(ERR_SRANDMEMBER_RANGE);
    return;
  }
  const s = getSet(ctx, args.latin1(1), w, false);
  if (s === null) return;
  if (s === undefined || l === 0) {
    w.array(0);
    return;
  }
  const size = s.size;
  if (l < 0 || l === 1) {
    // Repetition allowed (or a single pick): independent picks, in random order.
    const count = l === 1 ? 1 : -Number(l);
    w.array(count);
    forEachRandomKey(s, count, ctx.keyspace.random, (m) => w.bulkLatin1(m));
    return;
  }
  const count = Number(l);
  if (count >= size) {
    w.array(size);
    for (const m of s) w.bulkLatin1(m);
    return;
  }
  w.array(count);
  for (const m of randomDistinctKeys(s, count, ctx.keyspace.random)) w.bulkLatin1(m);
}

// ---- Multi-key algebra ----------------------------------------------------------------------

/**
 * Looks up `n` keys from argument `from` (as Redis: for reads unless storing). Missing keys are
 * undefined; returns null after replying WRONGTYPE (every key is type-checked, even after a
 * missing one).
 */
function lookupSets(
  ctx: CommandContext,
  args: CommandArgs,
  from: number,
  n: number,
  write: boolean,
  w: ReplyWriter,
): (SetValue | undefined)[] | null {
  const sets: (SetValue | undefined)[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const s = getSet(ctx, args.latin1(from + j), w, write);
    if (s === null) return null;
    sets[j] = s;
  }
  return sets;
}

/** Members of the intersection, smallest set first; stops after `limit` members when > 0. */
function intersect(sets: SetValue[], limit: number): string[] {
  sets.sort((a, b) => a.size - b.size);
  const [first, ...rest] = sets as [SetValue, ...SetValue[]];
  const out: string[] = [];
  outer: for (const m of first) {
    for (const s of rest) if (!s.has(m)) continue outer;
    out.push(m);
    if (out.length === limit) break;
  }
  return out;
}

/** Writes a computed set to `dst` as the *STORE commands do (an empty result deletes `dst`). */
function storeResult(
  ctx: CommandContext,
  dstKey: string,
  result: SetValue,
  event: string,
  w: ReplyWriter,
): void {
  if (result.size > 0) {
    ctx.db.setKey(dstKey, result);
    w.integer(result.size);
    ctx.db.notify("set", event, dstKey);
    ctx.addDirty(1);
    ctx.propagateSelf();
    return;
  }
  w.integer(0);
  if (ctx.db.delete(dstKey)) {
    ctx.addDirty(1);
    ctx.db.signalModified(dstKey);
    ctx.db.notify("generic", "del", dstKey);
    ctx.propagateSelf();
  }
}

function sinterGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  from: number,
  n: number,
  dstKey: string | null,
  cardinalityOnly: boolean,
  limit: number,
): void {
  const sets = lookupSets(ctx, args, from, n, dstKey !== null, w);
  if (sets === null) return;
  // A missing key is an empty set, and so is any intersection with it.
  const present = sets.includes(undefined) ? [] : intersect(sets as SetValue[], limit);
  if (dstKey !== null) {
    storeResult(ctx, dstKey, new Set(present), "sinterstore", w);
    return;
  }
  if (cardinalityOnly) {
    w.integer(present.length);
    return;
  }
  replyMembers(w, present, present.length);
}

function sunionDiffGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  from: number,
  dstKey: string | null,
  diff: boolean,
): void {
  const sets = lookupSets(ctx, args, from, args.argc - from, dstKey !== null, w);
  if (sets === null) return;
  const result: SetValue = new Set();
  if (!diff) {
    for (const s of sets) if (s !== undefined) for (const m of s) result.add(m);
  } else {
    const [first, ...rest] = sets;
    if (first !== undefined) {
      outer: for (const m of first) {
        for (const s of rest) if (s?.has(m)) continue outer;
        result.add(m);
      }
      // Redis's algorithm 2 adds all of the first set to the result, then removes the others'
      // members: the result turns hashtable on the way (a non-integer or too many members in
      // the first set) and stays one. Only the encoding shows which algorithm ran.
      if (dstKey !== null && diffAlgorithm(sets as (SetValue | undefined)[]) === 2) {
        if (first.size > ctx.keyspace.encodingLimits.setMaxIntsetEntries) markHashtable(result);
        else
          for (const m of first)
            if (!isInt64String(m)) {
              markHashtable(result);
              break;
            }
      }
    }
  }
  if (dstKey !== null) storeResult(ctx, dstKey, result, diff ? "sdiffstore" : "sunionstore", w);
  else {
    // Redis builds the reply in a set of its own (createIntsetObject): ascending while an intset.
    settleEncoding(result, ctx.keyspace.encodingLimits);
    replyMembers(w, result, result.size);
  }
}

/**
 * sunionDiffGenericCommand's choice for SDIFF: algorithm 1 (test each member of the first set
 * against the others, O(N*M)) unless half its work exceeds algorithm 2's (add the first set,
 * remove every other set's members, O(total)); missing keys count for neither.
 */
function diffAlgorithm(sets: readonly (SetValue | undefined)[]): 1 | 2 {
  const first = sets[0];
  if (first === undefined) return 1;
  let one = 0;
  let two = 0;
  for (const s of sets) {
    if (s === undefined) continue;
    one += first.size;
    two += s.size;
  }
  return Math.floor(one / 2) <= two ? 1 : 2;
}

function sintercard(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  const nk = parseInt64(args.view(1));
  if (nk === null || nk < 1) {
    w.error(ERR_NUMKEYS_ZERO);
    return;
  }
  if (nk > args.argc - 2) {
    w.error(ERR_NUMKEYS_TOO_MANY);
    return;
  }
  const numKeys = Number(nk);
  let limit = 0;
  for (let j = 2 + numKeys; j < args.argc; j++) {
    if (args.is(j, "limit") && j < args.argc - 1) {
      j++;
      const l = parseInt64(args.view(j));
      if (l === null || l < 0) {
        w.error(ERR_LIMIT_NEGATIVE);
        return;
      }
      limit = Number(l);
    } else {
      w.error(ERR_SYNTAX);
      return;
    }
  }
  sinterGeneric(ctx, args, w, 2, numKeys, null, true, limit);
}

/** SINTERCARD numkeys key [key ...]: keys follow their count (none when the count is bad). */
function sintercardKeys(args: CommandArgs): number[] {
  const nk = parseInt64(args.view(1));
  if (nk === null || nk < 1 || nk > args.argc - 2) return [];
  const keys: number[] = [];
  for (let i = 0; i < Number(nk); i++) keys.push(2 + i);
  return keys;
}

// ---- SSCAN ----------------------------------------------------------------------------------

function sscan(ctx: CommandContext, args: CommandArgs, w: ReplyWriter): void {
  // As sscanCommand: cursor first, then the key, and only then the options. A set Redis would
  // hold as an intset is returned whole with cursor 0, as Redis does.
  const cursor = parseScanCursor(args.latin1(2));
  if (cursor === null) {
    w.error(ERR_INVALID_CURSOR);
    return;
  }
  const s = getSet(ctx, args.latin1(1), w, false);
  if (s === null) return;
  if (s === undefined) {
    w.array(2);
    w.bulkLatin1("0");
    w.array(0);
    return;
  }
  const opts = parseScanOptions(args, 3, false, cursor, w);
  if (opts === null) return;
  const out: string[] = [];
  const match = opts.match;
  const next = scanContainer(
    s,
    cursor,
    opts.count,
    objectEncoding(s, ctx.keyspace.encodingLimits) === "intset",
    (m) => {
      if (match === null || match(m)) out.push(m);
    },
  );
  w.array(2);
  w.bulkLatin1(String(next));
  w.array(out.length);
  for (const m of out) w.bulkLatin1(m);
}

// ---- Table ----------------------------------------------------------------------------------

const ACL_W_FAST = "@write @set @fast";
const ACL_W_SLOW = "@write @set @slow";
const ACL_R_FAST = "@read @set @fast";
const ACL_R_SLOW = "@read @set @slow";
const K1: [number, number, number] = [1, 1, 1];
const KALL: [number, number, number] = [1, -1, 1];

export const setCommands: CommandSpec[] = [
  cmd("sadd", -3, "write denyoom fast", K1, ACL_W_FAST, sadd),
  cmd("srem", -3, "write fast", K1, ACL_W_FAST, srem),
  cmd("smembers", 2, "readonly", K1, ACL_R_SLOW, smembers),
  cmd("sismember", 3, "readonly fast", K1, ACL_R_FAST, sismember),
  cmd("smismember", -3, "readonly fast", K1, ACL_R_FAST, smismember),
  cmd("scard", 2, "readonly fast", K1, ACL_R_FAST, scard),
  cmd("spop", -2, "write fast", K1, ACL_W_FAST, spop),
  cmd("srandmember", -2, "readonly", K1, ACL_R_SLOW, srandmember),
  cmd("smove", 4, "write fast", [1, 2, 1], ACL_W_FAST, smove),
  cmd("sinter", -2, "readonly", KALL, ACL_R_SLOW, (c, a, w) =>
    sinterGeneric(c, a, w, 1, a.argc - 1, null, false, 0),
  ),
  cmd("sintercard", -3, "readonly", [0, 0, 0], ACL_R_SLOW, sintercard, {
    getKeys: sintercardKeys,
  }),
  cmd("sunion", -2, "readonly", KALL, ACL_R_SLOW, (c, a, w) =>
    sunionDiffGeneric(c, a, w, 1, null, false),
  ),
  cmd("sdiff", -2, "readonly", KALL, ACL_R_SLOW, (c, a, w) =>
    sunionDiffGeneric(c, a, w, 1, null, true),
  ),
  cmd("sinterstore", -3, "write denyoom", KALL, ACL_W_SLOW, (c, a, w) =>
    sinterGeneric(c, a, w, 2, a.argc - 2, a.latin1(1), false, 0),
  ),
  cmd("sunionstore", -3, "write denyoom", KALL, ACL_W_SLOW, (c, a, w) =>
    sunionDiffGeneric(c, a, w, 2, a.latin1(1), false),
  ),
  cmd("sdiffstore", -3, "write denyoom", KALL, ACL_W_SLOW, (c, a, w) =>
    sunionDiffGeneric(c, a, w, 2, a.latin1(1), true),
  ),
  cmd("sscan", -3, "readonly", K1, ACL_R_SLOW, sscan),
];

// SORT and SORT_RO (sort.c in Redis 7.0): the elements of a list, set or sorted set, ordered as
// numbers (the default) or as strings (ALPHA), by themselves or by the values of other keys named
// by a BY pattern ("weight_*", "hash_*->field"), cut by LIMIT, each replaced by GET patterns (and
// "#" for the element itself), replied or stored as a list (STORE).
// Details that make replies equal to Redis's:
// - a BY pattern without "*" means "don't sort": lists and sorted sets keep their own order
//   (reversed by DESC, cut by LIMIT first); a set is then sorted ALPHA when STORE is given or
//   when a script calls SORT, so that the stored (and replicated) list, and what the script
//   goes on to do with the reply, is the same everywhere;
// - an intset is loaded in its ascending order, which equal ALPHA BY values keep;
// - numeric values are parsed as strtod does (leading blanks allowed, nothing after the number);
//   a missing BY key sorts as 0; equal scores fall back to the elements' bytes;
// - ALPHA compares as strcmp (the server runs in the C locale): bytes, up to a NUL byte; with
//   STORE it compares whole byte strings;
// - in cluster mode BY with a real pattern, and GET, are refused (the keys they name may live on
//   another node), with Redis's messages.
// A sorted set held as a listpack is converted to a skiplist for good, as zsetConvert does.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../errors.js";
import type { Database } from "../keyspace.js";
import type { StringValue } from "../string-value.js";
import { elementFromBytes, elementFromLatin1, elementLatin1 } from "../types/list.js";
import { pqsort } from "../types/pqsort.js";
import { parseScore } from "../types/zset-args.js";
import {
  Denque,
  isHash,
  isList,
  isSet,
  isString,
  isZSet,
  type ListElement,
  WRONGTYPE,
} from "../value.js";
import { cmd } from "./define.js";

interface SortItem {
  /** The element, latin1. */
  el: string;
  score: number;
  /** BY value compared under ALPHA (null when the BY key is missing). */
  cmp: string | null;
}

const LONG_MIN = -(2n ** 63n);

/** getLongFromObjectOrReply: a long (int64) argument; null when invalid. */
function argLong(args: CommandArgs, i: number): number | null {
  const n = parseInt64(args.view(i));
  if (n === null) return null;
  // Beyond 2^53 the exact value is past any list's length: clamp without losing the sign.
  if (typeof n === "bigint") return n <= LONG_MIN ? -(2 ** 63) : Number(n);
  return n;
}

/** The byte string up to the first NUL (what C's string functions see), latin1. */
function cString(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

/**
 * lookupKeyByPattern: the value a BY/GET pattern names for element `el` (latin1), or null. "#" is
 * the element itself; "prefix*suffix" a string key; "prefix*suffix->field" a hash field.
 */
function lookupByPattern(
  db: Database,
  now: number,
  pattern: string,
  el: string,
): StringValue | Buffer | null {
  const pat = cString(pattern);
  if (pat === "#" && (pattern.length === 1 || pattern[1] === "\0")) return el;
  const star = pat.indexOf("*");
  if (star < 0) return null;
  const arrow = pat.indexOf("->", star + 1);
  // A trailing "->" names no field: the pattern is then a plain key pattern, arrow included.
  const field = arrow >= 0 && arrow + 2 < pat.length ? pattern.slice(arrow + 2) : null;
  const keyEnd = field !== null ? arrow : pattern.length;
  const key = pattern.slice(0, star) + el + pattern.slice(star + 1, keyEnd);
  const v = db.lookupRead(key, now);
  if (v === undefined) return null;
  if (field !== null) {
    if (!isHash(v)) return null;
    return v.get(field) ?? null;
  }
  return isString(v) ? v : null;
}

function latin1(v: StringValue | Buffer): string {
  return typeof v === "string" ? v : v.toString("latin1");
}

/** SORT's strtod: the score of a BY value or element, or null when it is not a number. */
function sortScore(s: string): number | null {
  const c = cString(s);
  if (c === "") return 0; // strtod of "" converts nothing and stops at the terminator
  let i = 0;
  while (i < c.length && " \t\n\v\f\r".includes(c[i] as string)) i++;
  if (i === c.length) return null;
  const v = parseScore(c.slice(i));
  // glibc's strtod also sets ERANGE for a subnormal result, which SORT counts as an error.
  return v !== null && v !== 0 && Math.abs(v) < 2.2250738585072014e-308 ? null : v;
}

/** strcmp / memcmp order of two latin1 byte strings. */
function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  readOnly: boolean,
): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  const cluster = ctx.keyspace.clusterMode;
  for (let j = 2; j < args.argc; j++) {
    const left = args.argc - j - 1;
    if (args.is(j, "asc")) desc = false;
    else if (args.is(j, "desc")) desc = true;
    else if (args.is(j, "alpha")) alpha = true;
    else if (args.is(j, "limit") && left >= 2) {
      const s = argLong(args, j + 1);
      const c = s === null ? null : argLong(args, j + 2);
      if (s === null || c === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      limitStart = s;
      limitCount = c;
      j += 2;
    } else if (!readOnly && args.is(j, "store") && left >= 1) {
      storekey = args.latin1(j + 1);
      j++;
    } else if (args.is(j, "by") && left >= 1) {
      sortby = args.latin1(j + 1);
      if (!cString(sortby).includes("*")) dontsort = true;
      else if (cluster) {
        reply.error("ERR BY option of SORT denied in Cluster mode.");
        return;
      }
      j++;
    } else if (args.is(j, "get") && left >= 1) {
      if (cluster) {
        reply.error("ERR GET option of SORT denied in Cluster mode.");
        return;
      }
      gets.push(args.latin1(j + 1));
      j++;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }

  const db = ctx.db;
  const v = db.lookupRead(args.latin1(1), ctx.now);
  if (v !== undefined && !isList(v) && !isSet(v) && !isZSet(v)) {
    reply.error(WRONGTYPE);
    return;
  }
  // A set has no order of its own: sorting it makes a stored result, or a script's, the same
  // everywhere.
  if (dontsort && v !== undefined && isSet(v) && (storekey !== null || ctx.fromScript === true)) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  if (v !== undefined && isZSet(v)) v.listpack = false;

  const total = v === undefined ? 0 : isZSet(v) ? v.size : isList(v) ? v.length : v.size;
  let start = Math.max(limitStart, 0);
  let end = limitCount < 0 ? total - 1 : start + limitCount - 1;
  if (start >= total) {
    start = total - 1;
    end = total - 2;
  }
  if (end >= total) end = total - 1;

  let els: string[] = [];
  if (v === undefined) els = [];
  else if (dontsort && (isList(v) || isZSet(v))) {
    // Only the range is loaded, in the collection's order (reversed for DESC).
    if (end >= start) {
      const all: string[] = isList(v)
        ? v.toArray().map(elementLatin1)
        : [...v.entries()].map(([m]) => m);
      if (desc) all.reverse();
      els = all.slice(start, end + 1);
      end -= start;
      start = 0;
    }
  } else if (isList(v)) els = v.toArray().map(elementLatin1);
  // An intset's Set iterates ascending (encoding.ts keeps it so), the order Redis loads it in.
  else if (isSet(v)) els = [...v];
  else els = [...v.dict.keys()];

  let conversionError = false;
  if (!dontsort) {
    const items: SortItem[] = els.map((el) => ({ el, score: 0, cmp: null }));
    for (const it of items) {
      let by: StringValue | Buffer | null;
      if (sortby !== null) {
        by = lookupByPattern(db, ctx.now, sortby, it.el);
        if (by === null) continue;
      } else by = it.el;
      if (alpha) {
        if (sortby !== null) it.cmp = latin1(by);
      } else {
        const s = sortScore(latin1(by));
        if (s === null) conversionError = true;
        else it.score = s;
      }
    }
    const byPattern = sortby !== null;
    const store = storekey !== null;
    const str = store ? (s: string) => s : cString;
    const compare = (a: SortItem, b: SortItem): number => {
      let c: number;
      if (!alpha) {
        c = a.score > b.score ? 1 : a.score < b.score ? -1 : byteCompare(a.el, b.el);
      } else if (byPattern) {
        if (a.cmp === null || b.cmp === null) c = a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
        else c = byteCompare(str(a.cmp), str(b.cmp));
      } else c = byteCompare(str(a.el), str(b.el));
      return desc ? -c : c;
    };
    // glibc's qsort (a stable merge sort) for the whole vector; Redis's own partial quicksort
    // for BY with a LIMIT, whose order of equal elements this must share.
    if (byPattern && (start !== 0 || end !== items.length - 1)) pqsort(items, compare, start, end);
    else items.sort(compare);
    els = items.map((it) => it.el);
  }

  const n = end - start + 1;
  const outputLen = gets.length > 0 ? gets.length * n : n;
  if (conversionError) {
    reply.error("ERR One or more scores can't be converted into double");
    return;
  }
  if (storekey === null) {
    reply.array(outputLen);
    for (let j = start; j <= end; j++) {
      const el = els[j] as string;
      if (gets.length === 0) reply.bulkLatin1(el);
      for (const g of gets) {
        const val = lookupByPattern(db, ctx.now, g, el);
        if (val === null) reply.nullBulk();
        else if (typeof val === "string") reply.bulkLatin1(val);
        else reply.bulk(val);
      }
    }
    return;
  }
  const list = new Denque<ListElement>();
  for (let j = start; j <= end; j++) {
    const el = els[j] as string;
    if (gets.length === 0) list.push(elementFromLatin1(el));
    for (const g of gets) {
      const val = lookupByPattern(db, ctx.now, g, el);
      if (val === null) list.push("");
      else list.push(typeof val === "string" ? elementFromLatin1(val) : elementFromBytes(val));
    }
  }
  if (outputLen > 0) {
    db.lookupWrite(storekey, ctx.now);
    db.setKey(storekey, list);
    db.notify("list", "sortstore", storekey);
    ctx.addDirty(outputLen);
    ctx.propagateSelf();
  } else if (db.delete(storekey)) {
    db.signalModified(storekey);
    db.notify("generic", "del", storekey);
    ctx.addDirty(1);
    ctx.propagateSelf();
  }
  reply.integer(outputLen);
}

/**
 * sortGetKeys: the sorted key, and the last STORE's key. Options are skipped by their argument
 * counts (LIMIT 2, GET 1, BY 1); STORE's own argument is not skipped, as in Redis.
 */
function sortGetKeys(args: CommandArgs): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < args.argc; i++) {
    if (args.is(i, "limit")) i += 2;
    else if (args.is(i, "store") && i + 1 < args.argc) store = i + 1;
    else if (args.is(i, "get") || args.is(i, "by")) i += 1;
  }
  if (store >= 0) keys.push(store);
  return keys;
}

const CATS = "@set @sortedset @list @slow @dangerous";

export const sortCommands: CommandSpec[] = [
  cmd(
    "sort",
    -2,
    "write denyoom",
    [1, 1, 1],
    `@write ${CATS}`,
    (c, a, r) => sortGeneric(c, a, r, false),
    { getKeys: sortGetKeys },
  ),
  cmd(
    "sort_ro",
    -2,
    "readonly",
    [1, 1, 1],
    `@read ${CATS}`,
    (c, a, r) => sortGeneric(c, a, r, true),
    { getKeys: () => [1] },
  ),
];

// The stream family (t_stream.c in Redis 7.0): XADD, XRANGE/XREVRANGE, XLEN, XDEL, XTRIM, XSETID,
// XREAD (blocking too).
// Each handler follows Redis's order of checks (options, arity, IDs, then the key and its type)
// so bad input gets the error Redis sends, and propagates what Redis propagates: XADD with the
// ID it generated (for `*` and `<ms>-*`), and approximate trimming (`~`, LIMIT) rewritten as the
// exact trim it turned out to be (`=` with the resulting length or first ID), so that replicas
// and the AOF end with the same entries.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, errArity } from "../errors.js";
import type { Database } from "../keyspace.js";
import { type Counter, Stream, type StreamNode, toCounter } from "../types/stream.js";
import {
  decrId,
  ERR_INVALID_STREAM_ID,
  formatStreamId,
  incrId,
  type ParsedId,
  parseStreamId,
  STREAM_ID_MAX,
  U64_MAX,
} from "../types/stream-id.js";
import { isStream, type Value, WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";

const ERR_XADD_ID_SMALLER =
  "ERR The ID specified in XADD is equal or smaller than the target stream top item";
const ERR_XADD_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0";
const ERR_EXHAUSTED = "ERR The stream has exhausted the last possible ID, unable to add more items";
const ERR_BOTH_STRATEGIES =
  "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";

// ---- Shared helpers --------------------------------------------------------------------------

/**
 * The stream at `key`, looked up for a read or a write (lookupKeyRead / lookupKeyWrite);
 * undefined when absent, null after a WRONGTYPE reply.
 */
export function lookupStream(
  db: Database,
  lookup: "lookupRead" | "lookupWrite",
  key: string,
  now: number,
  reply: ReplyWriter,
): Stream | null | undefined {
  const v: Value | undefined = db[lookup](key, now);
  if (v === undefined) return undefined;
  if (!isStream(v)) {
    reply.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** streamParseStrictIDOrReply / streamParseIDOrReply on argument `i`. */
export function argId(
  args: CommandArgs,
  i: number,
  reply: ReplyWriter,
  missingSeq: bigint,
  strict: boolean,
): bigint | null {
  const p = parseStreamId(args.latin1(i), missingSeq, strict);
  if (p === null) {
    reply.error(ERR_INVALID_STREAM_ID);
    return null;
  }
  return p.id;
}

/**
 * Every argument from `from` on as a strict ID (XDEL, XACK): all or nothing, so that the
 * command changes nothing when one of them is invalid. Null after the error reply.
 */
export function argIds(args: CommandArgs, from: number, reply: ReplyWriter): bigint[] | null {
  const ids: bigint[] = [];
  for (let j = from; j < args.argc; j++) {
    const id = argId(args, j, reply, 0n, true);
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}

/** One entry as streamReplyWithRange emits it: [id, [field, value, ...]]. */
export function replyEntry(reply: ReplyWriter, id: bigint, fv: readonly string[]): void {
  reply.array(2);
  reply.bulk(formatStreamId(id));
  reply.array(fv.length);
  for (const s of fv) reply.bulkLatin1(s);
}

/** Entries start..end (rev: end..start) as an array, at most `count` (0 = all). */
export function replyRange(
  reply: ReplyWriter,
  s: Stream,
  start: bigint,
  end: bigint,
  rev: boolean,
  count: number,
): number {
  // The reply's length comes first: the entries' places are gathered, then replied from the
  // nodes' bytes.
  const nodes: StreamNode[] = [];
  const offsets: number[] = [];
  s.walk(start, end, rev, count, (node, p) => {
    nodes.push(node);
    offsets.push(p);
    return true;
  });
  reply.array(nodes.length);
  for (let i = 0; i < nodes.length; i++)
    (nodes[i] as StreamNode).replyEntry(offsets[i] as number, reply);
  return nodes.length;
}

// ---- XADD / XTRIM argument parsing (streamParseAddOrTrimArgsOrReply) -------------------------

interface AddTrimArgs {
  strategy: "none" | "maxlen" | "minid";
  maxlen: number;
  minid: bigint;
  approx: boolean;
  /** 0 = no limit. */
  limit: number;
  /** Argument index of the MAXLEN count or MINID id. */
  strategyArg: number;
  noMkStream: boolean;
  /** XADD's explicit ID, null for `*`. */
  id: ParsedId | null;
  /** XADD: the index of the ID argument. */
  idPos: number;
}

/**
 * strcasecmp(argv[i], word) == 0 as streamParseAddOrTrimArgsOrReply tests its options: on the
 * argument as a C string, so bytes after a NUL are not seen ("maxlen\0x" is MAXLEN).
 */
function cWordIs(args: CommandArgs, i: number, word: string): boolean {
  // No view for the common lengths: no longer than the word, a NUL can only make it differ.
  const n = args.len(i);
  if (n <= word.length) return n === word.length && args.is(i, word);
  const v = args.view(i);
  const nul = v.indexOf(0);
  if (nul === -1) return args.is(i, word);
  if (nul !== word.length) return false;
  for (let j = 0; j < nul; j++) if (((v[j] as number) | 0x20) !== word.charCodeAt(j)) return false;
  return true;
}

/** `opt[0] == c && opt[1] == '\0'`: a one-character argument, or one cut short by a NUL. */
function cCharIs(args: CommandArgs, i: number, c: number): boolean {
  // One byte: is() matches it exactly (it folds only A-Z, and `c` is never a letter here).
  const n = args.len(i);
  if (n <= 1) return n === 1 && args.is(i, String.fromCharCode(c));
  const v = args.view(i);
  return v.length > 0 && v[0] === c && (v.length === 1 || v[1] === 0);
}

function parseAddTrim(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  xadd: boolean,
): AddTrimArgs | null {
  const a: AddTrimArgs = {
    strategy: "none",
    maxlen: -1,
    minid: 0n,
    approx: false,
    limit: 0,
    strategyArg: 0,
    noMkStream: false,
    id: null,
    idPos: 0,
  };
  let limitGiven = false;
  const argc = args.argc;
  let i = 2;
  for (; i < argc; i++) {
    const more = argc - 1 - i;
    // "*" is tested as a C string: "*\0x" is an auto ID too.
    if (xadd && cCharIs(args, i, 0x2a)) break;
    if (cWordIs(args, i, "maxlen") && more) {
      if (a.strategy !== "none") {
        reply.error(ERR_BOTH_STRATEGIES);
        return null;
      }
      a.approx = false;
      if (more >= 2) {
        if (cCharIs(args, i + 1, 0x7e)) {
          a.approx = true;
          i++;
        } else if (cCharIs(args, i + 1, 0x3d)) i++;
      }
      const n = parseInt64(args.view(i + 1));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return null;
      }
      if (n < 0) {
        reply.error("ERR The MAXLEN argument must be >= 0.");
        return null;
      }
      a.maxlen = Number(n);
      i++;
      a.strategy = "maxlen";
      a.strategyArg = i;
    } else if (cWordIs(args, i, "minid") && more) {
      if (a.strategy !== "none") {
        reply.error(ERR_BOTH_STRATEGIES);
        return null;
      }
      a.approx = false;
      if (more >= 2) {
        if (cCharIs(args, i + 1, 0x7e)) {
          a.approx = true;
          i++;
        } else if (cCharIs(args, i + 1, 0x3d)) i++;
      }
      const id = argId(args, i + 1, reply, 0n, true);
      if (id === null) return null;
      a.minid = id;
      i++;
      a.strategy = "minid";
      a.strategyArg = i;
    } else if (cWordIs(args, i, "limit") && more) {
      const n = parseInt64(args.view(i + 1));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return null;
      }
      if (n < 0) {
        reply.error("ERR The LIMIT argument must be >= 0.");
        return null;
      }
      a.limit = Number(n);
      limitGiven = true;
      i++;
    } else if (xadd && cWordIs(args, i, "nomkstream")) {
      a.noMkStream = true;
    } else if (xadd) {
      const p = parseStreamId(args.latin1(i), 0n, true, true);
      if (p === null) {
        reply.error(ERR_INVALID_STREAM_ID);
        return null;
      }
      a.id = p;
      break;
    } else {
      reply.error(ERR_SYNTAX);
      return null;
    }
  }
  a.idPos = i;
  if (a.limit && a.strategy === "none") {
    reply.error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return null;
  }
  if (!xadd && a.strategy === "none") {
    reply.error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return null;
  }
  if (ctx.obeyClient) {
    // Replayed or from our master: the trim was rewritten to what it did, so it runs whole.
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx) {
      reply.error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return null;
    }
  } else if (a.approx) {
    // 100 nodes' worth of entries by default, so one `~` trim never runs for long.
    const perNode = ctx.keyspace.encodingLimits.streamNodeMaxEntries;
    a.limit = 100 * perNode;
    if (a.limit <= 0 || a.limit > 1000000) a.limit = 10000;
  } else a.limit = 0;
  return a;
}

/** Runs the trim `a` asks for; returns the entries removed. */
function trimBy(s: Stream, a: AddTrimArgs): number {
  if (a.strategy === "none") return 0;
  return s.trim(a.strategy === "maxlen" ? a.maxlen : null, a.minid, a.approx, a.limit);
}

/**
 * streamRewriteApproxSpecifier + streamRewriteTrimArgument: `~` becomes `=` and the count or ID
 * becomes what the stream now holds, in a copy of the arguments to propagate.
 */
function rewriteTrim(argv: (Buffer | string)[], s: Stream, a: AddTrimArgs): void {
  argv[a.strategyArg - 1] = "=";
  // streamGetEdgeID(s, 1, 0): the first entry, tombstones included (max ID when empty).
  argv[a.strategyArg] =
    a.strategy === "maxlen"
      ? String(s.length)
      : formatStreamId(s.nodes[0]?.masterId ?? STREAM_ID_MAX);
}

export function argvCopy(args: CommandArgs): (Buffer | string)[] {
  const out: (Buffer | string)[] = [];
  for (let i = 0; i < args.argc; i++) out.push(args.copy(i));
  return out;
}

// ---- XADD ------------------------------------------------------------------------------------

function xadd(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const a = parseAddTrim(ctx, args, reply, true);
  if (a === null) return;
  const fieldPos = a.idPos + 1;
  const n = args.argc - fieldPos;
  if (n < 2 || n % 2 === 1) {
    reply.error(errArity("xadd"));
    return;
  }
  if (a.id?.seqGiven && a.id.id === 0n) {
    reply.error(ERR_XADD_ID_ZERO);
    return;
  }
  const db = ctx.db;
  const key = args.latin1(1);
  let s = lookupStream(db, "lookupWrite", key, ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    if (a.noMkStream) {
      reply.nullBulk();
      return;
    }
    s = new Stream();
    db.add(key, s);
  }
  if (s.lastId === STREAM_ID_MAX) {
    reply.error(ERR_EXHAUSTED);
    return;
  }
  // streamAppendItem's ID: explicit, "<ms>-*" (next sequence of that millisecond), or the clock.
  let id: bigint;
  if (a.id === null) {
    const ms = BigInt(Math.max(0, Math.floor(ctx.now)));
    id = ms > s.lastId >> 64n ? ms << 64n : (incrId(s.lastId) as bigint);
  } else if (a.id.seqGiven) id = a.id.id;
  else {
    const ms = a.id.id >> 64n;
    if (s.lastId >> 64n === ms) {
      if ((s.lastId & U64_MAX) === U64_MAX) {
        // 7.0.15 leaves errno other than EDOM here, hence this (misleading) text.
        reply.error("ERR Elements are too large to be stored");
        return;
      }
      id = s.lastId + 1n;
    } else id = a.id.id;
  }
  if (id <= s.lastId) {
    reply.error(ERR_XADD_ID_SMALLER);
    return;
  }
  const fv: string[] = new Array(n);
  for (let i = 0; i < n; i++) fv[i] = args.latin1(fieldPos + i);
  s.append(id, fv, ctx.keyspace.encodingLimits);
  const idText = formatStreamId(id);
  reply.bulkLatin1(idText);
  db.signalModified(key);
  db.notify("stream", "xadd", key);
  ctx.addDirty(1);
  // The propagated form (the ID resolved, an approximate trim made exact) as strings: the fields
  // and values are strings already, so nothing is copied (a copy of every argument was a third
  // of XADD's time in a BullMQ profile, with nothing consuming it).
  const argv: string[] = new Array(args.argc);
  for (let i = 0; i < fieldPos; i++) argv[i] = args.latin1(i);
  for (let i = 0; i < n; i++) argv[fieldPos + i] = fv[i]!;
  if (a.strategy !== "none") {
    if (trimBy(s, a)) db.notify("stream", "xtrim", key);
    if (a.approx) rewriteTrim(argv, s, a);
  }
  if (a.id === null || !a.id.seqGiven) argv[a.idPos] = idText;
  ctx.propagate(argv);
  db.signalReady(key);
}

// ---- XRANGE XREVRANGE ------------------------------------------------------------------------

/**
 * streamParseIntervalIDOrReply: "(" makes the bound exclusive (not for "-"/"+" alone), moved
 * one ID inward (`start` moves up, an end moves down); null after an error reply.
 */
export function intervalBound(
  args: CommandArgs,
  i: number,
  reply: ReplyWriter,
  missingSeq: bigint,
  start: boolean,
): bigint | null {
  const raw = args.latin1(i);
  const exclusive = raw.length > 1 && raw[0] === "(";
  const p = exclusive
    ? parseStreamId(raw.slice(1), missingSeq, true)
    : parseStreamId(raw, missingSeq, false);
  if (p === null) {
    reply.error(ERR_INVALID_STREAM_ID);
    return null;
  }
  if (!exclusive) return p.id;
  const n = start ? incrId(p.id) : decrId(p.id);
  if (n === null) {
    reply.error(
      start ? "ERR invalid start ID for the interval" : "ERR invalid end ID for the interval",
    );
    return null;
  }
  return n;
}

function xrangeGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  rev: boolean,
): void {
  const start = intervalBound(args, rev ? 3 : 2, reply, 0n, true);
  if (start === null) return;
  const end = intervalBound(args, rev ? 2 : 3, reply, U64_MAX, false);
  if (end === null) return;
  let count = -1;
  for (let j = 4; j < args.argc; j++) {
    if (args.is(j, "count") && args.argc - j - 1 >= 1) {
      const n = parseInt64(args.view(j + 1));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      count = n < 0 ? 0 : Number(n);
      j++;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  const s = lookupStream(ctx.db, "lookupRead", args.latin1(1), ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    reply.array(0);
    return;
  }
  if (count === 0) {
    reply.nullArray();
    return;
  }
  replyRange(reply, s, start, end, rev, count === -1 ? 0 : count);
}

// ---- XLEN ------------------------------------------------------------------------------------

function xlen(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const s = lookupStream(ctx.db, "lookupRead", args.latin1(1), ctx.now, reply);
  if (s === null) return;
  reply.integer(s === undefined ? 0 : s.length);
}

// ---- XDEL ------------------------------------------------------------------------------------

function xdel(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  const s = lookupStream(db, "lookupWrite", key, ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    reply.integer(0);
    return;
  }
  // Every ID is checked before any entry is deleted: no half-done XDEL.
  const ids = argIds(args, 2, reply);
  if (ids === null) return;
  let deleted = 0;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    if (id > s.maxDeletedId) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted) {
    db.signalModified(key);
    db.notify("stream", "xdel", key);
    ctx.addDirty(deleted);
    ctx.propagateSelf();
  }
  reply.integer(deleted);
}

// ---- XTRIM -----------------------------------------------------------------------------------

function xtrim(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const a = parseAddTrim(ctx, args, reply, false);
  if (a === null) return;
  const db = ctx.db;
  const key = args.latin1(1);
  const s = lookupStream(db, "lookupWrite", key, ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    reply.integer(0);
    return;
  }
  const deleted = trimBy(s, a);
  if (deleted) {
    db.notify("stream", "xtrim", key);
    const argv = argvCopy(args);
    if (a.approx) rewriteTrim(argv, s, a);
    db.signalModified(key);
    ctx.addDirty(deleted);
    ctx.propagate(argv);
  }
  reply.integer(deleted);
}

// ---- XSETID ----------------------------------------------------------------------------------

function xsetid(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const id = argId(args, 2, reply, 0n, true);
  if (id === null) return;
  let entriesAdded: Counter = -1;
  let maxDel = 0n;
  for (let i = 3; i < args.argc; ) {
    const more = args.argc - 1 - i;
    if (args.is(i, "entriesadded") && more) {
      const n = parseInt64(args.view(i + 1));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      if (n < 0) {
        reply.error("ERR entries_added must be positive");
        return;
      }
      entriesAdded = toCounter(n);
      i += 2;
    } else if (args.is(i, "maxdeletedid") && more) {
      const m = argId(args, i + 1, reply, 0n, true);
      if (m === null) return;
      if (id < m) {
        reply.error(
          "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
        );
        return;
      }
      maxDel = m;
      i += 2;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  const db = ctx.db;
  const key = args.latin1(1);
  const s = lookupStream(db, "lookupWrite", key, ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (s.length > 0) {
    const top = s.edgeId(false) as bigint;
    if (id < top) {
      reply.error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      reply.error(
        "ERR The entries_added specified in XSETID is smaller than the target stream length",
      );
      return;
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDel !== 0n) s.maxDeletedId = maxDel;
  reply.ok();
  db.signalModified(key);
  db.notify("stream", "xsetid", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
}

// ---- XREAD -----------------------------------------------------------------------------------

/** XREAD's COUNT when it blocks without one (XREAD_BLOCKED_DEFAULT_COUNT). */
const XREAD_BLOCKED_DEFAULT_COUNT = 1000;

/**
 * xreadGetKeys: the keys follow the first STREAMS option, one per ID. "STREAMS" may also be a
 * key or a group name, so the options before it are skipped by shape.
 */
export function xreadKeys(args: CommandArgs): number[] {
  let pos = -1;
  for (let i = 1; i < args.argc; i++) {
    if (args.is(i, "block") || args.is(i, "count")) i++;
    else if (args.is(i, "group")) i += 2;
    else if (args.is(i, "noack")) continue;
    else {
      if (args.is(i, "streams")) pos = i;
      break;
    }
  }
  const num = args.argc - pos - 1;
  if (pos === -1 || num === 0 || num % 2 !== 0) return [];
  const out: number[] = [];
  for (let i = pos + 1; i < args.argc - num / 2; i++) out.push(i);
  return out;
}

/**
 * XREAD [COUNT n] [BLOCK ms] STREAMS key... id...: entries after each ID. Blocking, it waits with
 * the IDs resolved (`$` = the stream's last ID at that moment) and, once a key is ready, is
 * served from that key alone (serveClientsBlockedOnStreamKey), in the same reply shape.
 */
/** XREAD / XREADGROUP options, as xreadCommand parses them. */
export interface XreadArgs {
  /** -1 = no BLOCK. */
  timeout: number;
  timeoutArg: number;
  count: number;
  streamsArg: number;
  nstreams: number;
  /** XREADGROUP: the index of GROUP's group name (the consumer follows), 0 when absent. */
  groupArg: number;
  noack: boolean;
}

export function parseXread(
  args: CommandArgs,
  reply: ReplyWriter,
  xreadgroup: boolean,
): XreadArgs | null {
  const argc = args.argc;
  const a: XreadArgs = {
    timeout: -1,
    timeoutArg: 0,
    count: 0,
    streamsArg: 0,
    nstreams: 0,
    groupArg: 0,
    noack: false,
  };
  for (let i = 1; i < argc; i++) {
    const more = argc - i - 1;
    if (args.is(i, "block") && more) {
      i++;
      const n = parseInt64(args.view(i));
      if (n === null) {
        reply.error("ERR timeout is not an integer or out of range");
        return null;
      }
      if (n < 0) {
        reply.error("ERR timeout is negative");
        return null;
      }
      a.timeout = Number(n);
      a.timeoutArg = i;
    } else if (args.is(i, "count") && more) {
      i++;
      const n = parseInt64(args.view(i));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return null;
      }
      a.count = n < 0 ? 0 : Number(n);
    } else if (args.is(i, "streams") && more) {
      a.streamsArg = i + 1;
      a.nstreams = argc - a.streamsArg;
      if (a.nstreams % 2 !== 0) {
        // XREADGROUP's error says XREAD too.
        reply.error(
          "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
        );
        return null;
      }
      a.nstreams /= 2;
      break;
    } else if (args.is(i, "group") && more >= 2) {
      if (!xreadgroup) {
        reply.error(
          "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
        );
        return null;
      }
      a.groupArg = i + 1;
      i += 2;
    } else if (args.is(i, "noack")) {
      if (!xreadgroup) {
        reply.error(
          "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
        );
        return null;
      }
      a.noack = true;
    } else {
      reply.error(ERR_SYNTAX);
      return null;
    }
  }
  if (a.streamsArg === 0) {
    reply.error(ERR_SYNTAX);
    return null;
  }
  return a;
}

function xread(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const x = parseXread(args, reply, false);
  if (x === null) return;
  const { timeout, timeoutArg, count, streamsArg, nstreams } = x;
  const db = ctx.db;
  const ready = ctx.readyKey ?? null;
  const keys: string[] = [];
  const ids: bigint[] = [];
  const streams: (Stream | undefined)[] = [];
  for (let k = 0; k < nstreams; k++) {
    const key = args.latin1(streamsArg + k);
    const v = db.lookupRead(key, ctx.now);
    let s: Stream | undefined;
    if (v !== undefined) {
      if (isStream(v)) s = v;
      else if (ready === null) {
        reply.error(WRONGTYPE);
        return;
      }
    }
    const idArg = streamsArg + nstreams + k;
    let id: bigint;
    if (args.len(idArg) === 1 && args.view(idArg)[0] === 0x24) id = s === undefined ? 0n : s.lastId;
    else if (args.len(idArg) === 1 && args.view(idArg)[0] === 0x3e) {
      reply.error(
        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
      );
      return;
    } else {
      const p = argId(args, idArg, reply, 0n, true);
      if (p === null) return;
      id = p;
    }
    keys.push(key);
    ids.push(id);
    streams.push(s);
  }
  // Serve what can be served now: streams with an entry after their ID.
  const served: number[] = [];
  for (let k = 0; k < nstreams; k++) {
    const s = streams[k];
    if (s === undefined || (ready !== null && keys[k] !== ready)) continue;
    // streamLastValidID: a deleted last entry is not something to serve.
    if (s.length && (s.edgeId(false) as bigint) > (ids[k] as bigint)) served.push(k);
  }
  if (served.length > 0) {
    if (reply.resp === 2) reply.array(served.length);
    else reply.map(served.length);
    for (const k of served) {
      if (reply.resp === 2) reply.array(2);
      reply.bulk(args.view(streamsArg + k));
      replyRange(reply, streams[k] as Stream, (ids[k] as bigint) + 1n, STREAM_ID_MAX, false, count);
    }
    return;
  }
  if (timeout !== -1) {
    if (!ctx.canBlock) {
      reply.nullArray();
      return;
    }
    const rerun: (Buffer | string)[] = [args.copy(0), "COUNT"];
    rerun.push(String(count || XREAD_BLOCKED_DEFAULT_COUNT), "BLOCK", args.copy(timeoutArg));
    rerun.push("STREAMS");
    for (let k = 0; k < nstreams; k++) rerun.push(args.copy(streamsArg + k));
    for (const id of ids) rerun.push(formatStreamId(id));
    ctx.block(keys, timeout, "nullArray", rerun);
    return;
  }
  reply.nullArray();
}

const W = "@write @stream";
const R = "@read @stream";

export const streamCommands: CommandSpec[] = [
  cmd("xadd", -5, "write denyoom fast", [1, 1, 1], `${W} @fast`, xadd),
  cmd("xrange", -4, "readonly", [1, 1, 1], `${R} @slow`, (c, a, r) =>
    xrangeGeneric(c, a, r, false),
  ),
  cmd("xrevrange", -4, "readonly", [1, 1, 1], `${R} @slow`, (c, a, r) =>
    xrangeGeneric(c, a, r, true),
  ),
  cmd("xlen", 2, "readonly fast", [1, 1, 1], `${R} @fast`, xlen),
  cmd("xdel", -3, "write fast", [1, 1, 1], `${W} @fast`, xdel),
  cmd("xtrim", -4, "write", [1, 1, 1], `${W} @slow`, xtrim),
  cmd("xread", -4, "readonly blocking", [0, 0, 0], `${R} @slow @blocking`, xread, {
    getKeys: xreadKeys,
  }),
  cmd("xsetid", -3, "write denyoom fast", [1, 1, 1], `${W} @fast`, xsetid),
];

// Stream consumer groups (the second half of t_stream.c in Redis 7.0): XGROUP, XREADGROUP, XACK,
// XPENDING, XCLAIM, XAUTOCLAIM, XINFO. What replicas and the AOF get is what Redis writes for
// them: XREADGROUP is never propagated itself; each entry it delivers goes out as an idempotent
// `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID last`, and a moved
// last-delivered ID as `XGROUP SETID key group id ENTRIESREAD n`. XCLAIM and XAUTOCLAIM
// propagate the same XCLAIM form per entry they touch.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX } from "../errors.js";
import {
  ENTRIES_READ_INVALID,
  type Stream,
  Stream as StreamClass,
  StreamConsumer,
  StreamGroup,
  type StreamNack,
} from "../types/stream.js";
import { formatStreamId, parseStreamId, STREAM_ID_MAX, U64_MAX } from "../types/stream-id.js";
import { isStream, WRONGTYPE } from "../value.js";
import { cmd, replyHelp } from "./define.js";
import { argId, intervalBound, parseXread, readStream, replyEntry, xreadKeys } from "./streams.js";

const errNoGroupForKey = (group: string, key: string) =>
  `NOGROUP No such consumer group '${group}' for key name '${key}'`;
const errNoKeyOrGroup = (key: string, group: string) =>
  `NOGROUP No such key '${key}' or consumer group '${group}'`;

/** The group, or undefined. */
function lookupGroup(s: Stream, name: string): StreamGroup | undefined {
  return s.groups?.get(name);
}

/** streamCreateConsumer: a new consumer (event and dirty as Redis counts them). */
function createConsumer(
  ctx: CommandContext,
  g: StreamGroup,
  name: string,
  key: string,
): StreamConsumer {
  const c = new StreamConsumer(name, ctx.now);
  g.consumers.set(name, c);
  ctx.db.notify("stream", "xgroup-createconsumer", key);
  ctx.addDirty(1);
  return c;
}

/** streamLookupConsumer (refreshing seen-time), creating the consumer when missing. */
function consumerFor(
  ctx: CommandContext,
  g: StreamGroup,
  name: string,
  key: string,
): StreamConsumer {
  const c = g.consumers.get(name);
  if (c !== undefined) {
    c.seenTime = ctx.now;
    return c;
  }
  return createConsumer(ctx, g, name, key);
}

/** streamPropagateXCLAIM: the idempotent XCLAIM that replays a delivery or claim. */
function propagateXclaim(
  ctx: CommandContext,
  key: string,
  g: StreamGroup,
  group: string,
  id: bigint,
  nack: StreamNack,
): void {
  ctx.propagate([
    "XCLAIM",
    Buffer.from(key, "latin1"),
    Buffer.from(group, "latin1"),
    Buffer.from(nack.consumer.name, "latin1"),
    "0",
    formatStreamId(id),
    "TIME",
    String(nack.deliveryTime),
    "RETRYCOUNT",
    String(nack.deliveryCount),
    "FORCE",
    "JUSTID",
    "LASTID",
    formatStreamId(g.lastId),
  ]);
}

/** streamPropagateGroupID: XGROUP SETID with the group's entries-read. */
function propagateGroupId(ctx: CommandContext, key: string, g: StreamGroup, group: string): void {
  ctx.propagate([
    "XGROUP",
    "SETID",
    Buffer.from(key, "latin1"),
    Buffer.from(group, "latin1"),
    formatStreamId(g.lastId),
    "ENTRIESREAD",
    String(g.entriesRead),
  ]);
}

/** Removes a NACK from the group's and its consumer's PEL. */
function dropNack(g: StreamGroup, id: bigint, nack: StreamNack): void {
  g.pel.delete(id);
  nack.consumer.pel.delete(id);
}

// ---- XGROUP ----------------------------------------------------------------------------------

const XGROUP_HELP = [
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter.",
];

function subcommandSyntaxError(args: CommandArgs, reply: ReplyWriter): void {
  reply.error(
    `ERR unknown subcommand or wrong number of arguments for '${args.latin1(1).slice(0, 128)}'. Try ${args.latin1(0).toUpperCase()} HELP.`,
  );
}

/**
 * xgroupCommand's common part: options, the key (must exist unless CREATE ... MKSTREAM) and the
 * group (must exist for SETID, CREATECONSUMER, DELCONSUMER). Null after an error reply.
 */
function xgroupPrelude(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  sub: "create" | "setid" | "destroy" | "createconsumer" | "delconsumer",
): {
  s: Stream | undefined;
  g: StreamGroup | undefined;
  mkstream: boolean;
  entriesRead: number;
} | null {
  let mkstream = false;
  let entriesRead = ENTRIES_READ_INVALID;
  if (sub === "create" || sub === "setid") {
    for (let i = 5; i < args.argc; ) {
      if (sub === "create" && args.is(i, "mkstream")) {
        mkstream = true;
        i++;
      } else if (args.is(i, "entriesread") && i + 1 < args.argc) {
        const n = parseInt64(args.view(i + 1));
        if (n === null) {
          reply.error(ERR_NOT_INTEGER);
          return null;
        }
        if (n < 0 && n !== -1) {
          reply.error("ERR value for ENTRIESREAD must be positive or -1");
          return null;
        }
        entriesRead = Number(n);
        i += 2;
      } else {
        subcommandSyntaxError(args, reply);
        return null;
      }
    }
  }
  const key = args.latin1(2);
  const v = ctx.db.lookupWrite(key, ctx.now);
  let s: Stream | undefined;
  if (v !== undefined) {
    if (!isStream(v)) {
      reply.error(WRONGTYPE);
      return null;
    }
    s = v;
  }
  const gname = args.latin1(3);
  const g = s === undefined ? undefined : lookupGroup(s, gname);
  if (!mkstream) {
    if (s === undefined) {
      reply.error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
      );
      return null;
    }
    if (g === undefined && (sub === "setid" || sub === "createconsumer" || sub === "delconsumer")) {
      reply.error(errNoGroupForKey(gname, key));
      return null;
    }
  }
  return { s, g, mkstream, entriesRead };
}

function xgroupCreate(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  if (args.argc > 8) {
    subcommandSyntaxError(args, reply);
    return;
  }
  const p = xgroupPrelude(ctx, args, reply, "create");
  if (p === null) return;
  let id: bigint;
  if (args.latin1(4) === "$") id = p.s === undefined ? 0n : p.s.lastId;
  else {
    const x = argId(args, 4, reply, 0n, true);
    if (x === null) return;
    id = x;
  }
  const key = args.latin1(2);
  let s = p.s;
  if (s === undefined) {
    s = new StreamClass();
    ctx.db.add(key, s);
    ctx.db.signalModified(key);
  }
  const gname = args.latin1(3);
  if (s.groups === null) s.groups = new Map();
  if (s.groups.has(gname)) {
    reply.error("BUSYGROUP Consumer Group name already exists");
    return;
  }
  s.groups.set(gname, new StreamGroup(id, p.entriesRead));
  reply.ok();
  ctx.addDirty(1);
  ctx.db.notify("stream", "xgroup-create", key);
  ctx.propagateSelf();
}

function xgroupSetid(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  if (args.argc !== 5 && args.argc !== 7) {
    subcommandSyntaxError(args, reply);
    return;
  }
  const p = xgroupPrelude(ctx, args, reply, "setid");
  if (p === null) return;
  const s = p.s as Stream;
  const g = p.g as StreamGroup;
  let id: bigint;
  if (args.latin1(4) === "$") id = s.lastId;
  else {
    const x = argId(args, 4, reply, 0n, false);
    if (x === null) return;
    id = x;
  }
  g.lastId = id;
  g.entriesRead = p.entriesRead;
  reply.ok();
  ctx.addDirty(1);
  ctx.db.notify("stream", "xgroup-setid", args.latin1(2));
  ctx.propagateSelf();
}

function xgroupDestroy(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const p = xgroupPrelude(ctx, args, reply, "destroy");
  if (p === null) return;
  const s = p.s as Stream;
  if (p.g === undefined) {
    reply.integer(0);
    return;
  }
  s.groups?.delete(args.latin1(3));
  reply.integer(1);
  ctx.addDirty(1);
  const key = args.latin1(2);
  ctx.db.notify("stream", "xgroup-destroy", key);
  ctx.propagateSelf();
  // XREADGROUP clients blocked on this group get -NOGROUP.
  ctx.db.signalReady(key);
}

function xgroupCreateConsumer(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const p = xgroupPrelude(ctx, args, reply, "createconsumer");
  if (p === null) return;
  const g = p.g as StreamGroup;
  const name = args.latin1(4);
  if (g.consumers.has(name)) {
    reply.integer(0);
    return;
  }
  createConsumer(ctx, g, name, args.latin1(2));
  reply.integer(1);
  ctx.propagateSelf();
}

function xgroupDelConsumer(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const p = xgroupPrelude(ctx, args, reply, "delconsumer");
  if (p === null) return;
  const g = p.g as StreamGroup;
  const c = g.consumers.get(args.latin1(4));
  let pending = 0;
  if (c !== undefined) {
    pending = c.pel.size;
    for (const [id] of [...c.pel.range(0n, STREAM_ID_MAX)]) g.pel.delete(id);
    g.consumers.delete(c.name);
    ctx.addDirty(1);
    ctx.db.notify("stream", "xgroup-delconsumer", args.latin1(2));
    ctx.propagateSelf();
  }
  reply.integer(pending);
}

// ---- XREADGROUP ------------------------------------------------------------------------------

/**
 * streamReplyWithRange for a group reading new entries (`>`): delivers entries after the
 * group's last ID, moves it (and entries-read) on, records each delivery in the PELs unless
 * NOACK, and propagates as Redis does.
 */
function deliverNew(
  ctx: CommandContext,
  reply: ReplyWriter,
  s: Stream,
  key: string,
  gname: string,
  g: StreamGroup,
  c: StreamConsumer,
  count: number,
  noack: boolean,
): void {
  const ids: bigint[] = [];
  const fvs: string[][] = [];
  s.range(g.lastId + 1n, STREAM_ID_MAX, false, count, (id, fv) => {
    ids.push(id);
    fvs.push(fv);
  });
  reply.array(ids.length);
  let moved = false;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as bigint;
    if (id > g.lastId) {
      if (g.entriesRead !== ENTRIES_READ_INVALID && !s.rangeHasTombstones(id, STREAM_ID_MAX))
        g.entriesRead++;
      else if (s.entriesAdded) g.entriesRead = s.estimateDistance(id);
      g.lastId = id;
      moved = true;
    }
    replyEntry(reply, id, fvs[i] as string[]);
    if (!noack) {
      let nack = g.pel.get(id);
      if (nack === undefined) {
        nack = { consumer: c, deliveryTime: ctx.now, deliveryCount: 1 };
        g.pel.insert(id, nack);
        c.pel.insert(id, nack);
      } else {
        nack.consumer.pel.delete(id);
        nack.consumer = c;
        nack.deliveryTime = ctx.now;
        nack.deliveryCount = 1;
        c.pel.insert(id, nack);
      }
      propagateXclaim(ctx, key, g, gname, id, nack);
      // The XCLAIM carries LASTID: no separate SETID for this entry.
      moved = false;
    }
  }
  if (moved) propagateGroupId(ctx, key, g, gname);
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`. */
function deliverHistory(
  ctx: CommandContext,
  reply: ReplyWriter,
  s: Stream,
  c: StreamConsumer,
  start: bigint,
  count: number,
): void {
  const items: [bigint, StreamNack][] = [];
  for (const e of c.pel.range(start, STREAM_ID_MAX)) {
    if (count && items.length >= count) break;
    items.push(e);
  }
  reply.array(items.length);
  for (const [id, nack] of items) {
    const fv = s.get(id);
    if (fv === undefined) {
      // Acknowledged nowhere but deleted from the stream: the ID with a null entry.
      reply.array(2);
      reply.bulk(formatStreamId(id));
      reply.nullArray();
    } else {
      nack.deliveryTime = ctx.now;
      nack.deliveryCount++;
      replyEntry(reply, id, fv);
    }
  }
}

/**
 * XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...: `>` reads
 * entries no consumer of the group got yet, an ID reads the consumer's own pending history.
 * Blocking, it waits as XREAD does and is re-run for the ready key.
 */
function xreadgroup(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const x = parseXread(args, reply, true);
  if (x === null) return;
  if (x.groupArg === 0) {
    reply.error("ERR Missing GROUP option for XREADGROUP");
    return;
  }
  const gname = args.latin1(x.groupArg);
  const cname = args.latin1(x.groupArg + 1);
  const { streamsArg, nstreams } = x;
  const db = ctx.db;
  const ready = ctx.readyKey ?? null;
  const keys: string[] = [];
  const streams: (Stream | undefined)[] = [];
  const groups: StreamGroup[] = [];
  /** null = ">" */
  const ids: (bigint | null)[] = [];
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
    const g = s === undefined ? undefined : lookupGroup(s, gname);
    if (g === undefined) {
      if (ready !== null && (key !== ready || s === undefined)) {
        // Another key of a blocked XREADGROUP, or no stream there now: not served from here.
        keys.push(key);
        streams.push(undefined);
        groups.push(new StreamGroup(0n, 0));
        ids.push(null);
        continue;
      }
      if (ready !== null) {
        // Blocked, and the group went away under it (XGROUP DESTROY).
        reply.error("NOGROUP the consumer group this client was blocked on no longer exists");
        return;
      }
      reply.error(
        `NOGROUP No such key '${key}' or consumer group '${gname}' in XREADGROUP with GROUP option`,
      );
      return;
    }
    const idArg = streamsArg + nstreams + k;
    const raw = args.latin1(idArg);
    let id: bigint | null;
    if (raw === "$") {
      reply.error(
        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
      );
      return;
    }
    if (raw === ">") id = null;
    else {
      const p = argId(args, idArg, reply, 0n, true);
      if (p === null) return;
      id = p;
    }
    keys.push(key);
    streams.push(s);
    groups.push(g);
    ids.push(id);
  }
  const serve: number[] = [];
  for (let k = 0; k < nstreams; k++) {
    const s = streams[k];
    if (s === undefined || (ready !== null && keys[k] !== ready)) continue;
    const g = groups[k] as StreamGroup;
    let now = false;
    if (ids[k] !== null) now = true;
    else if (s.length && (s.edgeId(false) as bigint) > g.lastId) now = true;
    if (now) serve.push(k);
  }
  if (serve.length > 0) {
    if (reply.resp === 2) reply.array(serve.length);
    else reply.map(serve.length);
    for (const k of serve) {
      if (reply.resp === 2) reply.array(2);
      reply.bulk(args.view(streamsArg + k));
      const s = streams[k] as Stream;
      const g = groups[k] as StreamGroup;
      const key = keys[k] as string;
      if (g.consumers.has(cname)) consumerFor(ctx, g, cname, key);
      else {
        createConsumer(ctx, g, cname, key);
        // Without NOACK the XCLAIMs recreate the consumer on replay; with it, nothing would.
        if (x.noack)
          ctx.propagate([
            "XGROUP",
            "CREATECONSUMER",
            args.copy(streamsArg + k),
            args.copy(x.groupArg),
            args.copy(x.groupArg + 1),
          ]);
      }
      const c = g.consumers.get(cname) as StreamConsumer;
      const id = ids[k] as bigint | null;
      if (id === null) deliverNew(ctx, reply, s, key, gname, g, c, x.count, x.noack);
      else deliverHistory(ctx, reply, s, c, id + 1n, x.count);
      ctx.addDirty(1);
    }
    return;
  }
  if (x.timeout !== -1) {
    if (!ctx.canBlock) {
      reply.nullArray();
      return;
    }
    // Served later up to COUNT, or XREAD_BLOCKED_DEFAULT_COUNT entries without one.
    const rerun: (Buffer | string)[] = [args.copy(0), "GROUP", args.copy(x.groupArg)];
    rerun.push(args.copy(x.groupArg + 1), "COUNT", String(x.count || 1000));
    rerun.push("BLOCK", args.copy(x.timeoutArg), ...(x.noack ? ["NOACK"] : []), "STREAMS");
    for (let i = streamsArg; i < args.argc; i++) rerun.push(args.copy(i));
    ctx.block(keys, x.timeout, "nullArray", rerun);
    return;
  }
  reply.nullArray();
}

// ---- XACK ------------------------------------------------------------------------------------

function xack(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const s = readStream(ctx.db, args.latin1(1), ctx.now, reply);
  if (s === null) return;
  const g = s === undefined ? undefined : lookupGroup(s, args.latin1(2));
  if (g === undefined) {
    reply.integer(0);
    return;
  }
  // All IDs are parsed first: XACK acknowledges all or nothing.
  const ids: bigint[] = [];
  for (let j = 3; j < args.argc; j++) {
    const id = argId(args, j, reply, 0n, true);
    if (id === null) return;
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) {
    const nack = g.pel.get(id);
    if (nack === undefined) continue;
    dropNack(g, id, nack);
    acked++;
  }
  if (acked) {
    ctx.addDirty(acked);
    ctx.propagateSelf();
  }
  reply.integer(acked);
}

// ---- XPENDING --------------------------------------------------------------------------------

function xpending(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const argc = args.argc;
  const justinfo = argc === 3;
  if (argc !== 3 && (argc < 6 || argc > 9)) {
    reply.error(ERR_SYNTAX);
    return;
  }
  let minidle = 0;
  let count = 0;
  let start = 0n;
  let end = 0n;
  let consumerArg = 0;
  if (argc >= 6) {
    let at = 3;
    if (args.is(3, "idle")) {
      const n = parseInt64(args.view(4));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      minidle = Number(n);
      if (argc < 8) {
        reply.error(ERR_SYNTAX);
        return;
      }
      at += 2;
    }
    const n = parseInt64(args.view(at + 2));
    if (n === null) {
      reply.error(ERR_NOT_INTEGER);
      return;
    }
    count = n < 0 ? 0 : Number(n);
    const a = intervalBound(args, at, reply, 0n, true);
    if (a === null) return;
    const b = intervalBound(args, at + 1, reply, U64_MAX, false);
    if (b === null) return;
    start = a;
    end = b;
    if (at + 3 < argc) consumerArg = at + 3;
  }
  const key = args.latin1(1);
  const gname = args.latin1(2);
  const s = readStream(ctx.db, key, ctx.now, reply);
  if (s === null) return;
  const g = s === undefined ? undefined : lookupGroup(s, gname);
  if (g === undefined) {
    reply.error(errNoKeyOrGroup(key, gname));
    return;
  }
  if (justinfo) {
    reply.array(4);
    reply.integer(g.pel.size);
    if (g.pel.size === 0) {
      reply.nullBulk();
      reply.nullBulk();
      reply.nullArray();
      return;
    }
    reply.bulk(formatStreamId(g.pel.first() as bigint));
    reply.bulk(formatStreamId(g.pel.last() as bigint));
    const cs = sortedConsumers(g).filter((c) => c.pel.size > 0);
    reply.array(cs.length);
    for (const c of cs) {
      reply.array(2);
      reply.bulkLatin1(c.name);
      reply.bulk(String(c.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consumerArg) {
    const c = g.consumers.get(args.latin1(consumerArg));
    if (c === undefined) {
      reply.array(0);
      return;
    }
    pel = c.pel;
  }
  const out: [bigint, StreamNack][] = [];
  for (const [id, nack] of pel.range(start, end)) {
    if (!count) break;
    if (minidle && ctx.now - nack.deliveryTime < minidle) continue;
    out.push([id, nack]);
    count--;
  }
  reply.array(out.length);
  for (const [id, nack] of out) {
    reply.array(4);
    reply.bulk(formatStreamId(id));
    reply.bulkLatin1(nack.consumer.name);
    reply.integer(Math.max(0, ctx.now - nack.deliveryTime));
    reply.integer(nack.deliveryCount);
  }
}

/** Consumers in name (byte) order, as Redis's rax iterates them. */
function sortedConsumers(g: StreamGroup): StreamConsumer[] {
  return [...g.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---- XCLAIM ----------------------------------------------------------------------------------

/**
 * Moves `nack` to consumer `c` with a new delivery time and count (XCLAIM and XAUTOCLAIM) and
 * propagates the claim now, in PEL order; returns what writes the entry (or its ID) into the
 * reply, whose length is known only at the end.
 */
function claimOne(
  ctx: CommandContext,
  s: Stream,
  key: string,
  gname: string,
  g: StreamGroup,
  c: StreamConsumer,
  id: bigint,
  nack: StreamNack,
  deliveryTime: number,
  retryCount: number,
  justid: boolean,
): (r: ReplyWriter) => void {
  if (nack.consumer !== c) nack.consumer?.pel.delete(id);
  nack.deliveryTime = deliveryTime;
  if (retryCount >= 0) nack.deliveryCount = retryCount;
  else if (!justid) nack.deliveryCount++;
  if (nack.consumer !== c) {
    c.pel.insert(id, nack);
    nack.consumer = c;
  }
  propagateXclaim(ctx, key, g, gname, id, nack);
  ctx.addDirty(1);
  const fv = s.get(id) as string[];
  return (r) => {
    if (justid) r.bulk(formatStreamId(id));
    else replyEntry(r, id, fv);
  };
}

function argLongOr(args: CommandArgs, i: number, reply: ReplyWriter, msg: string): number | null {
  const n = parseInt64(args.view(i));
  if (n === null) {
    reply.error(`ERR ${msg}`);
    return null;
  }
  return Number(n);
}

function xclaim(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const key = args.latin1(1);
  const gname = args.latin1(2);
  const s = readStream(ctx.db, key, ctx.now, reply);
  if (s === null) return;
  const g = s === undefined ? undefined : lookupGroup(s, gname);
  if (s === undefined || g === undefined) {
    reply.error(errNoKeyOrGroup(key, gname));
    return;
  }
  let minidle = argLongOr(args, 4, reply, "Invalid min-idle-time argument for XCLAIM");
  if (minidle === null) return;
  if (minidle < 0) minidle = 0;
  let j = 5;
  const ids: bigint[] = [];
  for (; j < args.argc; j++) {
    const p = parseStreamId(args.latin1(j), 0n, true);
    if (p === null) break;
    ids.push(p.id);
  }
  const now = ctx.now;
  let force = false;
  let justid = false;
  let deliveryTime = -1;
  let retryCount = -1;
  let lastId = 0n;
  for (; j < args.argc; j++) {
    const more = args.argc - 1 - j;
    if (args.is(j, "force")) force = true;
    else if (args.is(j, "justid")) justid = true;
    else if (args.is(j, "idle") && more) {
      j++;
      const n = argLongOr(args, j, reply, "Invalid IDLE option argument for XCLAIM");
      if (n === null) return;
      deliveryTime = now - n;
    } else if (args.is(j, "time") && more) {
      j++;
      const n = argLongOr(args, j, reply, "Invalid TIME option argument for XCLAIM");
      if (n === null) return;
      deliveryTime = n;
    } else if (args.is(j, "retrycount") && more) {
      j++;
      const n = argLongOr(args, j, reply, "Invalid RETRYCOUNT option argument for XCLAIM");
      if (n === null) return;
      retryCount = n;
    } else if (args.is(j, "lastid") && more) {
      j++;
      const id = argId(args, j, reply, 0n, true);
      if (id === null) return;
      lastId = id;
    } else {
      reply.error(`ERR Unrecognized XCLAIM option '${args.latin1(j)}'`);
      return;
    }
  }
  let propagateLastId = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else deliveryTime = now;
  // The reply's length is known only at the end: collect the claims, then write them.
  const parts: ((r: ReplyWriter) => void)[] = [];
  let consumer: StreamConsumer | null = null;
  const cname = args.latin1(3);
  for (const id of ids) {
    let nack = g.pel.get(id);
    if (s.get(id) === undefined) {
      if (nack !== undefined) {
        propagateXclaim(ctx, key, g, gname, id, nack);
        propagateLastId = false;
        ctx.addDirty(1);
        dropNack(g, id, nack);
      }
      continue;
    }
    if (force && nack === undefined) {
      // A NACK without a consumer yet: XCLAIM ... FORCE creates PEL entries (AOF, replicas).
      nack = { consumer: null as unknown as StreamConsumer, deliveryTime: now, deliveryCount: 1 };
      g.pel.insert(id, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer && minidle && now - nack.deliveryTime < minidle) continue;
    if (consumer === null) consumer = consumerFor(ctx, g, cname, key);
    parts.push(
      claimOne(ctx, s, key, gname, g, consumer, id, nack, deliveryTime, retryCount, justid),
    );
    propagateLastId = false;
  }
  if (propagateLastId) {
    propagateGroupId(ctx, key, g, gname);
    ctx.addDirty(1);
  }
  reply.array(parts.length);
  for (const p of parts) p(reply);
}

// ---- XAUTOCLAIM ------------------------------------------------------------------------------

function xautoclaim(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let minidle = argLongOr(args, 4, reply, "Invalid min-idle-time argument for XAUTOCLAIM");
  if (minidle === null) return;
  if (minidle < 0) minidle = 0;
  const start = intervalBound(args, 5, reply, 0n, true);
  if (start === null) return;
  let count = 100;
  let justid = false;
  for (let j = 6; j < args.argc; j++) {
    const more = args.argc - 1 - j;
    if (args.is(j, "count") && more) {
      const n = parseInt64(args.view(j + 1));
      const max = Math.floor((2 ** 63 - 1) / 16);
      if (n === null || n < 1 || n > max) {
        reply.error("ERR COUNT must be > 0");
        return;
      }
      count = Number(n);
      j++;
    } else if (args.is(j, "justid")) justid = true;
    else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  const key = args.latin1(1);
  const gname = args.latin1(2);
  const s = readStream(ctx.db, key, ctx.now, reply);
  if (s === null) return;
  const g = s === undefined ? undefined : lookupGroup(s, gname);
  if (s === undefined || g === undefined) {
    reply.error(errNoKeyOrGroup(key, gname));
    return;
  }
  let attempts = count * 10;
  const now = ctx.now;
  const cname = args.latin1(3);
  let consumer: StreamConsumer | null = null;
  const deleted: bigint[] = [];
  const claimed: ((r: ReplyWriter) => void)[] = [];
  const pending = [...g.pel.range(start, STREAM_ID_MAX)];
  let at = 0;
  while (attempts-- && count && at < pending.length) {
    const [id, nack] = pending[at++] as [bigint, StreamNack];
    if (s.get(id) === undefined) {
      propagateXclaim(ctx, key, g, gname, id, nack);
      ctx.addDirty(1);
      dropNack(g, id, nack);
      deleted.push(id);
      count--;
      continue;
    }
    if (minidle && now - nack.deliveryTime < minidle) continue;
    if (consumer === null) consumer = consumerFor(ctx, g, cname, key);
    claimed.push(claimOne(ctx, s, key, gname, g, consumer, id, nack, now, -1, justid));
    count--;
  }
  const next = pending[at]?.[0] ?? 0n;
  reply.array(3);
  reply.bulk(formatStreamId(next));
  reply.array(claimed.length);
  for (const w of claimed) w(reply);
  reply.array(deleted.length);
  for (const id of deleted) reply.bulk(formatStreamId(id));
}

// ---- XINFO -----------------------------------------------------------------------------------

const XINFO_HELP = [
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream.",
];

/** streamReplyWithCGLag: the group's lag, or null when holes make it unknowable. */
function replyLag(reply: ReplyWriter, s: Stream, g: StreamGroup): void {
  if (!s.entriesAdded) reply.integer(0);
  else if (g.entriesRead !== ENTRIES_READ_INVALID && !s.rangeHasTombstones(g.lastId, STREAM_ID_MAX))
    reply.integer(s.entriesAdded - g.entriesRead);
  else {
    const read = s.estimateDistance(g.lastId);
    if (read !== ENTRIES_READ_INVALID) reply.integer(s.entriesAdded - read);
    else reply.nullBulk();
  }
}

function sortedGroups(s: Stream): [string, StreamGroup][] {
  return [...(s.groups ?? new Map<string, StreamGroup>())].sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  );
}

function xinfoConsumers(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const key = args.latin1(2);
  const s = readStream(ctx.db, key, ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  const gname = args.latin1(3);
  const g = lookupGroup(s, gname);
  if (g === undefined) {
    reply.error(errNoGroupForKey(gname, key));
    return;
  }
  const cs = sortedConsumers(g);
  reply.array(cs.length);
  for (const c of cs) {
    reply.map(3);
    reply.bulk("name");
    reply.bulkLatin1(c.name);
    reply.bulk("pending");
    reply.integer(c.pel.size);
    reply.bulk("idle");
    reply.integer(Math.max(0, ctx.now - c.seenTime));
  }
}

function xinfoGroups(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const s = readStream(ctx.db, args.latin1(2), ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  const gs = sortedGroups(s);
  reply.array(gs.length);
  for (const [name, g] of gs) {
    reply.map(6);
    reply.bulk("name");
    reply.bulkLatin1(name);
    reply.bulk("consumers");
    reply.integer(g.consumers.size);
    reply.bulk("pending");
    reply.integer(g.pel.size);
    reply.bulk("last-delivered-id");
    reply.bulk(formatStreamId(g.lastId));
    reply.bulk("entries-read");
    if (g.entriesRead !== ENTRIES_READ_INVALID) reply.integer(g.entriesRead);
    else reply.nullBulk();
    reply.bulk("lag");
    replyLag(reply, s, g);
  }
}

/**
 * The number of nodes Redis's rax holds for these 16-byte big-endian keys (radix-tree-nodes):
 * in a path-compressed trie, the root, every key, every position with two or more children and
 * every child of such a position start a node; single-child runs are folded into one.
 */
export function raxNodeCount(keys: readonly bigint[]): number {
  const hex = keys.map((k) => k.toString(16).padStart(32, "0"));
  const walk = (group: string[], depth: number, parentBranches: boolean): number => {
    if (depth === 16) return 1;
    const children = new Map<string, string[]>();
    for (const h of group) {
      const c = h.slice(depth * 2, depth * 2 + 2);
      const l = children.get(c);
      if (l === undefined) children.set(c, [h]);
      else l.push(h);
    }
    const branches = children.size > 1;
    let n = depth === 0 || parentBranches || branches ? 1 : 0;
    for (const l of children.values()) n += walk(l, depth + 1, branches);
    return n;
  };
  return hex.length === 0 ? 1 : walk(hex, 0, false);
}

function xinfoStream(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  // The key first, then FULL [COUNT n], as xinfoCommand does.
  const s = readStream(ctx.db, args.latin1(2), ctx.now, reply);
  if (s === null) return;
  if (s === undefined) {
    reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  let full = false;
  let count = 10;
  const argc = args.argc;
  if (argc > 3) {
    if (!args.is(3, "full") || (argc !== 4 && argc !== 6) || (argc === 6 && !args.is(4, "count"))) {
      subcommandSyntaxError(args, reply);
      return;
    }
    full = true;
    if (argc === 6) {
      const n = parseInt64(args.view(5));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      count = n < 0 ? 0 : Number(n);
    }
  }
  reply.map(full ? 9 : 10);
  reply.bulk("length");
  reply.integer(s.length);
  reply.bulk("radix-tree-keys");
  reply.integer(s.nodes.length);
  reply.bulk("radix-tree-nodes");
  reply.integer(raxNodeCount(s.nodes.map((n) => n.masterId)));
  reply.bulk("last-generated-id");
  reply.bulk(formatStreamId(s.lastId));
  reply.bulk("max-deleted-entry-id");
  reply.bulk(formatStreamId(s.maxDeletedId));
  reply.bulk("entries-added");
  reply.integer(s.entriesAdded);
  reply.bulk("recorded-first-entry-id");
  reply.bulk(formatStreamId(s.firstId));
  if (!full) {
    reply.bulk("groups");
    reply.integer(s.groups?.size ?? 0);
    for (const first of [true, false]) {
      reply.bulk(first ? "first-entry" : "last-entry");
      const id = s.edgeId(first);
      if (id === undefined) reply.nullBulk();
      else replyEntry(reply, id, s.get(id) as string[]);
    }
    return;
  }
  reply.bulk("entries");
  const entries: [bigint, string[]][] = [];
  s.range(0n, STREAM_ID_MAX, false, count, (id, fv) => void entries.push([id, fv]));
  reply.array(entries.length);
  for (const [id, fv] of entries) replyEntry(reply, id, fv);
  reply.bulk("groups");
  const gs = sortedGroups(s);
  reply.array(gs.length);
  for (const [name, g] of gs) {
    reply.map(7);
    reply.bulk("name");
    reply.bulkLatin1(name);
    reply.bulk("last-delivered-id");
    reply.bulk(formatStreamId(g.lastId));
    reply.bulk("entries-read");
    if (g.entriesRead !== ENTRIES_READ_INVALID) reply.integer(g.entriesRead);
    else reply.nullBulk();
    reply.bulk("lag");
    replyLag(reply, s, g);
    reply.bulk("pel-count");
    reply.integer(g.pel.size);
    reply.bulk("pending");
    const pel = [...g.pel.range(0n, STREAM_ID_MAX)].slice(0, count || undefined);
    reply.array(pel.length);
    for (const [id, nack] of pel) {
      reply.array(4);
      reply.bulk(formatStreamId(id));
      reply.bulkLatin1(nack.consumer.name);
      reply.integer(nack.deliveryTime);
      reply.integer(nack.deliveryCount);
    }
    reply.bulk("consumers");
    const cs = sortedConsumers(g);
    reply.array(cs.length);
    for (const c of cs) {
      reply.map(4);
      reply.bulk("name");
      reply.bulkLatin1(c.name);
      reply.bulk("seen-time");
      reply.integer(c.seenTime);
      reply.bulk("pel-count");
      reply.integer(c.pel.size);
      reply.bulk("pending");
      const cp = [...c.pel.range(0n, STREAM_ID_MAX)].slice(0, count || undefined);
      reply.array(cp.length);
      for (const [id, nack] of cp) {
        reply.array(3);
        reply.bulk(formatStreamId(id));
        reply.integer(nack.deliveryTime);
        reply.integer(nack.deliveryCount);
      }
    }
  }
}

const W = "@write @stream";

export const streamGroupCommands: CommandSpec[] = [
  cmd("xgroup", -2, "", [0, 0, 0], "@slow", undefined, {
    subcommands: [
      cmd("xgroup|create", -5, "write denyoom", [2, 2, 1], `${W} @slow`, xgroupCreate),
      cmd("xgroup|setid", -5, "write", [2, 2, 1], `${W} @slow`, xgroupSetid),
      cmd("xgroup|destroy", 4, "write", [2, 2, 1], `${W} @slow`, xgroupDestroy),
      cmd(
        "xgroup|createconsumer",
        5,
        "write denyoom",
        [2, 2, 1],
        `${W} @slow`,
        xgroupCreateConsumer,
      ),
      cmd("xgroup|delconsumer", 5, "write", [2, 2, 1], `${W} @slow`, xgroupDelConsumer),
      cmd("xgroup|help", 2, "loading stale", [0, 0, 0], "@stream @slow", (_c, _a, r) =>
        replyHelp(r, "XGROUP", XGROUP_HELP),
      ),
    ],
  }),
  cmd("xreadgroup", -7, "write blocking", [0, 0, 0], `${W} @slow @blocking`, xreadgroup, {
    getKeys: xreadKeys,
  }),
  cmd("xack", -4, "write fast", [1, 1, 1], `${W} @fast`, xack),
  cmd("xpending", -3, "readonly", [1, 1, 1], "@read @stream @slow", xpending),
  cmd("xclaim", -6, "write fast", [1, 1, 1], `${W} @fast`, xclaim),
  cmd("xautoclaim", -6, "write fast", [1, 1, 1], `${W} @fast`, xautoclaim),
  cmd("xinfo", -2, "", [0, 0, 0], "@slow", undefined, {
    subcommands: [
      cmd("xinfo|consumers", 4, "readonly", [2, 2, 1], "@read @stream @slow", xinfoConsumers),
      cmd("xinfo|groups", 3, "readonly", [2, 2, 1], "@read @stream @slow", xinfoGroups),
      cmd("xinfo|stream", -3, "readonly", [2, 2, 1], "@read @stream @slow", xinfoStream),
      cmd("xinfo|help", 2, "loading stale", [0, 0, 0], "@stream @slow", (_c, _a, r) =>
        replyHelp(r, "XINFO", XINFO_HELP),
      ),
    ],
  }),
];

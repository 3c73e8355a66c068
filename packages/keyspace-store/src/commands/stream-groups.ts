// Stream consumer groups (the second half of t_stream.c in Redis 7.0): XGROUP, XREADGROUP, XACK,
// XPENDING, and the group helpers XCLAIM/XAUTOCLAIM (stream-claims.ts) and XINFO
// (stream-info.ts) share. What replicas and the AOF get is what Redis writes for them:
// XREADGROUP is never propagated itself; each entry it delivers goes out as an idempotent
// `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID last`, and a moved
// last-delivered ID as `XGROUP SETID key group id ENTRIESREAD n`.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../errors.js";
import {
  type Counter,
  counterAdd,
  ENTRIES_READ_INVALID,
  Stream,
  StreamConsumer,
  StreamGroup,
  type StreamNack,
  type StreamNode,
  toCounter,
} from "../types/stream.js";
import { formatStreamId, STREAM_ID_MAX, U64_MAX } from "../types/stream-id.js";
import { isStream, WRONGTYPE } from "../value.js";
import { cmd, replyHelp } from "./define.js";
import { argId, argIds, intervalBound, lookupStream, parseXread, xreadKeys } from "./streams.js";

export const errNoGroupForKey = (group: string, key: string) =>
  `NOGROUP No such consumer group '${group}' for key name '${key}'`;
export const errNoKeyOrGroup = (key: string, group: string) =>
  `NOGROUP No such key '${key}' or consumer group '${group}'`;

/** The group, or undefined. */
export function lookupGroup(s: Stream, name: string): StreamGroup | undefined {
  return s.groups?.get(name);
}

/**
 * The stream at argv[1] and its group named by argv[2] (XPENDING, XCLAIM, XAUTOCLAIM); null once
 * an error is replied: WRONGTYPE, or NOGROUP when either is missing.
 */
export function readGroup(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
): { s: Stream; g: StreamGroup } | null {
  const key = args.latin1(1);
  const gname = args.latin1(2);
  const s = lookupStream(ctx.db, "lookupRead", key, ctx.now, reply);
  if (s === null) return null;
  const g = s === undefined ? undefined : lookupGroup(s, gname);
  if (s === undefined || g === undefined) {
    reply.error(errNoKeyOrGroup(key, gname));
    return null;
  }
  return { s, g };
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
export function consumerFor(
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

/**
 * streamPropagateXCLAIM: the idempotent XCLAIM that replays a delivery or claim. A caller
 * propagating many may pass the key's and group's bytes, made once.
 */
export function propagateXclaim(
  ctx: CommandContext,
  key: string | Buffer,
  g: StreamGroup,
  group: string | Buffer,
  id: bigint,
  nack: StreamNack,
): void {
  const idText = formatStreamId(id);
  ctx.propagate([
    "XCLAIM",
    typeof key === "string" ? Buffer.from(key, "latin1") : key,
    typeof group === "string" ? Buffer.from(group, "latin1") : group,
    Buffer.from(nack.consumer.name, "latin1"),
    "0",
    idText,
    "TIME",
    String(nack.deliveryTime),
    "RETRYCOUNT",
    String(nack.deliveryCount),
    "FORCE",
    "JUSTID",
    "LASTID",
    // A delivery of new entries has just moved the group's last ID to this one.
    g.lastId === id ? idText : formatStreamId(g.lastId),
  ]);
}

/** streamPropagateGroupID: XGROUP SETID with the group's entries-read. */
export function propagateGroupId(
  ctx: CommandContext,
  key: string,
  g: StreamGroup,
  group: string,
): void {
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
export function dropNack(g: StreamGroup, id: bigint, nack: StreamNack): void {
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

export function subcommandSyntaxError(args: CommandArgs, reply: ReplyWriter): void {
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
  entriesRead: Counter;
} | null {
  let mkstream = false;
  let entriesRead: Counter = ENTRIES_READ_INVALID;
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
        entriesRead = toCounter(n);
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
    s = new Stream();
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
  const nodes: StreamNode[] = [];
  const offsets: number[] = [];
  s.walk(g.lastId + 1n, STREAM_ID_MAX, false, count, (node, p) => {
    nodes.push(node);
    offsets.push(p);
    return true;
  });
  reply.array(nodes.length);
  const keyBytes = Buffer.from(key, "latin1");
  const groupBytes = Buffer.from(gname, "latin1");
  let moved = false;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as StreamNode;
    const p = offsets[i] as number;
    const id = node.idAt(p);
    if (id > g.lastId) {
      if (g.entriesRead !== ENTRIES_READ_INVALID && !s.rangeHasTombstones(id, STREAM_ID_MAX))
        g.entriesRead = counterAdd(g.entriesRead, 1);
      else if (s.entriesAdded) g.entriesRead = s.estimateDistance(id);
      g.lastId = id;
      moved = true;
    }
    node.replyEntry(p, reply);
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
      propagateXclaim(ctx, keyBytes, g, groupBytes, id, nack);
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
    const entry = s.locate(id);
    if (entry === null) {
      // Acknowledged nowhere but deleted from the stream: the ID with a null entry.
      reply.array(2);
      reply.bulk(formatStreamId(id));
      reply.nullArray();
    } else {
      nack.deliveryTime = ctx.now;
      nack.deliveryCount++;
      entry.node.replyEntry(entry.p, reply);
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
      // Redis marks ">" with the greatest ID: given explicitly, that ID reads as ">" too.
      id = p === STREAM_ID_MAX ? null : p;
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
  const s = lookupStream(ctx.db, "lookupRead", args.latin1(1), ctx.now, reply);
  if (s === null) return;
  const g = s === undefined ? undefined : lookupGroup(s, args.latin1(2));
  if (g === undefined) {
    reply.integer(0);
    return;
  }
  // All IDs are parsed first: XACK acknowledges all or nothing.
  const ids = argIds(args, 3, reply);
  if (ids === null) return;
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
  const found = readGroup(ctx, args, reply);
  if (found === null) return;
  const { g } = found;
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
export function sortedConsumers(g: StreamGroup): StreamConsumer[] {
  return [...g.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
];

// XCLAIM and XAUTOCLAIM (t_stream.c, Redis 7.0): moving pending entries between consumers of a
// group. Each claim is propagated at once, in PEL order, as the idempotent XCLAIM ... FORCE
// JUSTID LASTID that XREADGROUP's deliveries use (stream-groups.ts); an entry deleted from the
// stream is dropped from the PEL and that is propagated the same way.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_SYNTAX } from "../errors.js";
import type { Stream, StreamConsumer, StreamGroup, StreamNack } from "../types/stream.js";
import { formatStreamId, parseStreamId, STREAM_ID_MAX } from "../types/stream-id.js";
import { cmd } from "./define.js";
import {
  consumerFor,
  dropNack,
  propagateGroupId,
  propagateXclaim,
  readGroup,
} from "./stream-groups.js";
import { argId, intervalBound, replyEntry } from "./streams.js";

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
  const found = readGroup(ctx, args, reply);
  if (found === null) return;
  const { s, g } = found;
  const key = args.latin1(1);
  const gname = args.latin1(2);
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
    if (!s.has(id)) {
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
  const found = readGroup(ctx, args, reply);
  if (found === null) return;
  const { s, g } = found;
  const key = args.latin1(1);
  const gname = args.latin1(2);
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
    if (!s.has(id)) {
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

export const streamClaimCommands: CommandSpec[] = [
  cmd("xclaim", -6, "write fast", [1, 1, 1], "@write @stream @fast", xclaim),
  cmd("xautoclaim", -6, "write fast", [1, 1, 1], "@write @stream @fast", xautoclaim),
];

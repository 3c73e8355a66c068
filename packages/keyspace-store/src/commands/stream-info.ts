// XINFO (t_stream.c, Redis 7.0): STREAM [FULL [COUNT n]], GROUPS, CONSUMERS, HELP, with
// entries-read and lag computed as streamReplyWithCGLag does and radix-tree-nodes as Redis's rax
// would hold the nodes' 16-byte keys. Groups and consumers are listed by name (rax order).
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER } from "../errors.js";
import {
  counterReply,
  counterSub,
  ENTRIES_READ_INVALID,
  type PendingList,
  type Stream,
  type StreamGroup,
} from "../types/stream.js";
import { formatStreamId, STREAM_ID_MAX } from "../types/stream-id.js";
import { cmd, replyHelp } from "./define.js";
import {
  errNoGroupForKey,
  lookupGroup,
  sortedConsumers,
  subcommandSyntaxError,
} from "./stream-groups.js";
import { lookupStream, replyEntry } from "./streams.js";

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
    reply.integer(counterReply(counterSub(s.entriesAdded, g.entriesRead)));
  else {
    const read = s.estimateDistance(g.lastId);
    if (read !== ENTRIES_READ_INVALID)
      reply.integer(counterReply(counterSub(s.entriesAdded, read)));
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
  const s = lookupStream(ctx.db, "lookupRead", key, ctx.now, reply);
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
  const s = lookupStream(ctx.db, "lookupRead", args.latin1(2), ctx.now, reply);
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
    if (g.entriesRead !== ENTRIES_READ_INVALID) reply.integer(counterReply(g.entriesRead));
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

/**
 * XINFO STREAM FULL's "pending" of a group (each entry naming its consumer) or of a consumer: the
 * first `count` entries of the PEL, all of them for 0.
 */
function replyPending(
  reply: ReplyWriter,
  pel: PendingList,
  count: number,
  withConsumer: boolean,
): void {
  const first = [...pel.range(0n, STREAM_ID_MAX)].slice(0, count || undefined);
  reply.array(first.length);
  for (const [id, nack] of first) {
    reply.array(withConsumer ? 4 : 3);
    reply.bulk(formatStreamId(id));
    if (withConsumer) reply.bulkLatin1(nack.consumer.name);
    reply.integer(nack.deliveryTime);
    reply.integer(nack.deliveryCount);
  }
}

function xinfoStream(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  // The key first, then FULL [COUNT n], as xinfoCommand does.
  const s = lookupStream(ctx.db, "lookupRead", args.latin1(2), ctx.now, reply);
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
  reply.integer(counterReply(s.entriesAdded));
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
    if (g.entriesRead !== ENTRIES_READ_INVALID) reply.integer(counterReply(g.entriesRead));
    else reply.nullBulk();
    reply.bulk("lag");
    replyLag(reply, s, g);
    reply.bulk("pel-count");
    reply.integer(g.pel.size);
    reply.bulk("pending");
    replyPending(reply, g.pel, count, true);
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
      replyPending(reply, c.pel, count, false);
    }
  }
}

export const streamInfoCommands: CommandSpec[] = [
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

// Pub/Sub commands. Mirrors src/pubsub.c (Redis 7.0): (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE reply
// one push per channel; UNSUBSCRIBE without arguments leaves every channel (and with none
// subscribed replies a single "unsubscribe" with a null channel); PUBSUB introspection.

import { cmd, globMatch, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { ServerCommandDef } from "../commands/command-types.js";
import { subcommandSyntaxError } from "../commands/define.js";
import type { Client } from "../networking/client-connection.js";
import type { PubSub } from "./pubsub.js";

/** What the pub/sub commands use: the node's pub/sub state, and the cluster to fan out to. */
export interface PubSubCommandsHost {
  readonly pubsub: PubSub;
  /** Cluster mode: PUBLISH/SPUBLISH reach every node's (or the shard's) subscribers. */
  readonly cluster: {
    propagatePublish(channel: Buffer, message: Buffer, shard: boolean): void;
  } | null;
}

function emptyUnsubscribe(c: Client, kind: string): void {
  c.reply.beginPush(3);
  c.reply.bulk(kind);
  c.reply.nullBulk();
  c.reply.integer(
    kind === "sunsubscribe" ? c.shardChannels.size : c.channels.size + c.patterns.size,
  );
  c.reply.endPush();
}

function subscribeCommand(pubsub: PubSub, c: Client, a: CommandArgs): void {
  for (let i = 1; i < a.argc; i++) pubsub.subscribe(c, a.latin1(i), "channel");
}

function ssubscribeCommand(pubsub: PubSub, c: Client, a: CommandArgs): void {
  for (let i = 1; i < a.argc; i++) pubsub.subscribe(c, a.latin1(i), "shard");
}

function psubscribeCommand(pubsub: PubSub, c: Client, a: CommandArgs): void {
  for (let i = 1; i < a.argc; i++) pubsub.psubscribe(c, a.latin1(i));
}

function unsubscribeCommand(pubsub: PubSub, c: Client, a: CommandArgs): void {
  if (a.argc === 1) {
    if (c.channels.size === 0) emptyUnsubscribe(c, "unsubscribe");
    for (const ch of [...c.channels]) pubsub.unsubscribe(c, ch, "channel", true);
  } else {
    for (let i = 1; i < a.argc; i++) pubsub.unsubscribe(c, a.latin1(i), "channel", true);
  }
}

function sunsubscribeCommand(pubsub: PubSub, c: Client, a: CommandArgs): void {
  if (a.argc === 1) {
    if (c.shardChannels.size === 0) emptyUnsubscribe(c, "sunsubscribe");
    for (const ch of [...c.shardChannels]) pubsub.unsubscribe(c, ch, "shard", true);
  } else {
    for (let i = 1; i < a.argc; i++) pubsub.unsubscribe(c, a.latin1(i), "shard", true);
  }
}

function punsubscribeCommand(pubsub: PubSub, c: Client, a: CommandArgs): void {
  if (a.argc === 1) {
    if (c.patterns.size === 0) emptyUnsubscribe(c, "punsubscribe");
    for (const p of [...c.patterns]) pubsub.punsubscribe(c, p, true);
  } else {
    for (let i = 1; i < a.argc; i++) pubsub.punsubscribe(c, a.latin1(i), true);
  }
}

/** PUBLISH and SPUBLISH. */
function publishCommand(node: PubSubCommandsHost, c: Client, a: CommandArgs, shard: boolean): void {
  const message = a.copy(2);
  c.reply.integer(node.pubsub.publish(a.latin1(1), message, shard));
  // Cluster mode: every node's subscribers get it (the count stays local, as in Redis).
  node.cluster?.propagatePublish(a.copy(1), message, shard);
}

/** PUBSUB CHANNELS and SHARDCHANNELS. */
function pubsubChannelsCommand(
  channels: ReadonlyMap<string, unknown>,
  c: Client,
  a: CommandArgs,
): void {
  if (a.argc > 3) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  const pat = a.argc > 2 ? a.latin1(2) : undefined;
  const out = [...channels.keys()].filter((ch) => pat === undefined || globMatch(pat, ch));
  c.reply.array(out.length);
  for (const ch of out) c.reply.bulkLatin1(ch);
}

/** PUBSUB NUMSUB and SHARDNUMSUB. */
function pubsubNumsubCommand(
  channels: ReadonlyMap<string, { readonly size: number }>,
  c: Client,
  a: CommandArgs,
): void {
  c.reply.array((a.argc - 2) * 2);
  for (let i = 2; i < a.argc; i++) {
    c.reply.bulk(a.view(i));
    c.reply.integer(channels.get(a.latin1(i))?.size ?? 0);
  }
}

function pubsubHelpCommand(c: Client): void {
  replyHelp(c.reply, "PUBSUB", [
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
  ]);
}

const PS = "@pubsub @slow";
const SUB = "pubsub noscript loading stale";
const INTRO = "pubsub loading stale";
const PUB = "pubsub loading stale fast may_replicate";

export function pubsubCommands(node: PubSubCommandsHost): ServerCommandDef[] {
  const ps = node.pubsub;
  return [
    cmd("subscribe", -2, SUB, [0, 0, 0], PS, (c, a) => subscribeCommand(ps, c, a)),
    cmd("ssubscribe", -2, SUB, [1, -1, 1], PS, (c, a) => ssubscribeCommand(ps, c, a)),
    cmd("psubscribe", -2, SUB, [0, 0, 0], PS, (c, a) => psubscribeCommand(ps, c, a)),
    cmd("unsubscribe", -1, SUB, [0, 0, 0], PS, (c, a) => unsubscribeCommand(ps, c, a)),
    cmd("sunsubscribe", -1, SUB, [1, -1, 1], PS, (c, a) => sunsubscribeCommand(ps, c, a)),
    cmd("punsubscribe", -1, SUB, [0, 0, 0], PS, (c, a) => punsubscribeCommand(ps, c, a)),
    cmd("publish", 3, PUB, [0, 0, 0], "@pubsub @fast", (c, a) => publishCommand(node, c, a, false)),
    cmd("spublish", 3, PUB, [1, 1, 1], "@pubsub @fast", (c, a) => publishCommand(node, c, a, true)),
    cmd("pubsub", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: [
        cmd("channels", -2, INTRO, [0, 0, 0], PS, (c, a) =>
          pubsubChannelsCommand(ps.channels, c, a),
        ),
        cmd("shardchannels", -2, INTRO, [0, 0, 0], PS, (c, a) =>
          pubsubChannelsCommand(ps.shardChannels, c, a),
        ),
        cmd("numsub", -2, INTRO, [0, 0, 0], PS, (c, a) => pubsubNumsubCommand(ps.channels, c, a)),
        cmd("shardnumsub", -2, INTRO, [0, 0, 0], PS, (c, a) =>
          pubsubNumsubCommand(ps.shardChannels, c, a),
        ),
        cmd("numpat", 2, INTRO, [0, 0, 0], PS, (c) => c.reply.integer(ps.patterns.size)),
        cmd("help", 2, "loading stale", [0, 0, 0], "@slow", pubsubHelpCommand),
      ],
    }),
  ];
}

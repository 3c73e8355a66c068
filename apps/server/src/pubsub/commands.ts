// Pub/Sub commands. Mirrors src/pubsub.c (Redis 7.0): (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE reply
// one push per channel; UNSUBSCRIBE without arguments leaves every channel (and with none
// subscribed replies a single "unsubscribe" with a null channel); PUBSUB introspection.

import { cmd, globMatch } from "@shoal/keyspace-store";
import type { Client } from "../client-connection.js";
import type { ServerCommandDef } from "../command-types.js";
import { subcommandSyntaxError } from "../commands/define.js";
import type { PubSub } from "./pubsub.js";

/** What the pub/sub commands use: the node's pub/sub state, and the cluster to fan out to. */
export interface PubSubCommandsHost {
  readonly pubsub: PubSub;
  /** Cluster mode: PUBLISH/SPUBLISH reach every node's (or the shard's) subscribers. */
  readonly cluster: {
    propagatePublish(channel: Buffer, message: Buffer, shard: boolean): void;
  } | null;
}

const PS = "@pubsub @slow";
const SUB_FLAGS = "pubsub noscript loading stale";

function emptyUnsubscribe(c: Client, kind: string): void {
  c.reply.beginPush(3);
  c.reply.bulk(kind);
  c.reply.nullBulk();
  c.reply.integer(
    kind === "sunsubscribe" ? c.shardChannels.size : c.channels.size + c.patterns.size,
  );
  c.reply.endPush();
}

export function pubsubCommands(node: PubSubCommandsHost): ServerCommandDef[] {
  const pubsub = node.pubsub;
  return [
    cmd("subscribe", -2, SUB_FLAGS, [0, 0, 0], PS, (c, a) => {
      for (let i = 1; i < a.argc; i++) pubsub.subscribe(c, a.latin1(i), "channel");
    }),
    cmd("ssubscribe", -2, SUB_FLAGS, [1, -1, 1], PS, (c, a) => {
      for (let i = 1; i < a.argc; i++) pubsub.subscribe(c, a.latin1(i), "shard");
    }),
    cmd("psubscribe", -2, SUB_FLAGS, [0, 0, 0], PS, (c, a) => {
      for (let i = 1; i < a.argc; i++) pubsub.psubscribe(c, a.latin1(i));
    }),
    cmd("unsubscribe", -1, SUB_FLAGS, [0, 0, 0], PS, (c, a) => {
      if (a.argc === 1) {
        if (c.channels.size === 0) emptyUnsubscribe(c, "unsubscribe");
        for (const ch of [...c.channels]) pubsub.unsubscribe(c, ch, "channel", true);
      } else {
        for (let i = 1; i < a.argc; i++) pubsub.unsubscribe(c, a.latin1(i), "channel", true);
      }
    }),
    cmd("sunsubscribe", -1, SUB_FLAGS, [1, -1, 1], PS, (c, a) => {
      if (a.argc === 1) {
        if (c.shardChannels.size === 0) emptyUnsubscribe(c, "sunsubscribe");
        for (const ch of [...c.shardChannels]) pubsub.unsubscribe(c, ch, "shard", true);
      } else {
        for (let i = 1; i < a.argc; i++) pubsub.unsubscribe(c, a.latin1(i), "shard", true);
      }
    }),
    cmd("punsubscribe", -1, SUB_FLAGS, [0, 0, 0], PS, (c, a) => {
      if (a.argc === 1) {
        if (c.patterns.size === 0) emptyUnsubscribe(c, "punsubscribe");
        for (const p of [...c.patterns]) pubsub.punsubscribe(c, p, true);
      } else {
        for (let i = 1; i < a.argc; i++) pubsub.punsubscribe(c, a.latin1(i), true);
      }
    }),
    cmd(
      "publish",
      3,
      "pubsub loading stale fast may_replicate",
      [0, 0, 0],
      "@pubsub @fast",
      (c, a) => {
        const message = a.copy(2);
        c.reply.integer(pubsub.publish(a.latin1(1), message));
        // Cluster mode: every node's subscribers get it (the count stays local, as in Redis).
        node.cluster?.propagatePublish(a.copy(1), message, false);
      },
    ),
    cmd(
      "spublish",
      3,
      "pubsub loading stale fast may_replicate",
      [1, 1, 1],
      "@pubsub @fast",
      (c, a) => {
        const message = a.copy(2);
        c.reply.integer(pubsub.publish(a.latin1(1), message, true));
        node.cluster?.propagatePublish(a.copy(1), message, true);
      },
    ),
    cmd("pubsub", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: [
        cmd("channels", -2, "pubsub loading stale", [0, 0, 0], PS, (c, a) => {
          if (a.argc > 3) {
            c.reply.error(subcommandSyntaxError(a));
            return;
          }
          const pat = a.argc > 2 ? a.latin1(2) : undefined;
          const out = [...pubsub.channels.keys()].filter(
            (ch) => pat === undefined || globMatch(pat, ch),
          );
          c.reply.array(out.length);
          for (const ch of out) c.reply.bulkLatin1(ch);
        }),
        cmd("shardchannels", -2, "pubsub loading stale", [0, 0, 0], PS, (c, a) => {
          if (a.argc > 3) {
            c.reply.error(subcommandSyntaxError(a));
            return;
          }
          const pat = a.argc > 2 ? a.latin1(2) : undefined;
          const out = [...pubsub.shardChannels.keys()].filter(
            (ch) => pat === undefined || globMatch(pat, ch),
          );
          c.reply.array(out.length);
          for (const ch of out) c.reply.bulkLatin1(ch);
        }),
        cmd("numsub", -2, "pubsub loading stale", [0, 0, 0], PS, (c, a) => {
          c.reply.array((a.argc - 2) * 2);
          for (let i = 2; i < a.argc; i++) {
            c.reply.bulk(a.view(i));
            c.reply.integer(pubsub.channels.get(a.latin1(i))?.size ?? 0);
          }
        }),
        cmd("shardnumsub", -2, "pubsub loading stale", [0, 0, 0], PS, (c, a) => {
          c.reply.array((a.argc - 2) * 2);
          for (let i = 2; i < a.argc; i++) {
            c.reply.bulk(a.view(i));
            c.reply.integer(pubsub.shardChannels.get(a.latin1(i))?.size ?? 0);
          }
        }),
        cmd("numpat", 2, "pubsub loading stale", [0, 0, 0], PS, (c) => {
          c.reply.integer(pubsub.patterns.size);
        }),
        cmd("help", 2, "loading stale", [0, 0, 0], "@slow", (c) => {
          const lines = [
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
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
            "HELP",
            "    Prints this help.",
          ];
          c.reply.array(lines.length);
          for (const l of lines) c.reply.simple(l);
        }),
      ],
    }),
  ];
}

// Pub/sub state (Redis's pubsub.c): the channels, patterns and shard channels, the clients
// subscribed to each, and message delivery. A client's own subscriptions live on the client
// (Client.channels/patterns/shardChannels, for its replies' counts); the maps here answer "who
// receives a message on this channel". Messages are pushes (RESP3 >, RESP2 *) written to the
// subscriber's reply buffer and flushed with the turn's other replies.
import { globMatch } from "@shoal/keyspace-store";
import type { ServerStats } from "../diagnostics/stats.js";
import type { Client } from "../networking/client-connection.js";

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  constructor(
    private readonly stats: ServerStats,
    /** Queues a subscriber's pushes for this turn's flush (the server's scheduleFlush). */
    private readonly flush: (client: Client) => void,
  ) {}

  subscribe(client: Client, channel: string, kind: "channel" | "shard"): void {
    const own = kind === "channel" ? client.channels : client.shardChannels;
    const map = kind === "channel" ? this.channels : this.shardChannels;
    if (!own.has(channel)) {
      own.add(channel);
      let set = map.get(channel);
      if (!set) {
        set = new Set();
        map.set(channel, set);
      }
      set.add(client);
    }
    const r = client.reply;
    r.beginPush(3);
    r.bulk(kind === "channel" ? "subscribe" : "ssubscribe");
    r.bulkLatin1(channel);
    r.integer(
      kind === "channel" ? client.channels.size + client.patterns.size : client.shardChannels.size,
    );
    r.endPush();
  }

  unsubscribe(client: Client, channel: string, kind: "channel" | "shard", notify: boolean): void {
    const own = kind === "channel" ? client.channels : client.shardChannels;
    const map = kind === "channel" ? this.channels : this.shardChannels;
    if (own.delete(channel)) {
      const set = map.get(channel);
      set?.delete(client);
      if (set && set.size === 0) map.delete(channel);
    }
    if (!notify) return;
    const r = client.reply;
    r.beginPush(3);
    r.bulk(kind === "channel" ? "unsubscribe" : "sunsubscribe");
    r.bulkLatin1(channel);
    r.integer(
      kind === "channel" ? client.channels.size + client.patterns.size : client.shardChannels.size,
    );
    r.endPush();
  }

  psubscribe(client: Client, pattern: string): void {
    if (!client.patterns.has(pattern)) {
      client.patterns.add(pattern);
      let set = this.patterns.get(pattern);
      if (!set) {
        set = new Set();
        this.patterns.set(pattern, set);
      }
      set.add(client);
    }
    const r = client.reply;
    r.beginPush(3);
    r.bulk("psubscribe");
    r.bulkLatin1(pattern);
    r.integer(client.channels.size + client.patterns.size);
    r.endPush();
  }

  punsubscribe(client: Client, pattern: string, notify: boolean): void {
    if (client.patterns.delete(pattern)) {
      const set = this.patterns.get(pattern);
      set?.delete(client);
      if (set && set.size === 0) this.patterns.delete(pattern);
    }
    if (!notify) return;
    const r = client.reply;
    r.beginPush(3);
    r.bulk("punsubscribe");
    r.bulkLatin1(pattern);
    r.integer(client.channels.size + client.patterns.size);
    r.endPush();
  }

  /** Leaves every channel, pattern and shard channel (a closed client, RESET). */
  unsubscribeAll(client: Client, notify: boolean): void {
    for (const ch of [...client.channels]) this.unsubscribe(client, ch, "channel", notify);
    for (const p of [...client.patterns]) this.punsubscribe(client, p, notify);
    for (const ch of [...client.shardChannels]) this.unsubscribe(client, ch, "shard", notify);
  }

  /** Delivers a message; returns the number of receivers (Redis's pubsubPublishMessage). */
  publish(channel: string, message: Buffer | string, shard = false): number {
    let receivers = 0;
    const set = (shard ? this.shardChannels : this.channels).get(channel);
    if (set) {
      for (const c of set) {
        const r = c.reply;
        r.beginPush(3);
        r.bulk(shard ? "smessage" : "message");
        r.bulkLatin1(channel);
        r.bulk(message);
        r.endPush();
        this.flush(c);
        receivers++;
      }
    }
    if (!shard) {
      for (const [pattern, clients] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const c of clients) {
          const r = c.reply;
          r.beginPush(4);
          r.bulk("pmessage");
          r.bulkLatin1(pattern);
          r.bulkLatin1(channel);
          r.bulk(message);
          r.endPush();
          this.flush(c);
          receivers++;
        }
      }
    }
    this.stats.pubsubMessages++;
    return receivers;
  }
}

// Publish/subscribe on dedicated connections (a subscribed connection can run nothing else).
// Classic channels and patterns use one connection to any node: Redis Cluster broadcasts PUBLISH
// to every node. Shard channels (SSUBSCRIBE, Redis 7.0) live in a slot, so each is subscribed on
// the master that owns its slot, grouped one SSUBSCRIBE per slot. When a subscriber connection
// drops (node killed, failover) or the server unsubscribes a shard channel on its own (the slot
// moved away: Redis sends an unsolicited `sunsubscribe`), the affected subscriptions are
// resubscribed after a topology refresh, on whichever node now owns them.
import type { Connection, ConnectionOptions } from "./connection.js";
import { Connection as Conn } from "./connection.js";
import { MovedError } from "./errors.js";
import { slotOfArg } from "./key-slot.js";
import { addressKey, type NodeAddress } from "./slot-map.js";

export type MessageListener<S> = (message: S, channel: string) => void;
export type PatternListener<S> = (message: S, channel: string, pattern: string) => void;

export interface PubSubHost {
  /** Options for new subscriber connections (host/port are filled in here). */
  connectionOptions(): Omit<ConnectionOptions, "host" | "port">;
  /** Any node, for SUBSCRIBE/PSUBSCRIBE. */
  anyNode(): Promise<NodeAddress>;
  /** The master owning `slot`, for SSUBSCRIBE. */
  ownerOf(slot: number): Promise<NodeAddress>;
  /** MOVED during SSUBSCRIBE: update the map. */
  moved(slot: number, node: NodeAddress): void;
  refresh(): Promise<void>;
  /** Reports errors that no caller is waiting for (resubscribe failures). */
  emitError(err: Error): void;
}

type Kind = "channel" | "pattern" | "shard";

const str = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString() : String(v));

export class PubSub<S> {
  private readonly listeners: Record<Kind, Map<string, Set<(...a: never[]) => void>>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  private main: Connection | undefined;
  private readonly shardConns = new Map<string, Connection>();
  /** Which shard connection (address) each shard channel is subscribed on. */
  private readonly shardHome = new Map<string, string>();
  private closed = false;
  private resubscribing: Promise<void> | undefined;

  constructor(private readonly host: PubSubHost) {}

  get active(): boolean {
    return (
      this.listeners.channel.size + this.listeners.pattern.size + this.listeners.shard.size > 0
    );
  }

  private open(node: NodeAddress): Connection {
    const conn = new Conn({ ...this.host.connectionOptions(), host: node.host, port: node.port });
    conn.subscriberMode = true;
    conn.on("push", (msg: unknown[]) => this.onPush(conn, msg));
    conn.once("close", (err?: Error) => {
      if (this.main === conn) this.main = undefined;
      for (const [k, c] of this.shardConns) if (c === conn) this.shardConns.delete(k);
      if (err && !this.closed) this.scheduleResubscribe();
    });
    return conn;
  }

  private async mainConnection(): Promise<Connection> {
    if (this.main && this.main.state !== "closed") return this.main;
    this.main = this.open(await this.host.anyNode());
    return this.main;
  }

  private shardConnection(node: NodeAddress): Connection {
    const key = addressKey(node);
    let c = this.shardConns.get(key);
    if (!c || c.state === "closed") {
      c = this.open(node);
      this.shardConns.set(key, c);
    }
    return c;
  }

  private add(kind: Kind, names: string[], listener: (...a: never[]) => void): string[] {
    const fresh: string[] = [];
    for (const n of names) {
      let set = this.listeners[kind].get(n);
      if (!set) {
        set = new Set();
        this.listeners[kind].set(n, set);
        fresh.push(n);
      }
      set.add(listener);
    }
    return fresh;
  }

  async subscribe(channels: string[], listener: MessageListener<S>): Promise<void> {
    const fresh = this.add("channel", channels, listener as never);
    if (fresh.length)
      await (await this.mainConnection()).send(["SUBSCRIBE", ...fresh], fresh.length);
  }

  async psubscribe(patterns: string[], listener: PatternListener<S>): Promise<void> {
    const fresh = this.add("pattern", patterns, listener as never);
    if (fresh.length)
      await (await this.mainConnection()).send(["PSUBSCRIBE", ...fresh], fresh.length);
  }

  async ssubscribe(channels: string[], listener: MessageListener<S>): Promise<void> {
    const fresh = this.add("shard", channels, listener as never);
    await this.ssubscribeOnOwners(fresh);
  }

  /** SSUBSCRIBE `channels` on their slots' owners, one command per slot; follows MOVED. */
  private async ssubscribeOnOwners(channels: string[]): Promise<void> {
    const bySlot = new Map<number, string[]>();
    for (const ch of channels) {
      const slot = slotOfArg(ch);
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), ch]);
    }
    await Promise.all(
      [...bySlot].map(async ([slot, chs]) => {
        for (let attempt = 0; ; attempt++) {
          const owner = await this.host.ownerOf(slot);
          const conn = this.shardConnection(owner);
          try {
            await conn.send(["SSUBSCRIBE", ...chs], chs.length);
            for (const ch of chs) this.shardHome.set(ch, addressKey(owner));
            return;
          } catch (err) {
            if (!(err instanceof MovedError) || attempt >= 16) throw err;
            this.host.moved(err.slot, { host: err.host || owner.host, port: err.port });
          }
        }
      }),
    );
  }

  private remove(kind: Kind, names: string[] | undefined, listener?: (...a: never[]) => void) {
    const gone: string[] = [];
    for (const n of names ?? [...this.listeners[kind].keys()]) {
      const set = this.listeners[kind].get(n);
      if (!set) continue;
      if (listener) set.delete(listener);
      if (!listener || set.size === 0) {
        this.listeners[kind].delete(n);
        gone.push(n);
      }
    }
    return gone;
  }

  async unsubscribe(channels?: string[], listener?: MessageListener<S>): Promise<void> {
    const gone = this.remove("channel", channels, listener as never);
    if (gone.length && this.main) await this.main.send(["UNSUBSCRIBE", ...gone], gone.length);
    this.closeIdle();
  }

  async punsubscribe(patterns?: string[], listener?: PatternListener<S>): Promise<void> {
    const gone = this.remove("pattern", patterns, listener as never);
    if (gone.length && this.main) await this.main.send(["PUNSUBSCRIBE", ...gone], gone.length);
    this.closeIdle();
  }

  async sunsubscribe(channels?: string[], listener?: MessageListener<S>): Promise<void> {
    const gone = this.remove("shard", channels, listener as never);
    const byHome = new Map<string, string[]>();
    for (const ch of gone) {
      const home = this.shardHome.get(ch);
      this.shardHome.delete(ch);
      if (home) byHome.set(home, [...(byHome.get(home) ?? []), ch]);
    }
    await Promise.all(
      [...byHome].map(async ([home, chs]) => {
        const conn = this.shardConns.get(home);
        // Shard channels in different slots need separate commands (CROSSSLOT otherwise).
        for (const ch of chs) await conn?.send(["SUNSUBSCRIBE", ch]).catch(() => {});
      }),
    );
    this.closeIdle();
  }

  /** Closes subscriber connections left with nothing to listen to. */
  private closeIdle(): void {
    if (this.main && this.listeners.channel.size + this.listeners.pattern.size === 0) {
      const m = this.main;
      this.main = undefined;
      void m.quit();
    }
    const used = new Set(this.shardHome.values());
    for (const [k, c] of this.shardConns)
      if (!used.has(k)) {
        this.shardConns.delete(k);
        void c.quit();
      }
  }

  private deliver(kind: Kind, name: string, ...args: unknown[]): void {
    const set = this.listeners[kind].get(name);
    if (!set) return;
    for (const l of set) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.host.emitError(err as Error);
      }
    }
  }

  private onPush(conn: Connection, msg: unknown[]): void {
    const kind = str(msg[0]).toLowerCase();
    switch (kind) {
      case "message":
        this.deliver("channel", str(msg[1]), msg[2], str(msg[1]));
        break;
      case "pmessage":
        this.deliver("pattern", str(msg[1]), msg[3], str(msg[2]), str(msg[1]));
        break;
      case "smessage":
        this.deliver("shard", str(msg[1]), msg[2], str(msg[1]));
        break;
      case "sunsubscribe": {
        // Unsolicited: the server dropped this shard channel because its slot moved away.
        const ch = str(msg[1]);
        if (this.listeners.shard.has(ch) && this.shardHome.get(ch) === conn.address) {
          this.shardHome.delete(ch);
          this.scheduleResubscribe();
        }
        break;
      }
    }
  }

  /** Resubscribes everything that lost its connection, after a refresh; coalesced. */
  private scheduleResubscribe(): void {
    if (this.resubscribing || this.closed) return;
    this.resubscribing = (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1000)));
        try {
          await this.host.refresh();
          if (!this.main && this.listeners.channel.size + this.listeners.pattern.size > 0) {
            const conn = await this.mainConnection();
            const chs = [...this.listeners.channel.keys()];
            const pats = [...this.listeners.pattern.keys()];
            if (chs.length) await conn.send(["SUBSCRIBE", ...chs], chs.length);
            if (pats.length) await conn.send(["PSUBSCRIBE", ...pats], pats.length);
          }
          const lost = [...this.listeners.shard.keys()].filter((ch) => {
            const home = this.shardHome.get(ch);
            return home === undefined || !this.shardConns.has(home);
          });
          await this.ssubscribeOnOwners(lost);
          return;
        } catch (err) {
          if (attempt >= 5) this.host.emitError(err as Error);
        }
      }
    })().finally(() => {
      this.resubscribing = undefined;
    });
  }

  /** Waits until a pending resubscription (after a failure) has finished. For tests and tools. */
  async settled(): Promise<void> {
    while (this.resubscribing) await this.resubscribing;
  }

  close(): void {
    this.closed = true;
    this.main?.destroy();
    for (const c of this.shardConns.values()) c.destroy();
    this.shardConns.clear();
  }
}

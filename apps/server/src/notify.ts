// Keyspace notifications (Redis's notify.c): the keyspace store reports each event (class,
// event name, key); when notify-keyspace-events enables that class, it is published on
// __keyspace@<db>__:<key> (K) and/or __keyevent@<db>__:<event> (E) through pub/sub.
import type { ServerConfig } from "./config/load.js";

/** Where notifications go: pub/sub's publish (PubSub implements it). */
export interface NotificationSink {
  publish(channel: string, message: Buffer | string): number;
}

/** Class name -> its flag letter: 'A' = g$lshzxetd, key-miss (m) and new (n) only by name. */
const CLASS_LETTER: Record<string, string> = {
  generic: "g",
  string: "$",
  list: "l",
  set: "s",
  hash: "h",
  zset: "z",
  expired: "x",
  evicted: "e",
  stream: "t",
  keymiss: "m",
  new: "n",
};

/** Mirrors the class check of notifyKeyspaceEvent(). */
export function notifyClassEnabled(flags: string, cls: string): boolean {
  const l = CLASS_LETTER[cls];
  if (l === undefined) return false;
  if (flags.includes(l)) return true;
  return flags.includes("A") && l !== "m" && l !== "n";
}

export class KeyspaceNotifier {
  private flags = "";
  private flagsVersion = -1;

  constructor(
    private readonly config: ServerConfig,
    private readonly sink: NotificationSink,
  ) {}

  /** Redis's notifyKeyspaceEvent. */
  notify(db: number, cls: string, event: string, key: string): void {
    // Every write asks: the flags are re-read only after a config change.
    if (this.flagsVersion !== this.config.version) {
      this.flags = this.config.get<string>("notify-keyspace-events");
      this.flagsVersion = this.config.version;
    }
    const flags = this.flags;
    if (flags === "") return;
    if (!notifyClassEnabled(flags, cls)) return;
    if (flags.includes("K"))
      this.sink.publish(`__keyspace@${db}__:${key}`, Buffer.from(event, "latin1"));
    if (flags.includes("E"))
      this.sink.publish(`__keyevent@${db}__:${event}`, Buffer.from(key, "latin1"));
  }
}

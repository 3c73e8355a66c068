// Client-side caching (Redis 7.0's tracking.c): which clients may hold which keys in a local
// cache, and the invalidation messages that tell them a key changed.
//
// How it works, as in Redis:
//  - Default mode: after a read-only command of a tracking client (trackingRememberKeys, from
//    dispatch's call()), its keys map to the client's id in one table shared by all databases.
//    When such a key is modified (the store's keyModified hook: commands, expiry, eviction), each
//    id in its entry gets an `invalidate` message once and the entry is dropped: the client must
//    read the key again to hear of the next change. Ids of closed clients are dropped lazily.
//  - OPTIN / OPTOUT: a read is remembered only after CLIENT CACHING YES (OPTIN), or unless
//    CLIENT CACHING NO was given (OPTOUT), for the next command or the next transaction.
//  - BCAST: nothing is remembered; every modified key that starts with one of the client's
//    prefixes is collected during the event-loop turn and sent in one message per prefix from
//    beforeSleep (trackingBroadcastInvalidationMessages), keys in byte order.
//  - NOLOOP: no message about a key the client modified itself.
//  - Delivery (sendTrackingMessage): a RESP3 push `>2 invalidate [keys]`; with REDIRECT to a
//    client in RESP2 that is subscribed, a pub/sub message on `__redis__:invalidate`; a RESP2
//    client without REDIRECT receives nothing. A REDIRECT client that is gone: the tracking client
//    is flagged (R) and, in RESP3, told with a `tracking-redir-broken` push.
//  - A message for the client whose command is running waits until the outermost command
//    (EXEC, EVAL...) has replied (tracking_pending_keys), so it never lands inside a reply.
//  - FLUSHDB / FLUSHALL (any database) send one message with a null instead of keys to every
//    tracking client and empty the table (trackingInvalidateKeysOnFlush).
//  - `tracking-table-max-keys`: before each command, while the table holds more keys than that,
//    keys are invalidated as if modified (trackingLimitUsedSlots). Redis picks them by a random
//    walk of its radix tree; here the oldest entries go first. The effort per command grows by
//    100 keys each time the table is still over the limit, as Redis's.
//
// Hot path: with no tracking client and an empty table, a write costs keyModified one check of
// `armed` and a read-only command dispatch's one check of `clients`.
import type { CommandArgs } from "@shoal/resp-codec";
import type { CallContext } from "../call-context.js";
import { keyPositions } from "../cluster/routing.js";
import type { CommandEntry } from "../commands/command-types.js";
import type { ServerConfig } from "../config/load.js";
import type { Client } from "../networking/client-connection.js";
import { TrackingFlag } from "./tracking-flags.js";

/** What the tracking table reads and drives on the node. */
export interface TrackingHost {
  readonly clients: ReadonlyMap<number, Client>;
  readonly call: CallContext;
  readonly config: ServerConfig;
  /** The script running now, and who called it. */
  readonly scripting: { readonly running: { readonly caller: Client } | null };
  scheduleFlush(client: Client): void;
  requestBeforeSleep(): void;
}

/** The keys modified this turn under one BCAST prefix, and the clients listening to it. */
interface BcastState {
  /** Key -> the client that modified it last (null: the server, e.g. expiry), for NOLOOP. */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const MODES = TrackingFlag.Bcast | TrackingFlag.Optin | TrackingFlag.Optout | TrackingFlag.Noloop;
/** shared.null[resp]: a flush's "all keys" is the null of the tracking client's protocol. */
const NULL_BY_RESP = { 2: Buffer.from("$-1\r\n"), 3: Buffer.from("_\r\n") } as const;
const CHANNEL = "__redis__:invalidate";

export class Tracking {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /**
   * Something could need invalidating (a key remembered, a BCAST prefix, a tracking client):
   * the one check a write makes.
   */
  armed = false;
  /** Key (latin1, any database) -> ids of the clients that may cache it (TrackingTable). */
  private readonly table = new Map<string, Set<number>>();
  /** Ids across the whole table (INFO tracking_total_items). */
  private totalItems = 0;
  /** BCAST prefix -> its state (PrefixTable). */
  private readonly prefixes = new Map<string, BcastState>();
  /** A BCAST prefix collected a key this turn. */
  private bcastPending = false;
  /** Messages for a running command's own client: [target, key or null for a flush]. */
  private pending: [Client, string | null][] = [];
  /** Calls in a row that ended still over tracking-table-max-keys. */
  private limitTimeouts = 0;
  private maxKeys = 0;
  private maxKeysVersion = -1;

  constructor(private readonly host: TrackingHost) {}

  get totalKeys(): number {
    return this.table.size;
  }

  get items(): number {
    return this.totalItems;
  }

  get prefixCount(): number {
    return this.prefixes.size;
  }

  /** A call ended with messages waiting, or tracking on: dispatch's afterCall is needed. */
  get afterCallNeeded(): boolean {
    return this.clients !== 0 || this.pending.length !== 0;
  }

  private rearm(): void {
    this.armed = this.clients !== 0 || this.table.size !== 0 || this.prefixes.size !== 0;
  }

  // ---- Turning tracking on and off (enableTracking / disableTracking) ----------------------

  /** CLIENT TRACKING ON with its options (already checked), REDIRECT id (0: none), prefixes. */
  enable(c: Client, redirect: number, options: number, prefixes: readonly string[]): void {
    if (!(c.tracking & TrackingFlag.On)) this.clients++;
    // CACHING survives a second CLIENT TRACKING ON, as in Redis.
    c.tracking = (c.tracking & TrackingFlag.Caching) | TrackingFlag.On | (options & MODES);
    c.trackingRedirect = redirect;
    if (options & TrackingFlag.Bcast) {
      if (prefixes.length === 0) this.addPrefix(c, "");
      for (const p of prefixes) this.addPrefix(c, p);
    }
    this.rearm();
  }

  /** CLIENT TRACKING OFF, RESET, a closed client. Its ids in the table go lazily. */
  disable(c: Client): void {
    if (c.tracking & TrackingFlag.Bcast && c.trackingPrefixes !== null) {
      for (const p of c.trackingPrefixes) {
        const bs = this.prefixes.get(p);
        if (bs === undefined) continue;
        bs.clients.delete(c);
        if (bs.clients.size === 0) this.prefixes.delete(p);
      }
      c.trackingPrefixes = null;
    }
    if (c.tracking & TrackingFlag.On) this.clients--;
    c.tracking = 0;
    this.rearm();
  }

  private addPrefix(c: Client, prefix: string): void {
    let bs = this.prefixes.get(prefix);
    if (bs === undefined) {
      bs = { keys: new Map(), clients: new Set() };
      this.prefixes.set(prefix, bs);
    }
    bs.clients.add(c);
    c.trackingPrefixes ??= new Set();
    c.trackingPrefixes.add(prefix);
  }

  // ---- Remembering reads (trackingRememberKeys) ---------------------------------------------

  /**
   * After each call() while a client tracks or messages wait: a read-only command's keys are
   * remembered for its client, and at the outermost call the waiting messages go out.
   */
  afterCall(client: Client, entry: CommandEntry, args: CommandArgs): void {
    if (this.clients !== 0 && entry.isReadonly) this.rememberKeys(client, entry, args);
    if (this.host.call.depth === 0 && this.pending.length !== 0) this.sendPending();
  }

  private rememberKeys(client: Client, entry: CommandEntry, args: CommandArgs): void {
    // Read-only scripts are remembered by the commands they run, not as a whole.
    const name = entry.spec.name;
    if (name === "eval_ro" || name === "evalsha_ro" || name === "fcall_ro") return;
    // A script's read counts for its caller, with the keys of the caller's command (Redis 7.0
    // passes the caller to trackingRememberKeys, which reads the caller's argv: the keys the
    // script declared, whatever key the script read). Id -1 is the scripts' client.
    const run = this.host.scripting.running;
    const caller = run !== null && client.id === -1 ? run.caller : client;
    const t = caller.tracking;
    if (!(t & TrackingFlag.On) || t & TrackingFlag.Bcast) return;
    const caching = (t & TrackingFlag.Caching) !== 0;
    if ((t & TrackingFlag.Optin && !caching) || (t & TrackingFlag.Optout && caching)) return;
    if (caller !== client) {
      const call = this.host.call;
      if (call.callerEntry === null || call.callerArgs === null) return;
      entry = call.callerEntry;
      args = call.callerArgs;
    }
    for (const i of keyPositions(entry.spec, args)) this.remember(caller.id, args.latin1(i));
  }

  private remember(id: number, key: string): void {
    let ids = this.table.get(key);
    if (ids === undefined) {
      ids = new Set();
      this.table.set(key, ids);
      this.armed = true;
    }
    if (!ids.has(id)) {
      ids.add(id);
      this.totalItems++;
    }
  }

  // ---- Invalidation (trackingInvalidateKey and friends) -------------------------------------

  /**
   * A key was modified (Redis's signalModifiedKey -> trackingInvalidateKey): the clients that
   * may cache it are told, once. `by` is the client whose command modified it (null: the server
   * itself, expiry or eviction), for BCAST's NOLOOP. This is the one entry point for every write
   * path; eviction calls it through the store's keyModified hook with byServer set.
   */
  invalidateKey(key: string, by: Client | null, bcast = true): void {
    if (bcast && this.prefixes.size !== 0) this.rememberKeyToBroadcast(key, by);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const current = this.host.call.current;
    const clients = this.host.clients;
    for (const id of ids) {
      const target = clients.get(id);
      if (target === undefined) continue;
      const t = target.tracking;
      // A client that switched to BCAST since it read the key gets no per-key message.
      if (!(t & TrackingFlag.On) || t & TrackingFlag.Bcast) continue;
      if (t & TrackingFlag.Noloop && target === current) continue;
      if (target === current) this.pending.push([target, key]);
      else this.send(target, key);
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
    this.rearm();
  }

  private rememberKeyToBroadcast(key: string, by: Client | null): void {
    for (const [prefix, bs] of this.prefixes) {
      if (!key.startsWith(prefix)) continue;
      bs.keys.set(key, by);
      if (!this.bcastPending) {
        this.bcastPending = true;
        this.host.requestBeforeSleep();
      }
    }
  }

  /**
   * FLUSHDB / FLUSHALL / an emptied dataset (signalFlushedDb): every tracking client is told
   * that all its keys are invalid, and the table is emptied.
   */
  invalidateAllOnFlush(): void {
    if (this.clients !== 0) {
      const current = this.host.call.current;
      for (const c of this.host.clients.values()) {
        if (!(c.tracking & TrackingFlag.On)) continue;
        if (c === current) this.pending.push([c, null]);
        else this.send(c, null);
      }
    }
    this.table.clear();
    this.totalItems = 0;
    this.rearm();
  }

  /** The messages held for a command's own client, after its reply (trackingHandlePendingKeyInvalidations). */
  sendPending(): void {
    if (this.pending.length === 0) return;
    const list = this.pending;
    this.pending = [];
    for (const [c, key] of list) if (!c.closed) this.send(c, key);
  }

  /**
   * tracking-table-max-keys (trackingLimitUsedSlots): called before each command while a client
   * tracks; invalidates keys until the table is back under the limit or the effort is spent.
   */
  limitUsedSlots(): void {
    const config = this.host.config;
    if (this.maxKeysVersion !== config.version) {
      this.maxKeys = config.get<number>("tracking-table-max-keys");
      this.maxKeysVersion = config.version;
    }
    const max = this.maxKeys;
    if (max === 0) return;
    if (this.table.size <= max) {
      this.limitTimeouts = 0;
      return;
    }
    let effort = 100 * (this.limitTimeouts + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key, null, false);
      if (this.table.size <= max) {
        this.limitTimeouts = 0;
        return;
      }
    }
    this.limitTimeouts++;
  }

  /**
   * beforeSleep: each BCAST prefix's keys of this turn, in byte order, to each of its clients
   * (less the keys a NOLOOP client modified itself), then forgotten.
   */
  broadcast(): void {
    if (!this.bcastPending) return;
    this.bcastPending = false;
    const names = [...this.prefixes.keys()].sort(byteOrder);
    for (const name of names) {
      const bs = this.prefixes.get(name)!;
      if (bs.keys.size === 0) continue;
      const keys = [...bs.keys.keys()].sort(byteOrder);
      for (const c of bs.clients) {
        const own =
          c.tracking & TrackingFlag.Noloop ? keys.filter((k) => bs.keys.get(k) !== c) : keys;
        if (own.length !== 0) this.send(c, own);
      }
      bs.keys = new Map();
    }
  }

  // ---- Delivery (sendTrackingMessage) -------------------------------------------------------

  /** One message to `c` (or where it redirects): a key, a list of keys, or null (a flush). */
  private send(c: Client, keys: string | readonly string[] | null): void {
    let target = c;
    const redirect = c.trackingRedirect;
    if (redirect !== 0) {
      const redir = this.host.clients.get(redirect);
      if (redir === undefined || redir.closed) {
        c.tracking |= TrackingFlag.BrokenRedir;
        if (c.resp === 3) {
          const r = c.reply;
          r.beginPush(2);
          r.bulk("tracking-redir-broken");
          r.integer(redirect);
          r.endPush();
          this.host.scheduleFlush(c);
        }
        return;
      }
      target = redir;
    }
    const r = target.reply;
    if (target.resp === 3) {
      r.beginPush(2);
      r.bulk("invalidate");
    } else if (redirect !== 0 && target.subscriptionCount > 0) {
      r.beginPush(3);
      r.bulk("message");
      r.bulk(CHANNEL);
    } else {
      // RESP2 without REDIRECT: no way to push in the same connection.
      return;
    }
    if (keys === null) r.raw(NULL_BY_RESP[c.resp]);
    else if (typeof keys === "string") {
      r.array(1);
      r.bulkLatin1(keys);
    } else {
      r.array(keys.length);
      for (const k of keys) r.bulkLatin1(k);
    }
    r.endPush();
    this.host.scheduleFlush(target);
  }
}

/** Radix-tree order: latin1 strings compare as their bytes do. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

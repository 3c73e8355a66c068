// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK ...): who waits on which key, in
// arrival order; the keys that became ready during a command; serving them once the command is
// done, by running the blocked command again for that key alone. Mirrors blockForKeys(),
// unblockClient(), signalKeyAsReady(), scanDatabaseForReadyKeys() and
// handleClientsBlockedOnKeys() in src/blocked.c and src/db.c (Redis 7.0). The store decides
// what blocks and what serves (CommandContext.block, readyKey); this file only keeps the lists.
import type { BlockTimeoutReply } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { CallContext } from "../call-context.js";
import type { CommandEntry } from "../commands/command-types.js";
import type { ServerStats } from "../diagnostics/stats.js";
import type { BlockState, Client } from "../networking/client-connection.js";
import { OwnedArgs } from "../protocol/command-decoder.js";
import { armBlockTimeout } from "./timeout.js";

const keyOf = (db: number, key: string) => `${db}\u0000${key}`;

/** What blocking takes from the node. */
export interface BlockingHost {
  /** The command being called (what blocks) and the batch clock. */
  readonly call: CallContext;
  readonly stats: ServerStats;
  scheduleFlush(client: Client): void;
  processInputBuffer(client: Client): void;
  /** Runs the blocked command's handler again (dispatch's runHandler: guarded, no checks). */
  runHandler(client: Client, entry: CommandEntry, args: CommandArgs): void;
  /** A served blocked command's duration for the slow log (updateStatsOnUnblock). */
  slowlogCheck(client: Client, args: CommandArgs, usec: number, entry: CommandEntry): void;
}

export class BlockedClients {
  /** db\0key -> clients blocked on it, in arrival order. */
  private readonly blockedOn = new Map<string, Client[]>();
  /** Keys that may serve a blocked client (Redis's server.ready_keys). */
  readonly readyKeys = new Set<string>();
  /** Clients blocked on keys (INFO blocked_clients, with the postponed ones). */
  count = 0;
  /** The key whose readiness the blocked command being re-run serves (CommandContext.readyKey). */
  servingKey: string | null = null;

  constructor(private readonly host: BlockingHost) {}

  /**
   * blockForKeys(): the current command waits on `keys` (its args kept to run it again, or
   * `rerun` in their place: XREAD's IDs as resolved when it blocked).
   */
  block(
    client: Client,
    keys: readonly string[],
    timeoutMs: number,
    timeoutReply: BlockTimeoutReply,
    rerun?: readonly (Buffer | string)[],
  ): void {
    const call = this.host.call;
    const args = call.args;
    if (args === null) return;
    const entry = call.entry;
    if (entry === null) return;
    const state: BlockState = {
      entry,
      args:
        rerun !== undefined
          ? new OwnedArgs(rerun.map((a) => (typeof a === "string" ? Buffer.from(a, "latin1") : a)))
          : args instanceof OwnedArgs
            ? args
            : OwnedArgs.from(args),
      keys: [...keys],
      dbIndex: client.db,
      timeoutReply,
      timer: undefined,
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
    };
    client.blocked = state;
    this.count++;
    for (const key of keys) {
      const k = keyOf(client.db, key);
      let q = this.blockedOn.get(k);
      if (!q) {
        q = [];
        this.blockedOn.set(k, q);
      }
      q.push(client);
    }
    if (timeoutMs > 0) this.armTimeout(client, state);
  }

  /** replyToBlockedClientTimedOut(): the timeout's null reply, then the client reads on. */
  private armTimeout(client: Client, st: BlockState): void {
    armBlockTimeout(client, st, () => {
      this.unblock(client, true);
      st.entry.calls++;
      if (st.timeoutReply === "nullArray") client.reply.nullArray();
      else client.reply.nullBulk();
      this.host.scheduleFlush(client);
      this.host.processInputBuffer(client);
    });
  }

  /** Takes the client off every key it waits on (no reply; idempotent). */
  unblock(client: Client, _timedOut: boolean): void {
    const b = client.blocked;
    if (b === null) return;
    client.blocked = null;
    this.count--;
    if (b.timer) clearTimeout(b.timer);
    for (const key of b.keys) {
      const k = keyOf(b.dbIndex, key);
      const q = this.blockedOn.get(k);
      if (!q) continue;
      const i = q.indexOf(client);
      if (i >= 0) q.splice(i, 1);
      if (q.length === 0) this.blockedOn.delete(k);
    }
  }

  /**
   * CLIENT UNBLOCK: answers a blocked client as its timeout would, or with an -UNBLOCKED error,
   * and lets it read on. False when the client isn't blocked.
   */
  unblockByRequest(client: Client, withError: boolean): boolean {
    const st = client.blocked;
    if (st === null) return false;
    this.unblock(client, !withError);
    st.entry.calls++;
    if (withError) {
      st.entry.failedCalls++;
      client.reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
      this.host.stats.countError(client.reply.lastError);
    } else if (st.timeoutReply === "nullArray") client.reply.nullArray();
    else client.reply.nullBulk();
    this.host.scheduleFlush(client);
    // After the current command (CLIENT UNBLOCK) is done, as unblockClient's queue in Redis.
    setImmediate(() => {
      if (!client.closed) this.host.processInputBuffer(client);
    });
    return true;
  }

  signalKeyAsReady(db: number, key: string): void {
    if (this.blockedOn.size === 0) return;
    const k = keyOf(db, key);
    if (this.blockedOn.has(k)) this.readyKeys.add(k);
  }

  /**
   * SWAPDB: every key clients of `db` are blocked on may now hold data (Redis's
   * scanDatabaseForReadyKeys); re-running their commands finds out, and re-blocks the rest.
   */
  signalBlockedKeysInDb(db: number): void {
    const prefix = `${db}\u0000`;
    for (const k of this.blockedOn.keys()) if (k.startsWith(prefix)) this.readyKeys.add(k);
  }

  /**
   * Re-runs a blocked client's command. Not a new call (no MONITOR line, no count in
   * total_commands_processed): if served, it is counted then, as Redis's updateStatsOnUnblock.
   */
  private serveBlocked(client: Client, b: BlockState): void {
    const entry = b.entry;
    const errorsBefore = client.reply.errorCount;
    const call = this.host.call;
    call.clearTiming();
    const t0 = call.enter(client, b.args, entry);
    this.host.runHandler(client, entry, b.args);
    const t1 = call.leave();
    call.clearTiming();
    if (client.blocked !== null) return;
    const usec = Math.round((t1 - t0) * 1000);
    entry.usec += usec;
    entry.calls++;
    this.host.slowlogCheck(client, b.args, usec, entry);
    if (client.reply.errorCount !== errorsBefore) {
      entry.failedCalls++;
      this.host.stats.countError(client.reply.lastError);
    }
  }

  /**
   * Serves clients blocked on keys that became ready, in arrival order, by re-running their
   * command for that key alone (Redis's handleClientsBlockedOnKeys; see CommandContext.readyKey).
   * A client whose command blocks again keeps its place in every queue.
   */
  handleClientsBlockedOnKeys(): void {
    this.host.call.startTurn();
    while (this.readyKeys.size > 0) {
      const keys = [...this.readyKeys];
      this.readyKeys.clear();
      for (const k of keys) {
        const q = this.blockedOn.get(k);
        if (!q) continue;
        for (const client of [...q]) {
          const b = client.blocked;
          if (b === null || client.closed) continue;
          // Re-run with blocking allowed; if it blocks again, it goes back where it was.
          const places = b.keys.map(
            (key) => this.blockedOn.get(keyOf(b.dbIndex, key))?.indexOf(client) ?? -1,
          );
          this.unblock(client, false);
          const prevDb = client.db;
          client.db = b.dbIndex;
          this.servingKey = k.slice(k.indexOf("\u0000") + 1);
          this.serveBlocked(client, b);
          this.servingKey = null;
          client.db = prevDb;
          if (client.blocked !== null) {
            // The re-run blocked on the same keys (same args), each appended last: move it back.
            const again = client.blocked;
            for (let i = 0; i < again.keys.length; i++) {
              const qq = this.blockedOn.get(keyOf(again.dbIndex, again.keys[i] as string));
              const at = places[i] ?? -1;
              if (qq && at >= 0 && at < qq.length - 1 && qq[qq.length - 1] === client) {
                qq.pop();
                qq.splice(at, 0, client);
              }
            }
            if (client.blocked.timer) clearTimeout(client.blocked.timer);
            client.blocked.deadline = b.deadline;
            if (b.deadline > 0) this.armTimeout(client, client.blocked);
          } else {
            this.host.scheduleFlush(client);
            // Its next pipelined commands run now that it is free.
            setImmediate(() => this.host.processInputBuffer(client));
          }
        }
      }
    }
  }
}

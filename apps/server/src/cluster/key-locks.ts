// Keys held by an in-flight MIGRATE. Redis's MIGRATE blocks the whole server while it talks to
// the target, so no other client sees a key half-moved; Shoal's runs asynchronously, so instead
// the keys it moves are locked: another client's command that names one of them (EXEC: any
// queued command naming one) waits, parked like a CLIENT PAUSEd command, until the MIGRATE has
// replied. Commands on other keys keep running. The check costs nothing while no key is locked.

import type { CommandArgs } from "@shoal/resp-codec";
import type { CallContext } from "../call-context.js";
import type { CommandEntry, CommandTable } from "../commands/command-types.js";
import type { Client } from "../networking/client-connection.js";
import { OwnedArgs } from "../protocol/command-decoder.js";
import { keyPositions } from "./routing.js";

const lockKey = (db: number, key: string) => `${db}\u0000${key}`;

/** What re-running a parked command takes from the node (the Server implements it). */
export interface KeyLockHost {
  readonly call: CallContext;
  readonly table: CommandTable;
  runOneCommand(client: Client, args: CommandArgs): void;
  processInputBuffer(client: Client): void;
  scheduleFlush(client: Client): void;
}

export class KeyLocks {
  /** db\0key -> how many MIGRATEs hold it (the same key can't be held twice, but be safe). */
  private readonly held = new Map<string, number>();
  private waiters: Client[] = [];

  /** Number of locked keys (0: nothing to check). */
  get size(): number {
    return this.held.size;
  }

  isLocked(db: number, key: string): boolean {
    return this.held.has(lockKey(db, key));
  }

  lock(db: number, keys: readonly string[]): void {
    for (const k of keys) {
      const id = lockKey(db, k);
      this.held.set(id, (this.held.get(id) ?? 0) + 1);
    }
  }

  /** Releases the keys and runs the commands that waited for them, in arrival order. */
  unlock(server: KeyLockHost, db: number, keys: readonly string[]): void {
    for (const k of keys) {
      const id = lockKey(db, k);
      const n = (this.held.get(id) ?? 1) - 1;
      if (n <= 0) this.held.delete(id);
      else this.held.set(id, n);
    }
    if (this.waiters.length === 0) return;
    const list = this.waiters;
    this.waiters = [];
    // The held commands run now: their clock (SET EX, expiry checks) is now, not when they came.
    server.call.startTurn();
    for (const c of list) {
      const args = c.pausedArgs;
      c.pausedArgs = null;
      if (c.closed || args === null) continue;
      // Parks again if it names a key another MIGRATE still holds.
      server.runOneCommand(c, args);
      server.processInputBuffer(c);
    }
  }

  /**
   * Called before a command runs: when it names a locked key, holds it (and the client's later
   * commands) and returns true. Our master's stream and the AOF replay are never held.
   */
  park(server: KeyLockHost, client: Client, args: CommandArgs): boolean {
    if (client.id === 0 || client.replRole === "M") return false;
    const base = server.table.lookupRaw(args.latin1(0));
    if (base === undefined) return false;
    let locked = false;
    if (base.spec.name === "exec") {
      const queue = client.multiQueue;
      if (queue === null) return false;
      for (const q of queue) {
        if (this.names(client.db, q.entry, q.args)) {
          locked = true;
          break;
        }
      }
    } else {
      // Inside MULTI other commands are only queued; EXEC is checked as a whole.
      if (client.multiQueue !== null) return false;
      let entry: CommandEntry | undefined = base;
      if (base.subcommands !== undefined && args.argc >= 2)
        entry = base.subcommands.get(args.latin1(1).toLowerCase());
      if (entry === undefined) return false;
      locked = this.names(client.db, entry, args);
    }
    if (!locked) return false;
    client.pausedArgs = OwnedArgs.from(args);
    this.waiters.push(client);
    // The replies of the client's earlier commands in this batch still go out now.
    server.scheduleFlush(client);
    return true;
  }

  private names(db: number, entry: CommandEntry, args: CommandArgs): boolean {
    const spec = entry.spec;
    if (spec.firstKey <= 0 && spec.getKeys === undefined) return false;
    const arity = spec.arity;
    if (arity > 0 ? args.argc !== arity : args.argc < -arity) return false;
    for (const pos of keyPositions(spec, args)) {
      if (pos < args.argc && this.held.has(lockKey(db, args.latin1(pos)))) return true;
    }
    return false;
  }
}

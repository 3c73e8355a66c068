// WATCH state (Redis's multi.c, touchWatchedKey and friends): which clients watch which keys.
// A write to a watched key, a FLUSHDB/FLUSHALL/SWAPDB of its database, or a cluster reset marks
// every watcher dirty (Client.casDirty, Redis's CLIENT_DIRTY_CAS); its EXEC then replies a null
// array. The client's own set (Client.watched) holds the same db\0key strings, so unwatching
// needs no search. The MULTI queue itself lives on the client (Client.multiQueue); EXEC runs it
// through dispatch's call() (multi/commands.ts).
import type { Client } from "../networking/client-connection.js";

const keyOf = (db: number, key: string) => `${db}\u0000${key}`;

export class WatchedKeys {
  /** db\0key -> the clients watching it. */
  private readonly keys = new Map<string, Set<Client>>();

  get size(): number {
    return this.keys.size;
  }

  watch(client: Client, key: string): void {
    const k = keyOf(client.db, key);
    if (client.watched.has(k)) return;
    client.watched.add(k);
    let set = this.keys.get(k);
    if (!set) {
      set = new Set();
      this.keys.set(k, set);
    }
    set.add(client);
  }

  /** UNWATCH, EXEC, DISCARD, RESET, a closed client: forgets its keys and its dirty flag. */
  unwatchAll(client: Client): void {
    for (const k of client.watched) {
      const set = this.keys.get(k);
      if (!set) continue;
      set.delete(client);
      if (set.size === 0) this.keys.delete(k);
    }
    client.watched.clear();
    client.casDirty = false;
  }

  /** A key was modified (the keyspace's keyModified hook): its watchers' EXEC will fail. */
  touch(db: number, key: string): void {
    if (this.keys.size === 0) return;
    const set = this.keys.get(keyOf(db, key));
    if (set) for (const c of set) c.casDirty = true;
  }

  /**
   * FLUSHDB, FLUSHALL, SWAPDB (touchAllWatchedKeysInDb): the watched keys of `db` (-1: of every
   * database) that `exists` says were there are touched; with no predicate, all of them.
   */
  touchAllInDb(db: number, exists?: (db: number, key: string) => boolean): void {
    for (const [k, set] of this.keys) {
      const sep = k.indexOf("\u0000");
      const kdb = Number(k.slice(0, sep));
      if (db !== -1 && kdb !== db) continue;
      if (exists && !exists(kdb, k.slice(sep + 1))) continue;
      for (const c of set) c.casDirty = true;
    }
  }
}

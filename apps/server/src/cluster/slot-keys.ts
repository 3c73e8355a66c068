// What cluster mode needs from the data store: the per-slot key index of db 0 (Redis keeps it in
// `server.db[0].slots_to_keys`). keyspace-store's `Database` built with `slotIndex: true` has
// exactly this shape, and the store adapter hands it out as `db(0)`. A store without a slot
// index (an embedder's, or a test double) still runs in cluster mode: it reports no keys per
// slot, which only weakens the "slot has keys" checks of SETSLOT/FLUSHSLOTS/RESET.
import type { StoreAdapter } from "../store.js";

export interface SlotKeys {
  /** Keys in db 0 (CLUSTER RESET / FLUSHSLOTS / REPLICATE refuse a non-empty master). */
  readonly size: number;
  countKeysInSlot(slot: number): number;
  /** Up to `count` key names (latin1 strings) stored in `slot`. */
  getKeysInSlot(slot: number, count: number): string[];
  /** Deletes every key of `slot` (the slot now belongs to another node); returns the count. */
  deleteSlot(slot: number): number;
  /** True if `key` exists (ASK/TRYAGAIN during slot migration); absent = every key missing. */
  has?(key: string, now: number): boolean;
}

/** The slot index of the server's store, or a key-count-only stand-in. */
export function slotKeysOf(store: StoreAdapter): SlotKeys {
  const db = (store as { db?: (i: number) => unknown }).db?.(0) as Partial<SlotKeys> | undefined;
  if (db && typeof db.countKeysInSlot === "function") {
    try {
      db.countKeysInSlot(0);
      return db as SlotKeys;
    } catch {
      // Built without the slot index (slotIndex: false): fall through.
    }
  }
  return {
    get size() {
      return store.dbSize(0);
    },
    countKeysInSlot: () => 0,
    getKeysInSlot: () => [],
    deleteSlot: () => 0,
  };
}

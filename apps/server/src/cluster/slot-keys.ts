// What cluster mode needs from the data: the per-slot key index of db 0 (Redis keeps it in
// `server.db[0].slots_to_keys`). keyspace-store's Database keeps it when its keyspace was built
// with `slotIndex: true`, which the server does whenever cluster-enabled is yes.
import type { Database } from "@shoal/keyspace-store";
import type { StoreAdapter } from "../store/store.js";

/**
 * The part of db 0 cluster mode uses: `size` (CLUSTER RESET / FLUSHSLOTS / REPLICATE refuse a
 * non-empty master), countKeysInSlot, getKeysInSlot (latin1 key names), deleteSlot (the slot
 * now belongs to another node), and `has` (ASK/TRYAGAIN during slot migration).
 */
export type SlotKeys = Pick<
  Database,
  "size" | "countKeysInSlot" | "getKeysInSlot" | "deleteSlot" | "has"
>;

/** The slot index of the server's store; a store built without one is a start-up bug. */
export function slotKeysOf(store: StoreAdapter): SlotKeys {
  const db = store.db(0);
  if (!db.hasSlotIndex) throw new Error("cluster mode needs a store built with slotIndex: true");
  return db;
}

// Builds the store the server runs on: keyspace-store's Keyspace and command table, with the
// per-slot key index in cluster mode.
import { KeyspaceStore } from "./keyspace-adapter.js";

export interface CreateStoreOptions {
  /** cluster-enabled: keep the per-slot key index (CLUSTER COUNTKEYSINSLOT, slot migration). */
  slotIndex?: boolean;
}

export function createStore(databases: number, opts: CreateStoreOptions = {}): KeyspaceStore {
  return new KeyspaceStore({ databases, slotIndex: opts.slotIndex ?? false });
}

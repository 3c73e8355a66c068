// Builds the StoreAdapter the server runs on. Until keyspace-store exports its Keyspace and
// command table (CORE-API.md), the server runs with an empty store: connection, transaction,
// pub/sub, config and persistence machinery work; data commands answer "unknown command".
import { EmptyStore, type StoreAdapter } from "./store.js";

export function createStore(databases: number): StoreAdapter {
  return new EmptyStore(databases);
}

// The seam between the server and @shoal/keyspace-store's Keyspace/Database classes. While the
// store's core API is being written, the server codes against this small interface; the adapter
// that wraps the real Keyspace replaces `EmptyStore` when it lands (see README, "Status").
import type { CommandSpec, KeyspaceHooks } from "@shoal/keyspace-store";

export interface StoreAdapter {
  /** The keyspace-store command specs to dispatch to (empty until the table is exported). */
  readonly commands: readonly CommandSpec[];
  /** Objects handed to CommandContext.keyspace / .db for database `i`. */
  keyspaceHandle(): unknown;
  dbHandle(i: number): unknown;
  dbSize(i: number): number;
  expiresCount(i: number): number;
  /** Active expiry cycle step (Redis's activeExpireCycle), called from the server cron. */
  activeExpireCycle?(now: number): void;
  activeExpireEnabled: boolean;
  /** Wires the server's hooks into the store. */
  setHooks(hooks: KeyspaceHooks): void;
  /** Snapshot serialization, when the store supports it. */
  snapshot?(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  loadSnapshot?(data: Uint8Array): void;
  flushAll(): void;
}

export class EmptyStore implements StoreAdapter {
  readonly commands: readonly CommandSpec[] = [];
  activeExpireEnabled = true;
  constructor(readonly databases: number) {}
  keyspaceHandle(): unknown {
    return undefined;
  }
  dbHandle(): unknown {
    return undefined;
  }
  dbSize(): number {
    return 0;
  }
  expiresCount(): number {
    return 0;
  }
  setHooks(): void {}
  flushAll(): void {}
}

// The node as the commands and dispatch see it: the core (node-core.ts) and the collaborators
// above it (the command table, replication, cluster, persistence, WATCH, MONITOR, the slow log,
// MIGRATE's key locks), with the node-wide actions commands take (CONFIG SET's side effects,
// SHUTDOWN, RESET, EXEC's propagation). server.ts implements it; nothing
// here imports server.ts, dispatch.ts or a command module, so they import this instead.
import type { CommandArgs } from "@shoal/resp-codec";
import type { AclLog } from "./acl-log.js";
import type { Client } from "./client-connection.js";
import type { ClusterRuntime } from "./cluster/cluster-runtime.js";
import type { CommandTable } from "./command-types.js";
import type { KeyLocks } from "./key-locks.js";
import type { Monitors } from "./monitor.js";
import type { WatchedKeys } from "./multi/multi.js";
import type { NodeCore } from "./node-core.js";
import type { Persistence } from "./persistence/persistence.js";
import type { Replication } from "./replication/replication.js";
import type { SlowLog } from "./slowlog.js";

export interface ShutdownOptions {
  save: boolean | undefined;
  force: boolean;
}

export interface NodeServices extends NodeCore {
  readonly table: CommandTable;
  readonly replication: Replication;
  readonly cluster: ClusterRuntime | null;
  readonly persistence: Persistence | null;
  readonly watches: WatchedKeys;
  readonly monitors: Monitors;
  readonly slowlog: SlowLog;
  readonly aclLog: AclLog;
  readonly keyLocks: KeyLocks;
  /** MIGRATE's cached target connections (INFO stats migrate_cached_sockets). */
  migrateLinks: { readonly size: number } | null;
  readonly startTime: number;
  readonly runId: string;
  readonly executable: string;
  /** Offset of the replication stream (master_repl_offset). */
  readonly masterReplOffset: number;
  /** slowlog-log-slower-than, cached for the per-command check. */
  readonly slowlogThreshold: number;
  /** DEBUG PAUSE-CRON 1: serverCron does nothing until it is set back to 0. */
  pauseCron: boolean;

  // Propagation of EXEC (multi.c).
  readonly inExec: boolean;
  beginExecPropagation(dbIndex: number): void;
  endExecPropagation(dbIndex: number): void;

  /** A command's exception: answered with an error and logged (dispatch's guard). */
  commandException(client: Client, name: string, err: unknown, mark: number): void;
  /** Runs one decoded command with the client's reply mode applied (CLIENT REPLY). */
  runOneCommand(client: Client, args: CommandArgs): void;
  /** Runs the asynchronous tail of a command; the client's later commands wait for it. */
  runAsync(client: Client, work: () => Promise<void>): void;
  /** Side effects of CONFIG SET on a running node. */
  applyConfigChange(name: string): void;
  /** CONFIG SET port/bind: listen on the new addresses, then close the old listeners. */
  rebind(port: number, bind: string[]): Promise<void>;
  /** CONFIG RESETSTAT. */
  resetStats(): void;
  /** RESET: back to a fresh connection's state. */
  resetClient(client: Client): void;
  /** SHUTDOWN: the whole sequence; answers the client when it fails. */
  requestShutdown(opts: ShutdownOptions, from: Client | null): Promise<void>;
}

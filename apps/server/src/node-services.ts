// The node as the commands and dispatch see it, cut by concern so that each command module can
// name the few it uses (as pubsubCommands takes { pubsub, cluster }) instead of the whole node:
// who the node is (INFO server), the collaborators that own state (the command table,
// replication, cluster, persistence, WATCH, MONITOR, the slow log, the ACL log, MIGRATE's key
// locks), running commands (the guard, the async tail, EXEC's propagation), and the node-wide
// actions of admin commands (CONFIG SET's side effects, RESETSTAT, RESET, SHUTDOWN). NodeServices
// is all of them over the core (node-core.ts); server.ts implements it. Nothing here imports
// server.ts, dispatch.ts or a command module, so they import this instead.
import type { CommandArgs } from "@shoal/resp-codec";
import type { ClusterRuntime } from "./cluster/cluster-runtime.js";
import type { KeyLocks } from "./cluster/key-locks.js";
import type { CommandEntry, CommandTable } from "./commands/command-types.js";
import type { AclLog } from "./diagnostics/acl-log.js";
import type { Monitors } from "./diagnostics/monitor.js";
import type { SlowLog } from "./diagnostics/slowlog.js";
import type { Evictor } from "./memory/evict.js";
import type { WatchedKeys } from "./multi/multi.js";
import type { Client } from "./networking/client-connection.js";
import type { ClientMemory } from "./networking/client-memory.js";
import type { NodeCore } from "./node-core.js";
import type { Persistence } from "./persistence/persistence.js";
import type { ExecPropagation } from "./propagate.js";
import type { Replication } from "./replication/replication.js";
import type { Tracking } from "./tracking/tracking.js";

/** INFO memory's scripting fields (used_memory_vm_eval, number_of_cached_scripts...). */
export interface ScriptingMemory {
  vmEval: number;
  scriptsEval: number;
  cachedScripts: number;
  functions: number;
  libraries: number;
  vmFunctions: number;
  functionsBytes: number;
}

export interface ShutdownOptions {
  save: boolean | undefined;
  force: boolean;
}

/** Who the node is: INFO server's process fields. */
export interface NodeIdentity {
  readonly startTime: number;
  readonly runId: string;
  readonly executable: string;
}

/** The collaborators that own node-wide state, one per Redis concept. */
export interface NodeCollaborators {
  readonly table: CommandTable;
  readonly replication: Replication;
  readonly cluster: ClusterRuntime | null;
  readonly persistence: Persistence | null;
  readonly watches: WatchedKeys;
  /** maxmemory: the memory figure, eviction and the OOM check (memory/evict.ts). */
  readonly evictor: Evictor;
  /** Client-side caching (CLIENT TRACKING): the keys clients may cache, their invalidations. */
  readonly tracking: Tracking;
  /** What the clients hold: the running sum and INFO's recent peaks (networking/client-memory.ts). */
  readonly clientMemory: ClientMemory;
  readonly monitors: Monitors;
  readonly slowlog: SlowLog;
  readonly aclLog: AclLog;
  readonly keyLocks: KeyLocks;
  /** Lua scripts and functions (scripting/): what dispatch asks while a script is busy. */
  readonly scripting: {
    /** The BUSY error for another client's command while a script runs past the threshold. */
    busyError(entry: CommandEntry, args: CommandArgs): string | undefined;
    /** EVAL and FCALL as their script's flags make them (evalGetCommandFlags). */
    checkedEntry(entry: CommandEntry, args: CommandArgs): CommandEntry;
    /** A script is running: clients blocked on keys wait for it to end. */
    readonly inScript: boolean;
    /** INFO memory's scripting fields. */
    memoryInfo(): ScriptingMemory;
  };
  /** MIGRATE's cached target connections (INFO stats migrate_cached_sockets). */
  migrateLinks: { readonly size: number } | null;
}

/** Running commands beyond dispatch's one call: the guard, the async tail, a re-run, EXEC. */
export interface CommandRunner extends ExecPropagation {
  /** A command's exception: answered with an error and logged (command-guard.ts). */
  commandException(client: Client, name: string, err: unknown, mark: number): void;
  /** Runs one decoded command with the client's reply mode applied (CLIENT REPLY). */
  runOneCommand(client: Client, args: CommandArgs): void;
  /** Runs the asynchronous tail of a command; the client's later commands wait for it. */
  runAsync(client: Client, work: () => Promise<void>): void;
  /** slowlog-log-slower-than, cached for the per-command check. */
  readonly slowlogThreshold: number;
}

/** The node-wide actions of admin commands (CONFIG, CLIENT, DEBUG, SHUTDOWN). */
export interface NodeControl {
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
  /** DEBUG PAUSE-CRON 1: serverCron does nothing until it is set back to 0. */
  pauseCron: boolean;
}

export interface NodeServices
  extends NodeCore,
    NodeIdentity,
    NodeCollaborators,
    CommandRunner,
    NodeControl {}

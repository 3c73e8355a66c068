// The node as the subsystems under the commands see it (replication, persistence, cluster), in
// two parts: its state (the configuration, the log, the data, the counters, the call context and
// the collaborators that hold clients: pub/sub, pause, blocking) and its client I/O (the client
// table, the once-per-turn flush, running a command as a client's, propagating a write), which
// networking/ and propagate.ts provide. server.ts implements it; it imports nothing above the
// collaborators it names, so replication/, persistence/ and cluster/ never import server.ts or
// the commands.
import type net from "node:net";
import type { CommandArgs } from "@shoal/resp-codec";
import type { BlockedClients } from "./blocking/blocked.js";
import type { CallContext } from "./call-context.js";
import type { ServerConfig } from "./config/load.js";
import type { ServerStats } from "./diagnostics/stats.js";
import type { Logger } from "./log.js";
import type { Client } from "./networking/client-connection.js";
import type { ClientPause } from "./networking/client-pause.js";
import type { DiskErrors } from "./persistence/disk-errors.js";
import type { OwnedArgs } from "./protocol/command-decoder.js";
import type { PubSub } from "./pubsub/pubsub.js";
import type { StoreAdapter } from "./store/store.js";

/** The node's state every subsystem reads. */
export interface NodeState {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly store: StoreAdapter;
  readonly stats: ServerStats;
  /** The command being called and the batch's clock (call-context.ts). */
  readonly call: CallContext;
  readonly pubsub: PubSub;
  /** `databases`, as configured. */
  readonly databases: number;
  /** Changes since the last save (Redis's server.dirty). */
  dirty: number;
  /** CLIENT PAUSE and a manual failover's pause (client-pause.ts). */
  readonly pause: ClientPause;
  /** Clients blocked on keys (blocking/blocked.ts). */
  readonly blocking: BlockedClients;
  /** Writes refused while the node can't persist: MISCONF (persistence/disk-errors.ts). */
  readonly diskErrors: DiskErrors;
}

/** Clients in and out (networking/networking.ts), and writes out to the AOF and replicas. */
export interface ClientIO {
  readonly clients: ReadonlyMap<number, Client>;
  /** Queues the client's replies for the flush at the end of this event-loop turn. */
  scheduleFlush(client: Client): void;
  /** Makes sure beforeSleep runs at the end of this turn. */
  requestBeforeSleep(): void;
  /** Runs every complete command in the client's buffer (processInputBuffer). */
  processInputBuffer(client: Client): void;
  /** A script is past busy-reply-threshold: new connections accepted off the main thread. */
  acceptWhileBusy(): void;
  /** The busy script ended: the main thread accepts again. */
  stopAcceptingWhileBusy(): void;
  /** One command through every check, as a client's (Redis's processCommand). */
  processCommand(client: Client, args: CommandArgs): void;
  /** A client that runs commands from a file (AOF replay): no socket, replies dropped. */
  createReplayClient(): { run(args: OwnedArgs): void };
  /** A connection the node opened itself (a replica's link to its master), as a client. */
  registerClient(sock: net.Socket): Client;
  /** Drops the connection now, discarding pending output. */
  closeClientNow(client: Client): void;
  /** The line CLIENT LIST prints for one client. */
  clientInfoString(client: Client): string;
  /** Feeds a write to the AOF and the replication stream (propagate.ts). */
  propagate(dbIndex: number, argv: readonly (Buffer | string)[]): void;
}

export interface NodeCore extends NodeState, ClientIO {}

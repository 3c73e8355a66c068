// What the single-node client and the cluster client share: the typed command methods (installed
// once on this prototype from the command table), `call()`, pipelines, transactions and pub/sub.
// Subclasses only say how one command is sent (`sendCommand`) and how a transaction runs.
import { EventEmitter } from "node:events";
import { COMMANDS, type CommandMethods, type CommandSpec, lookupCommand } from "./commands.js";
import { Pipeline, type PipelineResult, type QueuedCommand, Transaction } from "./pipeline.js";
import { type MessageListener, type PatternListener, PubSub, type PubSubHost } from "./pubsub.js";
import type { Arg } from "./wire.js";

const list = (x: string | string[]): string[] => (Array.isArray(x) ? x : [x]);

// Commands that would put a pooled connection into a mode other callers' commands cannot share.
const CONNECTION_STATE: Record<string, string> = {
  MULTI: "multi()",
  EXEC: "multi().exec()",
  DISCARD: "multi()",
  WATCH: "multi()",
  SUBSCRIBE: "subscribe()",
  PSUBSCRIBE: "psubscribe()",
  SSUBSCRIBE: "ssubscribe()",
  UNSUBSCRIBE: "unsubscribe()",
  PUNSUBSCRIBE: "punsubscribe()",
  SUNSUBSCRIBE: "sunsubscribe()",
};

// The merged interface lists the command methods installed on the prototype from the table.
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: methods are installed below
export abstract class BaseClient<S extends string | Buffer = string> extends EventEmitter {
  protected pubsub: PubSub<S> | undefined;

  /** Sends one command (routing, retries and redirects included); the raw reply. */
  abstract sendCommand(argv: Arg[], spec?: CommandSpec): Promise<unknown>;
  abstract execTransaction(commands: QueuedCommand[]): Promise<PipelineResult>;
  protected abstract pubSubHost(): PubSubHost;

  /** Any command: `call("SET", "k", "v")`. The reply is returned as the server sent it. */
  call(...argv: Arg[]): Promise<unknown> {
    const name = String(argv[0]).toUpperCase();
    const use = CONNECTION_STATE[name];
    if (use)
      return Promise.reject(
        new TypeError(
          `${name} changes the state of a shared connection; use ${use} instead of call("${name}")`,
        ),
      );
    return this.sendCommand(argv, lookupCommand(name));
  }

  /** A batch of commands sent together; `exec()` gives `[error, result]` per command. */
  pipeline(): Pipeline {
    return new Pipeline(this);
  }

  /** MULTI/EXEC. In a cluster every key must be in one slot (use a `{hash tag}`). */
  multi(): Transaction {
    return new Transaction(this);
  }

  private ps(): PubSub<S> {
    this.pubsub ??= new PubSub<S>(this.pubSubHost());
    return this.pubsub;
  }

  /** SUBSCRIBE on a dedicated connection; resubscribed automatically after a failure. */
  subscribe(channels: string | string[], listener: MessageListener<S>): Promise<void> {
    return this.ps().subscribe(list(channels), listener);
  }
  unsubscribe(channels?: string | string[], listener?: MessageListener<S>): Promise<void> {
    return this.ps().unsubscribe(channels === undefined ? undefined : list(channels), listener);
  }
  psubscribe(patterns: string | string[], listener: PatternListener<S>): Promise<void> {
    return this.ps().psubscribe(list(patterns), listener);
  }
  punsubscribe(patterns?: string | string[], listener?: PatternListener<S>): Promise<void> {
    return this.ps().punsubscribe(patterns === undefined ? undefined : list(patterns), listener);
  }
  /** SSUBSCRIBE (sharded pub/sub): routed to the master of each channel's slot, followed on moves. */
  ssubscribe(channels: string | string[], listener: MessageListener<S>): Promise<void> {
    return this.ps().ssubscribe(list(channels), listener);
  }
  sunsubscribe(channels?: string | string[], listener?: MessageListener<S>): Promise<void> {
    return this.ps().sunsubscribe(channels === undefined ? undefined : list(channels), listener);
  }
  /** Resolves once any automatic resubscription in progress has finished. */
  async pubsubSettled(): Promise<void> {
    await this.pubsub?.settled();
  }
}

export interface BaseClient<S extends string | Buffer = string> extends CommandMethods<S> {}

for (const [method, spec] of Object.entries(COMMANDS) as [string, CommandSpec][]) {
  const transform = spec.transform;
  (BaseClient.prototype as unknown as Record<string, unknown>)[method] = transform
    ? function (this: BaseClient, ...args: Arg[]) {
        return this.sendCommand([spec.name, ...args], spec).then(transform);
      }
    : function (this: BaseClient, ...args: Arg[]) {
        return this.sendCommand([spec.name, ...args], spec);
      };
}

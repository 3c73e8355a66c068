// The CommandContext keyspace-store's handlers run with (keyspace-store's command-types.ts): the
// database the client has selected, the batch's clock, whether the command may block, and the
// node's side of propagation, dirty counting and blocking. One mutable object, reset before each
// store command: commands run one at a time. The read side of the call (who is calling what) is
// call-context.ts; this is what a store command writes back through.
import type { BlockTimeoutReply, CommandContext, CommandSpec } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { BlockedClients } from "./blocking/blocked.js";
import type { CallContext } from "./call-context.js";
import type { Client } from "./networking/client-connection.js";
import type { Propagation } from "./propagate.js";
import type { StoreAdapter } from "./store/store.js";

/** What a store command's context reaches on the node. */
export interface StoreCommandHost {
  readonly store: StoreAdapter;
  readonly call: CallContext;
  readonly blocking: BlockedClients;
  readonly propagation: Propagation;
  /** Changes since the last save (Redis's server.dirty). */
  dirty: number;
}

/** One reusable CommandContext: commands run one at a time, so one object is enough. */
export class StoreCommandContext implements CommandContext {
  keyspace: CommandContext["keyspace"];
  db: CommandContext["db"];
  dbIndex = 0;
  now = 0;
  canBlock = true;
  readyKey: string | null = null;
  obeyClient = false;
  fromScript = false;

  constructor(private readonly host: StoreCommandHost) {
    this.keyspace = host.store.keyspace;
    this.db = host.store.db(0);
  }

  /** A store command's handler as the command table runs it: the context reset for its client. */
  wrap(spec: CommandSpec): (client: Client, args: CommandArgs) => void {
    const handler = spec.handler!;
    return (client: Client, args: CommandArgs) => {
      // A blocked client's re-run, and commands inside EXEC, may not block (again).
      this.reset(client.db, !client.blocked && !this.host.propagation.inExec);
      // mustObeyClient(): the AOF replay client (id 0) and our master.
      this.obeyClient = client.id === 0 || client.replRole === "M";
      // CLIENT_SCRIPT: the scripts' client is id -1 (scripting/eval.ts).
      this.fromScript = client.id === -1;
      handler(this, args, client.reply);
    };
  }

  private reset(dbIndex: number, canBlock: boolean): void {
    const host = this.host;
    this.dbIndex = dbIndex;
    this.db = host.store.db(dbIndex);
    this.now = host.call.now;
    this.canBlock = canBlock;
    this.readyKey = host.blocking.servingKey;
  }

  propagateSelf(): void {
    this.host.propagation.propagateCurrent(this.dbIndex);
  }

  propagate(argv: readonly (Buffer | string)[]): void {
    this.host.propagation.propagate(this.dbIndex, argv);
  }

  addDirty(n: number): void {
    this.host.dirty += n;
  }

  block(
    keys: readonly string[],
    timeoutMs: number,
    timeoutReply: BlockTimeoutReply,
    rerun?: readonly (Buffer | string)[],
  ): void {
    const c = this.host.call.client;
    if (c) this.host.blocking.block(c, keys, timeoutMs, timeoutReply, rerun);
  }
}

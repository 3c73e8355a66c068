// Pipelines and transactions, with ioredis's result contract: `exec()` resolves to one
// `[error, result]` pair per command. A pipeline is only a batch: its commands are sent in the
// same tick, so each node gets its share in one write, and in a cluster they may span any slots.
// A transaction (MULTI/EXEC) runs on one node and Redis requires its keys to share one slot, so
// a transaction whose commands touch two slots is refused before anything is sent.
import { COMMANDS, type CommandName, type CommandSpec, lookupCommand } from "./commands.js";
import type { Connection } from "./connection.js";
import { AskError, CrossSlotError, ExecAbortError, MovedError, ReplyError } from "./errors.js";
import { slotOfArg } from "./key-slot.js";
import type { Arg } from "./wire.js";

export type PipelineResult = [error: Error | null, result: unknown][];

export interface QueuedCommand {
  argv: Arg[];
  spec: CommandSpec | undefined;
}

export interface BatchHost {
  sendCommand(argv: Arg[], spec?: CommandSpec): Promise<unknown>;
  execTransaction(commands: QueuedCommand[]): Promise<PipelineResult>;
}

type ChainMethods<Self> = {
  [K in CommandName]: (
    ...args: (typeof COMMANDS)[K] extends CommandSpec<infer A, unknown> ? A : never
  ) => Self;
};

abstract class Batch {
  protected readonly commands: QueuedCommand[] = [];
  constructor(protected readonly host: BatchHost) {}

  /** Any command by name and arguments. */
  call(...argv: Arg[]): this {
    this.commands.push({ argv, spec: lookupCommand(String(argv[0])) });
    return this;
  }

  get length(): number {
    return this.commands.length;
  }

  abstract exec(): Promise<PipelineResult>;
}

// The merged interface lists the command methods installed on the prototype from the table.
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: methods are installed below
export class Pipeline extends Batch {
  async exec(): Promise<PipelineResult> {
    const cmds = this.commands.splice(0);
    return Promise.all(
      cmds.map((c) =>
        this.host.sendCommand(c.argv, c.spec).then(
          (r): [null, unknown] => [null, c.spec?.transform ? c.spec.transform(r) : r],
          (e: Error): [Error, null] => [e, null],
        ),
      ),
    );
  }
}
export interface Pipeline extends ChainMethods<Pipeline> {}

// The merged interface lists the command methods installed on the prototype from the table.
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: methods are installed below
export class Transaction extends Batch {
  /**
   * Sends MULTI, the commands and EXEC in one write. Resolves to `[error, result]` pairs when
   * EXEC ran (a command can still fail inside, e.g. WRONGTYPE); rejects with ExecAbortError when
   * the server discarded the transaction, and with CrossSlotError before sending anything when
   * its keys span slots.
   */
  exec(): Promise<PipelineResult> {
    return this.host.execTransaction(this.commands.splice(0));
  }
}
export interface Transaction extends ChainMethods<Transaction> {}

for (const [method, spec] of Object.entries(COMMANDS) as [string, CommandSpec][]) {
  const fn = function (this: Batch, ...args: Arg[]) {
    (this as unknown as { commands: QueuedCommand[] }).commands.push({
      argv: [spec.name, ...args],
      spec,
    });
    return this;
  };
  (Pipeline.prototype as unknown as Record<string, unknown>)[method] = fn;
  (Transaction.prototype as unknown as Record<string, unknown>)[method] = fn;
}

/** The single slot of a transaction's keys (-1 when keyless); throws CrossSlotError otherwise. */
export function transactionSlot(
  commands: QueuedCommand[],
  keysOf: (argv: Arg[]) => number[],
): number {
  let slot = -1;
  let first = "";
  for (const c of commands) {
    for (const i of keysOf(c.argv)) {
      const s = slotOfArg(c.argv[i]!);
      if (slot === -1) {
        slot = s;
        first = `${String(c.argv[0])} ${String(c.argv[i])}`;
      } else if (s !== slot)
        throw new CrossSlotError(
          `CROSSSLOT Transaction would cross slots: ${first} is in slot ${slot} but ${String(c.argv[0])} ${String(c.argv[i])} is in slot ${s}; MULTI/EXEC runs on one node, so use a hash tag ({...}) to keep the keys in one slot`,
        );
    }
  }
  return slot;
}

/**
 * Runs MULTI ... EXEC on `conn` (preceded by ASKING when following an ASK: the ASKING flag lasts
 * through a MULTI block). A MOVED or ASK while queueing is rethrown as such, so the caller's
 * redirect loop can rerun the whole transaction on the right node.
 */
export async function runTransaction(
  conn: Connection,
  commands: QueuedCommand[],
  asking: boolean,
): Promise<PipelineResult> {
  const batch: Arg[][] = [];
  if (asking) batch.push(["ASKING"]);
  batch.push(["MULTI"], ...commands.map((c) => c.argv), ["EXEC"]);
  const settled = await Promise.allSettled(conn.sendBatch(batch));
  const offset = asking ? 2 : 1;
  const multi = settled[offset - 1]!;
  if (multi.status === "rejected") throw multi.reason;
  const queueErrors = settled
    .slice(offset, offset + commands.length)
    .map((r) => (r.status === "rejected" ? (r.reason as Error) : undefined));
  const exec = settled[settled.length - 1]!;
  if (exec.status === "rejected") {
    const redirect = queueErrors.find((e) => e instanceof MovedError || e instanceof AskError);
    if (redirect) throw redirect;
    const reason = exec.reason as Error;
    const detail = queueErrors
      .map((e, i) => (e ? ` #${i + 1} ${String(commands[i]!.argv[0])}: ${e.message}` : ""))
      .filter(Boolean)
      .join(";");
    if (reason instanceof ReplyError)
      throw new ExecAbortError(
        `${reason.message}${detail ? ` (${detail.trim()})` : ""}`,
        queueErrors,
      );
    throw reason;
  }
  const results = exec.value;
  if (results === null)
    throw new ExecAbortError("EXECABORT Transaction aborted (a WATCHed key changed)");
  return (results as unknown[]).map((r, i) => {
    if (r instanceof Error) return [r, null];
    const t = commands[i]!.spec?.transform;
    return [null, t ? t(r) : r];
  });
}

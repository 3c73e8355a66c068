// Propagation: every write the node performs goes, in order, to the AOF and to the replication
// stream. Mirrors propagate(), propagateNow() and the MULTI/EXEC wrapping of
// propagatePendingCommands() in src/server.c (Redis 7.0): the writes of a transaction reach the
// consumers wrapped in MULTI ... EXEC, the MULTI written only once the first write shows up (a
// read-only EXEC propagates nothing), and commands replayed from the AOF go nowhere.
import type { CallContext } from "./call-context.js";
import type { Persistence } from "./persistence/persistence.js";
import type { Replication } from "./replication/replication.js";

/** The consumers of the stream; persistence is attached after start-up (run.ts). */
export interface PropagationHost {
  /** The command being called: propagateCurrent sends its arguments. */
  readonly call: Pick<CallContext, "args">;
  readonly persistence: Pick<Persistence, "loading" | "aof" | "feed"> | null;
  readonly replication: Pick<Replication, "feed" | "feedArgs" | "feeding">;
}

/** What EXEC needs of propagation (multi.c's execCommand). */
export interface ExecPropagation {
  readonly inExec: boolean;
  beginExecPropagation(dbIndex: number): void;
  endExecPropagation(dbIndex: number): void;
}

export class Propagation implements ExecPropagation {
  /** Inside EXEC: propagated writes are wrapped in MULTI/EXEC. */
  private exec: { dbIndex: number; started: boolean } | null = null;

  constructor(private readonly host: PropagationHost) {}

  get inExec(): boolean {
    return this.exec !== null;
  }

  propagate(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    const ep = this.exec;
    if (ep !== null && !ep.started) {
      ep.started = true;
      this.propagateNow(dbIndex, ["MULTI"]);
    }
    this.propagateNow(dbIndex, argv);
  }

  /** Redis's propagateNow: one write to every consumer of the stream, in the same order. */
  private propagateNow(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    const { persistence, replication } = this.host;
    // Commands replayed from the AOF (start-up, DEBUG LOADAOF) go nowhere: Redis's propagate()
    // returns while server.loading.
    if (persistence?.loading) return;
    persistence?.feed(dbIndex, argv);
    replication.feed(dbIndex, argv);
  }

  /** The command being called, as its client sent it (a store command's propagateSelf). */
  propagateCurrent(dbIndex: number): void {
    const { call, persistence, replication } = this.host;
    const args = call.args;
    // Nothing consumes the stream (no AOF, no replication backlog): skip copying the args.
    if (args === null || (!persistence?.aof && !replication.feeding)) return;
    if (!persistence?.aof && this.exec === null) {
      // Only the replication stream takes it, outside MULTI/EXEC: encoded straight from the args.
      replication.feedArgs(dbIndex, args);
      return;
    }
    // Views, not copies: every consumer (AOF, replication stream) encodes them before returning.
    const argv: Buffer[] = new Array(args.argc);
    for (let i = 0; i < args.argc; i++) argv[i] = args.view(i);
    this.propagate(dbIndex, argv);
  }

  beginExecPropagation(dbIndex: number): void {
    this.exec = { dbIndex, started: false };
  }

  endExecPropagation(dbIndex: number): void {
    const ep = this.exec;
    this.exec = null;
    if (ep?.started) this.propagateNow(dbIndex, ["EXEC"]);
  }
}

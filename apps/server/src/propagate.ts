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
  readonly replication: Pick<Replication, "feed" | "feedArgs" | "feeding" | "forgetStoredHistory">;
}

/** What EXEC needs of propagation (multi.c's execCommand). */
export interface ExecPropagation {
  readonly inExec: boolean;
  /**
   * `script`: a script's effects (scripting/eval.ts), wrapped in MULTI/EXEC only when there is
   * more than one, as Redis 7.0's propagatePendingCommands does (numops > 1).
   */
  beginExecPropagation(dbIndex: number, script?: boolean): void;
  endExecPropagation(dbIndex: number): void;
  /** redis.set_repl: the consumers the next writes go to (1 the AOF, 2 the replicas). */
  setPropagationTargets(targets: number): void;
}

export class Propagation implements ExecPropagation {
  /** Inside EXEC: propagated writes are wrapped in MULTI/EXEC. */
  private exec: {
    dbIndex: number;
    started: boolean;
    /** A script's first write, held until a second one (then MULTI goes first) or the end. */
    held: { dbIndex: number; argv: Buffer[]; targets: number } | null;
    script: boolean;
  } | null = null;
  /** Consumers the writes go to: 1 the AOF, 2 the replicas (redis.set_repl inside a script). */
  private targets = 3;

  constructor(private readonly host: PropagationHost) {}

  get inExec(): boolean {
    return this.exec !== null;
  }

  propagate(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    const ep = this.exec;
    if (ep !== null && !ep.started) {
      if (ep.script && ep.held === null) {
        // The write goes nowhere (and a script can't add a consumer): not copied to be held.
        if (this.unconsumed()) {
          this.propagateNow(dbIndex, argv);
          return;
        }
        // Copies: propagateCurrent hands views of the command's arguments.
        ep.held = {
          dbIndex,
          argv: argv.map((a) => Buffer.from(a as Buffer)),
          targets: this.targets,
        };
        return;
      }
      ep.started = true;
      this.propagateNow(dbIndex, ["MULTI"]);
      if (ep.held !== null) this.propagateHeld(ep.held);
      ep.held = null;
    }
    this.propagateNow(dbIndex, argv);
  }

  setPropagationTargets(targets: number): void {
    this.targets = targets;
  }

  /** Nothing consumes the stream: no AOF, no replication backlog. */
  private unconsumed(): boolean {
    return !this.host.persistence?.aof && !this.host.replication.feeding;
  }

  /** A held script write, to the consumers it was meant for when it ran. */
  private propagateHeld(held: { dbIndex: number; argv: Buffer[]; targets: number }): void {
    const now = this.targets;
    this.targets = held.targets;
    this.propagateNow(held.dbIndex, held.argv);
    this.targets = now;
  }

  /** Redis's propagateNow: one write to every consumer of the stream, in the same order. */
  private propagateNow(dbIndex: number, argv: readonly (Buffer | string)[]): void {
    const { persistence, replication } = this.host;
    // Commands replayed from the AOF (start-up, DEBUG LOADAOF) go nowhere: Redis's propagate()
    // returns while server.loading.
    if (persistence?.loading) return;
    if (this.targets & 1) persistence?.feed(dbIndex, argv);
    if (this.targets & 2) replication.feed(dbIndex, argv);
  }

  /** The command being called, as its client sent it (a store command's propagateSelf). */
  propagateCurrent(dbIndex: number): void {
    const { call, persistence, replication } = this.host;
    const args = call.args;
    if (args === null) return;
    if (this.unconsumed()) {
      // Nothing consumes the stream (no AOF, no replication backlog): the args are not copied,
      // but the data now differs from the history dump.rdb recorded (beginFeed's rule).
      replication.forgetStoredHistory();
      return;
    }
    if (!persistence?.aof && this.exec === null && this.targets === 3) {
      // Only the replication stream takes it, outside MULTI/EXEC: encoded straight from the args.
      replication.feedArgs(dbIndex, args);
      return;
    }
    // Views, not copies: every consumer (AOF, replication stream) encodes them before returning.
    const argv: Buffer[] = new Array(args.argc);
    for (let i = 0; i < args.argc; i++) argv[i] = args.view(i);
    this.propagate(dbIndex, argv);
  }

  beginExecPropagation(dbIndex: number, script = false): void {
    this.exec = { dbIndex, started: false, held: null, script };
  }

  endExecPropagation(dbIndex: number): void {
    const ep = this.exec;
    this.exec = null;
    this.targets = 3;
    if (ep?.held) this.propagateHeld(ep.held);
    if (ep?.started) this.propagateNow(dbIndex, ["EXEC"]);
  }
}

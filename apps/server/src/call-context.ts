// The command being called, owned by dispatch (Redis's server.current_client, c->cmd/argv, the
// call() timing and commandTimeSnapshot). Dispatch's call() is the only writer of the current
// client/args/entry (enter/leave); the input loops (client connections, the master's stream)
// mark where a batch and each of its commands start. Everyone else reads: ctx.block() the
// command to re-run, WAIT/propagation the calling client, commands the turn's clock.
//
// Timing: a clock read costs about as much as a small command, so within a batch of pipelined
// commands the reading that ended one command is where the next one starts (beginCommand's mark).
import { performance } from "node:perf_hooks";
import type { CommandArgs } from "@shoal/resp-codec";
import type { CommandEntry } from "./commands/command-types.js";
import type { Client } from "./networking/client-connection.js";

export class CallContext {
  /** The client whose command is running (null between commands). */
  client: Client | null = null;
  args: CommandArgs | null = null;
  entry: CommandEntry | null = null;
  /** Nested call()s running (Redis's execution_nesting): 2 inside EXEC's or a script's command. */
  depth = 0;
  /** The client of the outermost call() while it runs (Redis's server.current_client). */
  current: Client | null = null;
  /**
   * The command a connection (not a script) called last: while a script runs, its caller's EVAL
   * or FCALL (Redis's script_caller->cmd/argv, whose keys client-side caching remembers).
   */
  callerEntry: CommandEntry | null = null;
  callerArgs: CommandArgs | null = null;
  /** Wall clock sampled when the current batch of commands started (ctx.now). */
  now = Date.now();
  /**
   * performance.now() where the latest call() started: a script's start (its busy-threshold
   * clock) is its EVAL's or FCALL's, read once.
   */
  callStart = 0;
  /** performance.now() where the next call starts timing (-1: read the clock). */
  private start = -1;
  /** performance.now() where the last call ended (-1: not reusable). */
  private end = -1;

  /** A new batch of commands (a read from a client, the master's chunk, released clients). */
  startTurn(): void {
    this.now = Date.now();
  }

  /** Before one command of a batch: `mark` is the reading the previous one ended at, or -1. */
  beginCommand(mark: number): void {
    this.start = mark < 0 ? performance.now() : mark;
    this.end = -1;
  }

  /**
   * After it: the reading the next command may start from (-1 when no call() took this one's,
   * a rejected or queued command, so the next one reads the clock anew).
   */
  endCommand(): number {
    const mark = this.start < 0 ? this.end : -1;
    this.start = -1;
    return mark;
  }

  /** Forgets the batch's readings (an input loop that stops early, a blocked command re-run). */
  clearTiming(): void {
    this.start = -1;
    this.end = -1;
  }

  /** call(): the command starts; returns its start reading. */
  enter(client: Client, args: CommandArgs, entry: CommandEntry): number {
    let t0 = this.start;
    this.start = -1;
    if (t0 < 0) t0 = performance.now();
    this.callStart = t0;
    if (this.depth++ === 0) this.current = client;
    // Id -1 is the scripts' client.
    if (client.id !== -1) {
      this.callerEntry = entry;
      this.callerArgs = args;
    }
    this.client = client;
    this.args = args;
    this.entry = entry;
    return t0;
  }

  /** call(): the command returned; returns its end reading, which the next command may reuse. */
  leave(): number {
    if (--this.depth === 0) this.current = null;
    this.client = null;
    this.args = null;
    this.entry = null;
    const t1 = performance.now();
    this.end = t1;
    return t1;
  }

  /** A slowlog entry took time after the reading: the next command reads the clock anew. */
  dropEndReading(): void {
    this.end = -1;
  }
}

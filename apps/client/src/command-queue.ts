// Commands written to one connection and waiting for their replies, in order. RESP replies come
// back in the order commands were sent, so a FIFO (denque, as ioredis uses) is all the matching
// needed; subscribe-family commands expect one reply per channel, hence `replies`.
import Denque from "denque";

export interface PendingCommand {
  /** Command name and arguments, kept for error messages and for retries. */
  readonly args: readonly (string | Buffer | number)[];
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** Number of replies this command produces (SUBSCRIBE ch1 ch2 → 2). Default 1. */
  replies?: number;
  /** Replies collected so far when `replies` > 1. */
  collected?: unknown[];
}

export class CommandQueue {
  private readonly q = new Denque<PendingCommand>();

  get length(): number {
    return this.q.length;
  }

  push(cmd: PendingCommand): void {
    this.q.push(cmd);
  }

  peek(): PendingCommand | undefined {
    return this.q.peekFront();
  }

  shift(): PendingCommand | undefined {
    return this.q.shift();
  }

  /** Rejects and removes every waiting command. */
  rejectAll(err: Error): void {
    for (let c = this.q.shift(); c; c = this.q.shift()) c.reject(err);
  }
}

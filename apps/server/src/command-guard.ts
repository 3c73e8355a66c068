// The guard around every command: an exception a command throws becomes an error reply to that
// command alone and a warning in the log, never the end of the node (Redis has no equivalent: a
// C command that crashes takes the server down). Dispatch's runHandler and networking's
// runOneCommand call it; SHOAL_FAIL_FAST=1 (the test suites' setting) turns it back into a crash.

import type { Logger } from "./log.js";
import type { Client } from "./networking/client-connection.js";
import { ReplyTooLargeError } from "./protocol/reply-buffer.js";

export class CommandGuard {
  /**
   * SHOAL_FAIL_FAST=1, which the test suites set (tooling/vitest-config): a command's exception
   * is logged and rethrown, so it ends the process as before and no test run hides one.
   */
  readonly failFast = process.env.SHOAL_FAIL_FAST === "1";
  /** Exceptions commands threw since start (each answered with an error and logged). */
  exceptions = 0;
  /** The exception being rethrown in fail-fast mode: outer guards pass it on, logged once. */
  private failingWith: unknown = undefined;

  constructor(
    private readonly log: Logger,
    /** The CLIENT LIST line of the client, for the warning. */
    private readonly clientInfo: (client: Client) => string,
  ) {}

  /**
   * A command threw instead of replying. The client gets `-ERR internal error in '<command>':
   * <message>` in place of whatever part of the reply was encoded after `mark` (so the stream
   * stays well formed, inside EXEC too), and the log a warning with the client and the stack. A
   * reply too large for one connection (ReplyTooLargeError: a count Redis would take and then
   * run out of memory on) is answered `-ERR reply too large: ...` and never fails fast.
   */
  commandException(client: Client, name: string, err: unknown, mark: number): void {
    if (err === this.failingWith && err !== undefined) throw err;
    this.exceptions++;
    const tooLarge = err instanceof ReplyTooLargeError;
    const msg = err instanceof Error ? err.message : String(err);
    const detail = err instanceof Error && !tooLarge ? (err.stack ?? msg) : msg;
    let who: string;
    try {
      who = this.clientInfo(client);
    } catch {
      // The guard itself must not throw: a client in a state the info line can't describe.
      who = `id=${client.id}`;
    }
    this.log.warning(`Exception in command '${name}' from client ${who}: ${detail}`);
    if (this.failFast && !tooLarge) {
      this.failingWith = err;
      throw err;
    }
    client.reply.truncate(mark);
    client.reply.error(tooLarge ? `ERR ${msg}` : `ERR internal error in '${name}': ${msg}`);
  }
}

// Runs one command against the cluster until it gets a real answer, following the cluster's
// redirections as redis-cli -c, ioredis and node-redis do (reference: cluster-interface.md §2.3):
//   1. MOVED      the slot map is patched at once, a full refresh is started in the background,
//                 and the command is resent to the named node.
//   2. ASK        the command is resent once to the named node, preceded by ASKING in the same
//                 write; the slot map is not changed.
//   3. TRYAGAIN   (multi-key command during a migration) wait with a bounded backoff, resend.
//   4. CLUSTERDOWN  wait with a bounded backoff, refresh, resend.
//   5. a closed or refused connection (node killed, restarted, failing over): wait, refresh,
//      resend, until the retry budget is spent.
// MOVED and ASK count against `maxRedirections` (16, as node-redis); every retry counts against
// the time budget. Retrying after a dropped connection means a write may run twice if the node
// had executed it before dying: the same at-least-once behaviour as ioredis.
import type { Connection } from "./connection.js";
import {
  AskError,
  ClientClosedError,
  ClusterDownError,
  ConnectionError,
  MovedError,
  RedirectionLimitError,
  TryAgainError,
} from "./errors.js";
import type { NodeAddress } from "./slot-map.js";
import type { Arg } from "./wire.js";

export interface Router {
  /** The connection serving `slot` (-1: any master) for a read or a write. */
  connectionFor(slot: number, readonly: boolean): Connection | Promise<Connection>;
  connectionTo(node: NodeAddress): Connection;
  /** A MOVED was seen: patch the map and schedule a refresh. */
  moved(slot: number, node: NodeAddress): void;
  /** Waits for a (coalesced) topology refresh; never rejects. */
  refresh(): Promise<void>;
}

export interface RetryPolicy {
  maxRedirections: number;
  /** Total milliseconds a command may spend retrying after errors and connection failures. */
  retryBudget: number;
  /** Backoff after the n-th retry (0-based), ms. */
  backoff(attempt: number): number;
}

export const defaultBackoff = (attempt: number): number => Math.min(50 * 2 ** attempt, 500);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True for the errors the redirect loop handles (anything else goes straight to the caller). */
export function isRecoverable(err: unknown): boolean {
  return (
    err instanceof MovedError ||
    err instanceof AskError ||
    err instanceof TryAgainError ||
    err instanceof ClusterDownError ||
    err instanceof ConnectionError
  );
}

export type SendOn = (conn: Connection, asking: boolean) => Promise<unknown>;

/**
 * Sends `argv` (or, with `sendOn`, whatever the caller sends on the chosen connection) and
 * follows redirections. `sendOn` lets MULTI/EXEC blocks reuse the loop. `first` is a failed
 * first attempt made by the caller's fast path (the error and the connection that gave it).
 */
export async function runWithRedirects(
  router: Router,
  policy: RetryPolicy,
  slot: number,
  readonly: boolean,
  argv: readonly Arg[],
  sendOn: SendOn = (conn, asking) =>
    asking ? conn.sendBatch([["ASKING"], argv])[1]! : conn.send(argv),
  first?: { error: unknown; conn: Connection },
): Promise<unknown> {
  let redirections = 0;
  let retries = 0;
  let askTarget: NodeAddress | undefined;
  let readFromReplica = readonly;
  const started = Date.now();

  // Decides what to do about one failed attempt: returns to retry, throws to give up.
  const handle = async (err: unknown, conn: Connection): Promise<void> => {
    if (err instanceof MovedError || err instanceof AskError) {
      if (++redirections > policy.maxRedirections)
        throw new RedirectionLimitError(
          `Too many Cluster redirections (${policy.maxRedirections}). Last error: ${err.message}`,
          { cause: err },
        );
      const node = { host: err.host || conn.options.host, port: err.port };
      if (err instanceof MovedError) {
        router.moved(err.slot, node);
        // A replica answers MOVED for writes and for reads without READONLY; go to the master.
        readFromReplica = false;
      } else askTarget = node;
      return;
    }
    if (
      !(
        err instanceof TryAgainError ||
        err instanceof ClusterDownError ||
        err instanceof ConnectionError
      )
    )
      throw err;
    if (Date.now() - started + policy.backoff(retries) > policy.retryBudget) throw err;
    await sleep(policy.backoff(retries++));
    if (!(err instanceof TryAgainError)) {
      readFromReplica = readonly;
      await router.refresh();
    }
  };

  if (first) await handle(first.error, first.conn);
  for (;;) {
    let conn: Connection;
    try {
      conn = askTarget
        ? router.connectionTo(askTarget)
        : await router.connectionFor(slot, readFromReplica);
    } catch (err) {
      // No node serves the slot (yet): treat like CLUSTERDOWN. A closed client stops here.
      if (err instanceof ClientClosedError) throw err;
      if (Date.now() - started > policy.retryBudget) throw err;
      await sleep(policy.backoff(retries++));
      await router.refresh();
      continue;
    }
    const asking = askTarget !== undefined;
    askTarget = undefined;
    try {
      return await sendOn(conn, asking);
    } catch (err) {
      await handle(err, conn);
    }
  }
}

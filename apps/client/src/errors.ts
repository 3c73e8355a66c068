// Every error @shoal/client hands to a user, in one place. Error replies from the server keep
// Redis's exact text as `message`; the redirect and cluster-state replies a client must act on
// (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, CROSSSLOT) get their own classes so callers can branch with
// `instanceof` and read parsed fields. Client-side failures carry the underlying error as `cause`.

/** Base class of every error thrown by @shoal/client. */
export class ShoalClientError extends Error {
  override name = "ShoalClientError";
}

/** An error reply (`-ERR ...`) from the server. `code` is its first word (ERR, WRONGTYPE, ...). */
export class ReplyError extends ShoalClientError {
  override name = "ReplyError";
  readonly code: string;
  /** The command that got this reply, when known (name and arguments, for messages only). */
  command?: string[];
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const sp = message.indexOf(" ");
    this.code = sp < 0 ? message : message.slice(0, sp);
  }
}

/** `-MOVED <slot> <host>:<port>`: the slot is served by another node, permanently. */
export class MovedError extends ReplyError {
  override name = "MovedError";
  constructor(
    message: string,
    readonly slot: number,
    readonly host: string,
    readonly port: number,
  ) {
    super(message);
  }
}

/** `-ASK <slot> <host>:<port>`: the slot is migrating; ask the named node once, after ASKING. */
export class AskError extends ReplyError {
  override name = "AskError";
  constructor(
    message: string,
    readonly slot: number,
    readonly host: string,
    readonly port: number,
  ) {
    super(message);
  }
}

/** `-TRYAGAIN ...`: a multi-key command hit a slot whose keys are split by a migration. */
export class TryAgainError extends ReplyError {
  override name = "TryAgainError";
}

/** `-CLUSTERDOWN ...`: the cluster (or the key's slot) is not serving. */
export class ClusterDownError extends ReplyError {
  override name = "ClusterDownError";
}

/**
 * Keys that must share a slot do not: either the server's `-CROSSSLOT` reply, or a client-side
 * check (a transaction whose commands touch more than one slot is refused before it is sent).
 */
export class CrossSlotError extends ReplyError {
  override name = "CrossSlotError";
}

/** The server refused to run EXEC (`-EXECABORT`) or a queued command failed to queue. */
export class ExecAbortError extends ReplyError {
  override name = "ExecAbortError";
  constructor(
    message: string,
    /** Errors the queued commands got, by position (undefined where a command queued fine). */
    readonly errors: (Error | undefined)[] = [],
  ) {
    super(message);
  }
}

/** A socket could not be opened, or closed while commands were waiting for replies. */
export class ConnectionError extends ShoalClientError {
  override name = "ConnectionError";
  constructor(
    message: string,
    readonly address?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A command (including every retry and redirect) did not complete within its time budget. */
export class TimeoutError extends ShoalClientError {
  override name = "TimeoutError";
}

/** More than `maxRedirections` MOVED/ASK/TRYAGAIN/CLUSTERDOWN hops for one command. */
export class RedirectionLimitError extends ShoalClientError {
  override name = "RedirectionLimitError";
}

/** Topology discovery failed on every known node and every seed. */
export class ClusterDiscoveryError extends ShoalClientError {
  override name = "ClusterDiscoveryError";
}

/** The client was closed (`quit()`/`disconnect()`) before or while the command ran. */
export class ClientClosedError extends ShoalClientError {
  override name = "ClientClosedError";
  constructor(message = "The client is closed") {
    super(message);
  }
}

/** The server sent bytes that are not valid RESP; the connection is dropped. */
export class ProtocolError extends ShoalClientError {
  override name = "ProtocolError";
}

function parseRedirect(message: string): [number, string, number] | undefined {
  // "MOVED 3999 127.0.0.1:6381" — the address is split at its last ':' (IPv6 hosts contain ':').
  const parts = message.split(" ");
  if (parts.length < 3) return undefined;
  const slot = Number(parts[1]);
  const addr = parts[2]!;
  const colon = addr.lastIndexOf(":");
  const port = Number(addr.slice(colon + 1));
  if (!Number.isInteger(slot) || slot < 0 || slot > 16383 || colon < 0 || !Number.isInteger(port))
    return undefined;
  return [slot, addr.slice(0, colon), port];
}

/** Turns an error reply's text into the most specific error class. */
export function toReplyError(message: string): ReplyError {
  switch (message.slice(0, message.indexOf(" ") >>> 0)) {
    case "MOVED": {
      const r = parseRedirect(message);
      if (r) return new MovedError(message, r[0], r[1], r[2]);
      break;
    }
    case "ASK": {
      const r = parseRedirect(message);
      if (r) return new AskError(message, r[0], r[1], r[2]);
      break;
    }
    case "TRYAGAIN":
      return new TryAgainError(message);
    case "CLUSTERDOWN":
      return new ClusterDownError(message);
    case "CROSSSLOT":
      return new CrossSlotError(message);
    case "EXECABORT":
      return new ExecAbortError(message);
  }
  return new ReplyError(message);
}

/** Rejects with TimeoutError when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, argv: readonly unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TimeoutError(`Command timed out after ${ms} ms: ${String(argv[0])}`)),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

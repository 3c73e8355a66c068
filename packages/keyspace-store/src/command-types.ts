// The contract between keyspace-store's command implementations and the server that routes to
// them. A command is data (name, arity, flags, key positions: everything COMMAND INFO and cluster
// routing need) plus a handler that reads a CommandArgs view and writes into a ReplyWriter.
// Handlers never touch sockets; effects outside the data (propagation to AOF/replicas, WATCH
// invalidation, keyspace notifications, waking blocked clients) go through KeyspaceHooks.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import type { Database, Keyspace } from "./keyspace.js";

/**
 * Redis 7.0's command flags (CMD_* in server.h), lowercase as COMMAND INFO prints them, in the
 * order addReplyCommandFlags lists them. `movablekeys` is not among them: it is derived from the
 * spec's `getKeys` (see infoFlags). `may_replicate`, `sentinel`, `only_sentinel` and `protected`
 * are real flags COMMAND INFO hides on purpose; `protected` marks the commands the
 * enable-debug-command / enable-module-command configs guard (DEBUG, MODULE LOAD/LOADEX/UNLOAD).
 */
export const COMMAND_FLAGS = [
  "write",
  "readonly",
  "denyoom",
  "module",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "may_replicate",
  "sentinel",
  "only_sentinel",
  "no_mandatory_keys",
  "protected",
  "no_async_loading",
  "no_multi",
  "allow_busy",
] as const;

export type CommandFlag = (typeof COMMAND_FLAGS)[number];

/**
 * The flags COMMAND INFO shows, in addReplyFlagsForCommand's order: COMMAND_FLAGS without the
 * ones Redis 7.0 hides on purpose, and the derived `movablekeys` before allow_busy.
 */
export const INFO_FLAG_ORDER: readonly string[] = COMMAND_FLAGS.flatMap((f) =>
  f === "allow_busy"
    ? ["movablekeys", f]
    : ["may_replicate", "sentinel", "only_sentinel", "protected"].includes(f)
      ? []
      : [f],
);

/** Keyspace notification classes, as the letters of `notify-keyspace-events` name them. */
export type NotifyClass =
  | "generic" // g
  | "string" // $
  | "list" // l
  | "set" // s
  | "hash" // h
  | "zset" // z
  | "expired" // x
  | "evicted" // e
  | "stream" // t
  | "keymiss" // m
  | "new"; // n

/** What the server supplies to the store; all optional so the store runs alone in tests and benches. */
export interface KeyspaceHooks {
  /**
   * A write to replicate / append to the AOF, in the form to replay (relative expiries already
   * rewritten to absolute, INCRBYFLOAT as SET ... KEEPTTL, SPOP as SREM, expirations as DEL, ...).
   */
  propagate?(dbIndex: number, argv: readonly (Buffer | string)[]): void;
  /**
   * A key's value changed or it was deleted (Redis's signalModifiedKey): WATCH and client-side
   * caching invalidation. `byServer` when no client's command did it (expiry, eviction: Redis's
   * signalModifiedKey(NULL, ...)), so a NOLOOP client still hears of it.
   */
  keyModified?(dbIndex: number, key: string, byServer?: boolean): void;
  /**
   * A whole database is about to be flushed, or was swapped (dbIndex -1 = all): Redis's
   * touchAllWatchedKeysInDb invalidates the WATCH of a key that `exists` (in the emptied
   * database, or in the one swapped in), not of a key that was missing anyway. `swapped` for
   * SWAPDB: only a flush tells client-side caches that every key is invalid.
   */
  dbFlushed?(
    dbIndex: number,
    exists: (dbIndex: number, key: string) => boolean,
    swapped?: boolean,
  ): void;
  /** A keyspace event (Redis's notifyKeyspaceEvent). */
  notify?(dbIndex: number, cls: NotifyClass, event: string, key: string): void;
  /** A list or sorted set got elements (Redis's signalKeyAsReady): wake clients blocked on it. */
  keyReady?(dbIndex: number, key: string): void;
  /**
   * SWAPDB exchanged two databases' contents: clients blocked on keys of either may now be
   * served (Redis's scanDatabaseForReadyKeys). dbFlushed is signalled for both as well.
   */
  dbSwapped?(a: number, b: number): void;
}

/** Reply the server sends when a blocked client times out. */
export type BlockTimeoutReply = "nullArray" | "nullBulk";

/** Per-call context the server builds for each command. */
export interface CommandContext {
  /** All databases (for MOVE, COPY ... DB, SWAPDB, FLUSHALL). */
  readonly keyspace: Keyspace;
  /** The client's selected database. */
  readonly db: Database;
  /** Index of the client's selected database (always 0 in cluster mode). */
  readonly dbIndex: number;
  /** Wall-clock milliseconds, sampled once per command (Redis's `commandTimeSnapshot`). */
  readonly now: number;
  /**
   * False inside MULTI/EXEC (and scripts): a blocking command then behaves as if its timeout
   * expired at once, as Redis does.
   */
  readonly canBlock: boolean;
  /**
   * Set when the server re-runs a blocked command because this key (latin1) became ready. Redis
   * 7.0 serves a blocked client from the ready key alone, and only when it holds the type the
   * client waits for (serveClientsBlockedOnListKey, ...): so the command looks at this key only,
   * and a missing, empty or wrong-typed value blocks it again with no reply.
   */
  readonly readyKey?: string | null;
  /**
   * The command comes from the AOF being loaded or from our master (Redis's mustObeyClient): it
   * is what a write turned into, so checks meant for users give way (XADD/XTRIM's LIMIT with `=`).
   */
  readonly obeyClient?: boolean;
  /**
   * The command runs from a script (redis.call/pcall in EVAL or FCALL: Redis's CLIENT_SCRIPT on
   * the caller). A reply with no order of its own is then sorted, so that the script sees, and
   * writes, the same on every replica (SORT ... BY nosort on a set).
   */
  readonly fromScript?: boolean;
  /** Propagate this command's own arguments unchanged (the common case for writes). */
  propagateSelf(): void;
  /** Propagate a rewritten command instead of (or in addition to) this one; may be called several times. */
  propagate(argv: readonly (Buffer | string)[]): void;
  /** Count changes for `save` points and INFO's rdb_changes_since_last_save (Redis's server.dirty). */
  addDirty(n: number): void;
  /**
   * Park the client: no reply now. The server re-runs the same command (same args) when one of
   * `keys` becomes ready, and replies `timeoutReply` after `timeoutMs` (0 = wait forever).
   * Clients blocked on a key are retried in arrival order. `rerun`, when given, is the command
   * to re-run instead of this one's own arguments: XREAD keeps the IDs it waits after (`$`
   * resolved at the time it blocked), as Redis keeps them in the client's bpop state.
   */
  block(
    keys: readonly string[],
    timeoutMs: number,
    timeoutReply: BlockTimeoutReply,
    rerun?: readonly (Buffer | string)[],
  ): void;
}

/**
 * A handler reads `args` (argv[0] is the command name) and writes exactly one reply into `reply`,
 * unless it called `ctx.block()`. Arity has been checked by the dispatcher before the call.
 */
export type CommandHandler = (ctx: CommandContext, args: CommandArgs, reply: ReplyWriter) => void;

/**
 * One entry of the command table, shaped like Redis 7.0's COMMAND INFO. `H` is what runs it:
 * keyspace-store's CommandHandler, or the server's own function for the commands it implements
 * (CLIENT, CONFIG, ...), which are declared the same way.
 */
export interface CommandSpec<H = CommandHandler> {
  /** Lowercase name; for a subcommand, "parent|sub" as Redis 7 names it (e.g. "object|encoding"). */
  readonly name: string;
  /** Redis arity: n > 0 exactly n arguments (name included), n < 0 at least -n. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** Legacy key positions (1-based argv index; last -1 = last argument; 0,0,0 = no keys). */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  /** ACL categories as COMMAND INFO lists them, e.g. ["@write", "@string", "@slow"]. */
  readonly aclCategories: readonly string[];
  /**
   * Key positions for commands whose keys move with their arguments. Its presence is what makes
   * COMMAND INFO say `movablekeys` (infoFlags).
   */
  readonly getKeys?: (args: CommandArgs) => number[];
  /** Subcommands (OBJECT ENCODING, ...), each a full spec. */
  readonly subcommands?: readonly CommandSpec<H>[];
  /** Absent for a container (its subcommands run) and for commands the server supplies. */
  readonly handler?: H;
}

/**
 * The flags COMMAND INFO lists for a spec: its own, plus `movablekeys` when the keys are found by
 * `getKeys` rather than by the first/last/step range. Redis derives the flag the same way at
 * start-up (populateCommandMovableKeys: a getkeys_proc, or a key spec the legacy range can't
 * describe), so it can never disagree with where cluster routing and COMMAND GETKEYS look.
 * Redis's order puts it after no_multi and before allow_busy.
 */
export function infoFlags(spec: CommandSpec<unknown>): readonly string[] {
  if (spec.getKeys === undefined) return spec.flags;
  const out: string[] = [...spec.flags];
  const at = out.indexOf("allow_busy");
  out.splice(at < 0 ? out.length : at, 0, "movablekeys");
  return out;
}

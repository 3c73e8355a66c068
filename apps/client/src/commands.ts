// The command table: one entry per typed method. Each entry says where the command's keys are
// (Redis's COMMAND key specs: first key, last key, step — or a function for numkeys/STREAMS
// forms), whether it only reads (and may go to a replica), how a cross-slot multi-key form is
// split and merged, and how its reply is shaped. The TypeScript method signatures are derived
// from the same entries (phantom types), so the runtime table and the types cannot drift apart.
import type { Arg } from "./wire.js";

// ---------------------------------------------------------------------------------------------
// Reply markers: replaced by concrete types once the client's string type (string or Buffer) is
// known — `Bulk` becomes `string | null` for a string client and `Buffer | null` for a Buffer one.
declare const marker: unique symbol;
type Marker<K extends string> = { readonly [marker]: K };
export type Bulk = Marker<"bulk">;
export type BulkList = Marker<"bulkList">;
export type StrList = Marker<"strList">;
export type Hash = Marker<"hash">;
export type ScanPage = Marker<"scanPage">;

/** Turns the reply markers of a table entry into the user-facing type for string type `S`. */
export type ResolveReply<R, S> = R extends Bulk
  ? S | null
  : R extends BulkList
    ? (S | null)[]
    : R extends StrList
      ? S[]
      : R extends Hash
        ? Record<string, S>
        : R extends ScanPage
          ? [cursor: string, items: S[]]
          : R;

export type Key = string | Buffer;
export type Value = string | Buffer | number;

/** How a multi-key command is split per slot and merged back (ioredis has no such step). */
export type SplitKind = "mget" | "mset" | "sum";

export interface CommandSpec<A extends unknown[] = unknown[], R = unknown> {
  /** Redis command name (first word; subcommand in `sub`). */
  readonly name: string;
  readonly sub?: string;
  /** Argument indexes (into the full argv, name = 0) of the keys. */
  readonly keys: (argv: readonly Arg[]) => number[];
  readonly readonly: boolean;
  readonly split?: SplitKind;
  /** Applied to the reply before it reaches the caller. */
  readonly transform?: (reply: unknown) => unknown;
  /** Phantom: argument and reply types, never set at runtime. */
  readonly __types?: [A, R];
}

// ---------------------------------------------------------------------------------------------
// Key positions.

const none = (): number[] => [];
/** Keys at `first`, `first+step`, ... up to `last` (negative = from the end, -1 = last arg). */
export function keyRange(first: number, last = first, step = 1) {
  return (argv: readonly Arg[]): number[] => {
    const end = last < 0 ? argv.length + last : Math.min(last, argv.length - 1);
    const out: number[] = [];
    for (let i = first; i <= end; i += step) out.push(i);
    return out;
  };
}
/** `CMD numkeys key...` at `at` (EVAL, FCALL, ZUNION...). */
const numkeys =
  (at: number) =>
  (argv: readonly Arg[]): number[] => {
    const n = Number(argv[at]);
    const out: number[] = [];
    for (let i = 0; i < n && at + 1 + i < argv.length; i++) out.push(at + 1 + i);
    return out;
  };
/** `... STREAMS k1 k2 id1 id2` (XREAD, XREADGROUP). */
const streams = (argv: readonly Arg[]): number[] => {
  const at = argv.findIndex((a, i) => i > 0 && String(a).toUpperCase() === "STREAMS");
  if (at < 0) return [];
  const n = Math.floor((argv.length - at - 1) / 2);
  return Array.from({ length: n }, (_, i) => at + 1 + i);
};
/** MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH ..] [AUTH2 .. ..] [KEYS k...]. */
const migrateKeys = (argv: readonly Arg[]): number[] => {
  // migrateGetKeys: the key at 3, unless KEYS (past the AUTH arguments) lists them.
  for (let i = 6; i < argv.length; i++) {
    const a = String(argv[i]).toUpperCase();
    if (a === "AUTH") i += 1;
    else if (a === "AUTH2") i += 2;
    else if (a === "KEYS") return Array.from({ length: argv.length - i - 1 }, (_, j) => i + 1 + j);
  }
  return [3];
};
/** SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dest] (sortGetKeys). */
const sortKeys = (argv: readonly Arg[]): number[] => {
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = String(argv[i]).toUpperCase();
    if (a === "LIMIT") i += 2;
    else if (a === "GET" || a === "BY") i += 1;
    else if (a === "STORE" && i + 1 < argv.length) store = i + 1; // the last STORE wins
  }
  return store < 0 ? [1] : [1, store];
};
const k1 = keyRange(1);
const allKeys = keyRange(1, -1);

// ---------------------------------------------------------------------------------------------
// Reply transforms.

const toHash = (r: unknown): unknown => {
  if (!Array.isArray(r)) return r; // RESP3 maps arrive as objects already
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < r.length; i += 2) o[String(r[i])] = r[i + 1];
  return o;
};
const toNumber = (r: unknown): unknown =>
  typeof r === "string" || Buffer.isBuffer(r) ? Number(String(r)) : r;
const scanPage = (r: unknown): unknown => {
  const [cursor, items] = r as [unknown, unknown[]];
  return [String(cursor), items];
};

function c<A extends unknown[], R>(
  name: string,
  keys: (argv: readonly Arg[]) => number[],
  extra: Partial<Omit<CommandSpec, "name" | "keys" | "readonly">> & { ro?: boolean } = {},
): CommandSpec<A, R> {
  const { ro, ...rest } = extra;
  return { name, keys, readonly: ro ?? false, ...rest } as CommandSpec<A, R>;
}
const RO = { ro: true } as const;

type Opt = Arg;

/** The table. Method names are Redis's command names in lower case, as in ioredis. */
export const COMMANDS = {
  // Strings
  get: c<[key: Key], Bulk>("GET", k1, RO),
  set: c<[key: Key, value: Value, ...options: Opt[]], "OK" | Bulk>("SET", k1),
  setnx: c<[key: Key, value: Value], number>("SETNX", k1),
  setex: c<[key: Key, seconds: number, value: Value], "OK">("SETEX", k1),
  psetex: c<[key: Key, ms: number, value: Value], "OK">("PSETEX", k1),
  getset: c<[key: Key, value: Value], Bulk>("GETSET", k1),
  getdel: c<[key: Key], Bulk>("GETDEL", k1),
  getex: c<[key: Key, ...options: Opt[]], Bulk>("GETEX", k1),
  getrange: c<[key: Key, start: number, end: number], Bulk>("GETRANGE", k1, RO),
  setrange: c<[key: Key, offset: number, value: Value], number>("SETRANGE", k1),
  append: c<[key: Key, value: Value], number>("APPEND", k1),
  strlen: c<[key: Key], number>("STRLEN", k1, RO),
  incr: c<[key: Key], number>("INCR", k1),
  incrby: c<[key: Key, increment: number], number>("INCRBY", k1),
  incrbyfloat: c<[key: Key, increment: number], number>("INCRBYFLOAT", k1, {
    transform: toNumber,
  }),
  decr: c<[key: Key], number>("DECR", k1),
  decrby: c<[key: Key, decrement: number], number>("DECRBY", k1),
  mget: c<[...keys: Key[]], BulkList>("MGET", allKeys, { ro: true, split: "mget" }),
  mset: c<[...keyValues: Value[]], "OK">("MSET", keyRange(1, -1, 2), { split: "mset" }),
  msetnx: c<[...keyValues: Value[]], number>("MSETNX", keyRange(1, -1, 2)),
  // Keys
  del: c<[...keys: Key[]], number>("DEL", allKeys, { split: "sum" }),
  unlink: c<[...keys: Key[]], number>("UNLINK", allKeys, { split: "sum" }),
  exists: c<[...keys: Key[]], number>("EXISTS", allKeys, { ro: true, split: "sum" }),
  touch: c<[...keys: Key[]], number>("TOUCH", allKeys, { ro: true, split: "sum" }),
  expire: c<[key: Key, seconds: number, ...options: Opt[]], number>("EXPIRE", k1),
  pexpire: c<[key: Key, ms: number, ...options: Opt[]], number>("PEXPIRE", k1),
  expireat: c<[key: Key, unixSeconds: number, ...options: Opt[]], number>("EXPIREAT", k1),
  persist: c<[key: Key], number>("PERSIST", k1),
  ttl: c<[key: Key], number>("TTL", k1, RO),
  pttl: c<[key: Key], number>("PTTL", k1, RO),
  type: c<[key: Key], string>("TYPE", k1, RO),
  rename: c<[key: Key, newKey: Key], "OK">("RENAME", keyRange(1, 2)),
  copy: c<[source: Key, destination: Key, ...options: Opt[]], number>("COPY", keyRange(1, 2)),
  dump: c<[key: Key], Bulk>("DUMP", k1, RO),
  // Hashes
  hget: c<[key: Key, field: Value], Bulk>("HGET", k1, RO),
  hset: c<[key: Key, ...fieldValues: Value[]], number>("HSET", k1),
  hsetnx: c<[key: Key, field: Value, value: Value], number>("HSETNX", k1),
  hmget: c<[key: Key, ...fields: Value[]], BulkList>("HMGET", k1, RO),
  hgetall: c<[key: Key], Hash>("HGETALL", k1, { ro: true, transform: toHash }),
  hdel: c<[key: Key, ...fields: Value[]], number>("HDEL", k1),
  hexists: c<[key: Key, field: Value], number>("HEXISTS", k1, RO),
  hincrby: c<[key: Key, field: Value, increment: number], number>("HINCRBY", k1),
  hlen: c<[key: Key], number>("HLEN", k1, RO),
  hkeys: c<[key: Key], StrList>("HKEYS", k1, RO),
  hvals: c<[key: Key], StrList>("HVALS", k1, RO),
  hscan: c<[key: Key, cursor: string | number, ...options: Opt[]], ScanPage>("HSCAN", k1, {
    ro: true,
    transform: scanPage,
  }),
  // Lists
  lpush: c<[key: Key, ...elements: Value[]], number>("LPUSH", k1),
  rpush: c<[key: Key, ...elements: Value[]], number>("RPUSH", k1),
  lpop: c<[key: Key], Bulk>("LPOP", k1),
  rpop: c<[key: Key], Bulk>("RPOP", k1),
  llen: c<[key: Key], number>("LLEN", k1, RO),
  lrange: c<[key: Key, start: number, stop: number], StrList>("LRANGE", k1, RO),
  lindex: c<[key: Key, index: number], Bulk>("LINDEX", k1, RO),
  lrem: c<[key: Key, count: number, element: Value], number>("LREM", k1),
  ltrim: c<[key: Key, start: number, stop: number], "OK">("LTRIM", k1),
  lmove: c<[source: Key, destination: Key, from: string, to: string], Bulk>(
    "LMOVE",
    keyRange(1, 2),
  ),
  // Sets
  sadd: c<[key: Key, ...members: Value[]], number>("SADD", k1),
  srem: c<[key: Key, ...members: Value[]], number>("SREM", k1),
  smembers: c<[key: Key], StrList>("SMEMBERS", k1, RO),
  sismember: c<[key: Key, member: Value], number>("SISMEMBER", k1, RO),
  scard: c<[key: Key], number>("SCARD", k1, RO),
  sinter: c<[...keys: Key[]], StrList>("SINTER", allKeys, RO),
  sunion: c<[...keys: Key[]], StrList>("SUNION", allKeys, RO),
  sscan: c<[key: Key, cursor: string | number, ...options: Opt[]], ScanPage>("SSCAN", k1, {
    ro: true,
    transform: scanPage,
  }),
  // Sorted sets
  zadd: c<[key: Key, ...scoreMembers: Value[]], number>("ZADD", k1),
  zrem: c<[key: Key, ...members: Value[]], number>("ZREM", k1),
  zscore: c<[key: Key, member: Value], number | null>("ZSCORE", k1, {
    ro: true,
    transform: (r) => (r === null ? null : toNumber(r)),
  }),
  zincrby: c<[key: Key, increment: number, member: Value], number>("ZINCRBY", k1, {
    transform: toNumber,
  }),
  zcard: c<[key: Key], number>("ZCARD", k1, RO),
  zcount: c<[key: Key, min: Value, max: Value], number>("ZCOUNT", k1, RO),
  zrank: c<[key: Key, member: Value], number | null>("ZRANK", k1, RO),
  zrange: c<[key: Key, start: Value, stop: Value, ...options: Opt[]], StrList>("ZRANGE", k1, RO),
  zrangebyscore: c<[key: Key, min: Value, max: Value, ...options: Opt[]], StrList>(
    "ZRANGEBYSCORE",
    k1,
    RO,
  ),
  zunionstore: c<[destination: Key, numkeys: number, ...keysAndOptions: Value[]], number>(
    "ZUNIONSTORE",
    (argv) => [1, ...numkeys(2)(argv)],
  ),
  // Streams
  xadd: c<[key: Key, id: string, ...fieldValues: Value[]], Bulk>("XADD", k1),
  xlen: c<[key: Key], number>("XLEN", k1, RO),
  xrange: c<[key: Key, start: string, end: string, ...options: Opt[]], unknown[]>("XRANGE", k1, RO),
  xread: c<[...args: Value[]], unknown>("XREAD", streams, RO),
  xdel: c<[key: Key, ...ids: string[]], number>("XDEL", k1),
  // HyperLogLog, bitmaps
  pfadd: c<[key: Key, ...elements: Value[]], number>("PFADD", k1),
  pfcount: c<[...keys: Key[]], number>("PFCOUNT", allKeys, RO),
  setbit: c<[key: Key, offset: number, value: 0 | 1], number>("SETBIT", k1),
  getbit: c<[key: Key, offset: number], number>("GETBIT", k1, RO),
  bitcount: c<[key: Key, ...range: Opt[]], number>("BITCOUNT", k1, RO),
  // Scripting
  eval: c<[script: string, numkeys: number, ...keysAndArgs: Value[]], unknown>("EVAL", numkeys(2)),
  evalsha: c<[sha1: string, numkeys: number, ...keysAndArgs: Value[]], unknown>(
    "EVALSHA",
    numkeys(2),
  ),
  fcall: c<[fn: string, numkeys: number, ...keysAndArgs: Value[]], unknown>("FCALL", numkeys(2)),
  // Pub/sub (publishing; subscribing has its own API)
  publish: c<[channel: Value, message: Value], number>("PUBLISH", none),
  spublish: c<[shardChannel: Value, message: Value], number>("SPUBLISH", k1),
  // Server (keyless: a random master answers, or use `onEveryMaster`)
  ping: c<[message?: Value], string>("PING", none),
  echo: c<[message: Value], Bulk>("ECHO", none),
  info: c<[section?: string], string>("INFO", none),
  dbsize: c<[], number>("DBSIZE", none),
  time: c<[], StrList>("TIME", none),
  flushall: c<[mode?: "ASYNC" | "SYNC"], "OK">("FLUSHALL", none),
  flushdb: c<[mode?: "ASYNC" | "SYNC"], "OK">("FLUSHDB", none),
  scan: c<[cursor: string | number, ...options: Opt[]], ScanPage>("SCAN", none, {
    transform: scanPage,
  }),
  keys: c<[pattern: string], StrList>("KEYS", none, RO),
  randomkey: c<[], Bulk>("RANDOMKEY", none, RO),
  wait: c<[numReplicas: number, timeout: number], number>("WAIT", none),
} as const;

export type CommandName = keyof typeof COMMANDS;

type SpecOf<K extends CommandName> = (typeof COMMANDS)[K];
type ArgsOf<T> = T extends CommandSpec<infer A, unknown> ? A : never;
type ReplyOf<T> = T extends CommandSpec<unknown[], infer R> ? R : never;

/** The typed command methods of a client whose bulk strings are `S` (string or Buffer). */
export type CommandMethods<S> = {
  [K in CommandName]: (...args: ArgsOf<SpecOf<K>>) => Promise<ResolveReply<ReplyOf<SpecOf<K>>, S>>;
};

// Commands with keys that are not typed methods but still route by key when sent with call().
const EXTRA: Record<string, CommandSpec> = {
  OBJECT: c("OBJECT", keyRange(2), RO),
  MIGRATE: c("MIGRATE", migrateKeys),
  RESTORE: c("RESTORE", k1),
  SORT: c("SORT", sortKeys),
  BLPOP: c("BLPOP", keyRange(1, -2)),
  BRPOP: c("BRPOP", keyRange(1, -2)),
  XREADGROUP: c("XREADGROUP", streams),
  XGROUP: c("XGROUP", keyRange(2)),
  XACK: c("XACK", k1),
  ZUNION: c("ZUNION", numkeys(1), RO),
  ZINTER: c("ZINTER", numkeys(1), RO),
  SINTERCARD: c("SINTERCARD", numkeys(1), RO),
  EVAL_RO: c("EVAL_RO", numkeys(2), RO),
  EVALSHA_RO: c("EVALSHA_RO", numkeys(2), RO),
  FCALL_RO: c("FCALL_RO", numkeys(2), RO),
  SSUBSCRIBE: c("SSUBSCRIBE", allKeys),
  SUNSUBSCRIBE: c("SUNSUBSCRIBE", allKeys),
  WATCH: c("WATCH", allKeys),
  PFMERGE: c("PFMERGE", allKeys),
  BITOP: c("BITOP", keyRange(2, -1)),
};

const byName = new Map<string, CommandSpec>();
for (const spec of Object.values(COMMANDS) as CommandSpec[])
  if (!byName.has(spec.name)) byName.set(spec.name, spec);
for (const spec of Object.values(EXTRA)) byName.set(spec.name, spec);

/** Commands Redis marks readonly that are not typed methods (for replica routing of `call`). */
const READONLY_EXTRA = new Set([
  "HSTRLEN",
  "HRANDFIELD",
  "LPOS",
  "SRANDMEMBER",
  "SMISMEMBER",
  "SDIFF",
  "ZREVRANGE",
  "ZREVRANK",
  "ZRANGEBYLEX",
  "ZMSCORE",
  "ZRANDMEMBER",
  "XREVRANGE",
  "XINFO",
  "BITPOS",
  "GEOPOS",
  "GEODIST",
  "GEOSEARCH",
  "MEMORY",
]);

/** Every entry of the table once (typed methods and EXTRA), for checks against a server's table. */
export function commandSpecs(): CommandSpec[] {
  return [...byName.values()];
}

/** Looks up a command by name (any case); undefined for commands the table does not know. */
export function lookupCommand(name: string): CommandSpec | undefined {
  return byName.get(name.toUpperCase());
}

/**
 * Key argument indexes of an arbitrary command. Unknown commands are assumed to take their key
 * as the first argument, which is true of nearly every Redis data command; a keyless unknown
 * command then simply lands on some master, and MOVED corrects the rare miss.
 */
export function commandKeys(argv: readonly Arg[]): number[] {
  const spec = lookupCommand(String(argv[0]));
  if (spec) return spec.keys(argv);
  return argv.length > 1 ? [1] : [];
}

export function isReadOnly(argv: readonly Arg[]): boolean {
  const name = String(argv[0]).toUpperCase();
  return lookupCommand(name)?.readonly ?? READONLY_EXTRA.has(name);
}

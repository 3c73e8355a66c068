// Argument hints and tab completion for the interactive prompt, like redis-cli's hints (which
// come from COMMAND DOCS or its built-in help table). The built-in table covers the commands
// people type by hand; unknown commands simply show no hint.

export const HINTS: Record<string, string> = {
  APPEND: "key value",
  AUTH: "[username] password",
  BITCOUNT: "key [start end [BYTE|BIT]]",
  CLUSTER: "subcommand [argument ...]",
  CONFIG: "GET|SET|RESETSTAT|REWRITE [argument ...]",
  COPY: "source destination [DB destination-db] [REPLACE]",
  DBSIZE: "",
  DECR: "key",
  DECRBY: "key decrement",
  DEL: "key [key ...]",
  ECHO: "message",
  EVAL: "script numkeys [key [key ...]] [arg [arg ...]]",
  EXISTS: "key [key ...]",
  EXPIRE: "key seconds [NX|XX|GT|LT]",
  FLUSHALL: "[ASYNC|SYNC]",
  GET: "key",
  GETDEL: "key",
  GETEX:
    "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]",
  GETSET: "key value",
  HDEL: "key field [field ...]",
  HELLO: "[protover [AUTH username password] [SETNAME clientname]]",
  HEXISTS: "key field",
  HGET: "key field",
  HGETALL: "key",
  HINCRBY: "key field increment",
  HKEYS: "key",
  HLEN: "key",
  HMGET: "key field [field ...]",
  HSET: "key field value [field value ...]",
  HVALS: "key",
  INCR: "key",
  INCRBY: "key increment",
  INFO: "[section [section ...]]",
  KEYS: "pattern",
  LINDEX: "key index",
  LLEN: "key",
  LPOP: "key [count]",
  LPUSH: "key element [element ...]",
  LRANGE: "key start stop",
  MGET: "key [key ...]",
  MSET: "key value [key value ...]",
  PERSIST: "key",
  PEXPIRE: "key milliseconds [NX|XX|GT|LT]",
  PING: "[message]",
  PSUBSCRIBE: "pattern [pattern ...]",
  PTTL: "key",
  PUBLISH: "channel message",
  RENAME: "key newkey",
  RPOP: "key [count]",
  RPUSH: "key element [element ...]",
  SADD: "key member [member ...]",
  SCAN: "cursor [MATCH pattern] [COUNT count] [TYPE type]",
  SCARD: "key",
  SELECT: "index",
  SET: "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
  SISMEMBER: "key member",
  SMEMBERS: "key",
  SPUBLISH: "shardchannel message",
  SREM: "key member [member ...]",
  SSUBSCRIBE: "shardchannel [shardchannel ...]",
  STRLEN: "key",
  SUBSCRIBE: "channel [channel ...]",
  TTL: "key",
  TYPE: "key",
  UNLINK: "key [key ...]",
  XADD: "key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]",
  XLEN: "key",
  XRANGE: "key start end [COUNT count]",
  ZADD: "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]",
  ZCARD: "key",
  ZRANGE: "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
  ZREM: "key member [member ...]",
  ZSCORE: "key member",
};

/**
 * The hint for what has been typed so far: the command's syntax minus the arguments already
 * given (counted by words, so optional parts stay visible), or undefined.
 */
export function hintFor(line: string): string | undefined {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const name = words[0]?.toUpperCase();
  // No hint while the command name itself is being typed.
  if (!name || (words.length === 1 && !line.endsWith(" "))) return undefined;
  const hint = HINTS[name];
  if (hint === undefined) return undefined;
  const given = words.length - 1;
  const parts = hint.split(" ").filter(Boolean);
  const rest = parts.slice(Math.min(given, parts.length)).join(" ");
  return rest || undefined;
}

/** Tab completion of command names. */
export function completeCommand(line: string): [string[], string] {
  if (/\s/.test(line.trimStart())) return [[], line];
  const prefix = line.trimStart().toUpperCase();
  const hits = Object.keys(HINTS).filter((c) => c.startsWith(prefix));
  const lower = line === line.toLowerCase();
  return [hits.map((h) => (lower ? h.toLowerCase() : h)), line];
}

// Replies byte for byte against real redis-server 7.0.15: the same bytes go to both servers and
// the replies must be identical. Only commands whose replies don't depend on ids, ports or
// clocks are in the script (and CONFIG GET patterns that match one name: Redis lists matches in
// its hash table's order).
import { type ServerHandle, spawnServer, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS, startShoal } from "./helpers.js";

/** NUL and every byte 0x80-0xFF (129 bytes: a long list element). */
const HIGH = `\x00${Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join("")}`;
/** Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong NUL, 0xFE/0xFF. */
const BAD_UTF8 = "\x80a\xe2\x82\xc0\x80\xfe\xff";
const LONG_BINARY = Array.from({ length: 300 }, (_, i) =>
  String.fromCharCode((i * 131 + 7) % 256),
).join("");

const sessions: Record<string, string> = {
  "ping and echo": [
    cmd("PING"),
    cmd("PING", "hello world"),
    cmd("ping", "a", "b"),
    cmd("ECHO", ""),
    cmd("ECHO", "bin\x00ary\xff"),
    cmd("echo"),
    "PING\r\n",
    'ECHO "quoted \\x41 word"\r\n',
    "\r\n",
    "  ping  \n",
  ].join(""),
  "COMMAND INFO of an unknown name": [
    cmd("COMMAND", "INFO", "nosuch"),
    cmd("COMMAND", "INFO", "get|x", "nosuch2"),
  ].join(""),
  "errors quoting bytes above 0x7f": [
    cmd("FOO\xe9", "\xe9\xff"),
    "\xff\xfe x\r\n",
    cmd("CLIENT", "\xff"),
    cmd("CONFIG", "SET", "\xc3\xa9", "1"),
    cmd("CONFIG", "SET", "\xff", "1"),
    cmd("HELLO", "3", "\xc3\xa9"),
    cmd("CLIENT", "LIST", "TYPE", "\xff"),
  ].join(""),
  "unknown commands": [
    cmd("FOO"),
    cmd("foo", "a", "b"),
    cmd("nosuch", "x".repeat(200), "y"),
    cmd("CLIENT", "NOSUCH"),
    cmd("CONFIG", "bogus", "x"),
    cmd("CONFIG"),
    cmd("client"),
  ].join(""),
  select: [
    cmd("SELECT", "1"),
    cmd("SELECT", "99"),
    cmd("SELECT", "abc"),
    cmd("SELECT", "-1"),
    cmd("SELECT", "0"),
  ].join(""),
  "multi/exec rules": [
    cmd("EXEC"),
    cmd("DISCARD"),
    cmd("MULTI"),
    cmd("MULTI"),
    cmd("PING"),
    cmd("ECHO", "x"),
    cmd("EXEC"),
    cmd("MULTI"),
    cmd("PING"),
    cmd("NOSUCHCMD"),
    cmd("EXEC"),
    cmd("MULTI"),
    cmd("ECHO"),
    cmd("EXEC"),
    cmd("MULTI"),
    cmd("WATCH", "k"),
    cmd("DISCARD"),
    cmd("WATCH", "k"),
    cmd("UNWATCH"),
    cmd("MULTI"),
    cmd("SELECT", "99"),
    cmd("PING", "in-tx"),
    cmd("EXEC"),
  ].join(""),
  "hello and auth": [
    cmd("HELLO", "4"),
    cmd("HELLO", "abc"),
    cmd("HELLO", "3", "BOGUS"),
    cmd("HELLO", "2", "SETNAME", "bad name"),
    cmd("AUTH", "x"),
    cmd("AUTH", "a", "b", "c"),
    cmd("AUTH", "default", "anything"),
    cmd("AUTH", "nobody", "x"),
  ].join(""),
  "client names": [
    cmd("CLIENT", "GETNAME"),
    cmd("CLIENT", "SETNAME", "conn-1"),
    cmd("CLIENT", "GETNAME"),
    cmd("CLIENT", "SETNAME", "a b"),
    cmd("CLIENT", "SETNAME", ""),
    cmd("CLIENT", "GETNAME"),
    cmd("CLIENT", "KILL", "1.2.3.4:5"),
    cmd("CLIENT", "KILL", "ID", "999999"),
    cmd("CLIENT", "NO-EVICT", "maybe"),
    cmd("CLIENT", "NO-EVICT", "on"),
  ].join(""),
  "config get/set": [
    cmd("CONFIG", "GET", "maxclients"),
    cmd("CONFIG", "GET", "appendfsync"),
    cmd("CONFIG", "GET", "notify-keyspace-events"),
    cmd("CONFIG", "GET", "client-output-buffer-limit"),
    cmd("CONFIG", "GET", "proto-max-bulk-len"),
    cmd("CONFIG", "GET", "nosuchthing*"),
    cmd("CONFIG", "SET", "maxclients", "abc"),
    cmd("CONFIG", "SET", "nosuch", "1"),
    cmd("CONFIG", "SET", "appendfsync", "sometimes"),
    cmd("CONFIG", "SET", "notify-keyspace-events", "Q"),
    cmd("CONFIG", "SET", "timeout", "0", "timeout", "1"),
    cmd("CONFIG", "SET", "hz", "20"),
    cmd("CONFIG", "GET", "hz"),
    cmd("CONFIG", "SET", "daemonize", "no"),
    cmd("CONFIG", "SET", "maxclients"),
    cmd("CONFIG", "SET", "shutdown-on-sigterm", "bogus"),
    cmd("CONFIG", "SET", "shutdown-on-sigterm", "nosave force"),
    cmd("CONFIG", "GET", "shutdown-on-sigterm"),
    cmd("CONFIG", "SET", "slowlog-max-len", "-1"),
    cmd("CONFIG", "GET", "slowlog-max-len"),
  ].join(""),
  "pub/sub in RESP2": [
    cmd("SUBSCRIBE", "a", "b"),
    cmd("PSUBSCRIBE", "n*"),
    cmd("PING"),
    cmd("PING", "x"),
    cmd("CONFIG", "GET", "hz"),
    cmd("PUBLISH", "a", "m"),
    cmd("UNSUBSCRIBE", "b", "zz"),
    cmd("PUNSUBSCRIBE"),
    cmd("UNSUBSCRIBE"),
    cmd("UNSUBSCRIBE"),
    cmd("PUBSUB", "NUMSUB", "a", "b"),
    cmd("PUBSUB", "NUMPAT"),
    cmd("PUBSUB", "CHANNELS"),
    cmd("PUBLISH", "nobody", "x"),
  ].join(""),
  "pub/sub in RESP3": [
    cmd("HELLO", "3", "SETNAME", "x").replace("HELLO", "HELLO"),
    cmd("SUBSCRIBE", "a"),
    cmd("PING"),
    cmd("ECHO", "allowed"),
    cmd("UNSUBSCRIBE"),
    cmd("RESET"),
  ].join(""),
  "client reply off/skip": [
    cmd("CLIENT", "REPLY", "OFF"),
    cmd("PING"),
    cmd("NOSUCH"),
    cmd("CLIENT", "REPLY", "ON"),
    cmd("PING", "back"),
    cmd("CLIENT", "REPLY", "SKIP"),
    cmd("PING", "skipped"),
    cmd("PING", "shown"),
    cmd("CLIENT", "REPLY", "MAYBE"),
  ].join(""),
  "RESP3 replies": [
    cmd("HELLO", "3"),
    cmd("CONFIG", "GET", "maxclients"),
    cmd("CONFIG", "GET", "nosuch"),
    cmd("PUBSUB", "NUMSUB", "a", "b"),
    cmd("CLIENT", "GETNAME"),
    cmd("MULTI"),
    cmd("PING"),
    cmd("EXEC"),
    cmd("PUBSUB", "CHANNELS"),
    cmd("SELECT", "x"),
  ].join(""),
  reset: [
    cmd("SELECT", "3"),
    cmd("MULTI"),
    cmd("RESET"),
    cmd("EXEC"),
    cmd("CLIENT", "GETNAME"),
  ].join(""),
  "data commands across databases, MULTI and WATCH": [
    cmd("FLUSHALL"),
    cmd("SET", "k", "v"),
    cmd("SELECT", "1"),
    cmd("GET", "k"),
    cmd("SET", "k", "one"),
    cmd("SELECT", "0"),
    cmd("GET", "k"),
    cmd("DBSIZE"),
    cmd("MULTI"),
    cmd("SET", "n", "1"),
    cmd("INCR", "k"),
    cmd("LPUSH", "n", "x"),
    cmd("INCRBY", "n", "5"),
    cmd("EXEC"),
    cmd("WATCH", "n"),
    cmd("SET", "n", "changed"),
    cmd("MULTI"),
    cmd("GET", "n"),
    cmd("EXEC"),
    cmd("MULTI"),
    cmd("GET"),
    cmd("GET", "n"),
    cmd("EXEC"),
    cmd("SWAPDB", "0", "1"),
    cmd("GET", "k"),
    cmd("SWAPDB", "0", "99"),
    cmd("SWAPDB", "x", "1"),
    cmd("FLUSHDB", "bogus"),
    cmd("FLUSHDB"),
    cmd("DBSIZE"),
    cmd("OBJECT", "ENCODING", "nokey"),
    cmd("OBJECT", "NOSUCH"),
    cmd("OBJECT"),
    cmd("COMMAND", "GETKEYS", "SET", "a", "b"),
    cmd("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "x", "y"),
    cmd("FLUSHALL"),
  ].join(""),
  "encoding thresholds (CONFIG SET *-max-listpack-*, OBJECT ENCODING)": [
    cmd("FLUSHALL"),
    cmd("CONFIG", "GET", "zset-max-listpack-entries"),
    cmd("CONFIG", "GET", "hash-max-listpack-value"),
    cmd("CONFIG", "SET", "hash-max-listpack-entries", "2"),
    cmd("CONFIG", "SET", "zset-max-listpack-value", "4"),
    cmd("CONFIG", "SET", "set-max-intset-entries", "abc"),
    cmd("HSET", "h", "a", "1", "b", "2"),
    cmd("OBJECT", "ENCODING", "h"),
    cmd("HSET", "h", "c", "3"),
    cmd("OBJECT", "ENCODING", "h"),
    cmd("ZADD", "z", "1", "abcd"),
    cmd("OBJECT", "ENCODING", "z"),
    cmd("ZADD", "z", "2", "abcde"),
    cmd("OBJECT", "ENCODING", "z"),
    cmd("CONFIG", "SET", "hash-max-listpack-entries", "512", "zset-max-listpack-value", "64"),
    cmd("CONFIG", "GET", "hash-max-listpack-entries"),
    cmd("FLUSHALL"),
  ].join(""),
  "blocking commands in MULTI and with timeouts": [
    cmd("FLUSHALL"),
    cmd("MULTI"),
    cmd("BLPOP", "q", "0"),
    cmd("BZPOPMIN", "z", "0"),
    cmd("BLMOVE", "q", "r", "LEFT", "RIGHT", "0"),
    cmd("EXEC"),
    cmd("BLPOP", "q", "0.01"),
    cmd("BZPOPMAX", "z", "0.01"),
    cmd("BLPOP", "q", "-1"),
    cmd("BLPOP", "q", "abc"),
    cmd("RPUSH", "q", "a"),
    cmd("BLPOP", "q", "0"),
    cmd("ZADD", "z", "1", "m"),
    cmd("BZPOPMIN", "z", "0"),
  ].join(""),
  // List elements are latin1 strings when short and Buffers when long (keyspace-store's
  // types/list.ts): NUL, every byte 0x80-0xFF and invalid UTF-8 must come back as sent.
  "binary list elements": [
    cmd("FLUSHALL"),
    cmd("RPUSH", "bl", "\x00", HIGH, BAD_UTF8, "", LONG_BINARY, `${BAD_UTF8}\x00`),
    cmd("LRANGE", "bl", "0", "-1"),
    cmd("LINDEX", "bl", "1"),
    cmd("LINDEX", "bl", "-2"),
    cmd("LPOS", "bl", BAD_UTF8),
    cmd("DUMP", "bl"),
    cmd("COPY", "bl", "bl2"),
    cmd("LPOP", "bl", "2"),
    cmd("RPOP", "bl"),
    cmd("LSET", "bl", "0", HIGH),
    cmd("LINSERT", "bl", "AFTER", HIGH, "\xc3\x28"),
    cmd("LREM", "bl", "0", ""),
    cmd("LRANGE", "bl", "0", "-1"),
    cmd("SORT", "bl2", "BY", "nosort", "STORE", "dst"),
    cmd("LRANGE", "dst", "0", "-1"),
    cmd("LMOVE", "dst", "bl", "LEFT", "RIGHT"),
    cmd("RPOPLPUSH", "dst", "bl"),
    cmd("LRANGE", "bl", "0", "-1"),
    cmd("BLMPOP", "0", "2", "nokey", "dst", "RIGHT", "COUNT", "9"),
  ].join(""),
  // Hash values take list elements' shapes: a listpack hash of short values, then one with a long
  // value (a hashtable, so only single-field reads, whose order does not depend on the dict).
  "binary hash values": [
    cmd("FLUSHALL"),
    cmd("HSET", "hb", "a", "\x00", "b", BAD_UTF8, "c", ""),
    cmd("HGETALL", "hb"),
    cmd("HVALS", "hb"),
    cmd("DUMP", "hb"),
    cmd("HSET", "hl", "long", HIGH, "x", LONG_BINARY),
    cmd("HGET", "hl", "long"),
    cmd("HMGET", "hl", "x", "long", "nope"),
    cmd("HSTRLEN", "hl", "x"),
    cmd("COPY", "hl", "hl2"),
    cmd("HGET", "hl2", "x"),
    cmd("HINCRBYFLOAT", "hb", "c", "1.5"),
    cmd("HGET", "hb", "c"),
    cmd("RPUSH", "sl", "l"),
    cmd("SORT", "sl", "BY", "nosort", "GET", "h*->long", "GET", "h*->x", "GET", "#"),
    cmd("SORT", "sl", "BY", "nosort", "GET", "h*->x", "STORE", "dst"),
    cmd("LRANGE", "dst", "0", "-1"),
  ].join(""),
  "RESP3 data replies": [
    cmd("HELLO", "3"),
    cmd("FLUSHALL"),
    cmd("HSET", "h", "f", "v"),
    cmd("HGETALL", "h"),
    cmd("ZADD", "z", "1.5", "a"),
    cmd("ZSCORE", "z", "a"),
    cmd("ZRANGE", "z", "0", "-1", "WITHSCORES"),
    cmd("SADD", "s", "only"),
    cmd("SMEMBERS", "s"),
    cmd("GET", "missing"),
    cmd("MULTI"),
    cmd("BLPOP", "none", "0"),
    cmd("INCRBYFLOAT", "f", "1.5"),
    cmd("EXEC"),
    cmd("FLUSHALL"),
  ].join(""),
};

// HELLO 3's reply carries the client id; that session compares from the SUBSCRIBE on.
function normalize(name: string, s: string): string {
  if (
    name === "pub/sub in RESP3" ||
    name === "RESP3 replies" ||
    name === "RESP3 data replies" ||
    name === "command info in RESP3"
  )
    return s.replace(/^%7\r\n[\s\S]*?\*0\r\n/, "<hello>");
  // DEBUG OBJECT: the object address and the LRU clock are per process; everything else,
  // serializedlength (the value's RDB length) included, must match.
  if (name === "debug")
    return s
      .replace(/Value at:0x[0-9a-f]+/g, "Value at:<addr>")
      .replace(/ lru:\d+/g, " lru:<clock>");
  if (name === "debug protocol") return s.replace(/%7\r\n[\s\S]*?modules\r\n\*0\r\n/, "<hello>");
  if (name === "slowlog entries and redaction")
    return (
      s
        .replace(/\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n/g, "*6\r\n<id time usec>\r\n")
        .replace(/\$\d+\r\n127\.0\.0\.1:\d+\r\n/g, "<peer>\r\n")
        // MIGRATE to a closed port: the connect error's wording is the OS's, via each server.
        .replace(/-IOERR[^\r]*\r\n/g, "<ioerr>\r\n")
    );
  if (name === "acl log")
    return s
      .replace(/(age-seconds\r\n)\$\d+\r\n[0-9.e-]+\r\n/g, "$1<age>\r\n")
      .replace(/(client-info\r\n)\$\d+\r\nid=[^\r]*\r\n/g, "$1<client>\r\n");
  if (name === "acl") return s.replace(/^([\s\S]*)%7\r\n[\s\S]*?\*0\r\n/, "$1<hello>");
  return s;
}

// CONFIG GET of an exact name: aliases answer under the name asked for, case kept (one name
// per call: with several, Redis orders the reply by its hash table).
sessions["config get names"] = [
  cmd("CONFIG", "GET", "slave-read-only"),
  cmd("CONFIG", "GET", "HZ"),
  cmd("CONFIG", "GET", "Hz", "hz"),
  cmd("CONFIG", "GET", "min-slaves-max-lag"),
  cmd("CONFIG", "GET", "no-such-thing"),
].join("");

// DEBUG PROTOCOL's test values in RESP2, then RESP3 (client libraries' test suites use them).
const debugProtocolTypes = ["string", "integer", "double", "bignum", "null", "array", "set"];
debugProtocolTypes.push("map", "attrib", "push", "verbatim", "true", "false", "bogus");
sessions["debug protocol"] = [
  ...debugProtocolTypes.map((t) => cmd("DEBUG", "PROTOCOL", t)),
  cmd("DEBUG", "PROTOCOL"),
  cmd("DEBUG", "SLEEP", "x"),
  cmd("DEBUG", "SLEEP", "0.001abc"),
  cmd("DEBUG", "SLEEP", "-1"),
  cmd("DEBUG", "HELP", "x"),
  cmd("CONFIG", "SET", "hz", "10", "maxclients"),

  cmd("HELLO", "3"),
  ...debugProtocolTypes.map((t) => cmd("DEBUG", "PROTOCOL", t)),
].join("");

// Both servers run with enable-debug-command yes (Redis's own test servers do too).
sessions.debug = [
  cmd("SET", "k", "v"),
  cmd("SET", "n", "12345"),
  cmd("RPUSH", "l", "a", "b", "c"),
  cmd("HSET", "h", "a", "1"),
  cmd("DEBUG", "OBJECT", "k"),
  cmd("DEBUG", "OBJECT", "n"),
  cmd("DEBUG", "OBJECT", "l"),
  cmd("DEBUG", "OBJECT", "h"),
  cmd("DEBUG", "OBJECT", "nokey"),
  cmd("DEBUG", "OBJECT"),
  cmd("DEBUG", "OBJECT", "a", "b"),
  // DEBUG OBJECT reads the dict as it is (dictFind): a key whose time has passed (SET ... PXAT
  // in the past keeps it, with that time) but that no lookup expired yet still answers.
  cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0"),
  cmd("SET", "gone", "v", "PXAT", "1000"),
  cmd("DEBUG", "OBJECT", "gone"),
  cmd("DEBUG", "OBJECT", "gone"),
  cmd("GET", "gone"),
  cmd("DEBUG", "OBJECT", "gone"),
  cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1"),
  cmd("DEBUG", "NOSUCH"),
  cmd("DEBUG", "ERROR", "MYERR made up"),
  cmd("DEL", "k", "n", "l", "h"),
].join("");

// CLIENT subcommands 7.0.15 has (UNBLOCK) and hasn't (SETINFO, NO-TOUCH: 7.2), argument errors.
sessions["client subcommands"] = [
  cmd("CLIENT", "SETINFO", "lib-name", "x"),
  cmd("CLIENT", "NO-TOUCH", "on"),
  cmd("CLIENT", "PAUSE", "-1"),
  cmd("CLIENT", "pause", "0", "ALL", "x"),
  cmd("CLIENT", "UNPAUSE"),
  cmd("CLIENT", "UNBLOCK"),
  cmd("CLIENT", "UNBLOCK", "1"),
  cmd("CLIENT", "UNBLOCK", "1", "ERROR"),
  cmd("CLIENT", "UNBLOCK", "1", "bogus"),
  cmd("CLIENT", "UNBLOCK", "abc"),
  cmd("CLIENT", "UNBLOCK", "abc", "bogus"),
  cmd("CLIENT", "UNBLOCK", "1", "a", "b"),
  cmd("CLIENT", "KILL", "USER", "nobody"),
  cmd("CLIENT", "KILL", "USER", "default"),
  cmd("CLIENT", "LIST", "ID", "0", "-5"),
  cmd("CLIENT", "LIST", "ID", "1", "abc"),
  cmd("CLIENT", "LIST", "ID", "9999999999999999999"),
  cmd("SLOWLOG", "get", "1", "2"),
  cmd("SLOWLOG", "HELP"),
  cmd("CONFIG", "HELP"),
  cmd("SHUTDOWN", "NOSAVE", "SAVE"),
  cmd("SHUTDOWN", "ABORT", "NOW"),
  cmd("SHUTDOWN", "abort", "force"),
  cmd("SHUTDOWN", "ABORT"),
].join("");

// COMMAND GETKEYS's checks in getKeysSubcommandImpl's order; subcommands by their full names.
sessions["command getkeys and subcommand names"] = [
  cmd("COMMAND", "GETKEYS", "PING"),
  cmd("COMMAND", "GETKEYS", "PING", "x"),
  cmd("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "5", "x", "y"),
  cmd("COMMAND", "GETKEYS", "ZUNIONSTORE", "d"),
  cmd("COMMAND", "GETKEYS", "SET", "a"),
  cmd("COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"),
  cmd("COMMAND", "GETKEYS", "object", "encoding", "k"),
  cmd("COMMAND", "GETKEYS", "MEMORY", "nosuch", "k"),
  cmd("COMMAND", "GETKEYS", "MEMORY", "USAGE"),
  cmd("COMMAND", "GETKEYS", "OBJECT", "HELP", "x"),
  // Channels are NOT_KEY key specs: keyless for GETKEYS, though cluster mode routes on them.
  cmd("COMMAND", "GETKEYS", "SPUBLISH", "ch", "m"),
  cmd("COMMAND", "GETKEYSANDFLAGS", "SSUBSCRIBE", "a", "b"),
  cmd("COMMAND", "GETKEYS", "SUNSUBSCRIBE", "a"),
  cmd("COMMAND", "GETKEYS", "PUBLISH", "ch", "m"),
  cmd("COMMAND", "INFO", "config|get", "config|nosuch"),
  cmd("COMMAND", "DOCS", "nosuch|x"),
  cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "client|li*"),
  cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG|GET"),
].join("");

// Shoal has no latency monitor: Redis's replies with latency-monitor-threshold 0. FAILOVER's
// argument checks, then "requires connected replicas" on a lone master.
sessions["latency, failover, memory"] = [
  cmd("LATENCY", "LATEST"),
  cmd("LATENCY", "HISTORY", "command"),
  cmd("LATENCY", "HISTORY"),
  cmd("LATENCY", "RESET", "command", "x"),
  cmd("LATENCY", "DOCTOR"),
  cmd("LATENCY", "GRAPH", "command"),
  cmd("LATENCY", "HISTOGRAM", "nosuch"),
  cmd("LATENCY", "HELP"),
  cmd("LATENCY", "bogus"),
  cmd("FAILOVER"),
  cmd("FAILOVER", "ABORT"),
  cmd("FAILOVER", "ABORT", "x"),
  cmd("FAILOVER", "TO", "127.0.0.1", "x"),
  cmd("FAILOVER", "TIMEOUT", "0"),
  cmd("FAILOVER", "TIMEOUT", "10", "TIMEOUT", "10"),
  cmd("FAILOVER", "FORCE"),
  cmd("FAILOVER", "TO", "h"),
  cmd("MEMORY", "DOCTOR"),
  cmd("MEMORY", "PURGE"),
  cmd("MEMORY", "STATS", "x"),
].join("");

// ACL with only the default user: everything that reads it, and the refusals Redis gives.
sessions.acl = [
  cmd("ACL", "WHOAMI"),
  cmd("ACL", "CAT"),
  cmd("ACL", "CAT", "nosuch"),
  cmd("ACL", "CAT", "String", "x"),
  cmd("ACL", "LIST"),
  cmd("ACL", "USERS"),
  cmd("ACL", "GETUSER", "default"),
  cmd("ACL", "GETUSER", "Default"),
  cmd("ACL", "HELP"),
  cmd("ACL"),
  cmd("ACL", "WHOAMI", "x"),
  cmd("ACL", "DELUSER", "x"),
  cmd("ACL", "DELUSER", "x", "default"),
  cmd("ACL", "LOG", "abc"),
  cmd("ACL", "LOG", "1", "2"),
  cmd("ACL", "GENPASS", "0"),
  cmd("ACL", "GENPASS", "5000"),
  cmd("ACL", "GENPASS", "abc"),
  cmd("ACL", "DRYRUN", "default", "GET", "k"),
  cmd("ACL", "DRYRUN", "default", "GET"),
  cmd("ACL", "DRYRUN", "nobody", "GET", "k"),
  cmd("ACL", "DRYRUN", "default", "nosuchcmd"),
  cmd("ACL", "DRYRUN", "default", "client", "nosuch"),
  cmd("ACL", "DRYRUN", "default", "client", "list"),
  cmd("ACL", "DRYRUN", "default", "config", "get"),
  cmd("ACL", "SAVE"),
  cmd("ACL", "LOAD"),
  cmd("ACL", "NOSUCH"),
  cmd("HELLO", "3"),
  cmd("ACL", "GETUSER", "default"),
].join("");

// Failed AUTH/HELLO AUTH in ACL LOG: grouped by reason, context, object (argv[0] as sent) and
// user, newest first. Ages and client lines are per process.
sessions["acl log"] = [
  cmd("ACL", "LOG", "RESET"),
  cmd("HELLO", "3", "AUTH", "bob", "pw"),
  cmd("AUTH", "x", "y"),
  cmd("AUTH", "x", "y"),
  cmd("hello", "2", "auth", "Bob", "pw"),
  cmd("ACL", "LOG"),
  cmd("ACL", "LOG", "1"),
  cmd("ACL", "LOG", "-1"),
  cmd("ACL", "LOG", "RESET"),
  cmd("ACL", "LOG"),
].join("");

// MODULE with enable-module-command yes (the refusal is in the test of default settings below):
// nothing loads, nothing is loaded. PUBSUB HELP and its argument-count errors.
sessions["module and pubsub help"] = [
  cmd("MODULE", "LIST"),
  cmd("MODULE", "LIST", "x"),
  cmd("MODULE", "HELP"),
  cmd("MODULE", "LOAD", "/nonexistent.so"),
  cmd("MODULE", "LOADEX", "/nonexistent.so", "ARGS", "a"),
  cmd("MODULE", "UNLOAD", "foo"),
  cmd("MODULE", "bogus"),
  cmd("PUBSUB", "HELP"),
  cmd("PUBSUB", "CHANNELS", "a", "b"),
  cmd("PUBSUB", "SHARDCHANNELS", "a", "b"),
].join("");

// COMMAND INFO in RESP3: flags, categories, tips and key specs are sets, and so is an empty
// subcommand list (addReplyCommandInfo, 7.0).
sessions["command info in RESP3"] = [
  cmd("HELLO", "3"),
  cmd("COMMAND", "INFO", "echo", "config|get", "nosuch"),
].join("");

// SLOWLOG hides secrets as Redis does: AUTH's arguments, HELLO's AUTH pair, sensitive CONFIG
// SET values, MIGRATE's AUTH/AUTH2; long argument lists and strings are cut.
sessions["slowlog entries and redaction"] = [
  cmd("CONFIG", "SET", "slowlog-log-slower-than", "0"),
  cmd("SLOWLOG", "RESET"),
  cmd("CLIENT", "SETNAME", "slowname"),
  cmd("ECHO", "x".repeat(140)),
  cmd("DEL", ...Array.from({ length: 34 }, (_, i) => `k${i}`)),
  cmd("AUTH", "x", "y"),
  cmd("AUTH", "pw"),
  cmd("HELLO", "2", "AUTH", "default", "pw", "SETNAME"),
  cmd("CONFIG", "SET", "masteruser", "u", "requirepass", ""),
  cmd("MIGRATE", "127.0.0.1", "1", "k", "0", "10", "AUTH", "pw"),
  cmd("MIGRATE", "127.0.0.1", "1", "", "0", "10", "COPY", "AUTH2", "us", "pw", "KEYS", "a"),
  cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000"),
  cmd("SLOWLOG", "GET", "-1"),
  cmd("SLOWLOG", "RESET"),
].join("");

// Counts at the edges of a long (issue 12: HRANDFIELD with LONG_MIN ended the process). Redis
// refuses LONG_MIN where it negates a count (getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX))
// and counts whose doubled reply length would overflow. One-element containers keep replies free
// of hash order. (A negative count Redis accepts on an existing key, e.g. -2^62, makes Redis
// itself produce 2^62 replies: not sent here.)
sessions["counts that can't be negated or doubled"] = [
  cmd("HSET", "ec:h", "f", "v"),
  cmd("ZADD", "ec:z", "1", "m"),
  cmd("SADD", "ec:s", "m"),
  cmd("RPUSH", "ec:l", "a", "b", "a"),
  cmd("HRANDFIELD", "ec:h", "-9223372036854775808"),
  cmd("HRANDFIELD", "ec:h", "-9223372036854775808", "WITHVALUES"),
  cmd("HRANDFIELD", "ec:h", "-4611686018427387904", "WITHVALUES"),
  cmd("HRANDFIELD", "ec:h", "4611686018427387904", "WITHVALUES"),
  cmd("HRANDFIELD", "ec:h", "4611686018427387903", "WITHVALUES"),
  cmd("HRANDFIELD", "ec:h", "9223372036854775807"),
  cmd("HRANDFIELD", "ec:h", "9223372036854775808"),
  cmd("HRANDFIELD", "ec:nokey", "-9223372036854775807"),
  cmd("ZRANDMEMBER", "ec:z", "-9223372036854775808"),
  cmd("ZRANDMEMBER", "ec:z", "-4611686018427387904", "WITHSCORES"),
  cmd("ZRANDMEMBER", "ec:z", "9223372036854775807", "WITHSCORES"),
  cmd("SRANDMEMBER", "ec:s", "-9223372036854775808"),
  cmd("SRANDMEMBER", "ec:s", "9223372036854775807"),
  cmd("SPOP", "ec:nokey", "-9223372036854775808"),
  cmd("LPOS", "ec:l", "a", "RANK", "-9223372036854775808"),
  cmd("LPOS", "ec:l", "a", "RANK", "9223372036854775807"),
  cmd("LPOS", "ec:l", "a", "COUNT", "-9223372036854775808"),
  cmd("LPOS", "ec:l", "a", "COUNT", "9223372036854775807", "MAXLEN", "9223372036854775807"),
  cmd("LPOS", "ec:l", "a", "RANK", "-1", "COUNT", "0"),
  cmd("LPOS", "ec:l", "a", "MAXLEN", "-9223372036854775808"),
  cmd("LPOP", "ec:l", "-9223372036854775808"),
  cmd("LRANGE", "ec:l", "-9223372036854775808", "9223372036854775807"),
  cmd("DEL", "ec:h", "ec:z", "ec:s", "ec:l"),
].join("");

// Pub/sub pushes go out under CLIENT REPLY OFF/SKIP, every element of them (Redis's
// CLIENT_PUSHING); other replies, PING's and PUBLISH's included, don't. HELLO 3's own reply is
// dropped too, which keeps the per-process client id out of the bytes.
sessions["pushes under CLIENT REPLY OFF in RESP3"] = [
  cmd("CLIENT", "REPLY", "OFF"),
  cmd("HELLO", "3"),
  cmd("SUBSCRIBE", "ro:a", "ro:b"),
  cmd("PSUBSCRIBE", "ro:p*"),
  cmd("PING"),
  cmd("PUBLISH", "ro:a", "m1"),
  cmd("PUBLISH", "ro:pq", "m2"),
  cmd("UNSUBSCRIBE", "ro:a"),
  cmd("PUNSUBSCRIBE"),
  cmd("UNSUBSCRIBE"),
  cmd("UNSUBSCRIBE"),
  cmd("CLIENT", "REPLY", "ON"),
  cmd("CLIENT", "REPLY", "SKIP"),
  cmd("SSUBSCRIBE", "ro:s"),
  cmd("SUNSUBSCRIBE"),
  cmd("PING", "after"),
].join("");

sessions["pushes under CLIENT REPLY OFF in RESP2"] = [
  cmd("CLIENT", "REPLY", "OFF"),
  cmd("SUBSCRIBE", "ro:a"),
  cmd("PSUBSCRIBE", "ro:p*"),
  cmd("PING"),
  cmd("UNSUBSCRIBE"),
  cmd("PUNSUBSCRIBE"),
  cmd("CLIENT", "REPLY", "ON"),
].join("");

const protocolErrors: Record<string, string> = {
  "bulk length 2GB": "*1\r\n$2147483648\r\n",
  "negative bulk length": "*1\r\n$-5\r\n",
  "not a $": "*1\r\n:5\r\n",
  "bad multibulk length": "*abc\r\n",
  "multibulk too long": "*3000000000\r\n",
  "unbalanced quotes": 'PING "abc\r\n',
  // The offending byte comes back as the byte itself, not its UTF-8 encoding.
  "high byte where a bulk header belongs": "*1\r\n\xff5\r\n",
  "high byte in place of the second bulk header": "*2\r\n$4\r\nECHO\r\n\xe9\r\n",
  "reply then close": `${cmd("PING")}*1\r\nxx\r\n${cmd("PING")}`,
};

describe("byte-exact replies vs redis-server 7.0.15", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    [shoal, redis] = await Promise.all([
      startShoal(["--enable-module-command", "yes"]),
      startRedisServer({
        args: ["--enable-debug-command", "yes", "--enable-module-command", "yes"],
      }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  it("DEBUG and protected configs are refused by default, with Redis's errors", async () => {
    const [plainShoal, plainRedis] = await Promise.all([
      spawnServer({ command: [process.execPath, MAIN_JS], args: ["--save", ""] }),
      startRedisServer(),
    ]);
    try {
      const payload =
        cmd("DEBUG", "SLEEP", "0") +
        cmd("DEBUG", "DIGEST") +
        cmd("DEBUG", "RELOAD") +
        cmd("DEBUG", "LOADAOF") +
        cmd("DEBUG", "CHANGE-REPL-ID") +
        cmd("DEBUG", "PAUSE-CRON", "1") +
        cmd("DEBUG") +
        cmd("MODULE", "LOAD", "/nonexistent.so") +
        cmd("MODULE", "UNLOAD", "x") +
        cmd("MODULE", "LIST") +
        cmd("CONFIG", "GET", "enable-debug-command") +
        // Protected configs (Redis 7's enable-protected-configs no) and the immutable switches.
        cmd("CONFIG", "SET", "dir", "/tmp") +
        cmd("CONFIG", "SET", "dbfilename", "x.rdb") +
        cmd("CONFIG", "SET", "enable-protected-configs", "yes") +
        cmd("CONFIG", "SET", "enable-module-command", "yes") +
        cmd("CONFIG", "GET", "enable-protected-configs") +
        cmd("CONFIG", "GET", "enable-module-command");
      const [a, b] = await Promise.all([
        exchange(plainShoal.port, payload),
        exchange(plainRedis.port, payload),
      ]);
      expect(a).toBe(b);
      expect(a).toContain("-ERR DEBUG command not allowed.");
    } finally {
      await Promise.all([plainShoal.stop(), plainRedis.stop()]);
    }
  });

  for (const [name, payload] of Object.entries(sessions)) {
    it(name, async () => {
      const [a, b] = await Promise.all([
        exchange(shoal.port, payload),
        exchange(redis.port, payload),
      ]);
      expect(normalize(name, a)).toBe(normalize(name, b));
    });
  }

  for (const [name, payload] of Object.entries(protocolErrors)) {
    it(`protocol error: ${name}`, async () => {
      const [a, b] = await Promise.all([
        exchange(shoal.port, payload, true),
        exchange(redis.port, payload, true),
      ]);
      expect(a).toBe(b);
      expect(a).toContain("-ERR Protocol error");
    });
  }

  it("COMMAND INFO: arity, flags, key positions, categories, tips and key specs as Redis's", async () => {
    // Shoal's own and 7.2's additions aside; subcommand lists are in Redis's dict order (random
    // per process): command-docs.test.ts compares them.
    const own = new Set(["cluster|myshardid"]);
    const parse = (b: string, i: number): [unknown, number] => {
      const e = b.indexOf("\r\n", i);
      const line = b.slice(i + 1, e);
      const p = e + 2;
      if (b[i] === "$")
        return Number(line) < 0 ? [null, p] : [b.slice(p, p + Number(line)), p + Number(line) + 2];
      if (b[i] !== "*") return [line, p];
      const out: unknown[] = [];
      let q = p;
      for (let k = 0; k < Number(line); k++) {
        const [v, next] = parse(b, q);
        out.push(v);
        q = next;
      }
      return [out, q];
    };
    const names = parse(await exchange(shoal.port, cmd("COMMAND", "LIST")), 0)[0] as string[];
    const fields = async (port: number) => {
      const text = await exchange(port, names.map((n) => cmd("COMMAND", "INFO", n)).join(""));
      const out: string[] = [];
      for (let i = 0; i < text.length; ) {
        const [v, next] = parse(text, i);
        const info = (v as (unknown[] | null)[])[0] ?? null;
        out.push(info === null ? "null" : JSON.stringify(info.slice(0, 9)));
        i = next;
      }
      return out;
    };
    const [a, b] = await Promise.all([fields(shoal.port), fields(redis.port)]);
    const differ = names
      .filter((n, i) => !own.has(n) && a[i] !== b[i])
      .map((n) => `${n}: ${a[names.indexOf(n)]} vs ${b[names.indexOf(n)]}`);
    expect(differ).toEqual([]);
    expect(names.length).toBeGreaterThan(200);
  });

  // movablekeys is derived from where a command's keys are found (getKeys), as Redis derives it
  // from its key specs: the flagged commands must be Redis's, and COMMAND GETKEYS must find the
  // same keys in each, including where numkeys is off and Redis finds none.
  it("COMMAND INFO movablekeys: Redis's commands, and COMMAND GETKEYS agrees for each", async () => {
    const list = async (port: number) =>
      (await exchange(port, cmd("COMMAND", "LIST")))
        .split("\r\n")
        .filter((_, i, all) => all[i - 1]?.startsWith("$"));
    // A flag is a "+name" line in RESP2; no other part of COMMAND INFO reads "+movablekeys".
    const movable = async (port: number) => {
      const out: string[] = [];
      for (const n of await list(port))
        if ((await exchange(port, cmd("COMMAND", "INFO", n))).includes("+movablekeys\r\n"))
          out.push(n);
      return out.sort();
    };
    const shoalMovable = await movable(shoal.port);
    const redisAll = await movable(redis.port);
    const shoalNames = new Set((await exchange(shoal.port, cmd("COMMAND", "LIST"))).split("\r\n"));
    expect(shoalMovable).toEqual(redisAll.filter((n) => shoalNames.has(n)));
    expect(shoalMovable).toEqual(
      expect.arrayContaining(["migrate", "zunionstore", "blmpop", "bzmpop", "sintercard"]),
    );
    const getkeys = [
      ["MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS", "a", "b"],
      ["MIGRATE", "127.0.0.1", "1", "k", "0", "10"],
      ["LMPOP", "2", "a", "b", "LEFT"],
      ["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"],
      ["LMPOP", "0", "a", "LEFT"],
      ["SINTERCARD", "2", "a", "b", "LIMIT", "1"],
      ["SINTERCARD", "x", "a"],
      ["ZMPOP", "2", "a", "b", "MIN"],
      ["BZMPOP", "0", "1", "a", "MAX"],
      ["ZUNION", "2", "a", "b", "WITHSCORES"],
      ["ZINTER", "1", "a"],
      ["ZDIFF", "2", "a", "b"],
      ["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"],
      ["ZINTERSTORE", "d", "1", "a"],
      ["ZDIFFSTORE", "d", "2", "a", "b"],
      ["ZUNIONSTORE", "d", "5", "a", "b"],
      ["ZINTERCARD", "2", "a", "b"],
    ]
      .map((c) => cmd("COMMAND", "GETKEYS", ...c))
      .join("");
    const [a, b] = await Promise.all([
      exchange(shoal.port, getkeys),
      exchange(redis.port, getkeys),
    ]);
    expect(a).toBe(b);
    expect(b).toContain("*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  });

  it("DEBUG SET-ACTIVE-EXPIRE reads its argument with atoi: abc turns active expiry off", async () => {
    const both = (payload: string) =>
      Promise.all([exchange(shoal.port, payload), exchange(redis.port, payload)]);
    await both(
      cmd("FLUSHALL") + cmd("DEBUG", "SET-ACTIVE-EXPIRE", "abc") + cmd("SET", "ae", "v", "PX", "1"),
    );
    await new Promise((r) => setTimeout(r, 400)); // several cron runs at hz 10
    const [a, b] = await both(cmd("INFO", "keyspace"));
    expect(a).toBe(b);
    expect(a).toContain("db0:keys=1,expires=1");
    await both(cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1") + cmd("FLUSHALL"));
  });

  it("MEMORY STATS: Redis's field names in Redis's order", async () => {
    const names = async (port: number) => {
      const text = await exchange(port, cmd("SET", "ms-k", "v") + cmd("MEMORY", "STATS"));
      // Keys are the bulk strings in name position: every other element of the top-level map.
      const parts = text.split("\r\n");
      return parts.filter(
        (p, i) =>
          parts[i - 1]?.startsWith("$") &&
          /^[a-z][a-z.-]*\.?[a-z-]*/.test(p) &&
          Number.isNaN(Number(p)),
      );
    };
    const [a, b] = await Promise.all([names(shoal.port), names(redis.port)]);
    expect(a).toEqual(b);
    expect(a).toContain("overhead.hashtable.slot-to-keys");
    await Promise.all([shoal.port, redis.port].map((p) => exchange(p, cmd("DEL", "ms-k"))));
  });

  it("INFO: every section has Redis's field names in Redis's order", async () => {
    // Shoal's own additions (node_*, shoal_version) and Redis 7.2's limit counters aside.
    const extra = /^(node_\w+|shoal_version|client_\w+_buffer_limit_disconnections)$/;
    const names = async (port: number, section: string, drop: RegExp | null) => {
      const text = await exchange(port, cmd("INFO", section));
      return text
        .split("\r\n")
        .filter((l) => l.includes(":") && !l.startsWith("$"))
        .map((l) => l.slice(0, l.indexOf(":")))
        .filter((n) => drop === null || !drop.test(n));
    };
    for (const section of [
      "server",
      "clients",
      "memory",
      "persistence",
      "stats",
      "replication",
      "cpu",
      "cluster",
    ]) {
      const [a, b] = await Promise.all([
        names(shoal.port, section, extra),
        names(redis.port, section, null),
      ]);
      expect({ section, fields: a }).toEqual({ section, fields: b });
    }
  });

  it("the server is still up after the bad input", async () => {
    expect(await exchange(shoal.port, cmd("PING"))).toBe("+PONG\r\n");
  });
});

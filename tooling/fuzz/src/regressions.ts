// Every bug the fuzzer found, as the minimal step list that showed it (RESP2 or RESP3). The
// test suite replays each against both servers and expects agreement; the names say what broke.
import type { Step } from "./generate.js";

export interface Regression {
  name: string;
  proto: 2 | 3;
  steps: Step[];
}

const step = (...cmds: string[][]): Step => ({ name: cmds[0]![0]!.toLowerCase(), cmds });

/** redis-server 7.0.15's DUMP of "" (type 0, length 0, RDB version 10, CRC-64), latin1. */
const EMPTY_STRING_DUMP = "\x00\x00\n\x00]\x9b\\@\x0f\x7f\xa2\xda";

export const REGRESSIONS: Regression[] = [
  {
    name: "fuzz: COMMAND LIST FILTERBY PATTERN [a- crashed the node (the glob was compiled as a RegExp)",
    proto: 2,
    steps: [
      step(["COMMAND", "LIST", "FILTERBY", "PATTERN", "[a-"]),
      step(["COMMAND", "LIST", "FILTERBY", "PATTERN", "z[a-c]*"]),
    ],
  },
  {
    name: "fuzz: SELECT/MOVE/COPY ... DB with a long outside int answered 'not an integer' instead of Redis's range text",
    proto: 3,
    steps: [
      step(["SELECT", "9223372036854775806"]),
      step(["SELECT", "9223372036854775808"]),
      step(["MOVE", "big", "-9223372036854775808"]),
      step(["COPY", "ttl", "float", "DB", "9223372036854775807", "REPLACE"]),
      step(["SWAPDB", "0", "2147483648"]),
    ],
  },
  {
    name: "fuzz: CONFIG SET errors quoted the parameter as typed, Redis quotes it lowercased",
    proto: 3,
    steps: [
      step(["CONFIG", "SET", "SeT-max-iNtSeT-EnTrIes", "-5"]),
      step(["CONFIG", "SET", "HASH-MAX-ZIPLIST-ENTRIES", "-1"]),
      step(["CONFIG", "SET", "Lfu-log-factor", "1", "lfu-LOG-factor", "2"]),
    ],
  },
  {
    name: "fuzz: integers above 2^53 (CLIENT UNBLOCK/LIST ID, SLOWLOG GET, ACL GENPASS, WAIT, FAILOVER) were refused as not integers",
    proto: 2,
    steps: [
      step(["CLIENT", "UNBLOCK", "9223372036854775806", "TIMEOUT"]),
      step(["CLIENT", "LIST", "ID", "-2147483649", "9223372036854775807"]),
      step(["SLOWLOG", "GET", "4611686018427387904"]),
      step(["ACL", "GENPASS", "-9223372036854775808"]),
      step(["WAIT", "4611686018427387904", "-1"]),
      step(["FAILOVER", "TO", "nx", "9223372036854775807", "TIMEOUT", "100"]),
    ],
  },
  {
    name: "fuzz: a rejected EXEC (RESP2 subscribed context, no MULTI) answered the plain error, Redis answers EXECABORT",
    proto: 2,
    steps: [
      step(["SUBSCRIBE", "c"]),
      step(["MULTI"]),
      step(["EXEC"]),
      step(["UNSUBSCRIBE"]),
      step(["MULTI"], ["EXEC", "x"], ["GET", "str"]),
    ],
  },
  {
    name: "fuzz: BLMOVE/BRPOPLPUSH timing out answered a null bulk (RESP2 $-1), Redis a null array (*-1)",
    proto: 2,
    steps: [
      step(["BRPOPLPUSH", "missing", "dst", "0.01"]),
      step(["BLMOVE", "missing", "list", "LEFT", "left", "0.001"]),
      step(["MULTI"], ["BLMOVE", "missing", "list", "LEFT", "LEFT", "0.01"], ["EXEC"]),
    ],
  },
  {
    name: "fuzz: HELLO AUTH <bad password> SETNAME <bad name> answered the name error before WRONGPASS",
    proto: 3,
    steps: [
      step(["HELLO", "3", "auth", "fuzzuser", "", "seTNAme", "x\ny"]),
      step(["HELLO", "3", "SETNAME", "a b"]),
    ],
  },
  {
    name: "fuzz: CLIENT KILL ID <not a number> with an odd argument count answered syntax error before the ID error",
    proto: 2,
    steps: [
      step(["CLIENT", "KILL", "ID", "id", "0"]),
      step(["CLIENT", "KILL", "TYPE", "TYPE", "pubsub"]),
      step(["CLIENT", "KILL", "ID", "0", "x"]),
    ],
  },
  {
    name: "fuzz: MIGRATE to port 99999999999999999999 (glibc atoi: -1) answered 'writing to target', Redis 'connecting'",
    proto: 3,
    steps: [
      step([
        "MIGRATE",
        "127.0.0.1",
        "99999999999999999999",
        "",
        "1",
        "10",
        "REPLACE",
        "KEYS",
        "int",
      ]),
    ],
  },
  {
    name: "fuzz: CLIENT PAUSE <bad timeout> <bad mode> answered the timeout error, Redis reads the mode first",
    proto: 2,
    steps: [
      step(["CLIENT", "PAUSE", "abc", "x"], ["CLIENT", "UNPAUSE"]),
      step(["CLIENT", "PAUSE", "-1", "read"], ["CLIENT", "UNPAUSE"]),
      step(["CLIENT", "PAUSE", "-9223372036854775808", "WRITE"], ["CLIENT", "UNPAUSE"]),
      step(["CLIENT", "PAUSE", "1.5", "all"], ["CLIENT", "UNPAUSE"]),
    ],
  },
  {
    name: "fuzz: after CONFIG SET set-max-intset-entries 0 / hash-max-listpack-entries 2 an existing intset or listpack hash read as hashtable before its next added member",
    proto: 2,
    steps: [
      step(["CONFIG", "SET", "set-max-intset-entries", "0", "hash-max-listpack-entries", "2"]),
      step(["SADD", "set", "1"], ["SREM", "set", "2"], ["HDEL", "hash", "f4"]),
      step(["OBJECT", "ENCODING", "set"], ["OBJECT", "ENCODING", "hash"]),
      step(["COPY", "set", "set2"], ["OBJECT", "ENCODING", "set2"]),
      step(["HSET", "hash", "f1", "v1"], ["OBJECT", "ENCODING", "hash"]),
      step(["SADD", "set2", "9"], ["OBJECT", "ENCODING", "set2"]),
      step(["SADD", "new", "1"], ["OBJECT", "ENCODING", "new"]),
      step(["SINTERSTORE", "inter", "set", "set"], ["OBJECT", "ENCODING", "inter"]),
      step(["CONFIG", "SET", "set-max-intset-entries", "512"], ["OBJECT", "ENCODING", "inter"]),
    ],
  },
  {
    name: "fuzz: an error ending in an argument's CR/LF (PEXPIRE k 0 \\r\\n, REPLCONF \\r\\n) kept them as spaces, Redis trims them (addReplyErrorFormat); DEBUG ERROR does not",
    proto: 3,
    steps: [
      step(["PEXPIRE", "str", "0", "\r\n"]),
      step(["PEXPIRE", "str", "0", "\r\nab\r"]),
      step(["REPLCONF", "\r\n", "c"]),
      step(["DEBUG", "ERROR", "ab\r\n"]),
    ],
  },
  {
    name: "fuzz: CONFIG SET of a memory value '' or 'kb' was refused, a negative one answered the range text (memtoull: no sign, digits optional)",
    proto: 2,
    steps: [
      step(["CONFIG", "SET", "hash-max-listpack-value", ""]),
      step(["CONFIG", "GET", "hash-max-listpack-value"]),
      step(["CONFIG", "SET", "zset-max-listpack-value", "kb"]),
      step(["CONFIG", "SET", "zset-max-listpack-value", "-2147483649"]),
      step(["CONFIG", "SET", "zset-max-listpack-value", "20000000000000000000k"]),
      step(["CONFIG", "SET", "zset-max-listpack-value", "18446744073709551615"]),
      step(["CONFIG", "SET", "zset-max-listpack-value", "1K"]),
      step(["CONFIG", "GET", "zset-max-listpack-value"]),
    ],
  },
  {
    name: "fuzz: HELLO parsed every option before acting; Redis authenticates at AUTH and names at SETNAME as it reads them (WRONGPASS before a later syntax error, a name kept after one)",
    proto: 2,
    steps: [
      step(["HELLO", "3", "AUTH", "fuzzuser", "", "SETNAME", "", ""]),
      step(["HELLO", "3", "SETNAME", "zzz", "bogus"], ["CLIENT", "GETNAME"]),
      step(["HELLO", "3", "SETNAME", "a b", "AUTH", "fuzzuser", "x"]),
      step(["HELLO", "2", "AUTH", "default", "x", "SETNAME", "yyy", "x"], ["CLIENT", "GETNAME"]),
    ],
  },
  {
    name: "fuzz: OBJECT REFCOUNT of a COPY of a shared integer answered 2147483647, Redis's dupStringObject makes a new object (1)",
    proto: 3,
    steps: [
      step(["COPY", "int", "list", "REPLACE"], ["OBJECT", "REFCOUNT", "list"]),
      step(["OBJECT", "ENCODING", "list"], ["OBJECT", "REFCOUNT", "int"]),
    ],
  },
  {
    name: "fuzz: a SCAN cursor with a NUL byte or empty was refused; strtoul reads up to the NUL (cursor 0), then HSCAN/ZSCAN check the type",
    proto: 3,
    steps: [
      step(["SCAN", "\0"]),
      step(["SCAN", "0\0x", "COUNT", "100"]),
      step(["HSCAN", "set", "\0", "MATCH", "[^s]*"]),
      step(["ZSCAN", "bighash", "", "MATCH", "*\0*"]),
      step(["SSCAN", "set", "\0abc"]),
    ],
  },
  {
    name: "fuzz: CONFIG SET <name> <bad value> <name> <value> answered the value error; Redis checks every name (duplicate parameter) before any value",
    proto: 3,
    steps: [
      step(["CONFIG", "SET", "ZSET-MAX-LISTPACK-ENTRIES", "", "zsET-Max-lIStpAck-eNtRIEs", "0"]),
      step(["CONFIG", "SET", "lfu-log-factor", "abc", "nosuch", "1"]),
      step(["CONFIG", "SET", "lfu-log-factor", "abc", "daemonize", "no"]),
    ],
  },
  {
    name: "fuzz: REPLCONF's unknown option error quoted the option lowercased, Redis as typed",
    proto: 3,
    steps: [step(["REPLCONF", "Inf", "f1"]), step(["REPLCONF", "LISTENING-PORT", "abc"])],
  },
  {
    name: "fuzz: GETRANGE/SUBSTR k -9223372036854775807 -9223372036854775808 answered the first byte (two int64s, one double); Redis compares them exactly",
    proto: 3,
    steps: [
      step(["SUBSTR", "neg", "-9223372036854775807", "-9223372036854775808"]),
      step(["GETRANGE", "str", "-9223372036854775808", "-9223372036854775807"]),
    ],
  },
  {
    name: "fuzz: CONFIG SET of a parameter and its alias (hash-max-listpack-entries, hash-max-ziplist-entries) answered duplicate parameter; an alias is its own config entry in Redis 7.0",
    proto: 2,
    steps: [
      step([
        "CONFIG",
        "SET",
        "hash-max-listpack-entries",
        "2147483648",
        "hasH-mAX-ZiPliST-entRIEs",
        "2mb",
      ]),
      step(["CONFIG", "SET", "hash-max-listpack-entries", "64", "hash-max-ziplist-entries", "100"]),
      step(["CONFIG", "GET", "hash-max-listpack-entries"]),
      step(["CONFIG", "SET", "hash-max-ziplist-entries", "1", "HASH-max-ziplist-entries", "2"]),
    ],
  },
  {
    name: "fuzz: FLUSHDB/FLUSHALL/SWAPDB failed the EXEC of a client watching keys that did not exist; Redis's touchAllWatchedKeysInDb touches only keys that were there",
    proto: 3,
    steps: [
      step(["SELECT", "5"], ["WATCH", "zset", "bighash"], ["FLUSHDB", "ASYNC"]),
      step(["MULTI"], ["TYPE", "dst"], ["EXEC"]),
      step(["SELECT", "0"], ["WATCH", "missing", "str"], ["SELECT", "6"], ["FLUSHALL"]),
      step(["MULTI"], ["PING"], ["EXEC"]),
      step(["SELECT", "0"], ["SET", "a", "1"], ["WATCH", "missing"], ["SWAPDB", "0", "9"]),
      step(["MULTI"], ["PING"], ["EXEC"]),
      step(["SELECT", "9"], ["WATCH", "a"], ["SWAPDB", "9", "3"]),
      step(["MULTI"], ["PING"], ["EXEC"]),
    ],
  },
  {
    name: "fuzz: RESTORE k 9223372036854775807 <payload> REPLACE created the key; Redis's ttl += mstime() wraps negative, so the key is already expired (deleted, OK)",
    proto: 3,
    steps: [
      step(["RESTORE", "float", "9223372036854775807", EMPTY_STRING_DUMP, "REPLACE"]),
      step(["EXISTS", "float"], ["DBSIZE"]),
      step(["RESTORE-ASKING", "list", "9223372036854775806", EMPTY_STRING_DUMP, "REPLACE"]),
      step(
        ["HSETNX", "list", "f", "v"],
        ["RESTORE", "new", "9223372036854775807", EMPTY_STRING_DUMP],
      ),
      step(["EXISTS", "new"], ["DBSIZE"]),
    ],
  },
  {
    name: "fuzz: DEBUG RELOAD kept the WATCH of keys that were there; Redis empties the data first (signalFlushedDb), so their EXEC fails",
    proto: 2,
    steps: [
      step(["WATCH", "float"], ["DEBUG", "RELOAD"]),
      step(["MULTI"], ["PING"], ["EXEC"]),
      step(["WATCH", "missing"], ["DEBUG", "RELOAD"]),
      step(["MULTI"], ["PING"], ["EXEC"]),
    ],
  },
  {
    name: "fuzz: DEBUG RELOAD after PEXPIREAT k 9223372036854775806 answered -ERR (the double 2^63 written as an int64); the time is written as LLONG_MAX",
    proto: 3,
    steps: [
      step(["PEXPIREAT", "empty-named", "9223372036854775806", "LT"]),
      step(["DEBUG", "RELOAD"], ["EXISTS", "empty-named"]),
      step(["PEXPIRETIME", "empty-named"]),
    ],
  },
  {
    name: "fuzz: CLIENT KILL TYPE <non-UTF-8 byte> quoted the type as U+FFFD; Redis quotes the bytes as sent",
    proto: 2,
    steps: [step(["CLIENT", "KILL", "TYPE", "\xe9"]), step(["CLIENT", "KILL", "TYPE", "x\xff"])],
  },
  {
    name: 'fuzz: the pattern * matched the empty channel; Redis\'s stringmatchlen never matches "" but for the pattern "" (KEYS/SCAN short-circuit * first)',
    proto: 3,
    steps: [
      step(["PSUBSCRIBE", "*", "", "?*"]),
      step(["PUBLISH", "", "x"]),
      step(["SUBSCRIBE", ""], ["PUBSUB", "CHANNELS", "*"], ["PUBSUB", "CHANNELS", ""]),
      step(["RESET"], ["SET", "", "v"]),
      step(["KEYS", "*"]),
      step(["SCAN", "0", "MATCH", "*", "COUNT", "100"]),
    ],
  },
  {
    name: "fuzz: DEBUG RELOAD after CONFIG SET hash-max-listpack-value 0 turned a listpack hash (or zset) into a hashtable; Redis converts a loaded listpack only past the entries limit",
    proto: 2,
    steps: [
      step(["CONFIG", "SET", "hash-max-listpack-value", "0", "zset-max-listpack-value", "0"]),
      step(["DEBUG", "RELOAD"]),
      step(["OBJECT", "ENCODING", "hash"], ["OBJECT", "ENCODING", "zset"]),
      step(["CONFIG", "SET", "hash-max-listpack-entries", "2", "zset-max-listpack-entries", "2"]),
      step(["DEBUG", "RELOAD"]),
      step(["OBJECT", "ENCODING", "hash"], ["OBJECT", "ENCODING", "zset"]),
    ],
  },
  {
    name: "fuzz: SORT of an intset by equal ALPHA BY values (or BY nosort) kept insertion order, STORE too; Redis loads an intset ascending (seed 1612 batch 240: SORT set BY s* ALPHA STORE hash)",
    proto: 2,
    steps: [
      step(["SADD", "set", "10", "-7"]),
      step(["SORT", "set", "BY", "s*", "ALPHA", "STORE", "hash"]),
      step(["SORT", "set", "BY", "nosort"]),
      step(["SORT_RO", "set", "BY", "nosort", "DESC", "LIMIT", "0", "3"]),
      step(["SORT", "set", "BY", "s*", "ALPHA", "LIMIT", "1", "2", "STORE", "dst"]),
    ],
  },
  {
    name: "fuzz: an intset iterated in insertion order (SMEMBERS, SSCAN, SINTER/SUNION/SDIFF and their STORE forms); Redis's intset is ascending, now compared exactly; and XADD k \"*\\0*\" with an odd field/value count answered an invalid ID, not Redis's arity error",
    proto: 3,
    steps: [
      step(["SADD", "iset", "3", "1", "2", "-5"]),
      step(["SMEMBERS", "iset"]),
      step(["SSCAN", "iset", "0"]),
      step(["SINTER", "iset", "iset"]),
      step(["SUNIONSTORE", "iu", "iset", "nokey"]),
      step(["SMEMBERS", "iu"]),
      step(["SADD", "iset", "0", "-9223372036854775808"]),
      step(["SUNION", "iset", "iu"]),
      step(["SDIFF", "iset", "iu"]),
      step(["SRANDMEMBER", "iset", "10"]),
      step([
        "XADD",
        "*a*",
        "*\x00*",
        "MAXLEN",
        "~",
        "[",
        "a",
        "\xff\xfe\xfd",
        "d",
        "1700000000000-*",
        "a",
        "nx",
        "d",
        "3",
      ]),
    ],
  },
  {
    name: "fuzzer: SORT ... BY <pattern> ALPHA STORE of a hashtable set or a sorted set stores equal-keyed members in hash-table order (sort-hash-order): the stored lists are compared as elements, then deleted, not left to the digest",
    proto: 3,
    steps: [
      step(["SORT", "sset", "BY", "nosuch_*", "ALPHA", "STORE", "big"]),
      step(["SORT", "zset", "BY", "*a*", "ALPHA", "DESC", "STORE", "bigset"]),
      step(["SORT", "bigset", "BY", "s*", "ALPHA", "LIMIT", "0", "2", "STORE", "dst"]),
    ],
  },
  {
    name: "fuzz: EVALSHA checked numkeys before its SHA's length (Redis answers NOSCRIPT first), and EVAL's numkeys took 19-digit numbers past int64",
    proto: 3,
    steps: [
      step(["EVALSHA", "h1", "6", "d"]),
      step(["EVALSHA_RO", "a", "1.0"]),
      step(["EVALSHA", "0123456789012345678901234567890123456789", "x"]),
      step(["EVAL", "d", "9223372036854775808", "c"]),
      step(["EVAL_RO", "+", "-9223372036854775809"]),
      step(["EVAL", "return 1", "-9223372036854775808"]),
    ],
  },
  {
    name: "fuzz: FUNCTION LIST's unknown-argument error trimmed CR/LF at its end; Redis's addReplyErrorSdsSafe only maps them to spaces",
    proto: 2,
    steps: [step(["FUNCTION", "LIST", "\r\n"]), step(["FUNCTION", "LIST", "a\rb\n"])],
  },
  {
    name: "fuzz: FCALL looked functions up case-sensitively (seed 297714529 batch 1: FCALL F1 was 'Function not found'); Redis's function dict compares names with strcasecmp",
    proto: 3,
    steps: [
      step(["FCALL", "F1", "1"]),
      step(["FCALL_RO", "F1", "1", "str"]),
      step([
        "FUNCTION",
        "LOAD",
        "#!lua name=upper\nredis.register_function('F2', function() return 1 end)",
      ]),
    ],
  },
  {
    name: "fuzz: PFDEBUG's unknown-subcommand error re-encoded the argument as UTF-8 (seed 297714529 batch 627)",
    proto: 3,
    steps: [step(["PFDEBUG", "\xff\xfe\xfd", "hll"])],
  },
  {
    name: "fuzz: a consumer group's lag past 2^53 was rounded (seed 2361132174 batch 71)",
    proto: 2,
    steps: [
      step(["XGROUP", "CREATE", "stream", "nosuch", "5-1", "ENTRIESREAD", "4611686018427387904"]),
      step(["XINFO", "GROUPS", "stream"]),
    ],
  },
  {
    name: "fuzz: ENTRIESREAD/ENTRIESADDED past 2^53 were held as doubles (seed 129032379 batch 111: 9223372036854775806 came back as 2^63)",
    proto: 3,
    steps: [
      step([
        "XGROUP",
        "CREATE",
        "bigzset",
        "g",
        "2-0",
        "MKSTREAM",
        "ENTRIESREAD",
        "9223372036854775806",
      ]),
      step(["XINFO", "GROUPS", "bigzset"]),
      step(["XSETID", "stream", "2-0", "ENTRIESADDED", "9223372036854775807"]),
      step(["XADD", "stream", "3-0", "f", "v"]),
      step(["XINFO", "STREAM", "stream"]),
    ],
  },
  {
    name: "fuzz: SORT of a listpack sorted set kept packed after DEBUG RELOAD left it a listpack (its expansion undid zsetConvert; seed 542128935 batch 1281)",
    proto: 3,
    steps: [
      step(["DEBUG", "RELOAD"]),
      step(["SORT_RO", "geo", "BY", "[", "LIMIT", "-1000000", "3", "ALPHA"]),
    ],
  },
];

export { step };

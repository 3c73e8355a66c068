// Values by argument name for the commands whose arguments edge values almost never make valid:
// stream IDs, consumer groups, Lua scripts and their SHA1s, function libraries, longitudes and
// latitudes, bit offsets, BITFIELD encodings. Drawn from COMMAND DOCS names, the command saying
// which pool a shared name ("id", "offset", "member") means. Without them nine in ten stream,
// geo and scripting steps were refused at the first argument (EVAL: a compile error, FCALL: no
// such function, XRANGE: an invalid ID), so the code past argument parsing was never compared.
import { createHash } from "node:crypto";
import type { Random } from "@shoal/sim";
import { pick } from "./values.js";

// Mostly valid IDs (a command with two IDs is refused when either is not), some of each
// special form, a few invalid.
// biome-ignore format: a pool reads best as a table
const STREAM_IDS = [
  "0", "0-0", "0-1", "1-1", "1-2", "1-3", "2-0", "2-1", "3", "5-1", "1700000000000-0",
  "18446744073709551615-18446744073709551615", "1-18446744073709551615", "$", ">", "*",
  "(1-1", "1-", "-1", "abc",
];
// biome-ignore format: a pool reads best as a table
const RANGE_STARTS = ["-", "-", "0", "1-1", "1-2", "(1-1", "2", "0-1", "1700000000000-0", "(0", "abc"];
// biome-ignore format: a pool reads best as a table
const RANGE_ENDS = ["+", "+", "2-0", "1-2", "(2-0", "1", "18446744073709551615-18446744073709551615", "(1-1", "-"];

// Never a small positive idle time: the PEL entries setup made are a few ms old on each server,
// and whether one is older than 10 ms is timing.
const MIN_IDLE = ["0", "3600000", "-1", "abc", "9223372036854775807"];

/** Lua scripts for EVAL/EVAL_RO/SCRIPT LOAD: each ends on its own; none reads a hash-table order. */
// biome-ignore format: a pool reads best as a table
const SCRIPTS = [
  "return 1",
  "return {1, 2, {3, 'x'}, 'y'}",
  "return redis.call('get', KEYS[1])",
  "return redis.call('set', KEYS[1], ARGV[1])",
  "return redis.pcall('incr', KEYS[1])",
  "return redis.call('lrange', KEYS[1], 0, -1)",
  "return redis.call('zrange', KEYS[1], 0, -1, 'withscores')",
  "return redis.call('xrange', KEYS[1], '-', '+')",
  "return redis.call('hget', KEYS[1], ARGV[1])",
  "return redis.call('type', KEYS[1])",
  "return redis.call('exists', KEYS[1], KEYS[2])",
  "return redis.call('del', KEYS[1])",
  "return redis.call('incrbyfloat', KEYS[1], ARGV[1])",
  "return redis.call('zscore', KEYS[1], 'a')",
  "return redis.call('geopos', KEYS[1], 'Palermo', 'nosuch')",
  "return redis.call('geodist', KEYS[1], 'Palermo', 'Catania', 'km')",
  "return redis.call('pfadd', KEYS[1], 'a', 'z')",
  "return redis.call('xadd', KEYS[1], '5-1', 'f', 'v')",
  "return redis.call('object', 'encoding', KEYS[1])",
  "return redis.call('lpop', KEYS[1], 0)",
  "return redis.call('blpop', KEYS[1], 1)",
  "return redis.call('nosuchcommand')",
  "return redis.call('get')",
  "return redis.pcall('get')",
  "return redis.pcall('lpush', KEYS[1], 'x')",
  "return redis.call('eval', 'return 1', 0)",
  "return redis.call('multi')",
  "return redis.call('client', 'id')",
  "return redis.error_reply('my error')",
  "return redis.error_reply('-ERR my error')",
  "return redis.status_reply('FINE')",
  "return {err = 'custom'}",
  "return {ok = 'fine'}",
  "return 3.99",
  "return -0.5",
  "return 2^53 + 1",
  "return nil",
  "return false",
  "return true",
  "return {1, nil, 3}",
  "return #KEYS + #ARGV",
  "return ARGV",
  "return KEYS",
  "return tonumber(ARGV[1])",
  "return redis.sha1hex(ARGV[1] or '')",
  "return cjson.encode({1, 2, 'x'})",
  "return cjson.decode('[1,2,[3]]')",
  "return cmsgpack.unpack(cmsgpack.pack({1, 2, 'x'}))",
  "return bit.band(12, 10)",
  "return struct.pack('>I2', 258)",
  "return string.format('%d %s %.3f', 5, 'x', 1.5)",
  "local t = {} for i = 1, 5 do t[i] = i * i end return t",
  "error('boom')",
  "error({err = 'table error'})",
  "return x",
  "x = 1",
  "redis.setresp(3) return redis.call('zrange', KEYS[1], 0, 1, 'withscores')",
  "redis.setresp(3) return redis.call('incrbyfloat', KEYS[1], '0.5')",
  "redis.setresp(4)",
  "return redis.REDIS_VERSION",
  "redis.log(redis.LOG_WARNING, 'fuzz') return 1",
  "return redis.call('select', '1')",
  "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')",
  "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])",
  "#!lua\nreturn redis.call('get', KEYS[1])",
  "#!lua flags=allow-oom,no-cluster\nreturn 1",
  "#!lua name=x\nreturn 1",
  "#!nosuch\nreturn 1",
  "return (",
  "retrun 1",
];

const sha1 = (s: string) => createHash("sha1").update(s, "latin1").digest("hex");

/** Scripts setup loads with SCRIPT LOAD, so EVALSHA finds them. */
export const LOADED_SCRIPTS = [SCRIPTS[2]!, SCRIPTS[3]!, SCRIPTS[22]!];

const SHAS = [
  ...SCRIPTS.slice(0, 12).map(sha1),
  ...LOADED_SCRIPTS.map(sha1),
  sha1(LOADED_SCRIPTS[0]!).toUpperCase(),
  "nosuch",
  "0".repeat(40),
];

/** The libraries setup loads: FCALL finds f1 (a read, no-writes) and f2 (a write). */
export const SEED_LIBRARIES = [
  "#!lua name=seedlib\nredis.register_function{function_name='f1', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
  "#!lua name=seedlib2\nredis.register_function('f2', function(keys, args) return redis.call('set', keys[1], args[1]) end)",
];

// One function per library: FUNCTION LIST lists a library's functions in its dict's order.
// biome-ignore format: a pool reads best as a table
const LIBRARIES = [
  "#!lua name=lib1\nredis.register_function('g1', function(keys, args) return #keys end)",
  "#!lua name=lib2\nredis.register_function{function_name='g2', callback=function(keys, args) return redis.call('incr', keys[1]) end, description='incr'}",
  "#!lua name=lib3\nredis.register_function{function_name='g3', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}}",
  "#!lua name=seedlib\nredis.register_function('f1', function() return 'replaced' end)",
  "#!lua name=lib4\nredis.register_function('f1', function() return 1 end)",
  "#!lua name=bad1\nreturn 1",
  "#!lua name=bad2\nredis.call('ping')",
  "#!lua name=bad3\nredis.register_function('g', 5)",
  "#!lua name=bad4\nredis.register_function{function_name='g', callback=function() end, flags={'nosuch'}}",
  "#!lua\nredis.register_function('g', function() end)",
  "#!lua name=a b\nredis.register_function('g', function() end)",
  "#!lua name=bad5 x=1\nredis.register_function('g', function() end)",
  "#!nosuch name=bad6\nredis.register_function('g', function() end)",
  "#!lua name=bad7\nredis.register_function('g', function() end",
  "no shebang",
];

const FUNCTIONS = ["f1", "f2", "g1", "g2", "g3", "nosuch", "F1", ""];
const LIBRARY_NAMES = ["seedlib", "lib1", "lib2", "nosuch", ""];

const GEO_MEMBERS = ["Palermo", "Catania", "Rome", "Paris", "nosuch", "a"];
// biome-ignore format: a pool reads best as a table
const LONGITUDES = ["13.361389", "15.087269", "12.496366", "2.352222", "-180", "180", "180.0000001", "0", "-73.9857", "1e-5"];
// biome-ignore format: a pool reads best as a table
const LATITUDES = ["38.115556", "37.502669", "41.902782", "48.856613", "85.05112878", "-85.05112878", "85.06", "0", "40.7484", "-1e-5"];
const DISTANCES = ["0", "1", "100", "200", "1000", "5000", "0.5", "20000000", "-1"];

// biome-ignore format: a pool reads best as a table
const BIT_OFFSETS = ["0", "1", "7", "8", "15", "16", "100", "1000", "4294967295", "4294967296", "-1"];
// biome-ignore format: a pool reads best as a table
const BITFIELD_OFFSETS = ["0", "1", "8", "#0", "#1", "#2", "100", "-1", "#-1", "4294967295", "4294967296"];
// biome-ignore format: a pool reads best as a table
const ENCODINGS = ["i8", "u8", "i16", "u16", "i5", "u7", "i64", "u63", "u64", "i1", "u1", "i0", "x8", "i65", "I8"];

const STREAM_CMD = /^x/;
const GEO_CMD = /^geo/;
const PF_CMD = /^pf/;

/**
 * A value for argument `name` of `entry` ("xadd", "xgroup|create"), or undefined when the edge
 * pools fit. Draws from `r` only when a pool applies, so other commands' steps stay as they were.
 */
export function typedValue(
  r: Random,
  entry: string,
  name: string,
  type: string,
): string | undefined {
  const pool = typedPool(entry, name, type);
  if (pool === undefined || r() < 0.15) return undefined;
  return pick(r, pool);
}

function typedPool(entry: string, name: string, type: string): readonly string[] | undefined {
  if (type === "key") {
    if (STREAM_CMD.test(entry)) return ["stream", "stream", "stream2", "str"];
    if (GEO_CMD.test(entry)) return ["geo", "geo", "geo2", "zset"];
    if (PF_CMD.test(entry)) return ["hll", "hll", "hll2", "str"];
    return undefined;
  }
  if (STREAM_CMD.test(entry)) {
    switch (name) {
      case "start":
        return entry === "xautoclaim" || entry === "xpending"
          ? [...RANGE_STARTS, "0-0"]
          : RANGE_STARTS;
      case "end":
        return RANGE_ENDS;
      case "id":
      case "last-id":
      case "max_deleted_entry_id":
        return STREAM_IDS;
      case "threshold":
        return [...STREAM_IDS.slice(0, 10), "100", "2"];
      case "group":
      case "groupname":
        return ["g1", "g1", "g2", "nosuch"];
      case "consumer":
      case "consumername":
        return ["c1", "c2", "c3"];
      case "min-idle-time":
        return MIN_IDLE;
      case "ms":
        return ["0", "3600000", "-1"];
    }
    return undefined;
  }
  if (entry === "eval" || entry === "eval_ro" || entry === "script|load")
    return name === "script" ? SCRIPTS : undefined;
  if (entry === "evalsha" || entry === "evalsha_ro" || entry === "script|exists")
    return name === "sha1" ? SHAS : undefined;
  if (entry === "fcall" || entry === "fcall_ro") return name === "function" ? FUNCTIONS : undefined;
  if (entry === "function|load") return name === "function-code" ? LIBRARIES : undefined;
  if (entry === "function|delete") return name === "library-name" ? LIBRARY_NAMES : undefined;
  if (entry === "function|list")
    return name === "library-name-pattern" ? ["seed*", "*", "lib1", "x", "[a-z]*"] : undefined;
  if (GEO_CMD.test(entry)) {
    switch (name) {
      case "longitude":
        return LONGITUDES;
      case "latitude":
        return LATITUDES;
      case "radius":
      case "width":
      case "height":
        return DISTANCES;
      case "member":
      case "member1":
      case "member2":
        return GEO_MEMBERS;
    }
    return undefined;
  }
  if (entry === "setbit" || entry === "getbit")
    return name === "offset" ? BIT_OFFSETS : name === "value" ? ["0", "1", "2", "-1"] : undefined;
  if (entry === "bitpos") return name === "bit" ? ["0", "1", "2", "-1"] : undefined;
  if (entry === "bitop")
    return name === "operation" ? ["AND", "OR", "XOR", "NOT", "and", "not", "nand"] : undefined;
  if (entry === "bitfield" || entry === "bitfield_ro") {
    if (name === "encoding") return ENCODINGS;
    if (name === "offset") return BITFIELD_OFFSETS;
    return undefined;
  }
  return undefined;
}

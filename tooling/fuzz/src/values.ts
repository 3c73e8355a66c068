// The edge values arguments are drawn from, and the keys every batch starts with (one of every
// type Shoal has, in both encodings where Redis has two, a stream with a consumer group, a geo set,
// a HyperLogLog, plus missing, empty, binary and long keys).
import type { Random } from "@shoal/sim";

// biome-ignore format: a pool reads best as a table
export const INT_EDGES = [
  "0", "-1", "1", "2", "3", "10", "-2", "100",
  "2147483647", "2147483648", "-2147483648", "-2147483649", "2147483646", "4294967296",
  "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
  "9223372036854775806", "-9223372036854775807", "18446744073709551616", "18446744073709551615",
  "4611686018427387904", "-4611686018427387904", "1000000", "-1000000", "536870912",
  "00", "-0", "+1", "01", " 1", "1 ", "0x10", "1.0", "1e3", "",
];

// biome-ignore format: a pool reads best as a table
export const DOUBLE_EDGES = [
  "inf", "-inf", "+inf", "nan", "NaN", "Inf", "infinity", "-infinity", "1e308", "-1e308",
  "1e309", "1.7976931348623157e308", "4.9e-324", "1e-320", "0.1", "0.5", "-0.5", "1.5",
  "3.0000000000000001", "0", "-0", "+0", "0.0", "10", "-10", "1e3", "1E3", "0x10", " 1", "1 ",
  "", "abc", "1.", ".5", "5e", "17.5", "123456789012345678901234567890", "1e-5",
];

export const LONG_VALUE_BYTES = 70_000; // over 64 KiB

// biome-ignore format: a pool reads best as a table
const STRING_EDGES = [
  "", "a", "b", "c", "d", "x", "hello", "1", "2", "3", "-1", "1.5", "\x00", "\xff\xfe\xfd",
  "\xc3\x28", "\xe2\x82", "é", " ", "a b", "a\r\nb", "\r\n", "*", "?", "\\", "\"", "'",
  "[", "default", "nx", "xx", "get", "withscores", "limit", "count", "rev", "byscore", "bylex",
  "(1", "[a", "-", "+", "(", "(a", "[b", "-inf", "+inf",
];

// biome-ignore format: a pool reads best as a table
export const PATTERNS = [
  "*", "?", "*a*", "[a-z]*", "[^s]*", "\\*", "", "[", "[a-", "s*", "*t", "h?llo", "[\\]]",
  "*\x00*", "**", "?*?*?*?*?*?*?*?*a", "z*",
];

/** Key name -> how setup creates it (db 0 unless noted). */
// biome-ignore format: a pool reads best as a table
export const SEEDED_KEYS = [
  "str", "int", "float", "neg", "big", "list", "biglist", "set", "sset", "bigset", "zset",
  "bigzset", "hash", "bighash", "ttl", "empty-named", "stream", "geo", "hll",
];
export const MISSING_KEYS = ["missing", "missing2", "", "\xff\x00k", "k{t}", "dst"];

function seq(prefix: string, n: number, interleave = true): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (interleave) out.push(String(i));
    out.push(`${prefix}${i}`);
  }
  return out;
}

/** Setup commands (after FLUSHALL, in db 0) that create every seeded key. */
export function setupCommands(): string[][] {
  return [
    ["SET", "str", "hello"],
    ["SET", "int", "42"],
    ["SET", "float", "3.5"],
    ["SET", "neg", "-7"],
    ["SET", "big", "x".repeat(LONG_VALUE_BYTES)],
    // Short list elements are latin1 strings in the store, long ones Buffers (keyspace-store's
    // ELEMENT_INLINE_MAX, 128 bytes): elements either side of the line, binary ones too.
    ["RPUSH", "list", "a", "b", "c", "1", "2", "3", "a", "l".repeat(128), "\xff\x00".repeat(100)],
    ["RPUSH", "biglist", ...seq("e", 150, false)],
    ["SADD", "set", "1", "2", "3", "-5"],
    ["SADD", "sset", "a", "b", "c", "1"],
    ["SADD", "bigset", ...seq("m", 140, false)],
    ["ZADD", "zset", "1", "a", "2", "b", "3", "c", "-inf", "min", "+inf", "max"],
    ["ZADD", "bigzset", ...seq("z", 140)],
    ["HSET", "hash", "f1", "v1", "f2", "2", "f3", "3.5", "f4", "-1"],
    ["HSET", "bighash", ...seq("h", 140)],
    ["SET", "ttl", "v", "EX", "100000"],
    ["SET", "empty-named", ""],
    // A stream with a consumer group and one entry pending (delivered to c1, not acked).
    ["XADD", "stream", "1-1", "f", "v"],
    ["XADD", "stream", "1-2", "f2", "v2", "f3", "v3"],
    ["XADD", "stream", "2-0", "a", "1"],
    ["XGROUP", "CREATE", "stream", "g1", "0"],
    ["XREADGROUP", "GROUP", "g1", "c1", "COUNT", "1", "STREAMS", "stream", ">"],
    // biome-ignore format: one member a line
    ["GEOADD", "geo",
      "13.361389", "38.115556", "Palermo",
      "15.087269", "37.502669", "Catania",
      "12.496366", "41.902782", "Rome",
      "2.352222", "48.856613", "Paris"],
    ["PFADD", "hll", "a", "b", "c", "d", "e"],
    ["SELECT", "1"],
    ["SET", "str", "db1"],
    ["RPUSH", "list", "db1"],
    ["SELECT", "0"],
  ];
}

export function pick<T>(r: Random, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

export function randomCase(r: Random, s: string): string {
  const x = r();
  if (x < 0.6) return s.toUpperCase();
  if (x < 0.8) return s.toLowerCase();
  let out = "";
  for (const ch of s) out += r() < 0.5 ? ch.toUpperCase() : ch.toLowerCase();
  return out;
}

export function anyKey(r: Random): string {
  const x = r();
  if (x < 0.005) return "k".repeat(LONG_VALUE_BYTES);
  if (x < 0.8) return pick(r, SEEDED_KEYS);
  return pick(r, MISSING_KEYS);
}

export function anyInt(r: Random): string {
  const x = r();
  if (x < 0.55) return pick(r, INT_EDGES);
  if (x < 0.9) return String(Math.floor(r() * 14) - 3);
  return anyValue(r);
}

export function anyDouble(r: Random): string {
  const x = r();
  if (x < 0.5) return pick(r, DOUBLE_EDGES);
  if (x < 0.8) return String(Math.floor(r() * 14) - 3);
  return pick(r, INT_EDGES);
}

export function anyString(r: Random): string {
  const x = r();
  if (x < 0.004) return "v".repeat(LONG_VALUE_BYTES);
  if (x < 0.45)
    return pick(r, ["a", "b", "c", "d", "1", "2", "3", "f1", "f2", "m1", "z1", "e1", "h1"]);
  if (x < 0.75) return pick(r, STRING_EDGES);
  if (x < 0.88) return pick(r, INT_EDGES);
  if (x < 0.95) return pick(r, DOUBLE_EDGES);
  return pick(r, SEEDED_KEYS);
}

// Fixed instants (not Date.now()) so a seed replays the same bytes on any day.
const FAR_FUTURE_S = 4_102_444_800; // 2100-01-01
const PAST_S = 1_000_000_000; // 2001-09-09

export function anyUnixTime(r: Random): string {
  const x = r();
  if (x < 0.3) return String(FAR_FUTURE_S);
  if (x < 0.4) return String(FAR_FUTURE_S * 1000);
  if (x < 0.5) return String(PAST_S);
  return anyInt(r);
}

/** Anything at all: the pool a mutation draws from. */
export function anyValue(r: Random): string {
  const x = r();
  if (x < 0.3) return anyString(r);
  if (x < 0.5) return pick(r, INT_EDGES);
  if (x < 0.65) return pick(r, DOUBLE_EDGES);
  if (x < 0.8) return anyKey(r);
  return pick(r, PATTERNS);
}

/**
 * DUMP payloads of the seeded keys (and of a few extra values), as redis-server 7.0.15 wrote
 * them (latin1, one char per byte): RESTORE takes these, or one with a byte flipped or cut
 * short (the CRC-64 refuses it before any parsing; a payload with a valid checksum and corrupt
 * content is not sent, since redis-server trusts it with sanitize-dump-payload no). Filled by
 * Fuzzer.start from redis-server after the batch setup; deterministic for a given setup.
 */
export const DUMP_PAYLOADS: string[] = [];

/** Extra values DUMPed for the pool: encodings the seeded keys lack. */
export function payloadSourceCommands(): string[][] {
  return [
    ["SET", "__p_int", "-9223372036854775808"],
    ["SET", "__p_raw", "x".repeat(100)],
    ["RPUSH", "__p_plain", "y".repeat(70_000), "z"],
    ["SADD", "__p_big_ints", ...Array.from({ length: 600 }, (_, i) => String(i * 1000))],
    ["HSET", "__p_long", "f", "v".repeat(100)],
    ["ZADD", "__p_nan_like", "-inf", "a", "inf", "b", "0", "c", "1.5", "d"],
  ];
}

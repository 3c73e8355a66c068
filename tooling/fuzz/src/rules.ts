// How a step's two raw replies are judged. Byte-for-byte equality is the rule; every other rule
// below is an explicit, documented exception for a reply that legitimately differs between two
// correct servers, and each still compares what can be compared (error texts always exactly).

import { SAFE_CONFIG } from "./generate.js";
import { parseAll, type Reply } from "./resp.js";

export type Rule =
  | "exact"
  | "unordered" // hash-table iteration order is the implementation's: compare sorted
  | "scan" // cursors are the implementation's: compare elements once both cursors are 0
  | "random" // which element is random: compare types and counts
  | "shape" // time- or server-specific content: compare RESP types only
  | "ignore" // whether a background save is already running is timing on each side
  | "unsubscribe" // channels come back in hash-table order: same channels, same counts
  | "any" // wholly server-specific (allocator statistics): only error or not, errors exactly
  | "ttl" // relative/absolute expiry times: equal within a tolerance
  | "config" // CONFIG GET: only the SAFE_CONFIG parameters, sorted
  | "pushes" // PUBLISH to a client of several patterns: pmessages in pattern dict order
  | "dump"; // DUMP: exact, but a hashtable set or hash is written in dict order

/** Rule per command-table entry (default: exact), and why. */
export const RULES: Record<string, [Rule, string]> = {
  keys: ["unordered", "hash-table order"],
  // A read of intsets in their ascending order is compared exactly instead (intset-order.ts).
  smembers: ["unordered", "hash-table order of hashtable sets"],
  sinter: ["unordered", "hash-table order of hashtable sets"],
  sunion: ["unordered", "hash-table order of hashtable sets"],
  sdiff: ["unordered", "hash-table order of hashtable sets"],
  hgetall: ["unordered", "hash-table order of big hashes"],
  hkeys: ["unordered", "hash-table order of big hashes"],
  hvals: ["unordered", "hash-table order of big hashes"],
  "pubsub|channels": ["unordered", "hash-table order"],
  "pubsub|shardchannels": ["unordered", "hash-table order"],
  "acl|cat": ["unordered", "command lists of a category in dict order"],
  "function|list": [
    "unordered",
    "libraries in dict order (each library of the pools has one function)",
  ],
  scan: ["scan", "cursor encoding is the implementation's"],
  sscan: ["scan", "cursor encoding is the implementation's"],
  hscan: ["scan", "cursor encoding is the implementation's"],
  zscan: ["scan", "cursor encoding is the implementation's"],
  spop: ["random", "random members; the key is deleted after on both sides to stay in sync"],
  srandmember: ["random", "random members"],
  hrandfield: ["random", "random fields"],
  zrandmember: ["random", "random members"],
  randomkey: ["random", "random key"],
  ttl: ["ttl", "seconds left: ±1"],
  pttl: ["ttl", "milliseconds left: ±1000"],
  expiretime: ["ttl", "absolute seconds computed from each server's clock: ±1"],
  pexpiretime: ["ttl", "absolute ms computed from each server's clock: ±1000"],
  "config|get": ["config", "other parameters are the server's own (dir, port, version...)"],
  time: ["shape", "clock"],
  xpending: ["shape", "the extended form's idle times are each server's clock"],
  "xinfo|consumers": ["shape", "idle times are each server's clock"],
  "xinfo|stream": ["shape", "FULL's delivery and seen times are each server's clock"],
  lastsave: ["shape", "clock"],
  info: ["shape", "server-specific fields"],
  hello: ["shape", "server name, version and client id"],
  role: ["shape", "replication offset"],
  "client|list": ["shape", "ids, ages, buffer sizes"],
  "client|info": ["shape", "ids, ages, buffer sizes"],
  "client|id": ["shape", "connection counters differ"],
  "memory|usage": ["shape", "allocator-specific sizes"],
  "memory|stats": ["shape", "allocator-specific sizes"],
  "memory|doctor": ["shape", "allocator-specific text"],
  "memory|malloc-stats": [
    "any",
    "jemalloc's statistics (verbatim) vs a plain bulk without jemalloc",
  ],
  "object|idletime": ["shape", "clock (pinned by apps/server/test/idle-time.test.ts)"],
  "object|freq": ["shape", "LFU counters are probabilistic"],
  "command|docs": ["shape", "documentation text"],
  "command|count": ["shape", "Shoal implements fewer commands (see the README)"],
  "command|list": ["shape", "Shoal implements fewer commands"],
  command: ["shape", "Shoal implements fewer commands"],
  "slowlog|get": ["shape", "durations and timestamps"],
  "slowlog|len": ["shape", "which commands are slow is timing"],
  "latency|latest": ["shape", "timing"],
  "latency|history": ["shape", "timing"],
  "latency|doctor": ["shape", "timing"],
  "latency|graph": ["shape", "timing"],
  "latency|histogram": ["shape", "timing"],
  "acl|log": ["shape", "timestamps and client info"],
  "acl|genpass": ["shape", "random"],
  save: ["ignore", "a background save may be running on one side only"],
  bgsave: ["ignore", "a background save may be running on one side only"],
  bgrewriteaof: ["ignore", "a background save may be running on one side only; see the README"],
  dump: [
    "dump",
    "byte for byte, except a hashtable-encoded set or hash (RDB_TYPE_SET/HASH), written in dict order: same type, length and bytes in any order",
  ],
  "function|dump": ["dump", "libraries in dict order: same length and bytes in any order"],
  publish: ["pushes", "a client's pmessages come in the order of Redis's pattern dict"],
  spublish: ["pushes", "a client's smessages come in the order of Redis's channel dict"],
  unsubscribe: ["unsubscribe", "channels in hash-table order"],
  punsubscribe: ["unsubscribe", "patterns in hash-table order"],
  sunsubscribe: ["unsubscribe", "channels in hash-table order"],
  "client|help": ["shape", "lists only the subcommands Shoal implements"],
  "command|help": ["shape", "lists only the subcommands Shoal implements"],
  "command|info": ["shape", "Shoal's table is smaller; pinned per command by apps/server tests"],
  "debug|object": ["shape", "serializedlength, lru fields"],
  "debug|listpack": ["shape", "internal layout dump"],
  "debug|quicklist": ["shape", "internal layout dump"],
  "debug|digest": ["shape", "digest of the server's own value encodings"],
  "debug|digest-value": ["shape", "digest of the server's own value encodings"],
  "debug|help": ["shape", "help text"],
};

/** The entry a sent command exercises: "client list" -> "client|list", "debug object" -> "debug|object". */
export function entryOf(cmd: readonly string[], containers: ReadonlySet<string>): string {
  const name = (cmd[0] ?? "").toLowerCase();
  if ((containers.has(name) || name === "debug") && cmd.length > 1)
    return `${name}|${cmd[1]!.toLowerCase()}`;
  return name;
}

export function ruleFor(entry: string): Rule {
  return RULES[entry]?.[0] ?? "exact";
}

function sortKey(r: Reply): string {
  return JSON.stringify(r);
}

function sortedAgg(r: Reply): Reply {
  if (!Array.isArray(r.v)) return r;
  if (r.t === "%") {
    const pairs: Reply[][] = [];
    for (let i = 0; i < r.v.length; i += 2) pairs.push([r.v[i]!, r.v[i + 1]!]);
    pairs.sort((a, b) => (sortKey(a[0]!) < sortKey(b[0]!) ? -1 : 1));
    return { t: r.t, v: pairs.flat() };
  }
  return {
    t: r.t as "*",
    v: [...r.v].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0)),
  };
}

function shape(r: Reply, depth: number): unknown {
  if (r.t === "-" || r.t === "!") return r; // errors always exactly
  if (!Array.isArray(r.v) || depth === 0) return r.t + (r.v === null ? "null" : "");
  return [r.t, r.v.length, r.v.map((x) => shape(x, depth - 1))];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function ttlClose(a: Reply, b: Reply, tol: number): boolean {
  if (a.t !== ":" || b.t !== ":") return same(a, b);
  const x = Number(a.v);
  const y = Number(b.v);
  if (x < 0 || y < 0) return x === y; // -1 / -2 exactly
  return Math.abs(x - y) <= tol;
}

function unsubParts(rs: Reply[]): unknown {
  const names: string[] = [];
  const counts: string[] = [];
  for (const r of rs) {
    if (!Array.isArray(r.v)) return rs;
    names.push(String(r.v[1]?.v));
    counts.push(String(r.v[2]?.v));
  }
  return [names.sort(), counts];
}

function configPairs(r: Reply): unknown {
  if (!Array.isArray(r.v)) return r;
  const out: string[] = [];
  for (let i = 0; i + 1 < r.v.length; i += 2) {
    const k = String(r.v[i]!.v);
    if (k in SAFE_CONFIG) out.push(`${k}=${String(r.v[i + 1]!.v)}`);
  }
  return out.sort();
}

/**
 * A stream's DUMP (RDB_TYPE_STREAM_LISTPACKS_2, 19) holds each consumer's seen-time and each
 * pending entry's delivery time in ms, each server's clock: same type and length, and apart from
 * the 10-byte trailer (version, CRC-64) they may differ in a few bytes only (the low bytes of
 * those times), never in the entries, IDs or counters' length.
 */
function streamDumpsAgree(a: string, b: string): boolean {
  if (a.charCodeAt(0) !== 19 || b.charCodeAt(0) !== 19 || a.length !== b.length) return false;
  let differ = 0;
  for (let i = 0; i < a.length - 10; i++) if (a[i] !== b[i]) differ++;
  return differ <= 48;
}

/** Whether two raw replies of one command agree under `rule`. */
export function agree(
  rule: Rule,
  entry: string,
  cmd: readonly string[],
  shoal: Buffer,
  redis: Buffer,
): boolean {
  if (shoal.equals(redis)) return true;
  if (rule === "exact") return false;
  if (rule === "ignore") return true;
  let a: Reply[];
  let b: Reply[];
  try {
    a = parseAll(shoal);
    b = parseAll(redis);
  } catch {
    return false;
  }
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((x.t === "-") !== (y.t === "-")) return false;
    if (x.t === "-" && !same(x, y)) return false;
    switch (rule) {
      case "unordered":
        if (!same(sortedAgg(x), sortedAgg(y))) return false;
        break;
      case "scan": {
        if (!Array.isArray(x.v) || !Array.isArray(y.v)) {
          if (!same(x, y)) return false;
          break;
        }
        const [cx, ex] = x.v;
        const [cy, ey] = y.v;
        // From cursor 0 to cursor 0 both saw everything; any other start cursor means
        // something different to each implementation.
        const from = entry === "scan" ? cmd[1] : cmd[2];
        if (from === "0" && cx?.v === "0" && cy?.v === "0") {
          if (!ex || !ey || !same(sortedAgg(ex), sortedAgg(ey))) return false;
        } else if (!same(shape(x, 1), shape(y, 1))) return false;
        break;
      }
      case "random":
        if (!same(shape(x, 1), shape(y, 1))) return false;
        break;
      case "shape":
        if (!same(shape(x, 0), shape(y, 0))) return false;
        break;
      case "ttl": {
        const tol = entry.startsWith("p") ? 1000 : 1;
        if (!ttlClose(x, y, tol)) return false;
        break;
      }
      case "any":
        break;
      case "unsubscribe":
        if (!same(unsubParts(a), unsubParts(b))) return false;
        return true;
      case "config":
        if (!same(configPairs(x), configPairs(y))) return false;
        break;
      case "dump": {
        // RDB_TYPE_SET (2) and RDB_TYPE_HASH (4) list their elements in dict order, FUNCTION
        // DUMP its libraries.
        if (x.t !== "$" || y.t !== "$" || typeof x.v !== "string" || typeof y.v !== "string") {
          if (!same(x, y)) return false;
          break;
        }
        if (streamDumpsAgree(x.v, y.v)) break;
        const ht = entry === "function|dump" || x.v.charCodeAt(0) === 2 || x.v.charCodeAt(0) === 4;
        const body = (p: string) => [...p.slice(0, -10)].sort().join("");
        if (!ht || x.v.length !== y.v.length || x.v[0] !== y.v[0] || body(x.v) !== body(y.v))
          return false;
        break;
      }
      case "pushes": {
        // Every reply of the step as a multiset (the pushes and PUBLISH's count).
        const key = (rs: Reply[]) => rs.map((r) => JSON.stringify(r)).sort();
        return same(key(a), key(b));
      }
    }
  }
  return true;
}

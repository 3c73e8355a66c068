// Divergences that are known and documented (apps/server/README.md, "Differences from Redis
// found by the fuzzer"): counted and printed by every run, never failing it. Each entry says
// which command, which reply, and why.
export interface KnownDivergence {
  id: string;
  why: string;
  test(
    entry: string,
    cmds: readonly string[][],
    shoal: string,
    redis: string,
    sources: SortSources,
  ): boolean;
  /** Commands sent to both afterwards to bring the two keyspaces/configs back in line. */
  resync?(cmds: readonly string[][]): string[][];
}

const unknown = /^-ERR unknown (sub)?command/;

// Commands of Redis 7.0 that Shoal does not implement, which ACL CAT lists on Redis only: none
// since scripting landed. The comparison stays order-free: Redis lists a category in its dict's
// order.
const MISSING = /^$/;

/** Shoal's ACL CAT reply equals Redis's minus commands Shoal lacks (any order). */
function aclCatSubset(shoal: string, redis: string): boolean {
  const items = (s: string) =>
    s.split("\r\n").filter((l, i) => i > 0 && !/^[$*]/.test(l) && l !== "");
  if (!shoal.startsWith("*") || !redis.startsWith("*")) return false;
  const a = items(shoal).sort();
  const b = items(redis)
    .filter((c) => !MISSING.test(c))
    .sort();
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export const KNOWN: KnownDivergence[] = [
  {
    id: "not-implemented",
    why: "a Redis 7.0 subcommand Shoal does not implement; Shoal answers unknown subcommand",
    test: (_e, _c, shoal, redis) => unknown.test(shoal) && !unknown.test(redis),
  },
  {
    id: "cluster-myshardid",
    why: "CLUSTER MYSHARDID is a Redis 7.2 command Shoal has; Redis 7.0 answers unknown subcommand",
    test: (e, _c, _s, redis) => e === "cluster|myshardid" && unknown.test(redis),
  },
  {
    id: "acl-users",
    why: "Shoal has only the default user: ACL SETUSER is refused (the fuzzer deletes the user Redis created)",
    test: (e, _c, shoal) => e === "acl|setuser" && shoal.includes("not supported by Shoal"),
    resync: (cmds) => [["ACL", "DELUSER", cmds[0]![2] ?? "fuzzuser"]],
  },
  {
    id: "long-arg-in-error",
    why: "Redis quotes at most 128 bytes of the argument in some errors (%.128s, ACL CAT); Shoal the whole argument",
    test: (_e, _c, shoal, redis) =>
      shoal.startsWith("-") &&
      redis.startsWith("-") &&
      shoal.length > redis.length &&
      shoal.length > 200,
  },
  {
    id: "acl-cat-missing-commands",
    why: "ACL CAT <category> lists Redis's commands of the category in its dict's order: the same commands on both (none is missing since scripting landed), compared as a set",
    test: (e, _c, shoal, redis) => e === "acl|cat" && aclCatSubset(shoal, redis),
  },
  {
    id: "lolwut-random",
    why: "LOLWUT VERSION 5 and 6 draw with rand() (Redis seeds it per process, Shoal uses Math.random): the drawings differ, and so may their size (version 6 draws a 1-byte space or a 3-byte block per cell); the reply type and the closing 'Redis ver.' line must not",
    test: (e, _c, shoal, redis) =>
      e === "lolwut" &&
      (shoal[0] === "$" || shoal[0] === "=") &&
      shoal[0] === redis[0] &&
      shoal.slice(shoal.lastIndexOf("\n", shoal.length - 3)) ===
        redis.slice(redis.lastIndexOf("\n", redis.length - 3)),
  },
  {
    id: "sort-hash-order",
    why: "SORT/SORT_RO ... BY of a hashtable set or a sorted set (inHashOrder: TYPE/OBJECT ENCODING read before the step): members whose sort keys are equal (BY without '*' sorts nothing; ALPHA BY values equal or missing) keep the source's order, and its hash-table order is the implementation's, so the members (LIMIT picks others) and their order may differ; the counts must not. With STORE the replies agree and the stored lists are compared after the step: same length, same elements without LIMIT; then deleted on both sides (a STORE destination is deleted after a differing reply too)",
    test: (e, cmds, shoal, redis, sources) =>
      (e === "sort" || e === "sort_ro") &&
      sortCalls(cmds).some((c) => inHashOrder(c, sources)) &&
      shoal.startsWith("*") &&
      shoal.slice(0, shoal.indexOf("\r\n")) === redis.slice(0, redis.indexOf("\r\n")),
    resync: sortStoreKeys,
  },
  {
    id: "sort-stale-errno",
    why: "Redis's SORT reads errno for ERANGE without clearing it: after any strtod overflow or underflow in the process, SORT of members that are not int-encoded fails with 'One or more scores can't be converted into double' until something resets errno; Shoal judges each value alone. A STORE destination is deleted on both sides after",
    test: (e, _c, shoal, redis) =>
      (e === "sort" || e === "sort_ro") &&
      redis.startsWith("-ERR One or more scores can't be converted into double") &&
      !shoal.startsWith("-"),
    resync: sortStoreKeys,
  },
  {
    id: "nul-in-error",
    why: "Redis formats some error messages with C's %s, which stops at a NUL byte of the argument; Shoal prints the whole argument (also inside an EXEC reply)",
    test: (_e, _c, shoal, redis) =>
      onlyErrorLinesDiffer(shoal, redis, (a, b) => a.includes("\0") && !b.includes("\0")),
  },
];

/** A SORT or SORT_RO of a step, its options as sortCommand reads them. */
export interface SortCall {
  src: string;
  /** The last BY pattern. */
  by?: string;
  alpha: boolean;
  limit: boolean;
  /** The last STORE key (SORT only). */
  store?: string;
}

/** Source key -> its TYPE and OBJECT ENCODING on redis-server before the step ("set hashtable"). */
export type SortSources = ReadonlyMap<string, string>;

export function sortCalls(cmds: readonly string[][]): SortCall[] {
  const calls: SortCall[] = [];
  for (const c of cmds) {
    const name = c[0]?.toLowerCase();
    if ((name !== "sort" && name !== "sort_ro") || c.length < 2) continue;
    const call: SortCall = { src: c[1]!, alpha: false, limit: false };
    for (let j = 2; j < c.length; j++) {
      const a = c[j]!.toLowerCase();
      const left = c.length - j - 1;
      if (a === "alpha") call.alpha = true;
      else if (a === "limit" && left >= 2) {
        call.limit = true;
        j += 2;
      } else if (a === "store" && left >= 1 && name === "sort") call.store = c[++j]!;
      else if (a === "by" && left >= 1) call.by = c[++j]!;
      else if (a === "get" && left >= 1) j++;
    }
    calls.push(call);
  }
  return calls;
}

/**
 * Whether this SORT's members with equal sort keys come out in the source's hash-table order:
 * a hashtable set or a sorted set (Redis sorts a sorted set from its dict) sorted ALPHA by a BY
 * pattern (equal or missing values compare equal and qualsort/pqsort keep or shuffle them as
 * loaded; numeric ties fall back to the members' bytes), or a hashtable set by a BY without '*'
 * and no STORE (not sorted at all). An intset or a list has an order of its own: never.
 */
export function inHashOrder(c: SortCall, sources: SortSources): boolean {
  if (c.by === undefined) return false;
  const src = sources.get(c.src) ?? "";
  const hashSet = src === "set hashtable";
  const star = c.by.split("\0")[0]!.includes("*");
  return (
    ((hashSet || src.startsWith("zset ")) && star && c.alpha) ||
    (hashSet && !star && c.store === undefined)
  );
}

/** DEL of the keys a SORT ... STORE of these commands may have written (SORT keeps the last). */
export function sortStoreKeys(cmds: readonly string[][]): string[][] {
  const keys: string[] = [];
  for (const c of cmds)
    for (let i = 2; i + 1 < c.length; i++)
      if (c[i]!.toLowerCase() === "store") keys.push(c[i + 1]!);
  return keys.length > 0 ? [["DEL", ...keys]] : [];
}

/** The replies differ only in error lines (top level or inside EXEC's array), each by `why`. */
function onlyErrorLinesDiffer(
  shoal: string,
  redis: string,
  why: (shoalLine: string, redisLine: string) => boolean,
): boolean {
  const a = shoal.split("\r\n");
  const b = redis.split("\r\n");
  if (a.length !== b.length) return false;
  return a.every(
    (l, i) => l === b[i] || (l.startsWith("-") && b[i]!.startsWith("-") && why(l, b[i]!)),
  );
}

/** The documented reason a divergence is expected, or undefined. */
export function knownDivergence(
  entry: string,
  cmds: readonly string[][],
  shoal: Buffer,
  redis: Buffer,
  sources: SortSources = new Map(),
): KnownDivergence | undefined {
  const a = shoal.toString("latin1");
  const b = redis.toString("latin1");
  return KNOWN.find((k) => k.test(entry, cmds, a, b, sources));
}

// Divergences that are known and documented (apps/server/README.md, "Differences from Redis
// found by the fuzzer"): counted and printed by every run, never failing it. Each entry says
// which command, which reply, and why.
export interface KnownDivergence {
  id: string;
  why: string;
  test(entry: string, cmds: readonly string[][], shoal: string, redis: string): boolean;
  /** Commands sent to both afterwards to bring the two keyspaces/configs back in line. */
  resync?(cmds: readonly string[][]): string[][];
}

const unknown = /^-ERR unknown (sub)?command/;

export const KNOWN: KnownDivergence[] = [
  {
    id: "not-implemented",
    why: "a Redis 7.0 subcommand Shoal does not implement (CLIENT TRACKING/CACHING/GETREDIR/TRACKINGINFO, COMMAND GETKEYSANDFLAGS...); Shoal answers unknown subcommand",
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
    id: "nul-in-error",
    why: "Redis formats some error messages with C's %s, which stops at a NUL byte of the argument; Shoal prints the whole argument",
    test: (_e, _c, shoal, redis) =>
      shoal.startsWith("-") &&
      shoal.includes("\0") &&
      !redis.includes("\0") &&
      redis.startsWith("-"),
  },
];

/** The documented reason a divergence is expected, or undefined. */
export function knownDivergence(
  entry: string,
  cmds: readonly string[][],
  shoal: Buffer,
  redis: Buffer,
): KnownDivergence | undefined {
  const a = shoal.toString("latin1");
  const b = redis.toString("latin1");
  return KNOWN.find((k) => k.test(entry, cmds, a, b));
}

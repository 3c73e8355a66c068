// Random sorted-set command sequences sent to real redis-server 7.0.15 and to a TestStore: every
// reply must be the same bytes (fast-check shrinks a failing sequence to a short one). Keys stay
// small (listpack-sized in Redis) except one that grows past the limits; lex commands use a key
// whose scores are all 0, where lex order is defined.
import { fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { keyCommands } from "../../src/commands/keys.js";
import { zsetCommands } from "../../src/commands/zsets.js";
import { TestStore } from "../../src/test-kit.js";
import { type CompareStep, compareScript, oracleForSuite } from "../redis-oracle.js";

const key = fc.constantFrom("a", "b", "c");
const anyKey = fc.constantFrom("a", "b", "c", "l", "nokey");
// One member is past zset-max-listpack-value: adding it converts a set to a skiplist.
const member = fc.constantFrom("m", "n", "o", "p", "q", "r", "", "\xff", "L".repeat(70));
const score = fc.constantFrom(
  "0",
  "1",
  "-1",
  "2.5",
  "1e3",
  "-0",
  "+inf",
  "-inf",
  "0.1",
  "7",
  "1e-300",
);
const rank = fc.integer({ min: -6, max: 6 }).map(String);
const bound = fc.tuple(fc.boolean(), score).map(([ex, s]) => (ex ? `(${s}` : s));
const lexBound = fc.oneof(
  fc.constantFrom("-", "+"),
  fc.tuple(fc.constantFrom("[", "("), member).map(([p, m]) => p + m),
);
const small = fc.integer({ min: -1, max: 4 }).map(String);
const flags = fc.subarray(["NX", "XX", "GT", "LT", "CH"], { maxLength: 2 });

const command: fc.Arbitrary<string[] | CompareStep> = fc.oneof(
  fc
    .tuple(key, flags, fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 4 }))
    .map(([k, f, ps]) => ["ZADD", k, ...f, ...ps.flat()]),
  fc.tuple(key, flags, score, member).map(([k, f, s, m]) => ["ZADD", k, ...f, "INCR", s, m]),
  fc
    .array(member, { minLength: 1, maxLength: 4 })
    .map((ms) => ["ZADD", "l", ...ms.flatMap((m) => ["0", m])]),
  fc.tuple(key, score, member).map(([k, s, m]) => ["ZINCRBY", k, s, m]),
  fc
    .tuple(anyKey, fc.array(member, { minLength: 1, maxLength: 3 }))
    .map(([k, ms]) => ["ZREM", k, ...ms]),
  fc.tuple(anyKey, member).map(([k, m]) => ["ZSCORE", k, m]),
  fc.tuple(anyKey, member, member).map(([k, m, n]) => ["ZMSCORE", k, m, n]),
  fc.tuple(fc.constantFrom("ZRANK", "ZREVRANK"), anyKey, member).map(([c, k, m]) => [c, k, m]),
  anyKey.map((k) => ["ZCARD", k]),
  fc.tuple(anyKey, bound, bound).map(([k, a, b]) => ["ZCOUNT", k, a, b]),
  fc.tuple(lexBound, lexBound).map(([a, b]) => ["ZLEXCOUNT", "l", a, b]),
  fc
    .tuple(anyKey, rank, rank, fc.boolean(), fc.boolean())
    .map(([k, a, b, rev, ws]) => [
      "ZRANGE",
      k,
      a,
      b,
      ...(rev ? ["REV"] : []),
      ...(ws ? ["WITHSCORES"] : []),
    ]),
  fc
    .tuple(anyKey, bound, bound, fc.boolean(), fc.option(fc.tuple(small, small)), fc.boolean())
    .map(([k, a, b, rev, lim, ws]) => [
      "ZRANGE",
      k,
      a,
      b,
      "BYSCORE",
      ...(rev ? ["REV"] : []),
      ...(lim ? ["LIMIT", ...lim] : []),
      ...(ws ? ["WITHSCORES"] : []),
    ]),
  fc
    .tuple(lexBound, lexBound, fc.boolean(), fc.option(fc.tuple(small, small)))
    .map(([a, b, rev, lim]) => [
      "ZRANGE",
      "l",
      a,
      b,
      "BYLEX",
      ...(rev ? ["REV"] : []),
      ...(lim ? ["LIMIT", ...lim] : []),
    ]),
  fc.tuple(key, anyKey, rank, rank).map(([d, k, a, b]) => ["ZRANGESTORE", d, k, a, b]),
  fc
    .tuple(key, anyKey, bound, bound, fc.boolean())
    .map(([d, k, a, b, rev]) => ["ZRANGESTORE", d, k, a, b, "BYSCORE", ...(rev ? ["REV"] : [])]),
  fc
    .tuple(key, lexBound, lexBound, fc.option(fc.tuple(small, small)))
    .map(([d, a, b, lim]) => [
      "ZRANGESTORE",
      d,
      "l",
      a,
      b,
      "BYLEX",
      ...(lim ? ["LIMIT", ...lim] : []),
    ]),
  fc.tuple(key, bound, bound).map(([k, a, b]) => ["ZREVRANGEBYSCORE", k, a, b, "WITHSCORES"]),
  fc
    .tuple(fc.constantFrom("ZPOPMIN", "ZPOPMAX"), anyKey, fc.option(small))
    .map(([c, k, n]) => (n === null ? [c, k] : [c, k, n])),
  fc
    .tuple(anyKey, anyKey, fc.constantFrom("MIN", "MAX"), small)
    .map(([k1, k2, w, n]) => ["ZMPOP", "2", k1, k2, w, "COUNT", n]),
  fc.tuple(anyKey, rank, rank).map(([k, a, b]) => ["ZREMRANGEBYRANK", k, a, b]),
  fc.tuple(anyKey, bound, bound).map(([k, a, b]) => ["ZREMRANGEBYSCORE", k, a, b]),
  fc.tuple(lexBound, lexBound).map(([a, b]) => ["ZREMRANGEBYLEX", "l", a, b]),
  fc
    .tuple(
      fc.constantFrom("ZUNION", "ZINTER", "ZDIFF"),
      anyKey,
      anyKey,
      fc.option(fc.tuple(score, score)),
      fc.constantFrom("SUM", "MIN", "MAX"),
    )
    .map(([c, k1, k2, wts, agg]) => [
      c,
      "2",
      k1,
      k2,
      ...(c !== "ZDIFF" && wts ? ["WEIGHTS", ...wts] : []),
      ...(c !== "ZDIFF" ? ["AGGREGATE", agg] : []),
      "WITHSCORES",
    ]),
  fc
    .tuple(fc.constantFrom("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"), key, anyKey, anyKey)
    .map(([c, d, k1, k2]) => [c, d, "2", k1, k2]),
  fc.tuple(anyKey, anyKey).map(([k1, k2]) => ["ZINTERCARD", "2", k1, k2]),
  anyKey.map((k) => ["ZRANDMEMBER", k, "1000", "WITHSCORES"]),
  // A set past the listpack limits is scanned in hash order in Redis: compare as a multiset.
  anyKey.map((k) => ({ argv: ["ZSCAN", k, "0", "COUNT", "1000"], unordered: true })),
  anyKey.map((k) => ["OBJECT", "ENCODING", k]),
);

// One key grows past the listpack limits so the skiplist encoding is exercised too.
const grow: string[][] = [
  ["ZADD", "c", ...Array.from({ length: 140 }, (_, i) => [String(i % 9), `g${i}`]).flat()],
];

describe("random sorted-set commands vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  for (const resp of [2, 3] as const) {
    it(`RESP${resp}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(command, { minLength: 1, maxLength: 80, size: "max" }),
          async (cmds) => {
            await oracle().command("FLUSHALL");
            const t = new TestStore([...zsetCommands, ...keyCommands]);
            t.resp = resp;
            const mismatches = await compareScript(t, oracle(), [...grow, ...cmds]);
            expect(mismatches).toEqual([]);
          },
        ),
        { numRuns: 40 },
      );
    }, 120_000);
  }
});

// Random sequences of hash and set commands run on redis-server 7.0.15 and on the store, reply
// for reply (RESP bytes). Keys come from a small pool so commands collide across types; fields,
// members and values include integers, floats, empty and binary strings. Only deterministic
// commands change state (SPOP pops more than any set holds), so both sides stay in step; replies
// Redis leaves unordered are compared as sets. At most 8 distinct members keep Redis's small
// hashtable SSCAN answering in one call, as ours does.
import { fc } from "@fast-check/vitest";
import { describe, it } from "vitest";
import { hashCommands } from "../../src/commands/hashes.js";
import { setCommands } from "../../src/commands/sets.js";
import { TestStore } from "../../src/test-kit.js";
import { type CompareStep, compareRandomScripts, oracleForSuite } from "../redis-oracle.js";

const key = fc.constantFrom("a", "b", "c", "nokey");
const member = fc.constantFrom("x", "y", "1", "2", "-5", "", "\u00ff\u0000", "3.5");
const value = fc.oneof(
  member,
  fc.constantFrom("10", "9223372036854775807", "-9223372036854775808", "1.5", "abc"),
  fc.constantFrom("3.0e2", "0x10", " 1", "1e30", "inf", "-0.1"),
  fc.integer({ min: -1000, max: 1000 }).map(String),
);
const int = fc.oneof(
  fc.integer({ min: -6, max: 6 }).map(String),
  fc.constantFrom("x", "9223372036854775807", "-9223372036854775808", "1.0"),
);
const members = fc.array(member, { minLength: 1, maxLength: 3 });
const keys = fc.array(key, { minLength: 1, maxLength: 3 });

type Raw = [string, ...string[]];
const UNORDERED = new Set([
  "HGETALL",
  "HKEYS",
  "HVALS",
  "HRANDFIELD",
  "HSCAN",
  "SMEMBERS",
  "SINTER",
  "SUNION",
  "SDIFF",
  "SPOP",
  "SRANDMEMBER",
  "SSCAN",
]);

const command: fc.Arbitrary<CompareStep> = fc
  .oneof(
    fc
      .tuple(key, fc.array(fc.tuple(member, value), { minLength: 1, maxLength: 3 }))
      .map(([k, pairs]): Raw => ["HSET", k, ...pairs.flat()]),
    fc.tuple(fc.constantFrom("HSETNX", "HMSET"), key, member, value).map((a): Raw => [...a]),
    fc.tuple(key, members).map(([k, fs]): Raw => ["HDEL", k, ...fs]),
    fc.tuple(key, members).map(([k, fs]): Raw => ["HMGET", k, ...fs]),
    fc.tuple(fc.constantFrom("HGET", "HEXISTS", "HSTRLEN"), key, member).map((a): Raw => [...a]),
    fc.tuple(fc.constantFrom("HLEN", "HGETALL", "HKEYS", "HVALS"), key).map((a): Raw => [...a]),
    fc.tuple(fc.constant("HINCRBY"), key, member, int).map((a): Raw => [...a]),
    fc.tuple(fc.constant("HINCRBYFLOAT"), key, member, value).map((a): Raw => [...a]),
    fc
      .tuple(key, fc.constantFrom("0", "20", "x"), fc.constantFrom([], ["WITHVALUES"], ["foo"]))
      .map(([k, n, o]): Raw => ["HRANDFIELD", k, n, ...o]),
    fc
      .tuple(key, fc.constantFrom([], ["MATCH", "*"], ["MATCH", "[xy]"], ["COUNT", "0"]))
      .map(([k, o]): Raw => ["HSCAN", k, "0", ...o]),
    fc
      .tuple(fc.constantFrom("SADD", "SREM", "SMISMEMBER"), key, members)
      .map(([c, k, ms]): Raw => [c, k, ...ms]),
    fc.tuple(fc.constant("SISMEMBER"), key, member).map((a): Raw => [...a]),
    fc.tuple(fc.constantFrom("SCARD", "SMEMBERS"), key).map((a): Raw => [...a]),
    fc.tuple(fc.constant("SMOVE"), key, key, member).map((a): Raw => [...a]),
    fc.tuple(key, fc.constantFrom("0", "100", "-1", "x")).map(([k, n]): Raw => ["SPOP", k, n]),
    fc
      .tuple(key, fc.constantFrom("0", "100", "x", "-9223372036854775808"))
      .map(([k, n]): Raw => ["SRANDMEMBER", k, n]),
    fc.tuple(fc.constantFrom("SINTER", "SUNION", "SDIFF"), keys).map(([c, ks]): Raw => [c, ...ks]),
    fc
      .tuple(fc.constantFrom("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), key, keys)
      .map(([c, d, ks]): Raw => [c, d, ...ks]),
    fc
      .tuple(keys, fc.constantFrom([], ["LIMIT", "1"], ["LIMIT", "-1"], ["LIMIT"]))
      .map(([ks, o]): Raw => ["SINTERCARD", String(ks.length), ...ks, ...o]),
    fc
      .tuple(key, fc.constantFrom([], ["MATCH", "*"], ["MATCH", "?"]))
      .map(([k, o]): Raw => ["SSCAN", k, "0", ...o]),
  )
  .map((argv) => ({ argv, unordered: UNORDERED.has(argv[0]) }));

describe("random hash/set command sequences vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  it.each([2, 3] as const)(
    "reply identically in RESP%i",
    async (resp) => {
      const makeStore = () => {
        const t = new TestStore([...hashCommands, ...setCommands]);
        t.resp = resp;
        return t;
      };
      await compareRandomScripts(oracle(), makeStore, command, {
        runs: 60,
        seed: 7 + resp,
        maxLength: 60,
      });
    },
    60_000,
  );
});

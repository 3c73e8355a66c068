// Random sequences of string and key commands run on redis-server 7.0.15 and on the store, reply
// for reply (RESP bytes). Keys come from a small set so commands collide; values include
// integers, floats, empty and binary strings; TTLs are either long or already past (keys that
// Redis's background expiry may remove at any moment are only observed through commands that
// treat them as missing either way: no DBSIZE, no RANDOMKEY).
import { fc } from "@fast-check/vitest";
import { describe, it } from "vitest";
import { keyCommands } from "../../src/commands/keys.js";
import { stringCommands } from "../../src/commands/strings.js";
import { TestStore } from "../../src/test-kit.js";
import { type CompareStep, compareRandomScripts, oracleForSuite } from "../redis-oracle.js";

const key = fc.constantFrom("a", "b", "c", "{t}d");
const value = fc.oneof(
  fc.constantFrom("", "0", "-1", "10", "9223372036854775807", "-9223372036854775808", "1.5", "abc"),
  fc.constantFrom("3.0e2", "0x10", " 1", "1e400", "\u00ff\u0000x"),
  fc.integer({ min: -1000, max: 1000 }).map(String),
);
const int = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.constantFrom("x", "9223372036854775807"),
);
const ttl = fc.constantFrom("1000", "2000", "0", "-5", "x");

const command: fc.Arbitrary<CompareStep> = fc
  .oneof(
    fc.tuple(fc.constant("SET"), key, value),
    fc.tuple(fc.constant("SET"), key, value, fc.constantFrom("NX", "XX", "GET", "KEEPTTL")),
    fc.tuple(fc.constant("SET"), key, value, fc.constantFrom("EX", "PX"), ttl),
    fc.tuple(fc.constant("GET"), key),
    fc.tuple(fc.constant("GETSET"), key, value),
    fc.tuple(fc.constant("GETDEL"), key),
    fc.tuple(fc.constant("GETEX"), key, fc.constantFrom("PERSIST", "EX")),
    fc.tuple(fc.constant("SETNX"), key, value),
    fc.tuple(fc.constant("APPEND"), key, value),
    fc.tuple(fc.constant("STRLEN"), key),
    fc.tuple(fc.constantFrom("INCR", "DECR"), key),
    fc.tuple(fc.constantFrom("INCRBY", "DECRBY"), key, int),
    fc.tuple(fc.constant("INCRBYFLOAT"), key, value),
    fc.tuple(fc.constant("GETRANGE"), key, int, int),
    fc.tuple(fc.constant("SETRANGE"), key, fc.constantFrom("0", "3", "-1"), value),
    fc.tuple(fc.constant("MSET"), key, value, key, value),
    fc.tuple(fc.constant("MSETNX"), key, value, key, value),
    fc.tuple(fc.constant("MGET"), key, key, key),
    fc.tuple(fc.constant("LCS"), key, key),
    fc.tuple(fc.constantFrom("DEL", "EXISTS", "TOUCH", "UNLINK"), key, key),
    fc.tuple(fc.constantFrom("TYPE", "TTL", "PERSIST", "DUMP"), key),
    fc.tuple(fc.constant("EXPIRE"), key, ttl, fc.constantFrom("NX", "XX", "GT", "LT")),
    fc.tuple(fc.constant("EXPIRE"), key, ttl),
    fc.tuple(fc.constantFrom("RENAME", "RENAMENX", "COPY"), key, key),
    fc.tuple(fc.constant("OBJECT"), fc.constantFrom("ENCODING", "REFCOUNT"), key),
    fc.tuple(fc.constantFrom("SETEX", "PSETEX"), key, ttl, value),
    fc.tuple(
      fc.constant("SET"),
      key,
      value,
      fc.constantFrom("EXAT", "PXAT"),
      fc.constantFrom("1", "99999999999"),
    ),
    fc.tuple(
      fc.constant("GETEX"),
      key,
      fc.constantFrom("EXAT", "PXAT"),
      fc.constantFrom("1", "99999999999"),
    ),
    fc.tuple(fc.constantFrom("EXPIREAT", "PEXPIREAT"), key, fc.constantFrom("1", "99999999999999")),
    fc.tuple(fc.constantFrom("EXPIRETIME", "PEXPIRETIME"), key),
    fc.tuple(fc.constant("KEYS"), fc.constantFrom("*", "?", "{*", "[ab]")),
    fc.tuple(fc.constant("SCAN"), fc.constant("0"), fc.constant("COUNT"), fc.constant("100")),
  )
  .map((argv) => ({
    argv: [...argv],
    // DUMP payloads differ by design; absolute expiry times by each side's clock (1 ms).
    noCompare: argv[0] === "DUMP" || argv[0] === "EXPIRETIME" || argv[0] === "PEXPIRETIME",
    unordered: argv[0] === "KEYS" || argv[0] === "SCAN",
  }));

describe("random string/key command sequences vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  it.each([2, 3] as const)("reply identically in RESP%i", async (resp) => {
    const makeStore = () => {
      const t = new TestStore([...stringCommands, ...keyCommands]);
      t.resp = resp;
      return t;
    };
    await compareRandomScripts(oracle(), makeStore, command, {
      runs: 60,
      seed: 42 + resp,
      maxLength: 60,
    });
  });
});

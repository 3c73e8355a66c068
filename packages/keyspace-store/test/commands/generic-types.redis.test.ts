// The generic key commands on every value type (with the whole command table), against real
// redis-server 7.0.15: TYPE, OBJECT ENCODING across the size thresholds, COPY/RENAME/MOVE of
// collections, SCAN with TYPE, DUMP+RESTORE round trips (payloads differ by design, so only
// their effects are compared). Families not in the table yet are left out.
import { describe, expect, it } from "vitest";
import { commands } from "../../src/commands/index.js";
import { TestStore } from "../../src/test-kit.js";
import { type CompareStep, compareScript, oracleForSuite } from "../redis-oracle.js";

type Step = string[] | CompareStep;
const has = (name: string) => commands.some((c) => c.name === name && c.handler);
const many = (prefix: string, n: number, withScore = false) =>
  Array.from({ length: n }, (_, i) =>
    withScore ? [String(i), `${prefix}${i}`] : [`${prefix}${i}`],
  ).flat();

function script(): Step[] {
  const s: Step[] = [];
  const generic = (k: string) => {
    s.push(["TYPE", k], ["OBJECT", "ENCODING", k], ["COPY", k, `${k}:copy`], ["TYPE", `${k}:copy`]);
    s.push(["RENAME", `${k}:copy`, `${k}:renamed`], ["EXISTS", `${k}:copy`, `${k}:renamed`]);
    s.push({ argv: ["SCAN", "0", "TYPE", "none", "COUNT", "1000"] });
  };
  if (has("rpush")) {
    s.push(["RPUSH", "l", "a", "b", "c"]);
    generic("l");
    s.push(["LRANGE", "l:renamed", "0", "-1"], ["MOVE", "l:renamed", "3"], ["SELECT", "3"]);
  }
  if (has("hset")) {
    s.push(["HSET", "h", "f", "v", "g", "w"]);
    generic("h");
    s.push(
      ["HSET", "hbig", ...many("f", 513).flatMap((f) => [f, "v"])],
      ["OBJECT", "ENCODING", "hbig"],
    );
    s.push(["HSET", "hlong", "f", "x".repeat(65)], ["OBJECT", "ENCODING", "hlong"]);
    s.push({ argv: ["HGETALL", "h:renamed"], unordered: true });
  }
  if (has("sadd")) {
    s.push(["SADD", "si", "1", "2", "-3"]);
    generic("si");
    s.push(["SADD", "ss", "a", "1"], ["OBJECT", "ENCODING", "ss"]);
    s.push(["SADD", "sbig", ...many("", 513)], ["OBJECT", "ENCODING", "sbig"]);
    // An intset is ascending on both: compared exactly.
    s.push(["SMEMBERS", "si:renamed"]);
  }
  if (has("zadd")) {
    s.push(["ZADD", "z", "1", "a", "2", "b"]);
    generic("z");
    s.push(["ZADD", "zbig", ...many("m", 129, true)], ["OBJECT", "ENCODING", "zbig"]);
    s.push(["ZADD", "zlong", "1", "x".repeat(65)], ["OBJECT", "ENCODING", "zlong"]);
    s.push(["ZRANGE", "z:renamed", "0", "-1", "WITHSCORES"]);
  }
  s.push({ argv: ["SCAN", "0", "TYPE", "list", "COUNT", "1000"], unordered: true });
  s.push({ argv: ["SCAN", "0", "TYPE", "ZSET", "COUNT", "1000"], unordered: true });
  s.push({ argv: ["KEYS", "*"], unordered: true }, ["DBSIZE"]);
  return s.filter((x) => !(Array.isArray(x) && x[0] === "SELECT"));
}

describe("generic commands on every type vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  it("TYPE, OBJECT ENCODING, COPY, RENAME, MOVE, SCAN TYPE", async () => {
    await oracle().command("FLUSHALL");
    const t = new TestStore(commands);
    expect(await compareScript(t, oracle(), script())).toEqual([]);
  });

  // Redis converts an intset to a hashtable for good (a non-integer member, or more than
  // set-max-intset-entries), and builds every *STORE result from an empty intset member by
  // member: SDIFFSTORE's algorithm 2 adds the whole first set before removing, so its result
  // can be a hashtable of integers. Each STORE variant over sets of either encoding.
  it("OBJECT ENCODING of sets after conversions and of every *STORE result", async () => {
    await oracle().command("FLUSHALL");
    const t = new TestStore(commands);
    const enc = (k: string): Step => ["OBJECT", "ENCODING", k];
    const steps: Step[] = [
      ["SADD", "ints", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
      // Integers only, but converted once: hashtable from now on.
      ["SADD", "hti", "1", "2", "3", "x"],
      ["SREM", "hti", "x"],
      enc("hti"),
      ["SADD", "big", ...many("", 513)],
      ["SREM", "big", "512"],
      enc("big"),
      ["SADD", "mixed", "1", "2", "x", "11"],
      ["SADD", "x1", "x"],
      ["SADD", "x2", "x"],
      ["SADD", "x3", "x"],
      ["SMOVE", "mixed", "moved", "x"],
      enc("moved"),
      ["SMOVE", "mixed", "moved", "1"],
      ["SREM", "moved", "x"],
      enc("moved"),
      enc("mixed"),
    ];
    const stores = [
      ["SINTERSTORE", "o", "ints", "hti"],
      ["SINTERSTORE", "o", "hti", "ints"],
      ["SINTERSTORE", "o", "hti"],
      ["SINTERSTORE", "o", "big", "ints"],
      ["SINTERSTORE", "o", "mixed", "ints"],
      ["SUNIONSTORE", "o", "ints", "hti"],
      ["SUNIONSTORE", "o", "hti"],
      ["SUNIONSTORE", "o", "ints", "x1"],
      ["SUNIONSTORE", "o", "big", "ints"],
      ["SDIFFSTORE", "o", "ints", "hti"],
      ["SDIFFSTORE", "o", "hti", "x1"],
      ["SDIFFSTORE", "o", "big", "ints"],
      // Algorithm 1 (half of 2 x 3 members is no more than 3 + 1) then algorithm 2.
      ["SADD", "few", "1", "2", "x"],
      ["SDIFFSTORE", "o", "few", "x1"],
      ["SADD", "eleven", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "x"],
      ["SDIFFSTORE", "o", "eleven", "x1", "x2", "x3"],
      ["SDIFFSTORE", "o", "eleven", "x1", "nokey", "x2", "x3"],
      ["SDIFFSTORE", "o", "ints", "x1", "x2", "x3"],
      ["SDIFFSTORE", "o", "big", "x1", "x2", "x3"],
    ];
    for (const st of stores) steps.push(st, ...(st[0] === "SADD" ? [] : [enc("o")]));
    const mismatches = await compareScript(t, oracle(), steps);
    expect(mismatches).toEqual([]);
    // Both encodings came up, so the comparison above told something.
    expect(t.run("OBJECT", "ENCODING", "hti")).toBe("hashtable");
    expect(t.run("OBJECT", "ENCODING", "ints")).toBe("intset");
  });

  // An intset is ascending whatever the order its members came in: DUMP writes it so (Redis's
  // intset encoding requires it), RESTORE and COPY keep it, and a member added to a copy or a
  // restored set takes its place.
  it("an intset keeps ascending order through DUMP, RESTORE and COPY", async () => {
    await oracle().command("FLUSHALL");
    const t = new TestStore(commands);
    const raw = (b: Buffer) => b.subarray(b.indexOf("\r\n") + 2, b.length - 2);
    const steps: Step[] = [
      ["SADD", "io", "3", "1", "70000", "2", "-5", "-9223372036854775808"],
      ["DUMP", "io"],
      ["COPY", "io", "ic"],
      ["SMEMBERS", "ic"],
      ["SADD", "ic", "-100", "4"],
      ["SMEMBERS", "ic"],
      ["DUMP", "ic"],
    ];
    expect(await compareScript(t, oracle(), steps)).toEqual([]);
    const payload = raw(await oracle().command("DUMP", "io"));
    const restored: CompareStep[] = [
      { argv: ["RESTORE", "ir", 0, payload] },
      { argv: ["SMEMBERS", "ir"] },
      { argv: ["SADD", "ir", "-6", "0"] },
      { argv: ["SMEMBERS", "ir"] },
      { argv: ["OBJECT", "ENCODING", "ir"] },
      { argv: ["SSCAN", "ir", "0"] },
    ];
    expect(await compareScript(t, oracle(), restored)).toEqual([]);
    expect(t.run("OBJECT", "ENCODING", "ir")).toBe("intset");
  });

  // The same one-way conversion for hashes: a field or value over hash-max-listpack-value bytes
  // written by any command, or more than hash-max-listpack-entries fields.
  it("OBJECT ENCODING of hashes after they shrink back", async () => {
    await oracle().command("FLUSHALL");
    const t = new TestStore(commands);
    const long = "x".repeat(65);
    const steps: Step[] = [
      ["HSET", "h1", "a", "1", "f", long],
      ["HDEL", "h1", "f"],
      ["HSET", "h2", "a", "1", long, "v"],
      ["HDEL", "h2", long],
      ["HSET", "h3", "a", long, "a", "short"],
      ["HINCRBY", "h4", long, "1"],
      ["HSET", "h4", "a", "1"],
      ["HDEL", "h4", long],
      ["HINCRBYFLOAT", "h5", long, "1.5"],
      ["HSET", "h5", "a", "1"],
      ["HDEL", "h5", long],
      ["HSETNX", "h6", "f", "1"],
      ["HSETNX", "h6", "f", long],
      ["HSETNX", "h7", "a", "1"],
      ["HSETNX", "h7", "f", long],
      ["HDEL", "h7", "f"],
      ["HMSET", "h8", ...many("f", 513).flatMap((f) => [f, "v"])],
      ["HDEL", "h8", "f0", "f1"],
      ["HSET", "h9", "a", "1"],
    ];
    for (let i = 1; i <= 9; i++) steps.push(["OBJECT", "ENCODING", `h${i}`]);
    expect(await compareScript(t, oracle(), steps)).toEqual([]);
    expect(t.run("OBJECT", "ENCODING", "h1")).toBe("hashtable");
    expect(t.run("OBJECT", "ENCODING", "h9")).toBe("listpack");
  });

  it("DUMP + RESTORE round-trips every type with its TTL", async () => {
    await oracle().command("FLUSHALL");
    const t = new TestStore(commands);
    const keys = ["l", "h", "si", "z"].filter((_, i) =>
      has(["rpush", "hset", "sadd", "zadd"][i] as string),
    );
    const steps: Step[] = script().slice(0, 0);
    if (has("rpush")) steps.push(["RPUSH", "l", "a", "b"]);
    if (has("hset")) steps.push(["HSET", "h", "f", "v"]);
    if (has("sadd")) steps.push(["SADD", "si", "1", "x"]);
    if (has("zadd")) steps.push(["ZADD", "z", "1.5", "a", "-inf", "b"]);
    steps.push(["SET", "s", "str"]);
    expect(await compareScript(t, oracle(), steps)).toEqual([]);
    for (const k of [...keys, "s"]) {
      // Each side restores its own payload; the effects must match.
      const mine = t.runBuffers("DUMP", k) as Buffer;
      const theirs = await oracle().command("DUMP", k);
      const payload = theirs.subarray(theirs.indexOf("\r\n") + 2, theirs.length - 2);
      t.now = Date.now();
      t.run("RESTORE", `${k}:r`, "100000", mine);
      await oracle().command("RESTORE", `${k}:r`, "100000", payload);
    }
    const check: Step[] = [
      ...keys.map((k) => ({ argv: ["TYPE", `${k}:r`] })),
      ...[...keys, "s"].map((k) => ["PTTL", `${k}:r`]).map((argv) => ({ argv, noCompare: true })),
      ["TTL", "s:r"],
      ["GET", "s:r"],
      ...(has("zadd") ? [["ZRANGE", "z:r", "0", "-1", "WITHSCORES"]] : []),
      ...(has("rpush") ? [["LRANGE", "l:r", "0", "-1"]] : []),
      ["RESTORE", "s:r", "0", "x"],
      ["DUMP", "nokey"],
    ];
    expect(await compareScript(t, oracle(), check)).toEqual([]);
  });
});

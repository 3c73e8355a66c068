// Sorted-set commands on a TestStore: what the comparison with real Redis cannot see (propagation,
// dirty counts, keyspace events, blocking, TTLs, random and cursor replies), plus the edge cases
// Redis's documentation lists for each command.
import { describe, expect, it } from "vitest";
import { ArrayArgs, Dbl, ReplyErr, Simple, TestStore } from "../test-kit.js";
import type { ZSet } from "../types/zset.js";
import { keyCommands } from "./keys.js";
import { zsetCommands } from "./zsets.js";

function store() {
  const events: string[] = [];
  const ready: string[] = [];
  const modified: string[] = [];
  const t = new TestStore(zsetCommands, {
    hooks: {
      notify: (_db, cls, ev, key) => {
        if (cls !== "new") events.push(`${cls}:${ev}:${key}`);
      },
      keyReady: (_db, key) => ready.push(key),
      keyModified: (_db, key) => modified.push(key),
    },
  });
  return { t, events, ready, modified };
}

const argv = (t: TestStore) => t.last.propagated.map((a) => a.map((x) => x.toString()).join(" "));

describe("ZADD / ZINCRBY", () => {
  it("counts added (or changed with CH), propagates and notifies only on change", () => {
    const { t, events, ready } = store();
    expect(t.run("ZADD", "z", "1", "a", "2", "b")).toBe(2);
    expect(argv(t)).toEqual(["ZADD z 1 a 2 b"]);
    expect(t.last.dirty).toBe(2);
    expect(ready).toContain("z");
    expect(events).toEqual(["zset:zadd:z"]);
    ready.length = 0;
    expect(t.run("ZADD", "z", "1", "a")).toBe(0);
    expect(argv(t)).toEqual([]);
    expect(t.last.dirty).toBe(0);
    expect(t.run("ZADD", "z", "CH", "5", "a", "2", "b", "3", "c")).toBe(2);
    expect(ready).toEqual([]);
  });

  it("keeps the TTL of an existing key", () => {
    const { t } = store();
    t.run("ZADD", "z", "1", "a");
    t.keyspace.db(0).setExpire("z", t.now + 10_000);
    t.run("ZADD", "z", "2", "b");
    expect(t.keyspace.db(0).getExpire("z")).toBe(t.now + 10_000);
  });

  it("INCR replies the new score, null when a condition refused it", () => {
    const { t, events } = store();
    expect(t.run("ZADD", "z", "INCR", "1.5", "a")).toBe("1.5");
    expect(t.run("ZINCRBY", "z", "2", "a")).toBe("3.5");
    expect(events).toEqual(["zset:zincr:z", "zset:zincr:z"]);
    expect(t.run("ZADD", "z", "INCR", "NX", "1", "a")).toBeNull();
    expect(t.run("ZADD", "z", "INCR", "GT", "-1", "a")).toBeNull();
    expect(t.run("ZADD", "z", "INCR", "LT", "-1", "a")).toBe("2.5");
    t.resp = 3;
    expect(t.run("ZINCRBY", "z", "0.5", "a")).toEqual(new Dbl(3));
    expect(t.run("ZADD", "z", "XX", "INCR", "1", "nope")).toBeNull();
  });

  it("refuses a NaN result and leaves the score", () => {
    const { t } = store();
    t.run("ZADD", "z", "+inf", "a");
    expect(t.run("ZINCRBY", "z", "-inf", "a")).toEqual(
      new ReplyErr("ERR resulting score is not a number (NaN)"),
    );
    expect(t.run("ZSCORE", "z", "a")).toBe("inf");
    expect(t.last.propagated).toEqual([]);
  });

  it("checks every score before changing anything", () => {
    const { t } = store();
    expect(t.run("ZADD", "z", "1", "a", "x", "b")).toEqual(
      new ReplyErr("ERR value is not a valid float"),
    );
    expect(t.keyspace.db(0).size).toBe(0);
  });

  it("XX on a missing key creates nothing", () => {
    const { t } = store();
    expect(t.run("ZADD", "z", "XX", "1", "a")).toBe(0);
    expect(t.keyspace.db(0).size).toBe(0);
  });
});

describe("reads", () => {
  it("ZRANGE family with RESP3 nested pairs", () => {
    const { t } = store();
    t.run("ZADD", "z", "1", "a", "2", "b", "3", "c");
    t.resp = 3;
    expect(t.run("ZRANGE", "z", "0", "1", "WITHSCORES")).toEqual([
      ["a", new Dbl(1)],
      ["b", new Dbl(2)],
    ]);
    expect(t.run("ZRANGEBYSCORE", "z", "(1", "+inf", "WITHSCORES")).toEqual([
      ["b", new Dbl(2)],
      ["c", new Dbl(3)],
    ]);
    expect(t.run("ZREVRANGE", "z", "0", "0")).toEqual(["c"]);
    expect(t.run("ZSCORE", "z", "nope")).toBeNull();
  });

  it("binary members sort by bytes", () => {
    const { t } = store();
    const m1 = Buffer.from([0xff, 0x00]);
    const m2 = Buffer.from([0x00, 0xff]);
    t.run("ZADD", "z", "0", m1, "0", m2, "0", "a");
    expect(t.runBuffers("ZRANGE", "z", "0", "-1")).toEqual([m2, Buffer.from("a"), m1]);
    expect(t.run("ZRANK", "z", m1)).toBe(2);
    expect(t.run("ZRANGEBYLEX", "z", Buffer.from([0x5b, 0x61]), "+")).toEqual(["a", "\xff\x00"]);
  });

  it("ZRANDMEMBER: distinct members for a positive count, repeats for a negative one", () => {
    const { t } = store();
    for (let i = 0; i < 50; i++) t.run("ZADD", "z", String(i), `m${i}`);
    for (const n of [2, 10, 20, 49]) {
      const r = t.run("ZRANDMEMBER", "z", n) as string[];
      expect(r).toHaveLength(n);
      expect(new Set(r).size).toBe(n);
      for (const m of r) expect(m).toMatch(/^m\d+$/);
    }
    const many = t.run("ZRANDMEMBER", "z", "-200", "WITHSCORES") as string[];
    expect(many).toHaveLength(400);
    for (let i = 0; i < many.length; i += 2) expect(`m${many[i + 1]}`).toBe(many[i]);
    t.resp = 3;
    const pairs = t.run("ZRANDMEMBER", "z", "-3", "WITHSCORES") as [string, Dbl][];
    expect(pairs).toHaveLength(3);
    for (const [m, s] of pairs) expect(m).toBe(`m${s.value}`);
    expect(t.run("ZRANDMEMBER", "z")).toMatch(/^m\d+$/);
  });

  it("ZSCAN walks a large set with a cursor and returns everything", () => {
    const { t } = store();
    for (let i = 0; i < 300; i++) t.run("ZADD", "z", String(i / 4), `m${i}`);
    const seen = new Map<string, string>();
    let cursor = "0";
    let calls = 0;
    do {
      const [next, items] = t.run("ZSCAN", "z", cursor, "COUNT", "20") as [string, string[]];
      for (let i = 0; i < items.length; i += 2)
        seen.set(items[i] as string, items[i + 1] as string);
      cursor = next;
      calls++;
      if (calls === 3) t.run("ZADD", "z", "1000", "late");
    } while (cursor !== "0" && calls < 1000);
    expect(calls).toBeGreaterThan(5);
    for (let i = 0; i < 300; i++) expect(seen.get(`m${i}`)).toBe(String(i / 4));
    const [, matched] = t.run("ZSCAN", "z", "0", "MATCH", "m29*", "COUNT", "1000") as [
      string,
      string[],
    ];
    expect(matched.filter((_, i) => i % 2 === 0).sort()).toEqual([
      "m29",
      "m290",
      "m291",
      "m292",
      "m293",
      "m294",
      "m295",
      "m296",
      "m297",
      "m298",
      "m299",
    ]);
  });

  it("reports scores with 17 significant digits in ZSCAN", () => {
    const { t } = store();
    t.run("ZADD", "z", "0.1", "a", "1e300", "b", "-0.0001", "c");
    expect(t.run("ZSCAN", "z", "0")).toEqual([
      "0",
      ["c", "-0.0001", "a", "0.10000000000000001", "b", "1.0000000000000001e+300"],
    ]);
  });
});

describe("removals and stores", () => {
  it("ZREM deletes an emptied key with zrem then del events", () => {
    const { t, events } = store();
    t.run("ZADD", "z", "1", "a", "2", "b");
    events.length = 0;
    expect(t.run("ZREM", "z", "a", "b", "c")).toBe(2);
    expect(events).toEqual(["zset:zrem:z", "generic:del:z"]);
    expect(t.last.dirty).toBe(2);
    expect(argv(t)).toEqual(["ZREM z a b c"]);
    expect(t.keyspace.db(0).size).toBe(0);
  });

  it("ZREMRANGEBYSCORE removes and reports; nothing removed propagates nothing", () => {
    const { t, events } = store();
    t.run("ZADD", "z", "1", "a", "2", "b", "3", "c");
    events.length = 0;
    expect(t.run("ZREMRANGEBYSCORE", "z", "(1", "2")).toBe(1);
    expect(events).toEqual(["zset:zremrangebyscore:z"]);
    expect(t.run("ZREMRANGEBYSCORE", "z", "10", "20")).toBe(0);
    expect(t.last.propagated).toEqual([]);
  });

  it("*STORE replaces the destination (dropping its TTL) or deletes it when empty", () => {
    const { t, events } = store();
    t.run("ZADD", "a", "1", "x", "2", "y");
    t.run("ZADD", "dst", "5", "old");
    t.keyspace.db(0).setExpire("dst", t.now + 1000);
    events.length = 0;
    expect(t.run("ZUNIONSTORE", "dst", "1", "a")).toBe(2);
    expect(t.keyspace.db(0).getExpire("dst")).toBe(-1);
    expect(events).toEqual(["zset:zunionstore:dst"]);
    expect(argv(t)).toEqual(["ZUNIONSTORE dst 1 a"]);
    expect(t.run("ZRANGESTORE", "dst", "a", "10", "20")).toBe(0);
    expect(t.keyspace.db(0).has("dst", t.now)).toBe(false);
    expect(events.at(-1)).toBe("generic:del:dst");
    expect(t.run("ZINTERSTORE", "dst", "2", "a", "nokey")).toBe(0);
    expect(t.last.propagated).toEqual([]);
  });

  it("a stored result takes Redis's encoding", () => {
    const { t } = store();
    for (let i = 0; i < 200; i++) t.run("ZADD", "big", String(i), `m${i}`);
    t.run("ZRANGESTORE", "small", "big", "0", "9");
    t.run("ZUNIONSTORE", "u", "1", "small");
    const db = t.keyspace.db(0);
    expect((db.lookupRead("big", t.now) as ZSet).encoding).toBe("skiplist");
    expect((db.lookupRead("small", t.now) as ZSet).encoding).toBe("listpack");
    expect((db.lookupRead("u", t.now) as ZSet).encoding).toBe("listpack");
  });
});

describe("pops and blocking pops", () => {
  it("ZPOPMIN propagates itself; the last pop deletes the key", () => {
    const { t, events } = store();
    t.run("ZADD", "z", "1", "a", "2", "b");
    events.length = 0;
    expect(t.run("ZPOPMIN", "z", "5")).toEqual(["a", "1", "b", "2"]);
    expect(argv(t)).toEqual(["ZPOPMIN z 5"]);
    expect(t.last.dirty).toBe(2);
    expect(events).toEqual(["zset:zpopmin:z", "generic:del:z"]);
    expect(t.run("ZPOPMIN", "z")).toEqual([]);
    expect(t.last.propagated).toEqual([]);
  });

  it("ZMPOP propagates as ZPOPMIN/ZPOPMAX with the count popped", () => {
    const { t } = store();
    t.run("ZADD", "b", "1", "x", "2", "y", "3", "z");
    expect(t.run("ZMPOP", "2", "a", "b", "MAX", "COUNT", "2")).toEqual([
      "b",
      [
        ["z", "3"],
        ["y", "2"],
      ],
    ]);
    expect(argv(t)).toEqual(["ZPOPMAX b 2"]);
    t.run("ZMPOP", "1", "b", "MIN");
    expect(argv(t)).toEqual(["ZPOPMIN b 1"]);
    t.run("ZADD", "b", "1", "x", "2", "y");
    t.run("ZMPOP", "1", "b", "MIN", "COUNT", "9223372036854775807");
    expect(argv(t)).toEqual(["ZPOPMIN b 2"]);
  });

  it("BZPOPMIN blocks on empty keys, then serves when re-run after a ZADD", () => {
    const { t, ready } = store();
    expect(t.run("BZPOPMIN", "a", "b", "1.5")).toBeUndefined();
    expect(t.last.blocked).toEqual({
      keys: ["a", "b"],
      timeoutMs: 1500,
      timeoutReply: "nullArray",
    });
    expect(t.last.propagated).toEqual([]);
    t.run("ZADD", "b", "7", "m");
    expect(ready).toContain("b");
    expect(t.run("BZPOPMIN", "a", "b", "1.5")).toEqual(["b", "m", "7"]);
    expect(argv(t)).toEqual(["ZPOPMIN b"]);
    expect(t.keyspace.db(0).size).toBe(0);
    // Nothing left: it blocks again (the server keeps its place and deadline).
    expect(t.run("BZPOPMIN", "a", "b", "1.5")).toBeUndefined();
  });

  it("re-run for a ready key: serve from it alone, stay blocked when it is not a sorted set", () => {
    const { t } = store();
    t.keyspace.db(0).setKey("a", Buffer.from("x"));
    t.run("ZADD", "b", "1", "m", "2", "n");
    t.readyKey = "a";
    expect(t.run("BZPOPMIN", "a", "b", "0")).toBeUndefined();
    expect(t.run("BZMPOP", "0", "2", "a", "b", "MAX")).toBeUndefined();
    expect(t.last.propagated).toEqual([]);
    t.readyKey = "b";
    expect(t.run("BZPOPMIN", "a", "b", "0")).toEqual(["b", "m", "1"]);
    expect(argv(t)).toEqual(["ZPOPMIN b"]);
  });

  it("BZMPOP blocks with timeout 0 = forever and propagates as ZPOPMIN with the count popped", () => {
    const { t } = store();
    expect(t.run("BZMPOP", "0", "1", "k", "MIN", "COUNT", "3")).toBeUndefined();
    expect(t.last.blocked?.timeoutMs).toBe(0);
    t.run("ZADD", "k", "1", "a", "2", "b");
    expect(t.run("BZMPOP", "0", "1", "k", "MIN", "COUNT", "3")).toEqual([
      "k",
      [
        ["a", "1"],
        ["b", "2"],
      ],
    ]);
    expect(argv(t)).toEqual(["ZPOPMIN k 2"]);
  });

  it("inside MULTI (no blocking) an empty pop replies a null array at once", () => {
    const { t } = store();
    t.canBlock = false;
    expect(t.run("BZPOPMAX", "a", "0")).toBeNull();
    expect(t.run("BZMPOP", "1", "1", "a", "MAX")).toBeNull();
    expect(t.last.blocked).toBeNull();
  });

  it("rounds sub-millisecond timeouts up and refuses bad ones", () => {
    const { t } = store();
    t.run("BZPOPMIN", "a", "0.0001");
    expect(t.last.blocked?.timeoutMs).toBe(1);
    expect(t.run("BZPOPMIN", "a", "inf")).toEqual(new ReplyErr("ERR timeout is negative"));
    expect(t.run("BZPOPMIN", "a", " 1")).toEqual(
      new ReplyErr("ERR timeout is not a float or out of range"),
    );
  });
});

// The examples of each command's page on redis.io, as [command, expected reply] steps.
type Step = [string, unknown];
const DOC_EXAMPLES: Record<string, Step[]> = {
  "ZADD ZRANGE ZCARD ZSCORE ZMSCORE": [
    ["ZADD myzset 1 one", 1],
    ["ZADD myzset 1 uno", 1],
    ["ZADD myzset 2 two 3 three", 2],
    ["ZRANGE myzset 0 -1 WITHSCORES", ["one", "1", "uno", "1", "two", "2", "three", "3"]],
    ["ZCARD myzset", 4],
    ["ZSCORE myzset two", "2"],
    ["ZMSCORE myzset one two nofield", ["1", "2", null]],
  ],
  "ZCOUNT ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANK ZREVRANK": [
    ["ZADD myzset 1 one 2 two 3 three", 3],
    ["ZCOUNT myzset -inf +inf", 3],
    ["ZCOUNT myzset (1 3", 2],
    ["ZRANGEBYSCORE myzset -inf +inf", ["one", "two", "three"]],
    ["ZRANGEBYSCORE myzset 1 2", ["one", "two"]],
    ["ZRANGEBYSCORE myzset (1 2", ["two"]],
    ["ZRANGEBYSCORE myzset (1 (2", []],
    ["ZREVRANGEBYSCORE myzset +inf -inf", ["three", "two", "one"]],
    ["ZREVRANGEBYSCORE myzset 2 (1", ["two"]],
    ["ZRANK myzset three", 2],
    ["ZRANK myzset four", null],
    ["ZREVRANK myzset one", 2],
    ["ZREVRANGE myzset 0 -1", ["three", "two", "one"]],
    ["ZINCRBY myzset 2 one", "3"],
    ["ZRANGE myzset 0 -1 WITHSCORES", ["two", "2", "one", "3", "three", "3"]],
  ],
  "ZLEXCOUNT ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYLEX": [
    ["ZADD myzset 0 a 0 b 0 c 0 d 0 e 0 f 0 g", 7],
    ["ZLEXCOUNT myzset - +", 7],
    ["ZLEXCOUNT myzset [b [f", 5],
    ["ZRANGEBYLEX myzset - [c", ["a", "b", "c"]],
    ["ZRANGEBYLEX myzset - (c", ["a", "b"]],
    ["ZRANGEBYLEX myzset [aaa (g", ["b", "c", "d", "e", "f"]],
    ["ZREVRANGEBYLEX myzset [c -", ["c", "b", "a"]],
    ["ZREVRANGEBYLEX myzset (g [aaa", ["f", "e", "d", "c", "b"]],
    ["ZADD z2 0 aaaa 0 b 0 c 0 d 0 e 0 foo 0 zap 0 zip 0 ALPHA 0 alpha", 10],
    ["ZREMRANGEBYLEX z2 [alpha [omega", 6],
    ["ZRANGE z2 0 -1", ["ALPHA", "aaaa", "zap", "zip"]],
  ],
  "ZREMRANGEBYRANK ZREMRANGEBYSCORE ZPOPMAX ZPOPMIN ZRANGESTORE": [
    ["ZADD myzset 1 one 2 two 3 three", 3],
    ["ZREMRANGEBYRANK myzset 0 1", 2],
    ["ZRANGE myzset 0 -1 WITHSCORES", ["three", "3"]],
    ["ZADD myzset 1 one 2 two", 2],
    ["ZREMRANGEBYSCORE myzset -inf (2", 1],
    ["ZPOPMAX myzset", ["three", "3"]],
    ["ZPOPMIN myzset", ["two", "2"]],
    ["ZADD srczset 1 one 2 two 3 three 4 four", 4],
    ["ZRANGESTORE dstzset srczset 2 -1", 2],
    ["ZRANGE dstzset 0 -1", ["three", "four"]],
  ],
  "ZINTER ZUNION ZDIFF ZINTERCARD and STORE forms": [
    ["ZADD zset1 1 one 2 two", 2],
    ["ZADD zset2 1 one 2 two 3 three", 3],
    ["ZINTER 2 zset1 zset2", ["one", "two"]],
    ["ZINTER 2 zset1 zset2 WITHSCORES", ["one", "2", "two", "4"]],
    ["ZUNION 2 zset1 zset2", ["one", "three", "two"]],
    ["ZUNION 2 zset1 zset2 WITHSCORES", ["one", "2", "three", "3", "two", "4"]],
    ["ZDIFF 2 zset2 zset1 WITHSCORES", ["three", "3"]],
    ["ZINTERCARD 2 zset1 zset2", 2],
    ["ZINTERCARD 2 zset1 zset2 LIMIT 1", 1],
    ["ZINTERSTORE out 2 zset1 zset2 WEIGHTS 2 3", 2],
    ["ZRANGE out 0 -1 WITHSCORES", ["one", "5", "two", "10"]],
    ["ZUNIONSTORE out 2 zset1 zset2 WEIGHTS 2 3", 3],
    ["ZRANGE out 0 -1 WITHSCORES", ["one", "5", "three", "9", "two", "10"]],
    ["ZDIFFSTORE out 2 zset2 zset1", 1],
    ["ZRANGE out 0 -1 WITHSCORES", ["three", "3"]],
  ],
  "ZMPOP BZPOPMIN BZPOPMAX": [
    ["ZMPOP 1 notsuchkey MIN", null],
    ["ZADD myzset 1 one 2 two 3 three", 3],
    ["ZMPOP 1 myzset MIN", ["myzset", [["one", "1"]]]],
    [
      "ZMPOP 1 myzset MAX COUNT 10",
      [
        "myzset",
        [
          ["three", "3"],
          ["two", "2"],
        ],
      ],
    ],
    ["ZADD myzset2 4 four 5 five 6 six", 3],
    [
      "ZMPOP 2 myzset myzset2 MIN COUNT 10",
      [
        "myzset2",
        [
          ["four", "4"],
          ["five", "5"],
          ["six", "6"],
        ],
      ],
    ],
    ["ZADD zset1 0 a 1 b 2 c", 3],
    ["BZPOPMIN zset1 zset2 0", ["zset1", "a", "0"]],
    ["BZPOPMAX zset1 zset2 0", ["zset1", "c", "2"]],
  ],
};

describe("Redis documentation examples", () => {
  for (const [name, steps] of Object.entries(DOC_EXAMPLES)) {
    it(name, () => {
      const { t } = store();
      for (const [line, want] of steps) {
        expect([line, t.run(...line.split(" "))]).toEqual([line, want]);
      }
    });
  }
});

describe("with the core's value codec", () => {
  const fill = (t: TestStore) => {
    t.run("ZADD", "small", "1", "a", "0", "z", "2.5", "\xff\x00", "-inf", "lo");
    const argv = ["ZADD", "big"];
    for (let i = 0; i < 200; i++) argv.push(String(i / 3), `m${i}`);
    t.run(...argv);
  };
  const shape = (t: TestStore, k: string) => [
    t.run("ZRANGE", k, "0", "-1", "WITHSCORES"),
    t.run("OBJECT", "ENCODING", k),
  ];

  it("DUMP/RESTORE and COPY keep members, scores and encoding", () => {
    const t = new TestStore([...zsetCommands, ...keyCommands]);
    fill(t);
    for (const k of ["small", "big"]) {
      const payload = t.runBuffers("DUMP", k) as Buffer;
      expect(t.run("RESTORE", `${k}2`, "0", payload)).toEqual(new Simple("OK"));
      expect(shape(t, `${k}2`)).toEqual(shape(t, k));
      expect(t.run("COPY", k, `${k}3`)).toBe(1);
      expect(shape(t, `${k}3`)).toEqual(shape(t, k));
    }
  });

  it("a snapshot round trip keeps sorted sets", () => {
    const t = new TestStore([...zsetCommands, ...keyCommands]);
    fill(t);
    const u = new TestStore([...zsetCommands, ...keyCommands]);
    u.keyspace.loadRdb(t.keyspace.rdbSnapshotSync({ now: t.now }), { now: t.now });
    for (const k of ["small", "big"]) expect(shape(u, k)).toEqual(shape(t, k));
    expect(u.run("ZRANK", "big", "m150")).toBe(t.run("ZRANK", "big", "m150"));
  });
});

describe("command table", () => {
  it("has every sorted-set command once", () => {
    const names = zsetCommands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(35);
    for (const c of zsetCommands) expect(c.handler).toBeTypeOf("function");
  });

  it("finds no keys when numkeys does not fit the arguments", () => {
    const keysOf = (...argv: string[]) => {
      const spec = zsetCommands.find((c) => c.name === (argv[0] as string).toLowerCase());
      return spec?.getKeys?.(new ArrayArgs(argv.map((a) => Buffer.from(a))));
    };
    expect(keysOf("ZUNION", "0", "a")).toEqual([]);
    expect(keysOf("ZUNION", "3", "a", "b")).toEqual([]);
    expect(keysOf("ZUNIONSTORE", "d", "x", "a")).toEqual([]);
    expect(keysOf("ZMPOP", "2", "a", "b", "MIN")).toEqual([2, 3]);
    expect(keysOf("BZMPOP", "0", "1", "a", "MIN")).toEqual([3]);
    expect(keysOf("ZINTERSTORE", "d", "2", "a", "b")).toEqual([1, 3, 4]);
  });

  it("ZADD with more pairs than the shared score buffer", () => {
    const { t } = store();
    const argv = ["ZADD", "z"];
    for (let i = 0; i < 3000; i++) argv.push(String(i), `m${i}`);
    expect(t.run(...argv)).toBe(3000);
    expect(t.run("ZSCORE", "z", "m2999")).toBe("2999");
    expect(t.run("ZADD", "z", ...argv.slice(2).map((a, i) => (i === 5000 ? "x" : a)))).toEqual(
      new ReplyErr("ERR value is not a valid float"),
    );
  });
});

// Clients blocked on keys, against real redis-server 7.0.15: Redis 7.0 serves a blocked client
// from the key that became ready alone, and only when it holds the type the client waits for;
// anything else (a sorted set under a BLPOP key, a list under a BZPOPMIN key, a SET) leaves the
// client blocked, in its place in the queue. Each scenario blocks its waiters in order, runs the
// writes, and compares every byte the waiters and the writer got with what Redis sends. Last,
// what blocking commands append to the AOF, served at once and served after blocking.
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { type ServerHandle, waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import { blockedClients, playBlocking } from "./blocking-helpers.js";
import { cmd, exchange, shoalAndRedisForSuite } from "./helpers.js";

interface Scenario {
  /** Blocking commands, each on its own connection, blocked in this order. */
  waiters: string[][];
  /** Writes from another connection once all waiters are blocked; they must serve every waiter. */
  writes: string[][];
  /** What each waiter gets (as Redis 7.0.15 replies). */
  expected: string[];
}

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;

const scenarios: Record<string, Scenario> = {
  "BZPOPMIN stays blocked when a list, then a string, takes its key": {
    waiters: [["BZPOPMIN", "k", "0"]],
    writes: [
      ["RPUSH", "k", "a"],
      ["DEL", "k"],
      ["SET", "k", "x"],
      ["DEL", "k"],
      ["ZADD", "k", "1", "m"],
    ],
    expected: [`*3\r\n${bulk("k")}${bulk("m")}${bulk("1")}`],
  },
  "BLPOP stays blocked when a sorted set takes its key": {
    waiters: [["BLPOP", "k", "0"]],
    writes: [
      ["ZADD", "k", "1", "a"],
      ["DEL", "k"],
      ["RPUSH", "k", "v"],
    ],
    expected: [`*2\r\n${bulk("k")}${bulk("v")}`],
  },
  "BLPOP serves from the ready key, skipping a wrong-typed one before it": {
    waiters: [["BLPOP", "k1", "k2", "0"]],
    writes: [
      ["ZADD", "k1", "1", "a"],
      ["RPUSH", "k2", "x"],
    ],
    expected: [`*2\r\n${bulk("k2")}${bulk("x")}`],
  },
  "BLPOP serves from the key that became ready first, not the first listed": {
    waiters: [["BLPOP", "k1", "k2", "0"]],
    writes: [["MULTI"], ["RPUSH", "k2", "a"], ["RPUSH", "k1", "b"], ["EXEC"]],
    expected: [`*2\r\n${bulk("k2")}${bulk("a")}`],
  },
  "waiters left blocked keep their arrival order": {
    waiters: [
      ["BLPOP", "q", "0"],
      ["BRPOP", "q", "0"],
      ["BLMPOP", "0", "1", "q", "LEFT"],
    ],
    writes: [
      ["ZADD", "q", "1", "a"],
      ["DEL", "q"],
      ["RPUSH", "q", "1"],
      ["RPUSH", "q", "2"],
      ["RPUSH", "q", "3"],
    ],
    expected: [
      `*2\r\n${bulk("q")}${bulk("1")}`,
      `*2\r\n${bulk("q")}${bulk("2")}`,
      `*2\r\n${bulk("q")}*1\r\n${bulk("3")}`,
    ],
  },
  "BZMPOP and BZPOPMAX skip a list under the first key": {
    waiters: [
      ["BZMPOP", "0", "2", "k1", "k2", "MIN"],
      ["BZPOPMAX", "k1", "k2", "0"],
    ],
    writes: [
      ["RPUSH", "k1", "a"],
      ["ZADD", "k2", "1", "x", "2", "y"],
    ],
    expected: [
      `*2\r\n${bulk("k2")}*1\r\n*2\r\n${bulk("x")}${bulk("1")}`,
      `*3\r\n${bulk("k2")}${bulk("y")}${bulk("2")}`,
    ],
  },
  "BLMPOP skips a sorted set under the first key": {
    waiters: [["BLMPOP", "0", "2", "k1", "k2", "LEFT", "COUNT", "2"]],
    writes: [
      ["ZADD", "k1", "1", "a"],
      ["RPUSH", "k2", "x", "y", "z"],
    ],
    expected: [`*2\r\n${bulk("k2")}*2\r\n${bulk("x")}${bulk("y")}`],
  },
  "BLMOVE and BRPOPLPUSH stay blocked on a wrong-typed source; a wrong-typed destination fails": {
    waiters: [
      ["BRPOPLPUSH", "s", "d", "0"],
      ["BLMOVE", "s", "d", "LEFT", "RIGHT", "0"],
    ],
    writes: [
      ["ZADD", "s", "1", "a"],
      ["DEL", "s"],
      ["SET", "d", "x"],
      ["RPUSH", "s", "a", "b"],
      ["DEL", "d"],
      ["RPUSH", "s", "c"],
    ],
    expected: [
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    ],
  },
};

describe("clients blocked on keys, vs redis-server 7.0.15", () => {
  const servers = shoalAndRedisForSuite();

  for (const [name, s] of Object.entries(scenarios)) {
    it(name, async () => {
      const [a, b] = await Promise.all([
        playBlocking(servers.shoal.port, s),
        playBlocking(servers.redis.port, s),
      ]);
      expect(b.slice(0, -1)).toEqual(s.expected);
      expect(a).toEqual(b);
    }, 30_000);
  }
});

// Served at once, BLMOVE goes to the AOF as LMOVE with the directions as typed; served after
// blocking, with Redis's own "left"/"right". BLMPOP and BZMPOP always carry the count.
const aofScript: { now: string[][]; blocked: [string[], string[]][] } = {
  now: [
    ["RPUSH", "s", "a", "b", "c", "d", "e", "f", "g", "h"],
    ["BLMOVE", "s", "d", "LEFT", "RIGHT", "0"],
    ["BLMOVE", "s", "d", "right", "left", "0"],
    ["BRPOPLPUSH", "s", "d", "0"],
    ["BLMPOP", "0", "2", "nx", "s", "LEFT", "COUNT", "2"],
    ["BLMPOP", "0", "1", "s", "right"],
    ["BLPOP", "nx", "s", "0"],
    ["BRPOP", "s", "0"],
    ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"],
    ["BZPOPMIN", "nx", "z", "0"],
    ["BZPOPMAX", "z", "0"],
    ["BZMPOP", "0", "2", "nx", "z", "MIN", "COUNT", "2"],
    ["BZMPOP", "0", "1", "z", "max", "count", "10"],
  ],
  blocked: [
    [
      ["BLMOVE", "s2", "d2", "Left", "rIGHT", "0"],
      ["RPUSH", "s2", "x"],
    ],
    [
      ["BRPOPLPUSH", "s2", "d2", "0"],
      ["RPUSH", "s2", "x"],
    ],
    [
      ["BLMPOP", "0", "2", "nx", "s2", "LEFT", "COUNT", "3"],
      ["RPUSH", "s2", "x", "y"],
    ],
    [
      ["BLPOP", "nx", "s2", "0"],
      ["RPUSH", "s2", "x"],
    ],
    [
      ["BRPOP", "s2", "0"],
      ["RPUSH", "s2", "x"],
    ],
    [
      ["BZPOPMIN", "nx", "z2", "0"],
      ["ZADD", "z2", "1", "a"],
    ],
    [
      ["BZPOPMAX", "z2", "0"],
      ["ZADD", "z2", "1", "a"],
    ],
    [
      ["BZMPOP", "0", "2", "nx", "z2", "min", "count", "3"],
      ["ZADD", "z2", "1", "a", "2", "b"],
    ],
    [
      ["BZMPOP", "0", "1", "z2", "MAX"],
      ["ZADD", "z2", "1", "a", "2", "b"],
    ],
  ],
};

/** The commands of a server's incremental AOF, one line each. */
function aofCommands(dir: string): string[] {
  const aofDir = path.join(dir, "appendonlydir");
  const file = readdirSync(aofDir).find((f) => f.endsWith(".incr.aof")) as string;
  const text = readFileSync(path.join(aofDir, file), "latin1");
  return text
    .split(/\*\d+\r\n/)
    .filter((c) => c !== "")
    .map((c) =>
      c
        .split("\r\n")
        .filter((_, i) => i % 2 === 1)
        .join(" "),
    );
}

async function playAof(port: number): Promise<void> {
  // Each of these is served at once: a reply, never a wait.
  for (const c of aofScript.now) expect(await exchange(port, cmd(...c))).not.toBe("");
  for (const [block, write] of aofScript.blocked) {
    const served = exchange(port, cmd(...block));
    await waitFor(async () => (await blockedClients(port)) === 1, { timeout: 10_000 });
    await exchange(port, cmd(...write));
    await served;
  }
}

describe("blocking commands in the AOF, vs redis-server 7.0.15", () => {
  const servers = shoalAndRedisForSuite(["--appendonly", "yes", "--appendfsync", "always"]);

  it("served at once and served after blocking", async () => {
    await Promise.all([playAof(servers.shoal.port), playAof(servers.redis.port)]);
    const expected = aofCommands(servers.redis.dir);
    expect(expected).toContain("LMOVE s d right left");
    expect(expected).toContain("LMOVE s2 d2 left right");
    expect(expected).toContain("LPOP s2 2");
    expect(aofCommands(servers.shoal.dir)).toEqual(expected);
  }, 60_000);
});

describe("blocked commands in INFO, vs redis-server 7.0.15", () => {
  const servers = shoalAndRedisForSuite();

  // A blocked command counts one call when served or timed out, not when it blocks (nor when
  // a wrong-typed key leaves it blocked); total_commands_processed counts it once.
  async function stats(port: number): Promise<string[]> {
    await exchange(port, cmd("FLUSHALL") + cmd("CONFIG", "RESETSTAT"));
    const served = exchange(port, cmd("BLPOP", "q", "0"));
    await waitFor(async () => (await blockedClients(port)) === 1);
    await exchange(port, cmd("ZADD", "q", "1", "a") + cmd("DEL", "q") + cmd("RPUSH", "q", "x"));
    await served;
    await exchange(port, cmd("BLPOP", "q2", "0.05"));
    const failed = exchange(port, cmd("BLMOVE", "s", "d", "LEFT", "RIGHT", "0"));
    await waitFor(async () => (await blockedClients(port)) === 1);
    await exchange(port, cmd("SET", "d", "x") + cmd("RPUSH", "s", "a"));
    await failed;
    const info = await exchange(port, cmd("INFO", "all"));
    return info
      .split("\r\n")
      .filter((l) =>
        /^(cmdstat_bl|errorstat_|total_commands_processed|total_error_replies)/.test(l),
      )
      .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ""))
      .sort();
  }

  it("calls, failed calls, errors and commands processed", async () => {
    const [a, b] = await Promise.all([stats(servers.shoal.port), stats(servers.redis.port)]);
    expect(b).toContain("cmdstat_blpop:calls=2,rejected_calls=0,failed_calls=0");
    expect(a).toEqual(b);
  }, 30_000);
});

// A key moved into place under a blocked client (RENAME, LMOVE/RPOPLPUSH, MOVE, COPY, SWAPDB,
// ZUNIONSTORE/ZRANGESTORE, or another blocked client's BLMOVE): which element goes to the
// waiter, from which end, in what reply shape, and what Redis writes to its AOF for it.
const movedIntoPlace: Record<string, { waiter: string[]; writes: string[][] }> = {
  "BLMPOP LEFT COUNT after RENAME": {
    waiter: ["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2"],
    writes: [
      ["RPUSH", "src", "a", "b", "c"],
      ["RENAME", "src", "k"],
    ],
  },
  "BLMPOP RIGHT after RENAME over a string": {
    waiter: ["BLMPOP", "0", "1", "k", "RIGHT"],
    writes: [
      ["RPUSH", "src", "a", "b", "c"],
      ["MULTI"],
      ["SET", "k", "x"],
      ["RENAME", "src", "k"],
      ["EXEC"],
    ],
  },
  "BLMPOP LEFT after LMOVE": {
    waiter: ["BLMPOP", "0", "1", "k", "LEFT"],
    writes: [
      ["RPUSH", "src", "a", "b", "c"],
      ["LMOVE", "src", "k", "RIGHT", "LEFT"],
    ],
  },
  "BLMPOP LEFT COUNT after two LMOVEs in MULTI": {
    waiter: ["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "5"],
    writes: [
      ["RPUSH", "src", "a", "b", "c"],
      ["MULTI"],
      ["LMOVE", "src", "k", "LEFT", "LEFT"],
      ["LMOVE", "src", "k", "LEFT", "LEFT"],
      ["EXEC"],
    ],
  },
  "BLMPOP LEFT after RPOPLPUSH": {
    waiter: ["BLMPOP", "0", "1", "k", "LEFT"],
    writes: [
      ["RPUSH", "src", "a", "b", "c"],
      ["RPOPLPUSH", "src", "k"],
    ],
  },
  "BLMPOP LEFT after MOVE from another database": {
    waiter: ["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2"],
    writes: [
      ["SELECT", "1"],
      ["RPUSH", "k", "a", "b", "c"],
      ["MOVE", "k", "0"],
      ["SELECT", "0"],
    ],
  },
  "BLMPOP LEFT after COPY": {
    waiter: ["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2"],
    writes: [
      ["RPUSH", "src", "a", "b", "c"],
      ["COPY", "src", "k"],
    ],
  },
  // One key only: with two, Redis picks the one its blocking_keys dict yields first, and that
  // dict's order follows a hash seeded at random per process.
  "BLMPOP after SWAPDB": {
    waiter: ["BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "2"],
    writes: [
      ["SELECT", "1"],
      ["RPUSH", "k", "a", "b", "c"],
      ["SELECT", "0"],
      ["SWAPDB", "0", "1"],
    ],
  },
  "BLMPOP over two keys, both renamed in place in one MULTI: the first renamed": {
    waiter: ["BLMPOP", "0", "2", "j", "k", "LEFT", "COUNT", "5"],
    writes: [
      ["RPUSH", "src", "a", "b"],
      ["RPUSH", "src2", "c", "d"],
      ["MULTI"],
      ["RENAME", "src", "k"],
      ["RENAME", "src2", "j"],
      ["EXEC"],
    ],
  },
  "BZMPOP MIN COUNT after RENAME": {
    waiter: ["BZMPOP", "0", "1", "k", "MIN", "COUNT", "2"],
    writes: [
      ["ZADD", "src", "1", "a", "2", "b", "3", "c"],
      ["RENAME", "src", "k"],
    ],
  },
  "BZMPOP MAX after ZUNIONSTORE": {
    waiter: ["BZMPOP", "0", "1", "k", "MAX"],
    writes: [
      ["ZADD", "src", "1", "a", "2", "b"],
      ["ZUNIONSTORE", "k", "1", "src"],
    ],
  },
  "BZPOPMAX after ZRANGESTORE": {
    waiter: ["BZPOPMAX", "k", "0"],
    writes: [
      ["ZADD", "src", "1", "a", "2", "b"],
      ["ZRANGESTORE", "k", "src", "0", "-1"],
    ],
  },
  "BZPOPMIN after COPY REPLACE over a string": {
    waiter: ["BZPOPMIN", "k", "0"],
    writes: [
      ["ZADD", "src", "1", "a", "2", "b"],
      ["MULTI"],
      ["SET", "k", "x"],
      ["COPY", "src", "k", "REPLACE"],
      ["EXEC"],
    ],
  },
};

describe("a key moved into place under a blocked client, vs redis-server 7.0.15", () => {
  const servers = shoalAndRedisForSuite(["--appendonly", "yes", "--appendfsync", "always"]);

  /** Every scenario in turn: the waiter's reply, the writer's, and what each added to the AOF. */
  async function playAll(h: ServerHandle): Promise<string[]> {
    const out: string[] = [];
    for (const s of Object.values(movedIntoPlace)) {
      const before = aofCommands(h.dir).length;
      const writer = await playBlocking(h.port, { waiters: [s.waiter], writes: s.writes });
      out.push(...writer, ...aofCommands(h.dir).slice(before));
    }
    return out;
  }

  it("the element, the end, the reply and the propagated pop, as Redis", async () => {
    const [a, b] = await Promise.all([playAll(servers.shoal), playAll(servers.redis)]);
    // Not vacuous: Redis served from the moved key, and wrote the pop with its count.
    expect(b).toContain(`*2\r\n${bulk("k")}*2\r\n${bulk("a")}${bulk("b")}`);
    expect(b).toContain("LPOP k 2");
    expect(b).toContain("ZPOPMIN k 2");
    expect(a).toEqual(b);
  }, 60_000);
});

// What replicas receive for a blocked command served later: the replication stream itself (a
// SYNC from a raw connection), not the AOF. BZMPOP goes out as ZPOPMIN/ZPOPMAX key count.
describe("blocking commands in the replication stream, vs redis-server 7.0.15", () => {
  const servers = shoalAndRedisForSuite();

  /** Commands a SYNC'ed replica receives while `run` executes (PINGs left out). */
  async function stream(port: number, run: () => Promise<void>): Promise<string[]> {
    const sock = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
    });
    await new Promise((r) => sock.once("connect", r));
    sock.write("SYNC\r\n");
    // The payload first: "$<len>\r\n<bytes>" (after any newlines the master sends meanwhile).
    let start = -1;
    await waitFor(() => {
      const m = /^\n*\$(\d+)\r\n/.exec(buf.toString("latin1"));
      if (m && buf.length >= m[0].length + Number(m[1])) start = m[0].length + Number(m[1]);
      return start >= 0;
    });
    await run();
    await new Promise((r) => setTimeout(r, 300));
    sock.destroy();
    return buf
      .toString("latin1", start)
      .split(/\*\d+\r\n/)
      .filter((c) => c !== "")
      .map((c) =>
        c
          .split("\r\n")
          .filter((_, i) => i % 2 === 1)
          .join(" "),
      )
      .filter((c) => !/^ping$/i.test(c));
  }

  const blocked: [string[], string[][]][] = [
    [["BZMPOP", "0", "1", "z", "MAX", "COUNT", "2"], [["ZADD", "z", "1", "a", "2", "b", "3", "c"]]],
    [["BZMPOP", "0", "2", "nx", "z2", "min"], [["ZADD", "z2", "1", "a", "2", "b"]]],
    [
      ["BZMPOP", "0", "1", "z3", "MIN", "COUNT", "5"],
      [
        ["ZADD", "src", "1", "a", "2", "b"],
        ["RENAME", "src", "z3"],
      ],
    ],
    [["BZPOPMIN", "z4", "0"], [["ZADD", "z4", "1", "a", "2", "b"]]],
    [["BZPOPMAX", "nx", "z5", "0"], [["ZADD", "z5", "1", "a", "2", "b"]]],
    [["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "2"], [["RPUSH", "l", "a", "b", "c"]]],
    [["BLMPOP", "0", "1", "l2", "right"], [["RPUSH", "l2", "a", "b"]]],
    [["BLPOP", "l3", "0"], [["RPUSH", "l3", "a", "b"]]],
    [["BLMOVE", "s", "d", "RIGHT", "left", "0"], [["RPUSH", "s", "a", "b"]]],
    [["BRPOPLPUSH", "s2", "d2", "0"], [["RPUSH", "s2", "a", "b"]]],
  ];

  async function run(port: number): Promise<void> {
    await exchange(port, cmd("FLUSHALL"));
    for (const [waiter, writes] of blocked) {
      const served = exchange(port, cmd(...waiter));
      await waitFor(async () => (await blockedClients(port)) === 1, { timeout: 10_000 });
      await exchange(port, writes.map((w) => cmd(...w)).join(""));
      await served;
    }
  }

  it("served after blocking: the pop as Redis writes it for replicas", async () => {
    const [a, b] = await Promise.all([
      stream(servers.shoal.port, () => run(servers.shoal.port)),
      stream(servers.redis.port, () => run(servers.redis.port)),
    ]);
    expect(b).toContain("ZPOPMAX z 2");
    expect(b).toContain("ZPOPMIN z3 2");
    expect(b).toContain("LPOP l 2");
    expect(a).toEqual(b);
  }, 60_000);
});

// Client-side caching (CLIENT TRACKING) against redis-server 7.0.15: each scenario runs the same
// steps on both servers with fresh connections and compares every byte each connection receives
// (replies, RESP3 `invalidate` pushes, RESP2 messages on __redis__:invalidate through REDIRECT),
// after each step, in order. Covers each mode (default, BCAST with prefixes, OPTIN/OPTOUT with
// CACHING, NOLOOP), every write path (commands, lazy and active expiry, FLUSHALL/FLUSHDB,
// MULTI/EXEC, scripts), the option errors, CLIENT TRACKINGINFO/GETREDIR/INFO/LIST, RESET and
// HELLO 3, and tracking-table-max-keys.
import { redisCli, waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import { shoalAndRedisForSuite } from "./helpers.js";
import { flagsAndRedir, runScenario, type Step, trackingInfo } from "./tracking-helpers.js";

const INFO: Step = { on: "A", send: [["INFO", "all"]], filter: trackingInfo };

describe("CLIENT TRACKING vs redis-server 7.0.15", () => {
  // DEBUG SET-ACTIVE-EXPIRE holds keys past their TTL until a read finds them.
  const servers = shoalAndRedisForSuite(["--enable-debug-command", "yes"]);

  async function same(conns: Record<string, 2 | 3>, steps: Step[]): Promise<string[]> {
    const [shoal, redis] = await Promise.all([
      runScenario(servers.shoal.port, conns, steps),
      runScenario(servers.redis.port, conns, steps),
    ]);
    expect(shoal).toEqual(redis);
    return shoal;
  }

  it("default mode in RESP3: a read is remembered, one push per change, the writer's own after its reply", async () => {
    const t = await same({ A: 3, B: 2 }, [
      { on: "A", send: [["CLIENT", "TRACKING", "on"]] },
      {
        on: "A",
        send: [
          ["GET", "k"],
          ["MGET", "a", "b", "k"],
        ],
      },
      INFO,
      { on: "B", send: [["SET", "k", "1"]] },
      { on: "B", send: [["SET", "k", "2"]] },
      { on: "B", send: [["DEL", "a", "b"]] },
      { on: "A", send: [["GET", "k"]] },
      { on: "A", send: [["SET", "k", "3"]] },
      {
        on: "A",
        send: [
          ["HGETALL", "h"],
          ["CLIENT", "REPLY", "OFF"],
        ],
        replies: 1,
      },
      { on: "B", send: [["HSET", "h", "f", "v"]] },
      { on: "A", send: [["CLIENT", "REPLY", "ON"]] },
      INFO,
      { on: "A", send: [["CLIENT", "INFO"]], filter: flagsAndRedir },
      {
        on: "A",
        send: [
          ["CLIENT", "TRACKINGINFO"],
          ["CLIENT", "GETREDIR"],
        ],
      },
    ]);
    // The messages are really there (not two empty transcripts).
    expect(t.join("").match(/invalidate/g)?.length).toBe(3);
  });

  it("RESP2 REDIRECT to a client subscribed to __redis__:invalidate, flushes, a redirect gone", async () => {
    const t = await same({ A: 2, B: 2, C: 2, D: 3 }, [
      { on: "B", send: [["SUBSCRIBE", "__redis__:invalidate"]] },
      { on: "A", send: [["CLIENT", "TRACKING", "on", "REDIRECT", "{id:B}"]] },
      {
        on: "A",
        send: [
          ["GET", "k"],
          ["GET", "j"],
        ],
      },
      { on: "C", send: [["SET", "k", "1"]] },
      { on: "A", send: [["SET", "j", "1"]] },
      { on: "D", send: [["CLIENT", "TRACKING", "on", "REDIRECT", "{id:B}"]] },
      { on: "C", send: [["FLUSHALL"]] },
      {
        on: "A",
        send: [
          ["CLIENT", "INFO"],
          ["CLIENT", "GETREDIR"],
        ],
        filter: flagsAndRedir,
      },
      // RESP2 without REDIRECT: remembered, never told.
      {
        on: "C",
        send: [
          ["CLIENT", "TRACKING", "on"],
          ["GET", "z"],
        ],
      },
      { on: "A", send: [["SET", "z", "1"]] },
      INFO,
      { on: "A", send: [["GET", "k"]] },
      { on: "D", send: [["GET", "k"]] },
      { on: "B", send: [["QUIT"]], thenClose: true },
      { on: "C", send: [["SET", "k", "2"]] },
      { on: "A", send: [["CLIENT", "INFO"]], filter: flagsAndRedir },
      { on: "D", send: [["CLIENT", "TRACKINGINFO"]] },
    ]);
    expect(t.some((l) => l.includes("__redis__:invalidate\r\n*1\r\n$1\r\nk"))).toBe(true);
    expect(t.some((l) => l.includes("tracking-redir-broken"))).toBe(true);
  });

  it("RESP3 REDIRECT, and the option errors of CLIENT TRACKING", async () => {
    await same({ A: 3, B: 3, C: 2 }, [
      { on: "A", send: [["CLIENT", "TRACKING", "on", "REDIRECT", "{id:C}"]] },
      { on: "A", send: [["GET", "k"]] },
      { on: "B", send: [["SET", "k", "1"]] },
      { on: "C", send: [["SUBSCRIBE", "other"]] },
      { on: "A", send: [["GET", "k"]] },
      { on: "B", send: [["SET", "k", "1"]] },
      { on: "A", send: [["CLIENT", "TRACKING", "on", "REDIRECT", "{id:B}"]] },
      { on: "A", send: [["GET", "k"]] },
      { on: "B", send: [["SET", "k", "1"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "REDIRECT", "99999"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "REDIRECT", "x"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "REDIRECT", "{id:A}", "REDIRECT", "{id:A}"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "REDIRECT"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "PREFIX", "a"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "maybe"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "nope"]] },
      { on: "B", send: [["CLIENT", "TRACKING"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "OPTIN"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "OPTOUT"]] },
      { on: "B", send: [["CLIENT", "TRACKING", "on", "BCAST"]] },
      {
        on: "B",
        send: [
          ["CLIENT", "TRACKING", "off"],
          ["CLIENT", "TRACKING", "off"],
        ],
      },
      {
        on: "B",
        send: [
          ["CLIENT", "GETREDIR"],
          ["CLIENT", "TRACKINGINFO"],
        ],
      },
    ]);
  });

  it("BCAST with prefixes: one message per prefix per turn, keys in byte order, NOLOOP", async () => {
    const t = await same({ A: 3, B: 2, C: 3 }, [
      {
        on: "A",
        send: [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:"]],
      },
      { on: "C", send: [["CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"]] },
      INFO,
      { on: "B", send: [["MSET", "user:2", "x", "user:1", "y", "obj:9", "z", "other", "w"]] },
      {
        on: "B",
        send: [
          ["SET", "user:3", "1"],
          ["SET", "user:3", "2"],
          ["DEL", "obj:9"],
        ],
      },
      { on: "C", send: [["MSET", "user:5", "1", "mine", "2"]] },
      {
        on: "C",
        send: [
          ["MSET", "user:6", "1"],
          ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x"],
        ],
      },
      { on: "A", send: [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "use"]] },
      { on: "A", send: [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "zz", "PREFIX", "z"]] },
      // Redis 7.0 replies the error and then +OK when the overlap is between later prefixes.
      {
        on: "A",
        send: [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "q", "PREFIX", "r", "PREFIX", "rr"]],
        replies: 2,
      },
      { on: "A", send: [["CLIENT", "TRACKING", "on"]] },
      { on: "A", send: [["CLIENT", "TRACKINGINFO"]] },
      { on: "A", send: [["CLIENT", "INFO"]], filter: flagsAndRedir },
      INFO,
      {
        on: "B",
        send: [
          ["SET", "r1", "1"],
          ["SET", "q", "1"],
          ["SET", "rr", "1"],
        ],
      },
      { on: "A", send: [["CLIENT", "TRACKING", "off"]] },
      INFO,
      { on: "B", send: [["SET", "user:1", "1"]] },
    ]);
    expect(t.some((l) => l.includes("*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2"))).toBe(true);
  });

  it("OPTIN and OPTOUT with CLIENT CACHING, for one command or one transaction", async () => {
    await same({ A: 3, B: 2, O: 3 }, [
      { on: "A", send: [["CLIENT", "CACHING", "yes"]] },
      { on: "A", send: [["CLIENT", "TRACKING", "on", "OPTIN"]] },
      { on: "A", send: [["CLIENT", "CACHING", "no"]] },
      { on: "A", send: [["CLIENT", "CACHING", "maybe"]] },
      { on: "A", send: [["GET", "x"]] },
      {
        on: "A",
        send: [
          ["CLIENT", "CACHING", "yes"],
          ["CLIENT", "TRACKINGINFO"],
          ["GET", "y"],
        ],
      },
      { on: "A", send: [["CLIENT", "CACHING", "yes"], ["PING"], ["GET", "p"]] },
      {
        on: "A",
        send: [
          ["CLIENT", "CACHING", "yes"],
          ["CLIENT", "ID"],
          ["GET", "q"],
        ],
      },
      {
        on: "A",
        send: [["CLIENT", "CACHING", "yes"], ["MULTI"], ["GET", "m1"], ["GET", "m2"], ["EXEC"]],
      },
      { on: "A", send: [["GET", "m3"]] },
      { on: "A", send: [["CLIENT", "CACHING", "yes"], ["NOSUCHCOMMAND"], ["GET", "u"]] },
      { on: "A", send: [["CLIENT", "TRACKING", "on", "OPTOUT"]] },
      {
        on: "B",
        send: [
          [
            "MSET",
            "x",
            "1",
            "y",
            "1",
            "p",
            "1",
            "q",
            "1",
            "m1",
            "1",
            "m2",
            "1",
            "m3",
            "1",
            "u",
            "1",
          ],
        ],
      },
      { on: "O", send: [["CLIENT", "TRACKING", "on", "OPTOUT"]] },
      {
        on: "O",
        send: [
          ["GET", "a"],
          ["CLIENT", "CACHING", "no"],
          ["GET", "b"],
          ["GET", "c"],
        ],
      },
      {
        on: "O",
        send: [
          ["CLIENT", "CACHING", "yes"],
          ["CLIENT", "TRACKINGINFO"],
        ],
      },
      {
        on: "O",
        send: [
          ["CLIENT", "CACHING", "no"],
          ["CLIENT", "TRACKINGINFO"],
        ],
      },
      { on: "B", send: [["MSET", "a", "1", "b", "1", "c", "1"]] },
      { on: "O", send: [["CLIENT", "TRACKING", "on", "OPTIN"]] },
      {
        on: "O",
        send: [
          ["CLIENT", "TRACKING", "off"],
          ["CLIENT", "CACHING", "yes"],
        ],
      },
    ]);
  });

  it("NOLOOP in default mode, HELLO 3 after tracking on in RESP2, RESET turns tracking off", async () => {
    await same({ A: 3, B: 2, R: 2 }, [
      { on: "A", send: [["CLIENT", "TRACKING", "on", "NOLOOP"]] },
      {
        on: "A",
        send: [
          ["GET", "k"],
          ["SET", "k", "1"],
        ],
      },
      { on: "A", send: [["GET", "k"]] },
      { on: "B", send: [["SET", "k", "2"]] },
      {
        on: "R",
        send: [
          ["CLIENT", "TRACKING", "on"],
          ["GET", "r"],
        ],
      },
      { on: "R", send: [["HELLO", "3"]], filter: () => "" },
      { on: "B", send: [["SET", "r", "1"]] },
      { on: "R", send: [["GET", "r"]] },
      INFO,
      { on: "R", send: [["RESET"], ["CLIENT", "TRACKINGINFO"]] },
      { on: "B", send: [["SET", "r", "2"]] },
      INFO,
    ]);
  });

  it("FLUSHDB, FLUSHALL and SWAPDB", async () => {
    await same({ A: 3, B: 2, C: 3 }, [
      {
        on: "A",
        send: [
          ["CLIENT", "TRACKING", "on"],
          ["GET", "k"],
        ],
      },
      { on: "C", send: [["CLIENT", "TRACKING", "on", "BCAST"]] },
      INFO,
      { on: "B", send: [["SELECT", "3"], ["FLUSHDB"]] },
      INFO,
      { on: "A", send: [["GET", "k"]] },
      { on: "B", send: [["SWAPDB", "0", "3"]] },
      { on: "A", send: [["FLUSHALL"]] },
      { on: "B", send: [["SET", "k", "1"]] },
      INFO,
    ]);
  });

  it("expiry: lazy (on another client's read) and active, invalidate like a write", async () => {
    // Keys that expire at once; active expiry is off until the end, so a read finds them first.
    const setBoth: Step = {
      on: "B",
      send: [
        ["SET", "lazy", "1", "PX", "1"],
        ["SET", "active", "1", "PX", "1"],
      ],
    };
    await same({ A: 3, B: 2 }, [
      { on: "B", send: [["DEBUG", "SET-ACTIVE-EXPIRE", "0"]] },
      setBoth,
      {
        on: "A",
        send: [
          ["CLIENT", "TRACKING", "on"],
          ["GET", "lazy"],
          ["GET", "active"],
        ],
      },
      setBoth,
      {
        on: "A",
        send: [
          ["GET", "lazy"],
          ["GET", "active"],
        ],
      },
      { sleep: 20 },
      { on: "B", send: [["GET", "lazy"]] },
      { on: "B", send: [["DEBUG", "SET-ACTIVE-EXPIRE", "1"]] },
      { sleep: 500 },
      INFO,
    ]);
  });

  it("MULTI/EXEC and scripts: reads remembered, the client's own messages after the whole reply", async () => {
    await same({ A: 3, B: 3 }, [
      { on: "A", send: [["CLIENT", "TRACKING", "on"]] },
      {
        on: "B",
        send: [
          ["CLIENT", "TRACKING", "on"],
          ["GET", "k"],
        ],
      },
      {
        on: "A",
        send: [
          ["MULTI"],
          ["GET", "k"],
          ["GET", "j"],
          ["SET", "k", "1"],
          ["SET", "j", "1"],
          ["EXEC"],
        ],
      },
      { on: "A", send: [["GET", "k"]] },
      {
        on: "A",
        send: [
          ["EVAL", "redis.call('set', KEYS[1], 'x') return redis.call('get', KEYS[1])", "1", "k"],
        ],
      },
      { on: "A", send: [["EVAL", "return redis.call('get', 'undeclared')", "1", "declared"]] },
      { on: "A", send: [["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "ro"]] },
      INFO,
      { on: "B", send: [["MSET", "undeclared", "1", "declared", "1", "ro", "1"]] },
      { on: "A", send: [["GET", "k"]] },
      { on: "A", send: [["MULTI"], ["FLUSHALL"], ["PING"], ["EXEC"]] },
    ]);
  });

  it("tracking-table-max-keys: over the limit, keys are invalidated before the next command", async () => {
    const steps: Step[] = [
      { on: "A", send: [["CLIENT", "TRACKING", "on"]] },
      { on: "A", send: [["CONFIG", "SET", "tracking-table-max-keys", "2"]] },
      { on: "A", send: [["MGET", "k1", "k2", "k3", "k4", "k5"]] },
      { on: "A", send: [["PING"]] },
      INFO,
      { on: "A", send: [["CONFIG", "SET", "tracking-table-max-keys", "0"]] },
      { on: "A", send: [["MGET", "k1", "k2", "k3", "k4", "k5"]] },
      { on: "A", send: [["PING"]] },
      INFO,
    ];
    const [shoal, redis] = await Promise.all([
      runScenario(servers.shoal.port, { A: 3 }, steps),
      runScenario(servers.redis.port, { A: 3 }, steps),
    ]);
    // Which keys go is random in Redis, and when: before the next command, or in serverCron.
    // Compare the whole byte stream with the key names hidden, and how many were invalidated.
    const shape = (t: string[]) =>
      t
        .map((l) => l.replace(/^\d+ A: /, ""))
        .join("")
        .replace(/\$2\r\nk\d\r\n/g, "$2\r\nk?\r\n");
    const pushes = (t: string[]) => t.join("").match(/invalidate/g)?.length ?? 0;
    expect(pushes(shoal)).toBe(3);
    expect(pushes(shoal)).toBe(pushes(redis));
    expect(shape(shoal)).toEqual(shape(redis));
  });
});

describe("CLIENT TRACKING in cluster mode vs redis-server 7.0.15 (each node tracks its own reads)", () => {
  const servers = shoalAndRedisForSuite(["--cluster-enabled", "yes"]);

  it("a one-node cluster per server: default mode, BCAST, FLUSHALL", async () => {
    for (const h of [servers.shoal, servers.redis]) {
      await redisCli(h.port, ["cluster", "addslotsrange", "0", "16383"]);
      await waitFor(async () =>
        (await redisCli(h.port, ["cluster", "info"])).includes("cluster_state:ok"),
      );
    }
    const steps: Step[] = [
      {
        on: "A",
        send: [
          ["CLIENT", "TRACKING", "on"],
          ["GET", "{u}1"],
          ["MGET", "{u}2", "{u}3"],
        ],
      },
      { on: "C", send: [["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "{u}"]] },
      { on: "B", send: [["MSET", "{u}1", "x", "{u}3", "y"]] },
      { on: "B", send: [["SELECT", "1"]] },
      INFO,
      { on: "B", send: [["FLUSHALL"]] },
    ];
    const [shoal, redis] = await Promise.all([
      runScenario(servers.shoal.port, { A: 3, B: 2, C: 3 }, steps),
      runScenario(servers.redis.port, { A: 3, B: 2, C: 3 }, steps),
    ]);
    expect(shoal).toEqual(redis);
    expect(shoal.join("").match(/invalidate/g)?.length).toBe(5);
  });
});

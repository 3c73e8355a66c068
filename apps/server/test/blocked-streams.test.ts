// XREAD and XREADGROUP BLOCK against real redis-server 7.0.15: waiters block in order on a started shoal-server
// and on Redis, another connection writes, and every byte each waiter and the writer get must be
// the same. `$` is the last ID at the time the waiter blocked (not when it is served), a waiter is
// served from the stream that became ready alone, a key of another type leaves it blocked, and a
// timeout answers a null array.
import { describe, expect, it } from "vitest";
import { playBlocking } from "./blocking-helpers.js";
import { cmd, exchange, shoalAndRedisForSuite } from "./helpers.js";

interface Scenario {
  /** Written before anyone blocks. */
  setup: string[][];
  /** Blocking commands, each on its own connection, blocked in this order. */
  waiters: string[][];
  /** Writes from another connection once all waiters are blocked; they must serve every waiter. */
  writes: string[][];
}

const scenarios: Record<string, Scenario> = {
  "XREAD $ waits for entries after the last ID at the time it blocked": {
    setup: [["XADD", "s", "5-1", "a", "1"]],
    waiters: [["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]],
    writes: [
      ["XADD", "s", "6-1", "b", "2"],
      ["XADD", "s", "7-1", "c", "3"],
    ],
  },
  "XREAD on several streams is served from the one that became ready": {
    setup: [["XADD", "s1", "1-1", "a", "1"]],
    waiters: [["XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "s1", "s2", "$", "$"]],
    writes: [["XADD", "s2", "1-1", "x", "y"]],
  },
  "XREAD with an old ID on a missing key gets everything after it": {
    setup: [],
    waiters: [
      ["XREAD", "BLOCK", "0", "STREAMS", "s", "0"],
      ["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "1-1"],
    ],
    writes: [
      ["MULTI"],
      ["XADD", "s", "1-1", "a", "1"],
      ["XADD", "s", "2-1", "a", "2"],
      ["XADD", "s", "3-1", "a", "3"],
      ["EXEC"],
    ],
  },
  "XREAD is served when a stream is copied into its key": {
    setup: [["XADD", "src", "1-1", "f", "v"]],
    waiters: [["XREAD", "BLOCK", "0", "STREAMS", "k", "$"]],
    writes: [["COPY", "src", "k"]],
  },
  "XREAD stays blocked while a list holds its key": {
    setup: [],
    waiters: [["XREAD", "BLOCK", "0", "STREAMS", "k", "$"]],
    writes: [
      ["RPUSH", "k", "a"],
      ["DEL", "k"],
      ["XADD", "k", "1-1", "f", "v"],
    ],
  },
  "XREADGROUP > waiters share new entries in arrival order": {
    setup: [["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]],
    waiters: [
      ["XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"],
      ["XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "0", "STREAMS", "q", ">"],
    ],
    writes: [
      ["MULTI"],
      ["XADD", "q", "1-1", "f", "v"],
      ["XADD", "q", "2-1", "f", "w"],
      ["EXEC"],
      ["XADD", "q", "3-1", "f", "x"],
      ["XPENDING", "q", "g"],
    ],
  },
  "XREADGROUP stays blocked on another group's key until its own stream gets entries": {
    setup: [
      ["XGROUP", "CREATE", "a", "g", "$", "MKSTREAM"],
      ["XGROUP", "CREATE", "b", "g", "$", "MKSTREAM"],
    ],
    waiters: [
      ["XREADGROUP", "GROUP", "g", "c", "NOACK", "BLOCK", "0", "STREAMS", "a", "b", ">", ">"],
    ],
    writes: [
      ["XADD", "b", "1-1", "f", "v"],
      ["XINFO", "GROUPS", "b"],
    ],
  },
  "waiters left blocked keep their order; XDEL and XTRIM serve nobody": {
    setup: [["XADD", "q", "1-1", "f", "v"]],
    waiters: [
      ["XREAD", "BLOCK", "0", "STREAMS", "q", "$"],
      ["XREAD", "BLOCK", "0", "STREAMS", "q", "1-1"],
    ],
    writes: [
      ["XDEL", "q", "1-1"],
      ["XTRIM", "q", "MAXLEN", "0"],
      ["XADD", "q", "2-1", "g", "w"],
    ],
  },
};

describe("XREAD and XREADGROUP BLOCK, vs redis-server 7.0.15", () => {
  const servers = shoalAndRedisForSuite();

  for (const [name, s] of Object.entries(scenarios)) {
    it(name, async () => {
      const [a, b] = await Promise.all([
        playBlocking(servers.shoal.port, s),
        playBlocking(servers.redis.port, s),
      ]);
      // Every waiter was served with entries (an array reply), on both.
      for (const w of (b as string[]).slice(0, s.waiters.length))
        expect(w).toMatch(/^\*1\r\n\*2\r\n/);
      expect(a).toEqual(b);
    }, 30_000);
  }

  it("XGROUP DESTROY answers a blocked XREADGROUP with NOGROUP", async () => {
    const s: Scenario = {
      setup: [["XGROUP", "CREATE", "d", "g", "$", "MKSTREAM"]],
      waiters: [["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "d", ">"]],
      writes: [["XGROUP", "DESTROY", "d", "g"]],
    };
    const [a, b] = await Promise.all([
      playBlocking(servers.shoal.port, s),
      playBlocking(servers.redis.port, s),
    ]);
    expect(b[0]).toMatch(/^-NOGROUP /);
    expect(a).toEqual(b);
  });

  it("times out with a null array, and answers at once inside MULTI", async () => {
    for (const port of [servers.shoal.port, servers.redis.port]) {
      expect(await exchange(port, cmd("XREAD", "BLOCK", "30", "STREAMS", "none", "$"))).toMatch(
        /^\*-1\r\n/,
      );
      const multi = await exchange(
        port,
        cmd("MULTI") + cmd("XREAD", "BLOCK", "0", "STREAMS", "none", "$") + cmd("EXEC"),
      );
      expect(multi).toMatch(/^\+OK\r\n\+QUEUED\r\n\*1\r\n\*-1\r\n/);
    }
  });
});

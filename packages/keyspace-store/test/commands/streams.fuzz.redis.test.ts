// Streams and consumer groups against real redis-server 7.0.15, mixed at random on one key:
// XADD (explicit, "<ms>-*", trims, NOMKSTREAM), XDEL, XSETID, XTRIM, XGROUP, XREADGROUP (">",
// history, NOACK, COUNT), XACK, XCLAIM, XAUTOCLAIM, XRANGE, XREAD, XPENDING, XINFO; IDs drawn
// around a few milliseconds plus the special forms ("-", "+", "$", ">", "(", the greatest ID).
// Every reply must agree byte for byte, in RESP2 and RESP3, and so must the final state.
import fc from "fast-check";
import { expect, it } from "vitest";
import { commands } from "../../src/commands/index.js";
import { TestStore } from "../../src/test-kit.js";
import { compareScript, RedisOracle } from "../redis-oracle.js";

it("random stream and group commands agree reply for reply", async () => {
  const oracle = await RedisOracle.start();
  const id = fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2 }))
      .map(([m, s]) => `${m}-${s}`),
    fc.integer({ min: 0, max: 12 }).map((m) => `${m}-*`),
    fc.constantFrom("-", "+", "$", ">", "0", "(3-1", "18446744073709551615-18446744073709551615"),
  );
  const g = fc.constantFrom("g1", "g2", "nog");
  const c = fc.constantFrom("c1", "c2");
  const n = fc.integer({ min: -1, max: 6 }).map(String);
  const command = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          id,
          fc.constantFrom(
            [],
            ["MAXLEN", "~", "3"],
            ["MAXLEN", "2"],
            ["MINID", "~", "4"],
            ["MINID", "5"],
            ["NOMKSTREAM"],
          ),
        )
        .map(([i, t]) => ["XADD", "s", ...t, i.replace("$", "7-*").replace(">", "8-*"), "f", i]),
    },
    {
      weight: 1,
      arbitrary: fc.array(id, { minLength: 1, maxLength: 3 }).map((ids) => ["XDEL", "s", ...ids]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(id, fc.constantFrom([], ["ENTRIESADDED", "20"], ["MAXDELETEDID", "2-0"]))
        .map(([i, o]) => ["XSETID", "s", i, ...o]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom("MAXLEN", "MINID"),
          fc.constantFrom("~", "="),
          fc.integer({ min: 0, max: 8 }),
        )
        .map(([s, op, v]) => ["XTRIM", "s", s, op, s === "MINID" ? `${v}-1` : String(v)]),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(g, id, fc.constantFrom([], ["MKSTREAM"], ["ENTRIESREAD", "3"]))
        .map(([gg, i, o]) => ["XGROUP", "CREATE", "s", gg, i, ...o]),
    },
    { weight: 1, arbitrary: fc.tuple(g, id).map(([gg, i]) => ["XGROUP", "SETID", "s", gg, i]) },
    { weight: 1, arbitrary: g.map((gg) => ["XGROUP", "DESTROY", "s", gg]) },
    {
      weight: 1,
      arbitrary: fc.tuple(g, c).map(([gg, cc]) => ["XGROUP", "DELCONSUMER", "s", gg, cc]),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(g, c, n, fc.boolean(), id)
        .map(([gg, cc, k, na, i]) => [
          "XREADGROUP",
          "GROUP",
          gg,
          cc,
          "COUNT",
          k,
          ...(na ? ["NOACK"] : []),
          "STREAMS",
          "s",
          i,
        ]),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(g, fc.array(id, { minLength: 1, maxLength: 2 }))
        .map(([gg, ids]) => ["XACK", "s", gg, ...ids]),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          g,
          c,
          fc.array(id, { minLength: 1, maxLength: 2 }),
          fc.constantFrom(
            [],
            ["JUSTID"],
            ["FORCE", "JUSTID"],
            ["RETRYCOUNT", "5"],
            ["LASTID", "9-0"],
          ),
        )
        .map(([gg, cc, ids, o]) => ["XCLAIM", "s", gg, cc, "0", ...ids, ...o]),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(g, c, id, n)
        .map(([gg, cc, i, k]) => ["XAUTOCLAIM", "s", gg, cc, "0", i, "COUNT", k]),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(id, id, n).map(([a, b, k]) => ["XRANGE", "s", a, b, "COUNT", k]),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(id, n).map(([a, k]) => ["XREAD", "COUNT", k, "STREAMS", "s", a]),
    },
    { weight: 1, arbitrary: g.map((gg) => ["XPENDING", "s", gg]) },
    { weight: 1, arbitrary: fc.constant(["XINFO", "GROUPS", "s"] as string[]) },
    { weight: 1, arbitrary: fc.constant(["XINFO", "STREAM", "s"] as string[]) },
  );
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 50, size: "max" }),
        async (cmds) => {
          await oracle.command("FLUSHALL");
          const t = new TestStore(commands);
          t.resp = cmds.length % 2 === 0 ? 3 : 2;
          expect(
            await compareScript(t, oracle, [
              ...cmds,
              ["XINFO", "STREAM", "s"],
              ["XINFO", "GROUPS", "s"],
              ["XRANGE", "s", "-", "+"],
            ]),
          ).toEqual([]);
        },
      ),
      { numRuns: 600 },
    );
  } finally {
    await oracle.stop();
  }
}, 180_000);

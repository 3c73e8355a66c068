// The geo commands against real redis-server 7.0.15: replies byte for byte in RESP2 and RESP3
// (scripted edge cases: limits, units, every option and error, STORE/STOREDIST, unsorted scan
// order, ties under ASC/DESC/COUNT, scores that are not geohashes), random points worldwide and
// near the poles and the antimeridian queried by random radius and box searches with random
// options, plus COMMAND INFO/GETKEYS, keyspace events and the AOF.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geoCommands } from "../../src/commands/geo.js";
import { keyCommands } from "../../src/commands/keys.js";
import { stringCommands } from "../../src/commands/strings.js";
import { zsetCommands } from "../../src/commands/zsets.js";
import { ArrayArgs, TestStore } from "../../src/test-kit.js";
import { type CompareStep, compareScript, decodeReply, RedisOracle } from "../redis-oracle.js";
import { aofCommands, commandInfoMismatches, keyEvents } from "./oracle-streams.js";

type Step = (string | number | Buffer)[] | CompareStep;
const table = [...stringCommands, ...keyCommands, ...zsetCommands, ...geoCommands];

const SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"];

const SCRIPT: Step[] = [
  // GEOADD: options, limits, errors.
  ["GEOADD", "Sicily", ...SICILY],
  ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"],
  ["GEOADD", "Sicily", "NX", "13.361389", "38.115556", "Palermo"],
  ["GEOADD", "Sicily", "XX", "CH", "13.5", "38.1", "Palermo", "1", "1", "Nowhere"],
  ["GEOADD", "Sicily", "CH", "13.361389", "38.115556", "Palermo"],
  ["GEOADD", "Sicily", "NX", "XX", "1", "1", "a"],
  ["GEOADD", "Sicily", "1", "1"],
  ["GEOADD", "Sicily", "1", "1", "a", "2"],
  ["GEOADD", "Sicily", "CH", "CH", "CH"],
  ["GEOADD", "Sicily", "GT", "1", "1", "a"],
  ["GEOADD", "Sicily", "181", "0", "x"],
  ["GEOADD", "Sicily", "0", "85.05112879", "x"],
  ["GEOADD", "Sicily", "-180.0000001", "-85.1", "x"],
  ["GEOADD", "Sicily", "1e300", "-0", "x"],
  ["GEOADD", "Sicily", "-0.0078125", "90", "x"],
  ["GEOADD", "Sicily", "abc", "0", "x"],
  ["GEOADD", "Sicily", "0", "nan", "x"],
  ["GEOADD", "Sicily", "1", "1", "ok", "200", "0", "bad"],
  ["EXISTS", "ok"],
  ["GEOADD", "edges", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw", "180", "0", "e"],
  ["GEOADD", "edges", "-180", "0", "w", "0", "0", "o", "0x10", "1e1", "hex", "-0", "-0", "z"],
  ["ZRANGE", "edges", "0", "-1", "WITHSCORES"],
  ["GEOPOS", "edges", "ne", "sw", "e", "w", "o", "hex", "z", "missing"],
  ["GEOHASH", "edges", "ne", "sw", "e", "w", "o", "hex", "z", "missing"],
  ["SET", "str", "x"],
  ["GEOADD", "str", "1", "1", "a"],
  ["GEOPOS", "str", "a"],
  ["GEOHASH", "str", "a"],
  ["GEODIST", "str", "a", "b"],
  ["GEORADIUS", "str", "0", "0", "1", "km"],
  ["GEOSEARCH", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
  // GEOPOS / GEOHASH / GEODIST.
  ["GEOPOS", "Sicily", "Palermo", "Catania", "NonExisting"],
  ["GEOPOS", "nokey", "a", "b"],
  ["GEOHASH", "Sicily", "Palermo", "Catania", "x"],
  ["GEOHASH", "nokey", "a"],
  ["GEODIST", "Sicily", "Palermo", "Catania"],
  ["GEODIST", "Sicily", "Palermo", "Catania", "km"],
  ["GEODIST", "Sicily", "Palermo", "Catania", "MI"],
  ["GEODIST", "Sicily", "Palermo", "Catania", "Ft"],
  ["GEODIST", "Sicily", "Palermo", "Catania", "m"],
  ["GEODIST", "Sicily", "Palermo", "Catania", "yd"],
  ["GEODIST", "Sicily", "Palermo", "Catania", "km", "x"],
  ["GEODIST", "Sicily", "Palermo", "Palermo"],
  ["GEODIST", "Sicily", "Palermo", "nope"],
  ["GEODIST", "nokey", "a", "b"],
  ["GEODIST", "nokey", "a", "b", "parsec"],
  ["GEODIST", "edges", "e", "w", "km"],
  ["GEODIST", "edges", "ne", "sw", "km"],
  // Scores that are not geohashes.
  ["ZADD", "weird", "-1", "neg", "1.5", "frac", "inf", "pinf", "-inf", "ninf", "0", "zero"],
  [
    "ZADD",
    "weird",
    "1e30",
    "big",
    "-1e30",
    "nbig",
    "9007199254740993",
    "odd",
    "4503599627370496",
    "b52",
  ],
  ["ZADD", "weird", "18014398509481984", "b54", "-9223372036854775808", "i64min"],
  [
    "GEOPOS",
    "weird",
    "neg",
    "frac",
    "pinf",
    "ninf",
    "zero",
    "big",
    "nbig",
    "odd",
    "b52",
    "b54",
    "i64min",
  ],
  ["GEOHASH", "weird", "neg", "frac", "pinf", "ninf", "zero", "big", "nbig", "odd", "b52", "b54"],
  ["GEODIST", "weird", "neg", "pinf"],
  ["GEORADIUS", "weird", "0", "0", "20000", "km", "WITHHASH", "WITHCOORD", "WITHDIST"],
  // GEORADIUS and GEORADIUSBYMEMBER.
  ["GEOADD", "Sicily", "13.583333", "37.316667", "Agrigento", "12.758489", "38.788135", "edge1"],
  ["GEOADD", "Sicily", "17.241510", "38.788135", "edge2", "15", "37", "Sud"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ASC"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHCOORD"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHHASH"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "withdist", "withcoord", "withhash", "asc"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "2"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "2", "DESC"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "ANY"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "2", "ANY", "ASC"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "0"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "-3"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "x"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "99999999999999999999"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "9223372036854775807"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "FOO"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE"],
  ["GEORADIUS", "Sicily", "15", "37", "-1", "km"],
  ["GEORADIUS", "Sicily", "15", "37", "x", "km"],
  ["GEORADIUS", "Sicily", "15", "37", "1", "parsec"],
  ["GEORADIUS", "Sicily", "15", "91", "1", "km"],
  ["GEORADIUS", "Sicily", "x", "37", "1", "km"],
  ["GEORADIUS", "Sicily", "15", "37", "0", "km"],
  ["GEORADIUS", "Sicily", "15", "37", "0", "km", "WITHDIST"],
  ["GEORADIUS", "Sicily", "15", "37", "inf", "km", "WITHDIST"],
  ["GEORADIUS", "Sicily", "15", "37", "1", "km"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "STORE", "dst"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["OBJECT", "ENCODING", "dst"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "a", "STOREDIST", "dst", "COUNT", "2"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["EXISTS", "a"],
  ["GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", "dst"],
  ["EXISTS", "dst"],
  ["GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "Sicily2"],
  ["GEORADIUS", "nokey", "0", "0", "1", "km"],
  ["GEORADIUS", "nokey", "0", "0", "1", "km", "WITHDIST", "STORE", "x"],
  ["GEORADIUS", "nokey", "0", "0", "1", "km", "ANY"],
  ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"],
  ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "dst"],
  ["GEORADIUSBYMEMBER", "Sicily", "Agrigento", "100", "km"],
  ["GEORADIUSBYMEMBER", "Sicily", "Agrigento", "100", "km", "WITHDIST", "WITHCOORD", "DESC"],
  ["GEORADIUSBYMEMBER", "Sicily", "Nope", "100", "km"],
  ["GEORADIUSBYMEMBER", "Sicily", "Nope", "x", "km"],
  ["GEORADIUSBYMEMBER", "Sicily", "Agrigento", "x", "km"],
  ["GEORADIUSBYMEMBER", "nokey", "Agrigento", "x", "parsec"],
  ["GEORADIUSBYMEMBER", "nokey", "Agrigento", "x", "parsec", "STORE", "dst"],
  ["GEORADIUSBYMEMBER", "nokey", "Agrigento", "x", "parsec", "BOGUS"],
  ["GEORADIUSBYMEMBER", "Sicily", "Agrigento", "100", "km", "STOREDIST", "dst", "ASC"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["GEORADIUSBYMEMBER_RO", "Sicily", "Agrigento", "100", "km", "COUNT", "1"],
  ["GEORADIUSBYMEMBER_RO", "Sicily", "Agrigento", "100", "km", "STOREDIST", "x"],
  // GEOSEARCH and GEOSEARCHSTORE.
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"],
  ["GEOSEARCH", "Sicily", "FROMMEMBER", "Agrigento", "BYBOX", "100", "300", "mi", "WITHDIST"],
  ["GEOSEARCH", "Sicily", "FROMMEMBER", "Agrigento", "BYRADIUS", "100", "km", "WITHCOORD"],
  ["GEOSEARCH", "Sicily", "FROMMEMBER", "Nope", "BYRADIUS", "100", "km"],
  ["GEOSEARCH", "Sicily", "FROMMEMBER", "Agrigento", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "FROMMEMBER", "Agrigento", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "m", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "Sicily", "BYRADIUS", "1", "m", "ASC"],
  ["geosearch", "Sicily", "FROMLONLAT", "1", "1", "ASC", "DESC"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "m"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "x", "y", "m"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "y", "m"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "lightyear"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STORE", "x"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STOREDIST"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "100", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ANY"],
  ["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "m"],
  ["GEOSEARCH", "nokey", "FROMMEMBER", "x"],
  ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  [
    "GEOSEARCHSTORE",
    "dst",
    "Sicily",
    "FROMLONLAT",
    "15",
    "37",
    "BYRADIUS",
    "200",
    "km",
    "STOREDIST",
  ],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  [
    "GEOSEARCHSTORE",
    "dst",
    "Sicily",
    "FROMLONLAT",
    "15",
    "37",
    "BYRADIUS",
    "200",
    "km",
    "COUNT",
    "2",
    "DESC",
    "STOREDIST",
  ],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  [
    "GEOSEARCHSTORE",
    "dst",
    "Sicily",
    "FROMLONLAT",
    "15",
    "37",
    "BYRADIUS",
    "200",
    "km",
    "WITHDIST",
  ],
  [
    "GEOSEARCHSTORE",
    "dst",
    "Sicily",
    "FROMLONLAT",
    "15",
    "37",
    "BYRADIUS",
    "200",
    "km",
    "STORE",
    "x",
  ],
  ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
  ["EXISTS", "dst"],
  ["GEOSEARCHSTORE", "dst", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"],
  ["GEOSEARCHSTORE", "Sicily", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"],
  ["EXISTS", "Sicily"],
  // Equal distances: the same point under several names, and a ring of equidistant points.
  [
    "GEOADD",
    "ties",
    "10",
    "10",
    "a",
    "10",
    "10",
    "b",
    "10",
    "10",
    "c",
    "10",
    "10",
    "d",
    "10",
    "10",
    "e",
  ],
  ["GEOADD", "ties", "10.1", "10", "r1", "9.9", "10", "r2", "10.2", "10", "r3", "9.8", "10", "r4"],
  ["GEORADIUS", "ties", "10", "10", "100", "km"],
  ["GEORADIUS", "ties", "10", "10", "100", "km", "ASC"],
  ["GEORADIUS", "ties", "10", "10", "100", "km", "DESC", "WITHDIST"],
  ["GEORADIUS", "ties", "10", "10", "100", "km", "COUNT", "3"],
  ["GEORADIUS", "ties", "10", "10", "100", "km", "COUNT", "6", "DESC"],
  ["GEORADIUS", "ties", "10", "10", "100", "km", "COUNT", "7", "ASC"],
  ["GEORADIUS", "ties", "10", "10", "100", "km", "COUNT", "3", "ANY"],
  ["GEORADIUS", "ties", "10", "10", "100", "km", "COUNT", "3", "ANY", "DESC"],
  [
    "GEOSEARCH",
    "ties",
    "FROMMEMBER",
    "c",
    "BYBOX",
    "30",
    "30",
    "km",
    "COUNT",
    "4",
    "DESC",
    "WITHHASH",
  ],
  // The whole world, the poles and the antimeridian.
  [
    "GEOADD",
    "world",
    "179.9",
    "0",
    "am1",
    "-179.9",
    "0",
    "am2",
    "0",
    "85",
    "np",
    "180",
    "-85",
    "sp",
  ],
  ["GEOADD", "world", "90", "84.9", "np2", "-90", "-84.9", "sp2", "0", "0", "o", "45", "45", "m"],
  ["GEORADIUS", "world", "180", "0", "50", "km", "WITHDIST"],
  ["GEORADIUS", "world", "-180", "0", "50", "km", "WITHDIST", "ASC"],
  ["GEORADIUS", "world", "0", "85", "2000", "km", "WITHDIST", "WITHCOORD"],
  ["GEORADIUS", "world", "0", "-85", "3000", "km", "WITHDIST"],
  ["GEORADIUS", "world", "0", "0", "20000", "km", "WITHDIST"],
  ["GEORADIUS", "world", "0", "0", "5000", "km"],
  ["GEOSEARCH", "world", "FROMLONLAT", "180", "0", "BYBOX", "100", "100", "km", "WITHDIST"],
  ["GEOSEARCH", "world", "FROMLONLAT", "0", "85.05112878", "BYBOX", "20000", "800", "km"],
  ["GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYBOX", "40000", "40000", "km", "WITHDIST"],
];

describe("geo vs redis-server 7.0.15", () => {
  let oracle: RedisOracle;
  beforeAll(async () => {
    oracle = await RedisOracle.start();
  }, 30_000);
  afterAll(async () => {
    await oracle?.stop();
  });

  it("describe themselves as COMMAND INFO does, keys included", async () => {
    expect(await commandInfoMismatches(oracle, geoCommands)).toEqual([]);
    for (const name of ["georadius", "georadiusbymember"]) {
      const spec = geoCommands.find((c) => c.name === name);
      for (const argv of [
        [name, "k", "0", "0", "1", "km"],
        [name, "k", "0", "0", "1", "km", "STORE", "d"],
        [name, "k", "0", "0", "1", "km", "STORE", "d", "STOREDIST", "e", "ASC"],
        [name, "k", "0", "0", "1", "km", "STORE"],
        [name, "k", "m", "1", "store", "d"],
        [name, "k", "store", "1", "km", "store", "d"],
        [name, "k", "0", "0", "1", "km", "STOREDIST", "a", "STORE", "b", "store", "c", "STORE"],
      ]) {
        const theirs = decodeReply(await oracle.command("COMMAND", "GETKEYS", ...argv));
        const mine = (spec?.getKeys?.(new ArrayArgs(argv.map((a) => Buffer.from(a)))) ?? []).map(
          (i) => argv[i],
        );
        expect(mine).toEqual(theirs);
      }
    }
  });

  for (const resp of [2, 3] as const) {
    it(`scripted, RESP${resp}`, async () => {
      await oracle.command("FLUSHALL");
      const t = new TestStore(table);
      t.resp = resp;
      expect(await compareScript(t, oracle, SCRIPT)).toEqual([]);
    });
  }
});

const EVENTS: string[][] = [
  ["GEOADD", "g", ...SICILY],
  ["GEOADD", "g", "NX", "13.361389", "38.115556", "Palermo"],
  ["GEOADD", "g", "XX", "CH", "13.5", "38.1", "Palermo", "1", "1", "x"],
  ["GEOADD", "g", "CH", "13.5", "38.1", "Palermo"],
  ["GEOADD", "g", "1", "1", "a", "200", "1", "b"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d", "COUNT", "1"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "WITHDIST"],
  ["GEORADIUSBYMEMBER", "g", "Palermo", "10", "km", "STORE", "d2"],
  ["GEOSEARCHSTORE", "d3", "g", "FROMMEMBER", "Palermo", "BYBOX", "10", "10", "km"],
  ["GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"],
  ["GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"],
  ["GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "d2"],
  ["GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "d2"],
  ["GEOSEARCHSTORE", "d", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km", "STOREDIST"],
  ["GEORADIUS_RO", "g", "15", "37", "200", "km"],
  ["SET", "done", "1"],
];

describe("geo events and propagation vs redis-server 7.0.15", () => {
  it("publish the same keyspace events", async () => {
    const mine: string[] = [];
    const t = new TestStore(table, {
      hooks: { notify: (db, _cls, event, key) => mine.push(`${db}:${event} ${key}`) },
    });
    const theirs = await keyEvents(EVENTS, (argv) => {
      t.now = Date.now();
      t.run(...argv);
    });
    expect(theirs.length).toBeGreaterThan(10);
    expect(mine).toEqual(theirs);
  });

  it("propagate the same commands as the AOF holds (GEOADD as the ZADD it runs)", async () => {
    const mine: string[] = [];
    const t = new TestStore(table);
    const theirs = await aofCommands(EVENTS, (argv) => {
      t.now = Date.now();
      t.run(...argv);
      for (const p of t.last.propagated) mine.push(p.map((x) => x.toString()).join(" "));
    });
    expect(theirs.some((c) => c.startsWith("zadd g "))).toBe(true);
    expect(mine).toEqual(theirs);
  });
});

// The RDB format against real redis-server 7.0.15: DUMP payloads byte for byte and both ways
// (Redis -> RESTORE into Shoal's store -> RESTORE back into Redis, equal DEBUG DIGEST-VALUE),
// a file Redis SAVEd read by the reader, Shoal's file accepted by redis-check-rdb and loaded by
// redis-server (equal DEBUG DIGEST), a one-key file equal to Redis's byte for byte, and a
// hand-built file of the pre-7.0 encodings (zipmap, ziplists, quicklist 1, old list/zset types,
// second-resolution expiry) read the same by Redis and by Shoal.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatDouble17g } from "@shoal/resp-codec";
import { redisServerPath } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Crc64 } from "../../src/crc64.js";
import { dumpValue, restoreValue } from "../../src/dump.js";
import { objectEncoding } from "../../src/encoding.js";
import { Keyspace } from "../../src/keyspace.js";
import { lzfCompress } from "../../src/rdb/lzf.js";
import { rdbObjectType } from "../../src/rdb/writer.js";
import { valueBytes } from "../../src/string-value.js";
import { plainValue as plain } from "../../src/test-kit.js";
import { elementBytes, elementFromLatin1 } from "../../src/types/list.js";
import { Denque, isString, type ListElement, type Value, ZSet } from "../../src/value.js";
import { decodeReply, RedisOracle } from "../redis-oracle.js";

const DEBUG = ["--enable-debug-command", "yes"];

/** Commands that build `v` under `key` in Redis. */
function build(key: string, v: Value): (string | Buffer)[][] {
  if (isString(v)) return [["SET", key, valueBytes(v)]];
  const out: (string | Buffer)[][] = [];
  const chunked = (cmd: string, items: (string | Buffer)[], per: number) => {
    for (let i = 0; i < items.length; i += per) out.push([cmd, key, ...items.slice(i, i + per)]);
  };
  if (v instanceof Denque) chunked("RPUSH", v.toArray().map(elementBytes), 100);
  else if (v instanceof Map)
    chunked(
      "HSET",
      [...v].flatMap(([f, x]) => [Buffer.from(f, "latin1"), elementBytes(x)]),
      200,
    );
  else if (v instanceof Set)
    chunked(
      "SADD",
      [...v].map((m) => Buffer.from(m, "latin1")),
      100,
    );
  else
    chunked(
      "ZADD",
      [...(v as ZSet).entries()].flatMap(([m, s]) => [
        formatDouble17g(s),
        Buffer.from(m, "latin1"),
      ]),
      200,
    );
  return out;
}

const bulk = (b: Buffer): Buffer => Buffer.from(decodeReply(b) as string, "latin1");
/** A reply as text: simple strings without their "+", bulk strings as they are. */
const text = (b: Buffer): string => String(decodeReply(b)).replace(/^\+/, "");
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const hashOf = (pairs: [string, string][]) =>
  new Map(pairs.map(([f, v]): [string, ListElement] => [f, elementFromLatin1(v)]));
const list = (xs: string[]) => new Denque(xs.map(elementFromLatin1));

/** The values the interop runs on: every type at and past each encoding boundary. */
function cases(): [string, Value][] {
  const ints = [
    "0",
    "-1",
    "127",
    "128",
    "-129",
    "4095",
    "-4097",
    "32768",
    "-32769",
    "8388608",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "-9223372036854775808",
    "01",
    "-0",
  ];
  const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ";
  return [
    ...ints.map((s): [string, Value] => [`int ${s}`, s]),
    ["string 20", "a".repeat(20)],
    ["string 21 compressible", "a".repeat(21)],
    ["string 45 text", lorem.slice(0, 45)],
    [
      "string incompressible",
      Buffer.from(range(200, (i) => String.fromCharCode((i * 131 + 7) % 256)).join(""), "latin1"),
    ],
    ["string 5000 text", Buffer.from(lorem.repeat(62))],
    ["string 100k", Buffer.alloc(100_000, "ab")],
    ["list small", list(["a", "1", "-5", "", "x".repeat(70)])],
    ["list 3 nodes", list(range(2500, (i) => (i % 4 === 0 ? String(i * 1000) : `item:${i}`)))],
    ["list big element", list(["a", "b".repeat(10_000), "c"])],
    [
      // NUL, the bytes 0x80-0xFF and invalid UTF-8, as short (string) and long (Buffer) elements.
      "list binary elements",
      list([
        "\x00",
        "\x80a\xe2\x82\xc0\x80\xfe\xff",
        range(128, (i) => String.fromCharCode(0x80 + i)).join(""),
        `\x00${range(128, (i) => String.fromCharCode(0x80 + i)).join("")}`,
        range(300, (i) => String.fromCharCode((i * 131 + 7) % 256)).join(""),
        "\xff".repeat(129),
        "",
      ]),
    ],
    ["hash listpack", hashOf(range(512, (i) => [`field:${i}`, String(i)]))],
    ["hash value 64", hashOf([["f", "v".repeat(64)]])],
    [
      // NUL, the bytes 0x80-0xFF and invalid UTF-8 in values of both shapes (short strings,
      // Buffers past 128 bytes).
      "hash binary values",
      hashOf([
        ["a", "\x00"],
        ["b", "\x80a\xe2\x82\xc0\x80\xfe\xff"],
        ["c", range(128, (i) => String.fromCharCode(0x80 + i)).join("")],
        ["d", `\x00${range(128, (i) => String.fromCharCode(0x80 + i)).join("")}`],
        ["e", ""],
      ]),
    ],
    ["hash hashtable (513)", hashOf(range(513, (i) => [`f${i}`, `v${i}`]))],
    [
      "hash hashtable (value 65)",
      hashOf([
        ["f", "v".repeat(65)],
        ["g", "1"],
      ]),
    ],
    ["intset 16", new Set(["1", "-3", "32767", "-32768"])],
    ["intset 32", new Set(["1", "2147483647"])],
    ["intset 64 (512)", new Set(range(511, (i) => String(i)).concat(["-9223372036854775808"]))],
    ["set hashtable (513 ints)", new Set(range(513, (i) => String(i)))],
    ["set hashtable (strings)", new Set(["a", "b", "1"])],
    [
      "zset listpack",
      ZSet.from(range(128, (i): [string, number] => [`m${i}`, i % 3 === 0 ? i : i / 7])),
    ],
    [
      "zset listpack inf",
      ZSet.from([
        ["a", Number.NEGATIVE_INFINITY],
        ["b", 1e300],
        ["c", Number.POSITIVE_INFINITY],
        ["d", 0.1],
      ]),
    ],
    ["zset skiplist (129)", ZSet.from(range(129, (i): [string, number] => [`m${i}`, i / 3]))],
    [
      "zset skiplist (member 65)",
      ZSet.from([
        ["m".repeat(65), 2.5],
        ["n", -1],
      ]),
    ],
  ];
}

/** Encodings whose bytes Redis derives from its dict order (hash seed): compared by content only. */
const dictOrdered = (v: Value) => [2, 4].includes(rdbObjectType(v));

describe("RDB interop with redis-server 7.0.15", () => {
  let redis: RedisOracle;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shoal-rdb-"));
  beforeAll(async () => {
    redis = await RedisOracle.start(DEBUG);
  });
  afterAll(async () => {
    await redis.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("DUMP payloads: byte-equal to Redis's, and each side restores the other's", async () => {
    for (const [name, v] of cases()) {
      const key = `k:${name}`;
      for (const c of build(key, v)) await redis.command(...c);
      const theirs = bulk(await redis.command("DUMP", key));
      const ours = dumpValue(v);
      if (!dictOrdered(v)) expect(ours.toString("hex"), name).toBe(theirs.toString("hex"));
      // Redis's payload into Shoal: same contents, same encoding as Redis reports.
      const mine = restoreValue(theirs) as Value;
      expect(plain(mine), name).toEqual(plain(v));
      expect(objectEncoding(mine), name).toBe(text(await redis.command("OBJECT", "ENCODING", key)));
      // Shoal's payload into Redis: the same value by Redis's own digest.
      expect(text(await redis.command("RESTORE", `back:${name}`, "0", ours)), name).toBe("OK");
      const d = decodeReply(
        await redis.command("DEBUG", "DIGEST-VALUE", key, `back:${name}`),
      ) as string[];
      expect(String(d[1]), name).toBe(String(d[0]));
      expect(text(await redis.command("OBJECT", "ENCODING", `back:${name}`))).toBe(
        objectEncoding(v),
      );
    }
  });

  it("a file Redis saved loads into Shoal; Shoal's file passes redis-check-rdb and loads into Redis with an equal DEBUG DIGEST", async () => {
    await redis.command("FLUSHALL");
    for (const [name, v] of cases())
      for (const c of build(`k:${name}`, v)) await redis.command(...c);
    await redis.command("SET", "ttl", "v", "PX", "3600000");
    await redis.command("SELECT", "7");
    await redis.command("SET", "in-db-7", "x");
    await redis.command("SELECT", "0");
    expect(text(await redis.command("SAVE"))).toBe("OK");
    const digest = text(await redis.command("DEBUG", "DIGEST"));

    const ks = new Keyspace();
    const l = ks.loadRdb(fs.readFileSync(path.join(redis.server.dir, "dump.rdb")));
    expect(l.loaded).toBe(cases().length + 2);
    expect(l.aux.get("redis-ver")).toBe("7.0.15");
    for (const [name, v] of cases()) {
      expect(plain(ks.db(0).dict.get(`k:${name}`)!), name).toEqual(plain(v));
      expect(objectEncoding(ks.db(0).dict.get(`k:${name}`)!), name).toBe(objectEncoding(v));
    }
    expect(ks.db(0).getExpire("ttl")).toBeGreaterThan(Date.now());

    const dir = path.join(tmp, "shoal");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "dump.rdb"),
      Buffer.concat([...ks.rdbSnapshotSync({ batchKeys: 4 })]),
    );
    // redis-check-rdb ships with redis-server (redis-tools), in the same directory.
    const checker = path.join(path.dirname(redisServerPath()), "redis-check-rdb");
    const check = execFileSync(checker, [path.join(dir, "dump.rdb")]).toString();
    expect(check).toContain("\\o/ RDB looks OK! \\o/");
    const r2 = await RedisOracle.start(DEBUG, dir);
    try {
      expect(text(await r2.command("DBSIZE"))).toBe(String(cases().length + 1));
      expect(text(await r2.command("DEBUG", "DIGEST"))).toBe(digest);
    } finally {
      await r2.stop();
    }
  });

  it("a one-key file is byte-equal to Redis's SAVE (aux values taken from Redis's file)", async () => {
    await redis.command("FLUSHALL");
    await redis.command("RPUSH", "l", "a", "b", "300");
    await redis.command("SET", "s", "x".repeat(50), "PXAT", "4102444800000");
    await redis.command("SAVE");
    const theirs = fs.readFileSync(path.join(redis.server.dir, "dump.rdb"));
    const ks = new Keyspace();
    const aux = ks.loadRdb(theirs).aux;
    // Redis writes its dict order; a 2-key dict happens to iterate in a fixed order here.
    const order = [...ks.db(0).dict.keys()];
    const again = new Keyspace();
    for (const k of order) again.db(0).add(k, ks.db(0).dict.get(k)!);
    again.db(0).setExpire("s", 4102444800000);
    const ours = Buffer.concat([
      ...again.rdbSnapshotSync({
        aux: { ctime: Number(aux.get("ctime")), usedMem: Number(aux.get("used-mem")) },
      }),
    ]);
    expect(ours.toString("hex")).toBe(theirs.toString("hex"));
  });

  it("pre-7.0 encodings (zipmap, ziplists, quicklist 1, old list/set/zset/hash, EXPIRETIME) read as Redis reads them", async () => {
    const file = legacyFixture();
    const dir = path.join(tmp, "legacy");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "dump.rdb"), file);
    const r = await RedisOracle.start(DEBUG, dir);
    const ks = new Keyspace();
    try {
      expect(ks.loadRdb(file).loaded).toBe(12);
      expect(text(await r.command("DBSIZE"))).toBe("12");
      const digest = text(await r.command("DEBUG", "DIGEST"));
      const back = path.join(tmp, "legacy-back");
      fs.mkdirSync(back);
      fs.writeFileSync(path.join(back, "dump.rdb"), Buffer.concat([...ks.rdbSnapshotSync()]));
      const r2 = await RedisOracle.start(DEBUG, back);
      try {
        expect(text(await r2.command("DEBUG", "DIGEST"))).toBe(digest);
      } finally {
        await r2.stop();
      }
    } finally {
      await r.stop();
    }
  });
});

// ---- A hand-built RDB 9 file with the encodings Redis stopped writing --------------------------

const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const len = (n: number) =>
  n < 64
    ? Buffer.from([n])
    : n < 16384
      ? Buffer.from([0x40 | (n >> 8), n & 0xff])
      : Buffer.concat([
          Buffer.from([0x80]),
          Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]),
        ]);
const str = (s: string | Buffer) => {
  const b = typeof s === "string" ? Buffer.from(s, "latin1") : s;
  return Buffer.concat([len(b.length), b]);
};

function ziplist(items: (string | number)[]): Buffer {
  const entries: Buffer[] = [];
  let prevlen = 0;
  for (const it of items) {
    const prev =
      prevlen < 254 ? Buffer.from([prevlen]) : Buffer.concat([Buffer.from([254]), u32le(prevlen)]);
    let enc: Buffer;
    if (typeof it === "number") {
      if (it >= 0 && it <= 12) enc = Buffer.from([0xf1 + it]);
      else {
        enc = Buffer.alloc(3);
        enc[0] = 0xc0;
        enc.writeInt16LE(it, 1);
      }
    } else {
      const b = Buffer.from(it, "latin1");
      enc =
        b.length < 64
          ? Buffer.concat([Buffer.from([b.length]), b])
          : Buffer.concat([Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]), b]);
    }
    const e = Buffer.concat([prev, enc]);
    entries.push(e);
    prevlen = e.length;
  }
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(
    entries.length ? 10 + body.length - entries[entries.length - 1]!.length : 10,
    4,
  );
  head.writeUInt16LE(entries.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

function zipmap(pairs: [string, string][]): Buffer {
  const parts = [Buffer.from([pairs.length])];
  for (const [k, v] of pairs)
    parts.push(Buffer.from([k.length]), Buffer.from(k), Buffer.from([v.length, 0]), Buffer.from(v));
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

function legacyFixture(): Buffer {
  const lzfStr = (s: string) => {
    const b = Buffer.from(s);
    const out = Buffer.alloc(b.length);
    const n = lzfCompress(b, 0, b.length, out, b.length - 4);
    return Buffer.concat([Buffer.from([0xc3]), len(n), len(b.length), out.subarray(0, n)]);
  };
  const dbl = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
  const soon = Math.floor(Date.now() / 1000) + 3600;
  const exp = Buffer.alloc(5);
  exp[0] = 0xfd;
  exp.writeUInt32LE(soon, 1);
  const parts = [
    Buffer.from("REDIS0009"),
    Buffer.from([0xfe, 0]),
    Buffer.from([0]),
    str("int8"),
    Buffer.from([0xc0, 0x85]),
    Buffer.from([0]),
    str("int32"),
    Buffer.from([0xc2, 0x78, 0x56, 0x34, 0x12]),
    exp,
    Buffer.from([0]),
    str("lzf"),
    lzfStr("hello hello hello hello hello hello!"),
    Buffer.from([1]),
    str("oldlist"),
    len(3),
    str("a"),
    str("b"),
    str("300"),
    Buffer.from([2]),
    str("oldset"),
    len(2),
    str("x"),
    str("7"),
    Buffer.from([3]),
    str("oldzset"),
    len(3),
    str("m1"),
    dbl("1.5"),
    str("m2"),
    Buffer.from([254]),
    str("m3"),
    Buffer.from([255]),
    Buffer.from([4]),
    str("oldhash"),
    len(2),
    str("f1"),
    str("v1"),
    str("f2"),
    str("2"),
    Buffer.from([9]),
    str("zipmap"),
    str(
      zipmap([
        ["a", "1"],
        ["bb", "two"],
      ]),
    ),
    Buffer.from([10]),
    str("zllist"),
    str(ziplist(["x", 5, -300, "y".repeat(100)])),
    Buffer.from([12]),
    str("zlzset"),
    str(ziplist(["a", 1, "b", "2.5"])),
    Buffer.from([13]),
    str("zlhash"),
    str(ziplist(["f", "v", "n", 12])),
    Buffer.from([14]),
    str("quicklist1"),
    len(2),
    str(ziplist(["a", "b"])),
    str(ziplist([1, 2, "c"])),
    Buffer.from([0xff]),
  ];
  const body = Buffer.concat(parts);
  const sum = Buffer.alloc(8);
  sum.writeBigUInt64LE(new Crc64().update(body).value());
  return Buffer.concat([body, sum]);
}

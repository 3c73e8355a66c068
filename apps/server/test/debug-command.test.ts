// DEBUG subcommands that tools and Redis's own test suites use, against real redis-server
// 7.0.15: replies and errors byte for byte, DIGEST/DIGEST-VALUE equal to Redis's for the same
// data of every type, RELOAD and LOADAOF keeping the data (same digest before and after, and as
// Redis's), CHANGE-REPL-ID, PAUSE-CRON and SET-SKIP-CHECKSUM-VALIDATION by their effects.
import { rawExchange, type ServerHandle, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, startShoal } from "./helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ZERO = "+0000000000000000000000000000000000000000\r\n";

/** Data of every type Shoal has, in several databases, small and large encodings. */
function dataset(): string {
  const many = (n: number, f: (i: number) => string[]) =>
    Array.from({ length: n }, (_, i) => f(i)).flat();
  return [
    cmd("FLUSHALL"),
    cmd("SET", "str", "hello"),
    cmd("SET", "int", "12345"),
    cmd("SET", "bin", "\x00\xff\r\n"),
    cmd("SET", "ttl", "v", "EX", "1000"),
    cmd("RPUSH", "list", "a", "b", "c", "1", "-2", ""),
    cmd("RPUSH", "biglist", ...many(300, (i) => [`e${i}`.repeat(i % 7)])),
    cmd("HSET", "hash", "f", "v", "g", "123", "x".repeat(80), "long"),
    cmd("HSET", "bighash", ...many(600, (i) => [`f${i}`, `${i}`])),
    cmd("SADD", "intset", "1", "2", "3", "-5", "9223372036854775807"),
    cmd("SADD", "set", "a", "b", "1"),
    cmd("SADD", "bigset", ...many(600, (i) => [`${i}`])),
    cmd("ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c", "0.1", "d", "1e300", "e", "-0", "f"),
    cmd("ZADD", "bigzset", ...many(200, (i) => [`${i / 3}`, `m${i}`])),
    cmd("SELECT", "5"),
    cmd("SET", "str", "hello"),
    cmd("RPUSH", "list", "c", "b", "a"),
    cmd("SELECT", "0"),
  ].join("");
}
const KEYS = [
  "str",
  "int",
  "bin",
  "ttl",
  "list",
  "biglist",
  "hash",
  "bighash",
  "intset",
  "set",
  "bigset",
  "zset",
  "bigzset",
];

describe("DEBUG subcommands vs redis-server 7.0.15", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  const both = (payload: string) =>
    Promise.all([exchange(shoal.port, payload), exchange(redis.port, payload)]);
  beforeAll(async () => {
    [shoal, redis] = await Promise.all([
      startShoal(),
      startRedisServer({ args: ["--enable-debug-command", "yes"] }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  it("replies and errors byte for byte", async () => {
    const payload = [
      cmd("FLUSHALL"),
      cmd("RPUSH", "l", "a", "b"),
      cmd("HSET", "h", "f", "v"),
      cmd("ZADD", "z", "1", "m"),
      cmd("SADD", "s", "1"),
      cmd("SET", "k", "v"),
      cmd("DEBUG", "DIGEST", "x"),
      cmd("DEBUG", "DIGEST-VALUE"),
      cmd("DEBUG", "CHANGE-REPL-ID", "x"),
      ...["100", "0", "1k", "1KB", "4095mb", "4293918720", "", "b"].map((v) =>
        cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", v),
      ),
      ...["4096mb", "4293918721", "-1", "1.5", "abc", " 1", "0x10", "1t"].map((v) =>
        cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", v),
      ),
      cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD"),
      cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"),
      cmd("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100"),
      cmd("DEBUG", "REPLYBUFFER", "peak-reset-time", "-5"),
      cmd("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never"),
      cmd("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "x"),
      cmd("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "RESET"),
      cmd("DEBUG", "REPLYBUFFER", "RESIZING", "0"),
      cmd("DEBUG", "REPLYBUFFER", "resizing", "x"),
      cmd("DEBUG", "REPLYBUFFER", "RESIZING", "1"),
      cmd("DEBUG", "REPLYBUFFER", "bogus", "1"),
      cmd("DEBUG", "REPLYBUFFER", "RESIZING"),
      cmd("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"),
      cmd("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION"),
      cmd("DEBUG", "PAUSE-CRON", "0"),
      cmd("DEBUG", "PAUSE-CRON", "x"),
      cmd("DEBUG", "PAUSE-CRON"),
      cmd("DEBUG", "STRINGMATCH-TEST", "x"),
      ...["l", "h", "z", "s", "k", "nokey"].map((k) => cmd("DEBUG", "LISTPACK", k)),
      ...["l", "h", "z", "s", "k", "nokey"].map((k) => cmd("DEBUG", "QUICKLIST", k)),
      cmd("DEBUG", "QUICKLIST", "l", "1"),
      cmd("DEBUG", "QUICKLIST", "l", "1", "2"),
      cmd("DEBUG", "LISTPACK"),
      cmd("DEBUG", "RELOAD", "BOGUS"),
      cmd("DEBUG", "RELOAD", "NOSAVE", "merge", "x"),
    ].join("");
    const [a, b] = await both(payload);
    expect(a).toBe(b);
    expect(b).toContain("+Listpack structure printed on stdout\r\n");
    expect(b).toContain("+Quicklist structure printed on stdout\r\n");
  });

  it("DEBUG HELP: Redis's own lines for each subcommand Shoal has, in Redis's order", async () => {
    const [a, b] = await both(cmd("DEBUG", "HELP"));
    const ours = a.split("\r\n").slice(1, -1);
    const theirs = b.split("\r\n").slice(1, -1);
    // Shoal's help is Redis's with the entries of subcommands it lacks left out.
    expect(theirs.filter((l) => ours.includes(l))).toEqual(ours);
    for (const sub of [
      "DIGEST-VALUE",
      "LOADAOF",
      "CHANGE-REPL-ID",
      "PAUSE-CRON",
      "QUICKLIST <key>",
    ])
      expect(ours.some((l) => l.startsWith(`+${sub}`))).toBe(true);
  });

  it("STRINGMATCH-TEST runs its fuzzer and says so", async () => {
    // Redis's 10 million rounds take seconds: a longer wait than exchange()'s.
    const run = (port: number) =>
      rawExchange(port, Buffer.from(cmd("DEBUG", "STRINGMATCH-TEST")), {
        timeout: 60_000,
        done: (b) => b.includes("\r\n"),
      });
    const [a, b] = await Promise.all([run(shoal.port), run(redis.port)]);
    expect(a.toString("latin1")).toBe(b.toString("latin1"));
    expect(b.toString("latin1")).toBe("+Apparently Redis did not crash: test passed\r\n");
  }, 90_000);

  it("DIGEST and DIGEST-VALUE: Redis's hex for the same data of every type", async () => {
    const [emptyA, emptyB] = await both(cmd("FLUSHALL") + cmd("DEBUG", "DIGEST"));
    expect(emptyA).toBe(emptyB);
    const probe =
      cmd("DEBUG", "DIGEST") +
      cmd("DEBUG", "DIGEST-VALUE", ...KEYS, "nokey") +
      cmd("SELECT", "5") +
      cmd("DEBUG", "DIGEST-VALUE", "str", "list") +
      cmd("SELECT", "0");
    const [a, b] = await both(dataset() + probe);
    expect(a).toBe(b);
    // Every value digested to something, and a missing key to zeros.
    const lines = b.split("\r\n").filter((l) => /^\+[0-9a-f]{40}$/.test(l));
    expect(lines).toHaveLength(1 + KEYS.length + 1 + 2);
    expect(lines.filter((l) => `${l}\r\n` === ZERO)).toHaveLength(1);
    // Order matters inside a list, not between keys or set members.
    const [c, d] = await both(cmd("LSET", "list", "0", "z") + cmd("DEBUG", "DIGEST"));
    expect(c).toBe(d);
    expect(c).not.toContain(lines[0] as string);
  });

  it("RELOAD keeps the data; NOSAVE NOFLUSH MERGE adds the saved file's keys", async () => {
    const digest = cmd("DEBUG", "DIGEST");
    const [loaded] = await both(dataset() + digest);
    const before = loaded.slice(loaded.lastIndexOf("+"));
    const [a, b] = await both(cmd("DEBUG", "RELOAD") + digest + cmd("TTL", "ttl"));
    expect(a).toBe(b);
    expect(a).toBe(`+OK\r\n${before}:1000\r\n`);
    // The file now holds the dataset; change the live data, then merge the file back in.
    const [c, d] = await both(
      cmd("SET", "str", "changed") +
        cmd("SET", "extra", "1") +
        cmd("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") +
        cmd("GET", "str") +
        cmd("GET", "extra") +
        cmd("DEBUG", "RELOAD", "NOSAVE") +
        cmd("EXISTS", "extra") +
        digest,
    );
    expect(c).toBe(d);
    expect(c).toBe(`+OK\r\n+OK\r\n+OK\r\n$5\r\nhello\r\n$1\r\n1\r\n+OK\r\n:0\r\n${before}`);
  });

  it("RELOAD NOFLUSH without MERGE refuses a key in both, where Redis would panic", async () => {
    const r = await exchange(
      shoal.port,
      cmd("FLUSHALL") +
        cmd("SET", "a", "1") +
        cmd("DEBUG", "RELOAD") +
        cmd("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH") +
        cmd("GET", "a"),
    );
    expect(r).toBe(
      "+OK\r\n+OK\r\n+OK\r\n-ERR DEBUG RELOAD NOFLUSH: key 'a' in DB 0 exists in both (MERGE replaces it)\r\n$1\r\n1\r\n",
    );
  });

  it("CHANGE-REPL-ID: a new replid, replid2 cleared", async () => {
    const ids = async (port: number) => {
      const info = await exchange(port, cmd("INFO", "replication"));
      const get = (f: string) => new RegExp(`${f}:(\\S+)`).exec(info)?.[1];
      return [get("master_replid"), get("master_replid2"), get("second_repl_offset")];
    };
    for (const port of [shoal.port, redis.port]) {
      const [id] = await ids(port);
      expect(await exchange(port, cmd("DEBUG", "CHANGE-REPL-ID"))).toBe("+OK\r\n");
      const [id2, replid2, second] = await ids(port);
      expect(id2).toMatch(/^[0-9a-f]{40}$/);
      expect(id2).not.toBe(id);
      expect([replid2, second]).toEqual(["0000000000000000000000000000000000000000", "-1"]);
    }
  });

  it("PAUSE-CRON 1 stops active expiry until PAUSE-CRON 0", async () => {
    const expired = async (port: number) =>
      /expired_keys:(\d+)/.exec(await exchange(port, cmd("INFO", "stats")))?.[1];
    await both(cmd("FLUSHALL") + cmd("CONFIG", "RESETSTAT") + cmd("DEBUG", "PAUSE-CRON", "1"));
    await both(cmd("SET", "k", "v", "PX", "50"));
    await sleep(500);
    expect([await expired(shoal.port), await expired(redis.port)]).toEqual(["0", "0"]);
    await both(cmd("DEBUG", "PAUSE-CRON", "0"));
    await sleep(500);
    expect([await expired(shoal.port), await expired(redis.port)]).toEqual(["1", "1"]);
  });

  it("SET-SKIP-CHECKSUM-VALIDATION 1 lets RESTORE take a payload with a bad checksum", async () => {
    const run = async (port: number) => {
      await exchange(port, cmd("FLUSHALL") + cmd("SET", "k", "value"));
      // Each server restores its own payload (the formats differ by design), last byte flipped.
      const dump = await exchange(port, cmd("DUMP", "k"));
      const body = dump.slice(dump.indexOf("\r\n") + 2, -2);
      const bad = body.slice(0, -1) + String.fromCharCode(body.charCodeAt(body.length - 1) ^ 1);
      return exchange(
        port,
        cmd("RESTORE", "r", "0", bad) +
          cmd("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1") +
          cmd("RESTORE", "r", "0", bad) +
          cmd("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0") +
          cmd("RESTORE", "r2", "0", bad) +
          cmd("GET", "r"),
      );
    };
    const [a, b] = await Promise.all([run(shoal.port), run(redis.port)]);
    expect(a).toBe(b);
    expect(b).toBe(
      "-ERR DUMP payload version or checksum are wrong\r\n+OK\r\n+OK\r\n+OK\r\n-ERR DUMP payload version or checksum are wrong\r\n$5\r\nvalue\r\n",
    );
  });
});

describe("DEBUG LOADAOF vs redis-server 7.0.15", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    const args = ["--appendonly", "yes", "--enable-debug-command", "yes"];
    [shoal, redis] = await Promise.all([startShoal(args), startRedisServer({ args })]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  it("flushes the AOF and loads it back: the same data, as Redis's", async () => {
    const digest = cmd("DEBUG", "DIGEST");
    const run = async (port: number) => {
      const before = await exchange(port, dataset() + cmd("INCR", "int") + digest);
      const after = await exchange(port, cmd("DEBUG", "LOADAOF") + digest + cmd("GET", "int"));
      return [before, after] as const;
    };
    const [[beforeA, afterA], [beforeB, afterB]] = await Promise.all([
      run(shoal.port),
      run(redis.port),
    ]);
    expect(beforeA).toBe(beforeB);
    const digestB = beforeB.slice(beforeB.lastIndexOf("+"));
    expect(afterB).toBe(`+OK\r\n${digestB}$5\r\n12346\r\n`);
    expect(afterA).toBe(afterB);
  });

  it("with appendonly off there is no AOF to load: an error, and the data stays", async () => {
    const plain = await startShoal();
    try {
      expect(
        await exchange(
          plain.port,
          cmd("SET", "k", "v") + cmd("DEBUG", "LOADAOF") + cmd("GET", "k"),
        ),
      ).toBe(
        "+OK\r\n-ERR DEBUG LOADAOF needs appendonly yes: there is no append only file\r\n$1\r\nv\r\n",
      );
    } finally {
      await plain.stop();
    }
  });
});

// OBJECT IDLETIME against real redis-server 7.0.15: a key's access time is stamped when it is
// written and by every lookup except Redis's LOOKUP_NOTOUCH ones (EXISTS, TYPE, TTL, PTTL,
// EXPIRETIME, PEXPIRETIME, OBJECT) and the commands that read the dict without a lookup (DEBUG
// OBJECT, MEMORY USAGE, SCAN, KEYS, RANDOMKEY). Each probe gets its own key, the same script runs
// on both servers, and after two seconds every key's idle time must read the same on both.
import { type ServerHandle, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, startShoal } from "./helpers.js";

/** Probes that must leave the key idle (key "n:<i>"), and ones that are an access ("t:<i>"). */
const noTouch: string[][] = [
  ["TTL"],
  ["PTTL"],
  ["EXPIRETIME"],
  ["PEXPIRETIME"],
  ["TYPE"],
  ["EXISTS"],
  ["OBJECT", "ENCODING"],
  ["OBJECT", "REFCOUNT"],
  ["OBJECT", "IDLETIME"],
  ["DEBUG", "OBJECT"],
  ["MEMORY", "USAGE"],
];
const touch: string[][] = [["GET"], ["TOUCH"], ["STRLEN"], ["DUMP"], ["APPEND", "x"]];

/** Runs `argv` with `key` in the command's key position (after a subcommand when there is one). */
function probe(argv: string[], key: string): string {
  const [name, ...rest] = argv as [string, ...string[]];
  const sub = ["OBJECT", "DEBUG", "MEMORY"].includes(name);
  return sub ? cmd(name, rest[0] as string, key) : cmd(name, key, ...rest);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("OBJECT IDLETIME vs redis-server 7.0.15", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    [shoal, redis] = await Promise.all([
      startShoal(),
      startRedisServer({ args: ["--enable-debug-command", "yes"] }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  it("lookups with LOOKUP_NOTOUCH leave the idle time; reads and writes reset it", async () => {
    const both = (payload: string) =>
      Promise.all([exchange(shoal.port, payload), exchange(redis.port, payload)]);
    const keys = [
      ...noTouch.map((_, i) => `n:${i}`),
      ...touch.map((_, i) => `t:${i}`),
      "scanned",
      "overwritten",
      "restored",
    ];
    await both(cmd("FLUSHALL"));
    // Idle times are whole seconds of a clock Redis advances 10 times a second: write and read
    // 300 ms into a second so both servers see the same second at both ends.
    while (Date.now() % 1000 < 250 || Date.now() % 1000 > 400) await sleep(20);
    await both(
      keys.map((k) => cmd("SET", k, "v")).join("") +
        cmd("EXPIRE", "n:0", "100") +
        cmd("RPUSH", "list", "a") +
        cmd("HSET", "hash", "f", "v"),
    );
    await sleep(2000);
    // The probes' own replies differ by design (DEBUG OBJECT's address, MEMORY USAGE, DUMP
    // payloads, SCAN and KEYS order, RANDOMKEY): only the idle times that follow are compared.
    await both(
      noTouch.map((p, i) => probe(p, `n:${i}`)).join("") +
        touch.map((p, i) => probe(p, `t:${i}`)).join("") +
        cmd("SCAN", "0", "TYPE", "string", "COUNT", "1000") +
        cmd("KEYS", "*") +
        cmd("RANDOMKEY") +
        cmd("LLEN", "list") +
        cmd("SET", "overwritten", "w") +
        // RESTORE's BUSYKEY check is a write lookup: an access, though nothing is written.
        cmd("RESTORE", "restored", "0", "x"),
    );
    const [a, b] = await both(
      [...keys, "list", "hash"].map((k) => cmd("OBJECT", "IDLETIME", k)).join(""),
    );
    expect(a).toBe(b);
    expect(b.split("\r\n").filter((l) => l !== "")).toEqual([
      ...noTouch.map(() => ":2"),
      ...touch.map(() => ":0"),
      ":2", // scanned
      ":0", // overwritten
      ":0", // restored
      ":0", // list (LLEN)
      ":2", // hash
    ]);
  }, 30_000);

  it("DEBUG OBJECT reports the key's own idle time", async () => {
    const both = (payload: string) =>
      Promise.all([exchange(shoal.port, payload), exchange(redis.port, payload)]);
    await both(cmd("FLUSHALL"));
    while (Date.now() % 1000 < 250 || Date.now() % 1000 > 400) await sleep(20);
    await both(cmd("SET", "d", "v"));
    await sleep(1000);
    const [a, b] = await both(cmd("DEBUG", "OBJECT", "d"));
    const idle = (s: string) => /lru_seconds_idle:(\d+)/.exec(s)?.[1];
    expect(idle(a)).toBe(idle(b));
    expect(idle(b)).toBe("1");
  }, 30_000);
});

// The client routes a command by the key positions its own table declares (src/commands.ts);
// the server routes by its command table. This checks one against the other, for every entry of
// the client's table, on a started shoal-server (apps/server's build: the store's specs and the
// server's own, which its cluster routing reads) and on redis-server 7.0.15 (the reference, which
// also knows the commands Shoal doesn't implement yet). The server's keys for a sample command
// line come from COMMAND INFO's first/last/step, as cluster routing takes them, or from COMMAND
// GETKEYS for a movablekeys command. (Not GETKEYS for all: Redis's answers "no key arguments" for
// SPUBLISH/SSUBSCRIBE, whose shard channel is a key for routing only.) A client entry marked
// read-only (sent to replicas) must be a `readonly` command on both.
import { fileURLToPath } from "node:url";
import { redisServerPath, type ServerHandle, spawnServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommandSpec, commandSpecs } from "../src/commands.js";
import { type Client, createClient } from "../src/index.js";

const SHOAL_MAIN = fileURLToPath(new URL("../../server/dist/main.js", import.meta.url));

/**
 * Command lines for the entries whose keys move with their arguments (COMMAND INFO's
 * movablekeys) and for containers, whose argv[1] picks a subcommand. Every other entry is
 * sampled from its arity alone.
 */
const SAMPLES: Record<string, string[][]> = {
  ZUNIONSTORE: [["ZUNIONSTORE", "d", "2", "x", "y", "WEIGHTS", "1", "2"]],
  ZUNION: [["ZUNION", "2", "x", "y"]],
  ZINTER: [["ZINTER", "3", "x", "y", "z", "WITHSCORES"]],
  SINTERCARD: [["SINTERCARD", "2", "x", "y", "LIMIT", "1"]],
  EVAL: [["EVAL", "return 1", "2", "k1", "k2", "arg"]],
  EVALSHA: [["EVALSHA", "a".repeat(40), "1", "k1", "arg"]],
  EVAL_RO: [["EVAL_RO", "return 1", "2", "k1", "k2"]],
  EVALSHA_RO: [["EVALSHA_RO", "a".repeat(40), "1", "k1"]],
  FCALL: [["FCALL", "f", "2", "k1", "k2", "arg"]],
  FCALL_RO: [["FCALL_RO", "f", "1", "k1"]],
  XREAD: [["XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"]],
  XREADGROUP: [["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "s2", ">", ">"]],
  MIGRATE: [
    ["MIGRATE", "127.0.0.1", "1", "k", "0", "10"],
    ["MIGRATE", "127.0.0.1", "1", "", "0", "10", "REPLACE", "KEYS", "k1", "k2"],
  ],
  SORT: [
    ["SORT", "k"],
    ["SORT", "k", "BY", "w_*", "LIMIT", "0", "5", "GET", "#", "STORE", "d"],
  ],
  OBJECT: [["OBJECT", "ENCODING", "k"]],
  XGROUP: [["XGROUP", "CREATE", "k", "g", "$"]],
};

const CONTAINERS = new Set(["OBJECT", "XGROUP"]);

interface Info {
  arity: number;
  flags: string[];
  movable: boolean;
  /** Legacy key positions: first, last (negative: from the end), step. */
  range: [number, number, number];
}

/** COMMAND INFO of `name` ("object|encoding" for a subcommand): undefined when not there. */
async function commandInfo(c: Client<string>, name: string): Promise<Info | undefined> {
  const [e] = (await c.call("COMMAND", "INFO", name)) as (unknown[] | null)[];
  if (e === null || e === undefined) return undefined;
  const flags = (e[2] as string[]).map(String);
  const range = [Number(e[3]), Number(e[4]), Number(e[5])] as [number, number, number];
  return { arity: Number(e[1]), flags, movable: flags.includes("movablekeys"), range };
}

/** Argument lists from the arity: exactly n, or at least n, n+1 and n+2 for a negative one. */
function arityArgvs(name: string, arity: number): string[][] {
  const lengths = arity > 0 ? [arity] : [-arity, -arity + 1, -arity + 2];
  return lengths.map((n) => [name, ...Array.from({ length: n - 1 }, (_, i) => `a${i + 1}`)]);
}

/** What COMMAND GETKEYS names for `argv`. */
async function getKeys(c: Client<string>, argv: string[]): Promise<string[]> {
  return ((await c.call("COMMAND", "GETKEYS", ...argv)) as unknown[]).map(String);
}

/** The keys COMMAND INFO's first/last/step pick from `argv` (Redis's legacy range). */
function rangeKeys([first, last, step]: Info["range"], argv: string[]): string[] {
  if (first === 0) return [];
  const end = last < 0 ? argv.length + last : last;
  const out: string[] = [];
  for (let i = first; i <= end; i += step) out.push(argv[i]!);
  return out;
}

const clientKeys = (spec: CommandSpec, argv: string[]): string[] =>
  spec.keys(argv).map((i) => argv[i]!);

/** Compares every client entry with one server; the names it checked and those it lacks. */
async function compareWith(c: Client<string>): Promise<{ checked: string[]; missing: string[] }> {
  const checked: string[] = [];
  const missing: string[] = [];
  for (const spec of commandSpecs()) {
    const info = await commandInfo(c, spec.name);
    if (info === undefined) {
      missing.push(spec.name);
      continue;
    }
    const sample = SAMPLES[spec.name];
    // A movable-keys command sampled from its arity would test nothing real: it needs a sample.
    if (info.movable && sample === undefined)
      throw new Error(`${spec.name} has movable keys: add a command line to SAMPLES`);
    // A container's key positions and flags are its subcommands' (OBJECT ENCODING).
    const own = CONTAINERS.has(spec.name)
      ? (await commandInfo(c, `${spec.name}|${sample![0]![1]}`))!
      : info;
    for (const argv of sample ?? arityArgvs(spec.name, info.arity)) {
      const server = own.movable ? await getKeys(c, argv) : rangeKeys(own.range, argv);
      expect(clientKeys(spec, argv), argv.join(" ")).toEqual(server);
    }
    if (spec.readonly) expect(own.flags, `${spec.name} is sent to replicas`).toContain("readonly");
    checked.push(spec.name);
  }
  return { checked, missing };
}

describe("the client's key positions", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  let onShoal: Client<string>;
  let onRedis: Client<string>;
  beforeAll(async () => {
    [shoal, redis] = await Promise.all([
      spawnServer({ command: [process.execPath, SHOAL_MAIN], args: ["--protected-mode", "no"] }),
      spawnServer({ command: [redisServerPath()] }),
    ]);
    onShoal = createClient({ port: shoal.port });
    onRedis = createClient({ port: redis.port });
  });
  afterAll(async () => {
    onShoal?.disconnect();
    onRedis?.disconnect();
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  it("are the keys redis-server 7.0.15 names, for every command of the table", async () => {
    const { checked, missing } = await compareWith(onRedis);
    expect(missing).toEqual([]);
    expect(checked.length).toBe(commandSpecs().length);
  });

  it("are the keys shoal-server's command table names, for every command it implements", async () => {
    // The client also speaks to Redis: entries Shoal doesn't implement yet (streams, scripting,
    // HyperLogLog, SORT at the time of writing) are checked against Redis above only.
    const { checked, missing } = await compareWith(onShoal);
    expect(checked.length + missing.length).toBe(commandSpecs().length);
    expect(checked).toEqual(
      expect.arrayContaining(["GET", "MSET", "DEL", "ZUNIONSTORE", "MIGRATE"]),
    );
  });
});

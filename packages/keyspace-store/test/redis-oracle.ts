// Differential testing against real redis-server 7.0.15: the same commands go to a real server
// and to a TestStore, and the replies are compared as RESP bytes (RESP2, or RESP3 after HELLO 3).
// For any command family's tests:
//
//   const oracle = await RedisOracle.start();            // fails when redis-server is missing
//   const t = new TestStore(commands);
//   expect(await compareScript(t, oracle, [["SET", "k", "v"], ["GET", "k"],
//     { argv: ["KEYS", "*"], unordered: true }])).toEqual([]);
//   await oracle.stop();
//
// Each mismatch names the command and shows both replies decoded, so failures read easily.
// The TestStore's clock follows the wall clock during a comparison, so TTL replies line up.
// Not part of the package's public API (tests only).
import net from "node:net";
import { fc } from "@fast-check/vitest";
import { type ServerHandle, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, expect } from "vitest";
import type { TestStore } from "../src/test-kit.js";

type Arg = string | Buffer | number;

/** Length in bytes of the complete RESP2/RESP3 reply at `start`, or -1 if incomplete. */
export function replyLength(buf: Buffer, start = 0): number {
  const end = parseOne(buf, start);
  return end < 0 ? -1 : end - start;
}

function lineEnd(buf: Buffer, i: number): number {
  const j = buf.indexOf("\r\n", i, "latin1");
  return j;
}

/** Offset just past the reply starting at i, or -1. */
function parseOne(buf: Buffer, i: number): number {
  if (i >= buf.length) return -1;
  const t = String.fromCharCode(buf[i] as number);
  const le = lineEnd(buf, i);
  if (le < 0) return -1;
  const head = buf.toString("latin1", i + 1, le);
  let p = le + 2;
  switch (t) {
    case "+":
    case "-":
    case ":":
    case "_":
    case ",":
    case "#":
    case "(":
      return p;
    case "$":
    case "=":
    case "!": {
      const n = Number(head);
      if (n < 0) return p;
      return buf.length >= p + n + 2 ? p + n + 2 : -1;
    }
    case "*":
    case "~":
    case ">":
    case "%":
    case "|": {
      let n = Number(head);
      if (n < 0) return p;
      if (t === "%" || t === "|") n *= 2;
      for (let k = 0; k < n; k++) {
        p = parseOne(buf, p);
        if (p < 0) return -1;
      }
      // An attribute precedes the reply it annotates.
      return t === "|" ? parseOne(buf, p) : p;
    }
    default:
      throw new Error(`bad RESP type byte ${JSON.stringify(t)}`);
  }
}

/** A RESP reply decoded to JS for messages and order-insensitive comparison. */
export function decodeReply(buf: Buffer): unknown {
  const [v] = decodeAt(buf, 0);
  return v;
}

function decodeAt(buf: Buffer, i: number): [unknown, number] {
  const t = String.fromCharCode(buf[i] as number);
  const le = lineEnd(buf, i);
  const head = buf.toString("latin1", i + 1, le);
  let p = le + 2;
  switch (t) {
    case "+":
      return [`+${head}`, p];
    case "-":
      return [`-${head}`, p];
    case ":":
      return [Number(head), p];
    case "_":
      return [null, p];
    case ",":
      return [`,${head}`, p];
    case "#":
      return [head === "t", p];
    case "(":
      return [`(${head}`, p];
    case "$":
    case "=":
    case "!": {
      const n = Number(head);
      if (n < 0) return [null, p];
      return [buf.toString("latin1", p, p + n), p + n + 2];
    }
    default: {
      let n = Number(head);
      if (n < 0) return [null, p];
      if (t === "%" || t === "|") n *= 2;
      const out: unknown[] = [];
      for (let k = 0; k < n; k++) {
        const [v, q] = decodeAt(buf, p);
        out.push(v);
        p = q;
      }
      return [out, p];
    }
  }
}

function encodeCommand(argv: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = Buffer.isBuffer(a)
      ? a
      : Buffer.from(String(a), typeof a === "string" ? "latin1" : "utf8");
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** A real redis-server and one connection to it, sending commands one at a time. */
export class RedisOracle {
  private pending: Buffer = Buffer.alloc(0);
  private waiter: ((b: Buffer) => void) | null = null;

  private constructor(
    readonly server: ServerHandle,
    private readonly sock: net.Socket,
  ) {
    sock.on("data", (d: Buffer) => {
      this.pending = Buffer.concat([this.pending, d]);
      this.deliver();
    });
  }

  /**
   * Starts redis-server on a free port (extra `--directive value` args allowed; `dir` to start
   * it in a directory holding a dump.rdb to load) and connects.
   */
  static async start(args: string[] = [], dir?: string): Promise<RedisOracle> {
    const server = await startRedisServer(dir === undefined ? { args } : { args, dir });
    const sock = net.connect({ port: server.port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", () => resolve());
      sock.once("error", reject);
    });
    return new RedisOracle(server, sock);
  }

  private deliver(): void {
    if (!this.waiter) return;
    const n = replyLength(this.pending);
    if (n < 0) return;
    const reply = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    const w = this.waiter;
    this.waiter = null;
    w(Buffer.from(reply));
  }

  /** Sends one command and resolves with its raw reply bytes. */
  command(...argv: Arg[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${argv.join(" ")}`)), 10_000);
      this.waiter = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
      this.sock.write(encodeCommand(argv));
      this.deliver();
    });
  }

  async stop(): Promise<void> {
    this.sock.destroy();
    await this.server.stop();
  }
}

/**
 * A RedisOracle (no extra args) started before the tests of the describe it is called in and
 * stopped after them; the returned function gets it, from inside a test.
 */
export function oracleForSuite(): () => RedisOracle {
  let oracle: RedisOracle | undefined;
  beforeAll(async () => {
    oracle = await RedisOracle.start();
  }, 30_000);
  afterAll(async () => {
    await oracle?.stop();
  });
  return () => {
    if (oracle === undefined) throw new Error("the suite's redis-server is not started");
    return oracle;
  };
}

/** One step of a comparison script: a command, and whether its top-level array is unordered. */
export interface CompareStep {
  argv: Arg[];
  /** Compare innermost arrays as sets (KEYS, SMEMBERS, SCAN's elements, ...). */
  unordered?: boolean;
  /** Only run it on both sides; do not compare (DUMP payloads, RANDOMKEY, ...). */
  noCompare?: boolean;
  /**
   * An integer reply read off each side's own clock (OBJECT IDLETIME) may differ by this much:
   * a second can turn between the two sides' writes or reads.
   */
  slack?: number;
}

export interface Mismatch {
  command: string;
  /** Position of the step in the script. */
  index: number;
  shoal: unknown;
  redis: unknown;
}

/** Sorts every innermost array (one holding no arrays): KEYS, SMEMBERS, SCAN's element list. */
function sortLeaves(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  if (v.some(Array.isArray)) return v.map(sortLeaves);
  return [...v].map((x) => JSON.stringify(x)).sort();
}

function normalize(buf: Buffer, unordered: boolean): unknown {
  const v = decodeReply(buf);
  return unordered ? sortLeaves(v) : v;
}

/**
 * TTL and PTTL count down from each server's own clock, read a moment apart: a remaining time
 * may differ by one tick of its unit when a boundary falls between the two reads (or the test
 * process stalls between them). Negative answers (-1 no TTL, -2 no key) must match exactly.
 */
const COUNTDOWN_SLACK: Record<string, number> = { ttl: 1, pttl: 1000 };

function integerReply(b: Buffer): number | null {
  const m = /^:(-?\d+)\r\n$/.exec(b.toString("latin1"));
  return m ? Number(m[1]) : null;
}

function withinCountdownSlack(step: CompareStep, mine: Buffer, theirs: Buffer): boolean {
  const slack = step.slack ?? COUNTDOWN_SLACK[String(step.argv[0]).toLowerCase()];
  if (slack === undefined) return false;
  const a = integerReply(mine);
  const b = integerReply(theirs);
  return a !== null && b !== null && a >= 0 && b >= 0 && Math.abs(a - b) <= slack;
}

/**
 * Runs `script` on both sides in order; returns the steps whose replies differ (empty when all
 * match). Protocol follows `store.resp`: with 3, HELLO 3 is sent to Redis first.
 */
export async function compareScript(
  store: TestStore,
  oracle: RedisOracle,
  script: readonly (Arg[] | CompareStep)[],
): Promise<Mismatch[]> {
  await oracle.command("HELLO", String(store.resp));
  const out: Mismatch[] = [];
  for (const [index, s] of script.entries()) {
    const step: CompareStep = Array.isArray(s) ? { argv: s } : s;
    store.now = Date.now();
    const mine = store.runResp(...step.argv);
    const theirs = await oracle.command(...step.argv);
    if (step.noCompare) continue;
    const unordered = step.unordered ?? false;
    if (
      unordered
        ? JSON.stringify(normalize(mine, true)) !== JSON.stringify(normalize(theirs, true))
        : !mine.equals(theirs) && !withinCountdownSlack(step, mine, theirs)
    ) {
      out.push({
        command: step.argv
          .map((a) => (Buffer.isBuffer(a) ? a.toString("latin1") : String(a)))
          .join(" "),
        index,
        shoal: decodeReply(mine),
        redis: decodeReply(theirs),
      });
    }
  }
  return out;
}

/**
 * The loop of the random-sequence files: `runs` scripts of `step`s drawn with `seed`, each run on
 * a fresh store and a flushed redis-server; the first mismatch fails the test, showing the script
 * up to it (one command a line, ready for redis-cli).
 */
export async function compareRandomScripts(
  oracle: RedisOracle,
  makeStore: () => TestStore,
  step: fc.Arbitrary<CompareStep>,
  opts: { runs: number; seed: number; maxLength: number },
): Promise<void> {
  const scripts = fc.sample(fc.array(step, { minLength: 5, maxLength: opts.maxLength }), {
    numRuns: opts.runs,
    seed: opts.seed,
  });
  for (const script of scripts) {
    await oracle.command("FLUSHALL");
    const mismatches = await compareScript(makeStore(), oracle, script);
    if (mismatches.length > 0) {
      const upTo = mismatches[0]?.index ?? 0;
      expect({
        script: script.slice(0, upTo + 1).map((s) => s.argv.join(" ")),
        mismatch: mismatches[0],
      }).toBe(null);
    }
  }
}

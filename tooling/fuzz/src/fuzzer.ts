// The engine: two servers side by side, one connection to each, batches of generated steps.
// Every batch starts from the same state on both (RESET, FLUSHALL, SAFE_CONFIG defaults, the
// seeded keys), runs its steps in RESP2 (even batches) or RESP3 (odd ones), compares each step's
// raw replies, checks liveness after each (the PING marker answered within the timeout, the
// process alive), and ends with a keyspace digest compared across the two. A batch's steps
// depend only on (seed, batch), so `--seed S --batch B` replays it exactly; a failure is
// re-run to tell a reproducible one from a timing flake, then delta-debugged to a minimal
// list of steps printed as redis-cli lines.
import { createHash } from "node:crypto";
import { mulberry32, type Random } from "@shoal/sim";
import type { ServerHandle } from "@shoal/test-utils";
import { redisCliPath, run } from "@shoal/test-utils";
import { RawConnection, type StepOutcome } from "./conn.js";
import { type Docs, EXCLUDED, fuzzedEntries, genStep, SAFE_CONFIG, type Step } from "./generate.js";
import { intsetOrdered, intsetProbe, intsetReadKeys } from "./intset-order.js";
import { inHashOrder, knownDivergence, type SortCall, sortCalls, sortStoreKeys } from "./known.js";
import { cliQuote, parseAll, parseReply, type Reply, showCommand } from "./resp.js";
import { agree, entryOf, ruleFor } from "./rules.js";
import { alive, type Side, startSide } from "./servers.js";
import { LOADED_SCRIPTS, SEED_LIBRARIES } from "./typed-values.js";
import { DUMP_PAYLOADS, payloadSourceCommands, SEEDED_KEYS, setupCommands } from "./values.js";

export type FailureKind = "crash" | "hang" | "closed" | "diverge" | "digest";

export interface Failure {
  kind: FailureKind;
  entry: string;
  /** Steps from the batch start up to and including the failing one. */
  steps: Step[];
  proto: 2 | 3;
  detail: string;
}

export interface BatchResult {
  commands: number;
  steps: number;
  failure?: Failure;
  known: { entry: string; why: string }[];
}

const enc = (cmd: readonly string[]) => cmd.map((a) => Buffer.from(a, "latin1"));

// Only the start is stringified: a reply of hundreds of MB (GETRANGE of a 512 MB SETRANGE
// value) made whole passed V8's longest string and ended the run (seed 1805329548).
function show(buf: Buffer, max = 600): string {
  const s = JSON.stringify(buf.subarray(0, max).toString("latin1"));
  return buf.length > max || s.length > max ? `${s.slice(0, max)}...(${buf.length} bytes)` : s;
}

/** Strings longer than this are digested by GETRANGE chunks of this size. */
const STRING_CHUNK = 16 * 1024 * 1024;

/**
 * A key's content in a digest line: its JSON when short, else the first 2000 characters of it
 * and a hash of the whole. The JSON is built and hashed element by element: a list of thousands
 * of 70 000-byte elements stringified whole passes V8's longest string (RangeError: Invalid
 * string length, seed 1607).
 */
function contentText(r: Reply): string {
  const h = createHash("sha256");
  let head = "";
  let length = 0;
  const put = (s: string) => {
    h.update(s, "utf8");
    length += s.length;
    if (head.length < 2000) head += s.slice(0, 2000 - head.length);
  };
  const walk = (x: Reply) => {
    if (!Array.isArray(x.v)) {
      put(JSON.stringify(x));
      return;
    }
    put(`{"t":${JSON.stringify(x.t)},"v":[`);
    x.v.forEach((e, i) => {
      if (i > 0) put(",");
      walk(e);
    });
    put("]}");
  };
  walk(r);
  return length > 2000 ? `${head}..${length} sha256 ${h.digest("hex")}` : head;
}

/** Seed and batch number -> the batch's own random stream. */
export function batchRandom(seed: number, batch: number): Random {
  return mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(batch + 1, 0x85ebca77)) >>> 0);
}

export interface FuzzerOptions {
  stepTimeoutMs?: number;
  stepsPerBatch?: number;
  log?: (line: string) => void;
}

class Side_ {
  conn: RawConnection | undefined;
  constructor(
    readonly side: Side,
    public handle: ServerHandle,
  ) {}
  async connection(): Promise<RawConnection> {
    if (!this.conn || this.conn.isClosed) {
      try {
        this.conn = await RawConnection.open(this.handle.port);
      } catch (err) {
        if (alive(this.handle)) throw err;
        throw new Error(
          `${this.side} is not running:\n${this.handle.output().split("\n").slice(-30).join("\n")}`,
        );
      }
    }
    return this.conn;
  }
  async restart(): Promise<void> {
    this.conn?.close();
    this.conn = undefined;
    await this.handle.stop();
    this.handle = await startSide(this.side);
  }
}

export class Fuzzer {
  readonly entries: string[];
  readonly containers: Set<string>;
  readonly stepTimeoutMs: number;
  readonly stepsPerBatch: number;
  private readonly log: (line: string) => void;
  crashes: string[] = [];

  private constructor(
    private readonly shoal: Side_,
    private readonly redis: Side_,
    readonly docs: Docs,
    shoalCommands: string[],
    opts: FuzzerOptions,
  ) {
    this.entries = fuzzedEntries(shoalCommands);
    this.containers = new Set(
      shoalCommands.filter((c) => c.includes("|")).map((c) => c.split("|")[0]!),
    );
    this.stepTimeoutMs = opts.stepTimeoutMs ?? 5000;
    this.stepsPerBatch = opts.stepsPerBatch ?? 60;
    this.log = opts.log ?? (() => {});
  }

  static async start(opts: FuzzerOptions = {}): Promise<Fuzzer> {
    const [shoal, redis] = await Promise.all([startSide("shoal"), startSide("redis")]);
    try {
      const docsOut = await run(redisCliPath(), [
        "-p",
        String(redis.port),
        "--json",
        "command",
        "docs",
      ]);
      const docs = JSON.parse(docsOut.stdout) as Docs;
      const list = await run(redisCliPath(), ["-p", String(shoal.port), "command", "list"]);
      const cmds = list.stdout
        .split("\n")
        .map((s) => s.trim())
        .filter(Boolean);
      const fz = new Fuzzer(new Side_("shoal", shoal), new Side_("redis", redis), docs, cmds, opts);
      await fz.collectPayloads();
      return fz;
    } catch (err) {
      await Promise.all([shoal.stop(), redis.stop()]);
      throw err;
    }
  }

  /** RESTORE's pool: redis-server's DUMP of every seeded key and of a few extra encodings. */
  private async collectPayloads(): Promise<void> {
    if (DUMP_PAYLOADS.length > 0) return;
    const conn = await this.redis.connection();
    const extra = payloadSourceCommands();
    const keys = [...SEEDED_KEYS, ...extra.map((c) => c[1]!)];
    const out = await conn.step(
      [...this.setupCmds(2), ...extra, ...keys.map((k) => ["DUMP", k]), ["FLUSHALL"]].map(enc),
      20_000,
    );
    if (out.kind !== "ok") throw new Error(`DUMP payloads from redis-server: ${out.kind}`);
    const replies = parseAll(out.bytes);
    const dumps = replies.slice(replies.length - 1 - keys.length, replies.length - 1);
    for (const d of dumps) if (typeof d.v === "string") DUMP_PAYLOADS.push(d.v);
  }

  async stop(): Promise<void> {
    this.shoal.conn?.close();
    this.redis.conn?.close();
    await Promise.all([this.shoal.handle.stop(), this.redis.handle.stop()]);
  }

  get ports(): { shoal: number; redis: number } {
    return { shoal: this.shoal.handle.port, redis: this.redis.handle.port };
  }

  /** The steps of batch `batch` of `seed`. */
  generate(seed: number, batch: number, n = this.stepsPerBatch): { proto: 2 | 3; steps: Step[] } {
    const r = batchRandom(seed, batch);
    const steps: Step[] = [];
    for (let i = 0; i < n; i++) {
      const name = this.entries[Math.floor(r() * this.entries.length)]!;
      steps.push(genStep(r, name, this.docs));
    }
    return { proto: batch % 2 === 0 ? 2 : 3, steps };
  }

  /** RESET, FLUSHALL, defaults, the seeded keys, then HELLO <proto>. */
  private setupCmds(proto: 2 | 3): string[][] {
    const cfg = Object.entries(SAFE_CONFIG)
      .filter(([k]) => k !== "hash-max-ziplist-entries")
      .flat();
    return [
      ["RESET"],
      ["CLIENT", "UNPAUSE"],
      ["FLUSHALL"],
      ["CONFIG", "SET", ...cfg],
      ["ACL", "DELUSER", "fuzzuser", "fuzz2", "", "a b"],
      // Active expiry off: when each server's expire cycle samples a key past its TTL is
      // timing (DBSIZE counts it until then); with lazy expiry only, both delete it at its
      // first access, as Redis does.
      ["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
      ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"],
      // Scripts and functions outlive FLUSHALL: each batch starts from the same ones, so a
      // replayed or shrunk batch sees what the run saw.
      ["SCRIPT", "FLUSH"],
      ["FUNCTION", "FLUSH"],
      ...LOADED_SCRIPTS.map((s) => ["SCRIPT", "LOAD", s]),
      ...SEED_LIBRARIES.map((l) => ["FUNCTION", "LOAD", l]),
      ...setupCommands(),
      ...(proto === 3 ? [["HELLO", "3"]] : []),
    ];
  }

  private async both(
    cmds: string[][],
    timeout = this.stepTimeoutMs,
  ): Promise<[StepOutcome, StepOutcome]> {
    const bufs = cmds.map(enc);
    const [a, b] = await Promise.all([this.shoal.connection(), this.redis.connection()]);
    return Promise.all([a.step(bufs, timeout), b.step(bufs, timeout)]);
  }

  /** After a step that did not come back on one side: was it a crash, a hang, a close? */
  private async diagnose(o: StepOutcome, side: Side_): Promise<FailureKind | undefined> {
    if (o.kind === "ok") return undefined;
    // A socket closed by a dying process is seen before the exit: give the exit a moment.
    for (let i = 0; i < 20 && o.kind === "closed" && alive(side.handle); i++)
      await new Promise((r) => setTimeout(r, 10));
    if (!alive(side.handle)) {
      const tail = side.handle.output().split("\n").slice(-25).join("\n");
      this.crashes.push(tail);
      await side.restart();
      return "crash";
    }
    side.conn?.close();
    side.conn = undefined;
    if (o.kind === "timeout") {
      // Still answering on a new connection? Otherwise the process is stuck: restart it.
      try {
        const c = await RawConnection.open(side.handle.port);
        const ping = await c.step([], 2000);
        c.close();
        if (ping.kind !== "ok") await side.restart();
      } catch {
        await side.restart();
      }
      return "hang";
    }
    return "closed";
  }

  /**
   * Runs `steps` from a fresh setup. Stops at the first failure (a known divergence is
   * recorded and the run goes on).
   */
  async execute(proto: 2 | 3, steps: readonly Step[], digest = true): Promise<BatchResult> {
    const res: BatchResult = { commands: 0, steps: 0, known: [] };
    const setup = await this.both(this.setupCmds(proto), 20_000);
    for (const [o, s] of [
      [setup[0], this.shoal],
      [setup[1], this.redis],
    ] as const) {
      const k = await this.diagnose(o, s);
      if (k) throw new Error(`setup failed on ${s.side}: ${k} ${show(o.bytes)}`);
    }
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const entry = entryOf(step.cmds[0]!, this.containers);
      const sorts = sortCalls(step.cmds).filter((c) => c.by !== undefined);
      const sources = sorts.length > 0 ? await this.sortSources(sorts) : new Map<string, string>();
      const setKeys = step.cmds.length === 1 ? intsetReadKeys(entry, step.cmds[0]!) : [];
      const probe = setKeys.length > 0 ? await this.intsetProbe(setKeys) : [];
      const [a, b] = await this.both(step.cmds);
      res.commands += step.cmds.length;
      res.steps++;
      const fail = (kind: FailureKind, detail: string): BatchResult => {
        res.failure = { kind, entry, steps: steps.slice(0, i + 1), proto, detail };
        return res;
      };
      const ka = await this.diagnose(a, this.shoal);
      const kb = await this.diagnose(b, this.redis);
      if (ka === "crash") return fail("crash", `shoal-server died:\n${this.crashes.at(-1)}`);
      if (kb === "crash")
        throw new Error(`redis-server died on ${showCommand(enc(step.cmds[0]!))}`);
      if (ka !== kb) {
        if (ka === undefined && kb === "closed" && a.bytes.length === 0)
          return fail(
            "diverge",
            `redis closed the connection, shoal kept it; redis sent ${show(b.bytes)}`,
          );
        return fail(
          ka ?? "diverge",
          `shoal: ${ka ?? "ok"} ${show(a.bytes)}\nredis: ${kb ?? "ok"} ${show(b.bytes)}`,
        );
      }
      if (ka !== undefined) {
        // Both closed (AUTH of a deleted user...) or both timed out: same behaviour, reconnect.
        if (ka === "closed" && a.bytes.equals(b.bytes)) continue;
        if (ka === "closed")
          return fail(
            "diverge",
            `both closed, replies differ:\nshoal: ${show(a.bytes)}\nredis: ${show(b.bytes)}`,
          );
        return fail("hang", "both servers timed out: a generator restriction is missing");
      }
      if (a.bytes.includes("internal error"))
        return fail("crash", `shoal answered ${show(a.bytes)}`);
      // A set read in an intset's ascending order is compared exactly, not sorted.
      const rule =
        probe.length > 0 && intsetOrdered(entry, setKeys, probe, parseAll(b.bytes)[0])
          ? "exact"
          : ruleFor(entry);
      if (!agree(rule, entry, step.cmds[0]!, a.bytes, b.bytes)) {
        const known = knownDivergence(entry, step.cmds, a.bytes, b.bytes, sources);
        if (known) {
          res.known.push({ entry, why: known.id });
          if (known.resync) await this.both(known.resync(step.cmds));
          continue;
        }
        return fail("diverge", `rule ${rule}\nshoal: ${show(a.bytes)}\nredis: ${show(b.bytes)}`);
      }
      const stored = sorts.filter((c) => c.store !== undefined && inHashOrder(c, sources));
      if (stored.length > 0) {
        const differ = await this.sortStoresDiffer(stored);
        if (differ === "known") res.known.push({ entry, why: "sort-hash-order" });
        else if (differ) return fail("diverge", differ);
      }
    }
    if (digest) {
      const [da, db] = await Promise.all([this.digest(this.shoal), this.digest(this.redis)]);
      if (da !== db) {
        const la = da.split("\n");
        const lb = db.split("\n");
        const i = la.findIndex((l, j) => l !== lb[j]);
        res.failure = {
          kind: "digest",
          entry: "(digest)",
          steps: [...steps],
          proto,
          detail: `first difference:\nshoal: ${la[i]?.slice(0, 400)}\nredis: ${lb[i]?.slice(0, 400)}`,
        };
      }
    }
    return res;
  }

  /** intsetProbe's replies from redis-server (sent to both, so both stay in step). */
  private async intsetProbe(keys: readonly string[]): Promise<Reply[]> {
    const [, r] = await this.both(intsetProbe(keys));
    return r.kind === "ok" ? parseAll(r.bytes) : [];
  }

  /** TYPE and OBJECT ENCODING on redis-server of the keys these SORTs read (sent to both). */
  private async sortSources(sorts: readonly SortCall[]): Promise<Map<string, string>> {
    const srcs = [...new Set(sorts.map((c) => c.src))];
    const [, r] = await this.both(
      srcs.flatMap((k) => [
        ["TYPE", k],
        ["OBJECT", "ENCODING", k],
      ]),
    );
    const out = new Map<string, string>();
    if (r.kind !== "ok") return out;
    const replies = parseAll(r.bytes);
    for (const [i, k] of srcs.entries())
      out.set(k, `${replies[i * 2]?.v} ${replies[i * 2 + 1]?.v}`);
    return out;
  }

  /**
   * After SORT ... STORE of a source in hash-table order (inHashOrder) whose replies agreed:
   * the stored lists may hold equal-keyed members in another order (other members too, under
   * LIMIT), which the digest would see. Same length, and without LIMIT the same elements:
   * "known" (the destinations are then deleted on both); anything else is a difference.
   */
  private async sortStoresDiffer(stored: readonly SortCall[]): Promise<string | undefined> {
    const reads = stored.map((c) => ["LRANGE", c.store!, "0", "-1"]);
    const [x, y] = await this.both(reads);
    if (x.kind !== "ok" || y.kind !== "ok") return `LRANGE of the STORE keys: ${x.kind}/${y.kind}`;
    if (x.bytes.equals(y.bytes)) return undefined;
    const ra = parseAll(x.bytes);
    const rb = parseAll(y.bytes);
    const same = stored.every((c, i) => {
      const la = (ra[i]?.v ?? []) as Reply[];
      const lb = (rb[i]?.v ?? []) as Reply[];
      if (!Array.isArray(la) || !Array.isArray(lb) || la.length !== lb.length) return false;
      if (c.limit) return true;
      const sorted = (l: Reply[]) => l.map((e) => String(e.v)).sort();
      const sa = sorted(la);
      const sb = sorted(lb);
      return sa.every((e, j) => e === sb[j]);
    });
    if (!same)
      return `the lists SORT stored differ beyond the order of equal sort keys:\nshoal: ${show(x.bytes)}\nredis: ${show(y.bytes)}`;
    await this.both(sortStoreKeys(stored.map((c) => ["SORT", c.src, "STORE", c.store!])));
    return "known";
  }

  /**
   * The keyspace as text: every db, every key sorted, with its type, encoding, whether it has a
   * TTL, and its content (sets and hashes sorted). DEBUG DIGEST is not used: Shoal's value
   * encodings are its own, so a hash of them would not compare.
   */
  async digest(side: Side_): Promise<string> {
    const conn = await side.connection();
    const q: string[][] = [["RESET"]];
    for (let db = 0; db < 16; db++) q.push(["SELECT", String(db)], ["KEYS", "*"]);
    const out = await conn.step(q.map(enc), 10_000);
    if (out.kind !== "ok") throw new Error(`digest on ${side.side}: ${out.kind}`);
    const replies = parseAll(out.bytes);
    const lines: string[] = [];
    for (let db = 0; db < 16; db++) {
      const keys = (replies[2 + db * 2]!.v as Reply[]).map((k) => k.v as string).sort();
      if (keys.length === 0) continue;
      const meta: string[][] = [["SELECT", String(db)]];
      for (const k of keys)
        meta.push(["TYPE", k], ["PTTL", k], ["OBJECT", "ENCODING", k], ["STRLEN", k]);
      const m = await conn.step(meta.map(enc), 10_000);
      if (m.kind !== "ok") throw new Error(`digest on ${side.side}: ${m.kind}`);
      const mr = parseAll(m.bytes).slice(1);
      const reads: string[][] = [["SELECT", String(db)]];
      // Strings past STRING_CHUNK (SETRANGE makes them up to 512 MB, past V8's longest string)
      // are read by GETRANGE chunks below, each hashed as it comes.
      const chunked = new Map<string, string>();
      for (const [i, k] of keys.entries()) {
        const len = Number(mr[i * 4 + 3]!.v);
        if (mr[i * 4]!.v !== "string" || !(len > STRING_CHUNK)) continue;
        const h = createHash("sha256");
        for (let at = 0; at < len; at += STRING_CHUNK) {
          const r = await conn.step(
            [["GETRANGE", k, String(at), String(at + STRING_CHUNK - 1)]].map(enc),
            10_000,
          );
          if (r.kind !== "ok") throw new Error(`digest on ${side.side}: ${r.kind}`);
          h.update(r.bytes);
        }
        chunked.set(k, `"${len} bytes, sha256 ${h.digest("hex")}"`);
      }
      keys.forEach((k, i) => {
        const t = mr[i * 4]!.v as string;
        reads.push(
          chunked.has(k)
            ? ["TYPE", k]
            : t === "string"
              ? ["GET", k]
              : t === "list"
                ? ["LRANGE", k, "0", "-1"]
                : t === "set"
                  ? ["SMEMBERS", k]
                  : t === "zset"
                    ? ["ZRANGE", k, "0", "-1", "WITHSCORES"]
                    : t === "hash"
                      ? ["HGETALL", k]
                      : t === "stream"
                        ? ["XRANGE", k, "-", "+"]
                        : ["TYPE", k],
        );
      });
      const c = await conn.step(reads.map(enc), 10_000);
      if (c.kind !== "ok") throw new Error(`digest on ${side.side}: ${c.kind}`);
      const cr = parseAll(c.bytes).slice(1);
      const streams = await this.streamMeta(
        side,
        db,
        keys.filter((_, i) => mr[i * 4]!.v === "stream"),
      );
      keys.forEach((k, i) => {
        const t = mr[i * 4]!.v as string;
        const ttl = Number(mr[i * 4 + 1]!.v) > 0 ? "ttl" : "-";
        const encoding = String(mr[i * 4 + 2]!.v);
        let content = cr[i]!;
        if (t === "hash" && Array.isArray(content.v)) {
          const pairs: string[] = [];
          for (let j = 0; j < content.v.length; j += 2)
            pairs.push(`${content.v[j]!.v}=${content.v[j + 1]!.v}`);
          content = { t: "*", v: pairs.sort().map((p) => ({ t: "+", v: p })) };
        }
        if (t === "set" && Array.isArray(content.v))
          content = {
            t: "*",
            v: [...content.v].sort((x, y) => (String(x.v) < String(y.v) ? -1 : 1)),
          };
        const body = (chunked.get(k) ?? contentText(content)) + (streams.get(k) ?? "");
        lines.push(
          `db${db} ${JSON.stringify(k.length > 80 ? `${k.slice(0, 20)}..${k.length}` : k)} ${t} ${encoding} ${ttl} ${body}`,
        );
      });
    }
    return lines.join("\n");
  }

  /**
   * What a stream holds besides its entries, for the digest: XINFO STREAM's counters and IDs
   * (not radix-tree-keys/nodes, the layout of Redis's rax) and XINFO GROUPS whole (pending
   * counts, last delivered IDs, entries read, lag). Consumers' idle times are each server's
   * clock: not read.
   */
  private async streamMeta(
    side: Side_,
    db: number,
    keys: readonly string[],
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (keys.length === 0) return out;
    const conn = await side.connection();
    const q = [
      ["SELECT", String(db)],
      ...keys.flatMap((k) => [
        ["XINFO", "STREAM", k],
        ["XINFO", "GROUPS", k],
      ]),
    ];
    const m = await conn.step(q.map(enc), 10_000);
    if (m.kind !== "ok") throw new Error(`digest on ${side.side}: ${m.kind}`);
    const rs = parseAll(m.bytes).slice(1);
    const kept = new Set([
      "length",
      "last-generated-id",
      "max-deleted-entry-id",
      "entries-added",
      "recorded-first-entry-id",
      "groups",
    ]);
    keys.forEach((k, i) => {
      const info = rs[i * 2]!;
      const fields: string[] = [];
      if (Array.isArray(info.v))
        for (let j = 0; j + 1 < info.v.length; j += 2)
          if (kept.has(String(info.v[j]!.v)))
            fields.push(`${info.v[j]!.v}=${JSON.stringify(info.v[j + 1]!.v)}`);
      out.set(k, ` ${fields.join(" ")} groups ${contentText(rs[i * 2 + 1]!)}`);
    });
    return out;
  }

  /** Runs one batch of a seed. */
  async batch(seed: number, batch: number): Promise<BatchResult> {
    const { proto, steps } = this.generate(seed, batch);
    return this.execute(proto, steps);
  }

  private same(f: Failure | undefined, target: Failure): boolean {
    return f !== undefined && f.kind === target.kind && f.entry === target.entry;
  }

  /** Re-runs a failure's steps: true when the same failure comes back. */
  async reproduces(f: Failure): Promise<boolean> {
    const again = await this.execute(f.proto, f.steps, f.kind === "digest");
    return this.same(again.failure, f);
  }

  /** ddmin over the failure's steps: a smallest list that still fails the same way. */
  async shrink(f: Failure, budget = 300): Promise<Step[]> {
    let cur = [...f.steps];
    const last = f.kind === "digest" ? undefined : cur.pop(); // the failing step always stays
    const test = async (cand: Step[]) => {
      if (budget-- <= 0) return false;
      const steps = last ? [...cand, last] : cand;
      const r = await this.execute(f.proto, steps, f.kind === "digest");
      return (
        this.same(r.failure, f) && (r.failure!.steps.length === steps.length || f.kind === "digest")
      );
    };
    let n = 2;
    while (cur.length >= 1 && budget > 0) {
      const size = Math.ceil(cur.length / n);
      let reduced = false;
      for (let i = 0; i < cur.length; i += size) {
        const complement = [...cur.slice(0, i), ...cur.slice(i + size)];
        if (await test(complement)) {
          cur = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (size === 1) break;
        n = Math.min(n * 2, cur.length);
      }
    }
    // Within the failing step, drop trailing arguments that do not matter? Kept whole: the
    // step is what the generator made, and a shorter one may be a different bug.
    return last ? [...cur, last] : cur;
  }

  /** The minimal reproducer as lines to paste into redis-cli (the setup included). */
  reproducer(proto: 2 | 3, steps: readonly Step[]): string {
    // The setup, minus the seeded keys no step names.
    const used = new Set(steps.flatMap((s) => s.cmds.flat()));
    const seeding = [
      "SET",
      "RPUSH",
      "SADD",
      "ZADD",
      "HSET",
      "XADD",
      "XGROUP",
      "XREADGROUP",
      "GEOADD",
      "PFADD",
    ];
    const setup = this.setupCmds(proto).filter(
      (c) =>
        c[0] !== "RESET" &&
        (!seeding.includes(c[0]!) ||
          c.some((a) => SEEDED_KEYS.includes(a) && used.has(a)) ||
          used.has("*")),
    );
    // Arguments over 80 bytes are abbreviated (<70000 x "x">: that byte repeated; "ab"...<n
    // bytes>: a prefix): a 70 000-byte value printed whole buries the steps.
    const lines = ["# setup (both servers)", ...setup.map((c) => showCommand(enc(c))), "# steps"];
    for (const s of steps) for (const c of s.cmds) lines.push(showCommand(enc(c)));
    return lines.join("\n");
  }

  describe(f: Failure): string {
    const s = f.steps.at(-1)!;
    return `${f.kind} in ${f.entry} (RESP${f.proto}): ${s.cmds.map((c) => showCommand(enc(c))).join(" ; ")}\n${f.detail}`;
  }
}

export { cliQuote, EXCLUDED, parseReply };

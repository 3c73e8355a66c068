// Runs commands directly on a Keyspace without sockets, for the store's own tests and benches:
// a CommandArgs over an array of Buffers, a ReplyWriter that builds JS values, and a context with
// a settable clock that records propagation and blocking. Not part of the public API.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import type { CommandContext, CommandSpec } from "./command-types.js";
import { crc64 } from "./crc64.js";
import { Keyspace, type KeyspaceOptions } from "./keyspace.js";
import { ListpackBuilder } from "./rdb/listpack.js";
import { valueBytes } from "./string-value.js";
import { elementLatin1 } from "./types/list.js";
import { Denque, isString, Stream, type Value, type ZSet } from "./value.js";

export class ArrayArgs implements CommandArgs {
  constructor(readonly argv: Buffer[]) {}
  get argc(): number {
    return this.argv.length;
  }
  len(i: number): number {
    return (this.argv[i] as Buffer).length;
  }
  view(i: number): Buffer {
    return this.argv[i] as Buffer;
  }
  copy(i: number): Buffer {
    return Buffer.from(this.argv[i] as Buffer);
  }
  latin1(i: number): string {
    return (this.argv[i] as Buffer).toString("latin1");
  }
  utf8(i: number): string {
    return (this.argv[i] as Buffer).toString("utf8");
  }
  is(i: number, lower: string): boolean {
    return (this.argv[i] as Buffer).toString("latin1").toLowerCase() === lower;
  }
}

/** A reply error as a value, so tests can `expect(r).toEqual(new ReplyErr("ERR ..."))`. */
export class ReplyErr {
  constructor(readonly message: string) {}
}
/** A RESP3 double, kept apart from integers. */
export class Dbl {
  constructor(readonly value: number) {}
}
/** A simple string (+OK), kept apart from bulk strings. */
export class Simple {
  constructor(readonly value: string) {}
}

type Frame = { items: unknown[]; want: number; kind: "array" | "map" | "set" | "push" };

/**
 * Collects one reply as a JS value: bulk -> string (latin1, binary-safe) or Buffer when
 * `buffers`, integer -> number (bigint if unsafe), null -> null, arrays/sets/pushes -> arrays,
 * maps -> arrays of [k, v] pairs, errors -> ReplyErr, simple -> Simple, double -> Dbl (RESP3) or
 * its %.17g bulk string (RESP2).
 */
export class CollectingWriter implements ReplyWriter {
  private stack: Frame[] = [];
  values: unknown[] = [];
  constructor(
    readonly resp: 2 | 3 = 2,
    private readonly buffers = false,
  ) {}
  private add(v: unknown): void {
    let v2 = v;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) {
        this.values.push(v2);
        return;
      }
      top.items.push(v2);
      if (top.items.length < top.want) return;
      this.stack.pop();
      v2 = top.kind === "map" ? pairs(top.items) : top.items;
    }
  }
  private open(kind: Frame["kind"], n: number, want: number): void {
    if (want === 0) this.add([]);
    else this.stack.push({ items: [], want, kind });
    void n;
  }
  ok(): void {
    this.add(new Simple("OK"));
  }
  simple(s: string): void {
    this.add(new Simple(s));
  }
  error(msg: string): void {
    this.add(new ReplyErr(msg));
  }
  integer(n: number | bigint): void {
    this.add(typeof n === "bigint" && n >= -(2n ** 53n) && n <= 2n ** 53n ? Number(n) : n);
  }
  bulk(value: Buffer | Uint8Array | string): void {
    const b = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
    this.add(this.buffers ? b : b.toString("latin1"));
  }
  bulkLatin1(s: string): void {
    this.add(this.buffers ? Buffer.from(s, "latin1") : s);
  }
  bulkSlice(bytes: Uint8Array, start: number, end: number): void {
    this.bulk(bytes.subarray(start, end));
  }
  nullBulk(): void {
    this.add(null);
  }
  nullArray(): void {
    this.add(null);
  }
  array(n: number): void {
    this.open("array", n, n);
  }
  map(n: number): void {
    this.open("map", n, 2 * n);
  }
  set(n: number): void {
    this.open("set", n, n);
  }
  push(n: number): void {
    this.open("push", n, n);
  }
  double(d: number): void {
    if (this.resp === 3) this.add(new Dbl(d));
    else this.bulk(formatDouble(d));
  }
  bool(b: boolean): void {
    this.add(this.resp === 3 ? b : b ? 1 : 0);
  }
  verbatim(_format: string, text: string): void {
    this.bulk(text);
  }
  bigNumber(digits: string): void {
    this.bulk(digits);
  }
  raw(bytes: Buffer): void {
    this.add(bytes);
  }
}
function pairs(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}

/** %.17g as Redis prints doubles in RESP2. */
export function formatDouble(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return "inf";
  if (d === Number.NEGATIVE_INFINITY) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const exp = Math.floor(Math.log10(Math.abs(d)));
  if (exp < -4 || exp >= 17) {
    const [mant, e] = d.toExponential(16).split("e") as [string, string];
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    const en = Number(e);
    return `${m}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
  }
  let s = d.toPrecision(17);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

/** What a command did besides replying. */
export interface RunRecord {
  propagated: (Buffer | string)[][];
  blocked: {
    keys: readonly string[];
    timeoutMs: number;
    timeoutReply: string;
    /** The command the server would re-run (CommandContext.block's `rerun`). */
    rerun?: Buffer[];
  } | null;
  dirty: number;
}

/**
 * A keyspace plus a clock and a command table, to run commands the way the server does:
 * `t.run("SET", "k", "v")` returns the reply value. Arity is checked as the dispatcher does.
 */
/** A small deterministic random source (mulberry32) for KeyspaceOptions.random in tests. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TestStore {
  readonly keyspace: Keyspace;
  now = 1_700_000_000_000;
  dbIndex = 0;
  resp: 2 | 3 = 2;
  canBlock = true;
  /** Set to re-run a blocked command as the server does once this key is ready (ctx.readyKey). */
  readyKey: string | null = null;
  last: RunRecord = { propagated: [], blocked: null, dirty: 0 };
  /** Run commands as the AOF loader or a master's stream would (ctx.obeyClient). */
  obeyClient = false;
  private readonly table = new Map<string, CommandSpec>();

  constructor(commands: readonly CommandSpec[], options: KeyspaceOptions = {}) {
    this.keyspace = new Keyspace(options);
    this.keyspace.clock = () => this.now;
    for (const c of commands) this.table.set(c.name, c);
  }

  run(...argv: (string | Buffer | number)[]): unknown {
    return this.runWith({}, ...argv);
  }

  /** Same as run, with Buffers for bulk replies. */
  runBuffers(...argv: (string | Buffer | number)[]): unknown {
    return this.runWith({ buffers: true }, ...argv);
  }

  runWith(opts: { buffers?: boolean }, ...argv: (string | Buffer | number)[]): unknown {
    const bufs = argv.map((a) =>
      Buffer.isBuffer(a) ? a : Buffer.from(String(a), typeof a === "string" ? "latin1" : "utf8"),
    );
    const w = new CollectingWriter(this.resp, opts.buffers ?? false);
    if (!this.dispatch(bufs, w)) return undefined;
    if (w.values.length !== 1)
      throw new Error(`${bufs[0]} wrote ${w.values.length} replies (expected exactly one)`);
    return w.values[0];
  }

  /** Runs a command and returns its reply encoded as RESP (2 or 3 per `resp`), as a server sends it. */
  runResp(...argv: (string | Buffer | number)[]): Buffer {
    const bufs = argv.map((a) =>
      Buffer.isBuffer(a) ? a : Buffer.from(String(a), typeof a === "string" ? "latin1" : "utf8"),
    );
    const w = new EncodingWriter(this.resp);
    this.dispatch(bufs, w);
    return w.bytes();
  }

  /** The spec `argv` runs (subcommands resolved as the server's lookupCommand does), or an error. */
  private resolve(bufs: Buffer[]): CommandSpec | string {
    const name = (bufs[0] as Buffer).toString("latin1").toLowerCase();
    const spec = this.table.get(name);
    if (!spec) return `ERR unknown command '${name}'`;
    if (spec.subcommands && bufs.length >= 2) {
      const sub = (bufs[1] as Buffer).toString("latin1").toLowerCase();
      const s = spec.subcommands.find((c) => c.name === `${name}|${sub}`);
      if (!s)
        return `ERR unknown subcommand '${(bufs[1] as Buffer).toString("latin1")}'. Try ${name.toUpperCase()} HELP.`;
      if ((s.arity > 0 && bufs.length !== s.arity) || bufs.length < -s.arity)
        return `ERR wrong number of arguments for '${s.name}' command`;
      return s;
    }
    if ((spec.arity > 0 && bufs.length !== spec.arity) || bufs.length < -spec.arity)
      return `ERR wrong number of arguments for '${name}' command`;
    if (!spec.handler) return `ERR unknown command '${name}'`;
    return spec;
  }

  /** Runs one command into `w`; false when the command blocked (no reply). */
  private dispatch(bufs: Buffer[], w: ReplyWriter): boolean {
    const rec: RunRecord = { propagated: [], blocked: null, dirty: 0 };
    this.last = rec;
    const spec = this.resolve(bufs);
    if (typeof spec === "string") {
      w.error(spec);
      return true;
    }
    const args = new ArrayArgs(bufs);
    const ks = this.keyspace;
    const ctx: CommandContext = {
      keyspace: ks,
      db: ks.db(this.dbIndex),
      dbIndex: this.dbIndex,
      now: this.now,
      canBlock: this.canBlock,
      readyKey: this.readyKey,
      obeyClient: this.obeyClient,
      propagateSelf: () => rec.propagated.push(bufs.map((b) => Buffer.from(b))),
      propagate: (a) => rec.propagated.push([...a]),
      addDirty: (n) => {
        rec.dirty += n;
      },
      block: (keys, timeoutMs, timeoutReply, rerun) => {
        rec.blocked = { keys, timeoutMs, timeoutReply };
        if (rerun !== undefined) rec.blocked.rerun = rerun.map((a) => Buffer.from(a));
      },
    };
    (spec.handler as NonNullable<CommandSpec["handler"]>)(ctx, args, w);
    return rec.blocked === null;
  }
}

/** A ReplyWriter that encodes RESP2 or RESP3 bytes exactly as Redis 7.0 sends them. */
export class EncodingWriter implements ReplyWriter {
  private parts: Buffer[] = [];
  constructor(readonly resp: 2 | 3 = 2) {}
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
  private s(x: string): void {
    this.parts.push(Buffer.from(x, "latin1"));
  }
  ok(): void {
    this.s("+OK\r\n");
  }
  simple(s: string): void {
    this.s(`+${s}\r\n`);
  }
  error(msg: string): void {
    this.s(`-${msg}\r\n`);
  }
  integer(n: number | bigint): void {
    // As resp-codec's ReplyBuffer: a number past 2^53 as its integer value (2^62 is
    // 4611686018427387904), not JS's shortest form of it (4611686018427388000).
    const exact = typeof n === "number" && !Number.isSafeInteger(n) && Number.isFinite(n);
    this.s(`:${exact ? BigInt(Math.trunc(n)) : n}\r\n`);
  }
  bulk(v: Buffer | Uint8Array | string): void {
    const b = typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
    this.s(`$${b.length}\r\n`);
    this.parts.push(b);
    this.s("\r\n");
  }
  bulkLatin1(s: string): void {
    this.bulk(Buffer.from(s, "latin1"));
  }
  bulkSlice(bytes: Uint8Array, start: number, end: number): void {
    this.bulk(bytes.subarray(start, end));
  }
  nullBulk(): void {
    this.s(this.resp === 3 ? "_\r\n" : "$-1\r\n");
  }
  nullArray(): void {
    this.s(this.resp === 3 ? "_\r\n" : "*-1\r\n");
  }
  array(n: number): void {
    this.s(`*${n}\r\n`);
  }
  map(n: number): void {
    this.s(this.resp === 3 ? `%${n}\r\n` : `*${2 * n}\r\n`);
  }
  set(n: number): void {
    this.s(this.resp === 3 ? `~${n}\r\n` : `*${n}\r\n`);
  }
  push(n: number): void {
    this.s(this.resp === 3 ? `>${n}\r\n` : `*${n}\r\n`);
  }
  double(d: number): void {
    if (this.resp === 2) {
      this.bulk(formatDouble(d));
      return;
    }
    const t = Number.isNaN(d)
      ? "nan"
      : d === Infinity
        ? "inf"
        : d === -Infinity
          ? "-inf"
          : formatDouble(d);
    this.s(`,${t}\r\n`);
  }
  bool(b: boolean): void {
    this.s(this.resp === 3 ? (b ? "#t\r\n" : "#f\r\n") : b ? ":1\r\n" : ":0\r\n");
  }
  verbatim(format: string, text: string): void {
    if (this.resp === 2) {
      this.bulk(text);
      return;
    }
    const body = Buffer.from(`${format}:${text}`, "utf8");
    this.s(`=${body.length}\r\n`);
    this.parts.push(body);
    this.s("\r\n");
  }
  bigNumber(digits: string): void {
    if (this.resp === 2) this.bulk(digits);
    else this.s(`(${digits}\r\n`);
  }
  raw(bytes: Buffer): void {
    this.parts.push(Buffer.from(bytes));
  }
}

/** A value as plain data (type and contents, sets and hashes sorted), for equality in tests. */
export function plainValue(v: Value): unknown {
  if (isString(v)) return ["string", valueBytes(v).toString("latin1")];
  if (v instanceof Denque) return ["list", v.toArray().map(elementLatin1)];
  if (v instanceof Map) return ["hash", [...v].map(([f, x]) => [f, elementLatin1(x)]).sort()];
  if (v instanceof Set) return ["set", [...v].sort()];
  if (v instanceof Stream) {
    const entries: unknown[] = [];
    v.range(0n, (1n << 128n) - 1n, false, 0, (id, fv) => void entries.push([String(id), fv]));
    return ["stream", String(v.lastId), entries];
  }
  return ["zset", [...(v as ZSet).entries()]];
}

/**
 * A DUMP payload (RDB 10, valid CRC) of RDB type `type` whose body is one listpack of these
 * elements, as ListpackBuilder encodes them (digits as integers): values the writer would not
 * make (an order, a duplicate, a score as text) for the reader's tests.
 */
export function listpackPayload(type: number, elements: (string | number)[]): Buffer {
  const lp = new ListpackBuilder();
  for (const x of elements) lp.appendLatin1(String(x));
  const body = Buffer.from(lp.buf.subarray(0, lp.finish()));
  const len = Buffer.alloc(5);
  len[0] = 0x80;
  len.writeUInt32BE(body.length, 1);
  const b = Buffer.concat([Buffer.from([type]), len, body, Buffer.from([10, 0]), Buffer.alloc(8)]);
  b.writeBigUInt64LE(crc64(b.subarray(0, b.length - 8)), b.length - 8);
  return b;
}

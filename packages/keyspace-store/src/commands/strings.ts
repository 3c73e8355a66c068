// The string family (t_string.c in Redis 7.0): GET/SET and their variants, counters, ranges,
// LCS. Each handler follows Redis's order of checks (argument parsing, then lookup, then type) so
// that the error a client sees for bad input is the one Redis would send, and propagates what
// Redis propagates: relative expiries as absolute PXAT/PEXPIREAT, INCRBYFLOAT as SET ... KEEPTTL,
// GETSET as SET, GETDEL and expired GETEX as DEL.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OOM,
  ERR_OVERFLOW,
  ERR_SYNTAX,
  errArity,
} from "../errors.js";
import type { Database } from "../keyspace.js";
import {
  addLongDouble,
  formatLongDouble,
  type LongDouble,
  parseLongDouble,
} from "../long-double.js";
import {
  appendBytes,
  markNotIntEncoded,
  replyValue,
  type StringValue,
  setRangeBytes,
  valueBytes,
  valueFromArg,
  valueInt64,
  valueLatin1,
} from "../string-value.js";
import { isString, type Value, WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";

/** proto-max-bulk-len's default: the longest string SETRANGE/APPEND may build. */
export const PROTO_MAX_BULK_LEN = 512 * 1024 * 1024;
const ERR_STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

const EMPTY = Buffer.alloc(0);

// ---- Shared helpers --------------------------------------------------------------------------

/**
 * The string at `key` for a read (hit/miss counted), replying WRONGTYPE for another type.
 * Returns undefined when absent, null after a WRONGTYPE reply.
 */
function readString(
  db: Database,
  key: string,
  now: number,
  reply: ReplyWriter,
): StringValue | null | undefined {
  const v = db.lookupRead(key, now);
  if (v === undefined) return undefined;
  if (!isString(v)) {
    reply.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** Parsed expiry options of SET / GETEX (parseExtendedStringArgumentsOrReply). */
interface ExtFlags {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  /** "ex" | "px" | "exat" | "pxat" when an expiry was given. */
  unit: "ex" | "px" | "exat" | "pxat" | null;
  /** Argument index of the expiry value. */
  expireArg: number;
}

function parseExtended(args: CommandArgs, from: number, isSet: boolean): ExtFlags | null {
  const f: ExtFlags = {
    nx: false,
    xx: false,
    get: false,
    keepTtl: false,
    persist: false,
    unit: null,
    expireArg: -1,
  };
  for (let j = from; j < args.argc; j++) {
    const hasNext = j < args.argc - 1;
    const noExpire = f.unit === null;
    if (isSet && args.is(j, "nx") && !f.xx) f.nx = true;
    else if (isSet && args.is(j, "xx") && !f.nx) f.xx = true;
    else if (isSet && args.is(j, "get")) f.get = true;
    else if (isSet && args.is(j, "keepttl") && !f.persist && noExpire) f.keepTtl = true;
    else if (!isSet && args.is(j, "persist") && noExpire && !f.keepTtl) f.persist = true;
    else {
      let unit: ExtFlags["unit"] = null;
      if (args.is(j, "ex")) unit = "ex";
      else if (args.is(j, "px")) unit = "px";
      else if (args.is(j, "exat")) unit = "exat";
      else if (args.is(j, "pxat")) unit = "pxat";
      // The same unit may repeat (last wins); two different units may not.
      if (
        unit === null ||
        !hasNext ||
        f.keepTtl ||
        f.persist ||
        (f.unit !== null && f.unit !== unit)
      )
        return null;
      f.unit = unit;
      f.expireArg = ++j;
    }
  }
  return f;
}

/**
 * getExpireMillisecondsOrReply: the absolute expiry in unix ms for an EX/PX/EXAT/PXAT argument,
 * or null after replying Redis's error (not an integer; not positive; overflow).
 */
export function expireMillis(
  args: CommandArgs,
  i: number,
  unit: "ex" | "px" | "exat" | "pxat",
  now: number,
  name: string,
  reply: ReplyWriter,
): number | null {
  const raw = parseInt64(args.view(i));
  if (raw === null) {
    reply.error(ERR_NOT_INTEGER);
    return null;
  }
  let ms = BigInt(raw);
  const seconds = unit === "ex" || unit === "exat";
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) {
    reply.error(`ERR invalid expire time in '${name}' command`);
    return null;
  }
  if (seconds) ms *= 1000n;
  if (unit === "ex" || unit === "px") ms += BigInt(now);
  if (ms > INT64_MAX) {
    reply.error(`ERR invalid expire time in '${name}' command`);
    return null;
  }
  return Number(ms);
}

/** A counter's current value (0 when absent), or null after replying the error. */
function readCounter(v: Value | undefined, reply: ReplyWriter): number | bigint | null {
  if (v === undefined) return 0;
  if (!isString(v)) {
    reply.error(WRONGTYPE);
    return null;
  }
  const n = valueInt64(v);
  if (n === null) reply.error(ERR_NOT_INTEGER);
  return n;
}

/** The counter plus `incr`, or null after replying the error (wrong type, not an integer, overflow). */
function addToCounter(
  v: Value | undefined,
  incr: number | bigint,
  reply: ReplyWriter,
): number | bigint | null {
  const old = readCounter(v, reply);
  if (old === null) return null;
  if (typeof old === "number" && typeof incr === "number" && Number.isSafeInteger(old + incr))
    return old + incr;
  const r = BigInt(old) + BigInt(incr);
  if (r > INT64_MAX || r < INT64_MIN) {
    reply.error(ERR_OVERFLOW);
    return null;
  }
  return r;
}

/** incrDecrCommand: adds `incr` to the integer at args[1]. */
function incrDecr(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  incr: number | bigint,
): void {
  const key = args.latin1(1);
  const db = ctx.db;
  // The value is replaced below (overwrite/add stamp the access and save it for an open
  // snapshot first), so the lookup records the access only where it carries over: LFU. A key
  // left as it was (an error) is still an access, as lookupKeyWrite's.
  const v = db.lookupForOverwrite(key, ctx.now);
  const result = addToCounter(v, incr, reply);
  if (result === null) {
    if (v !== undefined) db.lookupWrite(key, ctx.now);
    return;
  }
  const digits = String(result); // a string value: digits are latin1
  if (v === undefined) db.add(key, digits);
  else db.overwrite(key, digits, v);
  db.signalModified(key, digits);
  db.notify("string", "incrby", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.integer(result);
}

/**
 * Runs an allocation that a client sized (APPEND/SETRANGE up to 512 MB): if the process cannot
 * get the memory, the command fails with Redis's OOM error instead of the server crashing.
 */
function grow(alloc: () => Buffer, reply: ReplyWriter): Buffer | null {
  try {
    return alloc();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    reply.error(ERR_OOM);
    return null;
  }
}

// ---- Commands --------------------------------------------------------------------------------

function get(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = readString(ctx.db, args.latin1(1), ctx.now, reply);
  if (v === undefined) reply.nullBulk();
  else if (v !== null) replyValue(reply, v);
}

/** setGenericCommand with SET's options parsed. */
function setGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  f: ExtFlags,
  name: string,
  okReply: ((r: ReplyWriter) => void) | null,
  abortReply: ((r: ReplyWriter) => void) | null,
): void {
  const db = ctx.db;
  const key = args.latin1(1);
  let when = 0;
  if (f.unit !== null) {
    const ms = expireMillis(args, f.expireArg, f.unit, ctx.now, name, reply);
    if (ms === null) return;
    when = ms;
  }
  if (f.get) {
    const old = readString(db, key, ctx.now, reply);
    if (old === null) return;
    if (old === undefined) reply.nullBulk();
    else replyValue(reply, old);
  }
  const found = db.lookupWrite(key, ctx.now) !== undefined;
  if ((f.nx && found) || (f.xx && !found)) {
    if (!f.get) {
      if (abortReply) abortReply(reply);
      else reply.nullBulk();
    }
    return;
  }
  const value = valueFromArg(args, 2);
  db.setKey(key, value, f.keepTtl);
  ctx.addDirty(1);
  db.notify("string", "set", key);
  if (f.unit !== null) {
    db.setExpire(key, when);
    db.notify("generic", "expire", key);
    ctx.propagate(["SET", key, value, "PXAT", String(when)]);
  } else if (f.get) {
    // Propagate without GET (it may be repeated).
    const argv: (Buffer | string)[] = [];
    for (let j = 0; j < args.argc; j++) if (!(j >= 3 && args.is(j, "get"))) argv.push(args.copy(j));
    ctx.propagate(argv);
  } else {
    ctx.propagateSelf();
  }
  if (!f.get) {
    if (okReply) okReply(reply);
    else reply.ok();
  }
}

function set(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  if (args.argc === 3) {
    // The plain SET: no option object, no lookups beyond setKey's.
    const key = args.latin1(1);
    const db = ctx.db;
    // lookupWrite expires a stale key first, so the "new" event and slot index see Redis's order.
    db.lookupForOverwrite(key, ctx.now);
    db.setKey(key, valueFromArg(args, 2));
    ctx.addDirty(1);
    db.notify("string", "set", key);
    ctx.propagateSelf();
    reply.ok();
    return;
  }
  const f = parseExtended(args, 3, true);
  if (f === null) {
    reply.error(ERR_SYNTAX);
    return;
  }
  setGeneric(ctx, args, reply, f, "set", null, null);
}

const NO_FLAGS: ExtFlags = {
  nx: false,
  xx: false,
  get: false,
  keepTtl: false,
  persist: false,
  unit: null,
  expireArg: -1,
};

function setnx(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  setGeneric(
    ctx,
    args,
    reply,
    { ...NO_FLAGS, nx: true },
    "setnx",
    (r) => r.integer(1),
    (r) => r.integer(0),
  );
}

/** SETEX/PSETEX key seconds value: reordered to the SET shape (value at 2) for setGeneric. */
function setexLike(unit: "ex" | "px", name: string) {
  return (ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void => {
    const swapped = new SwappedArgs(args);
    setGeneric(ctx, swapped, reply, { ...NO_FLAGS, unit, expireArg: 3 }, name, null, null);
  };
}

/** SETEX key ttl value viewed as SET key value ttl (argument 2 and 3 exchanged). */
class SwappedArgs implements CommandArgs {
  constructor(private readonly a: CommandArgs) {}
  get argc(): number {
    return this.a.argc;
  }
  private m(i: number): number {
    return i === 2 ? 3 : i === 3 ? 2 : i;
  }
  len(i: number): number {
    return this.a.len(this.m(i));
  }
  view(i: number): Buffer {
    return this.a.view(this.m(i));
  }
  copy(i: number): Buffer {
    return this.a.copy(this.m(i));
  }
  latin1(i: number): string {
    return this.a.latin1(this.m(i));
  }
  utf8(i: number): string {
    return this.a.utf8(this.m(i));
  }
  is(i: number, lower: string): boolean {
    return this.a.is(this.m(i), lower);
  }
}

function getset(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  const old = readString(db, key, ctx.now, reply);
  if (old === null) return;
  if (old === undefined) reply.nullBulk();
  else replyValue(reply, old);
  const value = valueFromArg(args, 2);
  db.setKey(key, value);
  db.notify("string", "set", key);
  ctx.addDirty(1);
  ctx.propagate(["SET", key, value]);
}

function getdel(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  const old = readString(db, key, ctx.now, reply);
  if (old === null) return;
  if (old === undefined) {
    reply.nullBulk();
    return;
  }
  replyValue(reply, old);
  db.delete(key);
  db.signalModified(key);
  db.notify("generic", "del", key);
  ctx.addDirty(1);
  ctx.propagate(["DEL", key]);
}

function getex(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const f = parseExtended(args, 2, false);
  if (f === null) {
    reply.error(ERR_SYNTAX);
    return;
  }
  const db = ctx.db;
  const key = args.latin1(1);
  const v = readString(db, key, ctx.now, reply);
  if (v === null) return;
  if (v === undefined) {
    reply.nullBulk();
    return;
  }
  let when = 0;
  if (f.unit !== null) {
    const ms = expireMillis(args, f.expireArg, f.unit, ctx.now, "getex", reply);
    if (ms === null) return;
    when = ms;
  }
  replyValue(reply, v);
  // checkAlreadyExpired: a replica keeps the key with its past TTL; the master's DEL decides.
  if ((f.unit === "exat" || f.unit === "pxat") && when <= ctx.now && ctx.keyspace.deleteExpired) {
    db.delete(key);
    ctx.propagate(["DEL", key]);
    db.signalModified(key);
    db.notify("generic", "del", key);
    ctx.addDirty(1);
  } else if (f.unit !== null) {
    db.setExpire(key, when);
    ctx.propagate(["PEXPIREAT", key, String(when)]);
    db.signalModified(key);
    db.notify("generic", "expire", key);
    ctx.addDirty(1);
  } else if (f.persist && db.persist(key)) {
    db.signalModified(key);
    ctx.propagate(["PERSIST", key]);
    db.notify("generic", "persist", key);
    ctx.addDirty(1);
  }
}

function mget(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  reply.array(args.argc - 1);
  for (let j = 1; j < args.argc; j++) {
    const v = db.lookupRead(args.latin1(j), ctx.now);
    if (v === undefined || !isString(v)) reply.nullBulk();
    else replyValue(reply, v);
  }
}

function msetGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  nx: boolean,
): void {
  if (args.argc % 2 === 0) {
    reply.error(errArity(nx ? "msetnx" : "mset"));
    return;
  }
  const db = ctx.db;
  if (nx) {
    for (let j = 1; j < args.argc; j += 2) {
      if (db.lookupWrite(args.latin1(j), ctx.now) !== undefined) {
        reply.integer(0);
        return;
      }
    }
  }
  for (let j = 1; j < args.argc; j += 2) {
    const key = args.latin1(j);
    db.setKey(key, valueFromArg(args, j + 1));
    db.notify("string", "set", key);
  }
  ctx.addDirty((args.argc - 1) / 2);
  ctx.propagateSelf();
  if (nx) reply.integer(1);
  else reply.ok();
}

function append(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  const v = db.lookupWrite(key, ctx.now);
  let total: number;
  if (v === undefined) {
    const b = valueFromArg(args, 2);
    db.add(key, b);
    total = b.length;
  } else {
    if (!isString(v)) {
      reply.error(WRONGTYPE);
      return;
    }
    const add = args.view(2);
    if (v.length + add.length > PROTO_MAX_BULK_LEN) {
      reply.error(ERR_STRING_TOO_LONG);
      return;
    }
    const b = grow(() => appendBytes(v, add), reply);
    if (b === null) return;
    db.overwrite(key, b);
    total = b.length;
  }
  db.signalModified(key);
  db.notify("string", "append", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.integer(total);
}

function strlen(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = readString(ctx.db, args.latin1(1), ctx.now, reply);
  if (v === undefined) reply.integer(0);
  else if (v !== null) reply.integer(v.length);
}

/** INCRBY / DECRBY: the increment argument, negated for DECRBY (whose LLONG_MIN cannot be). */
function incrby(sign: 1 | -1) {
  return (ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void => {
    const n = parseInt64(args.view(2));
    if (n === null) {
      reply.error(ERR_NOT_INTEGER);
      return;
    }
    if (sign === 1) incrDecr(ctx, args, reply, n);
    else if (n === INT64_MIN) reply.error("ERR decrement would overflow");
    else incrDecr(ctx, args, reply, -n);
  };
}

function incrbyfloat(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  const v = db.lookupWrite(key, ctx.now);
  if (v !== undefined && !isString(v)) {
    reply.error(WRONGTYPE);
    return;
  }
  const cur = v === undefined ? ZERO : parseLongDouble(valueLatin1(v));
  const inc = parseLongDouble(args.latin1(2));
  if (cur === null || inc === null) {
    reply.error(ERR_NOT_FLOAT);
    return;
  }
  const sum = typeof cur === "string" || typeof inc === "string" ? null : addLongDouble(cur, inc);
  if (sum === null || sum === "inf") {
    // Any infinite operand makes the result infinite or NaN.
    reply.error("ERR increment would produce NaN or Infinity");
    return;
  }
  const buf = markNotIntEncoded(Buffer.from(formatLongDouble(sum), "latin1"));
  if (v === undefined) db.add(key, buf);
  else db.overwrite(key, buf);
  db.signalModified(key);
  db.notify("string", "incrbyfloat", key);
  ctx.addDirty(1);
  reply.bulk(buf);
  ctx.propagate(["SET", key, buf, "KEEPTTL"]);
}
const ZERO: LongDouble = { neg: false, mant: 0n, exp: 0 };

function getrange(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const s0 = parseInt64(args.view(2));
  const e0 = parseInt64(args.view(3));
  if (s0 === null || e0 === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  const v = readString(ctx.db, args.latin1(1), ctx.now, reply);
  if (v === null) return;
  if (v === undefined) {
    reply.bulk(EMPTY);
    return;
  }
  // Compared as int64 first: -2^63+1 and -2^63 are one double.
  if (s0 < 0 && e0 < 0 && s0 > e0) {
    reply.bulk(EMPTY);
    return;
  }
  let start = Number(s0);
  let end = Number(e0);
  const len = v.length;
  if (start < 0 && end < 0 && start > end) {
    reply.bulk(EMPTY);
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) reply.bulk(EMPTY);
  else if (typeof v === "string") reply.bulkLatin1(v.slice(start, end + 1));
  else reply.bulk(v.subarray(start, end + 1));
}

function setrange(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const off = parseInt64(args.view(2));
  if (off === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (off < 0) {
    reply.error("ERR offset is out of range");
    return;
  }
  const db = ctx.db;
  const key = args.latin1(1);
  const value = args.view(3);
  const v = db.lookupWrite(key, ctx.now);
  if (v === undefined) {
    if (value.length === 0) {
      reply.integer(0);
      return;
    }
  } else {
    if (!isString(v)) {
      reply.error(WRONGTYPE);
      return;
    }
    if (value.length === 0) {
      reply.integer(v.length);
      return;
    }
  }
  const offset = Number(off);
  if (offset + value.length > PROTO_MAX_BULK_LEN) {
    reply.error(ERR_STRING_TOO_LONG);
    return;
  }
  const b = grow(() => setRangeBytes(v as StringValue | undefined, offset, value), reply);
  if (b === null) return;
  if (v === undefined) db.add(key, b);
  else db.overwrite(key, b);
  db.signalModified(key);
  db.notify("string", "setrange", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.integer(b.length);
}

function lcs(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const va = db.lookupRead(args.latin1(1), ctx.now);
  const vb = db.lookupRead(args.latin1(2), ctx.now);
  if ((va !== undefined && !isString(va)) || (vb !== undefined && !isString(vb))) {
    reply.error("ERR The specified keys must contain string values");
    return;
  }
  const a = va === undefined ? EMPTY : valueBytes(va as StringValue);
  const b = vb === undefined ? EMPTY : valueBytes(vb as StringValue);
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < args.argc; j++) {
    const more = args.argc - 1 - j;
    if (args.is(j, "idx")) getIdx = true;
    else if (args.is(j, "len")) getLen = true;
    else if (args.is(j, "withmatchlen")) withMatchLen = true;
    else if (args.is(j, "minmatchlen") && more > 0) {
      const n = parseInt64(args.view(j + 1));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      minMatchLen = n < 0 ? 0 : Number(n);
      j++;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (getIdx && getLen) {
    reply.error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > PROTO_MAX_BULK_LEN) {
    reply.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  // LCS(i,j) = length of the LCS of a[0..i) and b[0..j), row-major with rows of blen+1.
  const w = blen + 1;
  let t: Uint32Array;
  try {
    t = new Uint32Array(cells);
  } catch {
    reply.error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return;
  }
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) t[row + j] = (t[prev + j - 1] as number) + 1;
      else {
        const l1 = t[prev + j] as number;
        const l2 = t[row + j - 1] as number;
        t[row + j] = Math.max(l1, l2);
      }
    }
  }
  const total = t[alen * w + blen] as number;
  let idx = total;
  const computeLcs = getIdx || !getLen;
  const result = computeLcs ? Buffer.allocUnsafe(total) : EMPTY;
  const ranges: number[][] = [];
  let aStart = alen; // alen = no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (computeLcs && i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1] as number;
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = t[(i - 1) * w + j] as number;
      const l2 = t[i * w + j - 1] as number;
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    const matchLen = aEnd - aStart + 1;
    if (emit) {
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen))
        ranges.push([aStart, aEnd, bStart, bEnd, matchLen]);
      aStart = alen;
    }
  }
  if (getIdx) {
    reply.map(2);
    reply.bulk("matches");
    reply.array(ranges.length);
    for (const r of ranges) {
      reply.array(withMatchLen ? 3 : 2);
      reply.array(2);
      reply.integer(r[0] as number);
      reply.integer(r[1] as number);
      reply.array(2);
      reply.integer(r[2] as number);
      reply.integer(r[3] as number);
      if (withMatchLen) reply.integer(r[4] as number);
    }
    reply.bulk("len");
    reply.integer(total);
  } else if (getLen) reply.integer(total);
  else reply.bulk(result);
}

const W = "@write @string";
const R = "@read @string";

export const stringCommands: CommandSpec[] = [
  cmd("get", 2, "readonly fast", [1, 1, 1], `${R} @fast`, get),
  cmd("set", -3, "write denyoom", [1, 1, 1], `${W} @slow`, set),
  cmd("setnx", 3, "write denyoom fast", [1, 1, 1], `${W} @fast`, setnx),
  cmd("setex", 4, "write denyoom", [1, 1, 1], `${W} @slow`, setexLike("ex", "setex")),
  cmd("psetex", 4, "write denyoom", [1, 1, 1], `${W} @slow`, setexLike("px", "psetex")),
  cmd("getset", 3, "write denyoom fast", [1, 1, 1], `${W} @fast`, getset),
  cmd("getdel", 2, "write fast", [1, 1, 1], `${W} @fast`, getdel),
  cmd("getex", -2, "write fast", [1, 1, 1], `${W} @fast`, getex),
  cmd("mget", -2, "readonly fast", [1, -1, 1], `${R} @fast`, mget),
  cmd("mset", -3, "write denyoom", [1, -1, 2], `${W} @slow`, (c, a, r) =>
    msetGeneric(c, a, r, false),
  ),
  cmd("msetnx", -3, "write denyoom", [1, -1, 2], `${W} @slow`, (c, a, r) =>
    msetGeneric(c, a, r, true),
  ),
  cmd("append", 3, "write denyoom fast", [1, 1, 1], `${W} @fast`, append),
  cmd("strlen", 2, "readonly fast", [1, 1, 1], `${R} @fast`, strlen),
  cmd("incr", 2, "write denyoom fast", [1, 1, 1], `${W} @fast`, (c, a, r) => incrDecr(c, a, r, 1)),
  cmd("decr", 2, "write denyoom fast", [1, 1, 1], `${W} @fast`, (c, a, r) => incrDecr(c, a, r, -1)),
  cmd("incrby", 3, "write denyoom fast", [1, 1, 1], `${W} @fast`, incrby(1)),
  cmd("decrby", 3, "write denyoom fast", [1, 1, 1], `${W} @fast`, incrby(-1)),
  cmd("incrbyfloat", 3, "write denyoom fast", [1, 1, 1], `${W} @fast`, incrbyfloat),
  cmd("getrange", 4, "readonly", [1, 1, 1], `${R} @slow`, getrange),
  cmd("substr", 4, "readonly", [1, 1, 1], `${R} @slow`, getrange),
  cmd("setrange", 4, "write denyoom", [1, 1, 1], `${W} @slow`, setrange),
  cmd("lcs", -3, "readonly", [1, 2, 1], `${R} @slow`, lcs),
];

// Bitmaps over string values (bitops.c in Redis 7.0): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP.
// A bitmap is an ordinary string, int-encoded ones included (their digits are the bytes). The
// checks run in Redis's order, which is not always "arguments first": BITCOUNT and BITPOS look
// the key up before they parse their range, so a missing key answers 0 / -1 whatever the range.
// A write that changes nothing (SETBIT of the bit already there) is neither notified nor
// propagated, though it still turns the value into a raw string as dbUnshareStringValue does.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NOT_INTEGER, ERR_OOM, ERR_SYNTAX } from "../errors.js";
import { growZero, type StringValue, valueBytes } from "../string-value.js";
import { findBit, getBit, popcount } from "../types/bitmap.js";
import { isString, WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";
import { PROTO_MAX_BULK_LEN } from "./strings.js";

const ERR_BIT_OFFSET = "ERR bit offset is not an integer or out of range";
const ERR_BIT_VALUE = "ERR bit is not an integer or out of range";

// ---- Shared with BITFIELD ----------------------------------------------------------------------

/**
 * getBitOffsetFromArgument: a bit offset below proto-max-bulk-len bytes, or null after the error.
 * With `bits` > 0 the `#N` form means N fields of that width (the product wraps as C's does).
 */
export function parseBitOffset(
  args: CommandArgs,
  i: number,
  bits: number,
  reply: ReplyWriter,
): number | null {
  const raw = args.view(i);
  const hash = bits > 0 && raw[0] === 0x23;
  const n = parseInt64(raw, hash ? 1 : 0);
  if (n === null) {
    reply.error(ERR_BIT_OFFSET);
    return null;
  }
  const off = hash ? BigInt.asIntN(64, BigInt(n) * BigInt(bits)) : BigInt(n);
  if (off < 0n || off >> 3n >= BigInt(PROTO_MAX_BULK_LEN)) {
    reply.error(ERR_BIT_OFFSET);
    return null;
  }
  return Number(off);
}

/**
 * lookupStringForBitCommand: the string at `key` made raw and zero-padded so that bit `maxBit`
 * exists (created when missing), or null after a WRONGTYPE or out-of-memory reply. `grew` is
 * Redis's `dirty`: the key was created or lengthened, so the write counts even if no bit changes.
 */
export function bitmapForWrite(
  ctx: CommandContext,
  key: string,
  maxBit: number,
  reply: ReplyWriter,
): { b: Buffer; grew: boolean } | null {
  const db = ctx.db;
  const v = db.lookupWrite(key, ctx.now);
  if (v !== undefined && !isString(v)) {
    reply.error(WRONGTYPE);
    return null;
  }
  let b: Buffer;
  try {
    b = growZero(v, Math.floor(maxBit / 8) + 1, ctx.keyspace.openSnapshots.size === 0);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    reply.error(ERR_OOM);
    return null;
  }
  if (v === undefined) db.add(key, b);
  else if (b !== v) db.overwrite(key, b);
  return { b, grew: b.length !== (v?.length ?? 0) };
}

/** The string at args[1] for a read, undefined when missing, null after a WRONGTYPE reply. */
export function readBitmap(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
): StringValue | null | undefined {
  const v = ctx.db.lookupRead(args.latin1(1), ctx.now);
  if (v === undefined) return undefined;
  if (!isString(v)) {
    reply.error(WRONGTYPE);
    return null;
  }
  return v;
}

// ---- Commands ----------------------------------------------------------------------------------

function setbit(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const offset = parseBitOffset(args, 2, 0, reply);
  if (offset === null) return;
  const on = parseInt64(args.view(3));
  if (on !== 0 && on !== 1) {
    reply.error(ERR_BIT_VALUE);
    return;
  }
  const key = args.latin1(1);
  const w = bitmapForWrite(ctx, key, offset, reply);
  if (w === null) return;
  const old = getBit(w.b, offset);
  if (w.grew || old !== on) {
    const mask = 1 << (7 - (offset & 7));
    const byte = Math.floor(offset / 8);
    w.b[byte] = on ? (w.b[byte] as number) | mask : (w.b[byte] as number) & ~mask;
    const db = ctx.db;
    db.signalModified(key);
    db.notify("string", "setbit", key);
    ctx.addDirty(1);
    ctx.propagateSelf();
  }
  reply.integer(old);
}

function getbit(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const offset = parseBitOffset(args, 2, 0, reply);
  if (offset === null) return;
  const v = readBitmap(ctx, args, reply);
  if (v === null) return;
  if (v === undefined) reply.integer(0);
  else if (typeof v === "string") {
    const byte = Math.floor(offset / 8);
    reply.integer(byte < v.length ? (v.charCodeAt(byte) >> (7 - (offset & 7))) & 1 : 0);
  } else reply.integer(getBit(v, offset));
}

/** BYTE or BIT at args[i] (true for BIT), or null after a syntax error. */
function parseUnit(args: CommandArgs, i: number, reply: ReplyWriter): boolean | null {
  if (args.is(i, "bit")) return true;
  if (args.is(i, "byte")) return false;
  reply.error(ERR_SYNTAX);
  return null;
}

/** Redis's clamping of a start/end range over `total` units (bytes or bits). */
function clampRange(start: number, end: number, total: number): [number, number] {
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return [start, end];
}

function bitcount(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const v = readBitmap(ctx, args, reply);
  if (v === null) return;
  if (v === undefined) {
    reply.integer(0);
    return;
  }
  const b = valueBytes(v);
  if (args.argc === 2) {
    reply.integer(popcount(b, 0, b.length));
    return;
  }
  if (args.argc > 5 || args.argc === 3) {
    reply.error(ERR_SYNTAX);
    return;
  }
  const s0 = parseInt64(args.view(2));
  if (s0 === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  const e0 = parseInt64(args.view(3));
  if (e0 === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (s0 < 0 && e0 < 0 && s0 > e0) {
    reply.integer(0);
    return;
  }
  const isBit = args.argc === 5 ? parseUnit(args, 4, reply) : false;
  if (isBit === null) return;
  // Offsets beyond 2^53 are far past any string: as numbers they clamp the same way.
  const [start, end] = clampRange(Number(s0), Number(e0), isBit ? b.length * 8 : b.length);
  if (start > end) reply.integer(0);
  else if (!isBit) reply.integer(popcount(b, start, end + 1));
  else {
    // Whole bytes in the middle, single bits at the two partial edges.
    const first = Math.floor(start / 8);
    const last = Math.floor(end / 8);
    let n = 0;
    if (first === last) {
      for (let p = start; p <= end; p++) n += getBit(b, p);
    } else {
      for (let p = start; p < (first + 1) * 8; p++) n += getBit(b, p);
      n += popcount(b, first + 1, last);
      for (let p = last * 8; p <= end; p++) n += getBit(b, p);
    }
    reply.integer(n);
  }
}

function bitpos(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const bit = parseInt64(args.view(2));
  if (bit === null) {
    reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (bit !== 0 && bit !== 1) {
    reply.error("ERR The bit argument must be 1 or 0.");
    return;
  }
  const v = readBitmap(ctx, args, reply);
  if (v === null) return;
  // A missing key is an infinite run of zero bits.
  if (v === undefined) {
    reply.integer(bit ? -1 : 0);
    return;
  }
  const b = valueBytes(v);
  let from: number;
  let to: number;
  let endGiven = false;
  if (args.argc === 3) {
    from = 0;
    to = b.length * 8 - 1;
  } else if (args.argc <= 6) {
    const s0 = parseInt64(args.view(3));
    if (s0 === null) {
      reply.error(ERR_NOT_INTEGER);
      return;
    }
    const isBit = args.argc === 6 ? parseUnit(args, 5, reply) : false;
    if (isBit === null) return;
    let e: number;
    if (args.argc >= 5) {
      const e0 = parseInt64(args.view(4));
      if (e0 === null) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      e = Number(e0);
      endGiven = true;
    } else e = isBit ? b.length * 8 + 7 : b.length - 1;
    const [start, end] = clampRange(Number(s0), e, isBit ? b.length * 8 : b.length);
    if (start > end) {
      reply.integer(-1);
      return;
    }
    from = isBit ? start : start * 8;
    to = isBit ? end : end * 8 + 7;
  } else {
    reply.error(ERR_SYNTAX);
    return;
  }
  if (from > to) {
    reply.integer(-1);
    return;
  }
  const pos = findBit(b, from, to, bit);
  if (pos !== -1) reply.integer(pos);
  // No clear bit in range: past the end of the string counts as zeros, unless the user bounded
  // the range with an end. The answer is the first bit of the byte after the range.
  else if (bit === 0 && !endGiven) reply.integer((Math.floor(to / 8) + 1) * 8);
  else reply.integer(-1);
}

function bitop(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  let op: "and" | "or" | "xor" | "not";
  if (args.is(1, "and")) op = "and";
  else if (args.is(1, "or")) op = "or";
  else if (args.is(1, "xor")) op = "xor";
  else if (args.is(1, "not")) op = "not";
  else {
    reply.error(ERR_SYNTAX);
    return;
  }
  if (op === "not" && args.argc !== 4) {
    reply.error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  const db = ctx.db;
  const srcs: Buffer[] = [];
  let maxLen = 0;
  for (let j = 3; j < args.argc; j++) {
    const v = db.lookupRead(args.latin1(j), ctx.now);
    if (v === undefined) {
      srcs.push(EMPTY);
      continue;
    }
    if (!isString(v)) {
      reply.error(WRONGTYPE);
      return;
    }
    const b = valueBytes(v);
    srcs.push(b);
    if (b.length > maxLen) maxLen = b.length;
  }
  const dest = args.latin1(2);
  if (maxLen === 0) {
    if (db.delete(dest)) {
      db.signalModified(dest);
      db.notify("generic", "del", dest);
      ctx.addDirty(1);
      ctx.propagateSelf();
    }
    reply.integer(0);
    return;
  }
  const res = growZero(undefined, maxLen, false);
  const first = srcs[0] as Buffer;
  res.set(first, 0); // shorter sources are zero-padded: res is zero past them
  if (op === "not") for (let i = 0; i < maxLen; i++) res[i] = ~(res[i] as number) & 0xff;
  else {
    for (let k = 1; k < srcs.length; k++) {
      const s = srcs[k] as Buffer;
      if (op === "and") {
        for (let i = 0; i < s.length; i++) res[i] = (res[i] as number) & (s[i] as number);
        res.fill(0, s.length);
      } else if (op === "or") {
        for (let i = 0; i < s.length; i++) res[i] = (res[i] as number) | (s[i] as number);
      } else for (let i = 0; i < s.length; i++) res[i] = (res[i] as number) ^ (s[i] as number);
    }
  }
  db.lookupWrite(dest, ctx.now);
  db.setKey(dest, res);
  db.notify("string", "set", dest);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.integer(maxLen);
}

const EMPTY = Buffer.alloc(0);

export const bitmapCommands: CommandSpec[] = [
  cmd("setbit", 4, "write denyoom", [1, 1, 1], "@write @bitmap @slow", setbit),
  cmd("getbit", 3, "readonly fast", [1, 1, 1], "@read @bitmap @fast", getbit),
  cmd("bitcount", -2, "readonly", [1, 1, 1], "@read @bitmap @slow", bitcount),
  cmd("bitpos", -3, "readonly", [1, 1, 1], "@read @bitmap @slow", bitpos),
  cmd("bitop", -4, "write denyoom", [2, -1, 1], "@write @bitmap @slow", bitop),
];

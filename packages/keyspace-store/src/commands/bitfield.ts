// BITFIELD and BITFIELD_RO (bitfieldGeneric in Redis 7.0's bitops.c): integers of 1..64 bits
// (signed; unsigned up to 63, as a reply is a signed 64-bit integer) at any bit offset of a
// string, read with GET, written with SET and INCRBY under the OVERFLOW mode in force (WRAP by
// default, SAT, or FAIL which skips the write and answers nil). Every operation is parsed before
// any runs, so a bad argument anywhere leaves the key untouched; a write-only list creates or
// pads the string to its farthest bit first. Overflow follows checkSignedBitfieldOverflow /
// checkUnsignedBitfieldOverflow: exact for the range, and a negative SET of an unsigned field
// is a huge unsigned value (so SAT stores the maximum).
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { parseInt64 } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NOT_INTEGER, ERR_SYNTAX } from "../errors.js";
import { valueBytes } from "../string-value.js";
import { type FieldValue, getSigned, getUnsigned, setField } from "../types/bitmap.js";
import { bitmapForWrite, parseBitOffset, readBitmap } from "./bitops.js";
import { cmd } from "./define.js";

const ERR_TYPE =
  "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

type Overflow = "wrap" | "sat" | "fail";

interface FieldOp {
  op: "get" | "set" | "incrby";
  signed: boolean;
  bits: number;
  offset: number;
  /** SET's value or INCRBY's increment (int64). */
  value: number | bigint;
  overflow: Overflow;
}

/** getBitfieldTypeFromArgument: [signed, bits] of "i<1..64>" / "u<1..63>", or null after the error. */
function parseType(args: CommandArgs, i: number, reply: ReplyWriter): [boolean, number] | null {
  const raw = args.view(i);
  const signed = raw[0] === 0x69; // i
  if (!signed && raw[0] !== 0x75) {
    reply.error(ERR_TYPE);
    return null;
  }
  // strlen(p+1): the type stops at a NUL byte, as a C string does.
  const nul = raw.indexOf(0, 1);
  const bits = parseInt64(raw, 1, nul < 0 ? raw.length : nul);
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) {
    reply.error(ERR_TYPE);
    return null;
  }
  return [signed, Number(bits)];
}

/** Parses every operation (parse errors reply and return null). */
function parseOps(args: CommandArgs, reply: ReplyWriter): FieldOp[] | null {
  const ops: FieldOp[] = [];
  let overflow: Overflow = "wrap";
  for (let j = 2; j < args.argc; j++) {
    const rem = args.argc - j - 1;
    let op: FieldOp["op"];
    if (args.is(j, "get") && rem >= 2) op = "get";
    else if (args.is(j, "set") && rem >= 3) op = "set";
    else if (args.is(j, "incrby") && rem >= 3) op = "incrby";
    else if (args.is(j, "overflow") && rem >= 1) {
      j++;
      if (args.is(j, "wrap")) overflow = "wrap";
      else if (args.is(j, "sat")) overflow = "sat";
      else if (args.is(j, "fail")) overflow = "fail";
      else {
        reply.error("ERR Invalid OVERFLOW type specified");
        return null;
      }
      continue;
    } else {
      reply.error(ERR_SYNTAX);
      return null;
    }
    const type = parseType(args, j + 1, reply);
    if (type === null) return null;
    const offset = parseBitOffset(args, j + 2, type[1], reply);
    if (offset === null) return null;
    let value: number | bigint = 0;
    if (op !== "get") {
      const n = parseInt64(args.view(j + 3));
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return null;
      }
      value = n;
    }
    ops.push({ op, signed: type[0], bits: type[1], offset, value, overflow });
    j += op === "get" ? 2 : 3;
  }
  return ops;
}

/**
 * The value to store for `sum` (old + increment, or SET's value) in field `o`, exact below 2^53:
 * wrapped to the width, saturated, or null for FAIL. `huge` marks a negative SET of an unsigned
 * field: C reads it as a uint64_t above any maximum.
 */
function fitNumber(sum: number, o: FieldOp, huge: boolean): number | null {
  const max = o.signed ? 2 ** (o.bits - 1) - 1 : 2 ** o.bits - 1;
  const min = o.signed ? -max - 1 : 0;
  if (sum >= min && sum <= max && !huge) return sum;
  if (o.overflow === "fail") return null;
  if (o.overflow === "sat") return sum > max || huge ? max : min;
  const m = 2 ** o.bits;
  const u = ((sum % m) + m) % m;
  return o.signed && u > max ? u - m : u;
}

/**
 * fitNumber for fields or values past 2^48, over BigInt. Here Redis's checks are followed to the
 * letter, int64 wrap-around included: checkSignedBitfieldOverflow computes `max - value` and
 * `min - value` as int64, which wrap for extreme SET values, so SAT SET i1 0 -2^63 stores 0.
 */
function fitBig(o: FieldOp, old: FieldValue): FieldValue | null {
  const i64 = (x: bigint) => BigInt.asIntN(64, x);
  const bits = BigInt(o.bits);
  const isSet = o.op === "set";
  let value: bigint;
  let incr: bigint;
  let dir = 0;
  let max: bigint;
  let min: bigint;
  if (o.signed) {
    value = isSet ? BigInt(o.value) : BigInt(old);
    incr = isSet ? 0n : BigInt(o.value);
    max = o.bits === 64 ? 2n ** 63n - 1n : (1n << (bits - 1n)) - 1n;
    min = -max - 1n;
    const maxincr = i64(max - value);
    const minincr = i64(min - value);
    const wide = o.bits !== 64;
    if (value > max || (wide && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr))
      dir = 1;
    else if (value < min || (wide && incr < minincr) || (value < 0n && incr < 0n && incr < minincr))
      dir = -1;
  } else {
    // The int64 argument read as C's uint64_t: a negative SET is above any maximum.
    value = isSet ? BigInt.asUintN(64, BigInt(o.value)) : BigInt(old);
    incr = isSet ? 0n : BigInt(o.value);
    max = (1n << bits) - 1n;
    min = 0n;
    if (value > max || (incr > 0n && incr > i64(max - value))) dir = 1;
    else if (incr < 0n && incr < i64(-value)) dir = -1;
  }
  let v: bigint;
  if (dir === 0) v = value + incr;
  else if (o.overflow === "fail") return null;
  else if (o.overflow === "sat") v = dir > 0 ? max : min;
  else v = o.signed ? BigInt.asIntN(o.bits, value + incr) : BigInt.asUintN(o.bits, value + incr);
  // The same representation getSigned/getUnsigned give a field of this width (bitmap.ts).
  return o.bits <= 48 ? Number(v) : v;
}

function bitfieldGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  reply: ReplyWriter,
  readOnly: boolean,
): void {
  const ops = parseOps(args, reply);
  if (ops === null) return;
  let maxBit = -1;
  for (const o of ops) if (o.op !== "get") maxBit = Math.max(maxBit, o.offset + o.bits - 1);
  const key = args.latin1(1);
  let b: Buffer;
  let grew = false;
  if (maxBit < 0) {
    const v = readBitmap(ctx, args, reply);
    if (v === null) return;
    b = v === undefined ? EMPTY : valueBytes(v);
  } else {
    if (readOnly) {
      reply.error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    const w = bitmapForWrite(ctx, key, maxBit, reply);
    if (w === null) return;
    b = w.b;
    grew = w.grew;
  }
  reply.array(ops.length);
  let changes = 0;
  for (const o of ops) {
    const read = o.signed ? getSigned : getUnsigned;
    const old = read(b, o.offset, o.bits);
    if (o.op === "get") {
      reply.integer(old);
      continue;
    }
    const nv =
      typeof old === "number" && typeof o.value === "number"
        ? fitNumber(
            o.op === "incrby" ? old + o.value : o.value,
            o,
            !o.signed && o.op === "set" && o.value < 0,
          )
        : fitBig(o, old);
    if (nv === null) {
      reply.nullBulk();
      continue;
    }
    reply.integer(o.op === "incrby" ? nv : old);
    setField(b, o.offset, o.bits, nv);
    if (grew || nv !== old) changes++;
  }
  if (changes > 0) {
    ctx.db.signalModified(key);
    ctx.db.notify("string", "setbit", key);
    ctx.addDirty(changes);
    ctx.propagateSelf();
  }
}

const EMPTY = Buffer.alloc(0);

export const bitfieldCommands: CommandSpec[] = [
  cmd("bitfield", -2, "write denyoom", [1, 1, 1], "@write @bitmap @slow", (c, a, r) =>
    bitfieldGeneric(c, a, r, false),
  ),
  cmd("bitfield_ro", -2, "readonly fast", [1, 1, 1], "@read @bitmap @fast", (c, a, r) =>
    bitfieldGeneric(c, a, r, true),
  ),
];

// The HyperLogLog commands (hyperloglog.c in Redis 7.0): PFADD, PFCOUNT, PFMERGE, PFDEBUG,
// PFSELFTEST, over string values in Redis's exact layout (types/hyperloglog.ts).
// Redis unshares the value before touching it (dbUnshareStringValue), so a PFADD that changes
// nothing, a PFCOUNT and any PFDEBUG still leave a raw string behind; here the stored value is
// replaced by a raw copy unless it already is one that may be written in place (no snapshot holds
// it as a pre-image). PFCOUNT of one key refreshes the cached cardinality in the header when it
// is stale, and that write is propagated (PFCOUNT itself goes to the AOF and replicas), as PFDEBUG
// GETREG / TODENSE's conversion to dense is.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import type { CommandContext, CommandSpec } from "../command-types.js";
import type { Database } from "../keyspace.js";
import { growZero, isRawGrown, type StringValue, valueBytes } from "../string-value.js";
import {
  cachedCard,
  createHll,
  denseGet,
  estimate,
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HllWork,
  histogram,
  invalidateCache,
  isValidHll,
  mergeInto,
  rawHistogram,
  setCachedCard,
} from "../types/hyperloglog.js";
import { isString, type Value, WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";
import { hllSelfTest } from "./hyperloglog-selftest.js";

const ERR_NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const ERR_INVALID = "INVALIDOBJ Corrupted HLL object detected";

/** hll-sparse-max-bytes of this keyspace. */
function sparseMaxBytes(ctx: CommandContext): number {
  return ctx.keyspace.encodingLimits.hllSparseMaxBytes;
}

/** isHLLObjectOrReply: the value's bytes, or null after WRONGTYPE / not-an-HLL. */
function hllBytes(v: Value, reply: ReplyWriter): Uint8Array | null {
  if (!isString(v)) {
    reply.error(WRONGTYPE);
    return null;
  }
  const b = valueBytes(v);
  if (!isValidHll(b)) {
    reply.error(ERR_NOT_HLL);
    return null;
  }
  return b;
}

/**
 * dbUnshareStringValue for an HLL: the value itself when it is a raw string that may be written
 * in place, else a copy with room to grow (stored back by `store`).
 */
function unshare(ctx: CommandContext, v: StringValue, b: Uint8Array): HllWork {
  if (typeof v !== "string" && isRawGrown(v) && ctx.keyspace.openSnapshots.size === 0)
    if (b[4] === HLL_DENSE) return new HllWork(v, v.length);
  const copy = new Uint8Array(b.length + 16);
  copy.set(b);
  return new HllWork(copy, b.length);
}

/** Stores `w` at `key` as a raw string unless it was written in place over `old`. */
function store(db: Database, key: string, w: HllWork, old: Value | undefined): void {
  if (old !== undefined && w.b === old) return;
  const out = growZero(undefined, w.len, false);
  out.set(w.bytes());
  if (old === undefined) db.add(key, out);
  else db.overwrite(key, out);
}

function pfadd(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(1);
  const v = db.lookupWrite(key, ctx.now);
  let w: HllWork;
  let updated = 0;
  if (v === undefined) {
    const fresh = createHll();
    w = new HllWork(fresh, fresh.length);
    updated++;
  } else {
    const b = hllBytes(v, reply);
    if (b === null) return;
    w = unshare(ctx, v as StringValue, b);
  }
  const max = sparseMaxBytes(ctx);
  let corrupt = false;
  for (let j = 2; j < args.argc && !corrupt; j++) {
    const r = w.add(args.view(j), max);
    if (r === 1) updated++;
    else if (r === -1) corrupt = true;
  }
  if (updated > 0 && !corrupt) invalidateCache(w.b);
  store(db, key, w, v);
  if (corrupt) {
    reply.error(ERR_INVALID);
    return;
  }
  if (updated > 0) {
    db.signalModified(key);
    db.notify("string", "pfadd", key);
    ctx.addDirty(updated);
    ctx.propagateSelf();
  }
  reply.integer(updated > 0 ? 1 : 0);
}

function pfcount(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  if (args.argc > 2) {
    // The cardinality of the union: the registers' maxima, one byte per register.
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < args.argc; j++) {
      const v = db.lookupRead(args.latin1(j), ctx.now);
      if (v === undefined) continue;
      const b = hllBytes(v, reply);
      if (b === null) return;
      if (!mergeInto(max, b)) {
        reply.error(ERR_INVALID);
        return;
      }
    }
    reply.integer(estimate(rawHistogram(max)));
    return;
  }
  const key = args.latin1(1);
  const v = db.lookupRead(key, ctx.now);
  if (v === undefined) {
    reply.integer(0);
    return;
  }
  const b = hllBytes(v, reply);
  if (b === null) return;
  const w = unshare(ctx, v as StringValue, b);
  let card = cachedCard(w.b);
  if (card < 0) {
    const h = histogram(w.bytes());
    if (h === null) {
      store(db, key, w, v);
      reply.error(ERR_INVALID);
      return;
    }
    card = estimate(h);
    setCachedCard(w.b, card);
    store(db, key, w, v);
    db.signalModified(key);
    ctx.addDirty(1);
    ctx.propagateSelf();
  } else store(db, key, w, v);
  reply.integer(card);
}

function pfmerge(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < args.argc; j++) {
    const v = db.lookupRead(args.latin1(j), ctx.now);
    if (v === undefined) continue;
    const b = hllBytes(v, reply);
    if (b === null) return;
    if (b[4] === HLL_DENSE) useDense = true;
    if (!mergeInto(max, b)) {
      reply.error(ERR_INVALID);
      return;
    }
  }
  const key = args.latin1(1);
  const v = db.lookupWrite(key, ctx.now);
  let w: HllWork;
  if (v === undefined) {
    const fresh = createHll();
    w = new HllWork(fresh, fresh.length);
  } else w = unshare(ctx, v as StringValue, valueBytes(v as StringValue));
  if (useDense && !w.toDense()) {
    store(db, key, w, v);
    reply.error(ERR_INVALID);
    return;
  }
  const limit = sparseMaxBytes(ctx);
  for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) w.set(j, max[j] as number, limit);
  invalidateCache(w.b);
  store(db, key, w, v);
  db.signalModified(key);
  // Redis signals PFMERGE as a pfadd event ("a mix of PFADD and SETBIT").
  db.notify("string", "pfadd", key);
  ctx.addDirty(1);
  ctx.propagateSelf();
  reply.ok();
}

function pfdebug(ctx: CommandContext, args: CommandArgs, reply: ReplyWriter): void {
  const db = ctx.db;
  const key = args.latin1(2);
  const v = db.lookupWrite(key, ctx.now);
  if (v === undefined) {
    reply.error("ERR The specified key does not exist");
    return;
  }
  const b = hllBytes(v, reply);
  if (b === null) return;
  const w = unshare(ctx, v as StringValue, b);
  const sub = args.is(1, "getreg") ? "getreg" : args.is(1, "todense") ? "todense" : null;
  let converted = false;
  if (sub !== null && !w.dense) {
    if (!w.toDense()) {
      store(db, key, w, v);
      reply.error(ERR_INVALID);
      return;
    }
    converted = true;
  }
  store(db, key, w, v);
  if (converted) {
    ctx.addDirty(1); // the conversion is a write: propagated
    ctx.propagateSelf();
  }
  if (sub === "getreg") {
    reply.array(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) reply.integer(denseGet(w.b, j));
  } else if (sub === "todense") reply.integer(converted ? 1 : 0);
  else if (args.is(1, "decode")) {
    if (w.dense) {
      reply.error("ERR HLL encoding is not sparse");
      return;
    }
    reply.bulk(decodeSparse(w.bytes()));
  } else if (args.is(1, "encoding")) reply.simple(w.dense ? "dense" : "sparse");
  else reply.error(`ERR Unknown PFDEBUG subcommand '${args.latin1(1)}'`);
}

/** PFDEBUG DECODE's text: "Z:<n>", "z:<n>" and "v:<value>,<n>" per opcode, space-separated. */
function decodeSparse(s: Uint8Array): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < s.length) {
    const op = s[p] as number;
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | (s[p + 1] as number)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 0x3) + 1}`);
      p++;
    }
  }
  return parts.join(" ");
}

function pfselftest(ctx: CommandContext, _args: CommandArgs, reply: ReplyWriter): void {
  const failure = hllSelfTest(sparseMaxBytes(ctx));
  if (failure === null) reply.ok();
  else reply.error(failure);
}

export const hyperloglogCommands: CommandSpec[] = [
  cmd("pfadd", -2, "write denyoom fast", [1, 1, 1], "@write @hyperloglog @fast", pfadd),
  cmd("pfcount", -2, "readonly", [1, -1, 1], "@read @hyperloglog @slow", pfcount),
  cmd("pfmerge", -2, "write denyoom", [1, -1, 1], "@write @hyperloglog @slow", pfmerge),
  cmd(
    "pfdebug",
    3,
    "write denyoom admin",
    [2, 2, 1],
    "@write @hyperloglog @admin @slow @dangerous",
    pfdebug,
  ),
  cmd("pfselftest", 1, "admin", [0, 0, 0], "@hyperloglog @admin @slow @dangerous", pfselftest),
];

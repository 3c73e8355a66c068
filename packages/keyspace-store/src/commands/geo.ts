// The geo commands (geo.c in Redis 7.0) over the sorted-set type: a point is a member whose score
// is its 52-bit geohash (types/geohash.ts). GEOADD rewrites itself into the ZADD it runs, so
// replies, keyspace events ("zadd") and propagation are ZADD's. A search (GEORADIUS*, GEOSEARCH*)
// scans the score ranges of nine geohash cells in Redis's order (centre, N, S, E, W, NE, NW, SE,
// SW; a cell equal to the one scanned before it skipped), filters by exact distance, and:
// - unsorted results come in that scan order; ASC/DESC sort stably as glibc's qsort (a merge
//   sort) does; with COUNT below the number found, Redis's pqsort orders the first COUNT;
// - COUNT without ANY and without ASC/DESC sorts ASC; ANY stops the scan at COUNT matches;
// - distances are "%.4f"-style fixed point, coordinates "%.17Lf" with zeros trimmed;
// - STORE/STOREDIST write a sorted set (geohash or distance scores), propagate the command
//   itself, and delete the destination when nothing matched.
import { type CommandArgs, OwnedArgs, type ReplyWriter } from "@shoal/resp-codec";
import { argDouble, argLong } from "../args.js";
import type { CommandContext, CommandSpec } from "../command-types.js";
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX } from "../errors.js";
import { formatDistance, formatFixed, formatHumanLongDouble } from "../fixed-format.js";
import {
  align52Bits,
  decodeScore,
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  type GeoHashBits,
  geoScoreString,
  hashIsZero,
  standardGeohash,
} from "../types/geohash.js";
import {
  calculateAreasByShape,
  distanceIfWithin,
  type GeoHashRadius,
  type GeoShape,
  geoDistance,
} from "../types/geohash-helper.js";
import { pqsort } from "../types/pqsort.js";
import type { ScoreRange } from "../types/skiplist.js";
import { ZSet } from "../types/zset.js";
import { WRONGTYPE } from "../value.js";
import { cmd } from "./define.js";
import { zaddGeneric } from "./zsets.js";

const ERR_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI";
const ERR_MEMBER = "ERR could not decode requested zset member";

// ---- Argument helpers ---------------------------------------------------------------------------

/** The sorted set at `key` for a read: undefined when missing, null after a WRONGTYPE reply. */
function readZSet(ctx: CommandContext, key: string, w: ReplyWriter): ZSet | undefined | null {
  const v = ctx.db.lookupRead(key, ctx.now);
  if (v === undefined || v instanceof ZSet) return v;
  w.error(WRONGTYPE);
  return null;
}

/** getDoubleFromObjectOrReply: null after replying `msg` (or the generic float error). */
function doubleOrReply(args: CommandArgs, i: number, w: ReplyWriter, msg?: string): number | null {
  const d = argDouble(args, i);
  if (d === null) w.error(msg ?? ERR_NOT_FLOAT);
  return d;
}

/** extractLongLatOrReply: [longitude, latitude] from args i and i+1, checked against the limits. */
function longLatOrReply(args: CommandArgs, i: number, w: ReplyWriter): [number, number] | null {
  const lon = doubleOrReply(args, i, w);
  if (lon === null) return null;
  const lat = doubleOrReply(args, i + 1, w);
  if (lat === null) return null;
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    w.error(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
    return null;
  }
  return [lon, lat];
}

/** extractUnitOrReply: meters per unit, or -1 after replying. */
function unitOrReply(args: CommandArgs, i: number, w: ReplyWriter): number {
  if (args.is(i, "m")) return 1;
  if (args.is(i, "km")) return 1000;
  if (args.is(i, "ft")) return 0.3048;
  if (args.is(i, "mi")) return 1609.34;
  w.error(ERR_UNIT);
  return -1;
}

/** A member's position, decoded from its score; null when the member is absent. */
function memberLongLat(z: ZSet, member: string): [number, number] | null {
  const score = z.dict.get(member);
  if (score === undefined) return null;
  const xy: [number, number] = [0, 0];
  decodeScore(score, xy);
  return xy;
}

/** addReplyHumanLongDouble: a bulk string in RESP2, a RESP3 double with the same digits. */
function replyCoordinate(w: ReplyWriter, d: number): void {
  const s = formatHumanLongDouble(d);
  if (w.resp === 3) w.raw(Buffer.from(`,${s}\r\n`, "latin1"));
  else w.bulk(s);
}

/** addReplyLongLong of a score: C's (long long) cast as x86-64 does it (out of range: INT64_MIN). */
function scoreAsLongLong(score: number): number | bigint {
  if (!(score >= -(2 ** 63) && score < 2 ** 63)) return -(2n ** 63n);
  const t = Math.trunc(score);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

// ---- GEOADD -----------------------------------------------------------------------------------

/** GEOADD key [NX|XX] [CH] lon lat member ...: validated, then run as ZADD with geohash scores. */
function geoadd(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  let xx = false;
  let nx = false;
  let longIdx = 2;
  for (; longIdx < args.argc; longIdx++) {
    if (args.is(longIdx, "nx")) nx = true;
    else if (args.is(longIdx, "xx")) xx = true;
    else if (!args.is(longIdx, "ch")) break; // CH is ZADD's to handle
  }
  if ((args.argc - longIdx) % 3 !== 0 || (xx && nx)) return w.error(ERR_SYNTAX);
  const elements = (args.argc - longIdx) / 3;
  const argv: Buffer[] = [Buffer.from("zadd")];
  for (let i = 1; i < longIdx; i++) argv.push(args.copy(i));
  for (let i = 0; i < elements; i++) {
    const xy = longLatOrReply(args, longIdx + i * 3, w);
    if (xy === null) return;
    argv.push(Buffer.from(geoScoreString(xy[0], xy[1])), args.copy(longIdx + i * 3 + 2));
  }
  zaddGeneric(ctx, new OwnedArgs(argv), w, false, argv);
}

// ---- Searches ---------------------------------------------------------------------------------

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

const RADIUS_COORDS = 1 << 0; // search around coordinates
const RADIUS_MEMBER = 1 << 1; // search around a member
const RADIUS_NOSTORE = 1 << 2; // STORE/STOREDIST refused (the _RO variants)
const GEOSEARCH = 1 << 3; // GEOSEARCH's arguments
const GEOSEARCHSTORE = 1 << 4; // GEOSEARCHSTORE: STOREDIST is a flag

/** One match: a geoPoint. */
interface GeoPoint {
  longitude: number;
  latitude: number;
  dist: number;
  score: number;
  member: string;
}

const RANGE: ScoreRange = { min: 0, max: 0, minex: false, maxex: true };

/**
 * geoGetPointsInRange over one cell (membersOfGeoHashBox): members with scores in [min, max),
 * in score order, kept when inside the shape. `limit` (ANY) stops once that many were found.
 */
function membersOfBox(
  z: ZSet,
  hash: GeoHashBits,
  shape: GeoShape,
  out: GeoPoint[],
  limit: number,
): void {
  RANGE.min = Number(align52Bits(hash));
  RANGE.max = Number(align52Bits({ bits: hash.bits + 1n, step: hash.step }));
  const xy = [0, 0];
  for (let n = z.zsl.firstInScoreRange(RANGE); n !== null; n = n.next) {
    if (!(n.score < RANGE.max)) break;
    decodeScore(n.score, xy);
    const dist = distanceIfWithin(shape, xy[0] as number, xy[1] as number);
    if (dist >= 0) {
      out.push({
        longitude: xy[0] as number,
        latitude: xy[1] as number,
        dist,
        score: n.score,
        member: n.member,
      });
    }
    if (out.length > 0 && limit > 0 && out.length >= limit) break;
  }
}

/** membersOfAllNeighbors: the nine cells in Redis's order, a repeat of the last one skipped. */
function membersOfAllNeighbors(
  z: ZSet,
  r: GeoHashRadius,
  shape: GeoShape,
  out: GeoPoint[],
  limit: number,
): void {
  const n = r.neighbors;
  const cells = [
    r.hash,
    n.north,
    n.south,
    n.east,
    n.west,
    n.north_east,
    n.north_west,
    n.south_east,
    n.south_west,
  ];
  let last = 0; // index of the last cell scanned; 0 also means "none yet", as in Redis
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i] as GeoHashBits;
    if (hashIsZero(c)) continue;
    // Huge radii make adjacent neighbours the same cell.
    const prev = cells[last] as GeoHashBits;
    if (last !== 0 && c.bits === prev.bits && c.step === prev.step) continue;
    if (out.length > 0 && limit > 0 && out.length >= limit) break;
    membersOfBox(z, c, shape, out, limit);
    last = i;
  }
}

const byDistAsc = (a: GeoPoint, b: GeoPoint) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const byDistDesc = (a: GeoPoint, b: GeoPoint) => -byDistAsc(a, b);

/**
 * georadiusGeneric: GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH, GEOSEARCHSTORE. The order
 * of checks is Redis's: type, the fixed arguments, the options one by one (each error as met),
 * then STORE/WITH* compatibility, FROM*, BY*, ANY without COUNT, and only then a missing key.
 */
function georadiusGeneric(
  ctx: CommandContext,
  args: CommandArgs,
  w: ReplyWriter,
  srcKeyIndex: number,
  flags: number,
) {
  let storeKey: string | null = null;
  let storeDist = false;
  const z = readZSet(ctx, args.latin1(srcKeyIndex), w);
  if (z === null) return;

  const shape: GeoShape = {
    type: "circle",
    xy: [0, 0],
    conversion: 1,
    radius: 0,
    width: 0,
    height: 0,
  };
  let baseArgs: number;
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    const xy = longLatOrReply(args, 2, w);
    if (xy === null) return;
    shape.xy = xy;
    if (!distanceOrReply(args, baseArgs - 2, w, shape)) return;
  } else if (flags & RADIUS_MEMBER && z === undefined) {
    // No key: the options are still parsed, to know which reply (array or STORE's count).
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    const xy = memberLongLat(z as ZSet, args.latin1(2));
    if (xy === null) return w.error(ERR_MEMBER);
    shape.xy = xy;
    if (!distanceOrReply(args, baseArgs - 2, w, shape)) return;
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storeKey = args.latin1(1);
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = args.argc - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const a = baseArgs + i;
    if (args.is(a, "withdist")) withDist = true;
    else if (args.is(a, "withhash")) withHash = true;
    else if (args.is(a, "withcoord")) withCoords = true;
    else if (args.is(a, "any")) any = true;
    else if (args.is(a, "asc")) sort = SORT_ASC;
    else if (args.is(a, "desc")) sort = SORT_DESC;
    else if (args.is(a, "count") && i + 1 < remaining) {
      const c = argLong(args, a + 1);
      if (c === null) return w.error(ERR_NOT_INTEGER);
      if (c <= 0) return w.error("ERR COUNT must be > 0");
      count = c;
      i++;
    } else if (
      (args.is(a, "store") || args.is(a, "storedist")) &&
      i + 1 < remaining &&
      !(flags & RADIUS_NOSTORE) &&
      !(flags & GEOSEARCH)
    ) {
      storeDist = args.is(a, "storedist");
      storeKey = args.latin1(a + 1);
      i++;
    } else if (args.is(a, "storedist") && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storeDist = true;
    } else if (args.is(a, "frommember") && i + 1 < remaining && flags & GEOSEARCH && !fromLoc) {
      if (z !== undefined) {
        const xy = memberLongLat(z, args.latin1(a + 1));
        if (xy === null) return w.error(ERR_MEMBER);
        shape.xy = xy;
      }
      fromMember = true;
      i++;
    } else if (args.is(a, "fromlonlat") && i + 2 < remaining && flags & GEOSEARCH && !fromMember) {
      const xy = longLatOrReply(args, a + 1, w);
      if (xy === null) return;
      shape.xy = xy;
      fromLoc = true;
      i += 2;
    } else if (args.is(a, "byradius") && i + 2 < remaining && flags & GEOSEARCH && !byBox) {
      if (!distanceOrReply(args, a + 1, w, shape)) return;
      shape.type = "circle";
      byRadius = true;
      i += 2;
    } else if (args.is(a, "bybox") && i + 3 < remaining && flags & GEOSEARCH && !byRadius) {
      if (!boxOrReply(args, a + 1, w, shape)) return;
      shape.type = "box";
      byBox = true;
      i += 3;
    } else return w.error(ERR_SYNTAX);
  }

  if (storeKey !== null && (withDist || withHash || withCoords)) {
    const what = flags & GEOSEARCHSTORE ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS";
    return w.error(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & GEOSEARCH && !(fromMember || fromLoc))
    return w.error(
      `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${args.latin1(0)}`,
    );
  if (flags & GEOSEARCH && !(byRadius || byBox))
    return w.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${args.latin1(0)}`);
  if (any && count === 0) return w.error("ERR the ANY argument requires COUNT argument");

  if (z === undefined) {
    if (storeKey === null) return w.array(0);
    const db = ctx.db;
    if (db.delete(storeKey)) {
      db.signalModified(storeKey);
      db.notify("generic", "del", storeKey);
      ctx.addDirty(1);
      ctx.propagateSelf();
    }
    return w.integer(0);
  }

  // COUNT needs the nearest N: sorted ascending unless ANY says any N will do.
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const found: GeoPoint[] = [];
  membersOfAllNeighbors(z, calculateAreasByShape(shape), shape, found, any ? count : 0);
  if (found.length === 0 && storeKey === null) return w.array(0);

  const resultLength = found.length;
  const returned = count === 0 || resultLength < count ? resultLength : count;
  if (sort !== SORT_NONE) {
    const cmp = sort === SORT_ASC ? byDistAsc : byDistDesc;
    // glibc's qsort is a merge sort, stable as Array.prototype.sort; pqsort is Redis's own.
    if (returned === resultLength) found.sort(cmp);
    else pqsort(found, cmp, 0, returned - 1);
  }

  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0);
    w.array(returned);
    for (let i = 0; i < returned; i++) {
      const p = found[i] as GeoPoint;
      if (options > 0) w.array(options + 1);
      w.bulkLatin1(p.member);
      if (withDist) w.bulk(formatDistance(p.dist / shape.conversion));
      if (withHash) w.integer(scoreAsLongLong(p.score));
      if (withCoords) {
        w.array(2);
        replyCoordinate(w, p.longitude);
        replyCoordinate(w, p.latitude);
      }
    }
    return;
  }

  const db = ctx.db;
  if (returned > 0) {
    let maxLen = 0;
    for (let i = 0; i < returned; i++)
      maxLen = Math.max(maxLen, (found[i] as GeoPoint).member.length);
    // zsetConvertToListpackIfNeeded on the finished set: the same rule as sizing it up front.
    const dst = new ZSet(returned, maxLen, ctx.keyspace.encodingLimits);
    for (let i = 0; i < returned; i++) {
      const p = found[i] as GeoPoint;
      dst.add(p.member, storeDist ? p.dist / shape.conversion : p.score);
    }
    db.setKey(storeKey, dst);
    db.notify("zset", flags & GEOSEARCH ? "geosearchstore" : "georadiusstore", storeKey);
    ctx.addDirty(returned);
    ctx.propagateSelf();
  } else if (db.delete(storeKey)) {
    db.signalModified(storeKey);
    db.notify("generic", "del", storeKey);
    ctx.addDirty(1);
    ctx.propagateSelf();
  }
  w.integer(returned);
}

/** extractDistanceOrReply into the shape: radius, then its unit. */
function distanceOrReply(args: CommandArgs, i: number, w: ReplyWriter, shape: GeoShape): boolean {
  const d = doubleOrReply(args, i, w, "ERR need numeric radius");
  if (d === null) return false;
  if (d < 0) {
    w.error("ERR radius cannot be negative");
    return false;
  }
  shape.radius = d;
  const toMeters = unitOrReply(args, i + 1, w);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}

/** extractBoxOrReply into the shape: width, height, then their unit. */
function boxOrReply(args: CommandArgs, i: number, w: ReplyWriter, shape: GeoShape): boolean {
  const width = doubleOrReply(args, i, w, "ERR need numeric width");
  if (width === null) return false;
  const height = doubleOrReply(args, i + 1, w, "ERR need numeric height");
  if (height === null) return false;
  if (height < 0 || width < 0) {
    w.error("ERR height or width cannot be negative");
    return false;
  }
  shape.width = width;
  shape.height = height;
  const toMeters = unitOrReply(args, i + 2, w);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}

// ---- GEOHASH, GEOPOS, GEODIST -----------------------------------------------------------------

function geohash(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  const z = readZSet(ctx, args.latin1(1), w);
  if (z === null) return;
  w.array(args.argc - 2);
  for (let j = 2; j < args.argc; j++) {
    const score = z?.dict.get(args.latin1(j));
    if (score === undefined) w.nullBulk();
    else w.bulk(standardGeohash(score));
  }
}

function geopos(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  const z = readZSet(ctx, args.latin1(1), w);
  if (z === null) return;
  w.array(args.argc - 2);
  for (let j = 2; j < args.argc; j++) {
    const xy = z === undefined ? null : memberLongLat(z, args.latin1(j));
    if (xy === null) w.nullArray();
    else {
      w.array(2);
      replyCoordinate(w, xy[0]);
      replyCoordinate(w, xy[1]);
    }
  }
}

/** GEODIST key member1 member2 [unit]: the unit is checked before the key is read. */
function geodist(ctx: CommandContext, args: CommandArgs, w: ReplyWriter) {
  let toMeter = 1;
  if (args.argc === 5) {
    toMeter = unitOrReply(args, 4, w);
    if (toMeter < 0) return;
  } else if (args.argc > 5) return w.error(ERR_SYNTAX);
  const z = readZSet(ctx, args.latin1(1), w);
  if (z === null) return;
  if (z === undefined) return w.nullBulk();
  const a = memberLongLat(z, args.latin1(2));
  const b = memberLongLat(z, args.latin1(3));
  if (a === null || b === null) return w.nullBulk();
  w.bulk(formatDistance(geoDistance(a[0], a[1], b[0], b[1]) / toMeter));
}

// ---- Key positions -------------------------------------------------------------------------------

/**
 * Keys as Redis 7.0 finds them from GEORADIUS*'s key specs (which COMMAND GETKEYS and cluster
 * routing prefer to georadiusGetKeys): the source, then the argument after the first STORE and
 * the one after the first STOREDIST, each keyword searched from the options' start (`from`) to
 * the next-to-last argument.
 */
function georadiusKeys(from: number): (args: CommandArgs) => number[] {
  const after = (args: CommandArgs, keyword: string): number => {
    for (let i = from; i < args.argc - 1; i++) if (args.is(i, keyword)) return i + 1;
    return -1;
  };
  return (args) => {
    const keys = [1];
    const store = after(args, "store");
    if (store > 0) keys.push(store);
    const storedist = after(args, "storedist");
    if (storedist > 0) keys.push(storedist);
    return keys;
  };
}

// ---- The table -------------------------------------------------------------------------------------

const W = "@write @geo @slow";
const R = "@read @geo @slow";
const K1: [number, number, number] = [1, 1, 1];

export const geoCommands: CommandSpec[] = [
  cmd("geoadd", -5, "write denyoom", K1, W, geoadd),
  cmd("geodist", -4, "readonly", K1, R, geodist),
  cmd("geohash", -2, "readonly", K1, R, geohash),
  cmd("geopos", -2, "readonly", K1, R, geopos),
  cmd(
    "georadius",
    -6,
    "write denyoom",
    K1,
    W,
    (c, a, w) => georadiusGeneric(c, a, w, 1, RADIUS_COORDS),
    { getKeys: georadiusKeys(6) },
  ),
  cmd(
    "georadiusbymember",
    -5,
    "write denyoom",
    K1,
    W,
    (c, a, w) => georadiusGeneric(c, a, w, 1, RADIUS_MEMBER),
    { getKeys: georadiusKeys(5) },
  ),
  cmd("georadius_ro", -6, "readonly", K1, R, (c, a, w) =>
    georadiusGeneric(c, a, w, 1, RADIUS_COORDS | RADIUS_NOSTORE),
  ),
  cmd("georadiusbymember_ro", -5, "readonly", K1, R, (c, a, w) =>
    georadiusGeneric(c, a, w, 1, RADIUS_MEMBER | RADIUS_NOSTORE),
  ),
  cmd("geosearch", -7, "readonly", K1, R, (c, a, w) => georadiusGeneric(c, a, w, 1, GEOSEARCH)),
  cmd("geosearchstore", -8, "write denyoom", [1, 2, 1], W, (c, a, w) =>
    georadiusGeneric(c, a, w, 2, GEOSEARCH | GEOSEARCHSTORE),
  ),
];

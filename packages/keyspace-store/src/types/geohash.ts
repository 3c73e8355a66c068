// Redis 7.0's geohash (geohash.c): a longitude/latitude pair becomes two fixed-point numbers of
// `step` bits each, interleaved into one integer (latitude on the even bits, longitude on the
// odd ones). At GEO_STEP_MAX (26) that is the 52-bit integer a geo set stores as its score.
//
// Everything is ported operation for operation, including what C does at the edges: a
// coordinate exactly on the upper limit gives an offset of 2^step, one bit wider than the step
// (a score above 2^52); `ilato + 1` wraps at 2^32; a score that is not a geohash (any ZADD score)
// is converted to uint64 as x86-64 does, then decoded and clamped. The neighbour arithmetic runs
// on BigInt (nine cells per query); decoding a score, done for every candidate point of a search,
// runs on two 32-bit halves.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

/** A geohash: `step` bits per coordinate, interleaved in `bits`. */
export interface GeoHashBits {
  bits: bigint;
  step: number;
}

export interface GeoHashRange {
  min: number;
  max: number;
}

/** The cell a hash names. */
export interface GeoHashArea {
  hash: GeoHashBits;
  longitude: GeoHashRange;
  latitude: GeoHashRange;
}

export interface GeoHashNeighbors {
  north: GeoHashBits;
  east: GeoHashBits;
  west: GeoHashBits;
  south: GeoHashBits;
  north_east: GeoHashBits;
  south_east: GeoHashBits;
  north_west: GeoHashBits;
  south_west: GeoHashBits;
}

/** The WGS84 ranges Redis encodes in (EPSG:900913: no poles). */
export const LONG_RANGE: Readonly<GeoHashRange> = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const LAT_RANGE: Readonly<GeoHashRange> = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

const M64 = (1n << 64n) - 1n;
const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;

/** HASHISZERO: a cleared neighbour (bits and step both 0). */
export function hashIsZero(h: GeoHashBits): boolean {
  return h.bits === 0n && h.step === 0;
}

/** Spreads the 16 low bits of `x` to the even bits of a 32-bit word. */
function spread16(x0: number): number {
  let x = x0 & 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x >>> 0;
}

/** Gathers the even bits of a 32-bit word into its 16 low bits. */
function compact16(x0: number): number {
  let x = x0 & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** interleave64: `x` (uint32) on the even bits, `y` (uint32) on the odd bits. */
export function interleave64(x: number, y: number): bigint {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** deinterleave64 of a 64-bit value given as halves: [even bits (lat), odd bits (long)]. */
function deinterleaveHalves(hi: number, lo: number, out: Uint32Array): void {
  out[0] = (compact16(hi) << 16) | compact16(lo);
  out[1] = (compact16(hi >>> 1) << 16) | compact16(lo >>> 1);
}

/** deinterleave64: [lat part, long part] as uint32s. */
export function deinterleave64(bits: bigint): [number, number] {
  const out = new Uint32Array(2);
  deinterleaveHalves(Number((bits >> 32n) & 0xffffffffn), Number(bits & 0xffffffffn), out);
  return [out[0] as number, out[1] as number];
}

/**
 * geohashEncode. Null where C returns 0 (bad step, a coordinate outside the WGS84 limits or the
 * given ranges). The offsets are truncated to uint32 as the C call's implicit conversion does.
 */
export function geohashEncode(
  longRange: Readonly<GeoHashRange>,
  latRange: Readonly<GeoHashRange>,
  longitude: number,
  latitude: number,
  step: number,
): GeoHashBits | null {
  if (step > 32 || step === 0) return null;
  if (
    longitude > GEO_LONG_MAX ||
    longitude < GEO_LONG_MIN ||
    latitude > GEO_LAT_MAX ||
    latitude < GEO_LAT_MIN
  )
    return null;
  if (
    latitude < latRange.min ||
    latitude > latRange.max ||
    longitude < longRange.min ||
    longitude > longRange.max
  )
    return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: interleave64(Math.trunc(latOffset) >>> 0, Math.trunc(longOffset) >>> 0), step };
}

/** geohashEncodeWGS84. */
export function geohashEncodeWGS84(
  longitude: number,
  latitude: number,
  step: number,
): GeoHashBits | null {
  return geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, step);
}

/** The cell's bounds from its two uint32 coordinates (geohashDecode's arithmetic). */
function areaOf(
  longRange: Readonly<GeoHashRange>,
  latRange: Readonly<GeoHashRange>,
  ilato: number,
  ilono: number,
  step: number,
  area: { longitude: GeoHashRange; latitude: GeoHashRange },
): void {
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const div = 2 ** step;
  area.latitude.min = latRange.min + (ilato / div) * latScale;
  area.latitude.max = latRange.min + (((ilato + 1) >>> 0) / div) * latScale;
  area.longitude.min = longRange.min + (ilono / div) * longScale;
  area.longitude.max = longRange.min + (((ilono + 1) >>> 0) / div) * longScale;
}

/** geohashDecode; null for a zero hash. */
export function geohashDecode(
  longRange: Readonly<GeoHashRange>,
  latRange: Readonly<GeoHashRange>,
  hash: GeoHashBits,
): GeoHashArea | null {
  if (hashIsZero(hash)) return null;
  const [ilato, ilono] = deinterleave64(hash.bits);
  const area: GeoHashArea = {
    hash,
    longitude: { min: 0, max: 0 },
    latitude: { min: 0, max: 0 },
  };
  areaOf(longRange, latRange, ilato, ilono, hash.step, area);
  return area;
}

/** geohashDecodeAreaToLongLat: the cell's centre, clamped to the WGS84 limits. */
export function areaCenter(
  area: { longitude: GeoHashRange; latitude: GeoHashRange },
  xy: Float64Array | number[],
): void {
  let lon = (area.longitude.min + area.longitude.max) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (area.latitude.min + area.latitude.max) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  xy[0] = lon;
  xy[1] = lat;
}

const TWO32 = 2 ** 32;
const TWO63 = 2 ** 63;
const HALVES = new Uint32Array(2);
const SCRATCH = { longitude: { min: 0, max: 0 }, latitude: { min: 0, max: 0 } };

/**
 * `(uint64_t)score` as gcc compiles it on x86-64, as [high, low] 32-bit halves: truncation;
 * a negative value wraps (two's complement); below -2^63 (or -inf) gives 2^63; 2^64 and above
 * (or +inf) gives 0.
 */
export function scoreToUint64(score: number, out: Uint32Array): void {
  let t: number;
  if (score < TWO63) {
    // cvttsd2si: the int64 truncation, or 0x8000000000000000 when it does not fit.
    t = score >= -TWO63 ? Math.trunc(score) : -TWO63;
  } else {
    const r = score - TWO63;
    if (!(r < TWO63)) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    // (r as int64) ^ 0x8000000000000000: r + 2^63, below 2^64 here.
    t = Math.trunc(r) + TWO63;
  }
  // Halves of t mod 2^64; exact: t is an integer double, the division a power of two.
  const hi = Math.floor(t / TWO32);
  out[0] = hi >>> 0;
  out[1] = (t - hi * TWO32) >>> 0;
}

/**
 * decodeGeohash (geo.c): a sorted-set score read as a step-26 hash, to the centre of its cell,
 * clamped. Always succeeds (the hash's step is never zero).
 */
export function decodeScore(score: number, xy: Float64Array | number[]): void {
  scoreToUint64(score, HALVES);
  const hi = HALVES[0] as number;
  const lo = HALVES[1] as number;
  const ilato = ((compact16(hi) << 16) | compact16(lo)) >>> 0;
  const ilono = ((compact16(hi >>> 1) << 16) | compact16(lo >>> 1)) >>> 0;
  areaOf(LONG_RANGE, LAT_RANGE, ilato, ilono, GEO_STEP_MAX, SCRATCH);
  areaCenter(SCRATCH, xy);
}

/**
 * GEOADD's score for a point within the limits, as the decimal string ZADD receives
 * (sdsfromlonglong of the step-26 hash): geohashEncodeWGS84 + geohashAlign52Bits without BigInt
 * except at the upper limits, where the hash is one bit wider than 2^53.
 */
export function geoScoreString(longitude: number, latitude: number): string {
  const x = Math.trunc(((latitude - GEO_LAT_MIN) / (GEO_LAT_MAX - GEO_LAT_MIN)) * 2 ** 26) >>> 0;
  const y =
    Math.trunc(((longitude - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN)) * 2 ** 26) >>> 0;
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  if (hi < 2 ** 21) return String(hi * TWO32 + lo); // below 2^53: exact as a double
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** geohashAlign52Bits: the hash shifted to a 52-bit score prefix (uint64 arithmetic). */
export function align52Bits(hash: GeoHashBits): bigint {
  return (hash.bits << BigInt(52 - hash.step * 2)) & M64;
}

function moveX(hash: GeoHashBits, d: number): void {
  if (d === 0) return;
  let x = hash.bits & ODD;
  const y = hash.bits & EVEN;
  const zz = EVEN >> BigInt(64 - hash.step * 2);
  if (d > 0) x = (x + (zz + 1n)) & M64;
  else {
    x |= zz;
    x = (x - (zz + 1n)) & M64;
  }
  x &= ODD >> BigInt(64 - hash.step * 2);
  hash.bits = x | y;
}

function moveY(hash: GeoHashBits, d: number): void {
  if (d === 0) return;
  const x = hash.bits & ODD;
  let y = hash.bits & EVEN;
  const zz = ODD >> BigInt(64 - hash.step * 2);
  if (d > 0) y = (y + (zz + 1n)) & M64;
  else {
    y |= zz;
    y = (y - (zz + 1n)) & M64;
  }
  y &= EVEN >> BigInt(64 - hash.step * 2);
  hash.bits = x | y;
}

/** geohashNeighbors: the eight cells around `hash`, wrapping around as the bit arithmetic does. */
export function geohashNeighbors(hash: GeoHashBits): GeoHashNeighbors {
  const at = (dx: number, dy: number): GeoHashBits => {
    const h = { bits: hash.bits, step: hash.step };
    moveX(h, dx);
    moveY(h, dy);
    return h;
  };
  return {
    east: at(1, 0),
    west: at(-1, 0),
    south: at(0, -1),
    north: at(0, 1),
    north_west: at(-1, 1),
    north_east: at(1, 1),
    south_east: at(1, -1),
    south_west: at(-1, -1),
  };
}

const GEOALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";
const STD_LONG: Readonly<GeoHashRange> = { min: -180, max: 180 };
const STD_LAT: Readonly<GeoHashRange> = { min: -90, max: 90 };

/**
 * GEOHASH's 11-character string for a score: the point decoded, re-encoded over the standard
 * ±90 latitude range at step 26, 5 bits a character; the 11th character stands for bits the
 * 52-bit value does not have ('0').
 */
export function standardGeohash(score: number): string {
  const xy = [0, 0];
  decodeScore(score, xy);
  const hash = geohashEncode(STD_LONG, STD_LAT, xy[0] as number, xy[1] as number, 26);
  const bits = hash === null ? 0n : hash.bits;
  let s = "";
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    s += GEOALPHABET[idx];
  }
  return s;
}

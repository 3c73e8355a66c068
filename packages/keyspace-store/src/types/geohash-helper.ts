// Redis 7.0's geohash_helper.c: which cells a radius or box search scans, and the distances it
// filters by. A search covers the centre's cell at a step chosen from the radius
// (geohashEstimateStepsByRadius), one step coarser when a neighbouring cell would not reach the
// shape's bounding box, plus the eight neighbours, minus those the box cannot touch. Distances
// are Redis's haversine on a sphere of 6372797.560856 m (not WGS84's ellipsoid), so replies match
// Redis's digits, not geodesy's.
import {
  type GeoHashArea,
  type GeoHashBits,
  type GeoHashNeighbors,
  geohashDecode,
  geohashEncode,
  geohashNeighbors,
  LAT_RANGE,
  LONG_RANGE,
} from "./geohash.js";
import { asin, cos, sin } from "./libm.js";

const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

/** A search area: a circle (radius) or a box (width, height), in `conversion` units. */
export interface GeoShape {
  type: "circle" | "box";
  /** Centre longitude, latitude. */
  xy: [number, number];
  /** Meters per unit of the distances given. */
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

/** The cells a search scans: the centre's cell and its neighbours (cleared ones skipped). */
export interface GeoHashRadius {
  hash: GeoHashBits;
  area: GeoHashArea;
  neighbors: GeoHashNeighbors;
}

const degRad = (ang: number) => ang * D_R;
const radDeg = (ang: number) => ang / D_R;

/** geohashEstimateStepsByRadius: the coarsest step whose cells still resolve the radius. */
export function estimateStepsByRadius(rangeMeters0: number, lat: number): number {
  if (rangeMeters0 === 0) return 26;
  let rangeMeters = rangeMeters0;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2; // Make sure range is included in most of the base cases.
  // Wider range towards the poles (an approximation Redis keeps).
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohashBoundingBox: [min lon, min lat, max lon, max lat] around the shape. */
export function boundingBox(shape: GeoShape): [number, number, number, number] {
  const longitude = shape.xy[0];
  const latitude = shape.xy[1];
  const height = shape.conversion * (shape.type === "circle" ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === "circle" ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / cos(degRad(latitude - latDelta)));
  // The edge nearer the pole is the wider one: the bottom in the southern hemisphere.
  const southern = latitude < 0;
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

const ZERO = (): GeoHashBits => ({ bits: 0n, step: 0 });

/** geohashCalculateAreasByShapeWGS84. */
export function calculateAreasByShape(shape: GeoShape): GeoHashRadius {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const longitude = shape.xy[0];
  const latitude = shape.xy[1];
  // A box is searched as the circle through its corners.
  let radiusMeters =
    shape.type === "circle"
      ? shape.radius
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;

  let steps = estimateStepsByRadius(radiusMeters, latitude);
  let hash = geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, steps) as GeoHashBits;
  let neighbors = geohashNeighbors(hash);
  let area = geohashDecode(LONG_RANGE, LAT_RANGE, hash) as GeoHashArea;

  // Near a cell's edge the estimated step may be too fine: a neighbour would not reach the
  // bounding box. Then one step coarser.
  const north = geohashDecode(LONG_RANGE, LAT_RANGE, neighbors.north) as GeoHashArea;
  const south = geohashDecode(LONG_RANGE, LAT_RANGE, neighbors.south) as GeoHashArea;
  const east = geohashDecode(LONG_RANGE, LAT_RANGE, neighbors.east) as GeoHashArea;
  const west = geohashDecode(LONG_RANGE, LAT_RANGE, neighbors.west) as GeoHashArea;
  const decreaseStep =
    north.latitude.max < maxLat ||
    south.latitude.min > minLat ||
    east.longitude.max < maxLon ||
    west.longitude.min > minLon;
  if (steps > 1 && decreaseStep) {
    steps--;
    hash = geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, steps) as GeoHashBits;
    neighbors = geohashNeighbors(hash);
    area = geohashDecode(LONG_RANGE, LAT_RANGE, hash) as GeoHashArea;
  }

  // Neighbours on a side the bounding box does not cross are not scanned.
  if (steps >= 2) {
    if (area.latitude.min < minLat) {
      neighbors.south = ZERO();
      neighbors.south_west = ZERO();
      neighbors.south_east = ZERO();
    }
    if (area.latitude.max > maxLat) {
      neighbors.north = ZERO();
      neighbors.north_east = ZERO();
      neighbors.north_west = ZERO();
    }
    if (area.longitude.min < minLon) {
      neighbors.west = ZERO();
      neighbors.south_west = ZERO();
      neighbors.north_west = ZERO();
    }
    if (area.longitude.max > maxLon) {
      neighbors.east = ZERO();
      neighbors.south_east = ZERO();
      neighbors.north_east = ZERO();
    }
  }
  return { hash, area, neighbors };
}

/** geohashGetLatDistance: meters along a meridian. */
export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: Redis's haversine, in meters. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = sin((lat2r - lat1r) / 2);
  const a = u * u + cos(lat1r) * cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * asin(Math.sqrt(a));
}

/**
 * The same haversine with V8's Math (a few ulps from glibc's; up to ~1e-8 relative near
 * antipodes, where asin is steep): only to reject points clearly outside a limit, each then
 * spared the correctly rounded evaluation (about 2 us).
 */
function clearlyBeyond(lon1d: number, lat1d: number, lon2d: number, lat2d: number, limit: number) {
  const v = Math.sin((degRad(lon2d) - degRad(lon1d)) / 2);
  const u = Math.sin((degRad(lat2d) - degRad(lat1d)) / 2);
  const a = u * u + Math.cos(degRad(lat1d)) * Math.cos(degRad(lat2d)) * v * v;
  const d = 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
  return d > limit * (1 + 1e-6) + 1e-3;
}

/**
 * geoWithinShape: the point's distance from the shape's centre when it lies inside the shape,
 * else -1. A box is tested on its latitude span, then on the longitude distance at the point's
 * own latitude, as Redis does.
 */
export function distanceIfWithin(shape: GeoShape, lon: number, lat: number): number {
  const x1 = shape.xy[0];
  const y1 = shape.xy[1];
  if (shape.type === "circle") {
    const radius = shape.radius * shape.conversion;
    if (clearlyBeyond(x1, y1, lon, lat, radius)) return -1;
    const d = geoDistance(x1, y1, lon, lat);
    return d > radius ? -1 : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  if (latDistance(lat, y1) > heightM / 2) return -1;
  if (clearlyBeyond(lon, lat, x1, lat, widthM / 2)) return -1;
  if (geoDistance(lon, lat, x1, lat) > widthM / 2) return -1;
  return geoDistance(x1, y1, lon, lat);
}

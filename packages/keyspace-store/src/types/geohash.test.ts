import { describe, expect, it } from "vitest";
import {
  align52Bits,
  decodeScore,
  deinterleave64,
  GEO_STEP_MAX,
  geohashDecode,
  geohashEncodeWGS84,
  geohashNeighbors,
  geoScoreString,
  interleave64,
  LAT_RANGE,
  LONG_RANGE,
  scoreToUint64,
  standardGeohash,
} from "./geohash.js";
import {
  calculateAreasByShape,
  distanceIfWithin,
  estimateStepsByRadius,
  type GeoShape,
  geoDistance,
} from "./geohash-helper.js";

/** The score GEOADD gives a point, as the number ZADD stores. */
function score(lon: number, lat: number): number {
  const h = geohashEncodeWGS84(lon, lat, GEO_STEP_MAX);
  if (h === null) throw new Error("not encodable");
  return Number(align52Bits(h));
}

describe("geohash (geohash.c)", () => {
  it("encodes Redis's documented scores and decodes its GEOPOS coordinates", () => {
    // GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania; ZRANGE WITHSCORES.
    expect(score(13.361389, 38.115556)).toBe(3479099956230698);
    expect(score(15.087269, 37.502669)).toBe(3479447370796909);
    const xy = [0, 0];
    decodeScore(3479099956230698, xy);
    expect(xy[0]?.toFixed(17)).toBe("13.36138933897018433");
    expect(xy[1]?.toFixed(17)).toBe("38.11555639549629859");
    expect(standardGeohash(3479099956230698)).toBe("sqc8b49rny0");
    expect(standardGeohash(3479447370796909)).toBe("sqdtr74hyu0");
  });

  it("writes GEOADD's score string as the BigInt encoder does, limits included", () => {
    const points: [number, number][] = [
      [180, 85.05112878],
      [180, 0],
      [-180, -85.05112878],
      [0, 85.05112878],
      [13.361389, 38.115556],
    ];
    for (let i = 0; i < 2000; i++)
      points.push([Math.random() * 360 - 180, Math.random() * 170.1 - 85.05]);
    for (const [lon, lat] of points) {
      const h = geohashEncodeWGS84(lon, lat, GEO_STEP_MAX);
      if (h === null) throw new Error("not encodable");
      expect(geoScoreString(lon, lat), `${lon},${lat}`).toBe(align52Bits(h).toString());
    }
    expect(geoScoreString(180, 0)).toBe(String(2n ** 53n + interleave64(33554432, 0)));
  });

  it("interleaves latitude on the even bits and longitude on the odd ones", () => {
    expect(interleave64(1, 0)).toBe(1n);
    expect(interleave64(0, 1)).toBe(2n);
    expect(interleave64(0xffffffff, 0)).toBe(0x5555555555555555n);
    expect(interleave64(0, 0xffffffff)).toBe(0xaaaaaaaaaaaaaaaan);
    for (const [x, y] of [
      [0x12345678, 0x9abcdef0],
      [67108864, 3],
      [0xffffffff, 0xffffffff],
    ] as const)
      expect(deinterleave64(interleave64(x, y))).toEqual([x, y]);
  });

  it("gives the upper limits one bit more than the step, as C's truncation does", () => {
    // lat offset 2^26 lands on bit 52, long offset 2^26 on bit 53.
    expect(score(0, 85.05112878)).toBeGreaterThanOrEqual(2 ** 52);
    expect(score(180, 85.05112878)).toBe(3 * 2 ** 52);
    expect(geohashEncodeWGS84(180.0000001, 0, 26)).toBeNull();
    expect(geohashEncodeWGS84(0, -85.06, 26)).toBeNull();
  });

  it("converts any score to uint64 as x86-64 does before decoding", () => {
    const out = new Uint32Array(2);
    const at = (s: number) => {
      scoreToUint64(s, out);
      return [out[0], out[1]];
    };
    expect(at(-1)).toEqual([0xffffffff, 0xffffffff]);
    expect(at(-1.5)).toEqual([0xffffffff, 0xffffffff]);
    expect(at(1.9)).toEqual([0, 1]);
    expect(at(2 ** 63)).toEqual([0x80000000, 0]);
    expect(at(2 ** 64)).toEqual([0, 0]);
    expect(at(Number.POSITIVE_INFINITY)).toEqual([0, 0]);
    expect(at(Number.NEGATIVE_INFINITY)).toEqual([0x80000000, 0]);
    expect(at(-1e30)).toEqual([0x80000000, 0]);
    expect(at(-(2 ** 40))).toEqual([0xffffff00, 0]);
    // Decoded positions are clamped to the limits.
    const xy = [0, 0];
    decodeScore(-1, xy);
    expect(xy).toEqual([180, 85.05112878]);
  });

  it("finds neighbours by bit arithmetic, wrapping around the antimeridian", () => {
    const h = geohashEncodeWGS84(179.9, 0, 4);
    if (h === null) throw new Error("not encodable");
    const n = geohashNeighbors(h);
    const area = (b: typeof h) => geohashDecode(LONG_RANGE, LAT_RANGE, b);
    expect(area(h)?.longitude.max).toBe(180);
    expect(area(n.east)?.longitude.min).toBe(-180); // wrapped
    expect(area(n.west)?.longitude.max).toBe(area(h)?.longitude.min);
    expect(area(n.north)?.latitude.min).toBe(area(h)?.latitude.max);
    expect(area(n.south_west)?.latitude.max).toBe(area(h)?.latitude.min);
  });
});

describe("geohash_helper.c", () => {
  it("estimates steps from the radius, coarser towards the poles", () => {
    expect(estimateStepsByRadius(0, 0)).toBe(26);
    expect(estimateStepsByRadius(5_000_000, 0)).toBe(2);
    expect(estimateStepsByRadius(5_000_000, 70)).toBe(1);
    expect(estimateStepsByRadius(5_000_000, -85)).toBe(1);
    expect(estimateStepsByRadius(1, 0)).toBe(24);
    expect(estimateStepsByRadius(0.001, 0)).toBe(26);
  });

  it("measures Redis's haversine on its 6372797.560856 m sphere", () => {
    // GEODIST Sicily Palermo Catania: "166274.1516".
    const p = [0, 0];
    const c = [0, 0];
    decodeScore(3479099956230698, p);
    decodeScore(3479447370796909, c);
    const d = geoDistance(p[0] as number, p[1] as number, c[0] as number, c[1] as number);
    expect(d.toFixed(4)).toBe("166274.1516");
    // Same longitude: the meridian distance alone.
    expect(geoDistance(10, 0, 10, 1)).toBe(6372797.560856 * (Math.PI / 180));
  });

  it("keeps a point in a box by latitude span, then longitude distance at its own latitude", () => {
    const box: GeoShape = {
      type: "box",
      xy: [0, 0],
      conversion: 1000,
      radius: 0,
      width: 200,
      height: 100,
    };
    expect(distanceIfWithin(box, 0.8, 0.4)).toBeGreaterThan(0);
    expect(distanceIfWithin(box, 0.8, 0.5)).toBe(-1); // 55.6 km north: outside 50 km
    expect(distanceIfWithin(box, 0.95, 0)).toBe(-1); // 105.6 km east: outside 100 km
    const circle: GeoShape = { ...box, type: "circle", radius: 100 };
    expect(distanceIfWithin(circle, 0.7, 0.3)).toBeGreaterThan(0);
    expect(distanceIfWithin(circle, 0.8, 0.5)).toBe(-1); // inside the box, outside the circle
    expect(distanceIfWithin(circle, 0.8, 0.6)).toBe(-1);
  });

  it("scans nine cells, dropping the sides the bounding box does not reach", () => {
    const small: GeoShape = {
      type: "circle",
      xy: [13.361389, 38.115556],
      conversion: 1000,
      radius: 1,
      width: 0,
      height: 0,
    };
    const r = calculateAreasByShape(small);
    expect(r.hash.step).toBeGreaterThan(10);
    // The centre's cell holds the centre.
    expect(r.area.longitude.min).toBeLessThanOrEqual(13.361389);
    expect(r.area.longitude.max).toBeGreaterThanOrEqual(13.361389);
    // A radius covering the world: step 1 and no neighbour cleared.
    const world = calculateAreasByShape({ ...small, radius: 20_000 });
    expect(world.hash.step).toBe(1);
    expect(Object.values(world.neighbors).every((n) => n.step === 1)).toBe(true);
  });
});

// A small seeded PRNG (mulberry32) so every simulated schedule replays exactly from its seed.

export type Random = () => number;

/** mulberry32: 32-bit state, uniform floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream derived from a parent (for per-node and per-network randomness). */
export function fork(parent: Random): Random {
  return mulberry32(Math.floor(parent() * 4294967296));
}

export function randInt(r: Random, min: number, max: number): number {
  return min + Math.floor(r() * (max - min + 1));
}

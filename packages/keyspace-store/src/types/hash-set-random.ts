// Random picks for HRANDFIELD, SRANDMEMBER and SPOP over a Map or Set. JS collections have no
// random access, so a pick walks the insertion order to a random position: one pass serves a
// whole COUNT (positions are chosen first, sorted, then collected in a single walk).
// The random source is swappable so tests can make picks reproducible.

let random: () => number = Math.random;

/** Replaces the random source (a function returning [0, 1)); returns the previous one. */
export function setRandomSource(fn: () => number): () => number {
  const prev = random;
  random = fn;
  return prev;
}

/** A uniform integer in [0, n). */
export function randomIndex(n: number): number {
  return Math.floor(random() * n);
}

/** The element at a random position of `it` (size `n` > 0). */
export function randomElement<T>(it: Iterable<T>, n: number): T {
  let i = randomIndex(n);
  for (const x of it) if (i-- === 0) return x;
  throw new Error("randomElement: collection smaller than its size");
}

/**
 * `count` distinct random elements of `it` (size `n`, count < n), in collection order.
 * Floyd's algorithm picks the positions without building an n-sized array.
 */
export function randomDistinct<T>(it: Iterable<T>, n: number, count: number): T[] {
  const picked = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = randomIndex(j + 1);
    picked.add(picked.has(t) ? j : t);
  }
  const positions = [...picked].sort((a, b) => a - b);
  const out: T[] = new Array(positions.length);
  let i = 0;
  let k = 0;
  for (const x of it) {
    if (i === positions[k]) {
      out[k++] = x;
      if (k === positions.length) break;
    }
    i++;
  }
  // Shuffle: Redis's order for a unique COUNT is unspecified but not sorted by position.
  for (let j = out.length - 1; j > 0; j--) {
    const r = randomIndex(j + 1);
    const t = out[j] as T;
    out[j] = out[r] as T;
    out[r] = t;
  }
  return out;
}

// Random picks for HRANDFIELD, SRANDMEMBER and SPOP over a hash (Map) or set (Set). JS
// collections have no random access, so:
// - a small collection (< 128 keys) is walked to a random position, which costs nothing to keep;
// - a larger one gets a side array of its keys (a WeakMap entry, dropped with the collection),
//   built on its first random pick and kept in step so later picks are O(1): SPOP of one member
//   swap-removes from it, and the commands call noteAdded / noteRemoved when they insert or
//   delete keys. A size mismatch or a pick no longer present rebuilds it, so a change made
//   without a note costs a rebuild, never a wrong answer.
// Every pick takes the random source of the keyspace it serves (KeyspaceOptions.random), so a
// seeded source makes the picks reproducible.

type Keyed = Set<string> | Map<string, unknown>;
/** A function returning a number in [0, 1), as Math.random. */
export type RandomSource = () => number;

/** A uniform integer in [0, n). */
export function randomIndex(n: number, random: RandomSource): number {
  return Math.floor(random() * n);
}

/** Below this size a walk is cheap enough, and a side array not worth its memory. */
const MIN_INDEXED = 128;
const keyArrays = new WeakMap<Keyed, string[]>();
/** False until the first side array: until then HSET/SADD pay no WeakMap lookup per new key. */
let anyIndexed = false;

/** The side array of `c`'s keys, (re)built when it does not match. */
function keyArray(c: Keyed): string[] {
  let arr = keyArrays.get(c);
  if (arr === undefined || arr.length !== c.size) {
    arr = Array.from(c.keys());
    keyArrays.set(c, arr);
    anyIndexed = true;
  }
  return arr;
}

/** Call after inserting a new key into `c` (a set member, a hash field). */
export function noteAdded(c: Keyed, key: string): void {
  if (!anyIndexed) return;
  const arr = keyArrays.get(c);
  if (arr === undefined) return;
  if (arr.length === c.size - 1) arr.push(key);
  else keyArrays.delete(c);
}

/** Call after deleting keys from `c` other than through popRandomKey. */
export function noteRemoved(c: Keyed): void {
  if (anyIndexed) keyArrays.delete(c);
}

/** Index in keyArray(c) of a random live key (rebuilding once if a pick went stale). */
function pickIndex(c: Keyed, random: RandomSource): number {
  for (let attempt = 0; ; attempt++) {
    const arr = keyArray(c);
    const i = randomIndex(arr.length, random);
    if (c.has(arr[i] as string) || attempt > 0) return i;
    keyArrays.delete(c);
  }
}

/** The element at a random position of `it` (size `n` > 0). */
function walkTo<T>(it: Iterable<T>, i: number): T {
  let j = i;
  for (const x of it) if (j-- === 0) return x;
  throw new Error("walkTo: collection smaller than its size");
}

/** A random key of a non-empty collection. */
export function randomKey(c: Keyed, random: RandomSource): string {
  if (c.size < MIN_INDEXED) return walkTo(c.keys(), randomIndex(c.size, random));
  return keyArray(c)[pickIndex(c, random)] as string;
}

/** Removes a random member of a non-empty set and returns it (SPOP without COUNT). */
export function popRandomKey(s: Set<string>, random: RandomSource): string {
  if (s.size < MIN_INDEXED) {
    const m = walkTo(s.keys(), randomIndex(s.size, random));
    s.delete(m);
    keyArrays.delete(s);
    return m;
  }
  const i = pickIndex(s, random);
  const arr = keyArray(s);
  const m = arr[i] as string;
  s.delete(m);
  const last = arr.pop() as string;
  if (i < arr.length) arr[i] = last;
  return m;
}

/**
 * `count` random keys with repetition (negative COUNT), in random order. Passed to `visit` one by
 * one so a large COUNT builds nothing of its size.
 */
export function forEachRandomKey(
  c: Keyed,
  count: number,
  random: RandomSource,
  visit: (key: string) => void,
): void {
  const arr = c.size < MIN_INDEXED ? Array.from(c.keys()) : keyArray(c);
  const n = arr.length;
  for (let j = 0; j < count; j++) visit(arr[randomIndex(n, random)] as string);
}

/**
 * `count` distinct random keys (0 < count < size), in random order. Floyd's algorithm picks the
 * positions without an n-sized scratch array; small collections are then walked once.
 */
export function randomDistinctKeys(c: Keyed, count: number, random: RandomSource): string[] {
  const n = c.size;
  const picked = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = randomIndex(j + 1, random);
    picked.add(picked.has(t) ? j : t);
  }
  const out: string[] = [];
  if (n >= MIN_INDEXED) {
    const arr = keyArray(c);
    for (const p of picked) out.push(arr[p] as string);
  } else {
    const positions = [...picked].sort((a, b) => a - b);
    let i = 0;
    let k = 0;
    for (const x of c.keys()) {
      if (i++ === positions[k]) {
        out.push(x);
        if (++k === positions.length) break;
      }
    }
  }
  // Floyd's set is not uniformly ordered, and Redis's reply order is random: shuffle.
  for (let j = out.length - 1; j > 0; j--) {
    const r = randomIndex(j + 1, random);
    const t = out[j] as string;
    out[j] = out[r] as string;
    out[r] = t;
  }
  return out;
}

// Placeholder owned by the sorted-set author: the sorted-set value (member -> score map plus a
// skip list ordered by (score, member) with span counts for ranks). The core only needs the class
// name (for TYPE, snapshots, DUMP and COPY) and `size`, `clone()`, `entries()`.
export class ZSet {
  /** Member (latin1) -> score. */
  readonly dict = new Map<string, number>();
  get size(): number {
    return this.dict.size;
  }
  /** A deep copy (COPY, snapshots). */
  clone(): ZSet {
    const z = new ZSet();
    for (const [m, s] of this.dict) z.dict.set(m, s);
    return z;
  }
  /** Members with scores in rank order. */
  *entries(): IterableIterator<[string, number]> {
    yield* [...this.dict].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

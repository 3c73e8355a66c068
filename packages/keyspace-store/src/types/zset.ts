// The sorted-set value: a member -> score Map for O(1) ZSCORE and membership, plus a skip list
// ordered by (score, member) for ranks and ranges. Both always hold the same members; mutate
// only through insert/setScore/delete (or the skip list's range deletions, which take the Map).
//
// Redis also switches between a compact listpack and the skiplist encoding; replies never
// depend on it except ZSCAN (a listpack is returned whole, in rank order) and OBJECT ENCODING,
// so the ZSet only tracks which encoding Redis would use, with Redis's conversion rules.
// The thresholds (zset-max-listpack-entries/-value) are the EncodingLimits of the keyspace the
// set belongs to, held by reference: CONFIG SET changes them in place, and the next insert sees
// the new values as Redis's zsetAdd reads server.zset_max_listpack_* each time.
import { DEFAULT_ENCODING_LIMITS, type EncodingLimits } from "../encoding.js";
import { SkipList, type ZNode } from "./skiplist.js";

export class ZSet {
  /** Member (latin1) -> score. Read freely; write only through the methods below. */
  readonly dict = new Map<string, number>();
  readonly zsl = new SkipList();
  /** True while Redis would still hold this set as a listpack. */
  listpack: boolean;

  /**
   * `sizeHint`/`maxLenHint` choose the starting encoding as Redis's zsetTypeCreate does, under
   * `limits` (its keyspace's `encodingLimits`; Redis's defaults for a set built alone).
   */
  constructor(
    sizeHint = 0,
    maxLenHint = 0,
    public limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
  ) {
    this.listpack =
      limits.zsetMaxListpackEntries > 0 &&
      sizeHint <= limits.zsetMaxListpackEntries &&
      maxLenHint <= limits.zsetMaxListpackValue;
  }

  get size(): number {
    return this.dict.size;
  }

  /** "listpack" or "skiplist", as OBJECT ENCODING reports it. */
  get encoding(): "listpack" | "skiplist" {
    return this.listpack ? "listpack" : "skiplist";
  }

  /** The member's score, or undefined. */
  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  /** Adds a member that is not present. */
  insert(member: string, score0: number): ZNode {
    if (
      this.listpack &&
      (this.dict.size + 1 > this.limits.zsetMaxListpackEntries ||
        member.length > this.limits.zsetMaxListpackValue)
    )
      this.listpack = false;
    // A listpack keeps scores as text and reads "-0" back as the integer 0.
    const score = this.listpack && score0 === 0 ? 0 : score0;
    this.dict.set(member, score);
    return this.zsl.insert(score, member);
  }

  /** Changes a present member's score. */
  setScore(member: string, cur: number, score0: number): void {
    if (cur === score0) return;
    const score = this.listpack && score0 === 0 ? 0 : score0;
    this.dict.set(member, score);
    this.zsl.updateScore(cur, member, score);
  }

  /** Marks the set as converted to a listpack (zsetConvertToListpackIfNeeded): -0 reads as 0. */
  toListpack(): void {
    this.listpack = true;
    for (let n = this.zsl.first; n !== null; n = n.next) {
      if (Object.is(n.score, -0)) {
        n.score = 0;
        this.dict.set(n.member, 0);
      }
    }
  }

  /** Adds or updates (snapshots, RESTORE, tests). */
  add(member: string, score: number): void {
    const cur = this.dict.get(member);
    if (cur === undefined) this.insert(member, score);
    else this.setScore(member, cur, score);
  }

  /** Removes a member; false if absent. */
  delete(member: string): boolean {
    const cur = this.dict.get(member);
    if (cur === undefined) return false;
    this.dict.delete(member);
    this.zsl.delete(cur, member);
    return true;
  }

  /** 0-based rank in ascending order, or -1 when absent. */
  rank(member: string): number {
    const s = this.dict.get(member);
    return s === undefined ? -1 : this.zsl.rank(s, member) - 1;
  }

  /** A deep copy (COPY, snapshots); keeps the encoding, as Redis's zsetDup does. */
  clone(): ZSet {
    const z = new ZSet(0, 0, this.limits);
    z.listpack = this.listpack;
    // Appending in rank order: each insert walks to the tail, still O(log n) per member.
    for (let n = this.zsl.first; n !== null; n = n.next) {
      z.dict.set(n.member, n.score);
      z.zsl.insert(n.score, n.member);
    }
    return z;
  }

  /** Members with scores in rank order. */
  *entries(): IterableIterator<[string, number]> {
    for (let n = this.zsl.first; n !== null; n = n.next) yield [n.member, n.score];
  }

  /**
   * Builds a set from (member, score) pairs (later duplicates win), with Redis's encoding rule
   * under `limits`.
   */
  static from(
    pairs: Iterable<readonly [string, number]>,
    limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
  ): ZSet {
    const z = new ZSet(0, 0, limits);
    for (const [m, s] of pairs) z.add(m, s);
    return z;
  }
}

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
//
// A small listpack sorted set read from an RDB file, a full sync or a RESTORE payload may stay
// that listpack until its first use (ZSet.packedListpack, see rdb/reader.ts), as Redis holds it:
// the Map and skip list (a node and a member string per member) were most of what a small
// sorted set cost to load. `dict` and `zsl` expand it first, so every reader sees the usual
// value; only `size`, OBJECT ENCODING (`listpack`), the memory accounting's sample and the RDB
// writer read the listpack itself, each giving what the expanded set would give.
import type { NodeBuffer } from "@shoal/resp-codec";
import { DEFAULT_ENCODING_LIMITS, type EncodingLimits } from "../encoding.js";
import { readListpack } from "../rdb/listpack.js";
import { strtodBytes } from "../rdb/score-text.js";
import { SkipList, type ZNode } from "./skiplist.js";

// Listpack element sinks expanding a packed set: member, then score. Module-level, so no closure
// is made per expansion.
let expandOut: ZSet | null = null;
let expandMember: string | null = null;
const expandStr = (b: Uint8Array, s: number, e: number): void => {
  if (expandMember === null) expandMember = (b as NodeBuffer).latin1Slice(s, e);
  else {
    (expandOut as ZSet).insert(expandMember, strtodBytes(b, s, e));
    expandMember = null;
  }
};
const expandInt = (v: number | bigint): void => {
  if (expandMember === null) expandMember = String(v);
  else {
    (expandOut as ZSet).insert(expandMember, Number(v));
    expandMember = null;
  }
};

export class ZSet {
  private d: Map<string, number> | null;
  private z: SkipList | null;
  /**
   * The listpack (one char per byte) of a set kept packed since it was read, until the first
   * use of `dict` or `zsl` expands it; null otherwise.
   */
  packed: string | null = null;
  /** Member count while packed. */
  private packedSize = 0;
  /** memory.ts's sample of the first MEMORY_SAMPLES members while packed, as the reader summed it. */
  packedSample = 0;
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
    packed: string | null = null,
  ) {
    // One constructor for both forms, so packed and unpacked sets share one object shape.
    this.packed = packed;
    this.d = packed === null ? new Map() : null;
    this.z = packed === null ? new SkipList() : null;
    this.listpack =
      limits.zsetMaxListpackEntries > 0 &&
      sizeHint <= limits.zsetMaxListpackEntries &&
      maxLenHint <= limits.zsetMaxListpackValue;
  }

  /**
   * A listpack-encoded set kept as `packed`, a listpack of `size` members the RDB reader
   * validated: (member, score) pairs in ascending (score, member) order, no member twice, no NaN
   * score, at most `limits.zsetMaxListpackEntries` members. `sample`: the accounting's sample.
   */
  static packedListpack(
    packed: string,
    size: number,
    sample: number,
    limits: Readonly<EncodingLimits>,
  ): ZSet {
    const z = new ZSet(0, 0, limits, packed);
    z.packedSize = size;
    z.packedSample = sample;
    z.listpack = true;
    return z;
  }

  /** Member (latin1) -> score. Read freely; write only through the methods below. */
  get dict(): Map<string, number> {
    if (this.d === null) this.expand();
    return this.d as Map<string, number>;
  }

  /** The (score, member) order. */
  get zsl(): SkipList {
    if (this.z === null) this.expand();
    return this.z as SkipList;
  }

  private expand(): void {
    const wasListpack = this.listpack;
    const lp = Buffer.from(this.packed as string, "latin1");
    this.packed = null;
    this.d = new Map();
    this.z = new SkipList();
    expandOut = this;
    expandMember = null;
    readListpack(lp, 0, lp.length, expandStr, expandInt);
    expandOut = null;
    // A member longer than zset-max-listpack-value turned the inserts above off the listpack, as
    // in the reader's eager build, which then converts the loaded set back (rdbLoadObject keeps a
    // listpack zset up to zset-max-listpack-entries): so does this. One converted while packed
    // (SORT's zsetConvert sets listpack off before it reads the set) stays converted.
    if (wasListpack && !this.listpack) this.toListpack();
  }

  get size(): number {
    return this.d === null ? this.packedSize : this.d.size;
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

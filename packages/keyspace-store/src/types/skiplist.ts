// The ordered half of a sorted set: a skip list ordered by (score, member bytes) with span counts,
// so rank lookups, "element at rank" and range starts are O(log n) (Redis's zskiplist, t_zset.c).
//
// Memory per member is measured against Redis, so a node is one small object: level 0 (the only
// level of 3 nodes in 4, p = 1/4) lives in the `next` field and its span is always 1, so it is not
// stored; higher levels live in `up`, a flat [forward1, span1, forward2, span2, ...] array that
// only taller nodes allocate. `prev` is the level-0 backward link for reverse walks.
//
// A span at level i is the number of level-0 steps the forward link jumps. For a null forward it
// holds the distance to the end of the list, which insertions rely on (as Redis's do).
//
// Members are latin1 strings (one char per byte), so JS's `<` on them is memcmp order with the
// shorter string first on a common prefix: Redis's sdscmp.

export const SKIPLIST_MAXLEVEL = 32;
const SKIPLIST_P = 0.25;

export class ZNode {
  constructor(
    public member: string,
    public score: number,
    public prev: ZNode | null,
    public next: ZNode | null,
    /** Levels 1.. as [forward, span] pairs; null for a one-level node. */
    public up: (ZNode | null | number)[] | null,
  ) {}
}

/** A score interval; `minex`/`maxex` mark `(` exclusive bounds. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** Which kind a lex bound is: a string, or the `-` / `+` sentinels. */
export const LEX_MIN = -1;
export const LEX_STR = 0;
export const LEX_MAX = 1;

/** A lex interval from `[a`, `(a`, `-`, `+` items. */
export interface LexRange {
  min: string;
  max: string;
  minKind: number;
  maxKind: number;
  minex: boolean;
  maxex: boolean;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** sdscmplex: compares a member (kind LEX_STR) or sentinel with a bound. */
function cmpLex(a: string, aKind: number, b: string, bKind: number): number {
  if (aKind === bKind && aKind !== LEX_STR) return 0;
  if (aKind === LEX_MIN || bKind === LEX_MAX) return -1;
  if (aKind === LEX_MAX || bKind === LEX_MIN) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
export function lexGteMin(v: string, r: LexRange): boolean {
  const c = cmpLex(v, LEX_STR, r.min, r.minKind);
  return r.minex ? c > 0 : c >= 0;
}
export function lexLteMax(v: string, r: LexRange): boolean {
  const c = cmpLex(v, LEX_STR, r.max, r.maxKind);
  return r.maxex ? c < 0 : c <= 0;
}
/** True when the interval itself is empty (min above max, or equal with an exclusive side). */
export function lexRangeEmpty(r: LexRange): boolean {
  const c = cmpLex(r.min, r.minKind, r.max, r.maxKind);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

// ---- Level access: level 0 is `next` with an implicit span of 1 --------------------------------

function fwd(x: ZNode, i: number): ZNode | null {
  return i === 0 ? x.next : ((x.up as (ZNode | null | number)[])[2 * i - 2] as ZNode | null);
}
function setFwd(x: ZNode, i: number, n: ZNode | null): void {
  if (i === 0) x.next = n;
  else (x.up as (ZNode | null | number)[])[2 * i - 2] = n;
}
function span(x: ZNode, i: number): number {
  return i === 0 ? 1 : ((x.up as (ZNode | null | number)[])[2 * i - 1] as number);
}
function setSpan(x: ZNode, i: number, s: number): void {
  if (i !== 0) (x.up as (ZNode | null | number)[])[2 * i - 1] = s;
}

/** (score, member) strictly before the node's? */
function before(n: ZNode, score: number, member: string): boolean {
  return n.score < score || (n.score === score && n.member < member);
}

// Scratch paths for insert/delete: commands run one at a time, so one set suffices and the hot
// path allocates nothing but the node.
const UPDATE: ZNode[] = new Array(SKIPLIST_MAXLEVEL);
const RANK = new Float64Array(SKIPLIST_MAXLEVEL);

/**
 * zslRandomLevel. Math.random, not the keyspace's random source: a node's level shapes the
 * index only, never a reply, so seeding the keyspace must not need to reach in here.
 */
function randomLevel(): number {
  let level = 1;
  while (level < SKIPLIST_MAXLEVEL && Math.random() < SKIPLIST_P) level++;
  return level;
}

export class SkipList {
  readonly header: ZNode;
  tail: ZNode | null = null;
  length = 0;
  level = 1;

  // The header's levels above level 0 are added as the list first reaches them (every walk stops
  // at `level`), not all 31 up front as zslCreate does: 62 slots were ~0.5 KB of the ~1.2 KB a
  // 3-member sorted set took, and an RDB load builds one per small sorted set.
  constructor() {
    this.header = new ZNode("", 0, null, null, []);
  }

  /** First node (lowest rank) or null. */
  get first(): ZNode | null {
    return this.header.next;
  }

  /** Inserts a member that must not be present; returns its node. */
  insert(score: number, member: string): ZNode {
    const update = UPDATE;
    const rank = RANK;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : (rank[i + 1] as number);
      for (let f = fwd(x, i); f !== null && before(f, score, member); f = fwd(x, i)) {
        rank[i] = (rank[i] as number) + span(x, i);
        x = f;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      const up = this.header.up as (ZNode | null | number)[];
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        if (up.length < 2 * i) up.push(null, 0);
        setSpan(this.header, i, this.length);
      }
      this.level = level;
    }
    const node = new ZNode(
      member,
      score,
      null,
      null,
      level > 1 ? new Array(2 * (level - 1)) : null,
    );
    const r0 = rank[0] as number;
    for (let i = 0; i < level; i++) {
      const u = update[i] as ZNode;
      setFwd(node, i, fwd(u, i));
      setFwd(u, i, node);
      if (i > 0) {
        const ri = rank[i] as number;
        setSpan(node, i, span(u, i) - (r0 - ri));
        setSpan(u, i, r0 - ri + 1);
      }
    }
    for (let i = level; i < this.level; i++) {
      const u = update[i] as ZNode;
      setSpan(u, i, span(u, i) + 1);
    }
    const p = update[0] as ZNode;
    node.prev = p === this.header ? null : p;
    if (node.next !== null) node.next.prev = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Unlinks x given the path to it in UPDATE. */
  private unlink(x: ZNode): void {
    const update = UPDATE;
    for (let i = 0; i < this.level; i++) {
      const u = update[i] as ZNode;
      if (fwd(u, i) === x) {
        if (i > 0) setSpan(u, i, span(u, i) + span(x, i) - 1);
        setFwd(u, i, fwd(x, i));
      } else {
        setSpan(u, i, span(u, i) - 1);
      }
    }
    if (x.next !== null) x.next.prev = x.prev;
    else this.tail = x.prev;
    while (this.level > 1 && fwd(this.header, this.level - 1) === null) this.level--;
    this.length--;
  }

  /** Fills UPDATE with the last node before (score, member) on each level; returns level-0 one. */
  private findPath(score: number, member: string): ZNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && before(f, score, member); f = fwd(x, i)) x = f;
      UPDATE[i] = x;
    }
    return x;
  }

  /** Removes (score, member); false if absent. */
  delete(score: number, member: string): boolean {
    const x = this.findPath(score, member).next;
    if (x === null || x.score !== score || x.member !== member) return false;
    this.unlink(x);
    return true;
  }

  /**
   * Moves a present member from `cur` to `score`. When the node keeps its place it is updated
   * in place (the common case of small increments), as zslUpdateScore does.
   */
  updateScore(cur: number, member: string, score: number): ZNode {
    const x = this.findPath(cur, member).next as ZNode;
    if ((x.prev === null || x.prev.score < score) && (x.next === null || x.next.score > score)) {
      x.score = score;
      return x;
    }
    this.unlink(x);
    return this.insert(score, member);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rank(score: number, member: string): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (
        let f = fwd(x, i);
        f !== null && (f.score < score || (f.score === score && f.member <= member));
        f = fwd(x, i)
      ) {
        rank += span(x, i);
        x = f;
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** The node at 1-based `rank`, or null when out of range. */
  byRank(rank: number): ZNode | null {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && traversed + span(x, i) <= rank; f = fwd(x, i)) {
        traversed += span(x, i);
        x = f;
      }
      if (traversed === rank) return x === this.header ? null : x;
    }
    return null;
  }

  // ---- Score ranges ---------------------------------------------------------------------------

  /** Is any element within the range (zslIsInRange)? */
  private inScoreRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !scoreGteMin(t.score, r)) return false;
    const h = this.header.next;
    return h !== null && scoreLteMax(h.score, r);
  }

  firstInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && !scoreGteMin(f.score, r); f = fwd(x, i)) x = f;
    }
    const n = x.next as ZNode;
    return scoreLteMax(n.score, r) ? n : null;
  }

  lastInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && scoreLteMax(f.score, r); f = fwd(x, i)) x = f;
    }
    return scoreGteMin(x.score, r) ? x : null;
  }

  // ---- Lex ranges (meaningful when all scores are equal, as in Redis) -------------------------

  private inLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !lexGteMin(t.member, r)) return false;
    const h = this.header.next;
    return h !== null && lexLteMax(h.member, r);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && !lexGteMin(f.member, r); f = fwd(x, i)) x = f;
    }
    const n = x.next as ZNode;
    return lexLteMax(n.member, r) ? n : null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && lexLteMax(f.member, r); f = fwd(x, i)) x = f;
    }
    return lexGteMin(x.member, r) ? x : null;
  }

  // ---- Range deletion; `dict` loses the removed members too ------------------------------------

  deleteRangeByScore(r: ScoreRange, dict: Map<string, number>): number {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && !scoreGteMin(f.score, r); f = fwd(x, i)) x = f;
      UPDATE[i] = x;
    }
    let removed = 0;
    let n = x.next;
    while (n !== null && scoreLteMax(n.score, r)) {
      const next = n.next;
      this.unlink(n);
      dict.delete(n.member);
      removed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByLex(r: LexRange, dict: Map<string, number>): number {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && !lexGteMin(f.member, r); f = fwd(x, i)) x = f;
      UPDATE[i] = x;
    }
    let removed = 0;
    let n = x.next;
    while (n !== null && lexLteMax(n.member, r)) {
      const next = n.next;
      this.unlink(n);
      dict.delete(n.member);
      removed++;
      n = next;
    }
    return removed;
  }

  /** Deletes 1-based ranks start..end inclusive. */
  deleteRangeByRank(start: number, end: number, dict: Map<string, number>): number {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = fwd(x, i); f !== null && traversed + span(x, i) < start; f = fwd(x, i)) {
        traversed += span(x, i);
        x = f;
      }
      UPDATE[i] = x;
    }
    traversed++;
    let removed = 0;
    let n = x.next;
    while (n !== null && traversed <= end) {
      const next = n.next;
      this.unlink(n);
      dict.delete(n.member);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }
}

// Cursors for SCAN, HSCAN, SSCAN and ZSCAN with Redis's guarantee: every element present for the
// whole of a scan is returned at least once, even while the collection grows, shrinks or is
// rehashed (elements added or removed meanwhile may or may not be returned; duplicates are
// allowed, as in Redis). JS Maps cannot be walked by bucket like Redis's dictScan, so:
//
// - ScanOrder is a log of keys in insertion order, each with a monotonic sequence number; a
//   cursor is "resume at the first sequence >= c". Deletions leave dead slots that are skipped
//   and compacted away (keeping sequences), so a cursor stays valid forever: stateless, like
//   Redis's. The Database keeps one for SCAN. Use it for a container whose writes you control.
// - scanContainer() walks a plain Map or Set (hash, set, zset dict) with a live JS iterator kept
//   in a small registry between calls: a Map/Set iterator visits every entry present from its
//   creation to its end exactly once whatever happens to the table (ECMAScript guarantees it).
//   A cursor whose iterator was dropped (too many scans in flight) restarts from the beginning,
//   which keeps the guarantee at the price of duplicates.
//
// The option parser mirrors scanGenericCommand() (db.c): COUNT, MATCH and, for SCAN only, TYPE.
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { argLong } from "./args.js";
import { ERR_INVALID_CURSOR, ERR_NOT_INTEGER, ERR_SYNTAX } from "./errors.js";
import { globMatcher } from "./glob.js";

// ---- Cursor and option parsing ---------------------------------------------------------------

const U64_MAX = 2n ** 64n - 1n;

/**
 * Parses a cursor as Redis's parseScanCursorOrReply (strtoul): optional sign, decimal digits, no
 * leading space, within unsigned 64 bits ("-1" wraps as strtoul does). Returns a number (cursors
 * above 2^53 lose precision, they are past any cursor Shoal hands out anyway) or null.
 */
export function parseScanCursor(arg: string): number | null {
  // strtoul reads a C string: a NUL ends the cursor ("\0x" and "" are cursor 0).
  const nul = arg.indexOf("\0");
  const s = nul < 0 ? arg : arg.slice(0, nul);
  if (s.length === 0) return 0;
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (!m) return null;
  const digits = m[2] as string;
  if (digits.length === 0) return m[1] === "" ? 0 : null;
  let v = BigInt(digits);
  if (v > U64_MAX) return null;
  if (m[1] === "-" && v !== 0n) v = U64_MAX + 1n - v;
  return Number(v);
}

export interface ScanOptions {
  cursor: number;
  /** COUNT (default 10). */
  count: number;
  /** MATCH as a predicate, or null when absent or "*". */
  match: ((s: string) => boolean) | null;
  /** TYPE filter (SCAN only), lowercase as the client gave it; null when absent. */
  type: string | null;
}

/**
 * Parses `cursor [MATCH p] [COUNT n] [TYPE t]` starting at argument `cursorIndex`. On an error it
 * replies with Redis's text and returns null. `allowType` is true for SCAN only.
 */
export function parseScanArgs(
  args: CommandArgs,
  cursorIndex: number,
  allowType: boolean,
  reply: ReplyWriter,
): ScanOptions | null {
  const cursor = parseScanCursor(args.latin1(cursorIndex));
  if (cursor === null) {
    reply.error(ERR_INVALID_CURSOR);
    return null;
  }
  return parseScanOptions(args, cursorIndex + 1, allowType, cursor, reply);
}

/** The option part of parseScanArgs, for commands that look the key up between the two. */
export function parseScanOptions(
  args: CommandArgs,
  from: number,
  allowType: boolean,
  cursor: number,
  reply: ReplyWriter,
): ScanOptions | null {
  const opts: ScanOptions = { cursor, count: 10, match: null, type: null };
  for (let i = from; i < args.argc; ) {
    const left = args.argc - i;
    if (left >= 2 && args.is(i, "count")) {
      const n = argLong(args, i + 1);
      if (n === null) {
        reply.error(ERR_NOT_INTEGER);
        return null;
      }
      if (n < 1) {
        reply.error(ERR_SYNTAX);
        return null;
      }
      opts.count = n;
      i += 2;
    } else if (left >= 2 && args.is(i, "match")) {
      opts.match = globMatcher(args.latin1(i + 1));
      i += 2;
    } else if (left >= 2 && allowType && args.is(i, "type")) {
      opts.type = args.latin1(i + 1).toLowerCase();
      i += 2;
    } else {
      reply.error(ERR_SYNTAX);
      return null;
    }
  }
  return opts;
}

/** Writes a SCAN-family reply: [cursor as a bulk string, [elements...]]. */
export function replyScan(reply: ReplyWriter, cursor: number, elements: readonly string[]): void {
  reply.array(2);
  reply.bulkLatin1(String(cursor));
  reply.array(elements.length);
  for (const e of elements) reply.bulkLatin1(e);
}

// ---- ScanOrder: a stateless cursor over keys in insertion order ------------------------------

/**
 * Insertion-ordered key log with monotonic sequence numbers. The owner calls `added(key)` when a
 * key is inserted (not on overwrite), `removed()` when one is deleted, `reset()` when emptied;
 * `liveKeys()` must yield the live keys in insertion order (a Map's or Set's own order) and
 * `isLive(key)` tell whether a key is present. A key removed and re-added has two slots until the
 * next compaction; both are visited (a duplicate, which SCAN allows).
 */
export class ScanOrder<K = string> {
  private keys: K[] = [];
  private seqs: number[] = [];
  private nextSeq = 1;
  private dead = 0;
  /**
   * The log costs ~16 bytes per key, so it is only built at the first scan() or sample() (from
   * liveKeys(), whose order is the insertion order) and kept up to date from then on.
   */
  private active = false;

  /** `firstSeq` > every cursor a previous log of the same collection handed out, if any. */
  constructor(
    private readonly liveKeys: () => Iterable<K>,
    private readonly isLive: (key: K) => boolean,
    firstSeq = 1,
  ) {
    this.nextSeq = firstSeq;
  }

  /** The next sequence number: a successor log starting here invalidates no cursor silently. */
  get next(): number {
    return this.nextSeq;
  }

  /** Slots held, dead ones included (for memory estimates and tests). */
  get slots(): number {
    return this.keys.length;
  }

  added(key: K): void {
    if (!this.active) return;
    this.keys.push(key);
    this.seqs.push(this.nextSeq++);
  }

  removed(): void {
    if (!this.active) return;
    this.dead++;
    if (this.dead > 64 && this.dead * 2 > this.keys.length) this.compact();
  }

  /** A key from a random slot (possibly dead: check it), or undefined when the log is empty. */
  sample(random: () => number): K | undefined {
    this.activate();
    const n = this.keys.length;
    return n === 0 ? undefined : this.keys[Math.floor(random() * n)];
  }

  reset(): void {
    this.keys = [];
    this.seqs = [];
    this.dead = 0;
    // nextSeq keeps growing: an old cursor must never point into new keys' past.
  }

  /**
   * Visits up to `count` live keys from `cursor` on (skipping at most 10*count dead slots, so a
   * call is bounded) and returns the cursor to continue from, 0 when the walk reached the end.
   */
  scan(cursor: number, count: number, visit: (key: K) => void): number {
    this.activate();
    const keys = this.keys;
    const seqs = this.seqs;
    let i = cursor <= 1 ? 0 : lowerBound(seqs, cursor);
    let live = 0;
    let budget = count * 10;
    // A key deleted and re-added has two slots until the next compaction: never return it twice
    // in one reply (across replies it may come twice, as SCAN allows).
    const seen = this.dead > 0 ? new Set<K>() : null;
    for (; i < keys.length && live < count && budget > 0; i++, budget--) {
      const k = keys[i] as K;
      if (!this.isLive(k)) continue;
      if (seen !== null) {
        if (seen.has(k)) continue;
        seen.add(k);
      }
      live++;
      visit(k);
    }
    return i < keys.length ? (seqs[i] as number) : 0;
  }

  private activate(): void {
    if (this.active) return;
    this.active = true;
    this.keys = Array.from(this.liveKeys());
    // Fresh sequences after every one handed out before: an older cursor restarts the walk.
    const seqs = new Array<number>(this.keys.length);
    for (let i = 0; i < seqs.length; i++) seqs[i] = this.nextSeq++;
    this.seqs = seqs;
    this.dead = 0;
  }

  /**
   * Drops dead slots keeping each live key's latest slot and its sequence. Live keys in
   * insertion order are exactly the latest slots in log order, so walking both from the end
   * pairs each live key with its latest slot.
   */
  private compact(): void {
    const live = Array.from(this.liveKeys());
    const seqs = new Array<number>(live.length);
    let i = this.keys.length - 1;
    for (let m = live.length - 1; m >= 0; m--) {
      const k = live[m] as K;
      while (i >= 0 && this.keys[i] !== k) i--;
      // i < 0 would mean the owner broke the contract (a key never announced): give it a fresh
      // sequence rather than lose it.
      seqs[m] = i >= 0 ? (this.seqs[i] as number) : this.nextSeq++;
      i--;
    }
    // Sequences must stay increasing for the binary search; a contract breach above could break
    // that, so renumber forward in that (never expected) case.
    for (let m = 1; m < seqs.length; m++) {
      if ((seqs[m] as number) <= (seqs[m - 1] as number)) seqs[m] = (seqs[m - 1] as number) + 1;
    }
    if (seqs.length > 0)
      this.nextSeq = Math.max(this.nextSeq, (seqs[seqs.length - 1] as number) + 1);
    this.keys = live;
    this.seqs = seqs;
    this.dead = 0;
  }
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---- scanContainer: cursors over plain Maps and Sets ------------------------------------------

interface Parked {
  /** The walked collection (the iterator holds it anyway); checked so cursors are not mixed up. */
  container: object;
  iter: Iterator<unknown>;
  /** A value already taken from `iter` but not yet returned (COUNT was reached). */
  pending: IteratorResult<unknown> | null;
  /** When it was parked (ms): idle walks are dropped so they stop holding their collection. */
  at: number;
}

/** Live iterators between calls, oldest first; bounded so abandoned scans cost nothing for long. */
const parked = new Map<number, Parked>();
const MAX_PARKED = 4096;
const MAX_IDLE_MS = 5 * 60_000;
let nextToken = 1;

/**
 * One step of HSCAN/SSCAN/ZSCAN over a Map (visit gets key and value) or a Set (value undefined):
 * visits about `count` elements from `cursor` and returns the next cursor (0 when done).
 * With `whole` (Redis's small encodings: listpack, intset) everything is visited at once and the
 * cursor is 0, as Redis replies for those.
 *
 * Example, an SSCAN: `const next = scanContainer(set, opts.cursor, opts.count, false, (m) => {
 * if (!opts.match || opts.match(m)) out.push(m); }); replyScan(reply, next, out);`
 */
export function scanContainer<K, V>(
  container: Map<K, V> | Set<K>,
  cursor: number,
  count: number,
  whole: boolean,
  visit: (key: K, value: V | undefined) => void,
): number {
  const isMap = container instanceof Map;
  if (whole) {
    if (isMap) for (const [k, v] of container as Map<K, V>) visit(k, v);
    else for (const k of container as Set<K>) visit(k, undefined);
    return 0;
  }
  let state = cursor === 0 ? undefined : parked.get(cursor);
  if (state !== undefined) {
    parked.delete(cursor);
    if (state.container !== container) state = undefined;
  }
  if (state === undefined) {
    // Cursor 0, or a cursor we no longer hold: (re)start, which can only add duplicates.
    state = { container, iter: container.entries(), pending: null, at: 0 };
  }
  const iter = state.iter as Iterator<[K, V] | [K, K]>;
  let n = 0;
  let r = (state.pending as IteratorResult<[K, V] | [K, K]> | null) ?? iter.next();
  // Iterators never revisit entries and skip deleted ones; `pending` may have been deleted since.
  while (!r.done) {
    const k = r.value[0];
    if (state.pending === null) {
      visit(k, isMap ? (r.value[1] as V) : undefined);
      n++;
    } else if (container.has(k)) {
      // Taken last call and parked: it may have changed or gone since.
      visit(k, isMap ? (container as Map<K, V>).get(k) : undefined);
      n++;
    }
    state.pending = null;
    r = iter.next();
    if (n >= count) break;
  }
  if (r.done) return 0;
  state.pending = r;
  const now = Date.now();
  state.at = now;
  const token = nextToken++;
  parked.set(token, state);
  // Oldest first: drop walks over the cap or idle too long (their clients restart if they return).
  for (const [t, p] of parked) {
    if (parked.size <= MAX_PARKED && now - p.at < MAX_IDLE_MS) break;
    parked.delete(t);
  }
  return token;
}

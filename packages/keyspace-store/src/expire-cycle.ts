// The active expiry cycle (Redis's activeExpireCycle in expire.c): lazy expiry alone never frees
// keys that nobody reads, so a timer samples keys that have a TTL and deletes the expired ones.
// Like Redis it walks each database's TTL table with a cursor that survives between calls (so
// successive cycles cover the whole table), takes 20 keys per round, keeps going while more than
// a quarter of a round was expired (many expired keys left), and stops when its time budget is
// spent: the clock is read every 16 rounds, so one call never holds the event loop much longer
// than the budget whatever the table holds.
import type { Database, Keyspace } from "./keyspace.js";

/** Keys sampled per round (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
export const KEYS_PER_LOOP = 20;
/** Keep sampling a database while more than this share of a round was expired. */
export const ACCEPTABLE_STALE = 0.25;

export interface ExpireCycleResult {
  /** Keys sampled (looked at) in this call. */
  sampled: number;
  /** Keys deleted because their TTL had passed. */
  expired: number;
  /** True when the call stopped on its time budget rather than for lack of expired keys. */
  timedOut: boolean;
}

export function runActiveExpireCycle(
  ks: Keyspace,
  now: number,
  budgetMs: number,
  clock: () => number = performance.now.bind(performance),
): ExpireCycleResult {
  const result: ExpireCycleResult = { sampled: 0, expired: 0, timedOut: false };
  // A replica never deletes on its own: the master's DELs do (keys still read as missing).
  if (!ks.deleteExpired) return result;
  const start = clock();
  const n = ks.dbs.length;
  let rounds = 0;
  for (let d = 0; d < n; d++) {
    const db = ks.dbs[ks.expireDbCursor % n] as Database;
    ks.expireDbCursor = (ks.expireDbCursor + 1) % n;
    for (;;) {
      if (db.expires.size === 0) break;
      const want = Math.min(KEYS_PER_LOOP, db.expires.size);
      let sampled = 0;
      let expired = 0;
      let ttlSum = 0;
      let ttlSamples = 0;
      let iter = db.expireIter ?? db.expires.entries();
      let restarted = false;
      while (sampled < want) {
        const r = iter.next();
        if (r.done) {
          // End of the table: start over on the next call, or now if this round is short.
          if (restarted) break;
          restarted = true;
          iter = db.expires.entries();
          continue;
        }
        sampled++;
        const [key, when] = r.value;
        // activeExpireCycleTryExpire: `now > t`; a TTL of 0 left is not sampled either.
        if (when < now) {
          db.expireNow(key);
          expired++;
        } else if (when > now) {
          ttlSum += when - now;
          ttlSamples++;
        }
      }
      db.expireIter = iter;
      result.sampled += sampled;
      result.expired += expired;
      if (ttlSamples > 0) {
        // Redis's running estimate: the new sample weighs 2% of the result.
        const avg = ttlSum / ttlSamples;
        db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
      }
      rounds++;
      if ((rounds & 15) === 0 && clock() - start > budgetMs) {
        // Resume with this database next time: it is the one that still has work.
        ks.expireDbCursor = (ks.expireDbCursor + n - 1) % n;
        result.timedOut = true;
        return result;
      }
      if (sampled === 0 || expired <= sampled * ACCEPTABLE_STALE) break;
    }
  }
  return result;
}

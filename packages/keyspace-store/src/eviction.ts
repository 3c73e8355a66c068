// Choosing the key to evict, as Redis 7.0's src/evict.c does (evictionPoolPopulate and the key
// selection of performEvictions): the memory check, the time limit and the deletion's effects are
// the server's (apps/server/src/memory/evict.ts).
//
// The approximated LRU/LFU/TTL: each round samples `maxmemory-samples` keys of every database and
// merges them into a pool of the 16 best candidates seen so far, sorted by "idle" (idle time for
// LRU, 255 - counter for LFU, the inverse of the expiry time for volatile-ttl); the best one that
// still exists is evicted. The pool persists between evictions, so good candidates found earlier
// stay in the running. Random policies pick one key per database in turn.
//
// Sampling differs from Redis's dictGetSomeKeys (random buckets), which JS Maps don't expose:
// allkeys-* pick random slots of the database's key log (the one SCAN and RANDOMKEY use, scan.ts);
// volatile-lru/-lfu/-ttl walk `expires` round-robin with a live iterator, `samples` keys per
// round, as the active expiry cycle does (volatile-random tries random slots first). Both see
// every key over time; neither allocates per key.
import type { Database, Keyspace } from "./keyspace.js";
import { estimateIdleMs } from "./lru-lfu.js";

/** Redis's EVPOOL_SIZE. */
export const EVPOOL_SIZE = 16;

/** The eight maxmemory-policy values, as redis.conf spells them. */
export const MAXMEMORY_POLICIES = [
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "noeviction",
] as const;

export type MaxmemoryPolicy = (typeof MAXMEMORY_POLICIES)[number];

/** A key chosen for eviction. */
export interface EvictionPick {
  db: Database;
  key: string;
}

export class EvictionPool {
  /** Candidates sorted by ascending idle; the best (largest idle) at the highest index. */
  private readonly keys: (string | null)[] = new Array(EVPOOL_SIZE).fill(null);
  private readonly idle: number[] = new Array(EVPOOL_SIZE).fill(0);
  private readonly dbids: number[] = new Array(EVPOOL_SIZE).fill(0);
  /** performEvictions's static next_db: random policies visit the databases in turn. */
  private nextDb = 0;

  constructor(private readonly ks: Keyspace) {}

  /**
   * The next key to evict under `policy`, or undefined when there is none (no keys, or no keys
   * with a TTL for volatile-*). `now` in unix ms.
   */
  pick(policy: string, samples: number, now: number): EvictionPick | undefined {
    const ks = this.ks;
    const allkeys = policy.startsWith("allkeys-");
    if (policy.endsWith("-random")) {
      const n = ks.dbs.length;
      for (let i = 0; i < n; i++) {
        this.nextDb = (this.nextDb + 1) % n;
        const db = ks.dbs[this.nextDb] as Database;
        const key = allkeys ? db.randomKey(now) : this.randomVolatile(db);
        if (key !== undefined) return { db, key };
      }
      return undefined;
    }
    for (;;) {
      let total = 0;
      for (const db of ks.dbs) {
        const n = allkeys ? db.size : db.expires.size;
        if (n === 0) continue;
        this.populate(db, policy, allkeys, samples, now);
        total += n;
      }
      if (total === 0) return undefined;
      // From the best candidate down; one deleted since it was sampled is a ghost: skip it.
      for (let k = EVPOOL_SIZE - 1; k >= 0; k--) {
        const key = this.keys[k];
        if (key === null || key === undefined) continue;
        const db = ks.dbs[this.dbids[k] as number] as Database;
        this.keys[k] = null;
        this.idle[k] = 0;
        if (allkeys ? db.dict.has(key) : db.expires.has(key)) return { db, key };
      }
    }
  }

  /**
   * A key with a TTL picked at random (dictGetRandomKey on `expires`): random slots of the key
   * log until one has a TTL, then, when TTL keys are too rare for that, the round-robin walk.
   */
  private randomVolatile(db: Database): string | undefined {
    if (db.expires.size === 0) return undefined;
    for (let i = 0; i < 16; i++) {
      const key = db.sampleKey();
      if (key !== undefined && db.expires.has(key)) return key;
    }
    return this.sampleVolatile(db, 1, null);
  }

  /** Forgets every candidate (FLUSHALL, SWAPDB: the keys they name are gone or moved). */
  clear(): void {
    this.keys.fill(null);
  }

  /** evictionPoolPopulate: samples one database and merges its keys into the pool. */
  private populate(
    db: Database,
    policy: string,
    allkeys: boolean,
    samples: number,
    now: number,
  ): void {
    const visit = (key: string) => this.insert(db.index, key, this.idleOf(db, key, policy, now));
    if (allkeys) {
      // Random slots of the key log; a dead slot (a deleted key) is skipped, as an empty bucket.
      for (let i = 0, tries = 0; i < samples && tries < samples * 3; tries++) {
        const key = db.sampleKey();
        if (key === undefined || !db.dict.has(key)) continue;
        visit(key);
        i++;
      }
    } else this.sampleVolatile(db, samples, visit);
  }

  /**
   * Walks `samples` keys of `expires` from where the last walk stopped (wrapping once); calls
   * `visit` on each when given. Returns the last key seen.
   */
  private sampleVolatile(
    db: Database,
    samples: number,
    visit: ((key: string) => void) | null,
  ): string | undefined {
    let last: string | undefined;
    let iter = db.evictIter ?? db.expires.keys();
    let wrapped = false;
    for (let i = 0; i < samples && i < db.expires.size; ) {
      const r = iter.next();
      if (r.done) {
        if (wrapped) break;
        wrapped = true;
        iter = db.expires.keys();
        continue;
      }
      last = r.value;
      visit?.(last);
      i++;
    }
    db.evictIter = iter;
    return last;
  }

  /** The sort key of a candidate: larger is evicted first. */
  private idleOf(db: Database, key: string, policy: string, now: number): number {
    if (policy.endsWith("-lru")) return estimateIdleMs(db.accessRecord(key), now);
    if (policy.endsWith("-lfu")) return 255 - db.lfuFrequency(key, now);
    // volatile-ttl: the sooner it expires, the better a candidate.
    return Number.MAX_SAFE_INTEGER - (db.expires.get(key) ?? 0);
  }

  /** The insertion step of evictionPoolPopulate: keeps the pool sorted by ascending idle. */
  private insert(dbid: number, key: string, idle: number): void {
    const keys = this.keys;
    const idles = this.idle;
    const dbids = this.dbids;
    let k = 0;
    while (k < EVPOOL_SIZE && keys[k] !== null && (idles[k] as number) < idle) k++;
    if (k === 0 && keys[EVPOOL_SIZE - 1] !== null) return; // worse than everything in a full pool
    // The same key sampled again takes one slot only (Redis's pool can't meet a key twice in a
    // row: it samples distinct buckets, then evicts).
    for (let i = 0; i < EVPOOL_SIZE; i++) if (keys[i] === key && dbids[i] === dbid) return;
    if (k < EVPOOL_SIZE && keys[k] === null) {
      // An empty slot: nothing to move.
    } else if (keys[EVPOOL_SIZE - 1] === null) {
      // Room on the right: shift k.. one place right.
      for (let i = EVPOOL_SIZE - 1; i > k; i--) {
        keys[i] = keys[i - 1] as string | null;
        idles[i] = idles[i - 1] as number;
        dbids[i] = dbids[i - 1] as number;
      }
    } else {
      // Full: drop the worst (index 0), shift 1..k-1 left, insert at k-1.
      k--;
      for (let i = 0; i < k; i++) {
        keys[i] = keys[i + 1] as string | null;
        idles[i] = idles[i + 1] as number;
        dbids[i] = dbids[i + 1] as number;
      }
    }
    keys[k] = key;
    idles[k] = idle;
    dbids[k] = dbid;
  }
}

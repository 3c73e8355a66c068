// A key's access record, as Redis keeps it in the 24 `lru` bits of its robj: under an LRU (or no)
// policy the time of the last access, under an LFU policy the 16-bit minute of the last decrement
// (`ldt`) and the 8-bit logarithmic access counter. Mirrors LFUGetTimeInMinutes,
// LFUTimeElapsed, LFULogIncr, LFUDecrAndReturn and updateLFU in src/evict.c / src/db.c (Redis
// 7.0), so OBJECT FREQ answers what Redis answers for the same access sequence.
//
// Shoal stores the record as one Smi per key in Database.lru (no per-access allocation), in
// Redis's own encodings, so switching policies reinterprets records exactly as Redis does.

/** Redis's LRU_CLOCK_MAX: the LRU clock is unix seconds modulo 2^24 (it wraps every 194 days). */
const LRU_CLOCK_MAX = (1 << 24) - 1;

/** LRU_CLOCK(): the LRU record of a key accessed at `nowMs`. */
export const lruClock = (nowMs: number): number => Math.floor(nowMs / 1000) & LRU_CLOCK_MAX;

/** estimateObjectIdleTime: milliseconds since an LRU record's access, across the clock's wrap. */
export function estimateIdleMs(record: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  return (clock >= record ? clock - record : clock + (LRU_CLOCK_MAX - record)) * 1000;
}

/**
 * objectSetLRUOrLFU's LRU half: the record of a key last accessed `idle` seconds before `nowMs`
 * (RESTORE IDLETIME, an RDB's IDLE opcode); one too old for the clock lands half-way round it.
 */
export function lruRecordIdle(idle: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  const abs = clock - idle;
  return abs < 0 ? (clock + LRU_CLOCK_MAX / 2) % LRU_CLOCK_MAX : abs;
}

/** Redis's LFU_INIT_VAL: a new key starts at 5 so it is not evicted before it gets a chance. */
export const LFU_INIT_VAL = 5;

/** Minutes since the epoch modulo 2^16 (LFUGetTimeInMinutes). */
export const lfuTimeInMinutes = (nowMs: number): number => Math.floor(nowMs / 60000) & 65535;

/** The LFU record of a key created at `nowMs` (createObject under an LFU policy). */
export const lfuInitRecord = (nowMs: number): number =>
  (lfuTimeInMinutes(nowMs) << 8) | LFU_INIT_VAL;

/** Minutes since `ldt`, the 16-bit clock wrapping as LFUTimeElapsed allows. */
function lfuTimeElapsed(ldt: number, nowMs: number): number {
  const now = lfuTimeInMinutes(nowMs);
  return now >= ldt ? now - ldt : 65535 - ldt + now;
}

/**
 * The counter of an LFU record after its decay (LFUDecrAndReturn): one step down per
 * `lfu-decay-time` minutes since the record's `ldt` (no decay when that setting is 0).
 */
export function lfuDecrAndReturn(record: number, nowMs: number, decayTime: number): number {
  const counter = record & 255;
  const periods = decayTime !== 0 ? Math.floor(lfuTimeElapsed(record >>> 8, nowMs) / decayTime) : 0;
  if (periods === 0) return counter;
  return periods > counter ? 0 : counter - periods;
}

/**
 * LFULogIncr: the counter grows with probability 1 / ((counter - LFU_INIT_VAL) * logFactor + 1),
 * so reaching 255 takes about a million hits at the default factor of 10. With factor 0 every
 * access counts, which makes sequences reproducible in tests.
 */
export function lfuLogIncr(counter: number, logFactor: number, random: () => number): number {
  if (counter === 255) return 255;
  const base = counter - LFU_INIT_VAL;
  const p = 1 / (Math.max(base, 0) * logFactor + 1);
  return random() < p ? counter + 1 : counter;
}

/** The tunables of the LFU counter (lfu-log-factor, lfu-decay-time). */
export interface LfuSettings {
  logFactor: number;
  decayTime: number;
}

/** updateLFU: a record after one access at `nowMs` (decay, then a logarithmic increment). */
export function lfuTouch(
  record: number,
  nowMs: number,
  s: LfuSettings,
  random: () => number,
): number {
  const counter = lfuLogIncr(lfuDecrAndReturn(record, nowMs, s.decayTime), s.logFactor, random);
  return (lfuTimeInMinutes(nowMs) << 8) | counter;
}

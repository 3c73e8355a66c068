// Memory given back after big deletions. A value's bytes past a few KB live in a Buffer outside
// V8's heap, and Node frees them only when a major GC finds the Buffer unreachable. V8 runs GCs
// when JavaScript allocates; a node that deletes a 500 MB value (DEL, FLUSHALL, an overwrite, an
// expiry, an eviction) and then sits idle runs none, and the 500 MB stay resident for as long as
// it stays idle (measured: over 10 s after DEL and FLUSHALL, until the next big allocation).
//
// So the cron looks for memory freed since the last GC, two ways: the keyspace's running
// accounting (Keyspace.datasetBytes, what eviction reads too) fallen below its high mark, which
// sees small keys (in V8's heap) go; and the bytes of ArrayBuffers accounted neither to the
// keyspace nor to the clients' buffers (a big argument being read is counted at its full size)
// grown above their low mark since that GC, which sees big values go even when they came and
// went between two cron runs (garbage Buffers stay counted until collected). Once either reaches
// MIN_FREED_BYTES, it asks V8 for a major GC with vm.measureMemory({ execution: "eager" }), the
// documented call that starts one at once without --expose-gc, at most once per
// MIN_INTERVAL_MS. That GC is one V8 would run anyway; its pause grows with the number of keys,
// not with the bytes freed (about 0.1 s for a million small keys here). Redis's lazyfree frees
// in a background thread; V8 frees during the GC, so lazyfree's settings change nothing here.
import vm from "node:vm";

/** Freed bytes worth a GC. */
export const MIN_FREED_BYTES = 64 * 1024 * 1024;
const MIN_INTERVAL_MS = 1000;

export class MemoryReclaim {
  /** The highest accounting figure since the last GC. */
  private high = 0;
  /** The low mark of ArrayBuffer bytes beyond the accounting since the last GC (null: none yet). */
  private unaccountedLow: number | null = null;
  private lastGc = 0;
  private running = false;
  /** GCs asked for. */
  gcRequests = 0;

  constructor(
    private readonly datasetBytes: () => number,
    private readonly clientBytes: () => number,
  ) {}

  /** From the server cron. */
  cron(now: number): void {
    if (this.running) return;
    const dataset = this.datasetBytes();
    if (dataset > this.high) this.high = dataset;
    const unaccounted = process.memoryUsage().arrayBuffers - dataset - this.clientBytes();
    if (this.unaccountedLow === null || unaccounted < this.unaccountedLow)
      this.unaccountedLow = unaccounted;
    const freed = Math.max(this.high - dataset, unaccounted - this.unaccountedLow);
    if (freed < MIN_FREED_BYTES || now - this.lastGc < MIN_INTERVAL_MS) return;
    this.lastGc = now;
    this.running = true;
    this.gcRequests++;
    requestMajorGc().finally(() => {
      this.running = false;
      this.high = this.datasetBytes();
      this.unaccountedLow = null;
    });
  }
}

let warned = false;

/**
 * Starts a major GC now. Node flags vm.measureMemory as experimental with a one-time warning on
 * stderr; a server's stderr is its log, so that one warning is kept out of it (warnings are
 * emitted on the next tick: the listeners come back after it).
 */
function requestMajorGc(): Promise<unknown> {
  let restore: (() => void) | null = null;
  if (!warned) {
    warned = true;
    const listeners = process.listeners("warning");
    process.removeAllListeners("warning");
    restore = () => {
      for (const l of listeners) process.on("warning", l);
    };
  }
  try {
    return vm.measureMemory({ mode: "summary", execution: "eager" }).catch(() => undefined);
  } finally {
    if (restore) setImmediate(restore);
  }
}

// Virtual clock and event queue: a binary heap ordered by (time, insertion sequence), so events
// at the same virtual millisecond run in a deterministic order.

interface Event {
  at: number;
  seq: number;
  fn: () => void;
}

/** Virtual time starts at a realistic wall-clock value (ms since the epoch), as Redis's timers assume. */
export const SIM_EPOCH_MS = 1_795_576_800_000;

export class Scheduler {
  now = SIM_EPOCH_MS;
  private heap: Event[] = [];
  private seq = 0;
  /** Events run so far. */
  executed = 0;

  schedule(delay: number, fn: () => void): void {
    const ev = { at: this.now + Math.max(0, delay), seq: this.seq++, fn };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, ev)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs the next event; false when the queue is empty. */
  step(): boolean {
    const h = this.heap;
    if (h.length === 0) return false;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && less(h[r]!, h[l]!) ? r : l;
        if (less(last, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    this.now = top.at;
    this.executed++;
    top.fn();
    return true;
  }

  /** Runs every event up to virtual time `t` (inclusive), then sets the clock to t. */
  runUntil(t: number): void {
    while (this.heap.length > 0 && this.heap[0]!.at <= t) this.step();
    if (this.now < t) this.now = t;
  }
}

function less(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

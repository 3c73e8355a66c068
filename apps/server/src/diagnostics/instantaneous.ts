// INFO stats' instantaneous_* figures, as Redis's trackInstantaneousMetric() computes them: the
// server cron samples a running total every 100 ms, and the figure is the mean rate of the last
// 16 samples (per second), so a burst shows up within a second and fades within two.

const SAMPLES = 16;
/** How often the cron takes a sample (Redis: run_with_period(100)). */
export const SAMPLE_PERIOD_MS = 100;

export class InstantaneousMetric {
  private readonly samples = new Float64Array(SAMPLES);
  private idx = 0;
  private lastTime: number;
  private lastTotal = 0;

  constructor(now: number) {
    this.lastTime = now;
  }

  /** Records the rate since the previous sample from the running total `total` at `now`. */
  sample(total: number, now: number): void {
    const dt = now - this.lastTime;
    if (dt <= 0) return;
    this.samples[this.idx] = ((total - this.lastTotal) * 1000) / dt;
    this.idx = (this.idx + 1) % SAMPLES;
    this.lastTime = now;
    this.lastTotal = total;
  }

  /** Mean per-second rate over the kept samples (Redis's getInstantaneousMetric). */
  get(): number {
    let sum = 0;
    for (let i = 0; i < SAMPLES; i++) sum += this.samples[i]!;
    return sum / SAMPLES;
  }
}

/** The rates Redis reports: commands, client bytes in/out, replication bytes in/out. */
export class InstantaneousMetrics {
  readonly ops: InstantaneousMetric;
  readonly netInput: InstantaneousMetric;
  readonly netOutput: InstantaneousMetric;
  readonly replInput: InstantaneousMetric;
  readonly replOutput: InstantaneousMetric;
  private lastSample: number;

  constructor(now: number) {
    this.ops = new InstantaneousMetric(now);
    this.netInput = new InstantaneousMetric(now);
    this.netOutput = new InstantaneousMetric(now);
    this.replInput = new InstantaneousMetric(now);
    this.replOutput = new InstantaneousMetric(now);
    this.lastSample = now;
  }

  /** Called from the cron with the running totals; samples at most every SAMPLE_PERIOD_MS. */
  track(
    now: number,
    totals: { ops: number; netIn: number; netOut: number; replIn: number; replOut: number },
  ): void {
    if (now - this.lastSample < SAMPLE_PERIOD_MS) return;
    this.lastSample = now;
    this.ops.sample(totals.ops, now);
    this.netInput.sample(totals.netIn, now);
    this.netOutput.sample(totals.netOut, now);
    this.replInput.sample(totals.replIn, now);
    this.replOutput.sample(totals.replOut, now);
  }
}

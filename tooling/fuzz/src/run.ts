// A fuzz run: batches of one seed until the command budget (or time budget) is spent. Each new
// failure (kind + command) is re-run to confirm it, shrunk, and printed with its replay line;
// repeats of a failure already seen are only counted.
import { type Failure, Fuzzer } from "./fuzzer.js";
import type { Step } from "./generate.js";

export interface RunOptions {
  commands: number;
  seed: number;
  /** Replay only this batch. */
  batch?: number;
  firstBatch?: number;
  timeBudgetMs?: number;
  shrink?: boolean;
  stepsPerBatch?: number;
  log?: (line: string) => void;
  progressEveryMs?: number;
  fuzzer?: Fuzzer;
}

export interface Found {
  failure: Failure;
  batch: number;
  reproducible: boolean;
  shrunk: Step[];
  replay: string;
  reproducer: string;
  count: number;
}

export interface RunSummary {
  seed: number;
  commands: number;
  steps: number;
  batches: number;
  seconds: number;
  found: Found[];
  flaky: number;
  known: Record<string, number>;
  perEntry: Record<string, number>;
  /** Failures that are reproducible (the run fails on any). */
  failures: number;
}

export async function runFuzz(opts: RunOptions): Promise<RunSummary> {
  const log = opts.log ?? console.log;
  const fz =
    opts.fuzzer ??
    (await Fuzzer.start({ ...(opts.stepsPerBatch ? { stepsPerBatch: opts.stepsPerBatch } : {}) }));
  const t0 = performance.now();
  const sum: RunSummary = {
    seed: opts.seed,
    commands: 0,
    steps: 0,
    batches: 0,
    seconds: 0,
    found: [],
    flaky: 0,
    known: {},
    perEntry: {},
    failures: 0,
  };
  const seen = new Map<string, Found>();
  let lastProgress = t0;
  try {
    let b = opts.batch ?? opts.firstBatch ?? 0;
    for (;;) {
      if (opts.batch === undefined && sum.commands >= opts.commands) break;
      if (opts.batch !== undefined && b > opts.batch) break;
      if (opts.timeBudgetMs && performance.now() - t0 > opts.timeBudgetMs) break;
      const { proto, steps } = fz.generate(opts.seed, b);
      const res = await fz.execute(proto, steps);
      sum.commands += res.commands;
      sum.steps += res.steps;
      sum.batches++;
      for (const s of steps.slice(0, res.steps))
        sum.perEntry[s.name] = (sum.perEntry[s.name] ?? 0) + 1;
      for (const k of res.known) sum.known[k.why] = (sum.known[k.why] ?? 0) + 1;
      const f = res.failure;
      if (f) {
        const key = `${f.kind} ${f.entry}`;
        const prev = seen.get(key);
        if (prev) prev.count++;
        else {
          const reproducible = await fz.reproduces(f);
          // A reply or digest difference that does not come back is a timing flake (a TTL
          // passing between two reads); a crash or a hang fails the run even once.
          if (!reproducible && f.kind !== "crash" && f.kind !== "hang") {
            sum.flaky++;
            log(`flaky (did not reproduce): seed ${opts.seed} batch ${b}: ${fz.describe(f)}`);
          } else {
            // A hang costs a step timeout and a restart per attempt: not shrunk, the failing
            // step is the last one printed (and --no-shrink skips shrinking altogether); nor is
            // a crash that did not come back.
            const shrunk =
              opts.shrink === false || f.kind === "hang" || !reproducible
                ? f.steps
                : await fz.shrink(f);
            const found: Found = {
              failure: f,
              batch: b,
              reproducible,
              shrunk,
              replay: `pnpm fuzz --seed ${opts.seed} --batch ${b}`,
              reproducer: fz.reproducer(f.proto, shrunk),
              count: 1,
            };
            seen.set(key, found);
            sum.found.push(found);
            log(
              `\nFAILURE ${key}${reproducible ? "" : " (once, did not come back)"} — seed ${opts.seed} batch ${b}\n${fz.describe(f)}\nreplay: ${found.replay}\nminimal reproducer (${shrunk.length} of ${f.steps.length} steps, RESP${f.proto}):\n${found.reproducer}\n`,
            );
          }
        }
      }
      b++;
      const now = performance.now();
      if (now - lastProgress > (opts.progressEveryMs ?? 5000)) {
        lastProgress = now;
        const s = (now - t0) / 1000;
        log(
          `[${s.toFixed(0)} s] ${sum.commands} commands, ${sum.batches} batches, ${(sum.commands / s).toFixed(0)}/s, ${sum.found.length} failures, ${sum.flaky} flaky`,
        );
      }
    }
  } finally {
    sum.seconds = (performance.now() - t0) / 1000;
    sum.failures = sum.found.length;
    if (!opts.fuzzer) await fz.stop();
  }
  return sum;
}

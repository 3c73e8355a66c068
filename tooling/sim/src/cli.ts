// Command line for the failover schedules:
//   sim:failover [seeds multiplier] [scenario ...]   runs the kill/pause/isolate families and
//                                                     prints the failover-time table
//   sim:replay <scenario>:<seed>                      runs one seed twice (same trace hash
//                                                     expected), prints its faults, failovers and,
//                                                     on failure, the nodes' last log lines
import { SimFailure } from "./fault-run.js";
import { SIM_EPOCH_MS } from "./scheduler.js";
import { runScenario } from "./schedules.js";
import { failoverRows, failoverTable } from "./stats.js";
import { livenessMisses, replayTarget, sweep } from "./sweep.js";

const DEFAULT_FAILOVER: [string, number][] = [
  ["kill-3x1", 200],
  ["kill-4x1", 100],
  ["kill-3x2", 100],
  ["pause-3x1", 100],
  ["isolate-3x1", 50],
  ["kill-3x1-nt3000", 20],
];

function failover(args: string[]): number {
  const mult = args[0] && /^\d+$/.test(args[0]) ? Number(args.shift()) : 1;
  const groups: [string, number][] = args.length ? args.map((a) => [a, 100]) : DEFAULT_FAILOVER;
  const results = [];
  let failures = 0;
  const t0 = performance.now();
  for (const [scenario, seeds] of groups) {
    const out = sweep(scenario, seeds * mult);
    results.push(...out.results);
    failures += out.failures.length;
    for (const f of out.failures) console.error(f);
  }
  const misses = livenessMisses(results);
  for (const m of misses) console.error(m);
  console.log(
    `failover times (virtual ms from the fault to the promotion / to every survivor ok; ${results.length} schedules, ${((performance.now() - t0) / 1000).toFixed(1)} s wall):`,
  );
  console.log(failoverTable(failoverRows(results)));
  return failures + misses.length > 0 ? 1 : 0;
}

function replay(args: string[]): number {
  const target = replayTarget(args[0] ?? process.env.SHOAL_SIM_REPLAY);
  if (!target) {
    console.error("usage: sim:replay <scenario>:<seed>   e.g. sim:replay kill-3x1:42");
    return 2;
  }
  const { scenario, seed } = target;
  const once = () => {
    try {
      return runScenario(scenario, seed, { keepLogs: true });
    } catch (err) {
      if (err instanceof SimFailure) return err;
      throw err;
    }
  };
  const a = once();
  const b = once();
  const hash = (x: typeof a) =>
    x instanceof SimFailure ? (/trace ([0-9a-f]+)/.exec(x.message)?.[1] ?? "?") : x.trace;
  console.log(
    `${scenario}:${seed}: trace ${hash(a)}; second run ${hash(b)} (${hash(a) === hash(b) ? "identical" : "DIFFERENT"})`,
  );
  if (a instanceof SimFailure) {
    console.log(a.message);
    const sim = a.sim;
    if (sim) {
      const since = sim.now - 3000;
      console.log("\nlast 3 s of logs:");
      for (const n of sim.nodes)
        for (const line of n.logs) {
          const t = Number(line.slice(0, line.indexOf(" ")));
          if (t >= since)
            console.log(
              `n${n.index} t=${Math.round(t - SIM_EPOCH_MS)} ${line.slice(line.indexOf(" ") + 1)}`,
            );
        }
    }
    return 1;
  }
  console.log(a.ops.join("\n"));
  for (const o of a.obligations)
    console.log(
      `${o.cause} n${o.master.index}: ${o.status}, promotion ${o.promotedAt === null ? "never" : Math.round(o.promotedAt - o.createdAt)} ms, ok ${o.okAt === null ? "never" : Math.round(o.okAt - o.createdAt)} ms`,
    );
  const misses = livenessMisses([a]);
  for (const m of misses) console.log(m);
  return misses.length ? 1 : 0;
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === "failover") process.exitCode = failover(rest);
else if (cmd === "replay") process.exitCode = replay(rest);
else {
  console.error("usage: cli.ts failover [multiplier] [scenario ...] | replay <scenario>:<seed>");
  process.exitCode = 2;
}

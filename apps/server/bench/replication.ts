// Replication throughput (issue 5): the writes/s a master sustains under
// `redis-benchmark -t set -P 16 -c 50` with 0, 1 and 2 replicas attached, the ratio to 0, and the
// replicas' lag p99 under that load — for shoal-server and for real redis-server 7.0.15 in the
// same run, alternating. Lag: every few ms the master's master_repl_offset is read; the lag of
// that sample is the time until every attached replica reports a slave_repl_offset at least as
// large (so it includes the replica's own event-loop delay, as a reader of the replica sees it).
// CPU per write: utime+stime of the master and of each replica from /proc/<pid>/stat across the
// run, divided by the writes sent: what a loaded machine distorts least (throughput and lag move
// with the load).
// Env: SHOAL_BENCH_N (default 200000), SHOAL_BENCH_ROUNDS (default 3), SHOAL_BENCH_REPLICAS
// (default "0,1,2").
import { fileURLToPath } from "node:url";
import {
  type ServerHandle,
  sleep,
  spawnServer,
  startRedisServer,
  waitFor,
} from "@shoal/test-utils";
import { Redis } from "ioredis";
import { cpuSeconds, loadArgs, median, redisBenchmarkCsv } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const N = Number(process.env.SHOAL_BENCH_N ?? 200_000);
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 3);
const COUNTS = (process.env.SHOAL_BENCH_REPLICAS ?? "0,1,2").split(",").map(Number);
const SAMPLE_MS = 5;

type Kind = "shoal" | "redis";
interface Node {
  handle: ServerHandle;
  conn: Redis;
}
interface Result {
  rps: number;
  lagP50: number;
  lagP99: number;
  /** CPU microseconds per write: the master's, and the mean of the attached replicas'. */
  masterUs: number;
  replicaUs: number;
}

function conn(port: number): Redis {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1, enableAutoPipelining: false });
  r.on("error", () => {});
  return r;
}

async function start(kind: Kind): Promise<Node> {
  // The same replication settings for both: a diskless full sync without the 5 s wait.
  const sync = ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"];
  const handle =
    kind === "redis"
      ? await startRedisServer({ args: sync })
      : await spawnServer({
          command: [process.execPath, MAIN_JS],
          args: ["--save", "", "--appendonly", "no", "--protected-mode", "no", ...sync],
        });
  return { handle, conn: conn(handle.port) };
}

async function field(r: Redis, name: string): Promise<string | undefined> {
  const text = (await r.info("replication")) as string;
  const m = new RegExp(`^${name}:(.*)$`, "m").exec(text);
  return m?.[1]?.trim();
}

async function redisBenchmark(port: number): Promise<number> {
  const rows = await redisBenchmarkCsv([...loadArgs(port, N, 16), "-t", "set", "-r", "100000"]);
  const set = rows.get("set");
  if (set === undefined) throw new Error("redis-benchmark printed no SET row");
  return set.rps;
}

/** Attaches exactly `n` of the replicas to the master and waits until they are online. */
async function attach(master: Node, replicas: Node[], n: number): Promise<void> {
  for (let i = 0; i < replicas.length; i++) {
    const r = replicas[i]!;
    if (i < n) await r.conn.call("REPLICAOF", "127.0.0.1", String(master.handle.port));
    else await r.conn.call("REPLICAOF", "NO", "ONE");
  }
  await waitFor(
    async () => {
      if ((await field(master.conn, "connected_slaves")) !== String(n)) return false;
      for (const r of replicas.slice(0, n))
        if ((await field(r.conn, "master_link_status")) !== "up") return false;
      return true;
    },
    { timeout: 60_000, what: `${n} replicas online` },
  );
}

/** Samples the master's offset and measures how long each sample takes to reach the replicas. */
function lagSampler(master: Node, replicas: Node[]): { stop(): Promise<number[]> } {
  let running = true;
  const lags: number[] = [];
  const loop = (async () => {
    while (running) {
      const off = Number(await field(master.conn, "master_repl_offset"));
      const t0 = performance.now();
      for (const r of replicas) {
        while (running && Number(await field(r.conn, "slave_repl_offset")) < off) await sleep(1);
      }
      if (!running) break;
      lags.push(performance.now() - t0);
      await sleep(SAMPLE_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return lags;
    },
  };
}

function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

async function measure(master: Node, replicas: Node[], n: number): Promise<Result> {
  await master.conn.flushall();
  await attach(master, replicas, n);
  const attached = replicas.slice(0, n);
  const cpu = () => [master, ...attached].map((x) => cpuSeconds(x.handle.process.pid!));
  const before = cpu();
  const sampler = n > 0 ? lagSampler(master, attached) : null;
  const rps = await redisBenchmark(master.handle.port);
  const lags = sampler ? await sampler.stop() : [];
  // The replicas' CPU once they caught up: what applying the run cost them.
  await waitFor(
    async () => {
      const off = await field(master.conn, "master_repl_offset");
      for (const r of attached)
        if ((await field(r.conn, "slave_repl_offset")) !== off) return false;
      return true;
    },
    { timeout: 60_000, what: "replicas caught up" },
  );
  const us = cpu().map((t, i) => ((t - before[i]!) * 1e6) / N);
  const replicaUs = n > 0 ? us.slice(1).reduce((a, b) => a + b, 0) / n : Number.NaN;
  return {
    rps,
    lagP50: percentile(lags, 0.5),
    lagP99: percentile(lags, 0.99),
    masterUs: us[0]!,
    replicaUs,
  };
}

const spread = (xs: number[], digits = 2) =>
  `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}]`;

/**
 * Medians of the rounds: requests/s (and the ratio to no replicas), lag p99 and CPU per write of
 * each server, then shoal/redis per round paired (median [min-max]).
 */
function report(res: Record<Kind, Result[][]>): void {
  const med = (kind: Kind, n: number, f: (r: Result) => number) => median(res[kind][n]!.map(f));
  const ratios = (n: number, f: (r: Result) => number) =>
    res.shoal[n]!.map((s, i) => f(s) / f(res.redis[n]![i]!));
  const cols = [
    "replicas",
    "server",
    "rps",
    "vs 0",
    "lag p50 ms",
    "lag p99 ms",
    "master us/w",
    "replica us/w",
  ];
  const widths = [9, 7, 9, 6, 11, 11, 12, 13];
  const line = (xs: string[]) => xs.map((x, i) => x.padStart(widths[i]!)).join(" ");
  console.log(`\n${line(cols)}`);
  for (const n of COUNTS)
    for (const kind of ["shoal", "redis"] as const) {
      const rps = med(kind, n, (r) => r.rps);
      const base = COUNTS.includes(0) ? rps / med(kind, 0, (r) => r.rps) : Number.NaN;
      const fmt = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(2));
      console.log(
        line([
          String(n),
          kind,
          rps.toFixed(0),
          fmt(base),
          n === 0 ? "-" : med(kind, n, (r) => r.lagP50).toFixed(1),
          n === 0 ? "-" : med(kind, n, (r) => r.lagP99).toFixed(1),
          fmt(med(kind, n, (r) => r.masterUs)),
          fmt(med(kind, n, (r) => r.replicaUs)),
        ]),
      );
    }
  console.log("\nshoal/redis, paired rounds: median [min-max]");
  for (const n of COUNTS) {
    let text = `  ${n} replica(s): rps ${spread(ratios(n, (r) => r.rps))}, master CPU/write ${spread(ratios(n, (r) => r.masterUs))}`;
    if (n > 0)
      text += `, replica CPU/write ${spread(ratios(n, (r) => r.replicaUs))}, lag p99 ${spread(ratios(n, (r) => r.lagP99))}`;
    console.log(text);
  }
}

async function main(): Promise<void> {
  const nodes: Record<Kind, Node[]> = { shoal: [], redis: [] };
  try {
    for (const kind of ["shoal", "redis"] as const)
      for (let i = 0; i < 3; i++) nodes[kind].push(await start(kind));
    console.log(
      `redis-benchmark -t set -n ${N} -c 50 -P 16 on the master, ${COUNTS.join("/")} replicas, ${ROUNDS} alternating rounds`,
    );
    const res: Record<Kind, Result[][]> = { shoal: [[], [], []], redis: [[], [], []] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Kind[] = round % 2 === 0 ? ["redis", "shoal"] : ["shoal", "redis"];
      for (const n of COUNTS) {
        for (const kind of order) {
          const [master, ...replicas] = nodes[kind];
          const r = await measure(master!, replicas, n);
          res[kind][n]!.push(r);
          process.stdout.write(
            `  round ${round + 1}/${ROUNDS} ${kind} ${n} replica(s): ${r.rps.toFixed(0)} rps, lag p50 ${r.lagP50.toFixed(1)} p99 ${r.lagP99.toFixed(1)} ms, CPU/write master ${r.masterUs.toFixed(2)} us, replica ${r.replicaUs.toFixed(2)} us\n`,
          );
        }
      }
    }
    report(res);
  } finally {
    for (const kind of ["shoal", "redis"] as const)
      for (const n of nodes[kind]) {
        n.conn.disconnect();
        await n.handle.stop();
      }
  }
}

await main();

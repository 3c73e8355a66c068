// Replication throughput (issue 5): the writes/s a master sustains under
// `redis-benchmark -t set -P 16 -c 50` with 0, 1 and 2 replicas attached, the ratio to 0, and the
// replicas' lag p99 under that load — for shoal-server and for real redis-server 7.0.15 in the
// same run, alternating. Lag: every few ms the master's master_repl_offset is read; the lag of
// that sample is the time until every attached replica reports a slave_repl_offset at least as
// large (so it includes the replica's own event-loop delay, as a reader of the replica sees it).
// Env: SHOAL_BENCH_N (default 200000), SHOAL_BENCH_ROUNDS (default 3).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  type ServerHandle,
  sleep,
  spawnServer,
  startRedisServer,
  waitFor,
} from "@shoal/test-utils";
import { Redis } from "ioredis";
import { median } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const N = Number(process.env.SHOAL_BENCH_N ?? 200_000);
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 3);
const SAMPLE_MS = 5;

type Kind = "shoal" | "redis";
interface Node {
  handle: ServerHandle;
  conn: Redis;
}
interface Result {
  rps: number;
  lagP99: number;
}

function conn(port: number): Redis {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1, enableAutoPipelining: false });
  r.on("error", () => {});
  return r;
}

async function start(kind: Kind): Promise<Node> {
  const handle =
    kind === "redis"
      ? await startRedisServer({
          args: ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"],
        })
      : await spawnServer({
          command: [process.execPath, MAIN_JS],
          args: ["--save", "", "--appendonly", "no", "--protected-mode", "no"],
        });
  return { handle, conn: conn(handle.port) };
}

async function field(r: Redis, name: string): Promise<string | undefined> {
  const text = (await r.info("replication")) as string;
  const m = new RegExp(`^${name}:(.*)$`, "m").exec(text);
  return m?.[1]?.trim();
}

function redisBenchmark(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-benchmark",
      [
        "-p",
        String(port),
        "-t",
        "set",
        "-n",
        String(N),
        "-c",
        "50",
        "-P",
        "16",
        "-r",
        "100000",
        "--csv",
      ],
      { timeout: 600_000 },
      (err, stdout) => {
        if (err) return reject(err);
        const line = stdout.split("\n").find((l) => l.startsWith('"SET"'));
        if (!line) return reject(new Error(`no SET line in:\n${stdout}`));
        resolve(Number(line.split(",")[1]!.replace(/"/g, "")));
      },
    );
  });
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

function p99(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}

async function measure(master: Node, replicas: Node[], n: number): Promise<Result> {
  await master.conn.flushall();
  await attach(master, replicas, n);
  const sampler = n > 0 ? lagSampler(master, replicas.slice(0, n)) : null;
  const rps = await redisBenchmark(master.handle.port);
  const lags = sampler ? await sampler.stop() : [];
  return { rps, lagP99: p99(lags) };
}

async function main(): Promise<void> {
  const nodes: Record<Kind, Node[]> = { shoal: [], redis: [] };
  try {
    for (const kind of ["shoal", "redis"] as const)
      for (let i = 0; i < 3; i++) nodes[kind].push(await start(kind));
    console.log(
      `redis-benchmark -t set -n ${N} -c 50 -P 16 on the master, 0/1/2 replicas, ${ROUNDS} alternating rounds`,
    );
    const res: Record<Kind, Result[][]> = { shoal: [[], [], []], redis: [[], [], []] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Kind[] = round % 2 === 0 ? ["redis", "shoal"] : ["shoal", "redis"];
      for (const n of [0, 1, 2]) {
        for (const kind of order) {
          const [master, ...replicas] = nodes[kind];
          const r = await measure(master!, replicas, n);
          res[kind][n]!.push(r);
          process.stdout.write(
            `  round ${round + 1}/${ROUNDS} ${kind} ${n} replica(s): ${r.rps.toFixed(0)} rps, lag p99 ${r.lagP99.toFixed(1)} ms\n`,
          );
        }
      }
    }
    console.log(
      `\n${"replicas".padEnd(10)}${"shoal rps".padStart(11)}${"vs 0".padStart(7)}${"lag p99".padStart(10)}  ${"redis rps".padStart(11)}${"vs 0".padStart(7)}${"lag p99".padStart(10)}  ${"shoal/redis".padStart(12)}`,
    );
    const base = { shoal: 0, redis: 0 };
    for (const n of [0, 1, 2]) {
      const row = (kind: Kind) => {
        const rps = median(res[kind][n]!.map((x) => x.rps));
        const lag = median(res[kind][n]!.map((x) => x.lagP99));
        if (n === 0) base[kind] = rps;
        return { rps, lag, ratio: rps / base[kind] };
      };
      const s = row("shoal");
      const q = row("redis");
      const lag = (x: number) => (n === 0 ? "-" : Number.isNaN(x) ? "n/a" : `${x.toFixed(1)} ms`);
      console.log(
        `${String(n).padEnd(10)}${s.rps.toFixed(0).padStart(11)}${s.ratio.toFixed(2).padStart(7)}${lag(s.lag).padStart(10)}  ${q.rps.toFixed(0).padStart(11)}${q.ratio.toFixed(2).padStart(7)}${lag(q.lag).padStart(10)}  ${(s.rps / q.rps).toFixed(2).padStart(12)}`,
      );
    }
  } finally {
    for (const kind of ["shoal", "redis"] as const)
      for (const n of nodes[kind]) {
        n.conn.disconnect();
        await n.handle.stop();
      }
  }
}

await main();

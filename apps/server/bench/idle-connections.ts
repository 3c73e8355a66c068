// Idle connections (issue 18): what 10,000 connected-but-silent clients cost a node, for
// shoal-server and redis-server 7.0.15 in the same run, alternating. Per round and server:
// PING latency p50/p99 of one active client (sequential PINGs on a raw socket) and
// `redis-benchmark -t set,get -c 50` requests/s, first without and then with the idle clients
// open; the server's CPU time per second while only the idle clients are connected (utime+stime
// from /proc/<pid>/stat: the work its cron does per connection, free of this machine's wall-clock
// noise); and memory per idle connection (VmRSS delta / count). Both servers run with
// maxclients 10100. The idle sockets are held by this process (it needs ~2×count descriptors
// for the two servers' turns; `ulimit -n` is checked up front).
// Env: SHOAL_BENCH_IDLE (default 10000), SHOAL_BENCH_ROUNDS (default 3), SHOAL_BENCH_N (default
// 200000 requests per redis-benchmark test), SHOAL_BENCH_PINGS (default 5000).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { type ServerHandle, sleep, spawnServer, startRedisServer } from "@shoal/test-utils";
import { cpuSeconds, loadArgs, median, redisBenchmarkCsv } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const IDLE = Number(process.env.SHOAL_BENCH_IDLE ?? 10_000);
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 3);
const N = Number(process.env.SHOAL_BENCH_N ?? 200_000);
const PINGS = Number(process.env.SHOAL_BENCH_PINGS ?? 5000);
const MAXCLIENTS = ["--maxclients", String(IDLE + 100)];
/** How long the idle-only CPU is sampled. */
const IDLE_CPU_MS = 3000;

type Kind = "shoal" | "redis";
interface Sample {
  p50: number;
  p99: number;
  rps: number;
}
interface Round {
  without: Sample;
  with: Sample;
  /** Server CPU ms per wall second with only the idle clients connected. */
  idleCpu: number;
  /** RSS bytes per idle connection. */
  perConn: number;
}

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

/** PING round trips on one raw socket, one at a time: p50 and p99 in ms. */
async function pingLatency(port: number): Promise<{ p50: number; p99: number }> {
  const sock = net.connect(port, "127.0.0.1");
  sock.setNoDelay(true);
  await new Promise<void>((res, rej) => sock.once("connect", res).once("error", rej));
  const times: number[] = [];
  let pending: (() => void) | null = null;
  let buffered = "";
  sock.on("data", (d) => {
    buffered += d.toString("latin1");
    if (buffered.endsWith("+PONG\r\n")) {
      buffered = "";
      pending?.();
    }
  });
  for (let i = 0; i < PINGS; i++) {
    const t0 = performance.now();
    await new Promise<void>((res) => {
      pending = res;
      sock.write("PING\r\n");
    });
    times.push(performance.now() - t0);
  }
  sock.destroy();
  times.sort((a, b) => a - b);
  return {
    p50: times[Math.floor(times.length * 0.5)]!,
    p99: times[Math.floor(times.length * 0.99)]!,
  };
}

/** The mean requests/s of redis-benchmark's SET and GET tests. */
async function redisBenchmark(port: number): Promise<number> {
  const rows = await redisBenchmarkCsv([...loadArgs(port, N, 1), "-r", "100000", "-t", "set,get"]);
  const set = rows.get("set");
  const get = rows.get("get");
  if (!set || !get) throw new Error(`no SET/GET rows from redis-benchmark on port ${port}`);
  return (set.rps + get.rps) / 2;
}

async function sample(port: number): Promise<Sample> {
  const lat = await pingLatency(port);
  return { ...lat, rps: await redisBenchmark(port) };
}

/** Opens `count` connections that never send anything, 500 at a time. */
async function openIdle(port: number, count: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, () => {
      const s = net.connect(port, "127.0.0.1");
      socks.push(s);
      return new Promise<void>((res, rej) => s.once("connect", res).once("error", rej));
    });
    await Promise.all(batch);
  }
  return socks;
}

async function connectedClients(port: number): Promise<number> {
  const out = execFileSync("redis-cli", ["-p", String(port), "info", "clients"], {
    encoding: "utf8",
  });
  return Number(/connected_clients:(\d+)/.exec(out)![1]);
}

async function round(h: ServerHandle): Promise<Round> {
  const pid = h.process.pid!;
  const without = await sample(h.port);
  await sleep(500);
  const rss0 = rssBytes(pid);
  const idle = await openIdle(h.port, IDLE);
  // Wait until the server has accepted them all.
  while ((await connectedClients(h.port)) < IDLE) await sleep(100);
  await sleep(1000);
  const rss1 = rssBytes(pid);
  const cpu0 = cpuSeconds(pid);
  await sleep(IDLE_CPU_MS);
  const idleCpu = ((cpuSeconds(pid) - cpu0) * 1000) / (IDLE_CPU_MS / 1000);
  const withIdle = await sample(h.port);
  for (const s of idle) s.destroy();
  while ((await connectedClients(h.port)) > 1) await sleep(100);
  return { without, with: withIdle, idleCpu, perConn: (rss1 - rss0) / IDLE };
}

const spread = (xs: number[], digits: number) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main(): Promise<void> {
  const limit = Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  if (limit < IDLE + 1000)
    throw new Error(`ulimit -n is ${limit}: ${IDLE} idle connections need ${IDLE + 1000} or more`);
  const servers: Record<Kind, ServerHandle | undefined> = { shoal: undefined, redis: undefined };
  try {
    servers.shoal = await spawnServer({
      command: [process.execPath, MAIN_JS],
      args: ["--save", "", "--appendonly", "no", ...MAXCLIENTS],
    });
    servers.redis = await startRedisServer({ args: MAXCLIENTS });
    console.log(
      `${IDLE} idle connections; PING x${PINGS} on one client, redis-benchmark -t set,get -n ${N} -c 50; ${ROUNDS} alternating rounds`,
    );
    const res: Record<Kind, Round[]> = { shoal: [], redis: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order: Kind[] = r % 2 === 0 ? ["redis", "shoal"] : ["shoal", "redis"];
      for (const kind of order) {
        const x = await round(servers[kind]!);
        res[kind].push(x);
        console.log(
          `  round ${r + 1}/${ROUNDS} ${kind}: PING p50/p99 ${x.without.p50.toFixed(3)}/${x.without.p99.toFixed(3)} ms -> ${x.with.p50.toFixed(3)}/${x.with.p99.toFixed(3)} ms, ${x.without.rps.toFixed(0)} -> ${x.with.rps.toFixed(0)} rps, idle CPU ${x.idleCpu.toFixed(1)} ms/s, ${x.perConn.toFixed(0)} B/conn`,
        );
      }
    }
    console.log("\nmedian (min–max) of the rounds");
    for (const kind of ["shoal", "redis"] as const) {
      const rs = res[kind];
      console.log(
        `${kind.padEnd(6)} PING p99 ${spread(
          rs.map((x) => x.without.p99),
          3,
        )} ms -> ${spread(
          rs.map((x) => x.with.p99),
          3,
        )} ms; p50 -> ${spread(
          rs.map((x) => x.with.p50),
          3,
        )} ms; rps with/without ${spread(
          rs.map((x) => x.with.rps / x.without.rps),
          2,
        )}; idle CPU ${spread(
          rs.map((x) => x.idleCpu),
          1,
        )} ms/s; ${spread(
          rs.map((x) => x.perConn),
          0,
        )} B/conn`,
      );
    }
    const ratio = (f: (x: Round) => number) =>
      spread(
        res.shoal.map((x, i) => f(x) / f(res.redis[i]!)),
        2,
      );
    console.log(
      `shoal/redis with idle: rps ${ratio((x) => x.with.rps)}, PING p99 ${ratio((x) => x.with.p99)}, B/conn ${ratio((x) => x.perConn)}`,
    );
  } finally {
    await servers.shoal?.stop();
    await servers.redis?.stop();
  }
}

await main();

// Entry point of the shoal-bench executable: redis-benchmark's common form (-h -p -c -n -P -t
// -d -r -q --csv), cluster-aware with --cluster (discovers every master from one node, as
// redis-benchmark --cluster does), a progress line on stderr and a summary with throughput and
// p50/p99/p99.9 latencies.
import { Command } from "commander";
import pc from "picocolors";
import type { BaseClient } from "./base-client.js";
import { type BenchResult, runBench, TESTS } from "./bench/run-bench.js";
import { Client } from "./client.js";
import { ClusterClient } from "./cluster-client.js";

interface Flags {
  h: string;
  p: string;
  a?: string;
  c: string;
  n: string;
  P: string;
  t: string;
  d: string;
  r: string;
  q?: boolean;
  csv?: boolean;
  cluster?: boolean;
  resp3?: boolean;
}

const program = new Command("shoal-bench")
  .description(
    "Benchmark a Redis-compatible server or cluster with @shoal/client (redis-benchmark's common form).\n" +
      "Example: shoal-bench --cluster -p 7000 -c 50 -P 16 -n 200000 -t set,get",
  )
  .helpOption("--help", "Output this help and exit")
  .option("-h <hostname>", "Server hostname", "127.0.0.1")
  .option("-p <port>", "Server port", "6379")
  .option("-a <password>", "Password for Redis Auth")
  .option("-c <clients>", "Number of parallel clients (concurrent request loops)", "50")
  .option("-n <requests>", "Total number of requests per test", "100000")
  .option("-P <numreq>", "Pipeline <numreq> requests per client", "1")
  .option(
    "-t <tests>",
    `Comma-separated tests: ${Object.keys(TESTS).join(",")}`,
    "ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,mset",
  )
  .option("-d <size>", "Data size of SET/GET value in bytes", "3")
  .option("-r <keyspacelen>", "Use random keys in [0, keyspacelen)", "100000")
  .option("-q", "Quiet: just show query/sec values")
  .option("--csv", "Output in CSV format")
  .option("--cluster", "Enable cluster mode (discover every master)")
  .option("--resp3", "Use RESP3 (HELLO 3)")
  .allowExcessArguments(false);

function summary(r: BenchResult, f: Flags): string {
  const l = r.latency;
  const f3 = (x: number) => x.toFixed(3);
  if (f.csv)
    return `"${r.test}","${r.rps.toFixed(2)}","${f3(l.avg)}","${f3(l.min)}","${f3(l.p50)}","${f3(l.p95)}","${f3(l.p99)}","${f3(l.p999)}","${f3(l.max)}"`;
  if (f.q)
    return `${r.test}: ${r.rps.toFixed(2)} requests per second, p50=${f3(l.p50)} msec, p99=${f3(l.p99)} msec, p99.9=${f3(l.p999)} msec`;
  return [
    `====== ${r.test} ======`,
    `  ${r.requests} requests completed in ${r.seconds.toFixed(2)} seconds`,
    `  ${f.c} parallel clients, pipeline ${f.P}`,
    `  ${f.d} bytes payload`,
    ...(r.errors ? [pc.red(`  ${r.errors} errors`)] : []),
    "",
    "Summary:",
    `  throughput summary: ${pc.bold(r.rps.toFixed(2))} requests per second`,
    "  latency summary (msec):",
    `          ${["avg", "min", "p50", "p95", "p99", "p99.9", "max"].map((s) => s.padStart(9)).join(" ")}`,
    `          ${[l.avg, l.min, l.p50, l.p95, l.p99, l.p999, l.max].map((x) => f3(x).padStart(9)).join(" ")}`,
    "",
  ].join("\n");
}

async function main(): Promise<number> {
  program.parse();
  const f = program.opts<Flags>();
  const common = {
    ...(f.a !== undefined ? { password: f.a } : {}),
    resp: (f.resp3 ? 3 : 2) as 2 | 3,
  };
  let client: BaseClient<string> & { quit(): Promise<void> };
  if (f.cluster) {
    const cluster = new ClusterClient<string>({
      seeds: [{ host: f.h, port: Number(f.p) }],
      ...common,
    });
    const map = await cluster.refresh().catch(async (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
    const masters = map.shards.filter((s) => s.ranges.length > 0);
    if (!f.q && !f.csv) {
      process.stdout.write(`Cluster has ${masters.length} master nodes:\n\n`);
      masters.forEach((s, i) => {
        process.stdout.write(
          `Master ${i}: ${s.master.id ?? ""} ${s.master.host}:${s.master.port}\n`,
        );
      });
      process.stdout.write("\n");
    }
    client = cluster;
  } else {
    client = new Client<string>({ host: f.h, port: Number(f.p), ...common });
  }
  const names = f.t
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !TESTS[n]);
  if (unknown.length) {
    process.stderr.write(
      `Unknown test(s): ${unknown.join(", ")}. Known: ${Object.keys(TESTS).join(", ")}\n`,
    );
    return 1;
  }
  if (f.csv)
    process.stdout.write(
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","p999_latency_ms","max_latency_ms"\n',
    );
  let failed = false;
  for (const name of names) {
    const test = TESTS[name]!;
    const r = await runBench(client, test, {
      clients: Number(f.c),
      requests: Number(f.n),
      pipeline: Number(f.P),
      keyspace: Number(f.r),
      dataSize: Number(f.d),
      onProgress: (done, elapsed, h) => {
        if (f.csv) return;
        const rps = (done / elapsed) * 1000;
        process.stderr.write(
          `\r${test.name}: rps=${rps.toFixed(1)} done=${done}/${f.n} avg_msec=${(h.mean / 1000).toFixed(3)}\x1b[K`,
        );
      },
    });
    if (!f.csv) process.stderr.write("\r\x1b[K");
    process.stdout.write(`${summary(r, f)}\n`);
    if (r.errors) failed = true;
  }
  await client.quit();
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

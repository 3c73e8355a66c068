// Issue 16's rows, shoal-server vs redis-server 7.0.15 in the same run, alternating rounds:
//   - XADD, PFADD and BITCOUNT under redis-benchmark with a command line of their own (its -t
//     tests have none of them): `redis-benchmark -n N -c 50 -P 1|16 -r 1000000 <command>`;
//   - XREADGROUP + XACK: a consumer-group reader (one ioredis client, 16 reads in flight) that
//     acknowledges each batch of ten it is delivered, over a stream of 200k entries;
//   - memory per stream entry: 200k `XADD s * f v`, then MEMORY USAGE s SAMPLES 0 and the growth
//     of used_memory on each side.
// Env: SHOAL_BENCH_N (default 200000), SHOAL_BENCH_ROUNDS (default 3).
import { execFile } from "node:child_process";
import { redisCli, type ServerHandle } from "@shoal/test-utils";
import { Redis } from "ioredis";
import { median } from "./servers.js";

const N = Number(process.env.SHOAL_BENCH_N ?? 200_000);
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 3);

/** Rows run as redis-benchmark command lines, with what each needs in place first. */
const LINES: { name: string; setup: string[][]; argv: string[] }[] = [
  { name: "xadd", setup: [], argv: ["XADD", "xbench", "*", "f", "__rand_int__"] },
  { name: "pfadd", setup: [], argv: ["PFADD", "hll", "__rand_int__"] },
  {
    name: "bitcount",
    setup: [["SETBIT", "bits", "1048575", "1"]],
    argv: ["BITCOUNT", "bits"],
  },
];

function benchmarkLine(port: number, argv: string[], pipeline: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-benchmark",
      ["-p", String(port), "-n", String(N), "-c", "50", "-P", String(pipeline)]
        .concat(["-r", "1000000", "--csv"])
        .concat(argv),
      { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 },
      (err, stdout) => {
        if (err) return reject(err);
        const row = stdout.split("\n")[1]?.split(",") ?? [];
        resolve(Number((row[1] ?? "").replace(/"/g, "")));
      },
    );
  });
}

/** XREADGROUP COUNT 10 ... > and the XACK of what it delivered, 16 pairs in flight: pairs/s. */
async function readAndAck(port: number): Promise<number> {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
  await r.connect();
  try {
    await r.del("xg");
    const total = 200_000;
    for (let i = 0; i < total; i += 5000) {
      const p = r.pipeline();
      for (let j = i; j < i + 5000; j++) p.xadd("xg", "*", "name", "alice", "n", String(j));
      await p.exec();
    }
    await r.xgroup("CREATE", "xg", "g", "0");
    let pairs = 0;
    const start = performance.now();
    for (;;) {
      const p = r.pipeline();
      for (let k = 0; k < 16; k++)
        p.xreadgroup("GROUP", "g", "c", "COUNT", "10", "STREAMS", "xg", ">");
      const replies = (await p.exec()) ?? [];
      const ids: string[] = [];
      for (const [, v] of replies) {
        const streams = v as [string, [string, string[]][]][] | null;
        for (const [, entries] of streams ?? []) for (const [id] of entries) ids.push(id);
      }
      if (ids.length === 0) break;
      const acks = r.pipeline();
      for (let k = 0; k < ids.length; k += 10) acks.xack("xg", "g", ...ids.slice(k, k + 10));
      await acks.exec();
      pairs += Math.ceil(ids.length / 10);
    }
    return pairs / ((performance.now() - start) / 1000);
  } finally {
    r.disconnect();
  }
}

async function info(port: number, field: string): Promise<number> {
  const text = await redisCli(port, ["info", "memory"]);
  return Number(new RegExp(`${field}:(\\d+)`).exec(text)?.[1]);
}

/** Bytes per entry of `n` XADD s * f v: MEMORY USAGE, and used_memory growth. */
async function streamMemory(port: number): Promise<{ usage: number; used: number }> {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
  await r.connect();
  try {
    await r.del("mem");
    const before = await info(port, "used_memory");
    for (let i = 0; i < N; i += 5000) {
      const p = r.pipeline();
      for (let j = i; j < Math.min(N, i + 5000); j++) p.xadd("mem", "*", "f", "v");
      await p.exec();
    }
    const used = (await info(port, "used_memory")) - before;
    const usage = Number(await r.call("MEMORY", "USAGE", "mem", "SAMPLES", "0"));
    await r.del("mem");
    return { usage: usage / N, used: used / N };
  } finally {
    r.disconnect();
  }
}

const fmt = (s: number, q: number) =>
  `${s.toFixed(0).padStart(12)}${q.toFixed(0).padStart(12)}${(s / q).toFixed(2).padStart(8)}`;

/** Prints the rows for both servers; each value is the median of the rounds. */
export async function dataTypeRows(shoal: ServerHandle, redis: ServerHandle): Promise<void> {
  const servers: ["shoal" | "redis", ServerHandle][] = [
    ["shoal", shoal],
    ["redis", redis],
  ];
  for (const [, h] of servers)
    for (const l of LINES) for (const c of l.setup) await redisCli(h.port, c);
  for (const P of [1, 16]) {
    console.log(`\n-P ${P}, data types (redis-benchmark command lines, -r 1000000)`);
    console.log(
      `${"test".padEnd(16)}${"shoal rps".padStart(12)}${"redis rps".padStart(12)}${"ratio".padStart(8)}`,
    );
    for (const l of LINES) {
      const got = { shoal: [] as number[], redis: [] as number[] };
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? servers : [...servers].reverse();
        for (const [who, h] of order) got[who].push(await benchmarkLine(h.port, l.argv, P));
      }
      console.log(`${l.name.padEnd(16)}${fmt(median(got.shoal), median(got.redis))}`);
    }
  }
  const pairs = { shoal: [] as number[], redis: [] as number[] };
  const mem = {
    shoal: [] as { usage: number; used: number }[],
    redis: [] as { usage: number; used: number }[],
  };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const [who, h] of order) {
      pairs[who].push(await readAndAck(h.port));
      mem[who].push(await streamMemory(h.port));
    }
  }
  console.log(`\nconsumer group, pairs/s (XREADGROUP COUNT 10 + XACK, 16 in flight, one client)`);
  console.log(`${"xreadgroup+xack".padEnd(16)}${fmt(median(pairs.shoal), median(pairs.redis))}`);
  const m = (who: "shoal" | "redis", k: "usage" | "used") => median(mem[who].map((x) => x[k]));
  console.log(`\nmemory per stream entry (${N} x XADD s * f v), bytes`);
  console.log(`${"MEMORY USAGE".padEnd(16)}${fmt(m("shoal", "usage"), m("redis", "usage"))}`);
  console.log(`${"used_memory".padEnd(16)}${fmt(m("shoal", "used"), m("redis", "used"))}`);
}

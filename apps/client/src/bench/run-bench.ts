// shoal-bench's engine: `clients` concurrent loops, each keeping `pipeline` commands in flight,
// until `requests` commands have completed; per-command latency into an HDR histogram. All
// loops share one client, so commands issued in the same tick leave in one write per node
// (automatic pipelining); that is the client's design, and what the benchmark measures.
import * as hdr from "hdr-histogram-js";
import type { BaseClient } from "../base-client.js";
import type { Arg } from "../wire.js";

export interface BenchTest {
  name: string;
  /** Command for request number `n` with a random key index `k`. */
  make(k: number, payload: string): Arg[];
}

const key = (k: number) => `key:${k}`;
export const TESTS: Record<string, BenchTest> = {
  ping: { name: "PING_MBULK", make: () => ["PING"] },
  set: { name: "SET", make: (k, p) => ["SET", key(k), p] },
  get: { name: "GET", make: (k) => ["GET", key(k)] },
  incr: { name: "INCR", make: (k) => ["INCR", `counter:${k}`] },
  lpush: { name: "LPUSH", make: (k, p) => ["LPUSH", `mylist:{${k % 100}}`, p] },
  rpush: { name: "RPUSH", make: (k, p) => ["RPUSH", `mylist:{${k % 100}}`, p] },
  lpop: { name: "LPOP", make: (k) => ["LPOP", `mylist:{${k % 100}}`] },
  rpop: { name: "RPOP", make: (k) => ["RPOP", `mylist:{${k % 100}}`] },
  sadd: { name: "SADD", make: (k) => ["SADD", `myset:{${k % 100}}`, `element:${k}`] },
  hset: { name: "HSET", make: (k, p) => ["HSET", `myhash:{${k % 100}}`, `element:${k}`, p] },
  spop: { name: "SPOP", make: (k) => ["SPOP", `myset:{${k % 100}}`] },
  zadd: { name: "ZADD", make: (k) => ["ZADD", `myzset:{${k % 100}}`, k, `element:${k}`] },
  mset: {
    name: "MSET (10 keys)",
    make: (k, p) => {
      const a: Arg[] = ["MSET"];
      for (let i = 0; i < 10; i++) a.push(`key:{${k % 1000}}:${i}`, p);
      return a;
    },
  },
};

export interface BenchOptions {
  clients: number;
  requests: number;
  pipeline: number;
  keyspace: number;
  dataSize: number;
  /** Called about every 250 ms with (completed, elapsed ms). */
  onProgress?: (done: number, elapsedMs: number, histogram: hdr.Histogram) => void;
}

export interface BenchResult {
  test: string;
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
  /** Milliseconds. */
  latency: {
    avg: number;
    min: number;
    p50: number;
    p95: number;
    p99: number;
    p999: number;
    max: number;
  };
}

export async function runBench(
  client: BaseClient<string | Buffer>,
  test: BenchTest,
  o: BenchOptions,
): Promise<BenchResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const payload = "x".repeat(o.dataSize);
  let issued = 0;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  const timer = setInterval(() => o.onProgress?.(done, performance.now() - start, histogram), 250);
  const loop = async () => {
    while (issued < o.requests) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < o.pipeline && issued < o.requests; i++) {
        issued++;
        const t0 = performance.now();
        batch.push(
          client.call(...test.make(Math.floor(Math.random() * o.keyspace), payload)).then(
            () => {
              histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
              done++;
            },
            () => {
              errors++;
              done++;
            },
          ),
        );
      }
      await Promise.all(batch);
    }
  };
  await Promise.all(Array.from({ length: o.clients }, loop));
  clearInterval(timer);
  const seconds = (performance.now() - start) / 1000;
  const ms = (us: number) => us / 1000;
  const result: BenchResult = {
    test: test.name,
    requests: done,
    seconds,
    rps: done / seconds,
    errors,
    latency: {
      avg: ms(histogram.mean),
      min: ms(histogram.minNonZeroValue),
      p50: ms(histogram.getValueAtPercentile(50)),
      p95: ms(histogram.getValueAtPercentile(95)),
      p99: ms(histogram.getValueAtPercentile(99)),
      p999: ms(histogram.getValueAtPercentile(99.9)),
      max: ms(histogram.maxValue),
    },
  };
  histogram.destroy();
  return result;
}

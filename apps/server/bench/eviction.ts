// Eviction quality (issue 17): the same Zipfian GET/SET workload against redis-server 7.0.15 and
// shoal-server in the same run, under allkeys-lru and allkeys-lfu, with maxmemory set to what
// each server needs to hold a tenth of the keys. A client GETs a key drawn from a Zipf law
// (s = 1) over KEYS keys and SETs it on a miss, as a cache does. Printed per policy and server:
// the hit rate over the second half of the operations (the first half warms the cache up), the
// keys held at the end, evicted_keys, and how far used_memory ever went above maxmemory (INFO
// polled every 50 ms on a second connection), with each server's own used_memory.
// Env: SHOAL_BENCH_EVICT_KEYS (default 1000000), SHOAL_BENCH_EVICT_OPS (default 2000000),
// SHOAL_BENCH_EVICT_VALUE (value bytes, default 100), SHOAL_BENCH_EVICT_POLICIES.
import net from "node:net";
import { fileURLToPath } from "node:url";
import type { ServerHandle } from "@shoal/test-utils";
import { withShoalAndRedis } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const KEYS = Number(process.env.SHOAL_BENCH_EVICT_KEYS ?? 1_000_000);
const OPS = Number(process.env.SHOAL_BENCH_EVICT_OPS ?? 2_000_000);
const VALUE = "v".repeat(Number(process.env.SHOAL_BENCH_EVICT_VALUE ?? 100));
const POLICIES = (process.env.SHOAL_BENCH_EVICT_POLICIES ?? "allkeys-lru,allkeys-lfu").split(",");
/** Share of the keys maxmemory must hold. */
const SHARE = 0.1;
/** Commands in flight per round trip. */
const BATCH = 200;

/** Zipf(s = 1) over ranks 0..n-1 by inverse CDF (a binary search in the cumulative weights). */
function zipf(n: number): (r: number) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1);
    cdf[i] = sum;
  }
  return (r) => {
    const x = r * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const resp = (...args: string[]) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/** A connection that sends a batch and returns its replies (only the first byte and bulk size). */
class Conn {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private constructor(private readonly sock: net.Socket) {
    sock.on("data", (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(new Conn(s)));
      s.once("error", reject);
    });
  }

  /** Sends `payload` holding `n` commands; resolves with each reply's text (bulk bodies dropped). */
  async send(payload: string, n: number): Promise<string[]> {
    this.sock.write(payload);
    const out: string[] = [];
    let pos = 0;
    while (out.length < n) {
      const r = this.parse(pos);
      if (r === null) {
        await new Promise<void>((res) => {
          this.waiter = res;
        });
        this.waiter = null;
        continue;
      }
      out.push(r.text);
      pos = r.end;
    }
    this.buf = this.buf.subarray(pos);
    return out;
  }

  /** One reply from `pos`: `$-1`, `$<len>` (body skipped), `+OK`, `-ERR...`, or a whole bulk. */
  private parse(pos: number): { text: string; end: number } | null {
    const b = this.buf;
    const nl = b.indexOf("\r\n", pos);
    if (nl < 0) return null;
    const line = b.toString("latin1", pos, nl);
    if (line[0] !== "$" || line === "$-1") return { text: line, end: nl + 2 };
    const len = Number(line.slice(1));
    if (b.length < nl + 2 + len + 2) return null;
    // INFO's body is needed; a GET's is not.
    const text = len > 1000 ? b.toString("latin1", nl + 2, nl + 2 + len) : line;
    return { text, end: nl + 2 + len + 2 };
  }

  close(): void {
    this.sock.destroy();
  }
}

function infoField(text: string, field: string): number {
  const m = new RegExp(`^${field}:(\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

interface Result {
  hitRate: number;
  keys: number;
  evicted: number;
  maxmemory: number;
  maxOver: number;
  opsPerSec: number;
}

/** The key ranks of the whole run, drawn once: both servers see the same sequence. */
const DRAWS = (() => {
  const draw = zipf(KEYS);
  const out = new Int32Array(OPS);
  for (let i = 0; i < OPS; i++) out[i] = draw(Math.random());
  return out;
})();

async function run(port: number, policy: string): Promise<Result> {
  const c = await Conn.open(port);
  const info = async () => (await c.send(resp("INFO", "everything"), 1))[0] as string;
  // maxmemory: what this server uses once it holds SHARE of the keys, measured by filling them.
  const fill = Math.floor(KEYS * SHARE);
  for (let i = 0; i < fill; i += BATCH) {
    let p = "";
    const n = Math.min(BATCH, fill - i);
    for (let j = 0; j < n; j++) p += resp("SET", `key:${i + j}`, VALUE);
    await c.send(p, n);
  }
  const maxmemory = infoField(await info(), "used_memory");
  await c.send(resp("FLUSHALL") + resp("CONFIG", "SET", "maxmemory-policy", policy), 2);
  await c.send(resp("CONFIG", "SET", "maxmemory", String(maxmemory)), 1);

  const poller = await Conn.open(port);
  let maxOver = Number.NEGATIVE_INFINITY;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const t = (await poller.send(resp("INFO", "memory"), 1))[0] as string;
      const over = infoField(t, "used_memory") - infoField(t, "maxmemory");
      if (over > maxOver) maxOver = over;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  let hits = 0;
  let gets = 0;
  const t0 = performance.now();
  for (let done = 0; done + BATCH <= OPS; done += BATCH) {
    const keys: string[] = [];
    let p = "";
    for (let j = 0; j < BATCH; j++) {
      const k = `key:${DRAWS[done + j]}`;
      keys.push(k);
      p += resp("GET", k);
    }
    const replies = await c.send(p, BATCH);
    let sets = "";
    let nsets = 0;
    const measured = done >= OPS / 2;
    for (let j = 0; j < BATCH; j++) {
      const hit = replies[j] !== "$-1";
      if (measured) {
        gets++;
        if (hit) hits++;
      }
      if (!hit) {
        sets += resp("SET", keys[j] as string, VALUE);
        nsets++;
      }
    }
    if (nsets > 0) await c.send(sets, nsets);
  }
  const secs = (performance.now() - t0) / 1000;
  polling = false;
  await poll;
  const end = await info();
  poller.close();
  c.close();
  return {
    hitRate: hits / gets,
    keys: Number(/^db0:keys=(\d+)/m.exec(end)?.[1] ?? 0),
    evicted: infoField(end, "evicted_keys"),
    maxmemory,
    maxOver,
    opsPerSec: OPS / secs,
  };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
console.log(
  `eviction: Zipf(1) GET, SET on miss; ${KEYS} keys of ${VALUE.length} B, ${OPS} ops (hit rate over the last half), maxmemory = what ${SHARE * 100}% of the keys take on each server`,
);
for (const policy of POLICIES) {
  await withShoalAndRedis(MAIN_JS, async (shoal: ServerHandle, redis: ServerHandle) => {
    // Redis first, then Shoal: each from an empty server, the same draws.
    const r = await run(redis.port, policy);
    const s = await run(shoal.port, policy);
    for (const [name, x] of [
      ["redis", r],
      ["shoal", s],
    ] as const)
      console.log(
        `${policy.padEnd(12)} ${name}  hit rate ${(x.hitRate * 100).toFixed(2)}%  keys held ${x.keys}  evicted ${x.evicted}  maxmemory ${mb(x.maxmemory)}  max above it ${x.maxOver} B  ${Math.round(x.opsPerSec)} ops/s`,
      );
    console.log(
      `${policy.padEnd(12)} hit rate shoal - redis: ${((s.hitRate - r.hitRate) * 100).toFixed(2)} points`,
    );
  });
}

// Memory given back (issue 17): the resident size of shoal-server and redis-server 7.0.15, in the
// same run, through SET of a big value, DEL, a second SET and FLUSHALL. Samples VmRSS from
// /proc/<pid>/status every 100 ms and prints the curve and a summary per server: the peak while
// the SET is received and stored, the size once it is stored, and the size 1 s and 5 s after the
// DEL and after the FLUSHALL. The value is streamed from one small buffer, so this process stays
// small. Env: SHOAL_BENCH_MEM_MB (value size, default 500).
import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import type { ServerHandle } from "@shoal/test-utils";
import { withShoalAndRedis } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const MB = 1024 * 1024;
const SIZE = Number(process.env.SHOAL_BENCH_MEM_MB ?? 500) * MB;
const SAMPLE_MS = 100;

/** Resident set size of `pid` in bytes (VmRSS), 0 once it is gone. */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One connection that sends raw bytes and waits for `n` bytes of reply. */
class Conn {
  private got = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private constructor(private readonly sock: net.Socket) {
    sock.on("data", (d: Buffer) => {
      this.got = Buffer.concat([this.got, d]);
      this.waiter?.();
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(new Conn(s)));
      s.once("error", reject);
    });
  }
  /** Writes `chunks` (honouring backpressure), then resolves with the reply line. */
  async send(chunks: Iterable<Buffer>): Promise<string> {
    for (const c of chunks) {
      if (!this.sock.write(c)) await new Promise((r) => this.sock.once("drain", r));
    }
    while (!this.got.includes("\r\n")) await new Promise<void>((r) => (this.waiter = r));
    const line = this.got.toString("latin1");
    this.got = Buffer.alloc(0);
    return line.trimEnd();
  }
  close(): void {
    this.sock.destroy();
  }
}

function* bigSet(key: string, size: number): Generator<Buffer> {
  yield Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${size}\r\n`);
  const piece = Buffer.alloc(4 * MB, 120);
  for (let left = size; left > 0; left -= piece.length)
    yield left >= piece.length ? piece : piece.subarray(0, left);
  yield Buffer.from("\r\n");
}

const cmd = (...a: string[]) =>
  Buffer.from(`*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join("")}`);

interface Summary {
  base: number;
  peakSet: number;
  afterSet: number;
  del1: number;
  del5: number;
  flush1: number;
  flush5: number;
}

async function profile(name: string, h: ServerHandle): Promise<Summary> {
  const pid = h.process.pid!;
  const samples: Array<[number, number, string]> = [];
  const t0 = Date.now();
  let phase = "idle";
  const timer = setInterval(() => samples.push([Date.now() - t0, rssOf(pid), phase]), SAMPLE_MS);
  const c = await Conn.open(h.port);
  const at = (ms: number) => sleep(ms).then(() => rssOf(pid));
  const base = await at(500);
  phase = "SET";
  const from = samples.length;
  if ((await c.send(bigSet("big", SIZE))) !== "+OK") throw new Error(`${name}: SET failed`);
  const afterSet = await at(300);
  const peakSet = Math.max(afterSet, ...samples.slice(from).map((s) => s[1]));
  phase = "DEL";
  await c.send([cmd("DEL", "big")]);
  const del1 = await at(1000);
  const del5 = await at(4000);
  phase = "SET";
  await c.send(bigSet("big2", SIZE));
  await at(300);
  phase = "FLUSHALL";
  await c.send([cmd("FLUSHALL")]);
  const flush1 = await at(1000);
  const flush5 = await at(4000);
  clearInterval(timer);
  c.close();
  console.log(`\n${name}: RSS (MB) every ${SAMPLE_MS * 5} ms`);
  let line = "";
  for (let i = 0; i < samples.length; i += 5) {
    const [t, rss, p] = samples[i]!;
    line += `${(t / 1000).toFixed(1)}s ${p} ${(rss / MB).toFixed(0)}  `;
  }
  console.log(line);
  return { base, peakSet, afterSet, del1, del5, flush1, flush5 };
}

async function main(): Promise<void> {
  await withShoalAndRedis(MAIN_JS, async (shoal, redis) => {
    const rows: Array<[string, Summary]> = [];
    rows.push(["redis-server", await profile("redis-server", redis)]);
    rows.push(["shoal-server", await profile("shoal-server", shoal)]);
    console.log(`\nvalue ${SIZE / MB} MB; RSS in MB`);
    const cols = ["base", "peak SET", "after SET", "DEL +1s", "DEL +5s", "FLUSH +1s", "FLUSH +5s"];
    console.log(`${"server".padEnd(14)}${cols.map((c) => c.padStart(11)).join("")}`);
    for (const [n, s] of rows) {
      const v = [s.base, s.peakSet, s.afterSet, s.del1, s.del5, s.flush1, s.flush5];
      console.log(`${n.padEnd(14)}${v.map((x) => (x / MB).toFixed(0).padStart(11)).join("")}`);
    }
  });
}

await main();

// What Node itself costs per request (issue 18): redis-server 7.0.15, shoal-server and the
// floor — node-floor-server.mjs, a Node process with Shoal's I/O design that answers +PONG and
// does nothing else, once reading as Shoal does (`onread` into a shared buffer) and once through
// Node's `data` events — under `redis-benchmark -t ping_mbulk -c 50 -P 1|16`, alternating rounds
// in one run. Prints requests/s and the server's user and system CPU per request (/proc/<pid>/stat
// around each run). No server written on Node's net.Socket can go below the floor's user time;
// the gap between the floor and Shoal is Shoal's own work (decoding, dispatch, the command).
// Env: SHOAL_BENCH_N (default 200000; ten times that at -P 16), SHOAL_BENCH_ROUNDS (default 3).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "@shoal/test-utils";
import { loadArgs, median, redisBenchmarkCsv, withShoalAndRedis } from "./servers.js";

const MAIN_JS = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const FLOOR_JS = fileURLToPath(new URL("./node-floor-server.mjs", import.meta.url));
const N = Number(process.env.SHOAL_BENCH_N ?? 200_000);
const ROUNDS = Number(process.env.SHOAL_BENCH_ROUNDS ?? 3);

/** User and system CPU seconds of a process (fields 14 and 15 of /proc/<pid>/stat). */
function cpu(pid: number): { user: number; sys: number } {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
}

interface Sample {
  rps: number;
  userUs: number;
  sysUs: number;
}

async function measure(port: number, pid: number, pipeline: number): Promise<Sample> {
  // Pipelined, a request costs a tenth: ten times the requests keep /proc's 10 ms ticks small.
  const n = pipeline > 1 ? N * 10 : N;
  const before = cpu(pid);
  const rows = await redisBenchmarkCsv([...loadArgs(port, n, pipeline), "-t", "ping_mbulk"]);
  const after = cpu(pid);
  return {
    rps: rows.get("ping_mbulk")?.rps ?? Number.NaN,
    userUs: ((after.user - before.user) * 1e6) / n,
    sysUs: ((after.sys - before.sys) * 1e6) / n,
  };
}

async function startFloor(
  mode: "onread" | "data",
): Promise<{ port: number; pid: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [FLOOR_JS, String(port), mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`node-floor-server exited with ${code}`)));
  });
  return { port, pid: child.pid!, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const floor = await startFloor("onread");
  const dataFloor = await startFloor("data").catch((err) => {
    floor.stop();
    throw err;
  });
  try {
    await withShoalAndRedis(MAIN_JS, async (shoal, redis) => {
      const servers: [string, number, number][] = [
        ["redis-server", redis.port, redis.process.pid!],
        ["floor, onread", floor.port, floor.pid],
        ["floor, data", dataFloor.port, dataFloor.pid],
        ["shoal-server", shoal.port, shoal.process.pid!],
      ];
      console.log(
        `redis-benchmark -t ping_mbulk -c 50, -n ${N} (-P 1) and ${N * 10} (-P 16), ${ROUNDS} alternating rounds; CPU per request from /proc`,
      );
      for (const pipeline of [1, 16]) {
        const samples = new Map<string, Sample[]>(servers.map(([name]) => [name, []]));
        for (let r = 0; r < ROUNDS; r++) {
          const order = r % 2 === 0 ? servers : [...servers].reverse();
          for (const [name, port, pid] of order)
            samples.get(name)!.push(await measure(port, pid, pipeline));
        }
        console.log(`-P ${pipeline}`);
        console.log(
          `${"server".padEnd(14)}${"rps".padStart(10)}${"user us".padStart(10)}${"sys us".padStart(10)}`,
        );
        for (const [name, xs] of samples) {
          const m = (f: (s: Sample) => number) => median(xs.map(f));
          console.log(
            `${name.padEnd(14)}${m((s) => s.rps)
              .toFixed(0)
              .padStart(10)}${m((s) => s.userUs)
              .toFixed(2)
              .padStart(10)}${m((s) => s.sysUs)
              .toFixed(2)
              .padStart(10)}`,
          );
        }
      }
    });
  } finally {
    floor.stop();
    dataFloor.stop();
  }
}

await main();

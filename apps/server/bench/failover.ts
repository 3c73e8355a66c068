// Failover time (issue 11): kill -9 of a master in a 3 masters + 3 replicas cluster with
// cluster-node-timeout 1000, repeated, against shoal-server and against real redis-server 7.0.15
// in the same run, the two clusters' kills alternating. Shoal's cluster is a LocalCluster (the
// launcher); Redis's is formed as an operator does it, `redis-cli --cluster create
// --cluster-replicas 1 --cluster-yes`. Both run with no persistence (save "", appendonly no).
//
// One kill, the same for both:
//  1. wait until the cluster is quiet: every node runs, reports cluster_state:ok, flags nobody,
//     and every replica's master link is up;
//  2. pick the master of the next slot range (round-robin over the three ranges, so the two
//     nodes of a shard take turns), note its replica, and SIGKILL it (t0);
//  3. from t0, two probes every 10 ms:
//     - "ok": every survivor reports cluster_state:ok and, in its CLUSTER NODES, a node other than
//       the dead one serves the dead master's first slot;
//     - "write": a SET of a key of the dead master's slots, sent to its replica on a new
//       connection; a MOVED reply is followed once (the client's way to the promoted node);
//       success is the first +OK;
//     a probe that has not succeeded 15 s after t0 is a miss;
//  4. restart the killed node from its directory (nodes.conf) and let it rejoin as a replica.
// Prints each kill as it goes, then median, p90, max and misses per cluster, and the ratio of
// Shoal's median to Redis's. Env: SHOAL_BENCH_KILLS (default 20).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { keySlot } from "@shoal/slot-hash";
import {
  redisCliPath,
  redisServerPath,
  run,
  type ServerHandle,
  sleep,
  spawnServer,
  waitFor,
} from "@shoal/test-utils";
import { LocalCluster } from "../dist/index.js";
import { type AdminReply, adminCall } from "../src/launcher/admin-client.js";

const KILLS = Number(process.env.SHOAL_BENCH_KILLS ?? 20);
const NODE_TIMEOUT = 1000;
const MISS_AFTER_MS = 15_000;
const PROBE_EVERY_MS = 10;
/** First slot of each master's range: how both launchers split 16384 slots over 3 masters. */
const RANGES = [0, 5461, 10923];

type Kind = "shoal" | "redis";

/** What the bench needs from a running cluster. */
interface Target {
  kind: Kind;
  ports: number[];
  pid(port: number): number;
  /** What the node has logged so far (since its latest start). */
  log(port: number): string;
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

interface Node {
  id: string;
  port: number;
  master: boolean;
  masterId: string | null;
  flags: string[];
  /** First slot of each range it serves. */
  firsts: number[];
}

async function call(port: number, args: string[], timeoutMs = 1000): Promise<AdminReply> {
  return adminCall("127.0.0.1", port, args, timeoutMs);
}

function parseNodes(text: string): Node[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const f = l.trim().split(" ");
      const addr = f[1]!.split("@")[0]!;
      return {
        id: f[0]!,
        port: Number(addr.slice(addr.lastIndexOf(":") + 1)),
        master: f[2]!.split(",").includes("master"),
        masterId: f[3] === "-" ? null : f[3]!,
        flags: f[2]!.split(","),
        firsts: f
          .slice(8)
          .filter((s) => !s.startsWith("["))
          .map((s) => Number(s.split("-")[0])),
      };
    });
}

async function view(port: number): Promise<{ state: string; nodes: Node[] } | null> {
  try {
    const [info, nodes] = await Promise.all([
      call(port, ["CLUSTER", "INFO"]),
      call(port, ["CLUSTER", "NODES"]),
    ]);
    if (typeof info !== "string" || typeof nodes !== "string") return null;
    const state = /cluster_state:(\w+)/.exec(info)?.[1] ?? "?";
    return { state, nodes: parseNodes(nodes) };
  } catch {
    return null;
  }
}

/** Every node runs, is ok, flags nobody; three masters, each with one linked replica. */
async function quiet(t: Target): Promise<Node[]> {
  return waitFor(
    async () => {
      let first: Node[] | null = null;
      for (const port of t.ports) {
        const v = await view(port);
        if (v === null || v.state !== "ok" || v.nodes.length !== t.ports.length) return null;
        if (v.nodes.some((n) => n.flags.includes("fail") || n.flags.includes("fail?"))) return null;
        first ??= v.nodes;
      }
      const masters = first!.filter((n) => n.master && n.firsts.length > 0);
      if (masters.length !== 3) return null;
      for (const m of masters) {
        const replicas = first!.filter((n) => n.masterId === m.id);
        if (replicas.length !== 1) return null;
        const info = await call(replicas[0]!.port, ["INFO", "replication"]);
        if (typeof info !== "string" || !info.includes("master_link_status:up")) return null;
      }
      return first!;
    },
    { timeout: 60_000, interval: 100, what: `the ${t.kind} cluster to be quiet` },
  );
}

/** A key whose slot is in the range starting at `first`. */
function keyIn(nodes: Node[], first: number): string {
  const starts = nodes.flatMap((n) => n.firsts).sort((a, b) => a - b);
  const end = starts.find((s) => s > first) ?? 16384;
  for (let i = 0; ; i++) {
    const k = `failover-bench:${i}`;
    const s = keySlot(k);
    if (s >= first && s < end) return k;
  }
}

/** Resolves with ms since t0 once `attempt` returns true, or null after MISS_AFTER_MS. */
async function probe(t0: number, attempt: () => Promise<boolean>): Promise<number | null> {
  for (;;) {
    const tried = performance.now();
    if (await attempt().catch(() => false)) return Math.round(performance.now() - t0);
    if (performance.now() - t0 > MISS_AFTER_MS) return null;
    await sleep(Math.max(0, PROBE_EVERY_MS - (performance.now() - tried)));
  }
}

interface Kill {
  okMs: number | null;
  writeMs: number | null;
  victim: number;
  promoted: number | null;
}

async function killOnce(t: Target, round: number): Promise<Kill> {
  const nodes = await quiet(t);
  const first = RANGES[round % RANGES.length]!;
  const victim = nodes.find((n) => n.master && n.firsts.includes(first))!;
  const replica = nodes.find((n) => n.masterId === victim.id)!;
  const survivors = t.ports.filter((p) => p !== victim.port);
  const key = keyIn(nodes, first);
  const pid = t.pid(victim.port);

  const t0 = performance.now();
  process.kill(pid, "SIGKILL");
  let promoted: number | null = null;
  const [okMs, writeMs] = await Promise.all([
    probe(t0, async () => {
      const views = await Promise.all(survivors.map(view));
      return views.every((v) => {
        if (v === null || v.state !== "ok") return false;
        const owner = v.nodes.find((n) => n.master && n.firsts.includes(first));
        if (owner === undefined || owner.port === victim.port) return false;
        promoted = owner.port;
        return true;
      });
    }),
    probe(t0, async () => {
      const r = await call(replica.port, ["SET", key, String(round)], 500);
      if (r === "OK") return true;
      const moved = r instanceof Error ? /^MOVED \d+ [^:]+:(\d+)$/.exec(r.message) : null;
      if (moved === null) return false;
      return (await call(Number(moved[1]), ["SET", key, String(round)], 500)) === "OK";
    }),
  ]);
  if (okMs === null || writeMs === null) {
    // A miss: what the dead master's replica and one surviving master logged, to tell why.
    const other = nodes.find((n) => n.master && n.port !== victim.port)!;
    for (const [who, port] of [
      ["replica", replica.port],
      ["master", other.port],
    ] as const)
      console.log(
        `    ${t.kind} ${who} ${port}, last lines of its log:\n${t
          .log(port)
          .trimEnd()
          .split("\n")
          .slice(-25)
          .map((l) => `      ${l}`)
          .join("\n")}`,
      );
  }
  // Until it is gone for good, the pid must not be reused by a restart's check.
  await waitFor(() => !alive(pid), { timeout: 5000, what: `pid ${pid} to exit` });
  await t.restart(victim.port);
  return { okMs, writeMs, victim: victim.port, promoted };
}

/** The process exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

// ---- the two clusters ----

async function shoalCluster(): Promise<Target> {
  const cluster = await LocalCluster.start({ masters: 3, replicas: 1, nodeTimeout: NODE_TIMEOUT });
  return {
    kind: "shoal",
    ports: cluster.ports,
    pid(port) {
      const pid = fs.readFileSync(path.join(cluster.dir, String(port), "shoal.pid"), "utf8");
      return Number(pid.trim());
    },
    log: (port) => fs.readFileSync(path.join(cluster.dir, String(port), "shoal.log"), "utf8"),
    restart: (port) => cluster.restart(port),
    stop: () => cluster.stop(),
  };
}

/** n consecutive client ports whose bus ports (+10000) are free too, all below 32768. */
async function freeBlock(n: number): Promise<number> {
  const can = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen({ port, host: "127.0.0.1", exclusive: true }, () =>
        srv.close(() => resolve(true)),
      );
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (22767 - n - 20000));
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = (await can(base + i)) && (await can(base + i + 10000));
    if (ok) return base;
  }
  throw new Error("no free ports below 32768");
}

async function redisCluster(): Promise<Target> {
  const base = await freeBlock(6);
  const ports = Array.from({ length: 6 }, (_, i) => base + i);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "shoal-bench-redis-"));
  const handles = new Map<number, ServerHandle>();
  const start = async (port: number) => {
    const dir = path.join(root, String(port));
    fs.mkdirSync(dir, { recursive: true });
    handles.set(
      port,
      await spawnServer({
        command: [redisServerPath()],
        port,
        dir,
        args: [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-node-timeout",
          String(NODE_TIMEOUT),
          "--save",
          "",
          "--appendonly",
          "no",
          "--protected-mode",
          "no",
        ],
      }),
    );
  };
  const stop = async () => {
    await Promise.all([...handles.values()].map((h) => h.stop()));
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map(start));
    const create = await run(
      redisCliPath(),
      [
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        "1",
        "--cluster-yes",
      ],
      { timeout: 60_000 },
    );
    if (create.code !== 0) throw new Error(`redis-cli --cluster create:\n${create.stdout}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    kind: "redis",
    ports,
    pid: (port) => handles.get(port)!.process.pid!,
    log: (port) => handles.get(port)!.output(),
    async restart(port) {
      await handles.get(port)!.kill();
      await start(port);
    },
    stop,
  };
}

// ---- report ----

function stats(xs: (number | null)[]) {
  const got = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const at = (q: number) => got[Math.min(got.length - 1, Math.floor(q * got.length))] ?? Number.NaN;
  return {
    median: at(0.5),
    p90: at(0.9),
    max: got.at(-1) ?? Number.NaN,
    misses: xs.length - got.length,
  };
}

const cell = (n: number) => (Number.isNaN(n) ? "-" : `${n} ms`).padStart(9);

async function main(): Promise<void> {
  const redisVersion = execFileSync(redisServerPath(), ["--version"], { encoding: "utf8" }).trim();
  const cpu = os.cpus();
  console.log(
    `kill -9 of a master, 3 masters + 3 replicas, cluster-node-timeout ${NODE_TIMEOUT}, ${KILLS} kills per cluster, alternating`,
  );
  console.log(
    `${new Date().toISOString()}  ${cpu.length} x ${cpu[0]?.model ?? "?"}  node ${process.version}  ${redisVersion}`,
  );
  const targets: Target[] = [];
  try {
    targets.push(await shoalCluster());
    targets.push(await redisCluster());
    const results: Record<Kind, Kill[]> = { shoal: [], redis: [] };
    for (let round = 0; round < KILLS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const k = await killOnce(t, round);
        results[t.kind].push(k);
        const ms = (x: number | null) => (x === null ? "MISS" : `${x} ms`);
        console.log(
          `  ${String(round + 1).padStart(2)}/${KILLS} ${t.kind.padEnd(5)} killed ${k.victim}, ${k.promoted ?? "nobody"} promoted: ok everywhere ${ms(k.okMs).padStart(8)}, first write ${ms(k.writeMs).padStart(8)}`,
        );
      }
    }
    console.log("");
    console.log(
      `${"".padEnd(27)}${"median".padStart(9)}${"p90".padStart(9)}${"max".padStart(9)}${"misses".padStart(8)}`,
    );
    const table: Record<string, ReturnType<typeof stats>> = {};
    for (const kind of ["shoal", "redis"] as const)
      for (const [what, pick] of [
        ["kill -> ok", (k: Kill) => k.okMs],
        ["kill -> first write", (k: Kill) => k.writeMs],
      ] as const) {
        const s = stats(results[kind].map(pick));
        table[`${kind} ${what}`] = s;
        console.log(
          `${`${kind} ${what}`.padEnd(27)}${cell(s.median)}${cell(s.p90)}${cell(s.max)}${String(s.misses).padStart(8)}`,
        );
      }
    const ratio = (what: string) =>
      (table[`shoal ${what}`]!.median / table[`redis ${what}`]!.median).toFixed(2);
    console.log(
      `shoal/redis (medians): kill -> ok ${ratio("kill -> ok")}x, kill -> first write ${ratio("kill -> first write")}x`,
    );
    const goal = NODE_TIMEOUT + 800;
    const s = table["shoal kill -> ok"]!;
    console.log(
      `goal: every kill fails over (shoal misses: ${s.misses + table["shoal kill -> first write"]!.misses}), shoal median <= ${goal} ms (${s.median} ms) and below redis (${table["redis kill -> ok"]!.median} ms)`,
    );
  } finally {
    for (const t of targets) await t.stop();
  }
}

await main();

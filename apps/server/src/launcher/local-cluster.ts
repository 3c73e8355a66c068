// The local cluster launcher behind `shoal-cluster` (the counterpart of Redis's
// utils/create-cluster script): N real shoal-server processes on consecutive ports, each in its
// own directory under --dir (nodes.conf, log, pid file), joined into one cluster the way
// `redis-cli --cluster create` does it — ADDSLOTSRANGE per master, distinct config epochs, MEET
// from the first node, REPLICATE for replicas — then a wait for cluster_state:ok on every node.
// The layout is recorded in <dir>/cluster.json so stop/status/clean and the fault verbs need no
// flags. A partitionable cluster (`partitions`) puts a fault proxy (fault-proxy.ts) on the ports
// everyone sees; the nodes themselves then listen on the next block of ports.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { splitSlots } from "@shoal/slot-hash";
import { pidAlive } from "../pid-alive.js";
import { type AdminReply, adminCall, parseInfo } from "./admin-client.js";
import { type ProxiedNode, sourceAddress } from "./fault-proxy.js";
import { distFile } from "./paths.js";
import { proxyLogFile, proxyRunning, startProxy, stopProxy } from "./proxy-control.js";

export interface LayoutOptions {
  host: string;
  /** First client port; node i listens on port + i, its bus on port + i + 10000. */
  port: number;
  masters: number;
  /** Replicas per master. */
  replicas: number;
  nodeTimeout: number;
  /** Extra `--directive value` arguments for every node. */
  serverArgs: string[];
  /**
   * Nodes behind per-node fault proxies, so partition/heal can cut them apart. The proxies take
   * port..port+n-1 (and +10000); the nodes listen on port+n..port+2n-1 (and +10000).
   */
  partitions?: boolean;
}

export interface Layout extends LayoutOptions {
  dir: string;
}

export type Print = (line: string) => void;

const SLOTS = 16384;
const LAYOUT_FILE = "cluster.json";

export function nodePorts(l: LayoutOptions): number[] {
  const n = l.masters * (1 + l.replicas);
  return Array.from({ length: n }, (_, i) => l.port + i);
}

/** Where the node known as `port` really listens: the same port, or behind its proxy. */
export function serverPort(l: LayoutOptions, port: number): number {
  return l.partitions ? port + l.masters * (1 + l.replicas) : port;
}

/** What the fault proxy of a partitionable cluster listens for. */
export function proxiedNodes(l: LayoutOptions): ProxiedNode[] {
  return nodePorts(l).map((port) => ({
    port,
    serverPort: serverPort(l, port),
    source: sourceAddress(port),
  }));
}

export function readLayout(dir: string): Layout | null {
  try {
    const l = JSON.parse(fs.readFileSync(path.join(dir, LAYOUT_FILE), "utf8")) as Layout;
    return { ...l, dir };
  } catch {
    return null;
  }
}

function writeLayout(l: Layout): void {
  fs.mkdirSync(l.dir, { recursive: true });
  const { dir: _dir, ...rest } = l;
  fs.writeFileSync(path.join(l.dir, LAYOUT_FILE), `${JSON.stringify(rest, null, 2)}\n`);
}

export const nodeDir = (l: Layout, port: number) => path.join(l.dir, String(port));
const pidFile = (l: Layout, port: number) => path.join(nodeDir(l, port), "shoal.pid");
export const logFile = (l: Layout, port: number) => path.join(nodeDir(l, port), "shoal.log");

/** The pid of a live node process, from its pid file. */
export function livePid(l: Layout, port: number): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile(l, port), "utf8").trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return pidAlive(pid) ? pid : null;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pingAt(host: string, port: number): Promise<boolean> {
  try {
    return (await adminCall(host, port, ["PING"], 1000)) === "PONG";
  } catch {
    return false;
  }
}

/** PING the node itself (not its proxy). */
export const ping = (l: LayoutOptions, port: number) => pingAt(l.host, serverPort(l, port));

/** One command to the node itself (not through its proxy); an error reply throws. */
export async function call(
  l: LayoutOptions,
  port: number,
  args: readonly string[],
  timeoutMs = 5000,
): Promise<AdminReply> {
  const r = await adminCall(l.host, serverPort(l, port), args, timeoutMs);
  if (r instanceof Error)
    throw new Error(`${l.host}:${port} ${args.join(" ")} failed: ${r.message}`);
  return r;
}

/** Spawns one node process, detached, its output in <dir>/<port>/stderr.log. */
export function spawnNode(l: Layout, port: number): ChildProcess {
  const dir = nodeDir(l, port);
  fs.mkdirSync(dir, { recursive: true });
  const err = fs.openSync(path.join(dir, "stderr.log"), "a");
  // Behind a proxy: announce the proxy's ports, and leave from the node's own address so the
  // proxy can tell which node a connection comes from.
  const proxied = l.partitions
    ? [
        "--cluster-announce-port",
        String(port),
        "--cluster-announce-bus-port",
        String(port + 10000),
        "--replica-announce-port",
        String(port),
        "--bind-source-addr",
        sourceAddress(port),
      ]
    : [];
  const child = spawn(
    process.execPath,
    [
      distFile("main.js"),
      "--port",
      String(serverPort(l, port)),
      "--bind",
      l.host,
      "--protected-mode",
      "no",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      "nodes.conf",
      "--cluster-node-timeout",
      String(l.nodeTimeout),
      "--dir",
      dir,
      "--logfile",
      logFile(l, port),
      "--pidfile",
      pidFile(l, port),
      "--save",
      "",
      "--appendonly",
      "no",
      // Each master's replicas attach together at start-up: no 5 s wait for more of them.
      "--repl-diskless-sync-delay",
      "0",
      ...proxied,
      ...l.serverArgs,
    ],
    { cwd: dir, detached: true, stdio: ["ignore", err, err] },
  );
  child.unref();
  fs.closeSync(err);
  return child;
}

/** Starts every node that isn't running yet; resolves when all answer PING. */
export async function startNodes(l: Layout, print: Print): Promise<void> {
  writeLayout(l);
  const ports = nodePorts(l);
  if (l.partitions) {
    // First, so the nodes' very first bus links already go through it.
    if (await proxyRunning(l.dir)) print("Fault proxy already running");
    else {
      const pid = await startProxy(l.dir);
      print(
        `Fault proxy on ports ${ports[0]}-${ports.at(-1)} and +10000 (pid ${pid}, log ${proxyLogFile(l.dir)})`,
      );
    }
  }
  print(`Starting ${ports.length} shoal-server nodes in ${l.dir}`);
  const started = new Map<number, { exited: boolean; attempts: number }>();
  const launch = (port: number, attempts: number) => {
    const child = spawnNode(l, port);
    const entry = { exited: false, attempts };
    child.once("exit", () => {
      entry.exited = true;
    });
    started.set(port, entry);
    return child;
  };
  for (const port of ports) {
    const pid = livePid(l, port);
    if (pid !== null) {
      print(`  ${l.host}:${port} already running (pid ${pid})`);
      continue;
    }
    if (await ping(l, port))
      throw new Error(
        `port ${port} is already in use by another server; choose another --port or stop it`,
      );
    const child = launch(port, 1);
    const behind = l.partitions
      ? `, behind its proxy on ${serverPort(l, port)}/${serverPort(l, port) + 10000}, leaving from ${sourceAddress(port)}`
      : "";
    print(`  ${l.host}:${port} (bus ${port + 10000}) starting, pid ${child.pid}${behind}`);
  }
  const deadline = Date.now() + 30_000;
  for (const port of started.keys()) {
    while (!(await ping(l, port))) {
      const e = started.get(port)!;
      // A node that exits at once usually lost its bus port to a passing outbound connection
      // (bus ports above 32767 sit in Linux's ephemeral range): try it twice more.
      if (e.exited && e.attempts < 3) {
        const child = launch(port, e.attempts + 1);
        print(`  ${l.host}:${port} exited during start-up; starting it again, pid ${child.pid}`);
      } else if (e.exited || Date.now() > deadline) {
        throw new Error(
          `${l.host}:${port} did not start; see ${path.join(nodeDir(l, port), "stderr.log")} and ${logFile(l, port)}`,
        );
      }
      await sleep(100);
    }
  }
  if (started.size) print(`  all ${ports.length} nodes answer PING`);
}

/** Joins the running nodes into one cluster (skipped when already formed); waits for ok. */
export async function createCluster(l: Layout, print: Print, timeoutMs = 60_000): Promise<void> {
  const ports = nodePorts(l);
  const masters = ports.slice(0, l.masters);
  for (const port of ports)
    if (!(await ping(l, port)))
      throw new Error(`${l.host}:${port} is not running; start the nodes with shoal-cluster start`);
  const info0 = parseInfo(String(await call(l, ports[0]!, ["CLUSTER", "INFO"])));
  const formed = Number(info0.cluster_known_nodes) > 1 || Number(info0.cluster_slots_assigned) > 0;
  if (formed) {
    print("Nodes already belong to a cluster; not re-creating it");
  } else {
    const ranges = splitSlots(l.masters);
    print(`Assigning ${SLOTS} slots to ${l.masters} masters`);
    for (let i = 0; i < masters.length; i++) {
      const { start: a, end: b } = ranges[i]!;
      await call(l, masters[i]!, ["CLUSTER", "ADDSLOTSRANGE", String(a), String(b)]);
      print(`  ${l.host}:${masters[i]} -> slots ${a}-${b} (${b - a + 1} slots)`);
    }
    // A distinct configEpoch per node, as redis-cli does, so no collision handling is needed.
    for (let i = 0; i < ports.length; i++)
      await call(l, ports[i]!, ["CLUSTER", "SET-CONFIG-EPOCH", String(i + 1)]);
    print("Joining the nodes (CLUSTER MEET)");
    for (const port of ports.slice(1))
      await call(l, ports[0]!, ["CLUSTER", "MEET", l.host, String(port), String(port + 10000)]);
    await waitFor(
      print,
      "every node to know every other",
      async () => {
        let known = 0;
        for (const port of ports) {
          const info = parseInfo(String(await call(l, port, ["CLUSTER", "INFO"])));
          if (Number(info.cluster_known_nodes) === ports.length) known++;
        }
        return [known === ports.length, `${known}/${ports.length} nodes see the whole cluster`];
      },
      timeoutMs,
    );
    if (l.replicas > 0) {
      print(`Attaching ${l.replicas} replica(s) per master (CLUSTER REPLICATE)`);
      const ids: string[] = [];
      for (const m of masters) ids.push(String(await call(l, m, ["CLUSTER", "MYID"])));
      for (let i = l.masters; i < ports.length; i++) {
        const m = (i - l.masters) % l.masters;
        await call(l, ports[i]!, ["CLUSTER", "REPLICATE", ids[m]!]);
        print(`  ${l.host}:${ports[i]} replicates ${l.host}:${masters[m]}`);
      }
    }
  }
  await waitFor(
    print,
    "cluster_state:ok on every node",
    async () => {
      let ok = 0;
      for (const port of ports) {
        const info = parseInfo(String(await call(l, port, ["CLUSTER", "INFO"])));
        if (info.cluster_state === "ok" && Number(info.cluster_known_nodes) === ports.length) ok++;
      }
      return [ok === ports.length, `${ok}/${ports.length} nodes report cluster_state:ok`];
    },
    timeoutMs,
  );
}

async function waitFor(
  print: Print,
  what: string,
  check: () => Promise<[boolean, string]>,
  timeoutMs: number,
): Promise<void> {
  print(`Waiting for ${what}`);
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const [done, progress] = await check();
    if (progress !== last) {
      print(`  ${progress}`);
      last = progress;
    }
    if (done) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${progress})`);
    await sleep(200);
  }
}

/** Where each node listens and how to connect. */
export async function describe(l: Layout, print: Print): Promise<void> {
  const ports = nodePorts(l);
  print("");
  print(`Shoal cluster ready: ${ports.length} nodes, ${l.masters} masters, all ${SLOTS} slots`);
  const nodes = String(await call(l, ports[0]!, ["CLUSTER", "NODES"]));
  const byAddr = new Map<string, string[]>();
  for (const line of nodes.split("\n")) {
    const f = line.trim().split(" ");
    if (f.length < 8) continue;
    byAddr.set(f[1]!.split("@")[0]!, f);
  }
  for (const port of ports) {
    const f = byAddr.get(`${l.host}:${port}`);
    const role = f?.[2]?.includes("master") ? "master" : "replica";
    const slots = f && f.length > 8 ? `slots ${f.slice(8).join(",")}` : "";
    print(
      `  ${l.host}:${port}  bus ${port + 10000}  ${role.padEnd(7)}  ${slots.padEnd(20)}  id ${f?.[0] ?? "?"}`,
    );
  }
  print("");
  print("Connect with a cluster-aware client, for example:");
  print(`  redis-cli -c -h ${l.host} -p ${ports[0]}`);
  print(`  ioredis:    new Redis.Cluster([{ host: "${l.host}", port: ${ports[0]} }])`);
  print(`  node-redis: createCluster({ rootNodes: [{ url: "redis://${l.host}:${ports[0]}" }] })`);
  print(`Logs and nodes.conf: ${l.dir}/<port>/   Stop: shoal-cluster stop --dir ${l.dir}`);
}

/** SIGTERM every running node and wait for it to exit (SIGKILL after 10 s). */
export async function stopNodes(l: Layout, print: Print): Promise<void> {
  const ports = nodePorts(l);
  const pids: [number, number][] = [];
  for (const port of ports) {
    const pid = livePid(l, port);
    if (pid === null) continue;
    process.kill(pid, "SIGTERM");
    // A paused node (SIGSTOP) acts on SIGTERM only once it runs again.
    process.kill(pid, "SIGCONT");
    pids.push([port, pid]);
    print(`Stopping ${l.host}:${port} (pid ${pid})`);
  }
  if (pids.length === 0) print("No node is running");
  const deadline = Date.now() + 10_000;
  for (const [port, pid] of pids) {
    while (pidAlive(pid)) {
      if (Date.now() > deadline) {
        print(`  ${l.host}:${port} did not exit in time; killing it`);
        process.kill(pid, "SIGKILL");
        break;
      }
      await sleep(100);
    }
  }
  if (l.partitions && (await stopProxy(l.dir))) print("Stopped the fault proxy");
}

export type ProcessState = "running" | "paused" | "down";

/** Whether the node's process runs, is stopped by SIGSTOP (Linux's /proc state T), or is gone. */
export function processState(l: Layout, port: number): ProcessState {
  const pid = livePid(l, port);
  if (pid === null) return "down";
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2)[0];
    if (state === "Z" || state === "X") return "down";
    return state === "T" || state === "t" ? "paused" : "running";
  } catch {
    return "running";
  }
}

/** One line per node: process, cluster state, role and slots. */
export async function status(l: Layout, print: Print): Promise<boolean> {
  let allOk = true;
  for (const port of nodePorts(l)) {
    const pid = livePid(l, port);
    if (pid !== null && processState(l, port) === "paused") {
      print(`${l.host}:${port}  pid ${pid}  paused (SIGSTOP; shoal-cluster resume ${port})`);
      allOk = false;
      continue;
    }
    if (pid === null || !(await ping(l, port))) {
      print(`${l.host}:${port}  down`);
      allOk = false;
      continue;
    }
    const info = parseInfo(String(await call(l, port, ["CLUSTER", "INFO"])));
    const nodes = String(await call(l, port, ["CLUSTER", "NODES"]));
    const me = nodes.split("\n").find((line) => line.includes("myself"));
    const f = me?.trim().split(" ") ?? [];
    const role = f[2]?.includes("master") ? "master" : "replica";
    if (info.cluster_state !== "ok") allOk = false;
    print(
      `${l.host}:${port}  pid ${pid}  cluster_state:${info.cluster_state}  ${role}  known_nodes:${info.cluster_known_nodes}  ${f.slice(8).join(",")}`,
    );
  }
  return allOk;
}

/** Stops the nodes and removes what the launcher created under dir. */
export async function clean(l: Layout, print: Print): Promise<void> {
  await stopNodes(l, print);
  for (const port of nodePorts(l)) fs.rmSync(nodeDir(l, port), { recursive: true, force: true });
  fs.rmSync(path.join(l.dir, LAYOUT_FILE), { force: true });
  fs.rmSync(proxyLogFile(l.dir), { force: true });
  try {
    fs.rmdirSync(l.dir);
  } catch {
    // Not empty: other files the user put there stay.
  }
  print(`Removed node directories under ${l.dir}`);
}

// Faults on demand for a local cluster, shared by the `shoal-cluster` verbs and the LocalCluster
// API: kill (SIGKILL), pause (SIGSTOP), resume (SIGCONT), restart (the same arguments, dir and
// nodes.conf), partition/heal (through the fault proxy) and manual failover. Each operation does
// one thing and says what it did; watchReaction() then follows what the cluster does about it —
// flags, cluster_state, which node serves the affected slots — until an expectation holds or a
// bounded time passes, printing each change with the ms elapsed since the fault.
import { pidAlive } from "../pid-alive.js";
import {
  answering,
  flagOf,
  lineOf,
  type Observation,
  observe,
  ownerOf,
  portOfId,
} from "./cluster-view.js";
import {
  call,
  type Layout,
  livePid,
  logFile,
  nodePorts,
  type Print,
  ping,
  processState,
  sleep,
  spawnNode,
} from "./local-cluster.js";
import { proxyRequest, proxyRunning } from "./proxy-control.js";

export type FailoverMode = "default" | "force" | "takeover";

function needNode(l: Layout, port: number): void {
  if (!nodePorts(l).includes(port))
    throw new Error(`${port} is not a node of this cluster (nodes: ${nodePorts(l).join(", ")})`);
}

function needPid(l: Layout, port: number): number {
  needNode(l, port);
  const pid = livePid(l, port);
  if (pid === null) throw new Error(`${l.host}:${port} is not running`);
  return pid;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** SIGKILL; resolves once the process is gone. */
export async function killNode(l: Layout, port: number, print: Print): Promise<number> {
  const pid = needPid(l, port);
  process.kill(pid, "SIGKILL");
  await until(`pid ${pid} to exit`, () => processState(l, port) === "down" || !pidAlive(pid), 5000);
  print(`Killed ${l.host}:${port} (pid ${pid}, SIGKILL)`);
  return pid;
}

/** SIGSTOP; resolves once the kernel reports the process stopped. */
export async function pauseNode(l: Layout, port: number, print: Print): Promise<number> {
  const pid = needPid(l, port);
  process.kill(pid, "SIGSTOP");
  await until(`pid ${pid} to stop`, () => processState(l, port) === "paused", 5000);
  print(`Paused ${l.host}:${port} (pid ${pid}, SIGSTOP)`);
  return pid;
}

/** SIGCONT; resolves once the node answers PING again. */
export async function resumeNode(l: Layout, port: number, print: Print): Promise<number> {
  const pid = needPid(l, port);
  if (processState(l, port) !== "paused") print(`${l.host}:${port} was not paused`);
  process.kill(pid, "SIGCONT");
  await until(`${l.host}:${port} to answer PING`, () => ping(l, port), 10_000);
  print(`Resumed ${l.host}:${port} (pid ${pid}, SIGCONT)`);
  return pid;
}

/**
 * Starts the node again with its directory, nodes.conf and arguments; a node still running is
 * first stopped with SIGTERM (it saves nodes.conf). Resolves once it answers PING.
 */
export async function restartNode(l: Layout, port: number, print: Print): Promise<number> {
  needNode(l, port);
  const old = livePid(l, port);
  if (old !== null) {
    process.kill(old, "SIGTERM");
    process.kill(old, "SIGCONT");
    await until(`pid ${old} to exit`, () => processState(l, port) === "down", 10_000);
    print(`Stopped ${l.host}:${port} (pid ${old}, SIGTERM)`);
  }
  const child = spawnNode(l, port);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 15_000;
  while (!(await ping(l, port))) {
    if (exited || Date.now() > deadline)
      throw new Error(`${l.host}:${port} did not start again; see ${logFile(l, port)}`);
    await sleep(50);
  }
  print(`Restarted ${l.host}:${port} (pid ${child.pid}, same nodes.conf and arguments)`);
  return child.pid!;
}

/** Parses `A,B|C,D,E` into groups of ports. */
export function parsePartition(spec: string): number[][] {
  return spec.split("|").map((g) =>
    g
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .map((s) => {
        if (!/^\d+$/.test(s)) throw new Error(`'${s}' is not a port`);
        return Number(s);
      }),
  );
}

/**
 * With one group only, the nodes not listed form the other side; with two or more, every node
 * must be listed, so a forgotten node is never silently put on some side.
 */
export function completeGroups(l: Layout, groups: readonly (readonly number[])[]): number[][] {
  const all = nodePorts(l);
  const out = groups.map((g) => [...g]);
  if (out.some((g) => g.length === 0)) throw new Error("a partition group is empty");
  for (const g of out) for (const port of g) needNode(l, port);
  const listed = new Set(out.flat());
  if (listed.size !== out.flat().length) throw new Error("a node is listed in more than one group");
  const rest = all.filter((p) => !listed.has(p));
  if (out.length === 1) {
    if (rest.length === 0) throw new Error("every node is in the one group: nothing to cut");
    out.push(rest);
  } else if (rest.length > 0) {
    throw new Error(
      `${rest.join(", ")} ${rest.length === 1 ? "is" : "are"} in no group; list every node, or give one group to cut it from all the others`,
    );
  }
  return out;
}

async function needProxy(l: Layout): Promise<void> {
  if (!l.partitions)
    throw new Error(
      `this cluster was started without --partitions, so it has no fault proxies and cannot be partitioned; recreate it with: shoal-cluster clean --dir ${l.dir} && shoal-cluster start --partitions --dir ${l.dir} (library: LocalCluster.start({ partitions: true }))`,
    );
  if (!(await proxyRunning(l.dir)))
    throw new Error(`the fault proxy of ${l.dir} is not running; shoal-cluster start starts it`);
}

/** Cuts the groups from each other, cluster bus and node-to-node client traffic alike. */
export async function partitionNodes(
  l: Layout,
  groups: readonly (readonly number[])[],
  print: Print,
): Promise<number[][]> {
  await needProxy(l);
  const full = completeGroups(l, groups);
  const r = await proxyRequest(l.dir, { op: "partition", groups: full });
  if (!r.ok) throw new Error(r.error);
  print(
    `Partitioned ${full.map((g) => g.join(",")).join(" | ")}: traffic between the groups is dropped (${r.status.held} open connections held); clients on ${l.host} still reach every node`,
  );
  return full;
}

export async function healNodes(l: Layout, print: Print): Promise<void> {
  await needProxy(l);
  const before = await proxyRequest(l.dir, { op: "status" });
  const r = await proxyRequest(l.dir, { op: "heal" });
  if (!r.ok) throw new Error(r.error);
  const was = before.ok ? before.status.groups : [];
  print(
    was.length
      ? `Healed ${was.map((g) => g.join(",")).join(" | ")}: held connections flow again`
      : "Healed: there was no partition in place",
  );
}

/** CLUSTER FAILOVER [FORCE|TAKEOVER] to the replica; its reply, or throws with its error. */
export async function failoverNode(
  l: Layout,
  port: number,
  mode: FailoverMode,
  print: Print,
): Promise<string> {
  needPid(l, port);
  const args = ["CLUSTER", "FAILOVER", ...(mode === "default" ? [] : [mode.toUpperCase()])];
  const reply = String(await call(l, port, args));
  print(`Sent ${args.join(" ")} to ${l.host}:${port}: ${reply}`);
  return reply;
}

// ---- watching the reaction ----

/** What the cluster should reach after a fault, and how to say it. */
export interface Expectation {
  what: string;
  done(o: Observation, before: Observation): boolean;
  /** A closing line once done, e.g. who took over. */
  summary?(o: Observation, before: Observation): string;
}

/** All running nodes that answer report cluster_state:ok (and at least one answers). */
export function allOk(o: Observation, nodes?: readonly number[]): boolean {
  const ports = nodes ?? answering(o);
  const running = ports.filter((p) => o.process.get(p) === "running");
  if (nodes !== undefined && running.length < nodes.length) return false;
  return running.length > 0 && running.every((p) => o.reports.get(p)?.state === "ok");
}

/**
 * The master now serving the slots `before` saw served by `port`, if one other node took them
 * all in the view of every node that reports cluster_state:ok (a cut-off minority can't know).
 */
export function successor(o: Observation, before: Observation, port: number): number | null {
  const ranges = lineOf(before, port)?.slots ?? [];
  if (ranges.length === 0) return null;
  let found: number | null = null;
  for (const observer of answering(o)) {
    if (observer === port || o.reports.get(observer)!.state !== "ok") continue;
    for (const r of ranges) {
      const owner = ownerOf(o, observer, r);
      if (owner === null || owner.port === port) return null;
      if (found !== null && owner.port !== found) return null;
      found = owner.port;
    }
  }
  if (found === null) return null;
  // The new master itself must say so.
  const self = o.reports.get(found)?.myself;
  return self?.flags.includes("master") ? found : null;
}

export function expectAfterLoss(port: number, before: Observation): Expectation {
  const wasMaster = (lineOf(before, port)?.slots.length ?? 0) > 0;
  return wasMaster
    ? {
        what: `a replica to take over ${lineOf(before, port)!.slots.join(",")} and cluster_state:ok`,
        done: (o) => successor(o, before, port) !== null && allOk(o),
        summary: (o) => {
          const p = successor(o, before, port)!;
          return `Promoted: ${p} (${lineOf(o, p)?.id}) serves ${lineOf(before, port)!.slots.join(",")} in place of ${port}`;
        },
      }
    : {
        what: `every running node to flag ${port} fail`,
        done: (o) =>
          answering(o)
            .filter((p) => p !== port)
            .every((p) => flagOf(o, p, port) === "fail") && allOk(o),
      };
}

export function expectBack(port: number): Expectation {
  return {
    what: `${port} to be flagged by no node and cluster_state:ok everywhere`,
    done: (o) =>
      o.reports.has(port) && answering(o).every((p) => flagOf(o, p, port) === null) && allOk(o),
  };
}

export function expectCut(groups: readonly (readonly number[])[]): Expectation {
  const uniform = (o: Observation, g: readonly number[]) => {
    const states = new Set(g.filter((p) => o.reports.has(p)).map((p) => o.reports.get(p)!.state));
    return states.size <= 1;
  };
  return {
    what: "each side to flag the other side's nodes fail? or fail, and one side to be ok",
    done: (o) =>
      groups.some((g) => g.some((p) => o.reports.get(p)?.state === "ok")) &&
      groups.every((g) => uniform(o, g)) &&
      groups.every((g, i) =>
        g.every(
          (observer) =>
            !o.reports.has(observer) ||
            groups.every((h, j) => i === j || h.every((p) => flagOf(o, observer, p) !== null)),
        ),
      ),
  };
}

export function expectHealed(): Expectation {
  return {
    what: "no node flagged and cluster_state:ok everywhere",
    done: (o) =>
      answering(o).every((a) => answering(o).every((b) => flagOf(o, a, b) === null)) && allOk(o),
  };
}

export function expectMaster(port: number): Expectation {
  return {
    what: `${port} to serve its old master's slots and cluster_state:ok`,
    done: (o) =>
      (o.reports.get(port)?.myself.flags.includes("master") ?? false) &&
      (o.reports.get(port)?.myself.slots.length ?? 0) > 0 &&
      allOk(o),
  };
}

export interface WatchResult {
  settled: boolean;
  elapsedMs: number;
  /** ms at which every running node first reported cluster_state:ok, or null. */
  okAtMs: number | null;
  last: Observation;
}

const short = (id: string) => id.slice(0, 8);
const ms = (n: number) => `${String(n).padStart(6)} ms`;

/**
 * Polls the cluster every 100 ms from `t0` until `expect` holds or `timeoutMs` passes, printing
 * each change: cluster_state per node, fail?/fail flags, roles, and who serves which slots.
 */
export async function watchReaction(
  l: Layout,
  before: Observation,
  expect: Expectation,
  t0: number,
  timeoutMs: number,
  print: Print,
): Promise<WatchResult> {
  print(`Watching for up to ${timeoutMs} ms: waiting for ${expect.what}`);
  let prev = before;
  let okAt: number | null = null;
  for (;;) {
    const o = await observe(l, t0);
    for (const line of changes(prev, o)) print(`  +${ms(o.at)}  ${line}`);
    if (okAt === null && allOk(o) && !allOk(prev)) okAt = o.at;
    if (okAt !== null && !allOk(o)) okAt = null;
    prev = o;
    if (expect.done(o, before)) {
      if (okAt === null && allOk(o)) okAt = o.at;
      print(`Reached after ${o.at} ms: ${expect.what}`);
      if (expect.summary) print(expect.summary(o, before));
      if (okAt !== null)
        print(`cluster_state:ok on all ${answering(o).length} running nodes since +${okAt} ms`);
      return { settled: true, elapsedMs: o.at, okAtMs: okAt, last: o };
    }
    if (o.at >= timeoutMs) {
      const states = answering(o).map((p) => `${p}:${o.reports.get(p)!.state}`);
      print(
        `Not settled after ${o.at} ms (still waiting for ${expect.what}). cluster_state ${states.join(" ")}`,
      );
      return { settled: false, elapsedMs: o.at, okAtMs: null, last: o };
    }
    await sleep(100);
  }
}

/** Human lines for what changed between two observations. */
function changes(a: Observation, b: Observation): string[] {
  const out: string[] = [];
  for (const [port, st] of b.process)
    if (a.process.get(port) !== st) out.push(`${port} process ${st}`);
  const byState = new Map<string, number[]>();
  for (const p of answering(b)) {
    const s = b.reports.get(p)!.state;
    if (a.reports.get(p)?.state !== s) byState.set(s, [...(byState.get(s) ?? []), p]);
  }
  for (const [s, ports] of byState) out.push(`cluster_state:${s} on ${ports.join(", ")}`);
  // Flags, grouped by the flagged node and the new flag.
  const flagged = new Map<string, number[]>();
  for (const observer of answering(b))
    for (const n of b.reports.get(observer)!.nodes) {
      if (n.port === observer) continue;
      const now = flagOf(b, observer, n.port);
      const was = a.reports.has(observer) ? flagOf(a, observer, n.port) : null;
      if (now === was) continue;
      const key = `${n.port} ${now === null ? "no longer flagged" : `flagged ${now}`}`;
      flagged.set(key, [...(flagged.get(key) ?? []), observer]);
    }
  for (const [key, by] of flagged) out.push(`${key} by ${by.join(", ")}`);
  // Roles and slots, as each node reports itself.
  for (const p of answering(b)) {
    const me = b.reports.get(p)!.myself;
    const old = a.reports.get(p)?.myself;
    if (old === undefined) continue;
    const role = me.flags.includes("master") ? "master" : "replica";
    const oldRole = old.flags.includes("master") ? "master" : "replica";
    if (role !== oldRole || me.slots.join() !== old.slots.join() || me.masterId !== old.masterId) {
      const desc =
        role === "master"
          ? `master of ${me.slots.join(",") || "no slots"}`
          : `replica of ${portOfId(b, me.masterId ?? "") ?? "?"}`;
      out.push(`${p} (${short(me.id)}) is now ${desc}`);
    }
  }
  return out;
}

/** The bounded watch time after a fault: 3 node timeouts and 5 s. */
export const watchTime = (l: Layout) => 3 * l.nodeTimeout + 5000;

/** Prints who serves each range after the watch, with node port and id. */
export function printLayout(l: Layout, o: Observation, print: Print): void {
  // Preferably a node that reports ok: a cut-off minority's view is out of date.
  const observer = answering(o).find((p) => o.reports.get(p)!.state === "ok") ?? answering(o)[0];
  if (observer === undefined) {
    print("No node answers");
    return;
  }
  const masters = o.reports
    .get(observer)!
    .nodes.filter((x) => x.flags.includes("master"))
    .sort((a, b) => a.port - b.port);
  for (const n of masters) {
    if (n.slots.length === 0 && !n.flags.includes("fail")) continue;
    const flags = n.flags.filter((f) => f === "fail" || f === "fail?").join(",");
    print(
      `  ${l.host}:${n.port}  ${n.id}  master ${n.slots.join(",") || "(no slots)"}${flags ? `  ${flags}` : ""}  (${o.process.get(n.port) ?? "?"})`,
    );
  }
}

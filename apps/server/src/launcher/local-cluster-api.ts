// LocalCluster: the library face of `shoal-cluster`, for test suites that check how their code
// survives failures. It starts real shoal-server processes with the launcher's own code
// (local-cluster.ts) and injects faults with the verbs' own code (faults.ts), so a test and a
// person at the command line get the same cluster and the same faults:
//
//   const cluster = await LocalCluster.start({ masters: 3, replicas: 1, nodeTimeout: 1000 });
//   const [master] = (await cluster.nodes()).filter((n) => n.role === "master");
//   await cluster.kill(master.port);
//   const promoted = await cluster.waitForPromotion(master.port);
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { answering, lineOf, type Observation, observe, portOfId } from "./cluster-view.js";
import {
  type FailoverMode,
  failoverNode,
  healNodes,
  killNode,
  partitionNodes,
  pauseNode,
  restartNode,
  resumeNode,
  successor,
} from "./faults.js";
import {
  createCluster,
  type Layout,
  livePid,
  nodePorts,
  type Print,
  type ProcessState,
  readLayout,
  sleep,
  startNodes,
  stopNodes,
} from "./local-cluster.js";

export interface LocalClusterOptions {
  /** Masters (default 3). */
  masters?: number;
  /** Replicas per master (default 0). */
  replicas?: number;
  /** cluster-node-timeout in ms (default 2000). */
  nodeTimeout?: number;
  /** Where nodes.conf, logs and cluster.json go; a new temporary directory when left out. */
  dir?: string;
  /** First port; when left out, a free block below 32768 (with its +10000 bus ports). */
  port?: number;
  /** Address the nodes bind (default 127.0.0.1). */
  host?: string;
  /** Extra `--directive value` arguments for every node. */
  serverArgs?: string[];
  /** Put the nodes behind fault proxies so partition()/heal() work (default false). */
  partitions?: boolean;
  /** Progress lines (default: none). */
  print?: Print;
}

export interface LocalClusterNode {
  /** The port clients use (with partitions, its proxy's). */
  port: number;
  id: string;
  role: "master" | "replica";
  /** The port of its master, for a replica. */
  master: number | null;
  /** Slot ranges it serves, as CLUSTER NODES prints them. */
  slots: string[];
  pid: number | null;
  process: ProcessState;
  /** fail? / fail as the other nodes flag it. */
  flags: string[];
}

export interface WaitOptions {
  /** Give up after this many ms (default 30000). */
  timeout?: number;
}

/** Consecutive ports P..P+n-1 free with their bus ports, all below 32768. */
async function freePortBlock(n: number, host: string): Promise<number> {
  const can = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (22767 - n - 20000));
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = (await can(base + i)) && (await can(base + i + 10000));
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports (with +10000) below 32768`);
}

export class LocalCluster {
  /** The state before the latest fault, to know whose slots a promotion should take over. */
  private before: Observation | null = null;

  private constructor(
    readonly layout: Layout,
    private readonly ownDir: boolean,
    private readonly print: Print,
  ) {}

  /** Starts the nodes, joins them, and resolves once every node reports cluster_state:ok. */
  static async start(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
    const host = opts.host ?? "127.0.0.1";
    const masters = opts.masters ?? 3;
    const replicas = opts.replicas ?? 0;
    const partitions = opts.partitions ?? false;
    const n = masters * (1 + replicas);
    const port = opts.port ?? (await freePortBlock(partitions ? 2 * n : n, host));
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "shoal-cluster-"));
    const print = opts.print ?? (() => {});
    const layout: Layout = {
      dir: path.resolve(dir),
      host,
      port,
      masters,
      replicas,
      nodeTimeout: opts.nodeTimeout ?? 2000,
      serverArgs: opts.serverArgs ?? [],
      partitions,
    };
    const cluster = new LocalCluster(layout, opts.dir === undefined, print);
    try {
      await startNodes(layout, print);
      await createCluster(layout, print);
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      throw err;
    }
    return cluster;
  }

  /** A cluster `shoal-cluster start` (or another process) started in `dir`. */
  static attach(dir: string, print: Print = () => {}): LocalCluster {
    const layout = readLayout(path.resolve(dir));
    if (layout === null) throw new Error(`no cluster.json in ${dir}`);
    return new LocalCluster(layout, false, print);
  }

  get dir(): string {
    return this.layout.dir;
  }

  /** Every node's client port, in layout order (masters first). */
  get ports(): number[] {
    return nodePorts(this.layout);
  }

  /** `[{ host, port }]` for ioredis `new Redis.Cluster(seeds)`. */
  get seeds(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: this.layout.host, port }));
  }

  /** `[{ url }]` for node-redis `createCluster({ rootNodes })`. */
  get rootNodes(): { url: string }[] {
    return this.ports.map((port) => ({ url: `redis://${this.layout.host}:${port}` }));
  }

  private observe(): Promise<Observation> {
    return observe(this.layout, Date.now());
  }

  /** Every node as it describes itself (or as the others see it, when it can't answer). */
  async nodes(): Promise<LocalClusterNode[]> {
    const o = await this.observe();
    return this.ports.map((port) => {
      const line = lineOf(o, port);
      const flags = new Set<string>();
      for (const p of answering(o)) {
        const seen = o.reports.get(p)!.nodes.find((n) => n.port === port);
        for (const f of seen?.flags ?? []) if (f === "fail" || f === "fail?") flags.add(f);
      }
      const state = o.process.get(port) ?? "down";
      return {
        port,
        id: line?.id ?? "",
        role: line?.flags.includes("master") ? "master" : "replica",
        master: line?.masterId ? portOfId(o, line.masterId) : null,
        slots: line?.slots ?? [],
        pid: livePid(this.layout, port),
        process: state,
        flags: [...flags],
      } satisfies LocalClusterNode;
    });
  }

  private async remember(): Promise<void> {
    this.before = await this.observe();
  }

  /** SIGKILL the node; resolves once the process is gone. */
  async kill(port: number): Promise<void> {
    await this.remember();
    await killNode(this.layout, port, this.print);
  }

  /** SIGSTOP the node; resolves once it is stopped. */
  async pause(port: number): Promise<void> {
    await this.remember();
    await pauseNode(this.layout, port, this.print);
  }

  /** SIGCONT a paused node; resolves once it answers PING. */
  async resume(port: number): Promise<void> {
    await resumeNode(this.layout, port, this.print);
  }

  /** Starts the node again from its nodes.conf with the same arguments (stopping it first). */
  async restart(port: number): Promise<void> {
    await this.remember();
    await restartNode(this.layout, port, this.print);
  }

  /**
   * Cuts the groups of ports from each other: cluster bus, replication and MIGRATE between them
   * stop (as dropped packets), clients still reach every node. One group: the rest is the other.
   */
  async partition(groups: readonly (readonly number[])[]): Promise<number[][]> {
    await this.remember();
    return partitionNodes(this.layout, groups, this.print);
  }

  /** Ends the partition: held connections flow again. */
  async heal(): Promise<void> {
    await healNodes(this.layout, this.print);
  }

  /** CLUSTER FAILOVER [FORCE|TAKEOVER] to the replica on `port`; resolves with its reply. */
  async failover(port: number, mode: FailoverMode = "default"): Promise<string> {
    await this.remember();
    return failoverNode(this.layout, port, mode, this.print);
  }

  /**
   * Waits until every given node (default: every running node) reports `cluster_state:<state>`.
   */
  async waitForState(
    state: "ok" | "fail",
    opts: WaitOptions & { nodes?: readonly number[] } = {},
  ): Promise<void> {
    const deadline = Date.now() + (opts.timeout ?? 30_000);
    let last = "";
    for (;;) {
      const o = await this.observe();
      const ports = opts.nodes ?? [...o.process].filter(([, s]) => s === "running").map(([p]) => p);
      const states = ports.map((p) => [p, o.reports.get(p)?.state ?? "no answer"] as const);
      if (states.length > 0 && states.every(([, s]) => s === state)) return;
      last = states.map(([p, s]) => `${p}:${s}`).join(" ");
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for cluster_state:${state} (${last})`);
      await sleep(100);
    }
  }

  /**
   * Waits until one other node serves every slot `oldMaster` served before the latest fault, as
   * that node and every node reporting cluster_state:ok see it; resolves with its port.
   */
  async waitForPromotion(oldMaster: number, opts: WaitOptions = {}): Promise<number> {
    const before = this.before ?? (await this.observe());
    if ((lineOf(before, oldMaster)?.slots.length ?? 0) === 0)
      throw new Error(`${oldMaster} served no slots before the latest fault; nothing to take over`);
    const deadline = Date.now() + (opts.timeout ?? 30_000);
    for (;;) {
      const o = await this.observe();
      const port = successor(o, before, oldMaster);
      if (port !== null && o.reports.get(port)?.state === "ok") return port;
      if (Date.now() > deadline)
        throw new Error(
          `no node took over ${lineOf(before, oldMaster)!.slots.join(",")} from ${oldMaster} within ${opts.timeout ?? 30_000} ms`,
        );
      await sleep(100);
    }
  }

  /** Stops every node and the fault proxy; removes the directory if start() created it. */
  async stop(): Promise<void> {
    await stopNodes(this.layout, this.print);
    if (this.ownDir) fs.rmSync(this.layout.dir, { recursive: true, force: true });
  }
}

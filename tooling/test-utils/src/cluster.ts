// A Redis Cluster of real processes on loopback, formed exactly as an operator would: start the
// nodes with cluster-enabled, then `redis-cli --cluster create ... --cluster-yes`. Works for real
// redis-server now and for shoal-server through `command`.
import { freeClusterPorts } from "./ports.js";
import { redisCli, redisCliPath, redisServerPath, run } from "./redis-bin.js";
import { type ServerHandle, spawnServer } from "./redis-server.js";
import { waitFor } from "./wait-for.js";

export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** Server command; defaults to Debian's redis-server. */
  command?: string[];
  /** Extra directives for every node. */
  args?: string[];
  nodeTimeout?: number;
}

export interface ClusterHandle {
  readonly nodes: ServerHandle[];
  readonly ports: number[];
  /** `[{ host, port }]` seeds for client libraries. */
  readonly seeds: { host: string; port: number }[];
  /** Waits until every live node reports cluster_state:ok. */
  waitHealthy(timeout?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function clusterInfo(port: number): Promise<Record<string, string>> {
  const out = await redisCli(port, ["cluster", "info"]);
  const info: Record<string, string> = {};
  for (const line of out.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) info[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return info;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<ClusterHandle> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 0;
  const total = masters * (1 + replicas);
  const ports = await freeClusterPorts(total);
  const command = opts.command ?? [redisServerPath()];
  const nodes: ServerHandle[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    // Settled, not Promise.all: when one node fails to start, the ones that did are stopped
    // below rather than left running.
    const started = await Promise.allSettled(
      ports.map((port) =>
        spawnServer({
          command,
          port,
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--cluster-node-timeout",
            String(opts.nodeTimeout ?? 2000),
            "--save",
            "",
            "--appendonly",
            "no",
            ...(command[0] === redisServerPath() ? ["--protected-mode", "no"] : []),
            ...(opts.args ?? []),
          ],
        }),
      ),
    );
    for (const r of started) if (r.status === "fulfilled") nodes.push(r.value);
    const failed = started.find((r) => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const create = await run(
      redisCliPath(),
      [
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      { timeout: 60_000 },
    );
    if (create.code !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
    const handle: ClusterHandle = {
      nodes,
      ports,
      seeds: ports.map((port) => ({ host: "127.0.0.1", port })),
      async waitHealthy(timeout = 30_000) {
        const live = nodes.filter(
          (n) => n.process.exitCode === null && n.process.signalCode === null,
        );
        await waitFor(
          async () => {
            for (const n of live) {
              const info = await clusterInfo(n.port);
              if (info.cluster_state !== "ok" || Number(info.cluster_known_nodes) < live.length)
                return false;
            }
            return true;
          },
          { timeout, interval: 100, what: "cluster_state:ok on every node" },
        );
      },
      stop,
    };
    await handle.waitHealthy();
    return handle;
  } catch (err) {
    await stop();
    throw err;
  }
}

#!/usr/bin/env node
// `shoal-cluster start|create|stop|status|clean` and the fault verbs `kill|pause|resume|restart|
// partition|heal|failover`: command-line front of the local cluster launcher (local-cluster.ts)
// and of faults.ts. `start` starts the nodes and, unless --no-create, joins them and waits for
// cluster_state:ok, so one command gives a working cluster. A fault verb does its one thing, then
// watches how the cluster reacts for a bounded time and prints each change.
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { type Observation, observe } from "./cluster-view.js";
import {
  type Expectation,
  expectAfterLoss,
  expectBack,
  expectCut,
  expectHealed,
  expectMaster,
  type FailoverMode,
  failoverNode,
  healNodes,
  killNode,
  parsePartition,
  partitionNodes,
  pauseNode,
  printLayout,
  restartNode,
  resumeNode,
  watchReaction,
  watchTime,
} from "./faults.js";
import {
  clean,
  createCluster,
  describe,
  type Layout,
  readLayout,
  startNodes,
  status,
  stopNodes,
} from "./local-cluster.js";

const print = (line: string) => process.stdout.write(`${line}\n`);
// `shoal-cluster start | head`: a closed stdout is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
});

function intOption(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer between ${min} and ${max}`);
    return n;
  };
}

interface Opts {
  port: number;
  masters: number;
  replicas: number;
  dir: string;
  host: string;
  nodeTimeout: number;
  create: boolean;
  partitions: boolean;
  watch: boolean;
}

/** The layout from flags, or the one recorded by `start` in --dir when flags were left out. */
function layoutFrom(cmd: Command, opts: Opts, serverArgs: string[]): Layout {
  const dir = path.resolve(opts.dir);
  const saved = readLayout(dir);
  const given = (name: string) => cmd.getOptionValueSource(name) === "cli";
  const pick = <T>(name: string, v: T, s: T | undefined): T =>
    given(name) || s === undefined ? v : s;
  const l: Layout = {
    dir,
    host: pick("host", opts.host, saved?.host),
    port: pick("port", opts.port, saved?.port),
    masters: pick("masters", opts.masters, saved?.masters),
    replicas: pick("replicas", opts.replicas, saved?.replicas),
    nodeTimeout: pick("nodeTimeout", opts.nodeTimeout, saved?.nodeTimeout),
    serverArgs: serverArgs.length ? serverArgs : (saved?.serverArgs ?? []),
    partitions: pick("partitions", opts.partitions, saved?.partitions),
  };
  const blocks = l.partitions ? 2 : 1;
  if (l.port + blocks * l.masters * (1 + l.replicas) - 1 > 55535)
    throw new InvalidArgumentError(
      `the last ${l.partitions ? "port (nodes behind proxies use a second block)" : "node's port"} must be 55535 or less (bus port = port + 10000)`,
    );
  return l;
}

function portArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535)
    throw new InvalidArgumentError("must be a port number");
  return n;
}

function modeArg(v: string): FailoverMode {
  const m = v.toLowerCase();
  if (m !== "force" && m !== "takeover")
    throw new InvalidArgumentError("must be force or takeover");
  return m;
}

const program = new Command();
program
  .name("shoal-cluster")
  .description(
    "Start a local Shoal cluster: N shoal-server processes on consecutive ports, joined and with all 16384 slots assigned. Then inject faults on demand: kill, pause, partition a node, and watch the cluster react.",
  )
  .option(
    "-p, --port <port>",
    "first client port (node i uses port + i, bus port + 10000)",
    intOption(1, 55535),
    7000,
  )
  .option("-m, --masters <n>", "number of masters", intOption(1, 1000), 3)
  .option(
    "-r, --replicas <n>",
    "replicas per master (CLUSTER REPLICATE; they replicate their master's data)",
    intOption(0, 10),
    0,
  )
  .option(
    "-d, --dir <dir>",
    "directory for each node's nodes.conf, log and pid file",
    "shoal-cluster",
  )
  .option("--host <ip>", "address the nodes bind and announce", "127.0.0.1")
  .option("--node-timeout <ms>", "cluster-node-timeout", intOption(100, 3_600_000), 2000)
  .option("--no-create", "start: only start the processes, don't join them")
  .option(
    "--partitions",
    "start: put every node behind a fault proxy so partition/heal work (the nodes then listen on the next block of ports)",
    false,
  )
  .option("--no-watch", "fault commands: don't watch how the cluster reacts")
  .addHelpText(
    "after",
    `
A fault command does what it says, then watches the cluster for up to 3 x node-timeout + 5 s,
printing each change (fail?/fail flags, cluster_state, who serves which slots) with the ms
elapsed since the fault.

partition GROUPS: ports separated by commas, groups by '|' (quote it in a shell). Every node
must be in a group, except with a single group, which is then cut from all the others. Bus
links, replication and MIGRATE between groups stop as if packets were dropped; clients on
127.0.0.1 still reach every node. Needs a cluster started with --partitions.

Examples:
  shoal-cluster start                      3 masters on 127.0.0.1:7000-7002
  shoal-cluster start --masters 6 --port 30001
  shoal-cluster start --replicas 1 --node-timeout 1000 --partitions
  shoal-cluster kill 7000                  SIGKILL the master on 7000, watch its replica take over
  shoal-cluster restart 7000               start it again from its nodes.conf
  shoal-cluster partition '7000,7003|7001,7002,7004,7005'
  shoal-cluster heal
  shoal-cluster failover 7003 force
  shoal-cluster status
  shoal-cluster stop && shoal-cluster clean`,
  );

const layout = (serverArgs: string[] = []) => layoutFrom(program, program.opts<Opts>(), serverArgs);

program
  .command("start")
  .description("start the nodes, join them into a cluster and wait for cluster_state:ok")
  .argument(
    "[server-args...]",
    "extra directives for every node, after --, e.g. -- --appendonly yes",
  )
  .action(async (serverArgs: string[]) => {
    const l = layout(serverArgs);
    await startNodes(l, print);
    if (program.opts<Opts>().create) {
      await createCluster(l, print);
      await describe(l, print);
    }
  });
program
  .command("create")
  .description("join already-started nodes (what start does after starting them)")
  .action(async () => {
    const l = layout();
    await createCluster(l, print);
    await describe(l, print);
  });
program
  .command("stop")
  .description("stop the nodes (SIGTERM; they save nodes.conf) and the fault proxy")
  .action(async () => stopNodes(layout(), print));
program
  .command("status")
  .description("one line per node: process, cluster_state, role, slots")
  .action(async () => {
    if (!(await status(layout(), print))) process.exitCode = 1;
  });
program
  .command("clean")
  .description("stop the nodes and delete their directories")
  .action(async () => clean(layout(), print));

/** Runs one fault, then (unless --no-watch) watches the reaction. */
async function fault(op: (l: Layout, before: Observation) => Promise<Expectation>): Promise<void> {
  const l = layout();
  const before = await observe(l, Date.now());
  const t0 = Date.now();
  const expect = await op(l, before);
  if (!program.opts<Opts>().watch) return;
  const r = await watchReaction(l, before, expect, t0, watchTime(l), print);
  print("Masters now:");
  printLayout(l, r.last, print);
}

program
  .command("kill")
  .description("SIGKILL the node on PORT")
  .argument("<port>", "the node's port", portArg)
  .action((port: number) =>
    fault(async (l, before) => {
      await killNode(l, port, print);
      return expectAfterLoss(port, before);
    }),
  );
program
  .command("pause")
  .description("SIGSTOP the node on PORT (it keeps its sockets, answers nothing)")
  .argument("<port>", "the node's port", portArg)
  .action((port: number) =>
    fault(async (l, before) => {
      await pauseNode(l, port, print);
      return expectAfterLoss(port, before);
    }),
  );
program
  .command("resume")
  .description("SIGCONT a paused node")
  .argument("<port>", "the node's port", portArg)
  .action((port: number) =>
    fault(async (l) => {
      await resumeNode(l, port, print);
      return expectBack(port);
    }),
  );
program
  .command("restart")
  .description("start the node again with the same directory, nodes.conf and arguments")
  .argument("<port>", "the node's port", portArg)
  .action((port: number) =>
    fault(async (l) => {
      await restartNode(l, port, print);
      return expectBack(port);
    }),
  );
program
  .command("partition")
  .description("cut groups of nodes from each other, e.g. '7000,7003|7001,7002,7004,7005'")
  .argument("<groups>", "ports separated by ',' and groups by '|'")
  .action((spec: string) =>
    fault(async (l) => {
      const groups = await partitionNodes(l, parsePartition(spec), print);
      return expectCut(groups);
    }),
  );
program
  .command("heal")
  .description("end the partition: held connections flow again")
  .action(() =>
    fault(async (l) => {
      await healNodes(l, print);
      return expectHealed();
    }),
  );
program
  .command("failover")
  .description("send CLUSTER FAILOVER [FORCE|TAKEOVER] to the replica on PORT")
  .argument("<port>", "the replica's port", portArg)
  .argument("[mode]", "force | takeover (default: the coordinated manual failover)", modeArg)
  .action((port: number, mode: FailoverMode | undefined) =>
    fault(async (l) => {
      await failoverNode(l, port, mode ?? "default", print);
      return expectMaster(port);
    }),
  );

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`shoal-cluster: ${(err as Error).message}\n`);
  process.exit(1);
});

#!/usr/bin/env node
// `shoal-cluster start|create|stop|status|clean`: command-line front of the local cluster
// launcher (local-cluster.ts). `start` starts the nodes and, unless --no-create, joins them and
// waits for cluster_state:ok, so one command gives a working cluster.
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
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
  };
  if (l.port + l.masters * (1 + l.replicas) - 1 > 55535)
    throw new InvalidArgumentError(
      "the last node's port must be 55535 or less (bus port = port + 10000)",
    );
  return l;
}

const program = new Command();
program
  .name("shoal-cluster")
  .description(
    "Start a local Shoal cluster: N shoal-server processes on consecutive ports, joined and with all 16384 slots assigned.",
  )
  .argument("<command>", "start | create | stop | status | clean")
  .argument(
    "[server-args...]",
    "extra directives for every node, after --, e.g. -- --appendonly yes",
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
  .addHelpText(
    "after",
    `
Commands:
  start    start the nodes, join them into a cluster and wait for cluster_state:ok
  create   join already-started nodes (what start does after starting them)
  stop     stop the nodes (SIGTERM; they save nodes.conf)
  status   one line per node: process, cluster_state, role, slots
  clean    stop the nodes and delete their directories

Examples:
  shoal-cluster start                      3 masters on 127.0.0.1:7000-7002
  shoal-cluster start --masters 6 --port 30001
  shoal-cluster status
  shoal-cluster stop && shoal-cluster clean`,
  )
  .action(async (command: string, serverArgs: string[], opts: Opts, cmd: Command) => {
    const l = layoutFrom(cmd, opts, serverArgs);
    switch (command) {
      case "start":
        await startNodes(l, print);
        if (opts.create) {
          await createCluster(l, print);
          await describe(l, print);
        }
        break;
      case "create":
        await createCluster(l, print);
        await describe(l, print);
        break;
      case "stop":
        await stopNodes(l, print);
        break;
      case "status":
        if (!(await status(l, print))) process.exitCode = 1;
        break;
      case "clean":
        await clean(l, print);
        break;
      default:
        throw new InvalidArgumentError(
          `unknown command '${command}' (start, create, stop, status, clean)`,
        );
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`shoal-cluster: ${(err as Error).message}\n`);
  process.exit(1);
});

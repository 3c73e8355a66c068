// `shoal-cli --cluster <verb>`: create, check, info, add-node, del-node, call — in the spirit of
// redis-cli --cluster (clusterManagerCommand* in src/redis-cli.c, captured in
// shared/reference/cluster-interface.md §1): the same steps, the same progress lines and
// verdicts ([OK] / [ERR]), exit code 1 when anything is wrong. Works against any server that
// speaks the cluster commands, real Redis or shoal.
import readline from "node:readline";
import { splitSlots } from "@shoal/slot-hash";
import { Command } from "commander";
import type { Client } from "../client.js";
import {
  type AuthOptions,
  ClusterView,
  checkCluster,
  configSignature,
  connectNode,
  describeNode,
  infoField,
  type ManagedNode,
  parseHostPort,
  parseNodesLines,
  showClusterInfo,
  slotsString,
} from "./cluster-view.js";
import { formatRaw } from "./format.js";
import type { CliIO } from "./main.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class ManagerError extends Error {}

interface Ctx {
  io: CliIO;
  log(s: string): void;
  auth: AuthOptions;
}

async function askYes(ctx: Ctx, question: string): Promise<boolean> {
  ctx.io.stdout.write(`${question} (type 'yes' to accept): `);
  const rl = readline.createInterface({ input: ctx.io.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.trim() === "yes";
  }
  return false;
}

/** A fresh node must be a cluster node, know nobody and hold no keys (create, add-node). */
async function checkFreshNode(c: Client, addr: string): Promise<string> {
  const enabled = await infoField(c, "cluster", "cluster_enabled");
  if (enabled === "0")
    throw new ManagerError(`[ERR] Node ${addr} is not configured as a cluster node.`);
  const me = parseNodesLines(String(await c.call("CLUSTER", "NODES"))).find((l) =>
    l.flags.includes("myself"),
  );
  const keyspace = String(await c.call("INFO", "keyspace"));
  const known = String(await c.call("CLUSTER", "INFO")).match(/cluster_known_nodes:(\d+)/)?.[1];
  if (keyspace.includes("db0:") || known !== "1")
    throw new ManagerError(
      `[ERR] Node ${addr} is not empty. Either the node already knows other nodes (check with CLUSTER NODES) or contains some key in database 0.`,
    );
  return me!.id;
}

/** Waits until every node reports the same slot configuration (clusterManagerWaitForClusterJoin). */
async function waitForJoin(ctx: Ctx, clients: Client[], timeoutMs = 60_000): Promise<void> {
  ctx.io.stdout.write("Waiting for the cluster to join\n");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sigs = await Promise.all(clients.map((c) => configSignature(c).catch(() => "error")));
    const known = await Promise.all(
      clients.map((c) =>
        c
          .call("CLUSTER", "INFO")
          .then((i) => Number(String(i).match(/cluster_known_nodes:(\d+)/)?.[1]))
          .catch(() => 0),
      ),
    );
    if (
      sigs.every((s) => s === sigs[0] && s !== "error") &&
      known.every((k) => k >= clients.length)
    ) {
      ctx.io.stdout.write("\n");
      return;
    }
    if (Date.now() > deadline)
      throw new ManagerError(
        "\n[ERR] The cluster did not converge: nodes still disagree about the configuration (are the cluster bus ports, port+10000, reachable?)",
      );
    ctx.io.stdout.write(".");
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------
// create

interface Plan {
  node: { host: string; port: number; id: string; client: Client };
  slots?: [number, number];
  replicate?: string;
}

/** Masters first (interleaved by host), slots split evenly, replicas on other hosts when possible. */
export function planCluster(
  nodes: { host: string; port: number }[],
  replicas: number,
): {
  masters: number;
  assignments: { index: number; slots?: [number, number]; masterIndex?: number }[];
} {
  const masters = Math.floor(nodes.length / (replicas + 1));
  if (masters < 3)
    throw new ManagerError(
      "*** ERROR: Invalid configuration for cluster creation.\n*** Redis Cluster requires at least 3 master nodes.\n*** This is not possible with " +
        `${nodes.length} nodes and ${replicas} replicas per node.\n*** At least ${3 * (replicas + 1)} nodes are required.`,
    );
  // Interleave hosts so masters spread over machines (redis-cli groups by IP, round robin).
  const byHost = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    byHost.set(n.host, [...(byHost.get(n.host) ?? []), i]);
  });
  const order: number[] = [];
  const queues = [...byHost.values()];
  while (order.length < nodes.length) for (const q of queues) if (q.length) order.push(q.shift()!);
  const assignments: { index: number; slots?: [number, number]; masterIndex?: number }[] = [];
  splitSlots(masters).forEach(({ start, end }, i) => {
    assignments.push({ index: order[i]!, slots: [start, end] });
  });
  const candidates = order.slice(masters);
  for (let round = 0; round < replicas; round++) {
    for (let m = 0; m < masters && candidates.length; m++) {
      const masterHost = nodes[order[m]!]!.host;
      let pick = candidates.findIndex((c) => nodes[c]!.host !== masterHost);
      if (pick < 0) pick = 0;
      const [c] = candidates.splice(pick, 1);
      assignments.push({ index: c!, masterIndex: order[m]! });
    }
  }
  // Leftovers (N not a multiple of R+1): one extra replica each, round robin.
  for (let m = 0; candidates.length; m = (m + 1) % masters)
    assignments.push({ index: candidates.shift()!, masterIndex: order[m]! });
  return { masters, assignments };
}

async function createCluster(ctx: Ctx, addrs: string[], replicas: number, yes: boolean) {
  const nodes = addrs.map(parseHostPort);
  const clients = nodes.map((n) => connectNode(n.host, n.port, ctx.auth));
  try {
    const ids: string[] = [];
    for (let i = 0; i < nodes.length; i++) {
      try {
        ids.push(await checkFreshNode(clients[i]!, addrs[i]!));
      } catch (err) {
        if (err instanceof ManagerError) throw err;
        throw new ManagerError(`[ERR] Node ${addrs[i]}: ${(err as Error).message}`);
      }
    }
    const { masters, assignments } = planCluster(nodes, replicas);
    ctx.log(`>>> Performing hash slots allocation on ${nodes.length} nodes...`);
    const plans: Plan[] = assignments.map((a) => ({
      node: { ...nodes[a.index]!, id: ids[a.index]!, client: clients[a.index]! },
      ...(a.slots ? { slots: a.slots } : {}),
      ...(a.masterIndex !== undefined ? { replicate: ids[a.masterIndex]! } : {}),
    }));
    plans
      .filter((p) => p.slots)
      .forEach((p, i) => {
        ctx.log(`Master[${i}] -> Slots ${p.slots![0]} - ${p.slots![1]}`);
      });
    for (const p of plans.filter((x) => x.replicate)) {
      const m = plans.find((x) => x.node.id === p.replicate)!;
      ctx.log(`Adding replica ${p.node.host}:${p.node.port} to ${m.node.host}:${m.node.port}`);
    }
    for (const p of plans) {
      const slots = p.slots ? `[${p.slots[0]}-${p.slots[1]}]` : "";
      const count = p.slots ? p.slots[1] - p.slots[0] + 1 : 0;
      ctx.log(
        `${p.replicate ? "S" : "M"}: ${p.node.id} ${p.node.host}:${p.node.port}\n   ${p.replicate ? `replicates ${p.replicate}` : `slots:${slots} (${count} slots) master`}`,
      );
    }
    if (!yes && !(await askYes(ctx, "Can I set the above configuration?")))
      throw new ManagerError("*** Aborting...");
    ctx.log(">>> Nodes configuration updated");
    for (const p of plans) {
      if (p.slots) {
        const slots: number[] = [];
        for (let s = p.slots[0]; s <= p.slots[1]; s++) slots.push(s);
        await p.node.client.call("CLUSTER", "ADDSLOTS", ...slots);
      }
    }
    ctx.log(">>> Assign a different config epoch to each node");
    for (let i = 0; i < plans.length; i++)
      await plans[i]!.node.client.call("CLUSTER", "SET-CONFIG-EPOCH", i + 1).catch(() => {});
    ctx.log(">>> Sending CLUSTER MEET messages to join the cluster");
    const first = plans[0]!.node;
    for (const p of plans.slice(1))
      await p.node.client.call("CLUSTER", "MEET", first.host, first.port);
    await sleep(500);
    await waitForJoin(
      ctx,
      plans.map((p) => p.node.client),
    );
    for (const p of plans.filter((x) => x.replicate)) {
      for (let attempt = 0; ; attempt++) {
        try {
          await p.node.client.call("CLUSTER", "REPLICATE", p.replicate!);
          break;
        } catch (err) {
          // The replica may not know its master yet; gossip gets there in a moment.
          if (attempt > 40)
            throw new ManagerError(
              `[ERR] CLUSTER REPLICATE on ${p.node.host}:${p.node.port}: ${(err as Error).message}`,
            );
          await sleep(250);
        }
      }
    }
    // Let every node see the replicas before checking (the signature ignores them, the node list does not).
    await sleep(masters > 0 ? 1000 : 0);
    const view = await ClusterView.load(addrs[0]!, ctx.auth, ctx.log);
    try {
      return await checkCluster(view, addrs[0]!, ctx.log);
    } finally {
      view.close();
    }
  } finally {
    for (const c of clients) c.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// add-node / del-node / call

async function addNode(
  ctx: Ctx,
  newAddr: string,
  existing: string,
  slave: boolean,
  masterId?: string,
) {
  ctx.log(`>>> Adding node ${newAddr} to cluster ${existing}`);
  const view = await ClusterView.load(existing, ctx.auth, ctx.log);
  const { host, port } = parseHostPort(newAddr);
  const client = connectNode(host, port, ctx.auth);
  try {
    if (!(await checkCluster(view, existing, ctx.log)))
      throw new ManagerError("*** Please fix your cluster problems before adding a node");
    let master: ManagedNode | undefined;
    if (slave) {
      const masters = view.masters();
      if (masterId) {
        master = masters.find((m) => m.id === masterId);
        if (!master) throw new ManagerError(`[ERR] No such master ID ${masterId}`);
      } else {
        master = [...masters].sort((a, b) => a.replicas - b.replicas)[0];
        ctx.log(`Automatically selected master ${master!.host}:${master!.port}`);
      }
    }
    await checkFreshNode(client, newAddr);
    const first = view.nodes[0]!;
    ctx.log(`>>> Send CLUSTER MEET to node ${newAddr} to make it join the cluster.`);
    await client.call("CLUSTER", "MEET", first.host, first.port);
    // Every node must know the newcomer before it is usable (and before del-node can FORGET it).
    await waitForJoin(ctx, [...view.nodes.map((n) => n.client), client]);
    if (master) {
      ctx.log(`>>> Configure node as replica of ${master.host}:${master.port}.`);
      for (let attempt = 0; ; attempt++) {
        try {
          await client.call("CLUSTER", "REPLICATE", master.id);
          break;
        } catch (err) {
          if (attempt > 40) throw new ManagerError(`[ERR] ${(err as Error).message}`);
          await sleep(250);
        }
      }
    }
    ctx.log("[OK] New node added correctly.");
    return true;
  } finally {
    client.disconnect();
    view.close();
  }
}

async function delNode(ctx: Ctx, entry: string, id: string) {
  ctx.log(`>>> Removing node ${id} from cluster ${entry}`);
  const view = await ClusterView.load(entry, ctx.auth, ctx.log);
  try {
    const victim = view.nodes.find((n) => n.id === id);
    if (!victim) throw new ManagerError(`[ERR] No such node ID ${id}`);
    if (victim.slots.length > 0)
      throw new ManagerError(
        `[ERR] Node ${victim.host}:${victim.port} is not empty! Reshard data away and try again.`,
      );
    ctx.log(">>> Sending CLUSTER FORGET messages to the cluster...");
    const others = view.nodes.filter((n) => n !== victim);
    const masters = view.masters().filter((m) => m !== victim);
    for (const n of others) {
      if (n.masterId === victim.id) {
        const target = [...masters].sort((a, b) => a.replicas - b.replicas)[0]!;
        ctx.log(`>>> ${n.host}:${n.port} as replica of ${target.host}:${target.port}`);
        await n.client.call("CLUSTER", "REPLICATE", target.id);
        target.replicas++;
      }
      await n.client.call("CLUSTER", "FORGET", victim.id);
    }
    ctx.log(">>> Sending CLUSTER RESET SOFT to the deleted node.");
    await victim.client.call("CLUSTER", "RESET", "SOFT");
    return true;
  } finally {
    view.close();
  }
}

async function callAll(ctx: Ctx, entry: string, argv: string[], only?: "masters" | "replicas") {
  const view = await ClusterView.load(entry, ctx.auth, ctx.log);
  try {
    ctx.log(`>>> Calling ${argv.join(" ")}`);
    for (const n of view.nodes) {
      if (only === "masters" && n.masterId) continue;
      if (only === "replicas" && !n.masterId) continue;
      let out: string;
      try {
        out = formatRaw(await n.client.call(...argv)).toString();
      } catch (err) {
        out = err instanceof Error && "code" in err ? (err as Error).message : "Failed!";
      }
      ctx.log(`${n.host}:${n.port}: ${out}`);
    }
    return true;
  } finally {
    view.close();
  }
}

// ---------------------------------------------------------------------------------------------

export function buildManagerProgram(ctx: Ctx, result: { ok: boolean; task?: Promise<boolean> }) {
  const program = new Command("shoal-cli --cluster")
    .description("Cluster manager (in the spirit of redis-cli --cluster)")
    .helpOption("--help", "Output this help and exit")
    .helpCommand("help [verb]", "Show help for a verb")
    .option("-a <password>", "Password for every node")
    .option("--user <username>", "ACL user for every node")
    .enablePositionalOptions()
    .exitOverride();
  const run = (fn: () => Promise<boolean>) => {
    const g = program.opts<{ a?: string; user?: string }>();
    if (g.a !== undefined) ctx.auth.password = g.a;
    if (g.user !== undefined) ctx.auth.username = g.user;
    result.task = fn();
  };
  program
    .command("create")
    .description("Create a cluster from empty cluster-enabled nodes")
    .argument("<host:port...>", "The nodes (at least 3 masters' worth)")
    .option("--cluster-replicas <n>", "Replicas per master", "0")
    .option("--cluster-yes", "Answer yes to the configuration prompt")
    .allowExcessArguments(true)
    .action((addrs: string[], o: { clusterReplicas: string; clusterYes?: boolean }) =>
      run(() => createCluster(ctx, addrs, Number(o.clusterReplicas), o.clusterYes ?? false)),
    );
  program
    .command("check")
    .description("Check that every node agrees, no slot is open and all slots are covered")
    .argument("<host:port>", "Any node of the cluster")
    .action((entry: string) =>
      run(async () => {
        const view = await ClusterView.load(entry, ctx.auth, ctx.log);
        try {
          const info = await showClusterInfo(view, ctx.log);
          return (
            (await checkCluster(view, entry, ctx.log)) && info && view.unreachable.length === 0
          );
        } finally {
          view.close();
        }
      }),
    );
  program
    .command("info")
    .description("Keys, slots and replicas per master")
    .argument("<host:port>", "Any node of the cluster")
    .action((entry: string) =>
      run(async () => {
        const view = await ClusterView.load(entry, ctx.auth, ctx.log);
        try {
          return await showClusterInfo(view, ctx.log);
        } finally {
          view.close();
        }
      }),
    );
  program
    .command("add-node")
    .description("Add an empty node as a master (no slots) or, with --cluster-slave, a replica")
    .argument("<new:port>", "The node to add")
    .argument("<existing:port>", "Any node of the cluster")
    .option("--cluster-slave", "Add as a replica")
    .option(
      "--cluster-master-id <id>",
      "Master to replicate (default: the one with fewest replicas)",
    )
    .action((n: string, e: string, o: { clusterSlave?: boolean; clusterMasterId?: string }) =>
      run(() => addNode(ctx, n, e, o.clusterSlave ?? false, o.clusterMasterId)),
    );
  program
    .command("del-node")
    .description("Remove a node that owns no slots (FORGET everywhere, RESET SOFT on it)")
    .argument("<host:port>", "Any node of the cluster")
    .argument("<node-id>", "The node to remove")
    .action((e: string, id: string) => run(() => delNode(ctx, e, id)));
  program
    .command("call")
    .description("Run a command on every node and print each reply")
    .argument("<host:port>", "Any node of the cluster")
    .argument("<command...>", "The command and its arguments")
    .option("--cluster-only-masters", "Only masters")
    .option("--cluster-only-replicas", "Only replicas")
    .passThroughOptions()
    .action(
      (
        e: string,
        argv: string[],
        o: { clusterOnlyMasters?: boolean; clusterOnlyReplicas?: boolean },
      ) =>
        run(() =>
          callAll(
            ctx,
            e,
            argv,
            o.clusterOnlyMasters ? "masters" : o.clusterOnlyReplicas ? "replicas" : undefined,
          ),
        ),
    );
  return program;
}

export async function runClusterManager(argv: string[], io: CliIO): Promise<number> {
  const at = argv.indexOf("--cluster");
  // Global -a/--user may appear anywhere (redis-cli accepts them before or after the verb).
  const global: string[] = [];
  const tail: string[] = [];
  const after = argv.slice(at + 1);
  for (let i = 0; i < after.length; i++) {
    if ((after[i] === "-a" || after[i] === "--user") && i + 1 < after.length) {
      global.push(after[i]!, after[i + 1]!);
      i++;
    } else tail.push(after[i]!);
  }
  const rest = [...argv.slice(0, at), ...global, ...tail];
  const ctx: Ctx = { io, log: (s) => io.stdout.write(`${s}\n`), auth: {} };
  const result: { ok: boolean; task?: Promise<boolean> } = { ok: false };
  const program = buildManagerProgram(ctx, result);
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  try {
    program.parse(rest, { from: "user" });
  } catch (err) {
    return (err as { exitCode?: number }).exitCode ?? 1;
  }
  if (!result.task) {
    program.outputHelp();
    return 1;
  }
  try {
    return (await result.task) ? 0 : 1;
  } catch (err) {
    io.stdout.write(`${(err as Error).message}\n`);
    return 1;
  }
}

export { describeNode, slotsString };

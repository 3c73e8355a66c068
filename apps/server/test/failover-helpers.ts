// Helpers for the failover process tests (failover*.test.ts): a 3+3 LocalCluster with
// cluster-node-timeout 1000, read back the way an operator reads a Redis cluster — INFO,
// CLUSTER NODES, the nodes' logs — plus keys chosen by slot and one-shot commands that return
// error replies (MOVED, CLUSTERDOWN) as text instead of throwing.
import fs from "node:fs";
import path from "node:path";
import { keySlot } from "@shoal/slot-hash";
import { waitFor } from "@shoal/test-utils";
import type { LocalCluster, LocalClusterNode } from "../dist/index.js";
import { cmd, exchange } from "./helpers.js";

export const NODE_TIMEOUT = 1000;

/** `INFO <section>` (or CLUSTER INFO) as a record, through one raw exchange. */
export async function info(port: number, ...args: string[]): Promise<Record<string, string>> {
  const reply = await exchange(port, cmd(...(args.length ? args : ["INFO"])));
  if (!reply.startsWith("$")) throw new Error(`${port} ${args.join(" ")}: ${reply.trim()}`);
  const out: Record<string, string> = {};
  for (const line of reply.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export const clusterInfo = (port: number) => info(port, "CLUSTER", "INFO");
export const replication = (port: number) => info(port, "INFO", "replication");

/** One command; the reply's first line ("+OK", "-MOVED 866 127.0.0.1:7001", ":3", "$2"...). */
export async function send(port: number, ...args: string[]): Promise<string> {
  return (await exchange(port, cmd(...args))).split("\r\n")[0]!;
}

/**
 * SET, then WAIT for one replica on the same connection: WAIT counts the replicas that have this
 * connection's last write, so on a connection of its own it has nothing to wait for. Returns both
 * replies ("+OK\r\n:1\r\n" once the replica has the write).
 */
export async function setAcked(port: number, key: string, value: string): Promise<string> {
  return exchange(port, cmd("SET", key, value) + cmd("WAIT", "1", "2000"));
}

/** GET through one raw exchange: the value, or null for a nil reply; an error throws. */
export async function get(port: number, key: string): Promise<string | null> {
  const reply = await exchange(port, cmd("GET", key));
  if (reply.startsWith("$-1")) return null;
  if (!reply.startsWith("$")) throw new Error(`GET ${key} on ${port}: ${reply.trim()}`);
  return reply.split("\r\n")[1]!;
}

/** "0-5460" or "7000" as [first, last]. */
export function rangeOf(r: string): [number, number] {
  const [a, b] = r.split("-").map(Number) as [number, number?];
  return [a, b ?? a];
}

export const inRanges = (slot: number, ranges: readonly string[]) =>
  ranges.some((r) => {
    const [a, b] = rangeOf(r);
    return slot >= a && slot <= b;
  });

/** `n` distinct keys `<prefix>:<i>` whose slots fall in `ranges`. */
export function keysIn(ranges: readonly string[], n: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const k = `${prefix}:${i}`;
    if (inRanges(keySlot(k), ranges)) out.push(k);
  }
  return out;
}

/** The node's shoal.log (the launcher gives each node its own directory). */
export const logOf = (cluster: LocalCluster, port: number) =>
  fs.readFileSync(path.join(cluster.dir, String(port), "shoal.log"), "utf8");

/** The master serving the range that starts at `firstSlot`, and its replica. */
export function shard(
  nodes: readonly LocalClusterNode[],
  firstSlot: number,
): { master: LocalClusterNode; replica: LocalClusterNode } {
  const master = nodes.find(
    (n) => n.role === "master" && n.slots.some((r) => rangeOf(r)[0] === firstSlot),
  );
  if (master === undefined) throw new Error(`no master serves the range starting at ${firstSlot}`);
  const replica = nodes.find((n) => n.role === "replica" && n.master === master.port);
  if (replica === undefined) throw new Error(`${master.port} has no replica`);
  return { master, replica };
}

/**
 * The quiet state every scenario starts from: every node runs, no node is flagged, every node
 * reports cluster_state:ok, three masters each with one replica whose link is up.
 */
export async function steady(cluster: LocalCluster, timeout = 20_000): Promise<LocalClusterNode[]> {
  return waitFor(
    async () => {
      const nodes = await cluster.nodes();
      if (nodes.some((n) => n.process !== "running" || n.flags.length > 0)) return null;
      const masters = nodes.filter((n) => n.role === "master" && n.slots.length > 0);
      if (masters.length !== 3) return null;
      for (const m of masters)
        if (nodes.filter((n) => n.role === "replica" && n.master === m.port).length !== 1)
          return null;
      for (const n of nodes) {
        if ((await clusterInfo(n.port)).cluster_state !== "ok") return null;
        if (n.role === "replica" && (await replication(n.port)).master_link_status !== "up")
          return null;
      }
      return nodes;
    },
    { timeout, interval: 100, what: "every node running, unflagged, ok, replicas linked" },
  );
}

/** The flags `observer` shows for node `id` in its CLUSTER NODES. */
export async function flagsSeen(observer: number, id: string): Promise<string[]> {
  const nodes = await exchange(observer, cmd("CLUSTER", "NODES"));
  const line = nodes.split("\n").find((l) => l.startsWith(id));
  return line?.split(" ")[2]?.split(",") ?? [];
}

/** Polls every survivor's view of `id` until stopped; resolves with every flag set it saw. */
export function watchFlags(survivors: readonly number[], id: string) {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        survivors.map(async (p) => {
          try {
            for (const f of await flagsSeen(p, id)) seen.add(f);
          } catch {
            // A node busy or restarting: asked again next round.
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop(): Promise<Set<string>> {
      running = false;
      await loop;
      return seen;
    },
  };
}

export function summary(ms: readonly number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `n=${s.length} min ${s[0]} median ${q(0.5)} p90 ${q(0.9)} max ${s.at(-1)} ms`;
}

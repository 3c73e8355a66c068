// What the running nodes of a local cluster say about it, read the way an operator would:
// CLUSTER NODES and CLUSTER INFO from every node that runs (a paused or killed node is not asked;
// it could not answer). One Observation is one round of questions; the fault verbs compare
// successive observations to tell who failed, who took over which slots and when state was ok.
import { parseInfo } from "./admin-client.js";
import { call, type Layout, nodePorts, type ProcessState, processState } from "./local-cluster.js";

/** One line of CLUSTER NODES. */
export interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  /** The id of its master, for a replica. */
  masterId: string | null;
  linkState: string;
  /** Slot ranges as CLUSTER NODES prints them ("0-5460", "7000", importing/migrating left out). */
  slots: string[];
}

export function parseClusterNodes(text: string): NodeLine[] {
  const out: NodeLine[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(" ");
    if (f.length < 8) continue;
    const addr = f[1]!.split(",")[0]!.split("@")[0]!;
    out.push({
      id: f[0]!,
      port: Number(addr.slice(addr.lastIndexOf(":") + 1)),
      flags: f[2]!.split(","),
      masterId: f[3] === "-" ? null : f[3]!,
      linkState: f[7]!,
      slots: f.slice(8).filter((s) => !s.startsWith("[")),
    });
  }
  return out;
}

/** What one running node reports. */
export interface NodeReport {
  state: string;
  myself: NodeLine;
  nodes: NodeLine[];
}

export interface Observation {
  /** ms since the watch began. */
  at: number;
  process: Map<number, ProcessState>;
  /** Reports of the nodes that run and answered, by port. */
  reports: Map<number, NodeReport>;
}

export async function observe(l: Layout, t0: number): Promise<Observation> {
  const process = new Map<number, ProcessState>();
  const reports = new Map<number, NodeReport>();
  await Promise.all(
    nodePorts(l).map(async (port) => {
      const st = processState(l, port);
      process.set(port, st);
      if (st !== "running") return;
      try {
        const [info, text] = await Promise.all([
          call(l, port, ["CLUSTER", "INFO"], 1000),
          call(l, port, ["CLUSTER", "NODES"], 1000),
        ]);
        const nodes = parseClusterNodes(String(text));
        const myself = nodes.find((n) => n.flags.includes("myself"));
        if (myself === undefined) return;
        reports.set(port, { state: parseInfo(String(info)).cluster_state ?? "?", myself, nodes });
      } catch {
        // Starting up or busy: asked again on the next round.
      }
    }),
  );
  return { at: Date.now() - t0, process, reports };
}

/** How `observer` flags `port`: "fail", "fail?" or null. */
export function flagOf(o: Observation, observer: number, port: number): "fail" | "fail?" | null {
  const n = o.reports.get(observer)?.nodes.find((x) => x.port === port);
  if (n === undefined) return null;
  if (n.flags.includes("fail")) return "fail";
  if (n.flags.includes("fail?")) return "fail?";
  return null;
}

/** Who `observer` thinks serves the slot range `range` (by first slot), or null. */
export function ownerOf(o: Observation, observer: number, range: string): NodeLine | null {
  const first = Number(range.split("-")[0]);
  for (const n of o.reports.get(observer)?.nodes ?? []) {
    if (!n.flags.includes("master")) continue;
    for (const r of n.slots) {
      const [a, b] = r.split("-").map(Number) as [number, number?];
      if (first >= a && first <= (b ?? a)) return n;
    }
  }
  return null;
}

/** The node's own line as it reports it, else as the first node that answered sees it. */
export function lineOf(o: Observation, port: number): NodeLine | null {
  const own = o.reports.get(port)?.myself;
  if (own !== undefined) return own;
  for (const r of o.reports.values()) {
    const n = r.nodes.find((x) => x.port === port);
    if (n !== undefined) return n;
  }
  return null;
}

export const portOfId = (o: Observation, id: string): number | null => {
  for (const r of o.reports.values()) {
    const n = r.nodes.find((x) => x.id === id);
    if (n !== undefined) return n.port;
  }
  return null;
};

/** Running nodes that answered. */
export const answering = (o: Observation): number[] => [...o.reports.keys()].sort((a, b) => a - b);

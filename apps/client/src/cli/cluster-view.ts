// The cluster manager's picture of a cluster, built as redis-cli builds it
// (clusterManagerLoadInfoFromNode in src/redis-cli.c): CLUSTER NODES from an entry node, then
// each reachable peer's own `myself` line; plus the node-list printout, the config signature
// used for "All nodes agree", and the open-slot and coverage checks.
import { Client } from "../client.js";

export interface ManagedNode {
  id: string;
  host: string;
  port: number;
  flags: string[];
  masterId?: string;
  /** Owned slots, ascending. */
  slots: number[];
  migrating: Map<number, string>;
  importing: Map<number, string>;
  replicas: number;
  client: Client;
}

export interface AuthOptions {
  password?: string;
  username?: string;
}

export function connectNode(host: string, port: number, auth: AuthOptions): Client {
  return new Client({
    host,
    port,
    connectTimeout: 3000,
    ...(auth.password !== undefined ? { password: auth.password } : {}),
    ...(auth.username !== undefined ? { username: auth.username } : {}),
  });
}

export function parseHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(":");
  if (i < 0) throw new Error(`Invalid address '${s}': expected host:port`);
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

interface NodesLine {
  id: string;
  host: string;
  port: number;
  flags: string[];
  master: string;
  slotTokens: string[];
}

export function parseNodesLines(text: string): NodesLine[] {
  const out: NodesLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const t = line.split(" ");
    const addr = t[1] ?? "";
    const at = addr.indexOf("@");
    const hp = at < 0 ? addr : addr.slice(0, at);
    const colon = hp.lastIndexOf(":");
    out.push({
      id: t[0]!,
      host: hp.slice(0, colon),
      port: Number(hp.slice(colon + 1)),
      flags: (t[2] ?? "").split(","),
      master: t[3] ?? "-",
      slotTokens: t.slice(8).filter(Boolean),
    });
  }
  return out;
}

function applySlots(node: ManagedNode, tokens: string[]): void {
  for (const tok of tokens) {
    let m = /^\[(\d+)->-([0-9a-f]+)\]$/.exec(tok);
    if (m) {
      node.migrating.set(Number(m[1]), m[2]!);
      continue;
    }
    m = /^\[(\d+)-<-([0-9a-f]+)\]$/.exec(tok);
    if (m) {
      node.importing.set(Number(m[1]), m[2]!);
      continue;
    }
    const [a, b] = tok.split("-");
    for (let s = Number(a); s <= Number(b ?? a); s++) node.slots.push(s);
  }
}

export async function infoField(c: Client, section: string | undefined, field: string) {
  const info = String(await (section ? c.call("INFO", section) : c.call("INFO")));
  const m = new RegExp(`${field}:([^\\r\\n,]*)`).exec(info);
  return m ? m[1] : undefined;
}

export class ClusterView {
  readonly nodes: ManagedNode[] = [];
  /** Masters that could not be loaded (counted, as redis-cli does, as unreachable). */
  unreachable: string[] = [];

  private constructor(readonly auth: AuthOptions) {}

  /** Loads the cluster through `entry`. Throws with redis-cli's message when it is not a cluster node. */
  static async load(
    entry: string,
    auth: AuthOptions,
    log: (s: string) => void,
  ): Promise<ClusterView> {
    const view = new ClusterView(auth);
    const { host, port } = parseHostPort(entry);
    const c = connectNode(host, port, auth);
    try {
      const enabled = await infoField(c, "cluster", "cluster_enabled");
      if (enabled === "0")
        throw new Error(`[ERR] Node ${host}:${port} is not configured as a cluster node.`);
    } catch (err) {
      c.disconnect();
      throw err;
    }
    const lines = parseNodesLines(String(await c.call("CLUSTER", "NODES")));
    for (const l of lines) {
      const isMyself = l.flags.includes("myself");
      if (
        !isMyself &&
        (l.flags.some((f) => ["noaddr", "disconnected", "fail"].includes(f)) || l.port === 0)
      ) {
        if (!l.flags.includes("slave")) view.unreachable.push(`${l.host}:${l.port}`);
        continue;
      }
      const client = isMyself ? c : connectNode(l.host || host, l.port, auth);
      let own = l;
      if (!isMyself) {
        try {
          const friend = parseNodesLines(String(await client.call("CLUSTER", "NODES")));
          own = friend.find((f) => f.flags.includes("myself")) ?? l;
        } catch {
          log(`[ERR] Unable to load info for node ${l.host}:${l.port}`);
          client.disconnect();
          if (!l.flags.includes("slave")) view.unreachable.push(`${l.host}:${l.port}`);
          continue;
        }
      }
      const node: ManagedNode = {
        id: own.id,
        host: l.host || host,
        port: l.port,
        flags: own.flags.filter((f) => f !== "myself"),
        ...(own.flags.includes("slave") && own.master !== "-" ? { masterId: own.master } : {}),
        slots: [],
        migrating: new Map(),
        importing: new Map(),
        replicas: 0,
        client,
      };
      applySlots(node, own.slotTokens);
      view.nodes.push(node);
    }
    for (const n of view.nodes) {
      if (!n.masterId) continue;
      const m = view.nodes.find((x) => x.id === n.masterId);
      if (m) m.replicas++;
      else
        log(
          `*** WARNING: ${n.host}:${n.port} claims to be slave of unknown node ID ${n.masterId}.`,
        );
    }
    return view;
  }

  masters(): ManagedNode[] {
    return this.nodes.filter((n) => !n.masterId);
  }

  close(): void {
    for (const n of this.nodes) n.client.disconnect();
  }
}

/** "[0-5460],[5462]" as redis-cli's clusterManagerNodeSlotsString prints it. */
export function slotsString(slots: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < slots.length; ) {
    let j = i;
    while (j + 1 < slots.length && slots[j + 1] === slots[j]! + 1) j++;
    parts.push(i === j ? `[${slots[i]}]` : `[${slots[i]}-${slots[j]}]`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The `M:`/`S:` block of one node. */
export function describeNode(n: ManagedNode): string {
  const role = n.masterId ? "S" : "M";
  let s = `${role}: ${n.id} ${n.host}:${n.port}\n   slots:${slotsString(n.slots)} (${n.slots.length} slots) ${n.flags.join(",")}`;
  if (n.masterId) s += `\n   replicates ${n.masterId}`;
  else if (n.replicas > 0) s += `\n   ${n.replicas} additional replica(s)`;
  return s;
}

/** clusterManagerGetConfigSignature: who-owns-what as one node sees it. */
export async function configSignature(c: Client): Promise<string> {
  const lines = parseNodesLines(String(await c.call("CLUSTER", "NODES")));
  const parts: string[] = [];
  for (const l of lines) {
    const toks = l.slotTokens.filter((t) => !t.startsWith("[")).sort();
    if (toks.length) parts.push(`${l.id}:${toks.join(",")}`);
  }
  return parts.sort().join("|");
}

/**
 * clusterManagerCheckCluster: node list, agreement, open slots, coverage. Returns true when
 * nothing is wrong.
 */
export async function checkCluster(
  view: ClusterView,
  entry: string,
  log: (s: string) => void,
  quiet = false,
): Promise<boolean> {
  let ok = true;
  log(`>>> Performing Cluster Check (using node ${entry})`);
  if (!quiet) for (const n of view.nodes) log(describeNode(n));
  const sigs = await Promise.all(
    view.nodes.map((n) => configSignature(n.client).catch(() => "error")),
  );
  if (sigs.every((s) => s === sigs[0] && s !== "error" && s !== ""))
    log("[OK] All nodes agree about slots configuration.");
  else {
    log("[ERR] Nodes don't agree about configuration!");
    ok = false;
  }
  log(">>> Check for open slots...");
  const open = new Set<number>();
  for (const n of view.nodes) {
    if (n.migrating.size) {
      log(
        `[WARNING] Node ${n.host}:${n.port} has slots in migrating state ${[...n.migrating.keys()].join(",")}.`,
      );
      for (const s of n.migrating.keys()) open.add(s);
    }
    if (n.importing.size) {
      log(
        `[WARNING] Node ${n.host}:${n.port} has slots in importing state ${[...n.importing.keys()].join(",")}.`,
      );
      for (const s of n.importing.keys()) open.add(s);
    }
  }
  if (open.size) {
    log(`[WARNING] The following slots are open: ${[...open].sort((a, b) => a - b).join(",")}.`);
    ok = false;
  }
  log(">>> Check slots coverage...");
  const covered = new Set<number>();
  for (const n of view.masters()) for (const s of n.slots) covered.add(s);
  if (covered.size === 16384) log("[OK] All 16384 slots covered.");
  else {
    log("[ERR] Not all 16384 slots are covered by nodes.");
    ok = false;
  }
  return ok;
}

/** clusterManagerShowClusterInfo: keys, slots and replicas per master. */
export async function showClusterInfo(
  view: ClusterView,
  log: (s: string) => void,
): Promise<boolean> {
  let keys = 0;
  const masters = view.masters();
  for (const m of masters) {
    let dbsize: number;
    try {
      dbsize = Number(await m.client.call("DBSIZE"));
    } catch (err) {
      log(`Node ${m.host}:${m.port} replied with error:\n${(err as Error).message}`);
      return false;
    }
    keys += dbsize;
    log(
      `${m.host}:${m.port} (${m.id.slice(0, 8)}...) -> ${dbsize} keys | ${m.slots.length} slots | ${m.replicas} slaves.`,
    );
  }
  log(`[OK] ${keys} keys in ${masters.length} masters.`);
  log(`${(keys / 16384).toFixed(2)} keys per slot on average.`);
  return true;
}

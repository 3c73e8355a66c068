// Structured data for CLUSTER INFO / SLOTS / SHARDS / LINKS and for routing (MOVED targets).
// Mirrors genClusterInfoString(), clusterReplyMultiBulkSlots(), clusterReplyShards(),
// addReplyClusterLinksDescription() and the endpoint choice of getPreferredEndpoint() in
// Redis 7.0. Values only: the server renders RESP2/RESP3.
import { NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { type ClusterNode, failed, isMaster, isSlave } from "./node.js";
import { CLUSTER_SLOTS } from "./slots.js";
import type { CommandContext, LinkId } from "./types.js";

/** CLUSTER INFO fields in Redis's order. */
export function clusterInfoFields(
  state: ClusterState,
  ctx: CommandContext = {},
): [string, string | number][] {
  let assigned = 0;
  let ok = 0;
  let pfail = 0;
  let fail = 0;
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    const n = state.slots[j];
    if (!n) continue;
    assigned++;
    if (n.flags & NodeFlag.FAIL) fail++;
    else if (n.flags & NodeFlag.PFAIL) pfail++;
    else ok++;
  }
  const me = state.myself;
  const myEpoch = isSlave(me) && me.slaveof ? me.slaveof.configEpoch : me.configEpoch;
  const fields: [string, string | number][] = [
    ["cluster_state", state.state],
    ["cluster_slots_assigned", assigned],
    ["cluster_slots_ok", ok],
    ["cluster_slots_pfail", pfail],
    ["cluster_slots_fail", fail],
    ["cluster_known_nodes", state.nodes.size],
    ["cluster_size", state.size],
    ["cluster_current_epoch", state.currentEpoch],
    ["cluster_my_epoch", myEpoch],
  ];
  const stats = ctx.messageStats ?? [
    ["cluster_stats_messages_sent", 0],
    ["cluster_stats_messages_received", 0],
  ];
  for (const f of stats) fields.push(f);
  fields.push(["total_cluster_links_buffer_limit_exceeded", ctx.linksBufferLimitExceeded ?? 0]);
  return fields;
}

/** CLUSTER INFO body: `field:value\r\n` lines. */
export function clusterInfoText(state: ClusterState, ctx: CommandContext = {}): string {
  return clusterInfoFields(state, ctx)
    .map(([k, v]) => `${k}:${v}\r\n`)
    .join("");
}

/**
 * The endpoint clients are told to use, per cluster-preferred-endpoint-type: the ip, the
 * hostname ("?" when unset) or null for unknown-endpoint (rendered "" in MOVED, nil in SLOTS).
 */
export function preferredEndpoint(state: ClusterState, n: ClusterNode): string | null {
  switch (state.config.preferredEndpointType) {
    case "hostname":
      return n.hostname ? n.hostname : "?";
    case "unknown-endpoint":
      return null;
    default:
      return n.ip;
  }
}

export interface SlotsNodeEntry {
  endpoint: string | null;
  port: number;
  id: string;
  /** Extra endpoints: [["ip", ...]] and/or [["hostname", ...]] (a map in RESP3). */
  metadata: [string, string][];
}

export interface SlotsEntry {
  start: number;
  end: number;
  /** Master first, then replicas that are not failed and have a known offset. */
  nodes: SlotsNodeEntry[];
}

function slotsNodeEntry(state: ClusterState, n: ClusterNode): SlotsNodeEntry {
  const metadata: [string, string][] = [];
  if (state.config.preferredEndpointType !== "ip") metadata.push(["ip", n.ip]);
  if (state.config.preferredEndpointType !== "hostname" && n.hostname)
    metadata.push(["hostname", n.hostname]);
  return { endpoint: preferredEndpoint(state, n), port: n.port, id: n.name, metadata };
}

/** CLUSTER SLOTS: maximal runs of slots with the same owner, ascending. */
export function clusterSlots(state: ClusterState): SlotsEntry[] {
  const out: SlotsEntry[] = [];
  let start = -1;
  for (let j = 0; j <= CLUSTER_SLOTS; j++) {
    const owner = j < CLUSTER_SLOTS ? state.slots[j] : null;
    const prev = start >= 0 ? state.slots[start] : null;
    if (start >= 0 && owner !== prev) {
      const m = prev!;
      const nodes = [slotsNodeEntry(state, m)];
      for (const r of m.slaves)
        if (!failed(r) && r.replOffset !== 0) nodes.push(slotsNodeEntry(state, r));
      out.push({ start, end: j - 1, nodes });
      start = -1;
    }
    if (owner && start < 0) start = j;
  }
  return out;
}

export interface ShardNodeEntry {
  id: string;
  port: number;
  ip: string;
  endpoint: string;
  hostname?: string;
  role: "master" | "replica";
  replicationOffset: number;
  health: "online" | "failed" | "loading";
}

export interface ShardEntry {
  /** Flat inclusive pairs. */
  slots: number[];
  nodes: ShardNodeEntry[];
}

/** CLUSTER SHARDS (7.0 shape): one entry per master, master first then its replicas. */
export function clusterShards(state: ClusterState): ShardEntry[] {
  const out: ShardEntry[] = [];
  for (const m of state.nodes.values()) {
    if (!isMaster(m)) continue;
    const entry = (n: ClusterNode): ShardNodeEntry => {
      const e: ShardNodeEntry = {
        id: n.name,
        port: n.port,
        ip: n.ip,
        endpoint: preferredEndpoint(state, n) ?? "",
        role: isMaster(n) ? "master" : "replica",
        replicationOffset: n === state.myself ? state.replication.offset : n.replOffset,
        health: failed(n) ? "failed" : isSlave(n) && n.replOffset === 0 ? "loading" : "online",
      };
      if (n.hostname) e.hostname = n.hostname;
      return e;
    };
    out.push({ slots: [...state.nodeRanges(m)], nodes: [entry(m), ...m.slaves.map(entry)] });
  }
  return out;
}

export interface LinkRow {
  direction: "to" | "from";
  node: string;
  createTime: number;
  events: string;
  sendBufferAllocated: number;
  sendBufferUsed: number;
}

/**
 * CLUSTER LINKS: the transport's per-link stats joined with the node each link belongs to
 * (links not bound to a node yet are left out, as Redis lists only node links).
 */
export function clusterLinks(
  state: ClusterState,
  transportStats: {
    id: LinkId;
    direction: "to" | "from";
    createTime: number;
    events: string;
    sendBufferAllocated: number;
    sendBufferUsed: number;
  }[],
): LinkRow[] {
  const rows: LinkRow[] = [];
  for (const s of transportStats) {
    const link = state.links.get(s.id);
    if (!link?.node) continue;
    rows.push({
      direction: s.direction,
      node: link.node.name,
      createTime: s.createTime,
      events: s.events,
      sendBufferAllocated: s.sendBufferAllocated,
      sendBufferUsed: s.sendBufferUsed,
    });
  }
  return rows;
}

/** Who serves a slot, for MOVED (`-MOVED <slot> <endpoint>:<port>`); null if unassigned. */
export function slotOwner(
  state: ClusterState,
  slot: number,
): { id: string; endpoint: string; port: number; myself: boolean } | null {
  const n = state.slots[slot];
  if (!n) return null;
  return {
    id: n.name,
    endpoint: preferredEndpoint(state, n) ?? "",
    port: n.port,
    myself: n === state.myself,
  };
}

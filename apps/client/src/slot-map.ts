// The client's view of who serves which hash slot: 16384 entries pointing at shards (a master
// plus its replicas), built from CLUSTER SHARDS (Redis 7.0+) or CLUSTER SLOTS (older servers and
// servers without SHARDS). Mirrors what ioredis keeps in `slots[]` and node-redis in
// `cluster-slots.ts`, but both reply shapes are parsed here, in RESP2 and RESP3 form.

export const SLOT_COUNT = 16384;

export interface NodeAddress {
  host: string;
  port: number;
  /** Node id when the reply carried one. */
  id?: string;
}

export interface Shard {
  master: NodeAddress;
  replicas: NodeAddress[];
  /** Inclusive [start, end] ranges. */
  ranges: [number, number][];
}

export const addressKey = (a: { host: string; port: number }): string => `${a.host}:${a.port}`;

/** Slot → shard table. Immutable once built; MOVED patches it with `assign`. */
export class SlotMap {
  readonly shards: Shard[];
  private readonly owner: Int32Array;

  constructor(shards: Shard[]) {
    this.shards = shards;
    this.owner = new Int32Array(SLOT_COUNT).fill(-1);
    shards.forEach((shard, i) => {
      for (const [start, end] of shard.ranges) this.owner.fill(i, start, end + 1);
    });
  }

  /** The shard serving `slot`, or undefined when no node serves it. */
  shardOf(slot: number): Shard | undefined {
    const i = this.owner[slot]!;
    return i < 0 ? undefined : this.shards[i];
  }

  masterOf(slot: number): NodeAddress | undefined {
    return this.shardOf(slot)?.master;
  }

  /**
   * Masters that serve at least one slot. Masters without slots (a node just added, or one that
   * is about to become a replica during cluster creation) get no keyless commands.
   */
  masters(): NodeAddress[] {
    return this.shards.filter((s) => s.ranges.length > 0).map((s) => s.master);
  }

  /** Every node the map knows, masters first, each once. */
  nodes(): NodeAddress[] {
    const seen = new Map<string, NodeAddress>();
    for (const s of this.shards) seen.set(addressKey(s.master), s.master);
    for (const s of this.shards) for (const r of s.replicas) seen.set(addressKey(r), r);
    return [...seen.values()];
  }

  /**
   * Records a MOVED: `slot` is now served by `addr`. When `addr` is already a master of a known
   * shard the slot joins that shard; otherwise a new shard without replicas is created for it.
   */
  assign(slot: number, addr: NodeAddress): void {
    const key = addressKey(addr);
    let i = this.shards.findIndex((s) => addressKey(s.master) === key);
    if (i < 0) {
      this.shards.push({ master: { host: addr.host, port: addr.port }, replicas: [], ranges: [] });
      i = this.shards.length - 1;
    }
    this.owner[slot] = i;
  }

  /** Number of slots that no known shard serves. */
  uncovered(): number {
    let n = 0;
    for (let s = 0; s < SLOT_COUNT; s++) if (this.owner[s]! < 0) n++;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------
// Reply parsing. RESP2 flattens maps into [k, v, k, v...] arrays; RESP3 maps arrive either as
// Map objects or as plain objects depending on the decoder, so `field()` accepts all three.

type Raw = unknown;

function str(v: Raw): string {
  if (typeof v === "string") return v;
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return "";
}

function field(entry: Raw, name: string): Raw {
  if (entry instanceof Map) {
    for (const [k, v] of entry) if (str(k) === name) return v;
    return undefined;
  }
  if (Array.isArray(entry)) {
    for (let i = 0; i + 1 < entry.length; i += 2) if (str(entry[i]) === name) return entry[i + 1];
    return undefined;
  }
  if (entry && typeof entry === "object") return (entry as Record<string, Raw>)[name];
  return undefined;
}

/**
 * Parses `CLUSTER SHARDS`. Nodes whose health is `fail` are left out; a shard whose master is
 * failed (7.2 lists it) takes its first healthy master-role node. `endpoint` is preferred over
 * `ip`, as MOVED uses the preferred endpoint; `?`/empty endpoints fall back to the ip, and to
 * `fallbackHost` (the node we asked) when both are empty.
 */
export function parseClusterShards(reply: Raw, fallbackHost: string): Shard[] {
  if (!Array.isArray(reply)) throw new TypeError("CLUSTER SHARDS: expected an array");
  const shards: Shard[] = [];
  for (const entry of reply) {
    const slotsRaw = field(entry, "slots");
    const nodesRaw = field(entry, "nodes");
    if (!Array.isArray(slotsRaw) || !Array.isArray(nodesRaw))
      throw new TypeError("CLUSTER SHARDS: entry without slots/nodes");
    const ranges: [number, number][] = [];
    for (let i = 0; i + 1 < slotsRaw.length; i += 2)
      ranges.push([Number(slotsRaw[i]), Number(slotsRaw[i + 1])]);
    let master: NodeAddress | undefined;
    const replicas: NodeAddress[] = [];
    for (const n of nodesRaw) {
      if (str(field(n, "health")) === "fail") continue;
      const port = Number(field(n, "port") ?? field(n, "tls-port"));
      const endpoint = str(field(n, "endpoint"));
      const ip = str(field(n, "ip"));
      const host = endpoint && endpoint !== "?" ? endpoint : ip && ip !== "?" ? ip : fallbackHost;
      const addr: NodeAddress = { host, port, id: str(field(n, "id")) };
      if (str(field(n, "role")) === "master" && !master) master = addr;
      else if (str(field(n, "health")) === "online") replicas.push(addr);
    }
    if (!master) continue;
    shards.push({ master, replicas, ranges });
  }
  return shards;
}

/**
 * Parses `CLUSTER SLOTS`: `[start, end, [host, port, id, meta], replica...]` per range. Ranges
 * served by the same master are merged into one shard. A null/empty host (unknown endpoint)
 * means "the node you asked", as in MOVED with an empty host.
 */
export function parseClusterSlots(reply: Raw, fallbackHost: string): Shard[] {
  if (!Array.isArray(reply)) throw new TypeError("CLUSTER SLOTS: expected an array");
  const byMaster = new Map<string, Shard>();
  const node = (n: Raw): NodeAddress => {
    const a = n as Raw[];
    const host = str(a[0]);
    return {
      host: host && host !== "?" ? host : fallbackHost,
      port: Number(a[1]),
      ...(a[2] !== undefined && a[2] !== null ? { id: str(a[2]) } : {}),
    };
  };
  for (const r of reply as Raw[][]) {
    const master = node(r[2]);
    const key = addressKey(master);
    let shard = byMaster.get(key);
    if (!shard) {
      shard = { master, replicas: r.slice(3).map(node), ranges: [] };
      byMaster.set(key, shard);
    }
    shard.ranges.push([Number(r[0]), Number(r[1])]);
  }
  return [...byMaster.values()];
}

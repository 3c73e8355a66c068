// Discovers and refreshes the slot map. A refresh asks CLUSTER SHARDS (falling back to CLUSTER
// SLOTS on servers that do not know SHARDS) of the known nodes first and the seeds last, stopping
// at the first node that answers with a usable map. Refreshes are coalesced: any number of
// callers asking while one runs share it, and a MOVED storm triggers one refresh, not hundreds.
import { ClusterDiscoveryError, ReplyError, TimeoutError } from "./errors.js";
import type { NodePool } from "./node-pool.js";
import {
  addressKey,
  type NodeAddress,
  parseClusterShards,
  parseClusterSlots,
  type Shard,
  SlotMap,
} from "./slot-map.js";

export interface TopologyOptions {
  /** Milliseconds one node has to answer a refresh. Default 2000. */
  refreshTimeout?: number;
  /** Skip CLUSTER SHARDS and use CLUSTER SLOTS only. */
  useClusterSlots?: boolean;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export class Topology {
  slotMap: SlotMap | undefined;
  private inflight: Promise<SlotMap> | undefined;
  private shardsUnsupported = false;
  /** Bumped on every successful refresh; lets callers tell a fresh map from the one they had. */
  version = 0;

  constructor(
    private readonly seeds: NodeAddress[],
    private readonly pool: NodePool,
    private readonly options: TopologyOptions = {},
    private readonly onChange: (map: SlotMap, previous: SlotMap | undefined) => void = () => {},
  ) {
    this.shardsUnsupported = options.useClusterSlots ?? false;
  }

  /** Starts a refresh, or joins the one already running. */
  refresh(): Promise<SlotMap> {
    this.inflight ??= this.discover().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  get refreshing(): boolean {
    return this.inflight !== undefined;
  }

  private candidates(): NodeAddress[] {
    const out: NodeAddress[] = [];
    const seen = new Set<string>();
    const add = (a: NodeAddress) => {
      const k = addressKey(a);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(a);
      }
    };
    // Start at a random known node so every client does not hammer the same one.
    const known = this.slotMap?.nodes() ?? [];
    const start = known.length ? Math.floor(Math.random() * known.length) : 0;
    for (let i = 0; i < known.length; i++) add(known[(start + i) % known.length]!);
    for (const s of this.seeds) add(s);
    return out;
  }

  private async discover(): Promise<SlotMap> {
    const errors: string[] = [];
    const timeout = this.options.refreshTimeout ?? 2000;
    for (const node of this.candidates()) {
      try {
        const shards = await withTimeout(
          this.askNode(node),
          timeout,
          `Slot refresh from ${addressKey(node)}`,
        );
        if (shards.length === 0) throw new Error("the node knows no slots yet");
        const map = new SlotMap(shards);
        const previous = this.slotMap;
        this.slotMap = map;
        this.version++;
        this.onChange(map, previous);
        return map;
      } catch (err) {
        errors.push(`${addressKey(node)}: ${(err as Error).message}`);
      }
    }
    throw new ClusterDiscoveryError(
      `Failed to refresh the slot map from any node (${errors.join("; ")})`,
    );
  }

  private async askNode(node: NodeAddress): Promise<Shard[]> {
    const conn = this.pool.get(node);
    if (!this.shardsUnsupported) {
      try {
        return parseClusterShards(await conn.send(["CLUSTER", "SHARDS"]), node.host);
      } catch (err) {
        // Older servers (and some proxies) answer "unknown subcommand": remember and use SLOTS.
        if (!(err instanceof ReplyError) || err.code === "CLUSTERDOWN") throw err;
        this.shardsUnsupported = true;
      }
    }
    return parseClusterSlots(await conn.send(["CLUSTER", "SLOTS"]), node.host);
  }
}

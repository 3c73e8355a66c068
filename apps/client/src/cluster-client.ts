// The cluster client: routes each command to the node serving its key's slot, splits multi-key
// commands that span slots, reads from replicas when asked, and keeps the slot map current
// (first discovery, MOVED patches, refreshes after failures). The retry/redirect loop itself is
// in redirect.ts, the connection handling in connection.ts and node-pool.ts.
import type tls from "node:tls";
import { BaseClient } from "./base-client.js";
import { type CommandSpec, commandKeys, isReadOnly } from "./commands.js";
import type { Connection } from "./connection.js";
import { ClientClosedError, ClusterDownError, withTimeout } from "./errors.js";
import { slotOfArg } from "./key-slot.js";
import { NodePool } from "./node-pool.js";
import {
  type PipelineResult,
  type QueuedCommand,
  runTransaction,
  transactionSlot,
} from "./pipeline.js";
import type { PubSubHost } from "./pubsub.js";
import {
  defaultBackoff,
  isRecoverable,
  type RetryPolicy,
  type Router,
  runWithRedirects,
} from "./redirect.js";
import { addressKey, type NodeAddress, type SlotMap } from "./slot-map.js";
import { Topology } from "./topology.js";
import type { Arg } from "./wire.js";

export type ScaleReads = "master" | "replica" | "all";

export interface ClusterOptions<B extends boolean = false> {
  /** Where to start discovery: `{ host, port }` objects or `"host:port"` strings. */
  seeds: (NodeAddress | string)[];
  /** Where read-only commands go. Default "master". Replica connections send READONLY. */
  scaleReads?: ScaleReads;
  /** MOVED/ASK hops allowed per command. Default 16. */
  maxRedirections?: number;
  /** Total ms a command may spend in retries (connection loss, CLUSTERDOWN, TRYAGAIN). Default 10 000. */
  retryBudget?: number;
  /** Backoff in ms before retry number `attempt` (0-based). Default min(50·2^attempt, 500). */
  backoff?: (attempt: number) => number;
  /** RESP version for every connection; 3 sends HELLO 3. Default 2. */
  resp?: 2 | 3;
  username?: string;
  password?: string;
  /** TLS options for every node connection (`tls.connect`). */
  tls?: tls.ConnectionOptions;
  connectTimeout?: number;
  /** Milliseconds one node has to answer a slot refresh. Default 2000. */
  refreshTimeout?: number;
  /** CLIENT SETNAME for every connection. */
  name?: string;
  /** Bulk strings as Buffers instead of UTF-8 strings. */
  returnBuffers?: B;
  /** Rewrites node addresses the cluster announces (NAT, containers). */
  natMap?: Record<string, NodeAddress> | ((node: NodeAddress) => NodeAddress);
  /** Use CLUSTER SLOTS instead of CLUSTER SHARDS. */
  useClusterSlots?: boolean;
  /**
   * Milliseconds a command may take in all (retries included) before it rejects with
   * TimeoutError. Unset by default: a paused node then holds its commands until it answers or
   * its connection drops.
   */
  commandTimeout?: number;
}

export function parseAddress(a: NodeAddress | string): NodeAddress {
  if (typeof a !== "string") return a;
  const i = a.lastIndexOf(":");
  if (i < 0) return { host: a, port: 6379 };
  return { host: a.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(a.slice(i + 1)) };
}

/** Events: `error` (background errors), `refresh` (slot map), `node error` (address, error). */
export class ClusterClient<S extends string | Buffer = string> extends BaseClient<S> {
  readonly options: ClusterOptions<boolean>;
  private readonly pool: NodePool;
  private readonly topology: Topology;
  private readonly policy: RetryPolicy;
  private readonly router: Router;
  private closed = false;
  private ready: Promise<void> | undefined;

  constructor(options: ClusterOptions<boolean>) {
    super();
    if (!options.seeds?.length)
      throw new TypeError("createCluster: `seeds` must list at least one node");
    this.options = options;
    const nat = options.natMap;
    const mapAddress =
      typeof nat === "function"
        ? nat
        : nat
          ? (a: NodeAddress) => nat[addressKey(a)] ?? a
          : undefined;
    this.pool = new NodePool(
      {
        resp: options.resp ?? 2,
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
        returnBuffers: options.returnBuffers ?? false,
      },
      (address, err) => {
        this.emit("node error", address, err);
        // A node went away: learn the new layout before the next command needs it.
        if (!this.closed) this.refresh().catch(() => {});
      },
      mapAddress,
    );
    this.topology = new Topology(
      options.seeds.map(parseAddress),
      this.pool,
      {
        ...(options.refreshTimeout !== undefined ? { refreshTimeout: options.refreshTimeout } : {}),
        ...(options.useClusterSlots !== undefined
          ? { useClusterSlots: options.useClusterSlots }
          : {}),
      },
      (map) => {
        const known = new Set(map.nodes().map((n) => addressKey(mapAddress ? mapAddress(n) : n)));
        this.pool.retain(known);
        this.emit("refresh", map);
      },
    );
    this.policy = {
      maxRedirections: options.maxRedirections ?? 16,
      retryBudget: options.retryBudget ?? 10_000,
      backoff: options.backoff ?? defaultBackoff,
    };
    this.router = {
      connectionFor: (slot, ro) => this.connectionFor(slot, ro),
      connectionTo: (node) => this.pool.get(node),
      moved: (slot, node) => {
        this.topology.slotMap?.assign(slot, node);
        this.refresh().catch(() => {});
      },
      refresh: () =>
        this.refresh().then(
          () => {},
          () => {},
        ),
    };
  }

  /** Discovers the cluster. Commands call this implicitly; awaiting it surfaces discovery errors early. */
  connect(): Promise<void> {
    this.ready ??= this.topology.refresh().then(
      () => {
        this.emit("ready");
      },
      (err) => {
        this.ready = undefined;
        throw err;
      },
    );
    return this.ready;
  }

  /** Re-reads the slot map now (coalesced with any refresh already running). */
  async refresh(): Promise<SlotMap> {
    if (this.closed) throw new ClientClosedError();
    return this.topology.refresh();
  }

  /** The current slot map (undefined before discovery). */
  get slotMap(): SlotMap | undefined {
    return this.topology.slotMap;
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs[Math.floor(Math.random() * xs.length)];
  }

  /** Synchronous routing when the map is known; undefined when discovery must run first. */
  private routeNow(slot: number, readonly: boolean): Connection | undefined {
    const map = this.topology.slotMap;
    if (!map || this.closed) return undefined;
    if (slot < 0) {
      const m = this.pick(map.masters());
      return m ? this.pool.get(m) : undefined;
    }
    const shard = map.shardOf(slot);
    if (!shard) return undefined;
    const scale = this.options.scaleReads ?? "master";
    if (readonly && scale !== "master" && shard.replicas.length > 0) {
      if (scale === "replica") return this.pool.get(this.pick(shard.replicas)!, true);
      const i = Math.floor(Math.random() * (shard.replicas.length + 1));
      if (i > 0) return this.pool.get(shard.replicas[i - 1]!, true);
    }
    return this.pool.get(shard.master);
  }

  private async connectionFor(slot: number, readonly: boolean): Promise<Connection> {
    if (this.closed) throw new ClientClosedError();
    const now = this.routeNow(slot, readonly);
    if (now) return now;
    if (!this.topology.slotMap) await this.connect();
    else await this.refresh();
    const after = this.routeNow(slot, readonly);
    if (after) return after;
    if (this.closed) throw new ClientClosedError();
    throw new ClusterDownError(
      `CLUSTERDOWN Hash slot not served (slot ${slot} has no known owner)`,
    );
  }

  sendCommand(argv: Arg[], spec?: CommandSpec): Promise<unknown> {
    const t = this.options.commandTimeout;
    const p = this.route(argv, spec);
    return t === undefined ? p : withTimeout(p, t, argv);
  }

  private route(argv: Arg[], spec?: CommandSpec): Promise<unknown> {
    if (this.closed) return Promise.reject(new ClientClosedError());
    const keyIdx = spec ? spec.keys(argv) : commandKeys(argv);
    let slot = -1;
    if (keyIdx.length > 0) {
      slot = slotOfArg(argv[keyIdx[0]!]!);
      for (let i = 1; i < keyIdx.length; i++) {
        if (slotOfArg(argv[keyIdx[i]!]!) !== slot) {
          // Keys in several slots: split when the command allows it; otherwise send it as is
          // and let the server answer CROSSSLOT (its exact text is what users search for).
          if (spec?.split) return this.sendSplit(argv, spec, keyIdx);
          break;
        }
      }
    }
    const readonly =
      (this.options.scaleReads ?? "master") !== "master" &&
      (spec ? spec.readonly : isReadOnly(argv));
    const conn = this.routeNow(slot, readonly);
    if (conn) {
      // Fast path: one send; the redirect loop only runs when something went wrong.
      return conn.send(argv).catch((error: unknown) =>
        isRecoverable(error)
          ? runWithRedirects(this.router, this.policy, slot, readonly, argv, undefined, {
              error,
              conn,
            })
          : Promise.reject(error),
      );
    }
    return runWithRedirects(this.router, this.policy, slot, readonly, argv);
  }

  /** MGET/MSET/DEL/EXISTS/UNLINK/TOUCH over several slots: one command per slot, merged in order. */
  private async sendSplit(argv: Arg[], spec: CommandSpec, keyIdx: number[]): Promise<unknown> {
    const groups = new Map<number, number[]>();
    for (const i of keyIdx) {
      const slot = slotOfArg(argv[i]!);
      const g = groups.get(slot);
      if (g) g.push(i);
      else groups.set(slot, [i]);
    }
    const name = argv[0]!;
    const parts = [...groups.values()];
    const replies = await Promise.all(
      parts.map((idx) => {
        const sub: Arg[] = [name];
        for (const i of idx) {
          sub.push(argv[i]!);
          if (spec.split === "mset") sub.push(argv[i + 1]!);
        }
        return this.route(sub, spec);
      }),
    );
    switch (spec.split) {
      case "mget": {
        const out = new Array<unknown>(keyIdx.length);
        parts.forEach((idx, g) => {
          const vals = replies[g] as unknown[];
          idx.forEach((argIndex, j) => {
            out[argIndex - 1] = vals[j];
          });
        });
        return out;
      }
      case "sum":
        return replies.reduce((a: number, r) => a + Number(r), 0);
      default:
        return "OK";
    }
  }

  async execTransaction(commands: QueuedCommand[]): Promise<PipelineResult> {
    if (commands.length === 0) return [];
    const slot = transactionSlot(commands, (argv) => commandKeys(argv));
    return runWithRedirects(this.router, this.policy, slot, false, ["MULTI"], (conn, asking) =>
      runTransaction(conn, commands, asking),
    ) as Promise<PipelineResult>;
  }

  protected pubSubHost(): PubSubHost {
    return {
      connectionOptions: () => ({
        resp: this.options.resp ?? 2,
        ...(this.options.username !== undefined ? { username: this.options.username } : {}),
        ...(this.options.password !== undefined ? { password: this.options.password } : {}),
        ...(this.options.tls ? { tls: this.options.tls } : {}),
        returnBuffers: this.options.returnBuffers ?? false,
      }),
      anyNode: async () => (await this.connectionFor(-1, false)).options,
      ownerOf: async (slot) => (await this.connectionFor(slot, false)).options,
      moved: (slot, node) => this.topology.slotMap?.assign(slot, node),
      refresh: () => this.router.refresh(),
      emitError: (err) => {
        if (this.listenerCount("error") > 0) this.emit("error", err);
      },
    };
  }

  /** Every master known to the slot map (connects first if needed). */
  async masters(): Promise<NodeAddress[]> {
    await this.connect();
    return this.topology.slotMap!.masters();
  }

  /** Sends the same command to every master, e.g. `onEveryMaster("FLUSHALL")`; replies by address. */
  async onEveryMaster(...argv: Arg[]): Promise<Map<string, unknown>> {
    const masters = await this.masters();
    const replies = await Promise.all(masters.map((m) => this.pool.get(m).send(argv)));
    return new Map(masters.map((m, i) => [addressKey(m), replies[i]]));
  }

  /** Sends one command to one node (no routing, no redirects): admin commands such as CLUSTER SETSLOT. */
  callOn(node: NodeAddress | string, ...argv: Arg[]): Promise<unknown> {
    return this.pool.get(parseAddress(node)).send(argv);
  }

  /**
   * SCAN over every master in turn, yielding keys (Buffers when the client returns Buffers).
   * Keys of a slot migrating during the scan may be seen twice or (as with SCAN itself) missed.
   */
  async *scanIterator(
    options: { match?: string; count?: number; type?: string } = {},
  ): AsyncGenerator<S> {
    const extra: Arg[] = [];
    if (options.match !== undefined) extra.push("MATCH", options.match);
    if (options.count !== undefined) extra.push("COUNT", options.count);
    if (options.type !== undefined) extra.push("TYPE", options.type);
    for (const master of await this.masters()) {
      let cursor = "0";
      do {
        const [next, keys] = (await this.pool.get(master).send(["SCAN", cursor, ...extra])) as [
          unknown,
          S[],
        ];
        cursor = String(next);
        for (const k of keys) yield k;
      } while (cursor !== "0");
    }
  }

  /** Closes every connection after their pending replies (QUIT). */
  async quit(): Promise<void> {
    this.closed = true;
    this.pubsub?.close();
    await this.pool.quit();
  }

  /** Closes every connection now; pending commands are rejected. */
  disconnect(): void {
    this.closed = true;
    this.pubsub?.close();
    this.pool.disconnect();
  }
}

export function createCluster(options: ClusterOptions<false>): ClusterClient<string>;
export function createCluster(options: ClusterOptions<true>): ClusterClient<Buffer>;
export function createCluster(options: ClusterOptions<boolean>): ClusterClient<string | Buffer> {
  return new ClusterClient(options);
}

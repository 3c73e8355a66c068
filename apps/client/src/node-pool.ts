// One connection per node (two when replicas are read: the READONLY one is separate so a node
// that is promoted keeps serving writes on a plain connection). A connection that closes is
// dropped from the pool; the next command to that node opens a fresh one.
import { Connection, type ConnectionOptions } from "./connection.js";
import { addressKey, type NodeAddress } from "./slot-map.js";

export type NodeConnectionOptions = Omit<ConnectionOptions, "host" | "port" | "readonly">;

export class NodePool {
  private readonly conns = new Map<string, Connection>();
  private closed = false;

  constructor(
    private readonly options: NodeConnectionOptions,
    /** Called when a pooled connection closes unexpectedly (a node failed or restarted). */
    private readonly onNodeError: (address: string, err: Error) => void,
    /** Rewrites announced addresses (NAT, containers) before connecting. */
    private readonly mapAddress: (a: NodeAddress) => NodeAddress = (a) => a,
  ) {}

  get(node: NodeAddress, readonly = false): Connection {
    const addr = this.mapAddress(node);
    const key = readonly ? `${addressKey(addr)}/ro` : addressKey(addr);
    let conn = this.conns.get(key);
    if (conn && conn.state !== "closed") return conn;
    conn = new Connection({ ...this.options, host: addr.host, port: addr.port, readonly });
    const c = conn;
    this.conns.set(key, c);
    c.once("close", (err?: Error) => {
      if (this.conns.get(key) === c) this.conns.delete(key);
      if (err && !this.closed) this.onNodeError(c.address, err);
    });
    return c;
  }

  /** Connections currently open, by address (`host:port` or `host:port/ro`). */
  entries(): [string, Connection][] {
    return [...this.conns.entries()];
  }

  /** Closes connections to nodes that are no longer part of the cluster. */
  retain(known: Set<string>): void {
    for (const [key, conn] of this.conns) {
      if (!known.has(key.replace(/\/ro$/, ""))) {
        this.conns.delete(key);
        conn.destroy();
      }
    }
  }

  async quit(): Promise<void> {
    this.closed = true;
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((c) => c.quit()));
  }

  disconnect(): void {
    this.closed = true;
    for (const c of this.conns.values()) c.destroy();
    this.conns.clear();
  }
}

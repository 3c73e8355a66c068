// Partitions without privileges: one TCP proxy per node of a partitionable local cluster. Each
// node announces the proxy's ports (cluster-announce-port / -bus-port), so every node-to-node
// connection — bus links, a replica's link to its master, MIGRATE — goes through the proxy of the
// node it connects to. A node's own outbound connections leave from its own loopback address
// (bind-source-addr 127.1.x.y, see sourceAddress()), which is how the proxy knows which node a
// connection comes from; connections from any other address (clients on 127.0.0.1) are never cut.
//
// A cut behaves like dropped packets, not like a refused connection: open connections between
// the groups stop forwarding in both directions (the bytes wait in the kernel's buffers, as
// unacknowledged segments would), new ones are accepted and held without reaching the node, and
// heal() lets everything flow again. No node learns of a partition other than by silence.
import net from "node:net";

export interface ProxiedNode {
  /** The port clients and other nodes use (announced); the proxy listens on it and on +10000. */
  port: number;
  /** Where the node really listens (client port; its bus is serverPort + 10000). */
  serverPort: number;
  /** The node's bind-source-addr. */
  source: string;
}

/** The loopback address a node's outbound connections leave from: 127.1.<port high>.<port low>. */
export function sourceAddress(port: number): string {
  return `127.1.${(port >> 8) & 255}.${port & 255}`;
}

const BUS_OFFSET = 10000;

interface Pipe {
  from: number | null;
  to: number;
  inbound: net.Socket;
  /** Null while a cut connection is held before it ever reached the node. */
  outbound: net.Socket | null;
  held: boolean;
}

export interface ProxyStatus {
  /** The groups of the current partition, [] when healed. */
  groups: number[][];
  connections: number;
  held: number;
}

export class FaultProxy {
  private readonly servers: net.Server[] = [];
  private readonly pipes = new Set<Pipe>();
  private readonly bySource = new Map<string, number>();
  private readonly nodes = new Map<number, ProxiedNode>();
  /** Node port -> group index, while a partition is in place. */
  private group: Map<number, number> | null = null;
  private groups: number[][] = [];

  constructor(
    private readonly host: string,
    nodes: readonly ProxiedNode[],
  ) {
    for (const n of nodes) {
      this.nodes.set(n.port, n);
      this.bySource.set(n.source, n.port);
    }
  }

  async listen(): Promise<void> {
    for (const n of this.nodes.values()) {
      await this.listenOne(n.port, n.port, n.serverPort);
      await this.listenOne(n.port, n.port + BUS_OFFSET, n.serverPort + BUS_OFFSET);
    }
  }

  private listenOne(node: number, port: number, target: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => this.accept(node, target, sock));
      srv.once("error", reject);
      srv.listen({ host: this.host, port, exclusive: true }, () => {
        srv.off("error", reject);
        this.servers.push(srv);
        resolve();
      });
    });
  }

  private cut(from: number | null, to: number): boolean {
    if (from === null || this.group === null) return false;
    return this.group.get(from) !== this.group.get(to);
  }

  private accept(to: number, target: number, inbound: net.Socket): void {
    const from = this.bySource.get(inbound.remoteAddress?.replace(/^::ffff:/, "") ?? "") ?? null;
    const pipe: Pipe = { from, to, inbound, outbound: null, held: false };
    this.pipes.add(pipe);
    inbound.setNoDelay(true);
    inbound.on("error", () => this.drop(pipe));
    inbound.on("close", () => this.drop(pipe));
    if (this.cut(from, to)) {
      // Accepted, then silence: the SYN was answered, nothing further gets through.
      inbound.pause();
      pipe.held = true;
      return;
    }
    this.open(pipe, target);
  }

  private open(pipe: Pipe, target: number): void {
    const outbound = net.connect({ host: this.host, port: target });
    pipe.outbound = outbound;
    outbound.setNoDelay(true);
    outbound.on("error", () => this.drop(pipe));
    outbound.on("close", () => this.drop(pipe));
    forward(pipe.inbound, outbound, () => pipe.held);
    forward(outbound, pipe.inbound, () => pipe.held);
  }

  private drop(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    pipe.inbound.destroy();
    pipe.outbound?.destroy();
  }

  /** Cuts the groups from each other. Every port must be a node of this proxy, once. */
  partition(groups: readonly (readonly number[])[]): void {
    const group = new Map<number, number>();
    groups.forEach((g, i) => {
      for (const port of g) {
        if (!this.nodes.has(port)) throw new Error(`${port} is not a node of this cluster`);
        if (group.has(port)) throw new Error(`${port} is listed in more than one group`);
        group.set(port, i);
      }
    });
    for (const port of this.nodes.keys())
      if (!group.has(port)) throw new Error(`${port} is in no group`);
    this.group = group;
    this.groups = groups.map((g) => [...g]);
    for (const pipe of this.pipes) {
      const cut = this.cut(pipe.from, pipe.to);
      if (cut && !pipe.held) {
        pipe.held = true;
        pipe.inbound.pause();
        pipe.outbound?.pause();
      } else if (!cut && pipe.held) this.release(pipe);
    }
  }

  /** Lets every held connection flow again. */
  heal(): void {
    this.group = null;
    this.groups = [];
    for (const pipe of this.pipes) if (pipe.held) this.release(pipe);
  }

  private release(pipe: Pipe): void {
    pipe.held = false;
    if (pipe.outbound === null) {
      const node = this.nodes.get(pipe.to)!;
      const bus = pipe.inbound.localPort === node.port + BUS_OFFSET;
      this.open(pipe, bus ? node.serverPort + BUS_OFFSET : node.serverPort);
    }
    pipe.inbound.resume();
    pipe.outbound?.resume();
  }

  status(): ProxyStatus {
    let held = 0;
    for (const p of this.pipes) if (p.held) held++;
    return { groups: this.groups.map((g) => [...g]), connections: this.pipes.size, held };
  }

  async close(): Promise<void> {
    for (const p of [...this.pipes]) this.drop(p);
    await Promise.all(
      this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  }
}

/** Copies a to b with backpressure; stops reading while the pipe is held. */
function forward(a: net.Socket, b: net.Socket, held: () => boolean): void {
  a.on("data", (d: Buffer) => {
    if (!b.write(d)) a.pause();
  });
  b.on("drain", () => {
    if (!held()) a.resume();
  });
  a.on("end", () => b.end());
}

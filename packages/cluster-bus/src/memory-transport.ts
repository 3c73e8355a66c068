// In-memory transport: the same Transport interface as TcpTransport, over a MemoryNetwork whose
// delivery is driven by an injected scheduler, so a simulator decides when every connect and
// message happens (and whether it happens at all: drops, delays, partitions, paused readers).
// With `codec: true` every message travels as frame bytes through the real FrameDecoder.
import { encodeFrame } from "./codec.js";
import { TransportError } from "./errors.js";
import { FrameDecoder } from "./frame-decoder.js";
import type { ClusterMessage } from "./messages.js";
import {
  type LinkDirection,
  type LinkDownReason,
  type LinkId,
  type LinkStats,
  type Logger,
  MessageCounters,
  noopLogger,
  type Transport,
  type TransportHandler,
} from "./transport.js";

export interface MemoryNetworkOptions {
  /** Runs fn after delayMs of (virtual or real) time. */
  schedule(delayMs: number, fn: () => void): void;
  now(): number;
  /**
   * Fate of one message from ip `from` to ip `to`: a delay in ms, null to drop it silently
   * (a black hole, e.g. a partition), or "reset" to lose it and break the connection the way a
   * real TCP link fails. Default: 1 ms.
   */
  route?(from: string, to: string, msg: ClusterMessage): number | null | "reset";
  /** Delay before a connect from `from` to `to` completes, or null if it is refused. Default 1 ms. */
  connectDelay?(from: string, to: string): number | null;
  /** Send real frame bytes through FrameDecoder (slower, exact sizes). Default false. */
  codec?: boolean;
  /** Keep per-link FIFO order like TCP even when delays vary. Default true. */
  fifo?: boolean;
  /** Size charged per message against the send buffer when codec is off. Default 128. */
  estimatedMessageBytes?: number;
}

interface Endpoint {
  id: LinkId;
  direction: LinkDirection;
  owner: MemoryTransport | null;
  peer: Endpoint | null;
  createTime: number;
  closed: boolean;
  connected: boolean;
  pendingBytes: number;
  lastDeliverAt: number;
  decoder: FrameDecoder | null;
  /** Messages that reached a paused reader, waiting for resume. */
  backlog: (() => void)[];
  /** Raw peers only: told when the transport closes the link. */
  onRemoteClose?: () => void;
}

const nullHandler: TransportHandler = {
  linkUp() {},
  linkAccepted() {},
  message() {},
  linkDown() {},
};

/** A peer that writes raw bytes to a listener (hostile-input tests). */
export interface RawPeer {
  write(bytes: Uint8Array): void;
  close(): void;
  readonly closed: boolean;
}

export class MemoryNetwork {
  readonly listeners = new Map<string, MemoryTransport>();
  readonly paused = new Set<MemoryTransport>();

  constructor(readonly opts: MemoryNetworkOptions) {}

  createTransport(opts: {
    ip: string;
    port: number;
    logger?: Logger;
    sendBufLimit?: number;
  }): MemoryTransport {
    return new MemoryTransport(
      this,
      opts.ip,
      opts.port,
      opts.logger ?? noopLogger,
      opts.sendBufLimit ?? 0,
    );
  }

  /** Stop (or resume) reading on a transport: senders' buffers fill up. */
  setPaused(t: MemoryTransport, paused: boolean): void {
    if (paused) {
      this.paused.add(t);
      return;
    }
    this.paused.delete(t);
    for (const ep of t.endpoints()) {
      const backlog = ep.backlog.splice(0);
      for (const deliver of backlog) this.opts.schedule(0, deliver);
    }
  }

  /** Opens a raw byte stream to a listener, bypassing the encoder. */
  rawConnect(fromIp: string, host: string, port: number): RawPeer {
    const target = this.listeners.get(`${host}:${port}`);
    let closed = false;
    if (!target) return { write() {}, close() {}, closed: true };
    const remote = target.acceptRaw(fromIp, () => {
      closed = true;
    });
    return {
      write: (bytes) => {
        if (closed) return;
        const copy = Uint8Array.from(bytes);
        this.opts.schedule(0, () => {
          if (!closed) remote.owner?.receiveBytes(remote, copy);
        });
      },
      close: () => {
        closed = true;
        this.opts.schedule(0, () => remote.owner?.peerClosed(remote));
      },
      get closed() {
        return closed || remote.closed;
      },
    };
  }
}

export class MemoryTransport implements Transport {
  readonly counters = new MessageCounters();
  private handler: TransportHandler = nullHandler;
  private readonly links = new Map<LinkId, Endpoint>();
  private nextInbound = 1;
  private listening = false;
  private down = false;

  constructor(
    private readonly net: MemoryNetwork,
    readonly ip: string,
    readonly port: number,
    private readonly log: Logger,
    private sendBufLimit: number,
  ) {}

  setHandler(handler: TransportHandler): void {
    this.handler = handler;
  }

  setSendBufLimit(bytes: number): void {
    this.sendBufLimit = bytes;
  }

  endpoints(): Endpoint[] {
    return [...this.links.values()];
  }

  listen(): Promise<void> {
    const key = `${this.ip}:${this.port}`;
    const existing = this.net.listeners.get(key);
    if (existing && existing !== this)
      return Promise.reject(new TransportError(`address in use: ${key}`));
    this.net.listeners.set(key, this);
    this.listening = true;
    this.down = false;
    return Promise.resolve();
  }

  private newEndpoint(id: LinkId, direction: LinkDirection): Endpoint {
    const ep: Endpoint = {
      id,
      direction,
      owner: this,
      peer: null,
      createTime: this.net.opts.now(),
      closed: false,
      connected: false,
      pendingBytes: 0,
      lastDeliverAt: 0,
      decoder: this.net.opts.codec ? new FrameDecoder() : null,
      backlog: [],
    };
    this.links.set(id, ep);
    return ep;
  }

  connect(id: LinkId, host: string, port: number): void {
    if (this.links.has(id)) throw new TransportError(`link ${id} already exists`);
    const ep = this.newEndpoint(id, "to");
    const delay = this.net.opts.connectDelay ? this.net.opts.connectDelay(this.ip, host) : 1;
    this.net.opts.schedule(delay ?? 1, () => {
      if (ep.closed) return;
      const target = this.net.listeners.get(`${host}:${port}`);
      if (delay === null || !target || !target.listening || target.down) {
        this.dropEndpoint(ep, "refused", false);
        return;
      }
      const remote = target.acceptFrom(this.ip, ep);
      ep.peer = remote;
      ep.connected = true;
      this.safe(() => this.handler.linkUp({ id, direction: "to", peerIp: host, localIp: this.ip }));
    });
  }

  /** Called by the connecting side's transport: creates our inbound end. */
  acceptFrom(fromIp: string, peer: Endpoint): Endpoint {
    const ep = this.newEndpoint(`in-${this.nextInbound++}`, "from");
    ep.peer = peer;
    ep.connected = true;
    this.safe(() =>
      this.handler.linkAccepted({ id: ep.id, direction: "from", peerIp: fromIp, localIp: this.ip }),
    );
    return ep;
  }

  acceptRaw(fromIp: string, onClose: () => void): Endpoint {
    const ep = this.newEndpoint(`in-${this.nextInbound++}`, "from");
    ep.decoder = new FrameDecoder();
    ep.connected = true;
    // A pseudo peer whose only job is to learn that we closed the link.
    ep.peer = {
      id: "raw",
      direction: "to",
      owner: null,
      peer: ep,
      createTime: ep.createTime,
      closed: false,
      connected: true,
      pendingBytes: 0,
      lastDeliverAt: 0,
      decoder: null,
      backlog: [],
      onRemoteClose: onClose,
    };
    this.safe(() =>
      this.handler.linkAccepted({ id: ep.id, direction: "from", peerIp: fromIp, localIp: this.ip }),
    );
    return ep;
  }

  send(id: LinkId, msg: ClusterMessage): boolean {
    const ep = this.links.get(id);
    if (!ep || ep.closed || this.down) return false;
    this.counters.countSent(msg);
    let frame: Buffer | null = null;
    if (this.net.opts.codec) frame = encodeFrame(msg);
    const size = frame ? frame.length : (this.net.opts.estimatedMessageBytes ?? 128);
    ep.pendingBytes += size;
    if (this.sendBufLimit > 0 && ep.pendingBytes > this.sendBufLimit) {
      this.counters.linksBufferLimitExceeded++;
      this.log(
        "warning",
        `Freeing cluster link ${id} (${ep.direction}): send buffer ${ep.pendingBytes} bytes over cluster-link-sendbuf-limit ${this.sendBufLimit}`,
      );
      this.release(ep, true);
      this.net.opts.schedule(0, () => this.safe(() => this.handler.linkDown(id, "sendbuf-limit")));
      return false;
    }
    const peerIp = ep.peer?.owner?.ip ?? "";
    // Before the connect completes there is no peer yet: deliver once it exists.
    const routeDelay = this.net.opts.route ? this.net.opts.route(this.ip, peerIp, msg) : 1;
    if (routeDelay === null) {
      ep.pendingBytes -= size;
      return true;
    }
    if (routeDelay === "reset") {
      // Reported asynchronously: a transport never re-enters its handler from send().
      this.release(ep, true);
      this.net.opts.schedule(0, () => this.safe(() => this.handler.linkDown(id, "error")));
      return true;
    }
    const now = this.net.opts.now();
    let at = now + routeDelay;
    if (this.net.opts.fifo !== false) at = Math.max(at, ep.lastDeliverAt);
    ep.lastDeliverAt = at;
    const deliver = () => {
      const peer = ep.peer;
      if (ep.closed || !peer || peer.closed) return;
      const receiver = peer.owner;
      if (!receiver) return;
      if (this.net.paused.has(receiver)) {
        peer.backlog.push(deliver);
        return;
      }
      ep.pendingBytes -= size;
      if (frame) receiver.receiveBytes(peer, frame);
      else receiver.receiveMessage(peer, msg);
    };
    this.net.opts.schedule(at - now, deliver);
    return true;
  }

  receiveMessage(ep: Endpoint, msg: ClusterMessage): void {
    if (ep.closed || this.down) return;
    this.counters.countReceived(msg.type);
    this.safe(() => this.handler.message(ep.id, msg));
  }

  receiveBytes(ep: Endpoint, bytes: Uint8Array): void {
    if (ep.closed || this.down || !ep.decoder) return;
    const err = ep.decoder.push(bytes, {
      message: (msg) => {
        if (ep.closed) return;
        this.counters.countReceived(msg.type);
        this.safe(() => this.handler.message(ep.id, msg));
      },
      unknown: (type) => this.log("verbose", `Received unknown packet type: ${type}`),
    });
    if (err && !ep.closed) {
      this.log("warning", `Bad message on cluster bus link ${ep.id}: ${err.message}; closing link`);
      this.dropEndpoint(ep, "protocol-error", true);
    }
  }

  /** The other end went away. */
  peerClosed(ep: Endpoint): void {
    if (ep.closed) return;
    this.dropEndpoint(ep, "closed", true);
  }

  private dropEndpoint(ep: Endpoint, reason: LinkDownReason, notifyPeer: boolean): void {
    this.release(ep, notifyPeer);
    this.safe(() => this.handler.linkDown(ep.id, reason));
  }

  private release(ep: Endpoint, notifyPeer: boolean): void {
    if (ep.closed) return;
    ep.closed = true;
    ep.backlog = [];
    this.links.delete(ep.id);
    const peer = ep.peer;
    if (notifyPeer && peer && !peer.closed) {
      if (peer.owner) this.net.opts.schedule(1, () => peer.owner?.peerClosed(peer));
      else {
        peer.closed = true;
        peer.onRemoteClose?.();
      }
    }
  }

  close(id: LinkId): void {
    const ep = this.links.get(id);
    if (ep) this.release(ep, true);
  }

  linkStats(): LinkStats[] {
    return [...this.links.values()].map((ep) => ({
      id: ep.id,
      direction: ep.direction,
      createTime: ep.createTime,
      events: ep.pendingBytes > 0 ? "rw" : "r",
      sendBufferAllocated: ep.pendingBytes,
      sendBufferUsed: ep.pendingBytes,
    }));
  }

  async shutdown(): Promise<void> {
    this.down = true;
    this.listening = false;
    const key = `${this.ip}:${this.port}`;
    if (this.net.listeners.get(key) === this) this.net.listeners.delete(key);
    this.net.paused.delete(this);
    for (const ep of [...this.links.values()]) this.release(ep, true);
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log("warning", `Cluster bus handler threw: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}

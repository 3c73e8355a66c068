// TCP transport: a listener on the bus port and one socket per link. Mirrors the I/O half of
// clusterAcceptHandler(), clusterLinkConnectHandler(), clusterReadHandler(), clusterWriteHandler()
// and clusterNodeCronFreeLinkOnBufferLimitReached() in src/cluster_legacy.c (Redis 7.0).
// Reconnect policy: the state machine asks again for a link every cron tick; this transport
// spaces real connect attempts to an address that keeps failing with exponential backoff.
//
// For a host whose event loop is held up (a Redis-style busy script), pumpLinks() reads the
// links' sockets synchronously and delivers their messages as the loop would, and
// listeningFds()/adoptInbound() let the host accept bus connections on another thread; the
// transport itself never knows why the loop is blocked.
import fs from "node:fs";
import net from "node:net";
import { encodeFrame } from "./codec.js";
import { TransportError } from "./errors.js";
import { FrameDecoder } from "./frame-decoder.js";
import { type ClusterMessage, MESSAGE_TYPE_NAMES } from "./messages.js";
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
  unmapIpv4,
} from "./transport.js";

export interface TcpTransportOptions {
  /** Bus port to listen on (0 = pick one; see `port` after listen()). */
  port: number;
  /**
   * Address(es) to bind, as the `bind` directive lists them (default "127.0.0.1"); a leading
   * "-" marks an address that may be unavailable (Redis's `bind 127.0.0.1 -::1`).
   */
  host?: string | string[];
  logger?: Logger;
  /** cluster-link-sendbuf-limit in bytes, 0 = unlimited. */
  sendBufLimit?: number;
  maxFrameBytes?: number;
  /** TCP keepalive initial delay in ms (Redis: NT/1000*2 s). */
  keepAliveMs?: number;
  /** First and largest delay between failed connect attempts to one address. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Wall clock for link create-time (default Date.now). */
  now?: () => number;
  /** Local address outbound links bind to (Redis's bind-source-addr); unset = the kernel's choice. */
  localAddress?: string;
}

interface TcpLink {
  id: LinkId;
  direction: LinkDirection;
  socket: net.Socket;
  createTime: number;
  decoder: FrameDecoder;
  connected: boolean;
  closed: boolean;
  timer: NodeJS.Timeout | null;
  addrKey: string;
  /** What the socket's "data" handler does with a chunk; pumpLinks() feeds the same path. */
  onData: (chunk: Buffer) => void;
}

/** pumpLinks()'s read size: a full PING with gossip is ~1-3 KB. */
const PUMP_READ_SIZE = 64 * 1024;

const nullHandler: TransportHandler = {
  linkUp() {},
  linkAccepted() {},
  message() {},
  linkDown() {},
};

export class TcpTransport implements Transport {
  readonly counters = new MessageCounters();
  private handler: TransportHandler = nullHandler;
  private readonly links = new Map<LinkId, TcpLink>();
  private readonly failures = new Map<string, number>();
  private readonly servers: net.Server[] = [];
  private nextInbound = 1;
  private sendBufLimit: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private boundPort: number;
  private localAddress: string | undefined;

  constructor(private readonly opts: TcpTransportOptions) {
    this.sendBufLimit = opts.sendBufLimit ?? 0;
    this.log = opts.logger ?? noopLogger;
    this.now = opts.now ?? Date.now;
    this.boundPort = opts.port;
    this.localAddress = opts.localAddress;
  }

  /** The bound bus port (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler;
  }

  setSendBufLimit(bytes: number): void {
    this.sendBufLimit = bytes;
  }

  /** bind-source-addr for links opened from now on ("" or undefined = the kernel's choice). */
  setLocalAddress(address: string | undefined): void {
    this.localAddress = address === "" ? undefined : address;
  }

  async listen(): Promise<void> {
    if (this.servers.length) throw new TransportError("already listening");
    const hosts = Array.isArray(this.opts.host) ? this.opts.host : [this.opts.host ?? "127.0.0.1"];
    let port = this.opts.port;
    for (const spec of hosts) {
      const optional = spec.startsWith("-");
      const host = optional ? spec.slice(1) : spec;
      try {
        const server = await new Promise<net.Server>((resolve, reject) => {
          const srv = net.createServer((socket) => this.accept(socket));
          srv.once("error", reject);
          srv.listen({ port, host }, () => {
            srv.off("error", reject);
            resolve(srv);
          });
        });
        server.on("error", (err) =>
          this.log("warning", `Cluster bus listener error: ${err.message}`),
        );
        // Port 0 picks a port once; every other address then uses the same one.
        port = (server.address() as net.AddressInfo).port;
        this.boundPort = port;
        this.servers.push(server);
      } catch (err) {
        if (optional) continue;
        await this.closeServers();
        throw err;
      }
    }
  }

  private async closeServers(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))),
    );
  }

  /** The listening sockets' fds (to accept on from another thread while the loop is blocked). */
  listeningFds(): number[] {
    const out: number[] = [];
    for (const srv of this.servers) {
      const fd = fdOf(srv);
      if (fd >= 0) out.push(fd);
    }
    return out;
  }

  /**
   * A connection accepted on one of listeningFds() by someone else (its fd, now the caller's to
   * give): becomes an inbound link, as if the listener had accepted it.
   */
  adoptInbound(fd: number): void {
    let socket: net.Socket;
    try {
      socket = new net.Socket({ fd, readable: true, writable: true });
    } catch (err) {
      this.log("warning", `Could not adopt a cluster bus connection: ${(err as Error).message}`);
      fs.closeSync(fd);
      return;
    }
    this.accept(socket);
  }

  /**
   * Reads, without the event loop, what each link's socket has right now (one non-blocking
   * read(2) per link, more while they come back full), and delivers the messages to the handler
   * through the link's decoder, as the socket's "data" event would: for a host whose event loop
   * is held up (Redis's processEventsWhileBlocked). What the handler sends meanwhile is written at
   * once by Node when the socket's write queue is empty. Links mid-connect, and links whose
   * stream already holds bytes the loop read (they must be decoded first), are left to the event
   * loop; bytes read here never reach libuv, so nothing is read twice. Returns the bytes read.
   */
  pumpLinks(): number {
    let total = 0;
    for (const link of [...this.links.values()]) {
      if (link.closed || !link.connected) continue;
      const socket = link.socket;
      if (socket.connecting || socket.readableLength > 0) continue;
      const fd = fdOf(socket);
      if (fd < 0) continue;
      pumpBuffer ??= Buffer.allocUnsafe(PUMP_READ_SIZE);
      while (!link.closed) {
        let n: number;
        try {
          n = fs.readSync(fd, pumpBuffer, 0, PUMP_READ_SIZE, null);
        } catch {
          break; // EAGAIN: nothing more for now (an error or reset, the event loop sees it)
        }
        if (n <= 0) break; // EOF: the event loop sees it too and drops the link
        total += n;
        // A copy: the decoder keeps partial frames across reads.
        link.onData(Buffer.from(pumpBuffer.subarray(0, n)));
        if (n < PUMP_READ_SIZE) break;
      }
    }
    return total;
  }

  private accept(socket: net.Socket): void {
    const id = `in-${this.nextInbound++}`;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.opts.keepAliveMs ?? 30_000);
    const link = this.makeLink(id, "from", socket, "");
    link.connected = true;
    this.safe(() =>
      this.handler.linkAccepted({
        id,
        direction: "from",
        peerIp: unmapIpv4(socket.remoteAddress),
        localIp: unmapIpv4(socket.localAddress),
      }),
    );
  }

  connect(id: LinkId, host: string, port: number): void {
    if (this.links.has(id)) throw new TransportError(`link ${id} already exists`);
    const addrKey = `${host}:${port}`;
    const fails = this.failures.get(addrKey) ?? 0;
    const min = this.opts.backoffMinMs ?? 50;
    const max = this.opts.backoffMaxMs ?? 1000;
    const delay = fails === 0 ? 0 : Math.min(max, min * 2 ** (fails - 1));
    const socket = new net.Socket();
    const link = this.makeLink(id, "to", socket, addrKey);
    const start = () => {
      link.timer = null;
      if (link.closed) return;
      const localAddress = this.localAddress;
      socket.connect({ host, port, ...(localAddress ? { localAddress } : {}) }, () => {
        if (link.closed) return;
        link.connected = true;
        this.failures.delete(addrKey);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, this.opts.keepAliveMs ?? 30_000);
        this.safe(() =>
          this.handler.linkUp({
            id,
            direction: "to",
            peerIp: unmapIpv4(socket.remoteAddress),
            localIp: unmapIpv4(socket.localAddress),
          }),
        );
      });
    };
    if (delay === 0) start();
    else link.timer = setTimeout(start, delay);
  }

  private makeLink(
    id: LinkId,
    direction: LinkDirection,
    socket: net.Socket,
    addrKey: string,
  ): TcpLink {
    const link: TcpLink = {
      id,
      direction,
      socket,
      createTime: this.now(),
      decoder: new FrameDecoder(
        this.opts.maxFrameBytes !== undefined ? { maxFrameBytes: this.opts.maxFrameBytes } : {},
      ),
      connected: false,
      closed: false,
      timer: null,
      addrKey,
      onData: () => {},
    };
    this.links.set(id, link);
    const sink = {
      message: (msg: ClusterMessage) => {
        this.counters.countReceived(msg.type);
        if (!link.closed) this.safe(() => this.handler.message(id, msg));
      },
      unknown: (type: number) => {
        this.log("verbose", `Received unknown packet type: ${type}`);
      },
    };
    link.onData = (chunk: Buffer) => {
      if (link.closed) return;
      const err = link.decoder.push(chunk, sink);
      if (err && !link.closed) {
        this.log(
          "warning",
          `Bad message on cluster bus link ${id} from ${unmapIpv4(socket.remoteAddress)}: ${err.message}; closing link`,
        );
        this.drop(link, "protocol-error");
      }
    };
    socket.on("data", link.onData);
    socket.on("error", (err) => {
      if (link.closed) return;
      if (!link.connected && direction === "to") {
        this.failures.set(addrKey, (this.failures.get(addrKey) ?? 0) + 1);
        this.log("verbose", `Connection to ${addrKey} failed: ${err.message}`);
        this.drop(link, "refused");
      } else {
        this.log("verbose", `Cluster bus link ${id} error: ${err.message}`);
        this.drop(link, "error");
      }
    });
    socket.on("close", () => {
      if (!link.closed) {
        if (!link.connected && direction === "to")
          this.failures.set(addrKey, (this.failures.get(addrKey) ?? 0) + 1);
        this.drop(link, link.connected ? "closed" : "refused");
      }
    });
    return link;
  }

  /** Transport-initiated close: reported to the handler. */
  private drop(link: TcpLink, reason: LinkDownReason): void {
    if (link.closed) return;
    this.release(link);
    this.safe(() => this.handler.linkDown(link.id, reason));
  }

  private release(link: TcpLink): void {
    link.closed = true;
    if (link.timer) clearTimeout(link.timer);
    this.links.delete(link.id);
    link.socket.destroy();
  }

  send(id: LinkId, msg: ClusterMessage): boolean {
    const link = this.links.get(id);
    if (!link || link.closed) return false;
    let frame: Buffer;
    try {
      frame = encodeFrame(msg);
    } catch (err) {
      this.log(
        "warning",
        `Cannot encode ${MESSAGE_TYPE_NAMES[msg.type]} message: ${(err as Error).message}`,
      );
      return false;
    }
    // Writes before the connect completes are buffered by the socket, like Redis's send queue.
    link.socket.write(frame);
    this.counters.countSent(msg);
    if (this.sendBufLimit > 0 && link.socket.writableLength > this.sendBufLimit) {
      this.counters.linksBufferLimitExceeded++;
      this.log(
        "warning",
        `Freeing cluster link ${id} (${link.direction}): send buffer ${link.socket.writableLength} bytes over cluster-link-sendbuf-limit ${this.sendBufLimit}`,
      );
      // Reported asynchronously: a transport never re-enters its handler from send().
      this.release(link);
      queueMicrotask(() => this.safe(() => this.handler.linkDown(id, "sendbuf-limit")));
      return false;
    }
    return true;
  }

  close(id: LinkId): void {
    const link = this.links.get(id);
    if (link) this.release(link);
  }

  linkStats(): LinkStats[] {
    const out: LinkStats[] = [];
    for (const link of this.links.values()) {
      const used = link.socket.writableLength;
      out.push({
        id: link.id,
        direction: link.direction,
        createTime: link.createTime,
        events: used > 0 ? "rw" : "r",
        sendBufferAllocated: used,
        sendBufferUsed: used,
      });
    }
    return out;
  }

  async shutdown(): Promise<void> {
    for (const link of [...this.links.values()]) this.release(link);
    await this.closeServers();
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log("warning", `Cluster bus handler threw: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}

let pumpBuffer: Buffer | null = null;

/** The OS fd under a socket or listener (-1 when it has none yet, or no longer). */
function fdOf(handleOwner: net.Socket | net.Server): number {
  const fd = (handleOwner as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === "number" ? fd : -1;
}

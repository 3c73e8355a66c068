// The node's listening sockets: one per `bind` address on `port`, opened at start-up and
// replaced on CONFIG SET port/bind. Mirrors listenToPort() and changeListener() in src/server.c
// (Redis 7.0): a `-` before an address makes it optional (skipped when the address or its family
// is unavailable), `*` and `::*` are every IPv4 and IPv6 address, and a failure to bind logs
// Redis's warning. What happens to an accepted connection is networking.ts's business.
// While a script is busy the main thread cannot accept: the process's accept thread then accepts
// on the listeners' fds (busy-accept.ts), and the connections it takes come back through adopt().
import net from "node:net";
import type { Logger } from "../log.js";
import {
  drainBusyAccept,
  forgetBusyListener,
  parkBusyAccept,
  registerBusyListener,
  reserveStaleListenerFds,
  wakeBusyAccept,
} from "./busy-accept.js";

export class Listeners {
  private servers: net.Server[] = [];
  /** Listeners handed to the accept thread (the first time a script was busy): their ids there. */
  private readonly busyIds = new Map<net.Server, number>();

  constructor(
    private readonly log: Logger,
    private readonly onConnection: (sock: net.Socket) => void,
  ) {}

  /** Binds every address on `port` (0: none); throws (with Redis's wording logged) on failure. */
  async listen(port: number, bind: readonly string[]): Promise<void> {
    this.servers = await this.open(port, bind);
  }

  /**
   * CONFIG SET port/bind: listen on the new addresses first, then close the old listeners (Redis's
   * changeListener). On failure the old listeners stay and the error is thrown.
   */
  async rebind(port: number, bind: readonly string[]): Promise<void> {
    const next = await this.open(port, bind);
    this.close();
    this.servers = next;
  }

  close(): void {
    for (const l of this.servers) {
      const id = this.busyIds.get(l);
      if (id !== undefined) {
        this.busyIds.delete(l);
        // The accept thread must let go of the fd before it is closed (busy-accept.ts).
        if (!forgetBusyListener(id))
          this.log.warning("Busy-script accept thread did not stop: closing its listener anyway");
      }
      l.close();
    }
    this.servers = [];
  }

  /**
   * A script is past busy-reply-threshold (each pass of the busy hook): the accept thread takes
   * new connections on every listener, and what it took so far becomes clients now.
   */
  acceptWhileBusy(): void {
    for (const l of this.servers) {
      if (this.busyIds.has(l)) continue;
      const fd = (l as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd !== "number" || fd < 0) continue;
      const id = registerBusyListener(
        fd,
        (cfd) => this.adopt(cfd),
        (msg) => this.log.warning(msg),
      );
      // -1: not coverable (busy-accept.ts); its connections wait for the script to end.
      this.busyIds.set(l, id);
    }
    wakeBusyAccept();
    drainBusyAccept();
  }

  /** The script ended: the accept thread sleeps; the main thread accepts again. */
  stopAcceptingWhileBusy(): void {
    parkBusyAccept();
    drainBusyAccept();
  }

  /** A connection the accept thread took: the main thread's from now on, as if it accepted it. */
  private adopt(fd: number): void {
    const sock = new net.Socket({ fd, readable: true, writable: true });
    sock.setNoDelay(true);
    this.onConnection(sock);
  }

  private async open(port: number, addrs: readonly string[]): Promise<net.Server[]> {
    const out: net.Server[] = [];
    if (port === 0) return out;
    // New listening sockets stay off the fd numbers the accept thread can no longer listen on.
    const release = reserveStaleListenerFds();
    try {
      await this.openEach(port, addrs, out);
    } finally {
      release();
    }
    return out;
  }

  private async openEach(port: number, addrs: readonly string[], out: net.Server[]): Promise<void> {
    for (const raw of addrs) {
      const optional = raw.startsWith("-");
      let host = optional ? raw.slice(1) : raw;
      if (host === "*") host = "0.0.0.0";
      if (host === "::*") host = "::";
      const srv = net.createServer({ noDelay: true }, this.onConnection);
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once("error", reject);
          srv.listen({ port, host, ipv6Only: host.includes(":"), backlog: 511 }, () => {
            srv.off("error", reject);
            resolve();
          });
        });
        out.push(srv);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (optional && (e.code === "EADDRNOTAVAIL" || e.code === "EAFNOSUPPORT")) continue;
        for (const l of out) l.close();
        this.log.warning(
          `Warning: Could not create server TCP listening socket ${raw}:${port}: ${e.message}`,
        );
        throw err;
      }
    }
  }
}

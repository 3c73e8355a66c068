// The node's listening sockets: one per `bind` address on `port`, opened at start-up and
// replaced on CONFIG SET port/bind. Mirrors listenToPort() and changeListener() in src/server.c
// (Redis 7.0): a `-` before an address makes it optional (skipped when the address or its family
// is unavailable), `*` and `::*` are every IPv4 and IPv6 address, and a failure to bind logs
// Redis's warning. With `unixsocket`, one more listener on that path (anetUnixServer: a stale
// file is removed first, `unixsocketperm` applied); its connections come with the path, which
// CLIENT LIST shows as their address. What happens to an accepted connection is networking.ts's
// business.
// While a script is busy the main thread cannot accept: the process's accept thread then accepts
// on the listeners' fds (busy-accept.ts), and the connections it takes come back through adopt().
import fs from "node:fs";
import net from "node:net";
import type { Logger } from "../log.js";
import {
  drainBusyAccept,
  forgetBusyListener,
  parkBusyAccept,
  registerBusyListener,
  reserveStaleListenerFds,
  resumeBusyAccept,
  wakeBusyAccept,
} from "./busy-accept.js";
import { acceptIntoSharedBuffer, sharedReadSocket } from "./shared-read.js";

/** The Unix socket listener could not be opened (its line is logged already). */
export class UnixSocketError extends Error {}

/**
 * A new connection, reading into shared-read.ts's buffer (its bytes are dropped until networking
 * names their consumer); `unixPath` when it came through the Unix socket listener.
 */
export type OnConnection = (sock: net.Socket, unixPath?: string) => void;

export class Listeners {
  private servers: net.Server[] = [];
  /** The Unix socket listener (`unixsocket`), kept across CONFIG SET port/bind. */
  private unix: { server: net.Server; path: string } | null = null;
  /** Listeners handed to the accept thread (the first time a script was busy): their ids there. */
  private readonly busyIds = new Map<net.Server, number>();

  constructor(
    private readonly log: Logger,
    private readonly onConnection: OnConnection,
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
    this.closeEach(this.servers);
    this.servers = next;
  }

  /**
   * Listens on the Unix socket `path` with permissions `perm` (0: the umask's). A file left
   * there (a previous run's socket) is removed first, as Redis does. Throws, with Redis's line
   * logged, when it cannot.
   */
  async listenUnix(path: string, perm: number): Promise<void> {
    try {
      fs.unlinkSync(path);
    } catch {
      // Nothing there, or not ours to remove: listen() says which.
    }
    const release = reserveStaleListenerFds();
    const server = net.createServer((sock) => this.onConnection(sock, path));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ path, backlog: 511 }, () => {
          server.off("error", reject);
          // Before any connection: the listening callback runs ahead of the next poll.
          acceptIntoSharedBuffer(server);
          resolve();
        });
      });
      if (perm !== 0) fs.chmodSync(path, perm);
    } catch (err) {
      server.close();
      const why = (err as Error).message;
      this.log.warning(`Failed opening Unix socket: ${why}`);
      throw new UnixSocketError(why);
    } finally {
      release();
    }
    this.unix = { server, path };
  }

  /** Every listener closed (SHUTDOWN); Node removes the Unix socket's file as it closes it. */
  close(): void {
    this.closeEach(this.servers);
    this.servers = [];
    if (this.unix !== null) this.closeEach([this.unix.server]);
    this.unix = null;
  }

  private closeEach(servers: readonly net.Server[]): void {
    for (const l of servers) {
      const id = this.busyIds.get(l);
      if (id !== undefined) {
        this.busyIds.delete(l);
        // The accept thread must let go of the fd before it is closed (busy-accept.ts).
        if (!forgetBusyListener(id))
          this.log.warning("Busy-script accept thread did not stop: closing its listener anyway");
      }
      l.close();
    }
    // Only once the fds are closed: a script still busy (SHUTDOWN NOSAVE) keeps accepting on
    // the other listeners.
    resumeBusyAccept();
  }

  /**
   * A script is past busy-reply-threshold (each pass of the busy hook): the accept thread takes
   * new connections on every listener, and what it took so far becomes clients now.
   */
  acceptWhileBusy(): void {
    for (const l of this.servers) this.handToAcceptThread(l, undefined);
    if (this.unix !== null) this.handToAcceptThread(this.unix.server, this.unix.path);
    wakeBusyAccept();
    drainBusyAccept();
  }

  private handToAcceptThread(l: net.Server, unixPath: string | undefined): void {
    if (this.busyIds.has(l)) return;
    const fd = (l as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== "number" || fd < 0) return;
    const id = registerBusyListener(
      fd,
      (cfd) => this.adopt(cfd, unixPath),
      (msg) => this.log.warning(msg),
    );
    // -1: not coverable (busy-accept.ts); its connections wait for the script to end.
    this.busyIds.set(l, id);
  }

  /** The script ended: the accept thread sleeps; the main thread accepts again. */
  stopAcceptingWhileBusy(): void {
    parkBusyAccept();
    drainBusyAccept();
  }

  /** A connection the accept thread took: the main thread's from now on, as if it accepted it. */
  private adopt(fd: number, unixPath: string | undefined): void {
    let sock: net.Socket;
    try {
      sock = sharedReadSocket(fd);
    } catch (err) {
      // Called from inside the script's hook: a throw would end up in the script. The fd is
      // nobody's then (the thread never closes its side), so it is closed here.
      this.log.warning(
        `Could not adopt a connection accepted while busy: ${(err as Error).message}`,
      );
      fs.closeSync(fd);
      return;
    }
    if (unixPath === undefined) sock.setNoDelay(true);
    this.onConnection(sock, unixPath);
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
      const srv = net.createServer({ noDelay: true }, (sock) => this.onConnection(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once("error", reject);
          srv.listen({ port, host, ipv6Only: host.includes(":"), backlog: 511 }, () => {
            srv.off("error", reject);
            acceptIntoSharedBuffer(srv);
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

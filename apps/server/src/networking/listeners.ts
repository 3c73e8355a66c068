// The node's listening sockets: one per `bind` address on `port`, opened at start-up and
// replaced on CONFIG SET port/bind. Mirrors listenToPort() and changeListener() in src/server.c
// (Redis 7.0): a `-` before an address makes it optional (skipped when the address or its family
// is unavailable), `*` and `::*` are every IPv4 and IPv6 address, and a failure to bind logs
// Redis's warning. What happens to an accepted connection is networking.ts's business.
import net from "node:net";
import type { Logger } from "../log.js";

export class Listeners {
  private servers: net.Server[] = [];

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
    for (const l of this.servers) l.close();
    this.servers = [];
  }

  private async open(port: number, addrs: readonly string[]): Promise<net.Server[]> {
    const out: net.Server[] = [];
    if (port === 0) return out;
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
    return out;
  }
}

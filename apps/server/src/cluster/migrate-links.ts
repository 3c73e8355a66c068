// MIGRATE's connections to target instances, cached per "host:port" like Redis's
// migrate_cached_sockets (src/cluster.c, 7.0): at most 64, closed after 10 s unused, and each
// remembers the database it last SELECTed so a run of MIGRATEs sends SELECT once. A link is
// checked out by one MIGRATE at a time; two concurrent MIGRATEs to one target each get their own
// (Redis never has two, it blocks), and only one goes back to the cache.
//
// The I/O mirrors Redis's syncWrite/syncReadLine: writes in 64 KB chunks and line reads, each
// allowed `timeout` ms, failing as "timeout" or "error" (Redis's ETIMEDOUT or another errno).
import net from "node:net";

export const MIGRATE_CACHE_ITEMS = 64;
export const MIGRATE_CACHE_TTL_MS = 10_000;
const WRITE_CHUNK = 64 * 1024;
/** syncReadLine's buffer in migrateCommand: longer lines come back in pieces, as there. */
const MAX_LINE = 1023;

export type IoFailure = "timeout" | "error";

/** Why a connection could not be opened: Redis tells a failed lookup or a connect timeout
 * ("connecting") from a refused connection (which its non-blocking connect only sees when it
 * writes: "writing", and retried). */
export type ConnectFailure = "connect" | "write";

/** DNS failures: getaddrinfo fails before any connect in Redis too. */
const LOOKUP_ERRORS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"]);

export class MigrateLink {
  /** Database of the last successful SELECT on this connection (-1: send SELECT). */
  lastDb = -1;
  idleTimer: NodeJS.Timeout | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private dead = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly name: string,
    readonly socket: net.Socket,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.notify();
    });
    const down = () => {
      this.dead = true;
      this.notify();
    };
    socket.on("error", down);
    socket.on("close", down);
    socket.on("end", down);
  }

  get alive(): boolean {
    return !this.dead && !this.socket.destroyed;
  }

  /** Bytes the target sent that no readLine consumed (a healthy idle link has none). */
  get unread(): number {
    return this.pending.length;
  }

  close(): void {
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.socket.destroy();
    this.notify();
  }

  /** Writes `data` in 64 KB chunks; each must be taken by the kernel within `timeout` ms. */
  async write(data: Buffer, timeout: number): Promise<IoFailure | null> {
    for (let pos = 0; pos < data.length; pos += WRITE_CHUNK) {
      let written = false;
      if (!this.alive) return "error";
      this.socket.write(data.subarray(pos, pos + WRITE_CHUNK), (err) => {
        if (err) this.dead = true;
        else written = true;
        this.notify();
      });
      const r = await this.waitFor(() => written, timeout);
      if (r !== null) return r;
    }
    return null;
  }

  /** One reply line without its CRLF, or why none came within `timeout` ms. */
  async readLine(timeout: number): Promise<string | IoFailure> {
    const r = await this.waitFor(
      () => this.pending.indexOf(10) !== -1 || this.pending.length >= MAX_LINE,
      timeout,
    );
    if (r !== null) return r;
    const p = this.pending;
    const nl = p.indexOf(10);
    const end = nl === -1 || nl > MAX_LINE ? MAX_LINE : nl;
    let line = p.toString("latin1", 0, end);
    this.pending = p.subarray(nl === end ? end + 1 : end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    return line;
  }

  private notify(): void {
    const w = this.wake;
    if (w !== null) {
      this.wake = null;
      w();
    }
  }

  /** Resolves when `ready()` holds, the link goes down ("error") or `timeout` ms pass. */
  private waitFor(ready: () => boolean, timeout: number): Promise<IoFailure | null> {
    if (ready()) return Promise.resolve(null);
    if (!this.alive) return Promise.resolve("error");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve("timeout");
      }, timeout);
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          resolve(null);
        } else if (!this.alive) {
          clearTimeout(timer);
          resolve("error");
        } else this.wake = check;
      };
      this.wake = check;
    });
  }
}

/** Opens a connection within `timeout` ms. */
export function connectLink(
  name: string,
  host: string,
  port: number,
  timeout: number,
  localAddress = "",
): Promise<MigrateLink | ConnectFailure> {
  return new Promise((resolve) => {
    // getaddrinfo() refuses an empty host and a negative service; a service above 65535
    // wraps to 16 bits.
    if (host === "" || port < 0) {
      resolve("connect");
      return;
    }
    let socket: net.Socket;
    try {
      socket = net.connect({
        host,
        port: port & 0xffff,
        ...(localAddress !== "" ? { localAddress } : {}),
      });
    } catch {
      resolve("connect");
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("connect");
    }, timeout);
    const onError = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(LOOKUP_ERRORS.has(err.code ?? "") ? "connect" : "write");
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve(new MigrateLink(name, socket));
    });
  });
}

/** The cache of idle links, one per "host:port" as the client spelled them. */
export class MigrateLinks {
  private readonly idle = new Map<string, MigrateLink>();

  get size(): number {
    return this.idle.size;
  }

  /** A cached link to `name` (taken out of the cache), or a new one. */
  async acquire(
    name: string,
    host: string,
    port: number,
    timeout: number,
    /** bind-source-addr: the local address of a new connection ("" = the kernel's choice). */
    localAddress = "",
  ): Promise<MigrateLink | ConnectFailure> {
    const cached = this.idle.get(name);
    if (cached !== undefined) {
      this.idle.delete(name);
      if (cached.idleTimer) clearTimeout(cached.idleTimer);
      if (cached.alive && cached.unread === 0) {
        cached.socket.ref();
        return cached;
      }
      cached.close();
    }
    return connectLink(name, host, port, timeout, localAddress);
  }

  /** Puts a healthy link back for the next MIGRATE to the same target. */
  release(link: MigrateLink): void {
    if (!link.alive || link.unread !== 0 || this.idle.has(link.name)) {
      link.close();
      return;
    }
    if (this.idle.size >= MIGRATE_CACHE_ITEMS) {
      // Too many: drop one at random, as Redis does.
      const names = [...this.idle.keys()];
      const victim = names[Math.floor(Math.random() * names.length)]!;
      this.idle.get(victim)?.close();
      this.idle.delete(victim);
    }
    this.idle.set(link.name, link);
    link.socket.unref();
    link.idleTimer = setTimeout(() => {
      if (this.idle.get(link.name) === link) this.idle.delete(link.name);
      link.close();
    }, MIGRATE_CACHE_TTL_MS);
    link.idleTimer.unref();
  }

  closeAll(): void {
    for (const l of this.idle.values()) l.close();
    this.idle.clear();
  }
}

// One client connection to a server under test, driven step by step: a step's commands are
// written together with a `PING <marker>`, and everything the server sends before the marker's
// answer is the step's raw reply. The marker is the liveness check after every step: no answer
// within the timeout is a hang; a closed socket is reported as such.
import net from "node:net";
import { encodeCommand, replyEnd } from "./resp.js";

export type StepOutcome =
  | { kind: "ok"; bytes: Buffer }
  | { kind: "timeout"; bytes: Buffer }
  | { kind: "closed"; bytes: Buffer };

export class RawConnection {
  // Received bytes: store[0, len), grown by doubling so a multi-megabyte reply (HRANDFIELD k
  // -100000 WITHVALUES) arrives in linear time, not one concat per 64 KiB chunk.
  private store: Buffer = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private markerSeq = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      if (this.len + d.length > this.store.length) {
        const grown = Buffer.allocUnsafe(Math.max(this.store.length * 2, this.len + d.length));
        this.store.copy(grown, 0, 0, this.len);
        this.store = grown;
      }
      d.copy(this.store, this.len);
      this.len += d.length;
      this.wake?.();
    });
    const end = () => {
      this.closed = true;
      this.wake?.();
    };
    socket.on("close", end);
    socket.on("error", end);
  }

  static open(port: number, host = "127.0.0.1", timeout = 2000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect ${host}:${port} timed out`));
      }, timeout);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new RawConnection(socket));
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** Sends `commands` then a PING marker; resolves with the raw bytes of the commands' replies. */
  async step(commands: readonly (readonly Buffer[])[], timeoutMs: number): Promise<StepOutcome> {
    const marker = `__fuzz_${++this.markerSeq}__`;
    const bulk = Buffer.from(`$${marker.length}\r\n${marker}\r\n`);
    // In RESP2 subscribed mode PING answers ["pong", <arg>].
    const sub = Buffer.from(`*2\r\n$4\r\npong\r\n$${marker.length}\r\n${marker}\r\n`);
    const out = [
      ...commands.map(encodeCommand),
      encodeCommand([Buffer.from("PING"), Buffer.from(marker)]),
    ];
    this.len = 0;
    if (this.closed) return { kind: "closed", bytes: Buffer.alloc(0) };
    this.socket.write(Buffer.concat(out));
    const deadline = Date.now() + timeoutMs;
    // The marker's reply is searched for as bytes (linear), then confirmed to start where a
    // reply starts by walking the complete replies before it once (scanned only advances).
    let scanned = 0;
    let searchFrom = 0;
    for (;;) {
      const buf = this.store.subarray(0, this.len);
      for (;;) {
        const a = buf.indexOf(bulk, searchFrom);
        const b = buf.indexOf(sub, searchFrom);
        const at = a < 0 ? b : b < 0 ? a : Math.min(a, b);
        if (at < 0) {
          searchFrom = Math.max(searchFrom, buf.length - sub.length);
          break;
        }
        while (scanned < at) {
          const end = replyEnd(buf, scanned);
          if (end < 0 || end > at) break;
          scanned = end;
        }
        const len = at === a ? bulk.length : sub.length;
        if (scanned === at && replyEnd(buf, at) === at + len) {
          const bytes = Buffer.from(buf.subarray(0, at));
          // Anything after the marker (a late push) is dropped with the next step's reset.
          return { kind: "ok", bytes };
        }
        searchFrom = at + 1;
      }
      if (this.closed) return { kind: "closed", bytes: Buffer.from(buf) };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: "timeout", bytes: Buffer.from(buf) };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }
}

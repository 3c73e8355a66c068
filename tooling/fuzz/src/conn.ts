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
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;
  private markerSeq = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
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
    this.buf = Buffer.alloc(0);
    if (this.closed) return { kind: "closed", bytes: Buffer.alloc(0) };
    this.socket.write(Buffer.concat(out));
    const deadline = Date.now() + timeoutMs;
    let scanned = 0;
    for (;;) {
      // Walk complete replies; the marker's is the last one we wait for.
      for (;;) {
        const end = replyEnd(this.buf, scanned);
        if (end < 0) break;
        const len = end - scanned;
        if (
          (len === bulk.length && this.buf.subarray(scanned, end).equals(bulk)) ||
          (len === sub.length && this.buf.subarray(scanned, end).equals(sub))
        ) {
          const bytes = Buffer.from(this.buf.subarray(0, scanned));
          this.buf = this.buf.subarray(end);
          return { kind: "ok", bytes };
        }
        scanned = end;
      }
      if (this.closed) return { kind: "closed", bytes: Buffer.from(this.buf) };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: "timeout", bytes: Buffer.from(this.buf) };
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

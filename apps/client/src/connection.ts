// One socket to one Redis-compatible node: the handshake (HELLO/AUTH/SELECT/READONLY/SETNAME),
// automatic pipelining and reply matching. Every command sent during one tick of the event loop
// is written with a single socket write when the tick ends (the flush runs on process.nextTick,
// after the current promise jobs), which is what ioredis calls auto-pipelining and what makes
// many concurrent commands cheap. A Connection is used once: when its socket closes, every
// waiting command is rejected with ConnectionError and the owner opens a new Connection.
import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { CommandQueue, type PendingCommand } from "./command-queue.js";
import { ConnectionError, ProtocolError, ReplyError, TimeoutError } from "./errors.js";
import { type Arg, createReplyDecoder, encodeCommand, type ReplyDecoder } from "./wire.js";

export interface ConnectionOptions {
  host: string;
  port: number;
  /** RESP protocol version; 3 sends `HELLO 3` first. Default 2. */
  resp?: 2 | 3;
  username?: string;
  password?: string;
  /** Database index (SELECT); only 0 exists in cluster mode. */
  db?: number;
  /** Send READONLY after connecting (replica reads in a cluster). */
  readonly?: boolean;
  /** CLIENT SETNAME. */
  name?: string;
  /** `tls.connect` options; when set, the connection uses TLS. */
  tls?: tls.ConnectionOptions;
  /** Milliseconds to establish the connection and finish the handshake. Default 10 000. */
  connectTimeout?: number;
  /** Bulk strings as Buffers instead of strings. */
  returnBuffers?: boolean;
  /** Replies keep their RESP type (see reply-types.ts); for tools that print replies. */
  typedReplies?: boolean;
}

export type ConnectionState = "connecting" | "ready" | "closed";

/** Events: `ready`, `close` (err?), `push` (array: RESP3 pushes and RESP2 pub/sub messages). */
export class Connection extends EventEmitter {
  readonly address: string;
  state: ConnectionState = "connecting";
  /** Set after `close`: why the connection ended (undefined for a requested close). */
  closeReason?: Error;
  /** When true, RESP2 arrays that look like pub/sub messages are routed to `push`. */
  subscriberMode = false;

  private readonly socket: net.Socket;
  private readonly decoder: ReplyDecoder;
  private readonly queue = new CommandQueue();
  private out = "";
  private outBuffers: (string | Buffer)[] | undefined;
  private flushScheduled = false;
  private readonly ready: Promise<void>;
  private quitting = false;

  constructor(readonly options: ConnectionOptions) {
    super();
    this.address = `${options.host}:${options.port}`;
    this.decoder = createReplyDecoder({
      returnBuffers: options.returnBuffers ?? false,
      typed: options.typedReplies ?? false,
      onReply: (v) => this.onReply(v),
      // RESP3 sends subscribe confirmations as pushes too: those answer a waiting command.
      onPush: (v) => (this.answersHead(v) ? this.onReply(v) : this.emit("push", v)),
    });
    const connectOpts = { host: options.host, port: options.port };
    this.socket = options.tls
      ? tls.connect({ ...options.tls, ...connectOpts })
      : net.connect(connectOpts);
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true);
    const timeout = options.connectTimeout ?? 10_000;
    const timer = setTimeout(() => {
      this.destroy(new TimeoutError(`Connection to ${this.address} timed out after ${timeout} ms`));
    }, timeout);
    this.ready = new Promise<void>((resolve, reject) => {
      // Handshake commands go first in the queue; user commands sent before `ready` wait
      // behind them in the same write.
      const steps = this.handshakeCommands();
      let failed = false;
      for (const args of steps)
        this.send(args).catch((err: Error) => {
          if (failed) return;
          failed = true;
          const e = new ConnectionError(
            `Handshake with ${this.address} failed (${String(args[0])}): ${err.message}`,
            this.address,
            { cause: err },
          );
          this.destroy(e);
        });
      const done = () => {
        clearTimeout(timer);
        if (this.state === "connecting") {
          this.state = "ready";
          this.emit("ready");
          resolve();
        }
      };
      // A PING after the handshake marks readiness (and proves the node answers).
      this.send(["PING"]).then(done, () => {});
      this.once("close", (err?: Error) => {
        clearTimeout(timer);
        reject(err ?? new ConnectionError(`Connection to ${this.address} closed`, this.address));
      });
    });
    this.ready.catch(() => {});
    this.socket.on("data", (chunk: Buffer) => {
      try {
        this.decoder.feed(chunk);
      } catch (err) {
        this.destroy(err instanceof Error ? err : new ProtocolError(String(err)));
      }
    });
    this.socket.on("error", (err) => {
      this.closeReason ??= new ConnectionError(
        `Connection to ${this.address} failed: ${err.message}`,
        this.address,
        { cause: err },
      );
    });
    this.socket.on("close", () => this.onClose());
  }

  private handshakeCommands(): Arg[][] {
    const o = this.options;
    const cmds: Arg[][] = [];
    if (o.resp === 3) {
      const hello: Arg[] = ["HELLO", "3"];
      if (o.password !== undefined) hello.push("AUTH", o.username ?? "default", o.password);
      cmds.push(hello);
    } else if (o.password !== undefined) {
      cmds.push(o.username ? ["AUTH", o.username, o.password] : ["AUTH", o.password]);
    }
    if (o.db) cmds.push(["SELECT", o.db]);
    if (o.name) cmds.push(["CLIENT", "SETNAME", o.name]);
    if (o.readonly) cmds.push(["READONLY"]);
    return cmds;
  }

  /** Resolves once the handshake has completed; rejects if the connection failed first. */
  waitReady(): Promise<void> {
    return this.ready;
  }

  /** Number of commands written and not yet answered. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Queues a command; it is written at the end of the current tick together with every other
   * command sent in that tick. `replies` > 1 for subscribe-family commands (one reply per channel).
   */
  send(args: readonly Arg[], replies?: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.state === "closed") {
        reject(
          this.closeReason ??
            new ConnectionError(`Connection to ${this.address} is closed`, this.address),
        );
        return;
      }
      const cmd: PendingCommand = { args, resolve, reject };
      if (replies !== undefined && replies !== 1) cmd.replies = replies;
      this.queue.push(cmd);
      this.write(encodeCommand(args));
    });
  }

  /** Queues several commands that must go out back to back (ASKING + command, MULTI...EXEC). */
  sendBatch(batch: readonly (readonly Arg[])[]): Promise<unknown>[] {
    return batch.map((args) => this.send(args));
  }

  private write(data: string | Buffer): void {
    if (typeof data === "string" && this.outBuffers === undefined) this.out += data;
    else {
      this.outBuffers ??= [];
      if (this.out) {
        this.outBuffers.push(this.out);
        this.out = "";
      }
      this.outBuffers.push(data);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.state === "closed") return;
    if (this.outBuffers) {
      if (this.out) this.outBuffers.push(this.out);
      const chunks = this.outBuffers;
      this.outBuffers = undefined;
      this.out = "";
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    } else if (this.out) {
      const s = this.out;
      this.out = "";
      this.socket.write(s);
    }
  };

  /** True when a pub/sub-shaped array is the confirmation the oldest waiting command expects. */
  private answersHead(value: unknown[]): boolean {
    const head = this.queue.peek();
    if (!head) return false;
    const kind = kindOf(value);
    const name = String(head.args[0]).toLowerCase();
    return kind === name || (kind === "pong" && name === "ping");
  }

  private onReply(value: unknown): void {
    if (this.subscriberMode && Array.isArray(value) && isPubSubMessage(value)) {
      if (!this.answersHead(value)) {
        this.emit("push", value);
        return;
      }
    }
    const cmd = this.queue.peek();
    if (!cmd) {
      this.destroy(
        new ProtocolError(`Unexpected reply from ${this.address} with no command waiting`),
      );
      return;
    }
    if (cmd.replies !== undefined && cmd.replies > 1) {
      cmd.collected ??= [];
      cmd.collected.push(value);
      if (cmd.collected.length < cmd.replies) return;
      this.queue.shift();
      cmd.resolve(cmd.collected);
      return;
    }
    this.queue.shift();
    if (value instanceof ReplyError) {
      value.command = cmd.args.map((a) => String(a));
      cmd.reject(value);
    } else cmd.resolve(value);
  }

  private onClose(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    const err =
      this.closeReason ??
      new ConnectionError(
        this.quitting
          ? `Connection to ${this.address} was closed by the client`
          : `Connection to ${this.address} closed by the server`,
        this.address,
      );
    this.closeReason = err;
    this.queue.rejectAll(err);
    this.emit("close", this.quitting ? undefined : err);
  }

  /** Sends QUIT, waits for it (and every earlier reply), then closes. */
  async quit(): Promise<void> {
    if (this.state === "closed") return;
    this.quitting = true;
    try {
      await Promise.race([this.send(["QUIT"]), new Promise((r) => setTimeout(r, 1000).unref())]);
    } catch {
      // The server may close before answering; either way we are done.
    }
    this.destroy();
  }

  /** Closes the socket now; waiting commands get `err` (or a ConnectionError). */
  destroy(err?: Error): void {
    if (this.state === "closed") return;
    if (err) this.closeReason ??= err;
    else this.quitting = true;
    this.socket.destroy();
    // 'close' fires asynchronously; reject waiting commands right away so callers can retry.
    this.onClose();
  }
}

function kindOf(v: unknown[]): string {
  const k = v[0];
  return (typeof k === "string" ? k : Buffer.isBuffer(k) ? k.toString() : "").toLowerCase();
}

function isPubSubMessage(v: unknown[]): boolean {
  switch (kindOf(v)) {
    case "message":
    case "pmessage":
    case "smessage":
    case "subscribe":
    case "psubscribe":
    case "ssubscribe":
    case "unsubscribe":
    case "punsubscribe":
    case "sunsubscribe":
    case "pong":
      return true;
  }
  return false;
}

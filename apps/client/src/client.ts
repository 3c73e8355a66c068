// The single-node client: one connection, reopened on the next command after it drops. Same
// typed methods, pipelines, transactions and pub/sub as the cluster client, without routing.
import type tls from "node:tls";
import { BaseClient } from "./base-client.js";
import type { CommandSpec } from "./commands.js";
import { Connection } from "./connection.js";
import { ClientClosedError, withTimeout } from "./errors.js";
import { type PipelineResult, type QueuedCommand, runTransaction } from "./pipeline.js";
import type { PubSubHost } from "./pubsub.js";
import type { Arg } from "./wire.js";

export interface ClientOptions<B extends boolean = false> {
  host?: string;
  port?: number;
  /** `redis://[user:pass@]host:port[/db]` (rediss:// for TLS); fields above override it. */
  url?: string;
  resp?: 2 | 3;
  username?: string;
  password?: string;
  db?: number;
  name?: string;
  tls?: tls.ConnectionOptions;
  connectTimeout?: number;
  /** Send READONLY (reading from a cluster replica directly). */
  readonly?: boolean;
  returnBuffers?: B;
  /** Milliseconds before a command rejects with TimeoutError. Unset by default. */
  commandTimeout?: number;
  /** Replies keep their RESP type (StatusReply, MapReply...): for tools that print replies. */
  typedReplies?: boolean;
}

function fromUrl(url: string): Partial<ClientOptions<boolean>> {
  const u = new URL(url);
  const out: Partial<ClientOptions<boolean>> = {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : 6379,
  };
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, "");
  if (db) out.db = Number(db);
  if (u.protocol === "rediss:") out.tls = {};
  return out;
}

/** Events: `ready`, `close`, `error` (only background errors; commands reject on their own). */
export class Client<S extends string | Buffer = string> extends BaseClient<S> {
  readonly options: ClientOptions<boolean> & { host: string; port: number };
  private conn: Connection | undefined;
  private closed = false;

  constructor(options: ClientOptions<boolean> = {}) {
    super();
    const merged = { ...(options.url ? fromUrl(options.url) : {}), ...options };
    this.options = { ...merged, host: merged.host ?? "127.0.0.1", port: merged.port ?? 6379 };
  }

  /** The underlying connection (opened on demand); for tools that drive it directly. */
  connection(): Connection {
    if (this.closed) throw new ClientClosedError();
    if (this.conn && this.conn.state !== "closed") return this.conn;
    const o = this.options;
    const conn = new Connection({
      host: o.host,
      port: o.port,
      resp: o.resp ?? 2,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.db !== undefined ? { db: o.db } : {}),
      ...(o.name !== undefined ? { name: o.name } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.connectTimeout !== undefined ? { connectTimeout: o.connectTimeout } : {}),
      ...(o.readonly ? { readonly: true } : {}),
      ...(o.typedReplies ? { typedReplies: true } : {}),
      returnBuffers: o.returnBuffers ?? false,
    });
    conn.on("ready", () => this.emit("ready"));
    conn.once("close", (err?: Error) => this.emit("close", err));
    this.conn = conn;
    return conn;
  }

  /** Opens the connection and waits for the handshake (AUTH/HELLO/SELECT) to finish. */
  async connect(): Promise<void> {
    await this.connection().waitReady();
  }

  sendCommand(argv: Arg[], _spec?: CommandSpec): Promise<unknown> {
    let p: Promise<unknown>;
    try {
      p = this.connection().send(argv);
    } catch (err) {
      return Promise.reject(err);
    }
    const t = this.options.commandTimeout;
    return t === undefined ? p : withTimeout(p, t, argv);
  }

  async execTransaction(commands: QueuedCommand[]): Promise<PipelineResult> {
    if (commands.length === 0) return [];
    return runTransaction(this.connection(), commands, false);
  }

  protected pubSubHost(): PubSubHost {
    const o = this.options;
    const node = { host: o.host, port: o.port };
    return {
      connectionOptions: () => ({
        resp: o.resp ?? 2,
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(o.password !== undefined ? { password: o.password } : {}),
        ...(o.tls ? { tls: o.tls } : {}),
        returnBuffers: o.returnBuffers ?? false,
      }),
      anyNode: async () => node,
      ownerOf: async () => node,
      moved: () => {},
      refresh: async () => {},
      emitError: (err) => {
        if (this.listenerCount("error") > 0) this.emit("error", err);
      },
    };
  }

  /** QUIT after pending replies. */
  async quit(): Promise<void> {
    this.closed = true;
    this.pubsub?.close();
    await this.conn?.quit();
  }

  disconnect(): void {
    this.closed = true;
    this.pubsub?.close();
    this.conn?.destroy();
  }
}

export function createClient(options?: ClientOptions<false>): Client<string>;
export function createClient(options: ClientOptions<true>): Client<Buffer>;
export function createClient(options: ClientOptions<boolean> = {}): Client<string | Buffer> {
  return new Client(options);
}

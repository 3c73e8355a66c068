// One shoal-cli session: the current node connection and how a typed command line is sent.
// With -c it follows MOVED/ASK like redis-cli (cliReadReply in src/redis-cli.c): a new
// connection to the named node (AUTH/SELECT/HELLO replayed by the handshake), ASKING first for
// ASK, and the session stays on the new node afterwards.
import { Client } from "../client.js";
import { AskError, MovedError, ReplyError } from "../errors.js";
import type { Arg } from "../wire.js";

export interface SessionOptions {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db?: number;
  resp: 2 | 3;
  cluster: boolean;
  tls: boolean;
}

export class Session {
  client: Client<Buffer>;
  host: string;
  port: number;
  /** Called with the slot and address when -c follows a redirect (the REPL prints it). */
  onRedirect: (slot: number, host: string, port: number) => void = () => {};

  constructor(readonly options: SessionOptions) {
    this.host = options.host;
    this.port = options.port;
    this.client = this.open();
  }

  private open(): Client<Buffer> {
    const o = this.options;
    return new Client<Buffer>({
      host: this.host,
      port: this.port,
      resp: o.resp,
      returnBuffers: true,
      typedReplies: true,
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.db ? { db: o.db } : {}),
      ...(o.tls ? { tls: {} } : {}),
    });
  }

  get prompt(): string {
    return `${this.host}:${this.port}${this.options.db ? `[${this.options.db}]` : ""}> `;
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Points the session at another node. */
  switchTo(host: string, port: number): void {
    this.client.disconnect();
    this.host = host;
    this.port = port;
    this.client = this.open();
  }

  /**
   * Sends one command. Resolves with the reply; an error reply resolves as its ReplyError (a
   * value to print), connection failures reject.
   */
  async send(argv: Arg[]): Promise<unknown> {
    let asking = false;
    for (let hop = 0; ; hop++) {
      try {
        if (asking) {
          const [, reply] = await Promise.all([
            this.client.sendCommand(["ASKING"]),
            this.client.sendCommand(argv),
          ]);
          return reply;
        }
        return await this.client.sendCommand(argv);
      } catch (err) {
        if (
          this.options.cluster &&
          (err instanceof MovedError || err instanceof AskError) &&
          hop < 64
        ) {
          this.switchTo(err.host || this.host, err.port);
          asking = err instanceof AskError;
          this.onRedirect(err.slot, this.host, this.port);
          continue;
        }
        if (err instanceof ReplyError) return err;
        throw err;
      }
    }
  }

  close(): void {
    this.client.disconnect();
  }
}

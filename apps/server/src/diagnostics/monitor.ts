// MONITOR (Redis's replicationFeedMonitors in replication.c, monitorCommand in server.c): every
// command a client runs, after it ran, as one line to each monitoring client:
// +<unix seconds>.<micros> [<db> <addr>] "arg" "arg" ..., with AUTH-like arguments redacted.
import { performance } from "node:perf_hooks";
import type { CommandArgs } from "@shoal/resp-codec";
import type { CommandEntry } from "../commands/command-types.js";
import { quoteRepr } from "../config/split-args.js";
import type { Client } from "../networking/client-connection.js";
import { REDACTED, redactedArgs } from "../redact.js";

export class Monitors {
  private readonly clients = new Set<Client>();

  constructor(
    /** Queues a monitor's lines for this turn's flush (the server's scheduleFlush). */
    private readonly flush: (client: Client) => void,
  ) {}

  /** Monitoring clients: dispatch feeds them only when there is one. */
  get size(): number {
    return this.clients.size;
  }

  /** MONITOR: the client becomes a monitor (and, to Redis, a replica: no keyspace access). */
  add(client: Client): void {
    this.clients.add(client);
    client.isMonitor = true;
  }

  /** RESET or a closed client. */
  delete(client: Client): void {
    this.clients.delete(client);
    client.isMonitor = false;
  }

  feed(client: Client, args: CommandArgs, entry?: CommandEntry): void {
    // Microseconds, as Redis's ustime(): monitors order and time commands by them.
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    // "lua" for the scripts' client (id -1, scripting/eval.ts), as Redis's CLIENT_SCRIPT.
    let line = `+${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")} [${client.db} ${client.id <= 0 ? "lua" : client.addr}]`;
    const hide = entry === undefined ? null : redactedArgs(entry, args);
    for (let i = 0; i < args.argc; i++)
      line += ` ${hide?.has(i) ? `"${REDACTED}"` : quoteRepr(args.latin1(i))}`;
    const bytes = Buffer.from(`${line}\r\n`, "latin1");
    for (const m of this.clients) {
      if (m.closed) continue;
      m.reply.rawAlways(bytes);
      this.flush(m);
    }
  }
}

// The replicas attached to a master (Redis's server.slaves and the client flag CLIENT_SLAVE, in
// src/replication.c and src/networking.c, Redis 7.0): what a connection said in REPLCONF before it
// asked to sync (listening-port, ip-address, capa eof/psync2), each replica's state and
// REPLCONF ACK bookkeeping (acknowledged offset and time: WAIT, min-replicas-to-write, INFO's
// lag), turning a connection into a replica (its pending replies go out, later ones are dropped),
// the replica class of client-output-buffer-limit, repl-timeout, and dropping replicas
// (disconnectSlaves). What an ACK or a lost replica means for the rest of replication (the
// stream after a socket transfer, WAIT) is the owner's.
import type net from "node:net";
import type { OutputLimits } from "../config/directives.js";
import { type Client, ClientReplyMode } from "../networking/client-connection.js";
import { outputLimitLogLine, outputLimitReached } from "../networking/output-limits.js";
import type { ReplicationHost } from "./host.js";

export type ReplicaState = "wait_bgsave" | "send_bulk" | "online";

/** A replica attached to this node (Redis's client with CLIENT_SLAVE). */
export interface ReplicaConn {
  readonly client: Client;
  readonly sock: net.Socket;
  state: ReplicaState;
  listeningPort: number;
  ip: string;
  capaEof: boolean;
  capaPsync2: boolean;
  /** Offset the replica acknowledged (REPLCONF ACK), and when (ms). */
  ackOffset: number;
  ackTime: number;
  /** Stream bytes up to this offset are not for it (they are in its snapshot or backlog copy). */
  fromOffset: number;
  /** Stream produced while its snapshot is being sent (or until its first ACK). */
  deferred: Buffer[];
  /** Sent an RDB through the socket: the stream starts with its first ACK (repl_start_cmd_stream_on_ack). */
  waitAck: boolean;
  deferredBytes: number;
  softLimitSince: number;
}

/** What a connection said in REPLCONF before it became a replica. */
interface ReplconfState {
  listeningPort: number;
  ip: string;
  capaEof: boolean;
  capaPsync2: boolean;
}

/** What the registry tells the rest of replication (replication.ts). */
export interface ReplicaRegistryOwner {
  /** A replica attached: from now on the stream is kept in a backlog. */
  ensureBacklog(): void;
  /** REPLCONF ACK from a replica (its ackOffset and ackTime are updated). */
  replicaAcked(r: ReplicaConn): void;
  /** REPLCONF GETACK: answered when it comes from our master. */
  ackRequested(client: Client): void;
  /** A replica left the registry (dropped, or its connection closed). */
  replicaLost(r: ReplicaConn): void;
}

type RegistryHost = Pick<
  ReplicationHost,
  "config" | "log" | "stats" | "closeClientNow" | "clientInfoString"
>;

/** ip:port as Redis's replicationGetSlaveName prints a replica in the log. */
export function replicaName(r: ReplicaConn): string {
  return `${r.ip}:${r.listeningPort || r.client.addr.slice(r.client.addr.lastIndexOf(":") + 1)}`;
}

export class ReplicaRegistry {
  readonly replicas = new Set<ReplicaConn>();
  /** Since when no replica is attached (repl-backlog-ttl). */
  noReplicasSince = Date.now();
  private readonly replconfState = new WeakMap<Client, ReplconfState>();

  constructor(
    private readonly server: RegistryHost,
    private readonly owner: ReplicaRegistryOwner,
  ) {}

  /** REPLCONF from a (future) replica. Returns an error text or undefined (OK / no reply). */
  replconf(client: Client, opts: Array<[string, string]>): string | undefined | null {
    const st = this.replconfState.get(client) ?? {
      listeningPort: 0,
      ip: "",
      capaEof: false,
      capaPsync2: false,
    };
    const replica = this.replicaOf(client);
    for (const [name, value] of opts) {
      switch (name.toLowerCase()) {
        case "listening-port": {
          const n = Number(value);
          if (!/^[0-9]+$/.test(value) || n > 65535)
            return "ERR value is not an integer or out of range";
          st.listeningPort = n;
          break;
        }
        case "ip-address":
          st.ip = value;
          break;
        case "capa":
          if (value.toLowerCase() === "eof") st.capaEof = true;
          else if (value.toLowerCase() === "psync2") st.capaPsync2 = true;
          break;
        case "ack": {
          // From a replica: no reply, as in Redis.
          if (replica === undefined) return null;
          const off = Number(value);
          if (Number.isSafeInteger(off) && off > replica.ackOffset) replica.ackOffset = off;
          replica.ackTime = Date.now();
          this.owner.replicaAcked(replica);
          return null;
        }
        case "fack":
          return null;
        case "getack": {
          // From our master: answer with what we applied.
          this.owner.ackRequested(client);
          return null;
        }
        case "rdb-only":
        case "rdb-filter-only":
          break;
        default:
          return `ERR Unrecognized REPLCONF option: ${name}`;
      }
    }
    this.replconfState.set(client, st);
    return undefined;
  }

  private replicaOf(client: Client): ReplicaConn | undefined {
    if (client.replRole !== "S") return undefined;
    for (const r of this.replicas) if (r.client === client) return r;
    return undefined;
  }

  /** A connection asking to SYNC, with what it said in REPLCONF (not attached yet). */
  newReplica(client: Client): ReplicaConn {
    const st = this.replconfState.get(client);
    return {
      client,
      sock: client.socket,
      state: "wait_bgsave",
      listeningPort: st?.listeningPort ?? 0,
      ip: st?.ip || client.addr.slice(0, client.addr.lastIndexOf(":")),
      capaEof: st?.capaEof ?? false,
      capaPsync2: st?.capaPsync2 ?? false,
      ackOffset: 0,
      ackTime: Date.now(),
      fromOffset: 0,
      deferred: [],
      deferredBytes: 0,
      waitAck: false,
      softLimitSince: 0,
    };
  }

  /** Marks the connection as a replica: its pending replies go out first, later ones are dropped. */
  attach(r: ReplicaConn): void {
    const c = r.client;
    const pending = c.reply.take();
    if (pending !== null) r.sock.write(pending);
    c.replRole = "S";
    c.replyMode = ClientReplyMode.Off;
    c.reply.enabled = false;
    this.replicas.add(r);
    this.owner.ensureBacklog();
    r.sock.once("close", () => this.replicaGone(r));
  }

  /** client-output-buffer-limit replica class (hard, or soft for soft-seconds). */
  checkLimits(r: ReplicaConn): void {
    let lim = this.server.config.get<OutputLimits>("client-output-buffer-limit").replica;
    // A hard limit under repl-backlog-size would drop a replica a partial sync just fed: Redis
    // 7.0 uses the backlog's size instead.
    const backlog = this.server.config.get<number>("repl-backlog-size");
    if (lim.hard > 0 && lim.hard < backlog) lim = { ...lim, hard: backlog };
    const used = r.sock.writableLength + r.deferredBytes;
    if (!outputLimitReached(lim, used, r)) return;
    this.server.log.warning(outputLimitLogLine(this.server.clientInfoString(r.client)));
    this.server.stats.clientOutputLimitDisconnections++;
    this.drop(r);
  }

  /** replicationCron's part for attached replicas: repl-timeout, and limits of idle ones. */
  cron(now: number): void {
    const timeout = this.server.config.get<number>("repl-timeout") * 1000;
    for (const r of [...this.replicas]) {
      if (r.state === "online" && now - r.ackTime > timeout) {
        this.server.log.warning(
          `Disconnecting timedout replica (streaming sync): ${replicaName(r)}`,
        );
        this.drop(r);
      }
      if (r.deferredBytes > 0 || r.sock.writableLength > 0) this.checkLimits(r);
    }
  }

  drop(r: ReplicaConn): void {
    this.server.closeClientNow(r.client);
    this.replicaGone(r);
  }

  private replicaGone(r: ReplicaConn): void {
    if (!this.replicas.delete(r)) return;
    this.server.log.notice(`Connection with replica ${replicaName(r)} lost.`);
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
    this.owner.replicaLost(r);
  }

  /** Redis's disconnectSlaves(): they reconnect and resync (partially when they can). */
  disconnectAll(): void {
    for (const r of [...this.replicas]) this.drop(r);
  }

  /** Replicas whose acknowledged offset reached `offset`. */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === "online" && r.ackOffset >= offset) n++;
    return n;
  }

  /** Online replicas with lag <= min-replicas-max-lag (Redis's repl_good_slaves_count). */
  goodReplicas(now = Date.now()): number {
    const maxLag = this.server.config.get<number>("min-replicas-max-lag");
    let n = 0;
    for (const r of this.replicas)
      if (r.state === "online" && Math.floor((now - r.ackTime) / 1000) <= maxLag) n++;
    return n;
  }
}

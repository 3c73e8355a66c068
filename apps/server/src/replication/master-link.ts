// A replica's link to its master (the replica half of src/replication.c, Redis 7.0): connect,
// handshake (PING, AUTH with masterauth, REPLCONF listening-port, REPLCONF capa eof capa psync2,
// PSYNC replid offset+1, or PSYNC ? -1 without a history to continue), then either continue from
// the offset the master accepted, or receive an RDB file (`$EOF:<mark>` streamed, or
// `$<length>`) to a temp file in `dir` (sync-payload.ts) and load it (readSyncBulkPayload with
// repl-diskless-load disabled). The load is all or nothing, and only a loaded file earns the master's replid and
// offset: a corrupt or truncated payload or a load error logs why, leaves the data empty and no
// history to continue, and the cron starts a full sync again a second later; the link is never
// `up` on data it did not load. A loaded file becomes dbfilename. After that the
// master's stream runs through a client flagged M (no replies, no checks); each command's bytes
// count into the offset once applied (not inside MULTI: a partial resync restarts at MULTI) and
// are proxied unchanged to our own replicas. A lost link is retried from the cron every second
// with our replid/offset, so a short outage costs only the missing bytes.

import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { NodeBuffer } from "@shoal/resp-codec";
import { type Client, ClientReplyMode } from "../networking/client-connection.js";
import { DecodeResult } from "../protocol/command-decoder.js";
import { encodeResp } from "./backlog.js";
import type { ReplicationHost } from "./host.js";
import { SyncPayload } from "./sync-payload.js";

/** What the link reads and writes of the node's replication state (replication.ts). */
export interface ReplicationLinkOwner {
  readonly replid: string;
  /** master_repl_offset: advanced by the commands applied from the stream. */
  offset: number;
  /** The db the master's stream last selected. */
  masterDb: number;
  linkDownSince: number;
  netReplInputBytes: number;
  /** Passes applied stream bytes on to our own replicas and backlog. */
  proxy(bytes: Uint8Array): void;
  resetHistory(replid: string, offset: number): void;
  continueWithNewReplid(replid: string): void;
  ensureBacklogForReplica(): void;
  psyncArgs(): [string, string];
  /** The link broke: its history may be continued (replicationCacheMaster). */
  cacheMaster(): void;
  /** +FULLRESYNC: nothing held is continued (replicationDiscardCachedMaster). */
  discardCachedMaster(): void;
  /** A full sync's load begins: the old history goes (new replid, no backlog, no sub-replicas). */
  abandonHistory(): void;
}

export type LinkState = "connect" | "connecting" | "handshake" | "sync" | "connected";

type Phase = "ping" | "auth" | "port" | "ip" | "capa" | "psync" | "bulk-header" | "bulk" | "stream";

const EMPTY = Buffer.alloc(0);
const MAX_LINE = 64 * 1024;

export class MasterLink {
  state: LinkState = "connect";
  /** The master client (flags=M) once the stream runs. */
  client: Client | null = null;
  /** Last time anything arrived from the master (ms), and when the link went down. */
  lastIo = Date.now();
  downSince = 0;

  private sock: net.Socket | null = null;
  private phase: Phase = "ping";
  private inbuf: Buffer = EMPTY;
  private dead = false;
  private fullReplid = "";
  private fullOffset = 0;
  /** The full sync's payload being received to a temp file. */
  private payload: SyncPayload | null = null;
  /** Stream bytes received and not yet proxied; the applied ones are a prefix. */
  private raw: Buffer[] = [];
  /** Bytes of a MULTI block applied so far (counted when EXEC is applied). */
  private pendingApplied = 0;

  constructor(
    private readonly server: ReplicationHost,
    private readonly repl: ReplicationLinkOwner,
    readonly host: string,
    readonly port: number,
  ) {}

  private get log() {
    return this.server.log;
  }

  /** Snapshot transfer progress (INFO master_sync_*): total (-1 with an EOF mark) and read. */
  get transferSize(): number {
    return this.payload?.size ?? -1;
  }

  get transferRead(): number {
    return this.payload?.read ?? 0;
  }

  connect(): void {
    if (this.dead) return;
    this.state = "connecting";
    this.phase = "ping";
    this.inbuf = EMPTY;
    this.lastIo = Date.now();
    this.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    this.log.notice("MASTER <-> REPLICA sync started");
    // bind-source-addr: connectWithMaster() binds the replication link to it.
    const localAddress = this.server.config.get<string>("bind-source-addr");
    const sock = net.connect({
      host: this.host,
      port: this.port,
      ...(localAddress !== "" ? { localAddress } : {}),
    });
    sock.setNoDelay(true);
    this.sock = sock;
    sock.on("connect", () => {
      if (this.sock !== sock) return;
      this.log.notice("Non blocking connect for SYNC fired the event.");
      this.state = "handshake";
      this.send(["PING"]);
    });
    sock.on("data", (d: Buffer) => {
      if (this.sock === sock) this.onData(d);
    });
    sock.on("error", (err) => {
      if (this.sock === sock && this.state !== "connected")
        this.log.warning(`Error condition on socket for SYNC: ${err.message}`);
    });
    sock.on("close", () => {
      if (this.sock === sock) this.onClose();
    });
  }

  /** REPLICAOF elsewhere or NO ONE: drop the link for good. */
  close(): void {
    this.dead = true;
    this.sock?.destroy();
    this.onClose();
  }

  private fail(): void {
    this.sock?.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.sock === null) return;
    this.sock = null;
    const c = this.client;
    if (c !== null) {
      this.repl.masterDb = c.db;
      this.repl.cacheMaster();
      this.client = null;
      this.server.closeClientNow(c);
      this.log.notice("Connection with master lost.");
      this.log.notice("Caching the disconnected master state.");
    }
    if (this.state === "connected") this.repl.linkDownSince = Date.now();
    if (this.state === "connected" || this.downSince === 0) this.downSince = Date.now();
    this.state = "connect";
    this.inbuf = EMPTY;
    this.dropPayload();
    this.raw = [];
    this.pendingApplied = 0;
  }

  private send(argv: string[]): void {
    this.sock?.write(encodeResp(argv));
  }

  /** REPLCONF ACK <offset>: what this replica applied (every second, and on GETACK). */
  sendAck(): void {
    if (this.state !== "connected" || this.sock === null) return;
    this.send(["REPLCONF", "ACK", String(this.repl.offset)]);
  }

  cron(now: number): void {
    if (this.dead) return;
    const timeout = this.server.config.get<number>("repl-timeout") * 1000;
    if (this.state === "connect") {
      this.connect();
      return;
    }
    if (now - this.lastIo > timeout) {
      this.log.warning(
        this.state === "connected"
          ? "MASTER timeout: no data nor PING received..."
          : "Timeout connecting to the MASTER...",
      );
      this.fail();
      return;
    }
    if (this.state === "connected") this.sendAck();
  }

  // ---- Input -----------------------------------------------------------------------------------

  private onData(d: Buffer): void {
    this.repl.netReplInputBytes += d.length;
    this.lastIo = Date.now();
    if (this.phase === "stream") {
      this.onStream(d);
      return;
    }
    this.inbuf = this.inbuf.length === 0 ? d : Buffer.concat([this.inbuf, d]);
    while (this.sock !== null && (this.phase as Phase) !== "stream") {
      if (this.phase === "bulk") {
        const data = this.inbuf;
        this.inbuf = EMPTY;
        this.onBulk(data);
        return;
      }
      const nl = this.inbuf.indexOf(10);
      if (nl < 0) {
        if (this.inbuf.length > MAX_LINE) {
          this.log.warning("Protocol error: too long line from MASTER");
          this.fail();
        }
        return;
      }
      const end = nl > 0 && this.inbuf[nl - 1] === 13 ? nl - 1 : nl;
      const line = (this.inbuf as NodeBuffer).latin1Slice(0, end);
      this.inbuf = this.inbuf.subarray(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const cfg = this.server.config;
    switch (this.phase) {
      case "ping": {
        if (
          line.startsWith("-") &&
          !line.startsWith("-NOAUTH") &&
          !line.startsWith("-NOPERM") &&
          !line.startsWith("-ERR operation not permitted")
        ) {
          this.log.warning(`Error reply to PING from master: '${line.slice(1)}'`);
          this.fail();
          return;
        }
        this.log.notice("Master replied to PING, replication can continue...");
        const auth = cfg.get<string>("masterauth");
        if (auth !== "") {
          const user = cfg.get<string>("masteruser");
          this.send(user !== "" ? ["AUTH", user, auth] : ["AUTH", auth]);
          this.phase = "auth";
          return;
        }
        this.sendPort();
        return;
      }
      case "auth":
        if (line.startsWith("-")) {
          this.log.warning(`Unable to AUTH to MASTER: ${line.slice(1)}`);
          this.fail();
          return;
        }
        this.sendPort();
        return;
      case "port": {
        if (line.startsWith("-"))
          this.log.notice(
            `(Non critical) Master does not understand REPLCONF listening-port: ${line.slice(1)}`,
          );
        const ip = cfg.get<string>("replica-announce-ip");
        if (ip !== "") {
          this.send(["REPLCONF", "ip-address", ip]);
          this.phase = "ip";
          return;
        }
        this.send(["REPLCONF", "capa", "eof", "capa", "psync2"]);
        this.phase = "capa";
        return;
      }
      case "ip":
        if (line.startsWith("-"))
          this.log.notice(
            `(Non critical) Master does not understand REPLCONF ip-address: ${line.slice(1)}`,
          );
        this.send(["REPLCONF", "capa", "eof", "capa", "psync2"]);
        this.phase = "capa";
        return;
      case "capa": {
        if (line.startsWith("-"))
          this.log.notice(
            `(Non critical) Master does not understand REPLCONF capa: ${line.slice(1)}`,
          );
        const [id, off] = this.repl.psyncArgs();
        if (id === "?")
          this.log.notice("Partial resynchronization not possible (no cached master)");
        else this.log.notice(`Trying a partial resynchronization (request ${id}:${off}).`);
        this.send(["PSYNC", id, off]);
        this.phase = "psync";
        return;
      }
      case "psync":
        this.onPsyncReply(line);
        return;
      case "bulk-header":
        this.onBulkHeader(line);
        return;
      default:
        return;
    }
  }

  private sendPort(): void {
    const cfg = this.server.config;
    const port = cfg.get<number>("replica-announce-port") || cfg.get<number>("port");
    this.send(["REPLCONF", "listening-port", String(port)]);
    this.phase = "port";
  }

  private onPsyncReply(line: string): void {
    if (line === "") return; // Keep-alive newline.
    if (line.startsWith("+FULLRESYNC")) {
      const [, id, off] = line.split(" ");
      if (id === undefined || id.length !== 40 || !/^[0-9]+$/.test(off ?? "")) {
        this.log.warning("Master replied with wrong +FULLRESYNC syntax.");
        this.fail();
        return;
      }
      this.fullReplid = id;
      this.fullOffset = Number(off);
      this.log.notice(`Full resync from master: ${id}:${off}`);
      // replicationDiscardCachedMaster: whatever we held is not continued.
      this.repl.discardCachedMaster();
      this.state = "sync";
      this.phase = "bulk-header";
      return;
    }
    if (line.startsWith("+CONTINUE")) {
      const id = line.slice("+CONTINUE".length).trim();
      this.log.notice("Successful partial resynchronization with master.");
      if (id.length === 40 && id !== this.repl.replid) {
        this.log.notice(`Master replication ID changed to ${id}`);
        this.repl.continueWithNewReplid(id);
      }
      this.repl.ensureBacklogForReplica();
      this.log.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
      this.startStream(this.repl.masterDb);
      return;
    }
    if (line.startsWith("-NOMASTERLINK") || line.startsWith("-LOADING")) {
      this.log.notice(
        `Master is currently unable to PSYNC but should be in the future: ${line.slice(1)}`,
      );
    } else {
      this.log.warning(`Unexpected reply to PSYNC from master: ${line}`);
    }
    this.fail();
  }

  private onBulkHeader(line: string): void {
    if (line === "") return; // The master's keep-alive newlines.
    if (line.startsWith("-")) {
      this.log.warning(`MASTER aborted replication with an error: ${line.slice(1)}`);
      this.fail();
      return;
    }
    let size: number;
    let mark: Buffer | null;
    if (line.startsWith("$EOF:") && line.length === 45) {
      mark = Buffer.from(line.slice(5), "latin1");
      size = -1;
      this.log.notice(
        "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk",
      );
    } else if (/^\$[0-9]+$/.test(line)) {
      mark = null;
      size = Number(line.slice(1));
      this.log.notice(`MASTER <-> REPLICA sync: receiving ${size} bytes from master to disk`);
    } else {
      this.log.warning(
        `Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`,
      );
      this.fail();
      return;
    }
    try {
      this.payload = new SyncPayload(size, mark);
    } catch (err) {
      this.log.warning(
        `Opening the temp file needed for MASTER <-> REPLICA synchronization: ${(err as Error).message}`,
      );
      this.fail();
      return;
    }
    this.phase = "bulk";
    if (this.inbuf.length > 0) {
      const rest = this.inbuf;
      this.inbuf = EMPTY;
      this.onBulk(rest);
    }
  }

  private onBulk(d: Buffer): void {
    const payload = this.payload;
    if (payload === null) return;
    try {
      const rest = payload.push(d);
      if (rest !== null) this.finishBulk(payload, rest);
    } catch (err) {
      this.log.warning(`Write error saving the DB from MASTER to disk: ${(err as Error).message}`);
      this.fail();
    }
  }

  /** Drops the payload being received, deleting its temp file unless it became dbfilename. */
  private dropPayload(): void {
    this.payload?.discard();
    this.payload = null;
  }

  /**
   * Redis's readSyncBulkPayload tail: the file is complete; flush, load it all or nothing, take
   * the master's replid and offset, start the stream. Any failure drops the link with the reason
   * logged and no history earned, so the next attempt is a full sync again.
   */
  private finishBulk(payload: SyncPayload, rest: Buffer): void {
    const store = this.server.store;
    const file = payload.close();
    this.log.notice("MASTER <-> REPLICA sync: Flushing old data");
    // Nothing may continue from the history that described the data about to go.
    this.repl.abandonHistory();
    store.flushAll();
    this.log.notice("MASTER <-> REPLICA sync: Loading DB in memory");
    try {
      const p = this.server.persistence;
      if (p !== null) p.loadSyncFile(file);
      else {
        store.loadSnapshot(fs.readFileSync(file));
      }
    } catch (err) {
      this.log.warning(
        `Failed trying to load the MASTER synchronization DB from disk, check server logs. (${(err as Error).message})`,
      );
      store.flushAll();
      this.fail();
      return;
    }
    try {
      fs.renameSync(file, path.join(process.cwd(), this.server.config.get<string>("dbfilename")));
      payload.keep();
    } catch (err) {
      this.log.warning(
        `Failed trying to rename the temp DB into ${this.server.config.get<string>("dbfilename")} in MASTER <-> REPLICA synchronization: ${(err as Error).message}`,
      );
    }
    this.dropPayload();
    this.repl.resetHistory(this.fullReplid, this.fullOffset);
    this.server.dirty++;
    const p = this.server.persistence;
    if (p?.aof) {
      // The AOF must describe the new data set: rewrite it from the loaded data.
      p.rewriteAof().catch(() => {
        // Logged by rewriteAof.
      });
    }
    this.log.notice("MASTER <-> REPLICA sync: Finished with success");
    this.inbuf = rest;
    this.startStream(0);
  }

  private startStream(db: number): void {
    const sock = this.sock;
    if (sock === null) return;
    const c = this.server.registerClient(sock);
    c.replRole = "M";
    c.replyMode = ClientReplyMode.Off;
    c.reply.enabled = false;
    c.db = db;
    c.decoder.maxBulkLen = Number.MAX_SAFE_INTEGER;
    this.client = c;
    this.state = "connected";
    this.phase = "stream";
    this.downSince = 0;
    // The first ACK tells the master we are online.
    this.sendAck();
    const rest = this.inbuf;
    this.inbuf = EMPTY;
    if (rest.length > 0) this.onStream(rest);
  }

  /** The master's stream: apply each command, count its bytes, proxy what was applied. */
  private onStream(chunk: Buffer): void {
    const c = this.client;
    if (c === null || c.closed) return;
    c.lastInteraction = this.lastIo;
    this.raw.push(chunk);
    const dec = c.decoder;
    dec.feed(chunk);
    let applied = 0;
    let failed = false;
    const server = this.server;
    // One clock reading for the chunk's commands, as a client's batch (processInputBuffer); the
    // master's TTLs come as absolute times (PEXPIREAT, PXAT) anyway.
    server.call.startTurn();
    // No key is expired for the master's commands (Redis's expireIfNeeded returns 0 for the
    // master client): its DEL must find the key, and its writes must see the values it saw.
    const ks = server.store.keyspace;
    ks.ignoreExpiry = true;
    // As in processInputBuffer, each command's duration starts at the previous one's end.
    let mark = -1;
    try {
      while (!c.closed) {
        const before = dec.bufferedBytes;
        const r = dec.next();
        if (r === DecodeResult.NeedMore) break;
        if (r === DecodeResult.Error) {
          failed = true;
          break;
        }
        const n = before - dec.bufferedBytes;
        server.call.beginCommand(mark);
        server.processCommand(c, dec);
        mark = server.call.endCommand();
        if (c.reply.pendingBytes > 0) c.reply.discard();
        this.pendingApplied += n;
        if (c.multiQueue === null) {
          this.repl.offset += this.pendingApplied;
          applied += this.pendingApplied;
          this.pendingApplied = 0;
        }
      }
    } finally {
      server.call.clearTiming();
      ks.ignoreExpiry = false;
    }
    if (failed) {
      this.log.warning(`Protocol error from MASTER: ${dec.error}`);
      this.fail();
      return;
    }
    if (applied > 0) this.proxyRaw(applied);
  }

  /** Proxies the first n raw bytes received, chunk by chunk (no concatenated copy). */
  private proxyRaw(n: number): void {
    let left = n;
    while (left > 0) {
      const head = this.raw[0]!;
      if (head.length <= left) {
        this.repl.proxy(head);
        this.raw.shift();
        left -= head.length;
      } else {
        this.repl.proxy(head.subarray(0, left));
        this.raw[0] = head.subarray(left);
        left = 0;
      }
    }
  }
}

// Replication commands: REPLICAOF/SLAVEOF, REPLCONF, PSYNC, SYNC, WAIT, ROLE, and the INFO
// replication section. Mirrors replicaofCommand(), replconfCommand(), syncCommand(),
// waitCommand() and roleCommand() in src/replication.c and the replication part of
// genRedisInfoString() in src/server.c (Redis 7.0), with their replies and error texts.
import { cmd } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { ServerCommandDef } from "../commands/command-types.js";
import { ERR_SYNTAX, toInt } from "../commands/define.js";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";

/** What the replication commands take from the node. */
export type ReplicationCommandsHost = Pick<
  NodeServices,
  "replication" | "config" | "runAsync" | "log" | "inExec"
>;

const ADMIN = "@admin @slow @dangerous";
const REPLICAOF = "admin noscript stale no_async_loading";

function replicaofCommand(server: ReplicationCommandsHost, c: Client, a: CommandArgs): void {
  if (server.config.get<boolean>("cluster-enabled")) {
    c.reply.error("ERR REPLICAOF not allowed in cluster mode.");
    return;
  }
  const r = server.replication;
  if (a.is(1, "no") && a.is(2, "one")) {
    r.unsetMaster(c);
    c.reply.ok();
    return;
  }
  if (c.replRole === "S") {
    c.reply.error("ERR Command is not valid when client is a replica.");
    return;
  }
  const ps = a.latin1(2);
  const port = /^(-?[1-9][0-9]*|0)$/.test(ps) ? Number(ps) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    c.reply.error("ERR Invalid master port");
    return;
  }
  const host = a.latin1(1);
  if (
    r.masterHost !== null &&
    r.masterHost.toLowerCase() === host.toLowerCase() &&
    r.masterPort === port
  ) {
    server.log.notice(
      "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.",
    );
    c.reply.simple("OK Already connected to specified master");
    return;
  }
  r.setMaster(host, port, c);
  c.reply.ok();
}

function replconfCommand(server: ReplicationCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc % 2 === 0) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  const opts: Array<[string, string]> = [];
  // As typed: the error quotes the option unchanged; replconf matches it in any case.
  for (let j = 1; j < a.argc; j += 2) opts.push([a.latin1(j), a.latin1(j + 1)]);
  const err = server.replication.replconf(c, opts);
  if (err === null) return;
  if (err !== undefined) c.reply.error(err);
  else c.reply.ok();
}

function psyncCommand(server: ReplicationCommandsHost, c: Client, a: CommandArgs): void {
  server.replication.sync(c, a.latin1(1), a.latin1(2));
}

function syncCommand(server: ReplicationCommandsHost, c: Client): void {
  server.replication.sync(c, null, null);
}

function waitCommand(server: ReplicationCommandsHost, c: Client, a: CommandArgs): void {
  const r = server.replication;
  if (r.isReplica) {
    c.reply.error(
      "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.",
    );
    return;
  }
  const ns = a.latin1(1);
  const ts = a.latin1(2);
  // getLongFromObjectOrReply: any int64 (a count beyond the replicas is just never met).
  const num = toInt(ns) ?? Number.NaN;
  if (Number.isNaN(num)) {
    c.reply.error("ERR value is not an integer or out of range");
    return;
  }
  const timeout = /^(-?[1-9][0-9]{0,18}|0)$/.test(ts) ? Number(ts) : Number.NaN;
  if (!Number.isSafeInteger(timeout)) {
    c.reply.error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    c.reply.error("ERR timeout is negative");
    return;
  }
  const now = r.countAcks(c.woff);
  if (now >= num || c.multiQueue !== null || server.inExec) {
    c.reply.integer(now);
    return;
  }
  server.runAsync(c, async () => {
    const n = await r.wait(c, num, timeout);
    c.reply.integer(n);
  });
}

function roleCommand(server: ReplicationCommandsHost, c: Client): void {
  const r = server.replication;
  const w = c.reply;
  if (r.masterHost === null) {
    const online = [...r.replicas].filter((x) => x.state === "online");
    w.array(3);
    w.bulk("master");
    w.integer(r.offset);
    w.array(online.length);
    for (const x of online) {
      w.array(3);
      w.bulk(x.ip);
      w.bulk(String(x.listeningPort));
      w.bulk(String(x.ackOffset));
    }
    return;
  }
  const link = r.link;
  w.array(5);
  w.bulk("slave");
  w.bulk(r.masterHost);
  w.integer(r.masterPort);
  const st = link?.state ?? "connect";
  w.bulk(st === "handshake" ? "handshake" : st);
  w.integer(link?.state === "connected" ? r.offset : -1);
}

/** INFO replication (genRedisInfoString's "replication" section). */
export function replicationInfo(
  server: Pick<ReplicationCommandsHost, "replication" | "config">,
): string {
  const r = server.replication;
  const cfg = server.config;
  const now = Date.now();
  let out = `role:${r.masterHost === null ? "master" : "slave"}\r\n`;
  if (r.masterHost !== null) {
    const link = r.link;
    const connected = link?.state === "connected";
    out +=
      `master_host:${r.masterHost}\r\nmaster_port:${r.masterPort}\r\n` +
      `master_link_status:${connected ? "up" : "down"}\r\n` +
      `master_last_io_seconds_ago:${connected && link ? Math.floor((now - link.lastIo) / 1000) : -1}\r\n` +
      `master_sync_in_progress:${link?.state === "sync" ? 1 : 0}\r\n` +
      `slave_read_repl_offset:${r.offset}\r\nslave_repl_offset:${r.offset}\r\n`;
    if (link?.state === "sync") {
      const total = link.transferSize;
      const read = link.transferRead;
      out +=
        `master_sync_total_bytes:${total}\r\nmaster_sync_read_bytes:${read}\r\n` +
        `master_sync_left_bytes:${total >= 0 ? total - read : -1}\r\n` +
        `master_sync_perc:${total > 0 ? ((read / total) * 100).toFixed(2) : "0.00"}\r\n` +
        `master_sync_last_io_seconds_ago:${Math.floor((now - link.lastIo) / 1000)}\r\n`;
    }
    if (!connected) {
      const since = link?.downSince ?? 0;
      out += `master_link_down_since_seconds:${since ? Math.floor((now - since) / 1000) : -1}\r\n`;
    }
    out +=
      `slave_priority:${cfg.get<number>("replica-priority")}\r\n` +
      `slave_read_only:${cfg.get<boolean>("replica-read-only") ? 1 : 0}\r\n` +
      "replica_announced:1\r\n";
  }
  out += `connected_slaves:${r.replicas.size}\r\n`;
  if (cfg.get<number>("min-replicas-to-write") > 0 && cfg.get<number>("min-replicas-max-lag") > 0)
    out += `min_slaves_good_slaves:${r.goodReplicas(now)}\r\n`;
  let i = 0;
  for (const x of r.replicas) {
    out += `slave${i++}:ip=${x.ip},port=${x.listeningPort},state=${x.state},offset=${x.ackOffset},lag=${Math.floor((now - x.ackTime) / 1000)}\r\n`;
  }
  const bl = r.backlog;
  out +=
    "master_failover_state:no-failover\r\n" +
    `master_replid:${r.replid}\r\nmaster_replid2:${r.replid2}\r\n` +
    `master_repl_offset:${r.offset}\r\nsecond_repl_offset:${r.secondReplOffset}\r\n` +
    `repl_backlog_active:${bl ? 1 : 0}\r\n` +
    `repl_backlog_size:${cfg.get<number>("repl-backlog-size")}\r\n` +
    `repl_backlog_first_byte_offset:${bl ? bl.firstByteOffset : 0}\r\n` +
    `repl_backlog_histlen:${bl ? bl.histlen : 0}\r\n`;
  return out;
}

export function replicationCommands(server: ReplicationCommandsHost): ServerCommandDef[] {
  return [
    cmd("replicaof", 3, REPLICAOF, [0, 0, 0], ADMIN, (c, a) => replicaofCommand(server, c, a)),
    cmd("slaveof", 3, REPLICAOF, [0, 0, 0], ADMIN, (c, a) => replicaofCommand(server, c, a)),
    cmd(
      "replconf",
      -1,
      "admin noscript loading stale allow_busy",
      [0, 0, 0],
      "@admin @slow @dangerous",
      (c, a) => replconfCommand(server, c, a),
    ),
    cmd("psync", -3, "admin noscript no_async_loading no_multi", [0, 0, 0], ADMIN, (c, a) =>
      psyncCommand(server, c, a),
    ),
    cmd("sync", 1, "admin noscript no_async_loading no_multi", [0, 0, 0], ADMIN, (c) =>
      syncCommand(server, c),
    ),
    cmd("wait", 3, "noscript", [0, 0, 0], "@slow @connection", (c, a) => waitCommand(server, c, a)),
    cmd("role", 1, "noscript loading stale fast", [0, 0, 0], "@admin @fast @dangerous", (c) =>
      roleCommand(server, c),
    ),
  ];
}

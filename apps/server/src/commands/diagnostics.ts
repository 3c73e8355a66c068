// LATENCY, MEMORY's server-side subcommands (DOCTOR, STATS, MALLOC-STATS, PURGE) and FAILOVER.
// Mirrors latencyCommand() (src/latency.c), memoryCommand() (src/object.c) and failoverCommand()
// (src/replication.c), Redis 7.0. Shoal has no latency monitor and no per-command latency
// histograms, so LATENCY answers as Redis does with latency-monitor-threshold 0 and
// latency-tracking no; FAILOVER checks what Redis checks, then refuses the switch itself.
import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ServerCommandDef } from "./command-types.js";
import { ERR_NOT_INT, ERR_SYNTAX, toInt } from "./define.js";
import { memoryFigures } from "./info.js";

/** What LATENCY, MEMORY and FAILOVER take from the node. */
export type DiagnosticsCommandsHost = Pick<
  NodeServices,
  "replication" | "persistence" | "store" | "databases" | "config" | "evictor"
>;

const ADMIN_DIAG = "@admin @slow @dangerous";
const DIAG_FLAGS = "admin noscript loading stale";

const LATENCY_DISABLED =
  "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. " +
  'You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. ' +
  "If we weren't in a deep space mission I'd suggest to take a look at " +
  "https://redis.io/topics/latency-monitor.\n";

const MEMORY_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be " +
  "used in these conditions. Please, leave for your mission on Earth and fill it with some " +
  "data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const MEMORY_FINE =
  "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs " +
  "on this base.\n";

function latencyHelpCommand(c: Client): void {
  replyHelp(c.reply, "LATENCY", [
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
  ]);
}

function failoverCommand(server: DiagnosticsCommandsHost, c: Client, a: CommandArgs): void {
  if (server.config.get<boolean>("cluster-enabled")) {
    c.reply.error("ERR FAILOVER not allowed in cluster mode.");
    return;
  }
  if (a.argc === 2 && a.is(1, "abort")) {
    c.reply.error("ERR No failover in progress.");
    return;
  }
  let timeout = 0;
  let force = false;
  let host: string | undefined;
  for (let j = 1; j < a.argc; j++) {
    if (a.is(j, "timeout") && j + 1 < a.argc && timeout === 0) {
      const t = toInt(a.latin1(j + 1));
      if (t === undefined) {
        c.reply.error(ERR_NOT_INT);
        return;
      }
      if (t <= 0) {
        c.reply.error("ERR FAILOVER timeout must be greater than 0");
        return;
      }
      timeout = t;
      j++;
    } else if (a.is(j, "to") && j + 2 < a.argc && host === undefined) {
      if (toInt(a.latin1(j + 2)) === undefined) {
        c.reply.error(ERR_NOT_INT);
        return;
      }
      host = a.latin1(j + 1);
      j += 2;
    } else if (a.is(j, "force") && !force) force = true;
    else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (server.replication.isReplica) {
    c.reply.error("ERR FAILOVER is not valid when server is a replica.");
    return;
  }
  if (server.replication.replicas.size === 0) {
    c.reply.error("ERR FAILOVER requires connected replicas.");
    return;
  }
  if (force && (timeout === 0 || host === undefined)) {
    c.reply.error("ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
    return;
  }
  // The coordinated switch (pause writes, wait for the offset, PSYNC FAILOVER) isn't built.
  c.reply.error(
    "ERR FAILOVER is not supported by Shoal yet: run REPLICAOF NO ONE on the replica instead.",
  );
}

function memoryDoctorCommand(server: DiagnosticsCommandsHost, c: Client): void {
  const m = memoryFigures(server);
  c.reply.verbatim("txt", m.used - m.startup < 5 * 1024 * 1024 ? MEMORY_EMPTY : MEMORY_FINE);
}

function memoryStatsCommand(server: DiagnosticsCommandsHost, c: Client): void {
  const m = memoryFigures(server);
  const dbs: number[] = [];
  let keys = 0;
  for (let i = 0; i < server.databases; i++) {
    const n = server.store.dbSize(i);
    if (n > 0) dbs.push(i);
    keys += n;
  }
  const r = c.reply;
  r.map(27 + dbs.length);
  const int = (k: string, v: number) => {
    r.bulk(k);
    r.integer(Math.round(v));
  };
  const dbl = (k: string, v: number) => {
    r.bulk(k);
    r.double(v);
  };
  int("peak.allocated", m.peak);
  int("total.allocated", m.used);
  int("startup.allocated", m.startup);
  int("replication.backlog", m.replBacklog);
  int("clients.slaves", m.replicaBuffers);
  int("clients.normal", m.clientsNormal);
  int("cluster.links", 0);
  int("aof.buffer", m.aofBuffer);
  int("lua.caches", 0);
  int("functions.caches", 0);
  for (const i of dbs) {
    r.bulk(`db.${i}`);
    r.map(3);
    int("overhead.hashtable.main", 0);
    int("overhead.hashtable.expires", 0);
    int("overhead.hashtable.slot-to-keys", 0);
  }
  int("overhead.total", m.overhead);
  int("keys.count", keys);
  int("keys.bytes-per-key", keys ? Math.floor((m.used - m.startup) / keys) : 0);
  int("dataset.bytes", m.dataset);
  dbl("dataset.percentage", (100 * m.dataset) / Math.max(1, m.used - m.startup));
  dbl("peak.percentage", (100 * m.used) / Math.max(1, m.peak));
  int("allocator.allocated", m.allocated);
  int("allocator.active", m.allocated);
  int("allocator.resident", m.rss);
  dbl("allocator-fragmentation.ratio", 1);
  int("allocator-fragmentation.bytes", 0);
  dbl("allocator-rss.ratio", m.rss / Math.max(1, m.allocated));
  int("allocator-rss.bytes", m.rss - m.allocated);
  dbl("rss-overhead.ratio", 1);
  int("rss-overhead.bytes", 0);
  dbl("fragmentation", m.rss / Math.max(1, m.used));
  int("fragmentation.bytes", m.rss - m.used);
}

export function diagnosticsCommands(server: DiagnosticsCommandsHost): ServerCommandDef[] {
  return [
    cmd("latency", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: [
        // No events are ever recorded: every event's history is empty.
        cmd("latest", 2, DIAG_FLAGS, [0, 0, 0], ADMIN_DIAG, (c) => c.reply.array(0)),
        cmd("history", 3, DIAG_FLAGS, [0, 0, 0], ADMIN_DIAG, (c) => c.reply.array(0)),
        cmd("reset", -2, DIAG_FLAGS, [0, 0, 0], ADMIN_DIAG, (c) => c.reply.integer(0)),
        cmd("graph", 3, DIAG_FLAGS, [0, 0, 0], ADMIN_DIAG, (c, a) =>
          c.reply.error(`ERR No samples available for event '${a.latin1(2)}'`),
        ),
        cmd("doctor", 2, DIAG_FLAGS, [0, 0, 0], ADMIN_DIAG, (c) =>
          c.reply.verbatim("txt", LATENCY_DISABLED),
        ),
        // As latency-tracking no: no command has a histogram, so the map is empty.
        cmd("histogram", -2, DIAG_FLAGS, [0, 0, 0], ADMIN_DIAG, (c) => c.reply.map(0)),
        cmd("help", 2, "loading stale", [0, 0, 0], "@slow", latencyHelpCommand),
      ],
    }),
    cmd("failover", -1, "admin noscript stale", [0, 0, 0], ADMIN_DIAG, (c, a) =>
      failoverCommand(server, c, a),
    ),
  ];
}

/** MEMORY's subcommands that describe the server, added to keyspace-store's MEMORY container. */
export function memorySubcommands(server: DiagnosticsCommandsHost): ServerCommandDef[] {
  return [
    // Redis calls an instance under 5 MB "empty"; V8's own heap is about that, so the data on
    // top of the startup figure decides. V8's heap figures don't map onto jemalloc's
    // fragmentation checks, so no other issue is diagnosed.
    cmd("doctor", 2, "", [0, 0, 0], "@slow", (c) => memoryDoctorCommand(server, c)),
    // Redis's answer when built without jemalloc.
    cmd("malloc-stats", 2, "", [0, 0, 0], "@slow", (c) =>
      c.reply.bulk("Stats not supported for the current allocator"),
    ),
    cmd("purge", 2, "", [0, 0, 0], "@slow", (c) => c.reply.ok()),
    cmd("stats", 2, "", [0, 0, 0], "@slow", (c) => memoryStatsCommand(server, c)),
  ];
}

// CLUSTER and the cluster connection commands (READONLY, READWRITE, ASKING), with Redis 7.0's
// command-table metadata, arities, error texts and reply shapes in RESP2 and RESP3
// (clusterCommand() in src/cluster.c and clusterCommandSpecial() in src/cluster_legacy.c).
// Subcommands about the cluster's configuration go to gossip-failover's clusterCommand(); the
// ones about keys (KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT) and the views (SLOTS, SHARDS, LINKS)
// are rendered here.

import {
  clusterLinks,
  clusterShards,
  clusterSlots,
  type Reply,
  type SlotsNodeEntry,
} from "@shoal/gossip-failover";
import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import { keySlotRange } from "@shoal/slot-hash";
import type { CommandTable, RunCommand, ServerCommandDef } from "../commands/command-types.js";
import { ERR_NOT_INT, toInt } from "../commands/define.js";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ClusterRuntime } from "./cluster-runtime.js";

/** What CLUSTER takes from the node: cluster mode, the data (slot keys), replication, WATCH. */
export type ClusterCommandsHost = Pick<
  NodeServices,
  "watches" | "store" | "replication" | "cluster"
>;

const DISABLED = "ERR This instance has cluster support disabled";
const CLUSTER_SLOTS = 16384;

const HELP = [
  "ADDSLOTS <slot> [<slot> ...]",
  "    Assign slots to current node.",
  "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
  "    Assign slots which are between <start-slot> and <end-slot> to current node.",
  "BUMPEPOCH",
  "    Advance the cluster config epoch.",
  "COUNT-FAILURE-REPORTS <node-id>",
  "    Return number of failure reports for <node-id>.",
  "COUNTKEYSINSLOT <slot>",
  "    Return the number of keys in <slot>.",
  "DELSLOTS <slot> [<slot> ...]",
  "    Delete slots information from current node.",
  "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
  "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
  "FAILOVER [FORCE|TAKEOVER]",
  "    Promote current replica node to being a master.",
  "FORGET <node-id>",
  "    Remove a node from the cluster.",
  "GETKEYSINSLOT <slot> <count>",
  "    Return key names stored by current node in a slot.",
  "FLUSHSLOTS",
  "    Delete current node own slots information.",
  "INFO",
  "    Return information about the cluster.",
  "KEYSLOT <key>",
  "    Return the hash slot for <key>.",
  "MEET <ip> <port> [<bus-port>]",
  "    Connect nodes into a working cluster.",
  "MYID",
  "    Return the node id.",
  "NODES",
  "    Return cluster configuration seen by node. Output format:",
  "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
  "REPLICATE <node-id>",
  "    Configure current node as replica to <node-id>.",
  "RESET [HARD|SOFT]",
  "    Reset current node (default: soft).",
  "SET-CONFIG-EPOCH <epoch>",
  "    Set config epoch of current node.",
  "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
  "    Set slot state.",
  "REPLICAS <node-id>",
  "    Return <node-id> replicas.",
  "SAVECONFIG",
  "    Force saving cluster configuration on disk.",
  "SLOTS",
  "    Return information about slots range mappings. Each range is made of:",
  "    start, end, master and replicas IP addresses, ports and ids",
  "SHARDS",
  "    Return information about slot range mappings and the nodes associated with them.",
  "LINKS",
  "    Return information about all network links between this node and its peers.",
  "    Output format is an array where each array element is a map containing attributes of a link",
];

/** Renders a gossip-failover Reply; NODES and INFO are verbatim text in RESP3, as in 7.0. */
function sendReply(c: Client, reply: Reply, verbatim: boolean): void {
  const r = c.reply;
  switch (reply.type) {
    case "ok":
      r.ok();
      break;
    case "status":
      r.simple(reply.value);
      break;
    case "error":
      r.error(reply.message);
      break;
    case "integer":
      r.integer(reply.value);
      break;
    case "bulk":
      if (verbatim) r.verbatim("txt", reply.value);
      else r.bulk(reply.value);
      break;
    case "array":
      r.array(reply.value.length);
      for (const v of reply.value) r.bulk(v);
      break;
  }
}

/** A map header in RESP3, a flat array of 2n in RESP2. */
function mapLen(c: Client, n: number): void {
  if (c.resp === 3) c.reply.map(n);
  else c.reply.array(n * 2);
}

function slotsNode(c: Client, n: SlotsNodeEntry): void {
  const r = c.reply;
  r.array(4);
  if (n.endpoint === null) r.nullBulk();
  else r.bulk(n.endpoint);
  r.integer(n.port);
  r.bulk(n.id);
  mapLen(c, n.metadata.length);
  for (const [k, v] of n.metadata) {
    r.bulk(k);
    r.bulk(v);
  }
}

function renderSlots(c: Client, rt: ClusterRuntime): void {
  const entries = clusterSlots(rt.state);
  const r = c.reply;
  r.array(entries.length);
  for (const e of entries) {
    r.array(2 + e.nodes.length);
    r.integer(e.start);
    r.integer(e.end);
    for (const n of e.nodes) slotsNode(c, n);
  }
}

function renderShards(c: Client, rt: ClusterRuntime): void {
  const shards = clusterShards(rt.state);
  const r = c.reply;
  r.array(shards.length);
  for (const s of shards) {
    mapLen(c, 2);
    r.bulk("slots");
    r.array(s.slots.length);
    for (const v of s.slots) r.integer(v);
    r.bulk("nodes");
    r.array(s.nodes.length);
    for (const n of s.nodes) {
      mapLen(c, n.hostname !== undefined ? 8 : 7);
      r.bulk("id");
      r.bulk(n.id);
      r.bulk("port");
      r.integer(n.port);
      r.bulk("ip");
      r.bulk(n.ip);
      r.bulk("endpoint");
      r.bulk(n.endpoint);
      if (n.hostname !== undefined) {
        r.bulk("hostname");
        r.bulk(n.hostname);
      }
      r.bulk("role");
      r.bulk(n.role);
      r.bulk("replication-offset");
      r.integer(n.replicationOffset);
      r.bulk("health");
      r.bulk(n.health);
    }
  }
}

function renderLinks(c: Client, rt: ClusterRuntime): void {
  const rows = clusterLinks(rt.state, rt.bus.linkStats());
  const r = c.reply;
  r.array(rows.length);
  for (const l of rows) {
    mapLen(c, 6);
    r.bulk("direction");
    r.bulk(l.direction);
    r.bulk("node");
    r.bulk(l.node);
    r.bulk("create-time");
    r.integer(l.createTime);
    r.bulk("events");
    r.bulk(l.events);
    r.bulk("send-buffer-allocated");
    r.integer(l.sendBufferAllocated);
    r.bulk("send-buffer-used");
    r.integer(l.sendBufferUsed);
  }
}

function clusterCountkeysinslotCommand(c: Client, rt: ClusterRuntime, a: CommandArgs): void {
  const slot = toInt(a.latin1(2));
  if (slot === undefined) {
    c.reply.error(ERR_NOT_INT);
    return;
  }
  if (slot < 0 || slot >= CLUSTER_SLOTS) {
    c.reply.error("ERR Invalid slot");
    return;
  }
  c.reply.integer(rt.slotKeys.countKeysInSlot(slot));
}

function clusterGetkeysinslotCommand(c: Client, rt: ClusterRuntime, a: CommandArgs): void {
  const slot = toInt(a.latin1(2));
  if (slot === undefined) {
    c.reply.error(ERR_NOT_INT);
    return;
  }
  const max = toInt(a.latin1(3));
  if (max === undefined) {
    c.reply.error(ERR_NOT_INT);
    return;
  }
  if (slot < 0 || slot >= CLUSTER_SLOTS || max < 0) {
    c.reply.error("ERR Invalid slot or number of keys");
    return;
  }
  const keys = rt.slotKeys.getKeysInSlot(slot, max);
  c.reply.array(keys.length);
  for (const k of keys) c.reply.bulkLatin1(k);
}

function clusterKeyslotCommand(c: Client, _rt: ClusterRuntime, a: CommandArgs): void {
  const v = a.view(2);
  c.reply.integer(keySlotRange(v, 0, v.length));
}

function clusterResetCommand(
  server: ClusterCommandsHost,
  c: Client,
  rt: ClusterRuntime,
  a: CommandArgs,
): void {
  const argv: string[] = [];
  for (let i = 1; i < a.argc; i++) argv.push(a.utf8(i));
  const wasReplica = rt.state.myself.slaveof !== null;
  const reply = rt.command(argv);
  // A replica that resets becomes an empty master (Redis's emptyData in clusterReset).
  if (reply.type === "ok" && wasReplica) {
    server.replication.unsetMaster(null);
    server.store.flushAll();
    server.watches.touchAllInDb(-1);
  }
  sendReply(c, reply, false);
}

function clusterHelpCommand(c: Client): void {
  replyHelp(c.reply, "CLUSTER", HELP);
}

/** READONLY, READWRITE: reads of this connection may (or may no longer) be served by a replica. */
function readonlyCommand(c: Client, readOnly: boolean): void {
  c.readOnly = readOnly;
  c.reply.ok();
}

function askingCommand(c: Client): void {
  c.asking = true;
  c.reply.ok();
}

/**
 * Cluster mode has one database: MOVE and SWAPDB refuse outright, and so does COPY ... DB <n>
 * to another database, with Redis 7.0's errors (moveCommand, swapdbCommand, copyCommand). The store's
 * handlers don't know about cluster mode, so their table entries are wrapped here.
 */
export function restrictCommandsForCluster(table: CommandTable): void {
  const wrap = (name: string, check: (a: Parameters<RunCommand>[1]) => string | null) => {
    const e = table.lookup(name);
    if (e === undefined) return;
    const inner = e.run;
    (e as { run: RunCommand }).run = (c, a) => {
      const err = check(a);
      if (err === null) inner(c, a);
      else c.reply.error(err);
    };
  };
  wrap("move", () => "ERR MOVE is not allowed in cluster mode");
  wrap("swapdb", () => "ERR SWAPDB is not allowed in cluster mode");
  wrap("copy", (a) => {
    for (let i = 3; i < a.argc - 1; i++) {
      if (!a.is(i, "db")) continue;
      const n = toInt(a.latin1(i + 1));
      if (n !== undefined && n !== 0)
        return "ERR Copying to another database is not allowed in cluster mode";
    }
    return null;
  });
}

const ADMIN_ACL = "@admin @slow @dangerous";
const SLOW = "@slow";
const CONN = "@fast @connection";
const ADMIN = "admin stale";
const ADMIN_NO_ASYNC = "admin stale no_async_loading";

export function clusterCommands(server: ClusterCommandsHost): ServerCommandDef[] {
  /** Runs `body` in cluster mode; otherwise Redis's "cluster support disabled". */
  const inCluster =
    (body: (c: Client, rt: ClusterRuntime, a: CommandArgs) => void): RunCommand =>
    (c, a) => {
      const rt = server.cluster;
      if (rt === null) {
        c.reply.error(DISABLED);
        return;
      }
      body(c, rt, a);
    };
  /** A subcommand the state machine answers. */
  const machine = (verbatim = false): RunCommand =>
    inCluster((c, rt, a) => {
      const argv: string[] = [];
      for (let i = 1; i < a.argc; i++) argv.push(a.utf8(i));
      sendReply(c, rt.command(argv), verbatim);
    });
  const subcommands: ServerCommandDef[] = [
    cmd("addslots", -3, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("addslotsrange", -4, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("bumpepoch", 2, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("count-failure-reports", 3, ADMIN, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("countkeysinslot", 3, "stale", [0, 0, 0], SLOW, inCluster(clusterCountkeysinslotCommand)),
    cmd("delslots", -3, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("delslotsrange", -4, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("failover", -2, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("flushslots", 2, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("forget", 3, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("getkeysinslot", 4, "stale", [0, 0, 0], SLOW, inCluster(clusterGetkeysinslotCommand)),
    cmd("help", 2, "loading stale", [0, 0, 0], SLOW, inCluster(clusterHelpCommand)),
    cmd("info", 2, "stale", [0, 0, 0], SLOW, machine(true)),
    cmd("keyslot", 3, "stale", [0, 0, 0], SLOW, inCluster(clusterKeyslotCommand)),
    cmd("links", 2, "stale", [0, 0, 0], SLOW, inCluster(renderLinks)),
    cmd("meet", -4, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("myid", 2, "stale", [0, 0, 0], SLOW, machine()),
    cmd("myshardid", 2, "stale", [0, 0, 0], SLOW, machine()),
    cmd("nodes", 2, "stale", [0, 0, 0], SLOW, machine(true)),
    cmd("replicas", 3, ADMIN, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("replicate", 3, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd(
      "reset",
      -2,
      "admin noscript stale",
      [0, 0, 0],
      ADMIN_ACL,
      inCluster((c, rt, a) => clusterResetCommand(server, c, rt, a)),
    ),
    cmd("saveconfig", 2, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("set-config-epoch", 3, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("setslot", -4, ADMIN_NO_ASYNC, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("shards", 2, "stale", [0, 0, 0], SLOW, inCluster(renderShards)),
    cmd("slaves", 3, ADMIN, [0, 0, 0], ADMIN_ACL, machine()),
    cmd("slots", 2, "stale", [0, 0, 0], SLOW, inCluster(renderSlots)),
  ];
  return [
    cmd("cluster", -2, "", [0, 0, 0], SLOW, undefined, { subcommands }),
    cmd(
      "readonly",
      1,
      "loading stale fast",
      [0, 0, 0],
      CONN,
      inCluster((c) => readonlyCommand(c, true)),
    ),
    cmd(
      "readwrite",
      1,
      "loading stale fast",
      [0, 0, 0],
      CONN,
      inCluster((c) => readonlyCommand(c, false)),
    ),
    cmd("asking", 1, "fast", [0, 0, 0], CONN, inCluster(askingCommand)),
  ];
}

// Command dispatch: from a decoded command to a reply. Mirrors processCommand() and call() in
// src/server.c (Redis 7.0), in the same order of checks: lookup (unknown command / unknown
// subcommand), arity, authentication, pub/sub context, MULTI queueing, then the call with its
// statistics. Cluster routing (MOVED/ASK/CROSSSLOT by the entry's key positions, cluster/routing.ts)
// comes right after the authentication check, as in Redis; replication feeds from the node's propagate.
import type { CommandArgs } from "@shoal/resp-codec";
import type { KeyLockHost } from "./cluster/key-locks.js";
import type { CommandEntry } from "./commands/command-types.js";
import { ERR_OOM, EvictResult } from "./memory/evict.js";
import type { Client } from "./networking/client-connection.js";
import type { NodeServices } from "./node-services.js";
import { OwnedArgs } from "./protocol/command-decoder.js";
import { SCRIPT_COMMANDS } from "./scripting/script-command-flags.js";

/**
 * What dispatch reads and drives on the node: one member per check of processCommand (key locks,
 * the table, routing, replication, pause, WATCH for aborted transactions) and per step of call()
 * (the call context, MONITOR, the statistics, the slow log, the exception guard, blocked clients).
 */
export type DispatchHost = KeyLockHost &
  Pick<
    NodeServices,
    | "config"
    | "stats"
    | "keyLocks"
    | "cluster"
    | "replication"
    | "pause"
    | "watches"
    | "monitors"
    | "blocking"
    | "slowlog"
    | "slowlogThreshold"
    | "commandException"
    | "scripting"
    | "evictor"
    | "tracking"
    | "diskErrors"
    | "log"
  >;

/** Commands a RESP2 client may run while subscribed (Redis's pub/sub context). */
const PUBSUB_CONTEXT_ALLOWED = new Set([
  "ping",
  "subscribe",
  "ssubscribe",
  "unsubscribe",
  "sunsubscribe",
  "psubscribe",
  "punsubscribe",
  "quit",
  "reset",
]);

/** Commands that run at once inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(["exec", "discard", "multi", "watch", "quit", "reset"]);

/** Resolves argv[0] (and argv[1] for containers); on failure writes Redis's error and returns undefined. */
export function lookupCommand(
  server: DispatchHost,
  client: Client,
  args: CommandArgs,
): CommandEntry | undefined {
  // A client mostly repeats its last command: comparing argv[0]'s bytes with that entry's name
  // (the table's key, lowercase ASCII) costs no string and no map lookup.
  const last = client.lastBase;
  const base =
    last !== null && args.is(0, last.spec.name) ? last : server.table.lookupRaw(args.latin1(0));
  if (base === undefined) {
    let list = "";
    for (let i = 1; i < args.argc && list.length < 128; i++) {
      list += `'${args.latin1(i).slice(0, 128 - list.length)}' `;
    }
    rejectCommand(
      server,
      client,
      `ERR unknown command '${args.latin1(0).slice(0, 128)}', with args beginning with: ${list}`,
    );
    return undefined;
  }
  client.lastBase = base;
  if (base.subcommands === undefined || args.argc < 2) return base;
  const sub = base.subcommands.get(args.latin1(1).toLowerCase());
  if (sub === undefined) {
    // COMMAND alone is callable; other containers need a known subcommand.
    rejectCommand(
      server,
      client,
      `ERR unknown subcommand '${args.latin1(1).slice(0, 128)}'. Try ${base.spec.name.toUpperCase()} HELP.`,
    );
    return undefined;
  }
  return sub;
}

/** A read, a write or a command that may replicate; EXEC when its queue holds one. */
function touchesKeyspace(client: Client, entry: CommandEntry): boolean {
  const one = (e: CommandEntry) =>
    e.isWrite || e.spec.flags.includes("readonly") || e.spec.flags.includes("may_replicate");
  if (entry.spec.name === "exec") return client.multiQueue?.some((q) => one(q.checked)) ?? false;
  return one(entry);
}

/**
 * An error before the call: counted as a rejected call, and flags an open MULTI. A rejected
 * EXEC discards the transaction and answers execCommandAbort's EXECABORT with the reason (the
 * "ERR " of a formatted rejection dropped, another code kept), with or without a MULTI.
 */
function rejectCommand(
  server: DispatchHost,
  client: Client,
  msg: string,
  entry?: CommandEntry,
  abortExec = true,
): void {
  if (client.multiQueue) client.multiDirty = true;
  if (entry) entry.rejectedCalls++;
  if (abortExec && entry?.spec.name === "exec") {
    client.multiQueue = null;
    client.multiDirty = false;
    server.watches.unwatchAll(client);
    msg = `EXECABORT Transaction discarded because of: ${msg.startsWith("ERR ") ? msg.slice(4) : msg}`;
  }
  client.reply.error(msg);
  server.stats.countError(msg);
}

const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

const MODULE_NOT_ALLOWED =
  'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

/**
 * Redis's allowProtectedAction for an `enable-*` setting (`enable-debug-command`,
 * `enable-protected-configs`): `yes`, or `local` and the client is on 127.0.0.1 or ::1.
 */
export function allowProtectedAction(mode: string, client: Client): boolean {
  if (mode === "yes") return true;
  if (mode !== "local") return false;
  return client.addr.startsWith("127.0.0.1:") || client.addr.startsWith("::1:");
}

function arityOk(entry: CommandEntry, argc: number): boolean {
  const a = entry.spec.arity;
  return a > 0 ? argc === a : argc >= -a;
}

/** Runs one command a client sent. */
export function processCommand(server: DispatchHost, client: Client, args: CommandArgs): void {
  // A command naming a key an in-flight MIGRATE is moving waits for it (key-locks.ts).
  if (server.keyLocks.size !== 0 && server.keyLocks.park(server, client, args)) return;
  // ASKING holds for the next command only (for the whole transaction inside MULTI).
  const asking = client.asking;
  if (asking && client.multiQueue === null) client.asking = false;
  const entry = lookupCommand(server, client, args);
  // CLIENT LIST's cmd= is the last command looked up, rejected or queued ones included, "NULL"
  // after an unknown one (processCommand sets c->lastcmd before its checks); EXEC's queued
  // commands leave it at exec.
  if (entry === undefined) {
    client.lastCommand = "NULL";
    return;
  }
  const name = entry.fullName;
  client.lastCommand = name;

  if (!arityOk(entry, args.argc)) {
    rejectCommand(server, client, `ERR wrong number of arguments for '${name}' command`, entry);
    return;
  }
  if (entry.isProtected) {
    const isModule = entry.parent?.spec.name === "module";
    const mode = server.config.get<string>(
      isModule ? "enable-module-command" : "enable-debug-command",
    );
    if (!allowProtectedAction(mode, client)) {
      rejectCommand(server, client, isModule ? MODULE_NOT_ALLOWED : DEBUG_NOT_ALLOWED, entry);
      return;
    }
  }
  if (!client.authenticated && !entry.noAuth) {
    rejectCommand(server, client, "NOAUTH Authentication required.", entry);
    return;
  }
  const root = entry.parent ?? entry;
  const cluster = server.cluster;
  // The AOF replay client (id 0) and our master are obeyed without routing (mustObeyClient()).
  if (
    cluster !== null &&
    client.id !== 0 &&
    client.replRole !== "M" &&
    (entry.spec.firstKey > 0 || entry.spec.getKeys !== undefined || root.spec.name === "exec")
  ) {
    // A node that did not run for a while first catches up with its cluster cron; not inside a
    // script (a busy one lets other clients in): timers wait for it to end, as in Redis.
    if (!server.scripting.inScript) cluster.runCronIfOverdue();
    if (!cluster.router.route(client, entry, args, asking)) {
      // A transaction with a misrouted command is flagged (EXECABORT); EXEC itself discards it.
      if (root.spec.name === "exec") {
        client.multiQueue = null;
        client.multiDirty = false;
        server.watches.unwatchAll(client);
      }
      rejectCommand(server, client, cluster.router.errorText(cluster.state), entry, false);
      return;
    }
  }
  // A script's shebang flags stand for EVAL's/FCALL's own in the checks below (getCommandFlags).
  const checked = SCRIPT_COMMANDS.has(name) ? server.scripting.checkedEntry(entry, args) : entry;
  // tracking-table-max-keys: the table is trimmed before each command while a client tracks.
  if (server.tracking.clients !== 0) server.tracking.limitUsedSlots();
  // maxmemory: not while a busy script lets other clients in (isInsideYieldingLongCommand).
  if (
    server.evictor.maxmemory !== 0 &&
    !server.scripting.inScript &&
    rejectedForMemory(server, client, entry, checked, root)
  )
    return;
  // A failed BGSAVE (stop-writes-on-bgsave-error) or AOF write: MISCONF for writes and PING.
  if (
    server.diskErrors.denial !== null &&
    rejectedForDiskError(server, client, entry, checked, root)
  )
    return;
  // Replication: NOREPLICAS, READONLY replica, MASTERDOWN (stale data), in processCommand's order.
  if (server.replication.checksActive) {
    const err = server.replication.check(client, checked);
    if (err !== undefined) {
      rejectCommand(server, client, err, entry);
      return;
    }
  }
  // A script past busy-reply-threshold lets others in only for allow_busy commands
  // (isInsideYieldingLongCommand in processCommand); scripting/busy.ts brings them here.
  const busy = server.scripting.busyError(entry, args);
  if (busy !== undefined) {
    rejectCommand(server, client, busy, entry);
    return;
  }
  if (client.inPubSubContext && !PUBSUB_CONTEXT_ALLOWED.has(root.spec.name)) {
    rejectCommand(
      server,
      client,
      `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      entry,
    );
    return;
  }
  // A MONITOR client is a replica to Redis (CLIENT_SLAVE): it may not touch the keyspace.
  if (client.isMonitor && touchesKeyspace(client, entry)) {
    rejectCommand(server, client, "ERR Replica can't interact with the keyspace", entry);
    return;
  }
  // CLIENT PAUSE (or a manual failover's pause): the command waits with its arguments and runs
  // again from the top once the pause ends (Redis's blockPostponeClient). Here, as in Redis:
  // after the checks that answer at once (unknown command, arity, auth, routing...) and before
  // MULTI queueing, so a write inside MULTI waits too. Replicas, our master and the AOF replay
  // are never held.
  if (
    server.pause.pauseUntil > 0 &&
    client.replRole === "" &&
    client.id !== 0 &&
    server.pause.mustPause(client, checked)
  ) {
    // ASKING stays for the re-run, as Redis resets a client only after its command ran.
    client.asking = asking;
    server.pause.postponeClient(client, args);
    return;
  }
  if (client.multiQueue !== null && !MULTI_IMMEDIATE.has(root.spec.name)) {
    if (entry.noMulti) {
      rejectCommand(server, client, "ERR Command not allowed inside a transaction", entry);
      return;
    }
    client.multiQueue.push({ entry, args: OwnedArgs.from(args), checked });
    client.reply.simple("QUEUED");
    return;
  }
  call(server, client, entry, args);
  if (server.blocking.readyKeys.size > 0 && !server.scripting.inScript)
    server.blocking.handleClientsBlockedOnKeys();
}

/**
 * processCommand's maxmemory step: evict first (performEvictions); if memory is still over the
 * limit, refuse a denyoom command, an EXEC whose queue holds one, and anything queued inside
 * MULTI but EXEC/DISCARD/QUIT/RESET (queueing grows memory too). The outcome is kept for the
 * first write of a script (pre_command_oom_state, see scriptOomError). `checked` is the entry
 * with a script's flags applied; the rejection is counted on `entry`, the table's (a checked
 * entry is a derived object: a count written on it would be lost).
 */
function rejectedForMemory(
  server: DispatchHost,
  client: Client,
  entry: CommandEntry,
  checked: CommandEntry,
  root: CommandEntry,
): boolean {
  const oom = server.evictor.performEvictions() === EvictResult.fail;
  server.evictor.preCommandOom = oom;
  if (!oom) return false;
  const name = root.spec.name;
  const inMulti = client.multiQueue !== null;
  const deny =
    checked.denyoom ||
    (name === "exec" && (client.multiQueue?.some((q) => q.checked.denyoom) ?? false)) ||
    (inMulti && name !== "exec" && name !== "discard" && name !== "quit" && name !== "reset");
  if (deny) rejectCommand(server, client, ERR_OOM, entry);
  return deny;
}

/** When the last "applying a command even though" warning was logged (ms, once per 10 s). */
let obeyedWriteLoggedAt = 0;

/**
 * processCommand's disk error step (writeCommandsDeniedByDiskError): a write, an EXEC whose
 * queue holds one, or a PING gets the MISCONF error. Our master's stream and the AOF replay are
 * obeyed: a replica applies the write when replica-ignore-disk-write-errors is on (with a
 * warning every 10 s), else it stops, as Redis's serverPanic does. `checked` and `entry` as in
 * rejectedForMemory.
 */
function rejectedForDiskError(
  server: DispatchHost,
  client: Client,
  entry: CommandEntry,
  checked: CommandEntry,
  root: CommandEntry,
): boolean {
  const name = root.spec.name;
  const isPing = name === "ping";
  if (!isPing && !checked.isWrite && !(name === "exec" && queuedWrite(client))) return false;
  if (client.id === 0 || client.replRole === "M") {
    if (isPing) return false;
    if (!server.config.get<boolean>("replica-ignore-disk-write-errors")) {
      server.log.warning("Guru Meditation: Replica was unable to write command to disk.");
      server.log.flushSync();
      process.exit(1);
    }
    const now = Date.now();
    if (now > obeyedWriteLoggedAt + 10_000) {
      obeyedWriteLoggedAt = now;
      server.log.warning(
        "Replica is applying a command even though it is unable to write to disk.",
      );
    }
    return false;
  }
  rejectCommand(server, client, server.diskErrors.denial!, entry);
  return true;
}

/** EXEC's queue holds a write: a script's as its flags made it when queued (mstate.cmd_flags). */
function queuedWrite(client: Client): boolean {
  return client.multiQueue?.some((q) => q.checked.isWrite) ?? false;
}

/**
 * Runs a command's handler so that no client's input can end the process: an exception the
 * handler throws becomes an error reply to that command alone, its partial reply dropped, and a
 * warning that names the command (command-guard.ts). Every path that runs a handler goes
 * through here: call() (so EXEC's queued commands, paused and key-locked commands replayed, the
 * master's stream and the AOF too) and the re-run of a blocked command. The try/catch costs
 * nothing on the hot path in V8; reading the reply's pending length is one subtraction.
 */
export function runHandler(
  server: DispatchHost,
  client: Client,
  entry: CommandEntry,
  args: CommandArgs,
): void {
  const mark = client.reply.pendingBytes;
  try {
    entry.run(client, args);
  } catch (err) {
    server.commandException(client, entry.fullName, err, mark);
  }
}

/** Calls a resolved command and keeps its statistics (Redis's call()). */
export function call(
  server: DispatchHost,
  client: Client,
  entry: CommandEntry,
  args: CommandArgs,
): void {
  const errorsBefore = client.reply.errorCount;
  const ctx = server.call;
  const t0 = ctx.enter(client, args, entry);
  runHandler(server, client, entry, args);
  const t1 = ctx.leave();
  // Client-side caching: a read's keys remembered, messages held for this client sent after it.
  const tracking = server.tracking;
  if (tracking.afterCallNeeded) tracking.afterCall(client, entry, args);
  // After the call, as Redis's call(): SELECT shows its new database, EXEC follows the
  // commands it ran, and the monitor's own commands reach it after their replies.
  if (server.monitors.size > 0 && !entry.skipMonitor) server.monitors.feed(client, args, entry);
  server.stats.commandsProcessed++;
  // A command that blocked is counted (calls, time, slowlog) once it is served or times out.
  if (client.blocked !== null) return;
  const usec = Math.round((t1 - t0) * 1000);
  entry.usec += usec;
  const threshold = server.slowlogThreshold;
  if (threshold >= 0 && usec >= threshold && !entry.skipSlowlog) {
    server.slowlog.maybeAdd(server.config, client, args, usec, entry);
    ctx.dropEndReading();
  }
  entry.calls++;
  if (client.reply.errorCount !== errorsBefore) {
    entry.failedCalls++;
    server.stats.countError(client.reply.lastError);
  }
}

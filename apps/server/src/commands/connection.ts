// Connection commands: PING ECHO QUIT RESET SELECT TIME HELLO AUTH, and the CLIENT container.
// Mirrors pingCommand()/echoCommand()/selectCommand()/helloCommand()/resetCommand() in
// src/server.c and src/networking.c, authCommand() in src/acl.c, clientCommand() in
// src/networking.c (Redis 7.0). CLIENT SETINFO and NO-TOUCH are 7.2's: 7.0.15 answers "unknown
// subcommand" to them, and clients that send SETINFO on connect ignore that error. CLIENT
// TRACKING, CACHING, GETREDIR and TRACKINGINFO are client-side caching's (tracking/commands.ts).

import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import { REDIS_VERSION } from "../config/load.js";
import { type Client, ClientReplyMode } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import { trackingClientSubcommands } from "../tracking/commands.js";
import { logAuthFailure } from "./acl.js";
import type { ServerCommandDef } from "./command-types.js";
import {
  clientNameError,
  ERR_NOT_INT,
  ERR_SYNTAX,
  subcommandSyntaxError,
  toInt,
} from "./define.js";

/**
 * What the connection and CLIENT commands take from the node: the client table, and what a
 * failed AUTH logs.
 */
export type ConnectionCommandsHost = Pick<
  NodeServices,
  | "config"
  | "clients"
  | "pause"
  | "clientInfoString"
  | "resetClient"
  | "databases"
  | "closeClientNow"
  | "blocking"
  | "aclLog"
  | "inExec"
  | "tracking"
>;

const FAST_CONN = "@fast @connection";
const ERR_INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647";

function pingCommand(c: Client, a: CommandArgs): void {
  if (a.argc > 2) {
    c.reply.error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (c.inPubSubContext) {
    c.reply.array(2);
    c.reply.bulk("pong");
    if (a.argc === 1) c.reply.bulk("");
    else c.reply.bulk(a.view(1));
  } else if (a.argc === 1) {
    c.reply.simple("PONG");
  } else {
    c.reply.bulk(a.view(1));
  }
}

function quitCommand(c: Client): void {
  c.reply.ok();
  c.closeAfterReply = true;
}

function resetCommand(server: ConnectionCommandsHost, c: Client): void {
  server.resetClient(c);
  c.reply.simple("RESET");
}

function selectCommand(server: ConnectionCommandsHost, c: Client, a: CommandArgs): void {
  // getIntFromObjectOrReply: a long outside int gets the range text.
  const id = toInt(a.latin1(1));
  if (id === undefined || id > 2147483647 || id < -2147483648) {
    c.reply.error(id === undefined ? ERR_NOT_INT : ERR_INT_RANGE);
    return;
  }
  if (server.config.get<boolean>("cluster-enabled") && id !== 0) {
    c.reply.error("ERR SELECT is not allowed in cluster mode");
    return;
  }
  if (id < 0 || id >= server.databases) {
    c.reply.error("ERR DB index is out of range");
    return;
  }
  c.db = id;
  c.reply.ok();
}

function timeCommand(c: Client): void {
  // Wall clock with microseconds: the time origin plus the monotonic clock's offset.
  const us = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  c.reply.array(2);
  c.reply.bulk(String(us / 1000000n));
  c.reply.bulk(String(us % 1000000n));
}

/** The default user and requirepass: the one user Shoal has. */
function checkPassword(server: ConnectionCommandsHost, user: string, pass: string): boolean {
  if (user !== "default") return false;
  const rp = server.config.get<string>("requirepass");
  return rp === "" || pass === rp;
}

function helloCommand(server: ConnectionCommandsHost, c: Client, a: CommandArgs): void {
  let ver = 0;
  if (a.argc >= 2) {
    const v = toInt(a.latin1(1));
    if (v === undefined) {
      c.reply.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (v < 2 || v > 3) {
      c.reply.error("NOPROTO unsupported protocol version");
      return;
    }
    ver = v;
  }
  // helloCommand (7.0) acts on each option as it reads it: AUTH authenticates (or answers
  // WRONGPASS) and SETNAME names the client (or answers the name error) before a later
  // option's syntax error, which then leaves them done; the protocol switches last.
  for (let j = 2; j < a.argc; j++) {
    const more = a.argc - 1 - j;
    if (a.is(j, "auth") && more >= 2) {
      const user = a.utf8(j + 1);
      if (!checkPassword(server, user, a.utf8(j + 2))) {
        logAuthFailure(server, c, a.latin1(0), user);
        c.reply.error("WRONGPASS invalid username-password pair or user is disabled.");
        return;
      }
      c.setAuthenticated(true);
      j += 2;
    } else if (a.is(j, "setname") && more >= 1) {
      const name = a.utf8(j + 1);
      const err = clientNameError(name);
      if (err) {
        c.reply.error(err);
        return;
      }
      c.name = name;
      j++;
    } else {
      c.reply.error(`ERR Syntax error in HELLO option '${a.latin1(j)}'`);
      return;
    }
  }
  if (!c.authenticated) {
    c.reply.error(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
    );
    return;
  }
  if (ver) c.reply.resp = ver as 2 | 3;
  const r = c.reply;
  r.map(7);
  r.bulk("server");
  r.bulk("redis");
  r.bulk("version");
  r.bulk(REDIS_VERSION);
  r.bulk("proto");
  r.integer(c.resp);
  r.bulk("id");
  r.integer(c.id);
  r.bulk("mode");
  r.bulk(server.config.get<boolean>("cluster-enabled") ? "cluster" : "standalone");
  r.bulk("role");
  r.bulk("master");
  r.bulk("modules");
  r.array(0);
}

function authCommand(server: ConnectionCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc > 3) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  let user = "default";
  let pass: string;
  if (a.argc === 2) {
    if (server.config.get<string>("requirepass") === "") {
      c.reply.error(
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
      );
      return;
    }
    pass = a.utf8(1);
  } else {
    user = a.utf8(1);
    pass = a.utf8(2);
  }
  if (checkPassword(server, user, pass)) {
    c.setAuthenticated(true);
    c.reply.ok();
  } else {
    logAuthFailure(server, c, a.latin1(0), user);
    c.reply.error("WRONGPASS invalid username-password pair or user is disabled.");
  }
}

function clientSetnameCommand(c: Client, a: CommandArgs): void {
  const name = a.utf8(2);
  const err = clientNameError(name);
  if (err) {
    c.reply.error(err);
    return;
  }
  c.name = name;
  c.reply.ok();
}

function clientGetnameCommand(c: Client): void {
  if (c.name === "") c.reply.nullBulk();
  else c.reply.bulk(c.name);
}

function clientListCommand(server: ConnectionCommandsHost, c: Client, a: CommandArgs): void {
  let filter: ((x: Client) => boolean) | undefined;
  if (a.argc === 4 && a.is(2, "type")) {
    const t = a.latin1(3).toLowerCase();
    if (t === "normal") filter = (x) => x.subscriptionCount === 0 && x.replRole === "";
    else if (t === "pubsub") filter = (x) => x.subscriptionCount > 0;
    else if (t === "master") filter = (x) => x.replRole === "M";
    else if (t === "replica" || t === "slave") filter = (x) => x.replRole === "S";
    else {
      c.reply.error(`ERR Unknown client type '${a.latin1(3)}'`);
      return;
    }
  } else if (a.argc > 3 && a.is(2, "id")) {
    const ids = new Set<number>();
    for (let j = 3; j < a.argc; j++) {
      // Any integer (getLongLongFromObjectOrReply): 0 or -5 just match nobody.
      const id = toInt(a.latin1(j));
      if (id === undefined) {
        c.reply.error("ERR Invalid client ID");
        return;
      }
      ids.add(id);
    }
    filter = (x) => ids.has(x.id);
  } else if (a.argc !== 2) {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  let out = "";
  for (const x of server.clients.values()) {
    if (filter && !filter(x)) continue;
    out += `${server.clientInfoString(x)}\n`;
  }
  c.reply.verbatim("txt", out);
}

function clientInfoCommand(server: ConnectionCommandsHost, c: Client): void {
  c.reply.verbatim("txt", `${server.clientInfoString(c)}\n`);
}

function clientKillCommand(server: ConnectionCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc === 3) {
    // Old form: CLIENT KILL addr:port.
    const addr = a.utf8(2);
    for (const x of server.clients.values()) {
      if (x.addr === addr) {
        killClient(server, c, x);
        c.reply.ok();
        return;
      }
    }
    c.reply.error("ERR No such client");
    return;
  }
  let skipMe = true;
  const preds: Array<(x: Client) => boolean> = [];
  // Pair by pair, as clientKillCommand: a bad value before a lone trailing word is
  // reported as such; the lone word is a syntax error when reached.
  for (let j = 2; j < a.argc; j += 2) {
    if (j + 1 >= a.argc) {
      c.reply.error(ERR_SYNTAX);
      return;
    }
    const v = a.utf8(j + 1);
    if (a.is(j, "id")) {
      const id = toInt(v);
      if (id === undefined || id <= 0) {
        c.reply.error("ERR client-id should be greater than 0");
        return;
      }
      preds.push((x) => x.id === id);
    } else if (a.is(j, "addr")) preds.push((x) => x.addr === v);
    else if (a.is(j, "laddr")) preds.push((x) => x.laddr === v);
    else if (a.is(j, "user")) {
      // Only the default user exists (no ACL SETUSER): any other name is unknown.
      if (v !== "default") {
        c.reply.error(`ERR No such user '${a.latin1(j + 1)}'`);
        return;
      }
      preds.push(() => true);
    } else if (a.is(j, "type")) {
      const t = v.toLowerCase();
      if (t === "normal") preds.push((x) => x.subscriptionCount === 0 && x.replRole === "");
      else if (t === "pubsub") preds.push((x) => x.subscriptionCount > 0);
      else if (t === "master") preds.push((x) => x.replRole === "M");
      else if (t === "replica" || t === "slave") preds.push((x) => x.replRole === "S");
      else {
        c.reply.error(`ERR Unknown client type '${a.latin1(j + 1)}'`); // the bytes as sent
        return;
      }
    } else if (a.is(j, "skipme")) {
      if (v.toLowerCase() === "yes") skipMe = true;
      else if (v.toLowerCase() === "no") skipMe = false;
      else {
        c.reply.error(ERR_SYNTAX);
        return;
      }
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  let killed = 0;
  for (const x of [...server.clients.values()]) {
    if (skipMe && x === c) continue;
    if (!preds.every((p) => p(x))) continue;
    killClient(server, c, x);
    killed++;
  }
  c.reply.integer(killed);
}

function clientReplyCommand(c: Client, a: CommandArgs): void {
  if (a.is(2, "on")) {
    c.replyMode = ClientReplyMode.On;
    c.reply.enabled = true;
    c.reply.ok();
  } else if (a.is(2, "off")) {
    c.replyMode = ClientReplyMode.Off;
  } else if (a.is(2, "skip")) {
    if (c.replyMode !== ClientReplyMode.Off) c.replyMode = ClientReplyMode.SkipNext;
  } else {
    c.reply.error(ERR_SYNTAX);
  }
}

function clientPauseCommand(server: ConnectionCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc > 4) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  // clientCommand's pause: the mode is read before the timeout.
  let writesOnly = false;
  if (a.argc === 4) {
    if (a.is(3, "write")) writesOnly = true;
    else if (!a.is(3, "all")) {
      c.reply.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  }
  const ms = toInt(a.latin1(2));
  if (ms === undefined) {
    c.reply.error("ERR timeout is not an integer or out of range");
    return;
  }
  if (ms < 0) {
    c.reply.error("ERR timeout is negative");
    return;
  }
  server.pause.pauseClients(ms, writesOnly);
  c.reply.ok();
}

function clientUnblockCommand(server: ConnectionCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc > 4) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  let withError = false;
  if (a.argc === 4) {
    if (a.is(3, "error")) withError = true;
    else if (!a.is(3, "timeout")) {
      c.reply.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  const id = toInt(a.latin1(2));
  if (id === undefined) {
    c.reply.error(ERR_NOT_INT);
    return;
  }
  const target = server.clients.get(id);
  c.reply.integer(
    target !== undefined && server.blocking.unblockByRequest(target, withError) ? 1 : 0,
  );
}

function clientUnpauseCommand(server: ConnectionCommandsHost, c: Client): void {
  server.pause.unpauseClients();
  c.reply.ok();
}

function clientNoEvictCommand(c: Client, a: CommandArgs): void {
  const v = a.latin1(2).toLowerCase();
  if (v === "on") c.noEvict = true;
  else if (v === "off") c.noEvict = false;
  else {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  c.reply.ok();
}

function clientHelpCommand(c: Client): void {
  replyHelp(c.reply, "CLIENT", [
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
  ]);
}

/** addReplySubcommandSyntaxError(): argv[1] as sent, the container's name in capitals. */

function killClient(server: ConnectionCommandsHost, me: Client, victim: Client): void {
  if (victim === me) {
    // Killing yourself: reply first, then close (CLIENT_CLOSE_AFTER_COMMAND).
    victim.closeAfterReply = true;
    return;
  }
  server.closeClientNow(victim);
}

export function connectionCommands(server: ConnectionCommandsHost): ServerCommandDef[] {
  return [
    cmd("ping", -1, "fast sentinel", [0, 0, 0], FAST_CONN, pingCommand),
    cmd("echo", 2, "loading stale fast", [0, 0, 0], FAST_CONN, (c, a) => c.reply.bulk(a.view(1))),
    cmd(
      "quit",
      -1,
      "allow_busy noscript loading stale fast no_auth",
      [0, 0, 0],
      FAST_CONN,
      quitCommand,
    ),
    cmd("reset", 1, "noscript loading stale fast no_auth allow_busy", [0, 0, 0], FAST_CONN, (c) =>
      resetCommand(server, c),
    ),
    cmd("select", 2, "loading stale fast", [0, 0, 0], FAST_CONN, (c, a) =>
      selectCommand(server, c, a),
    ),
    cmd("time", 1, "loading stale fast", [0, 0, 0], "@fast", timeCommand),
    cmd(
      "hello",
      -1,
      "noscript loading stale fast no_auth sentinel allow_busy",
      [0, 0, 0],
      FAST_CONN,
      (c, a) => helloCommand(server, c, a),
    ),
    cmd(
      "auth",
      -2,
      "noscript loading stale fast no_auth sentinel allow_busy",
      [0, 0, 0],
      FAST_CONN,
      (c, a) => authCommand(server, c, a),
    ),
    cmd("client", -2, "", [0, 0, 0], "@slow", undefined, {
      subcommands: clientSubcommands(server),
    }),
  ];
}

const ADMIN_CONN = "@admin @slow @dangerous @connection";
const SLOW_CONN = "@slow @connection";

function clientSubcommands(server: ConnectionCommandsHost): ServerCommandDef[] {
  return [
    cmd("id", 2, "noscript loading stale", [0, 0, 0], SLOW_CONN, (c) => c.reply.integer(c.id)),
    cmd("setname", 3, "noscript loading stale", [0, 0, 0], SLOW_CONN, clientSetnameCommand),
    cmd("getname", 2, "noscript loading stale", [0, 0, 0], SLOW_CONN, clientGetnameCommand),
    cmd("list", -2, "admin noscript loading stale", [0, 0, 0], ADMIN_CONN, (c, a) =>
      clientListCommand(server, c, a),
    ),
    cmd("info", 2, "noscript loading stale", [0, 0, 0], SLOW_CONN, (c) =>
      clientInfoCommand(server, c),
    ),
    cmd("kill", -3, "admin noscript loading stale", [0, 0, 0], ADMIN_CONN, (c, a) =>
      clientKillCommand(server, c, a),
    ),
    cmd("reply", 3, "noscript loading stale", [0, 0, 0], SLOW_CONN, clientReplyCommand),
    cmd("no-evict", 3, "admin noscript loading stale", [0, 0, 0], ADMIN_CONN, clientNoEvictCommand),
    cmd("pause", -3, "admin noscript loading stale", [0, 0, 0], ADMIN_CONN, (c, a) =>
      clientPauseCommand(server, c, a),
    ),
    cmd("unblock", -3, "admin noscript loading stale", [0, 0, 0], ADMIN_CONN, (c, a) =>
      clientUnblockCommand(server, c, a),
    ),
    cmd("unpause", 2, "admin noscript loading stale", [0, 0, 0], ADMIN_CONN, (c) =>
      clientUnpauseCommand(server, c),
    ),
    cmd("help", 2, "loading stale", [0, 0, 0], SLOW_CONN, clientHelpCommand),
    ...trackingClientSubcommands(server),
  ];
}

// ACL, for a server whose only user is `default` (password: requirepass, permissions: all).
// Mirrors aclCommand() in src/acl.c (Redis 7.0) for what reads that user: WHOAMI, USERS, LIST,
// GETUSER, CAT, DRYRUN, LOG, GENPASS, HELP. DELUSER and SAVE/LOAD answer as Redis does with no
// other users and no aclfile; SETUSER is refused, since Shoal can't hold other users or rules.

import { createHash, randomBytes } from "node:crypto";
import { cmd, replyHelp } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { CommandEntry, ServerCommandDef } from "./command-types.js";
import { ERR_NOT_INT, subcommandSyntaxError, toInt } from "./define.js";

/** What ACL takes from the node: the ACL log, the command table (ACL CAT), requirepass. */
export type AclCommandsHost = Pick<
  NodeServices,
  "aclLog" | "table" | "inExec" | "config" | "clientInfoString"
>;

const SLOW = "@slow";
const ADMIN = "@admin @slow @dangerous";
const RO = "noscript loading stale";
const ADMIN_FLAGS = "admin noscript loading stale";

/** ACL CAT's categories, in Redis's order (ACLCommandCategories). */
const CATEGORIES = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
];

const NO_ACL_FILE =
  "ERR This Redis instance is not configured to use an ACL file. You may want to specify users " +
  "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis " +
  "configuration file set) in order to store users in the Redis configuration.";

/** An AUTH or HELLO AUTH that failed, for ACL LOG (Redis logs these as reason "auth"). */
export function logAuthFailure(
  server: Pick<AclCommandsHost, "aclLog" | "inExec" | "clientInfoString">,
  c: Client,
  object: string,
  username: string,
): void {
  server.aclLog.add(
    "auth",
    server.inExec ? "multi" : "toplevel",
    object,
    username,
    server.clientInfoString(c),
  );
}

function aclUsersCommand(c: Client): void {
  c.reply.array(1);
  c.reply.bulk("default");
}

/** The default user's one password, as ACL LIST and GETUSER show it: its SHA-256. */
function passwordHash(server: AclCommandsHost): string | undefined {
  const rp = server.config.get<string>("requirepass");
  return rp === "" ? undefined : createHash("sha256").update(rp, "utf8").digest("hex");
}

function aclListCommand(server: AclCommandsHost, c: Client): void {
  const h = passwordHash(server);
  c.reply.array(1);
  c.reply.bulk(`user default on ${h === undefined ? "nopass" : `#${h}`} ~* &* +@all`);
}

function aclGetuserCommand(server: AclCommandsHost, c: Client, a: CommandArgs): void {
  if (a.latin1(2) !== "default") {
    c.reply.nullBulk();
    return;
  }
  const h = passwordHash(server);
  const r = c.reply;
  r.map(6);
  r.bulk("flags");
  r.set(h === undefined ? 2 : 1);
  r.bulk("on");
  if (h === undefined) r.bulk("nopass");
  r.bulk("passwords");
  r.array(h === undefined ? 0 : 1);
  if (h !== undefined) r.bulk(h);
  r.bulk("commands");
  r.bulk("+@all");
  r.bulk("keys");
  r.bulk("~*");
  r.bulk("channels");
  r.bulk("&*");
  r.bulk("selectors");
  r.array(0);
}

function aclCatCommand(server: AclCommandsHost, c: Client, a: CommandArgs): void {
  if (a.argc === 2) {
    c.reply.array(CATEGORIES.length);
    for (const cat of CATEGORIES) c.reply.bulk(cat);
    return;
  }
  if (a.argc > 3) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  const cat = a.latin1(2).toLowerCase();
  if (!CATEGORIES.includes(cat)) {
    c.reply.error(`ERR Unknown category '${a.latin1(2)}'`);
    return;
  }
  const tag = `@${cat}`;
  const names: string[] = [];
  const visit = (e: CommandEntry) => {
    if (e.spec.aclCategories.includes(tag)) names.push(e.fullName);
    if (e.subcommands) for (const s of e.subcommands.values()) visit(s);
  };
  for (const e of server.table.all()) visit(e);
  c.reply.array(names.length);
  for (const n of names) c.reply.bulk(n);
}

function aclDryrunCommand(server: AclCommandsHost, c: Client, a: CommandArgs): void {
  if (a.latin1(2) !== "default") {
    c.reply.error(`ERR User '${a.latin1(2)}' not found`);
    return;
  }
  let e = server.table.lookup(a.latin1(3).toLowerCase());
  const argc = a.argc - 3;
  if (e?.subcommands && argc >= 2) e = e.subcommands.get(a.latin1(4).toLowerCase());
  if (e === undefined) {
    c.reply.error(`ERR Command '${a.latin1(3)}' not found`);
    return;
  }
  const ar = e.spec.arity;
  if ((ar > 0 && ar !== argc) || argc < -ar) {
    c.reply.error(`ERR wrong number of arguments for '${e.fullName}' command`);
    return;
  }
  // The default user may run everything (+@all ~* &*).
  c.reply.ok();
}

function aclLogCommand(server: AclCommandsHost, c: Client, a: CommandArgs): void {
  let count = 10;
  if (a.argc === 3) {
    if (a.is(2, "reset")) {
      server.aclLog.reset();
      c.reply.ok();
      return;
    }
    const n = toInt(a.latin1(2));
    if (n === undefined) {
      c.reply.error(ERR_NOT_INT);
      return;
    }
    count = Math.max(0, n);
  } else if (a.argc > 3) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  const list = server.aclLog.entries.slice(0, count);
  const now = Date.now();
  const r = c.reply;
  r.array(list.length);
  for (const e of list) {
    r.map(7);
    r.bulk("count");
    r.integer(e.count);
    r.bulk("reason");
    r.bulk(e.reason);
    r.bulk("context");
    r.bulk(e.context);
    r.bulk("object");
    r.bulk(e.object);
    r.bulk("username");
    r.bulk(e.username);
    r.bulk("age-seconds");
    r.double((now - e.ctime) / 1000);
    r.bulk("client-info");
    r.bulk(e.clientInfo);
  }
}

function aclGenpassCommand(c: Client, a: CommandArgs): void {
  let bits = 256;
  if (a.argc === 3) {
    const n = toInt(a.latin1(2));
    if (n === undefined) {
      c.reply.error(ERR_NOT_INT);
      return;
    }
    if (n <= 0 || n > 4096) {
      c.reply.error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
      );
      return;
    }
    bits = n;
  } else if (a.argc > 3) {
    c.reply.error(subcommandSyntaxError(a));
    return;
  }
  const chars = Math.floor((bits + 3) / 4);
  c.reply.bulk(
    randomBytes(Math.ceil(chars / 2))
      .toString("hex")
      .slice(0, chars),
  );
}

function aclDeluserCommand(c: Client, a: CommandArgs): void {
  for (let j = 2; j < a.argc; j++) {
    if (a.latin1(j) === "default") {
      c.reply.error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  c.reply.integer(0); // no other user exists
}

function aclSetuserCommand(c: Client): void {
  c.reply.error(
    "ERR ACL SETUSER is not supported by Shoal: the default user is the only user (set its password with CONFIG SET requirepass)",
  );
}

function aclHelpCommand(c: Client): void {
  replyHelp(c.reply, "ACL", [
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
  ]);
}

export function aclCommands(server: AclCommandsHost): ServerCommandDef[] {
  return [
    cmd("acl", -2, "", [0, 0, 0], SLOW, undefined, {
      subcommands: [
        cmd("whoami", 2, RO, [0, 0, 0], SLOW, (c) => c.reply.bulk("default")),
        cmd("users", 2, ADMIN_FLAGS, [0, 0, 0], ADMIN, aclUsersCommand),
        cmd("list", 2, ADMIN_FLAGS, [0, 0, 0], ADMIN, (c) => aclListCommand(server, c)),
        cmd("getuser", 3, ADMIN_FLAGS, [0, 0, 0], ADMIN, (c, a) => aclGetuserCommand(server, c, a)),
        cmd("cat", -2, RO, [0, 0, 0], SLOW, (c, a) => aclCatCommand(server, c, a)),
        cmd("dryrun", -4, ADMIN_FLAGS, [0, 0, 0], ADMIN, (c, a) => aclDryrunCommand(server, c, a)),
        cmd("log", -2, ADMIN_FLAGS, [0, 0, 0], ADMIN, (c, a) => aclLogCommand(server, c, a)),
        cmd("genpass", -2, RO, [0, 0, 0], SLOW, aclGenpassCommand),
        cmd("deluser", -3, ADMIN_FLAGS, [0, 0, 0], ADMIN, aclDeluserCommand),
        cmd("setuser", -3, ADMIN_FLAGS, [0, 0, 0], ADMIN, aclSetuserCommand),
        cmd("save", 2, ADMIN_FLAGS, [0, 0, 0], ADMIN, (c) => c.reply.error(NO_ACL_FILE)),
        cmd("load", 2, ADMIN_FLAGS, [0, 0, 0], ADMIN, (c) => c.reply.error(NO_ACL_FILE)),
        cmd("help", 2, "loading stale", [0, 0, 0], SLOW, aclHelpCommand),
      ],
    }),
  ];
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
// [AUTH2 username password] [KEYS key [key ...]], as migrateCommand() in src/cluster.c (Redis 7.0):
// the same parsing order and error texts, +NOKEY when no key exists, one pipelined batch of
// [AUTH] [SELECT db] RESTORE (RESTORE-ASKING in cluster mode) per key with its remaining TTL and
// DUMP payload [REPLACE], then one reply line per command; keys the target accepted are deleted
// here (unless COPY) and propagated as one DEL. A socket error before any reply was read, other
// than a timeout, retries once on a fresh connection.
//
// Unlike Redis, which blocks the whole server for the transfer, the exchange runs asynchronously
// (NodeServices.runAsync): the client's later commands wait for the reply, and the keys being moved are
// locked (key-locks.ts) so that no other client reads or writes one half-moved.
//
// Payloads are Shoal's DUMP format: Shoal to Shoal works; a real Redis target refuses them with
// its "DUMP payload version or checksum are wrong", reported as a target error.
import type { Database, Value } from "@shoal/keyspace-store";
import { cmd, dumpValue } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { KeyLockHost } from "../cluster/key-locks.js";
import { type MigrateLink, MigrateLinks } from "../cluster/migrate-links.js";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ServerCommandDef } from "./command-types.js";
import { ERR_NOT_INT, ERR_SYNTAX, toInt } from "./define.js";

/**
 * What MIGRATE takes from the node: the data, the key locks (which re-run the commands they
 * held), propagation.
 */
export type MigrateCommandsHost = KeyLockHost &
  Pick<
    NodeServices,
    | "keyLocks"
    | "store"
    | "stats"
    | "runAsync"
    | "propagate"
    | "migrateLinks"
    | "inExec"
    | "dirty"
    | "config"
    | "cluster"
  >;

const ERR_KEYS_NEEDS_EMPTY =
  "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";

/** Redis's migrateGetKeys: argv[3], or every argument after KEYS when argv[3] is "". */
export function migrateGetKeys(args: CommandArgs): number[] {
  let first = 3;
  let num = 1;
  if (args.argc > 6) {
    for (let i = 6; i < args.argc; i++) {
      if (args.is(i, "keys") && args.view(3).length === 0) {
        first = i + 1;
        num = args.argc - first;
        break;
      }
    }
  }
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(first + i);
  return out;
}

/** C's atoi(): leading blanks, a sign, digits; anything else ends the number. */
function atoi(s: string): number {
  // glibc's atoi is (int)strtol: saturated to a long, then cut to 32 bits (LONG_MAX -> -1).
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  let n = BigInt(m[1]!);
  if (n > 9223372036854775807n) n = 9223372036854775807n;
  if (n < -9223372036854775808n) n = -9223372036854775808n;
  return Number(BigInt.asIntN(32, n));
}

/** RESP multi-bulk of `parts` (strings are latin1 bytes, as keys are). */
function encodeCommand(out: Buffer[], parts: readonly (string | Buffer)[]): void {
  out.push(Buffer.from(`*${parts.length}\r\n`, "latin1"));
  for (const p of parts) {
    const b = typeof p === "string" ? Buffer.from(p, "latin1") : p;
    out.push(Buffer.from(`$${b.length}\r\n`, "latin1"), b, CRLF);
  }
}
const CRLF = Buffer.from("\r\n");

interface MigrateJob {
  host: string;
  port: number;
  /** "host:port" as given: the cache key. */
  linkName: string;
  dbid: number;
  timeout: number;
  copy: boolean;
  replace: boolean;
  username: string | undefined;
  password: string | undefined;
  /** The client's database and the keys found there, with their values at lookup time. */
  db: Database;
  dbIndex: number;
  keys: string[];
  values: Value[];
}

function migrate(
  server: MigrateCommandsHost,
  links: MigrateLinks,
  c: Client,
  a: CommandArgs,
): void {
  let copy = false;
  let replace = false;
  let username: string | undefined;
  let password: string | undefined;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < a.argc; j++) {
    const more = a.argc - 1 - j;
    if (a.is(j, "copy")) copy = true;
    else if (a.is(j, "replace")) replace = true;
    else if (a.is(j, "auth")) {
      if (more < 1) {
        c.reply.error(ERR_SYNTAX);
        return;
      }
      password = a.latin1(++j);
    } else if (a.is(j, "auth2")) {
      if (more < 2) {
        c.reply.error(ERR_SYNTAX);
        return;
      }
      username = a.latin1(++j);
      password = a.latin1(++j);
    } else if (a.is(j, "keys")) {
      if (a.view(3).length !== 0) {
        c.reply.error(ERR_KEYS_NEEDS_EMPTY);
        return;
      }
      firstKey = j + 1;
      numKeys = a.argc - j - 1;
      break;
    } else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  let timeout = toInt(a.latin1(5));
  const dbid = toInt(a.latin1(4));
  if (timeout === undefined || dbid === undefined) {
    c.reply.error(ERR_NOT_INT);
    return;
  }
  if (timeout <= 0) timeout = 1000;

  const db = server.store.db(c.db);
  const keys: string[] = [];
  const values: Value[] = [];
  const now = server.call.now;
  for (let j = 0; j < numKeys; j++) {
    const key = a.latin1(firstKey + j);
    const v = db.lookupRead(key, now);
    if (v !== undefined) {
      keys.push(key);
      values.push(v);
    }
  }
  if (keys.length === 0) {
    c.reply.simple("NOKEY");
    return;
  }
  if (server.inExec || c.multiQueue !== null) {
    // The exchange is asynchronous and a transaction's replies are written in one go.
    c.reply.error("ERR MIGRATE inside MULTI/EXEC is not supported by shoal-server");
    return;
  }
  const host = a.latin1(1);
  const portArg = a.latin1(2);
  const job: MigrateJob = {
    host,
    port: atoi(portArg),
    linkName: `${host}:${portArg}`,
    dbid,
    timeout,
    copy,
    replace,
    username,
    password,
    db,
    dbIndex: c.db,
    keys,
    values,
  };
  server.keyLocks.lock(job.dbIndex, keys);
  server.runAsync(c, async () => {
    try {
      await transfer(server, links, c, job);
    } finally {
      server.keyLocks.unlock(server, job.dbIndex, keys);
    }
  });
}

/** The exchange with the target and its outcome (the try_again/socket_err loop of Redis). */
async function transfer(
  server: MigrateCommandsHost,
  links: MigrateLinks,
  c: Client,
  job: MigrateJob,
): Promise<void> {
  // Errors replied after the call returned: counted as call() counts the synchronous ones.
  const fail = (msg: string) => {
    c.reply.error(msg);
    server.stats.countError(msg);
    const entry = server.table.lookup("migrate");
    if (entry !== undefined) entry.failedCalls++;
  };
  const payloads: (Buffer | undefined)[] = new Array(job.keys.length);
  let mayRetry = true;
  for (;;) {
    const got = await links.acquire(
      job.linkName,
      job.host,
      job.port,
      job.timeout,
      server.config.get<string>("bind-source-addr"),
    );
    if (got === "connect") {
      fail("IOERR error or timeout connecting to the client");
      return;
    }
    if (got === "write") {
      // A refused connection: Redis's non-blocking connect reports it on the first write.
      if (mayRetry) {
        mayRetry = false;
        continue;
      }
      fail("IOERR error or timeout writing to target instance");
      return;
    }
    const link: MigrateLink = got;

    // The pipeline: [AUTH] [SELECT] then one RESTORE per key still alive.
    const out: Buffer[] = [];
    const auth = job.password !== undefined;
    if (auth) {
      encodeCommand(
        out,
        job.username !== undefined
          ? ["AUTH", job.username, job.password as string]
          : ["AUTH", job.password as string],
      );
    }
    const select = link.lastDb !== job.dbid;
    if (select) encodeCommand(out, ["SELECT", String(job.dbid)]);
    const restore = server.cluster !== null ? "RESTORE-ASKING" : "RESTORE";
    const sent: number[] = [];
    const now = Date.now();
    for (let j = 0; j < job.keys.length; j++) {
      const key = job.keys[j]!;
      let ttl = 0;
      const expireAt = job.db.getExpire(key);
      if (expireAt !== -1) {
        ttl = expireAt - now;
        if (ttl < 0) continue; // expired since the lookup
        if (ttl < 1) ttl = 1;
      }
      let payload = payloads[j];
      if (payload === undefined) {
        payload = dumpValue(job.values[j]!, true, job.db.keyspace.encodingLimits);
        payloads[j] = payload;
      }
      const parts: (string | Buffer)[] = [restore, key, String(ttl), payload];
      if (job.replace) parts.push("REPLACE");
      encodeCommand(out, parts);
      sent.push(j);
    }

    let writeError = false;
    let failure = await link.write(Buffer.concat(out), job.timeout);
    let authReply = "";
    let selectReply = "";
    if (failure !== null) writeError = true;
    else if (auth) {
      const r = await link.readLine(job.timeout);
      if (r === "timeout" || r === "error") failure = r;
      else authReply = r;
    }
    if (failure === null && select) {
      const r = await link.readLine(job.timeout);
      if (r === "timeout" || r === "error") failure = r;
      else selectReply = r;
    }
    if (failure !== null) {
      // socket_err: nothing was applied; retry once unless it was a timeout.
      link.close();
      if (failure !== "timeout" && mayRetry) {
        mayRetry = false;
        continue;
      }
      fail(`IOERR error or timeout ${writeError ? "writing" : "reading"} to target instance`);
      return;
    }

    let errorFromTarget = false;
    let socketError: "timeout" | "error" | null = null;
    let read = 0;
    const deleted: string[] = [];
    for (; read < sent.length; read++) {
      const line = await link.readLine(job.timeout);
      if (line === "timeout" || line === "error") {
        socketError = line;
        break;
      }
      if ((auth && authReply[0] === "-") || (select && selectReply[0] === "-") || line[0] === "-") {
        if (!errorFromTarget) {
          link.lastDb = -1;
          let err = line;
          if (auth && authReply[0] === "-") err = authReply;
          else if (select && selectReply[0] === "-") err = selectReply;
          errorFromTarget = true;
          fail(`ERR Target instance replied with error: ${err.slice(1)}`);
        }
      } else if (!job.copy) {
        const key = job.keys[sent[read]!]!;
        if (job.db.delete(key)) {
          job.db.signalModified(key);
          job.db.notify("generic", "del", key);
          server.dirty++;
        }
        deleted.push(key);
      }
    }
    if (
      !errorFromTarget &&
      socketError !== null &&
      read === 0 &&
      mayRetry &&
      socketError !== "timeout"
    ) {
      link.close();
      mayRetry = false;
      continue;
    }
    if (socketError !== null) link.close();
    // Replicas and the AOF see the move as a DEL of the keys the target accepted.
    if (deleted.length > 0) server.propagate(job.dbIndex, ["DEL", ...deleted]);
    if (!errorFromTarget && socketError !== null) {
      fail("IOERR error or timeout reading to target instance");
      return;
    }
    if (!errorFromTarget) {
      link.lastDb = job.dbid;
      c.reply.ok();
    }
    links.release(link);
    return;
  }
}

export function migrateCommands(server: MigrateCommandsHost): ServerCommandDef[] {
  const links = new MigrateLinks();
  server.migrateLinks = links;
  return [
    cmd(
      "migrate",
      -6,
      "write",
      [3, 3, 1],
      "@keyspace @write @slow @dangerous",
      (c, a) => migrate(server, links, c, a),
      { getKeys: migrateGetKeys },
    ),
  ];
}

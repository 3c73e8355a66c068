// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT TRACKINGINFO: the client-side
// caching subcommands of clientCommand() in src/networking.c (Redis 7.0), with its checks in its
// order and its error texts. The table and the messages are tracking.ts's.
import { cmd } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { ServerCommandDef } from "../commands/command-types.js";
import { ERR_NOT_INT, ERR_SYNTAX, toInt } from "../commands/define.js";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import { TrackingFlag } from "./tracking-flags.js";

/** What the subcommands take from the node: the table, and the clients a REDIRECT may name. */
export type TrackingCommandsHost = Pick<NodeServices, "tracking" | "clients">;

const SLOW_CONN = "@slow @connection";
const FLAGS = "noscript loading stale";

/** Redis's stringCheckPrefix: two prefixes overlap when one starts the other. */
const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

/**
 * checkPrefixCollisionsOrReply, including its quirk: an overlap between two of the new prefixes
 * found past the first one replies the error and still reports success, so Redis 7.0 answers
 * that error and then +OK with tracking on (pinned by the differential test).
 */
function checkPrefixCollisions(c: Client, prefixes: readonly string[]): boolean {
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    if (c.trackingPrefixes !== null) {
      for (const old of [...c.trackingPrefixes].sort()) {
        if (!overlaps(old, p)) continue;
        c.reply.error(
          `ERR Prefix '${p}' overlaps with an existing prefix '${old}'. Prefixes for a single client must not overlap.`,
        );
        return false;
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (!overlaps(p, prefixes[j]!)) continue;
      c.reply.error(
        `ERR Prefix '${p}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`,
      );
      return i !== 0;
    }
  }
  return true;
}

/** CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]. */
function clientTrackingCommand(server: TrackingCommandsHost, c: Client, a: CommandArgs): void {
  let redirect = 0;
  let options = 0;
  const prefixes: string[] = [];
  for (let j = 3; j < a.argc; j++) {
    const more = a.argc - 1 - j > 0;
    if (a.is(j, "redirect") && more) {
      j++;
      if (redirect !== 0) {
        c.reply.error("ERR A client can only redirect to a single other client");
        return;
      }
      const id = toInt(a.latin1(j));
      if (id === undefined) {
        c.reply.error(ERR_NOT_INT);
        return;
      }
      // The target must exist now, though it may leave later (then: tracking-redir-broken).
      if (!server.clients.has(id)) {
        c.reply.error("ERR The client ID you want redirect to does not exist");
        return;
      }
      redirect = id;
    } else if (a.is(j, "bcast")) options |= TrackingFlag.Bcast;
    else if (a.is(j, "optin")) options |= TrackingFlag.Optin;
    else if (a.is(j, "optout")) options |= TrackingFlag.Optout;
    else if (a.is(j, "noloop")) options |= TrackingFlag.Noloop;
    else if (a.is(j, "prefix") && more) prefixes.push(a.latin1(++j));
    else {
      c.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (a.is(2, "on")) {
    const error = enableError(c, options, prefixes.length);
    if (error !== undefined) {
      c.reply.error(error);
      return;
    }
    if (options & TrackingFlag.Bcast && !checkPrefixCollisions(c, prefixes)) return;
    server.tracking.enable(c, redirect, options, prefixes);
  } else if (a.is(2, "off")) {
    server.tracking.disable(c);
  } else {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  c.reply.ok();
}

/** The options of CLIENT TRACKING ON that contradict each other or the client's current mode. */
function enableError(c: Client, options: number, prefixCount: number): string | undefined {
  const { Bcast, Optin, Optout, On } = TrackingFlag;
  if (!(options & Bcast) && prefixCount > 0)
    return "ERR PREFIX option requires BCAST mode to be enabled";
  if (c.tracking & On && (c.tracking & Bcast) !== (options & Bcast))
    return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
  if (options & Bcast && options & (Optin | Optout))
    return "ERR OPTIN and OPTOUT are not compatible with BCAST";
  if (options & Optin && options & Optout)
    return "ERR You can't specify both OPTIN mode and OPTOUT mode";
  if ((options & Optin && c.tracking & Optout) || (options & Optout && c.tracking & Optin))
    return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
  return undefined;
}

/** CLIENT CACHING (YES|NO): the next command's (or transaction's) reads are (not) remembered. */
function clientCachingCommand(c: Client, a: CommandArgs): void {
  if (!(c.tracking & TrackingFlag.On)) {
    c.reply.error(
      "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
    );
    return;
  }
  if (a.is(2, "yes")) {
    if (!(c.tracking & TrackingFlag.Optin)) {
      c.reply.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (a.is(2, "no")) {
    if (!(c.tracking & TrackingFlag.Optout)) {
      c.reply.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    c.reply.error(ERR_SYNTAX);
    return;
  }
  c.tracking |= TrackingFlag.Caching;
  c.reply.ok();
}

/** CLIENT GETREDIR: the REDIRECT id (0: none), -1 when tracking is off. */
function clientGetredirCommand(c: Client): void {
  c.reply.integer(c.tracking & TrackingFlag.On ? c.trackingRedirect : -1);
}

/** CLIENT TRACKINGINFO: flags (a set), redirect, prefixes (in byte order). */
function clientTrackingInfoCommand(c: Client): void {
  const t = c.tracking;
  const flags = [t & TrackingFlag.On ? "on" : "off"];
  if (t & TrackingFlag.Bcast) flags.push("bcast");
  if (t & TrackingFlag.Optin) {
    flags.push("optin");
    if (t & TrackingFlag.Caching) flags.push("caching-yes");
  }
  if (t & TrackingFlag.Optout) {
    flags.push("optout");
    if (t & TrackingFlag.Caching) flags.push("caching-no");
  }
  if (t & TrackingFlag.Noloop) flags.push("noloop");
  if (t & TrackingFlag.BrokenRedir) flags.push("broken_redirect");
  const r = c.reply;
  r.map(3);
  r.bulk("flags");
  r.set(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk("redirect");
  r.integer(t & TrackingFlag.On ? c.trackingRedirect : -1);
  r.bulk("prefixes");
  const prefixes = c.trackingPrefixes === null ? [] : [...c.trackingPrefixes].sort();
  r.array(prefixes.length);
  for (const p of prefixes) r.bulkLatin1(p);
}

export function trackingClientSubcommands(server: TrackingCommandsHost): ServerCommandDef[] {
  return [
    cmd("tracking", -3, FLAGS, [0, 0, 0], SLOW_CONN, (c, a) => clientTrackingCommand(server, c, a)),
    cmd("caching", 3, FLAGS, [0, 0, 0], SLOW_CONN, clientCachingCommand),
    cmd("getredir", 2, FLAGS, [0, 0, 0], SLOW_CONN, clientGetredirCommand),
    cmd("trackinginfo", 2, FLAGS, [0, 0, 0], SLOW_CONN, clientTrackingInfoCommand),
  ];
}

// Steps from a seed. A step is one or more commands sent together (a transaction, CLIENT REPLY
// OFF ... ON) and judged as one. Arguments follow redis-server's own COMMAND DOCS argument
// trees (key, string, integer, double, pattern, unix-time, tokens, oneof, block; optional and
// multiple), each value drawn from the edge pools, then mutated: dropped, duplicated, swapped,
// a stray token inserted, tokens in every case. RESTRICTED below keeps the commands that would
// block forever, kill our connection or reconfigure the server inside safe values (each entry
// says why); EXCLUDED commands are never sent.
import type { Random } from "@shoal/sim";
import { typedValue } from "./typed-values.js";
import {
  anyDouble,
  anyInt,
  anyKey,
  anyString,
  anyUnixTime,
  anyValue,
  DOUBLE_EDGES,
  DUMP_PAYLOADS,
  INT_EDGES,
  PATTERNS,
  pick,
  randomCase,
  SEEDED_KEYS,
} from "./values.js";

export interface ArgDoc {
  name: string;
  type: string;
  token?: string;
  flags?: string[];
  arguments?: ArgDoc[];
}
export interface CommandDoc {
  arguments?: ArgDoc[];
  subcommands?: Record<string, CommandDoc>;
}
export type Docs = Record<string, CommandDoc>;

export interface Step {
  /** The command-table entry this step exercises ("zadd", "client|list"). */
  name: string;
  /** Commands as latin1 strings (one char per byte). */
  cmds: string[][];
}

/** Never sent, with the reason (printed by the CLI). */
export const EXCLUDED: Record<string, string> = {
  shutdown: "ends the server",
  monitor: "turns the connection into a feed of timestamped lines",
  sync: "turns the connection into a replication stream",
  psync: "turns the connection into a replication stream",
  quit: "closes the connection (tested in apps/server/test)",
  "client|tracking":
    "its invalidation pushes would land between later replies (tested in apps/server/test/client-tracking.test.ts)",
  pfselftest:
    "adds 10 million elements, seconds per call (tested in keyspace-store's hyperloglog.redis.test.ts)",
};

/** Sent only in the shapes listed, and why. */
export const RESTRICTED: Record<string, string> = {
  "blpop|brpop|brpoplpush|blmove|blmpop|bzpopmin|bzpopmax|bzmpop":
    "timeout never 0 or a long finite value (would block forever): 0.01, 0.001, 1e-320 or invalid",
  wait: "timeout never 0 (blocks forever without replicas)",
  "xread|xreadgroup": "BLOCK never 0 (would block forever): 1 or 2 ms, or invalid",
  xadd: "no `*` (or `*\\0...`) ID (each server's clock): `<ms>-*` with a fixed ms instead",
  "client|pause": "timeout 0-2 ms or invalid, and CLIENT UNPAUSE in the same step",
  "client|reply": "OFF/SKIP only inside a step that ends with CLIENT REPLY ON",
  "client|kill":
    "filters that cannot match the fuzzer's own connection (no TYPE normal, USER default, SKIPME no, small IDs)",
  "config|set": "only the SAFE_CONFIG parameters (encodings, limits), reset before every batch",
  "restore|restore-asking":
    "the payload is mostly one of redis-server's own DUMPs (of every type and encoding), sometimes with a byte flipped or cut short; never a corrupt payload with a valid checksum (redis-server trusts those)",
  "psetex|pexpire|set px|getex px|restore|restore-asking":
    "a TTL of 1-199 ms becomes 200 ms: which server sees a few-ms TTL pass first is timing",
  debug:
    "only OBJECT, PROTOCOL, ERROR, LOG, SLEEP 0, SET-ACTIVE-EXPIRE 0 (never on), DIGEST, DIGEST-VALUE, RELOAD, LISTPACK, QUICKLIST, QUICKLIST-PACKED-THRESHOLD, CHANGE-REPL-ID, HELP",
  "replicaof|slaveof": "NO ONE, or a port that is not a number (never starts replicating)",
  migrate: "to 127.0.0.1 port 1 (refused) or an invalid port, timeout 10 ms",
  "acl|setuser|acl|deluser": "never the default user (would lock the fuzzer out)",
  "multi|exec|discard": "MULTI only as a whole transaction step (MULTI ... EXEC/DISCARD)",
  "script|debug":
    "NO or invalid: after YES/SYNC redis-server runs the next EVAL as a Lua debugger session, which ends the connection",
};

/** CONFIG SET parameters the fuzzer may change, with the defaults setup restores. */
export const SAFE_CONFIG: Record<string, string> = {
  "hash-max-listpack-entries": "128",
  "hash-max-listpack-value": "64",
  "hash-max-ziplist-entries": "128",
  "set-max-intset-entries": "512",
  "zset-max-listpack-entries": "128",
  "zset-max-listpack-value": "64",
  "list-max-listpack-size": "-2",
  "list-compress-depth": "0",
  "proto-max-bulk-len": "536870912",
  "lfu-log-factor": "10",
  "lfu-decay-time": "1",
  "slowlog-log-slower-than": "10000",
  "slowlog-max-len": "128",
  "latency-tracking": "yes",
  "lazyfree-lazy-user-del": "no",
  "lazyfree-lazy-user-flush": "no",
  "notify-keyspace-events": "",
  "active-expire-effort": "1",
};

// Never 0, a hex float (strtold reads "0x10" as 16 s) or a leading space (" 1" is 1 s).
const BLOCK_TIMEOUTS = [
  "0.01",
  "0.001",
  "1e-320",
  "0.002",
  "-1",
  "-0.01",
  "nan",
  "abc",
  "inf",
  "-inf",
  "1e308",
  "9223372036854775807",
  "-9223372036854775808",
  "",
  "0x",
  "1e",
];

function tok(r: Random, t: string): string {
  return randomCase(r, t);
}

function valueFor(r: Random, entry: string, a: ArgDoc): string {
  const typed = typedValue(r, entry, a.name, a.type);
  if (typed !== undefined) return typed;
  switch (a.type) {
    case "key":
      return anyKey(r);
    case "integer":
      return anyInt(r);
    case "double":
      return anyDouble(r);
    case "pattern":
      return pick(r, PATTERNS);
    case "unix-time":
      return anyUnixTime(r);
    default:
      return anyString(r);
  }
}

function repeats(r: Random): number {
  const x = r();
  if (x < 0.01) return 60 + Math.floor(r() * 200); // a huge count of repetitions
  if (x < 0.5) return 1;
  if (x < 0.8) return 2;
  return 3 + Math.floor(r() * 3);
}

function genArg(r: Random, entry: string, a: ArgDoc, out: string[]): void {
  const flags = a.flags ?? [];
  if (flags.includes("optional") && r() < 0.5) return;
  if (a.name === "streams" && a.type === "block" && r() < 0.8) {
    streams(r, entry, a, out);
    return;
  }
  const n = flags.includes("multiple") ? repeats(r) : 1;
  for (let i = 0; i < n; i++) {
    if (a.token && (i === 0 || flags.includes("multiple_token"))) out.push(tok(r, a.token));
    if (a.type === "pure-token") continue;
    if (a.type === "oneof") genArg(r, entry, pick(r, a.arguments ?? []), out);
    else if (a.type === "block") genSeq(r, entry, a.arguments ?? [], out);
    else out.push(r() < 0.08 ? anyValue(r) : valueFor(r, entry, a));
  }
}

/** A sequence of arguments; a `numkeys`-style count usually matches what follows it. */
function genSeq(r: Random, entry: string, args: readonly ArgDoc[], out: string[]): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (
      a.type === "integer" &&
      /^num/.test(a.name) &&
      !a.token &&
      next?.flags?.includes("multiple") &&
      r() < 0.8
    ) {
      const tail: string[] = [];
      genArg(
        r,
        entry,
        { ...next, flags: (next.flags ?? []).filter((f) => f !== "optional") },
        tail,
      );
      const per = next.type === "block" ? Math.max(1, (next.arguments ?? []).length) : 1;
      out.push(String(Math.max(1, Math.round(tail.length / per))), ...tail);
      i++;
      continue;
    }
    genArg(r, entry, a, out);
  }
}

/** XREAD/XREADGROUP's STREAMS block: as many IDs as keys (apart, nearly every one was unbalanced). */
function streams(r: Random, entry: string, a: ArgDoc, out: string[]): void {
  const [key, id] = a.arguments ?? [];
  if (a.token) out.push(tok(r, a.token));
  const n = r() < 0.7 ? 1 : 2 + Math.floor(r() * 2);
  for (let i = 0; i < n; i++) out.push(valueFor(r, entry, key!));
  for (let i = 0; i < n; i++) out.push(valueFor(r, entry, id!));
}

function tokensOf(doc: CommandDoc): string[] {
  const out: string[] = [];
  const walk = (xs: readonly ArgDoc[] | undefined) => {
    for (const a of xs ?? []) {
      if (a.token) out.push(a.token);
      walk(a.arguments);
    }
  };
  walk(doc.arguments);
  return out;
}

function mutate(r: Random, args: string[], doc: CommandDoc): void {
  const ops = 1 + Math.floor(r() * 2);
  for (let k = 0; k < ops; k++) {
    const x = r();
    const i = Math.floor(r() * Math.max(1, args.length));
    if (x < 0.2 && args.length > 0) args.splice(i, 1);
    else if (x < 0.35 && args.length > 0) args.splice(i, 0, args[i]!);
    else if (x < 0.5 && args.length > 1) {
      const j = Math.floor(r() * args.length);
      [args[i], args[j]] = [args[j]!, args[i]!];
    } else if (x < 0.65) {
      const tokens = tokensOf(doc);
      args.splice(i, 0, tokens.length ? tok(r, pick(r, tokens)) : anyValue(r));
    } else if (x < 0.85 && args.length > 0) args[i] = anyValue(r);
    else args.push(anyValue(r));
  }
}

function docArgs(r: Random, entry: string, doc: CommandDoc | undefined): string[] {
  const out: string[] = [];
  if (!doc) {
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) out.push(anyValue(r));
    return out;
  }
  genSeq(r, entry, doc.arguments ?? [], out);
  if (r() < 0.3) mutate(r, out, doc);
  return out;
}

/** The command words of a table entry: "client|list" -> ["CLIENT", "LIST"], random case. */
function words(r: Random, name: string): string[] {
  return name.split("|").map((w) => randomCase(r, w));
}

function plain(r: Random, name: string, docs: Docs): string[] {
  const [parent, sub] = name.split("|");
  const doc = sub ? docs[parent!]?.subcommands?.[name] : docs[name];
  return [...words(r, name), ...docArgs(r, name, doc)];
}

/**
 * The entry a step for `name` actually exercises: a container alone is rare, mostly one of its
 * subcommands (even one Shoal lacks), which then goes through `restricted` like any other entry
 * (a bare CLIENT REPLY SKIP drawn this way swallowed the liveness PING on both servers). An
 * EXCLUDED subcommand drawn here gives the container alone: CLIENT TRACKING got through this
 * way (seed 2278327194 batch 1558: TRACKING ON REDIRECT 3 is +OK where client 3 is the
 * fuzzer's own connection, an error where that id is free: ids are each server's own).
 */
function resolveEntry(r: Random, name: string, docs: Docs): string {
  const subs = !name.includes("|") && docs[name]?.subcommands;
  if (!subs || r() >= 0.8) return name;
  const sub = pick(r, Object.keys(subs));
  return sub in EXCLUDED ? name : sub;
}

// --- the restricted shapes ---------------------------------------------------------------

const DEBUG_SUBS: ((r: Random) => string[])[] = [
  (r) => ["OBJECT", anyKey(r)],
  (r) => [
    "PROTOCOL",
    r() < 0.9
      ? pick(r, [
          "string",
          "integer",
          "double",
          "bignum",
          "null",
          "array",
          "set",
          "map",
          "attrib",
          "push",
          "verbatim",
          "true",
          "false",
        ])
      : anyValue(r),
  ],
  (r) => ["ERROR", anyString(r)],
  (r) => ["LOG", anyString(r)],
  (r) => ["SLEEP", pick(r, ["0", "0.001", "abc", "-1"])],
  // Never on (1, 2): setup turns active expiry off, see SETUP's comment in fuzzer.ts.
  (r) => ["SET-ACTIVE-EXPIRE", pick(r, ["0", "abc", "-0"])],
  () => ["DIGEST"],
  (r) => ["DIGEST-VALUE", anyKey(r), ...(r() < 0.5 ? [anyKey(r)] : [])],
  () => ["RELOAD"],
  (r) => ["LISTPACK", anyKey(r)],
  (r) => ["QUICKLIST", anyKey(r)],
  (r) => ["QUICKLIST-PACKED-THRESHOLD", pick(r, [...INT_EDGES, "1K", "1gb", "100"])],
  () => ["CHANGE-REPL-ID"],
  () => ["HELP"],
];

function restricted(r: Random, name: string, docs: Docs): string[][] | undefined {
  switch (name) {
    case "blpop":
    case "brpop":
    case "bzpopmin":
    case "bzpopmax":
    case "brpoplpush":
    case "blmove": {
      const c = plain(r, name, docs);
      if (c.length > 1) c[c.length - 1] = pick(r, BLOCK_TIMEOUTS);
      return [c];
    }
    case "blmpop":
    case "bzmpop": {
      const c = plain(r, name, docs);
      if (c.length > 1) c[1] = pick(r, BLOCK_TIMEOUTS);
      return [c];
    }
    case "wait":
      return [[randomCase(r, "wait"), anyInt(r), pick(r, ["1", "5", "-1", "abc", ""])]];
    case "xread":
    case "xreadgroup": {
      const c = plain(r, name, docs);
      for (let i = 1; i + 1 < c.length; i++)
        if (c[i]!.toLowerCase() === "block") c[i + 1] = pick(r, ["1", "2", "-1", "abc"]);
      return [c];
    }
    case "xadd": {
      const c = plain(r, name, docs);
      for (let i = 2; i < c.length; i++)
        if (c[i] === "*") c[i] = pick(r, ["1-*", "1700000000000-*", "18446744073709551615-*"]);
        // "*\0..." is an auto ID too (Redis reads the ID as a C string); replaced without
        // drawing, so every seed's batches stay what they were.
        else if (c[i]!.startsWith("*\0")) c[i] = "1700000000000-*";
      return [c];
    }
    case "script|debug":
      return [[...words(r, name), pick(r, ["NO", "no", "x", "", "YES NO"])]];
    case "client|pause": {
      const c = [
        ...words(r, name),
        pick(r, ["0", "1", "2", "-1", "abc", "", "1.5", "-9223372036854775808"]),
      ];
      if (r() < 0.6) c.push(randomCase(r, pick(r, ["WRITE", "ALL", "read", "x"])));
      return [c, [...words(r, "client|unpause")]];
    }
    case "client|reply": {
      const mode = r() < 0.85 ? randomCase(r, pick(r, ["OFF", "SKIP", "ON"])) : anyValue(r);
      const inner: string[][] = [];
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++)
        inner.push(
          plain(
            r,
            pick(r, [
              "get",
              "set",
              "incr",
              "lpush",
              "ping",
              "echo",
              "sadd",
              "hget",
              "client|reply",
            ]),
            docs,
          ),
        );
      // A nested CLIENT REPLY inside must not leave replies off.
      for (const c of inner)
        if (c[0]?.toLowerCase() === "client") c.splice(0, c.length, "ECHO", "x");
      return [[...words(r, name), mode], ...inner, ["CLIENT", "REPLY", "ON"]];
    }
    case "client|kill": {
      const c = plain(r, name, docs);
      for (let i = 2; i < c.length; i++) {
        const w = c[i]!.toLowerCase();
        const v = c[i + 1];
        if (v === undefined) continue;
        if (w === "type" && /^normal$/i.test(v)) c[i + 1] = "pubsub";
        if (w === "user" && /^default$/i.test(v)) c[i + 1] = "nobody";
        if (w === "skipme" && /^no$/i.test(v)) c[i + 1] = "yes";
        if (w === "id" && /^\+?0*[1-9]\d{0,6}$/.test(v.trim())) c[i + 1] = "0";
        if (w === "type" && /^pubsub$/i.test(v)) c[i + 1] = "master";
      }
      return [c];
    }
    case "config|set": {
      const c = [...words(r, name)];
      const n = r() < 0.8 ? 1 : 2;
      for (let i = 0; i < n; i++) {
        const p = pick(r, Object.keys(SAFE_CONFIG));
        c.push(
          randomCase(r, p),
          r() < 0.3
            ? SAFE_CONFIG[p]!
            : pick(r, [
                ...INT_EDGES.slice(0, 12),
                "yes",
                "no",
                "",
                "abc",
                "1kb",
                "2mb",
                "-5",
                "Kxe",
                "$",
              ]),
        );
      }
      if (r() < 0.1) c.splice(2 + Math.floor(r() * (c.length - 2)), 1);
      return [c];
    }
    case "config|get": {
      const c = [...words(r, name)];
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++)
        c.push(
          r() < 0.8
            ? randomCase(r, pick(r, Object.keys(SAFE_CONFIG)))
            : pick(r, ["*max-*-entries*", "hash-*", "nosuch", "*"]),
        );
      return [c];
    }
    case "debug":
      return [
        [
          randomCase(r, "debug"),
          ...pick(r, DEBUG_SUBS)(r).map((w, i) => (i === 0 ? randomCase(r, w) : w)),
        ],
      ];
    case "replicaof":
    case "slaveof":
      return [
        [
          randomCase(r, name),
          ...(r() < 0.7
            ? [randomCase(r, "no"), randomCase(r, "one")]
            : [
                pick(r, ["127.0.0.1", "no", "localhost"]),
                pick(r, ["abc", "", "one", "1.5", "NO"]),
              ]),
        ],
      ];
    case "restore":
    case "restore-asking": {
      const c = plain(r, name, docs);
      if (c.length > 3 && DUMP_PAYLOADS.length > 0 && r() < 0.8) {
        let p = pick(r, DUMP_PAYLOADS);
        const x = r();
        if (x < 0.15) {
          const i = Math.floor(r() * p.length);
          p = p.slice(0, i) + String.fromCharCode(p.charCodeAt(i) ^ 0x20) + p.slice(i + 1);
        } else if (x < 0.25) p = p.slice(0, Math.floor(r() * p.length));
        c[3] = p;
      }
      return [c];
    }
    case "migrate": {
      const c = plain(r, name, docs);
      if (c.length > 3) {
        c[1] = "127.0.0.1";
        c[2] = pick(r, ["1", "abc", "-1", "99999999999999999999"]);
      }
      if (c.length > 5) c[5] = pick(r, ["10", "-1", "abc", "0"]);
      return [c];
    }
    case "acl|setuser":
    case "acl|deluser": {
      const c = [...words(r, name), pick(r, ["fuzzuser", "fuzz2", "", "a b"])];
      const n = Math.floor(r() * 4);
      for (let i = 0; i < n; i++)
        c.push(
          name === "acl|deluser" ? pick(r, ["fuzzuser", "fuzz2", "nobody"]) : pick(r, ACL_RULES),
        );
      return [c];
    }
    case "multi":
    case "exec":
    case "discard":
      if (name !== "multi" && r() < 0.3)
        return [[randomCase(r, name), ...(r() < 0.2 ? [anyValue(r)] : [])]];
      return transaction(r, docs);
    case "watch":
      if (r() < 0.5) return [plain(r, name, docs)];
      return transaction(r, docs);
    case "hello": {
      const c = [randomCase(r, "hello")];
      if (r() < 0.9)
        c.push(pick(r, ["2", "3", "1", "4", "0", "-1", "abc", "3.0", " 3", "9223372036854775808"]));
      if (r() < 0.3)
        c.push(
          randomCase(r, "auth"),
          pick(r, ["default", "fuzzuser", "x"]),
          pick(r, ["", "pass", "x"]),
        );
      if (r() < 0.3) c.push(randomCase(r, "setname"), pick(r, ["fz", "a b", "", "x\ny"]));
      if (r() < 0.1) mutate(r, c, {});
      return [c];
    }
    case "auth":
      return [
        [
          randomCase(r, "auth"),
          ...(r() < 0.5 ? [pick(r, ["default", "fuzzuser", "nobody"])] : []),
          pick(r, ["", "pass", "x", "default"]),
        ],
      ];
    default:
      return undefined;
  }
}

const ACL_RULES = [
  "on",
  "off",
  ">pass",
  "<pass",
  "nopass",
  "resetpass",
  "~*",
  "~k*",
  "%R~k*",
  "%W~*",
  "&*",
  "allchannels",
  "resetchannels",
  "+@all",
  "-@all",
  "+@string",
  "-@dangerous",
  "+get",
  "-set",
  "allkeys",
  "resetkeys",
  "reset",
  "allcommands",
  "nocommands",
  "+client|id",
  "-client",
  "(~k* +get)",
  "(",
  "clearselectors",
  "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
  "!abc",
  "+@nosuch",
  "+nosuch",
  "&",
  "~",
  "%",
  "%X~*",
  "sanitize-payload",
  "skip-sanitize-payload",
  "+select|0",
  "-@all +ping",
  "",
];

function transaction(r: Random, docs: Docs): string[][] {
  const out: string[][] = [];
  if (r() < 0.3) out.push([randomCase(r, "watch"), anyKey(r)]);
  out.push([randomCase(r, "multi")]);
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const name = pick(r, TX_BODY);
    out.push(...(restricted(r, name, docs) ?? [plain(r, name, docs)]));
  }
  out.push([randomCase(r, r() < 0.85 ? "exec" : "discard")]);
  return out;
}

const TX_BODY = [
  "set",
  "get",
  "incr",
  "lpush",
  "rpop",
  "sadd",
  "zadd",
  "hset",
  "del",
  "expire",
  "type",
  "blpop",
  "ping",
  "multi",
  "watch",
  "select",
  "lmove",
  "zunionstore",
  "getex",
  "incrbyfloat",
  "smove",
];

/**
 * A TTL of a few milliseconds (PSETEX k 1, SET ... PX 2, PEXPIRE, GETEX PX, RESTORE's ttl) ends
 * between two steps on one server and not yet on the other: which one sees it first is timing,
 * not semantics. Such TTLs become 200 ms (longer than a batch); 0, negative and invalid ones stay.
 */
function noShortMillisecondTtl(c: string[]): void {
  const short = (v: string | undefined) => v !== undefined && /^[1-9][0-9]?$|^1[0-9][0-9]$/.test(v);
  const name = c[0]?.toLowerCase();
  const ms2 = ["psetex", "pexpire", "restore", "restore-asking"];
  if (name !== undefined && ms2.includes(name) && short(c[2])) c[2] = "200";
  if (name === "set" || name === "getex")
    for (let i = 2; i < c.length - 1; i++)
      if (c[i]!.toLowerCase() === "px" && short(c[i + 1])) c[i + 1] = "200";
}

/** One step for the table entry `name`. */
export function genStep(r: Random, name: string, docs: Docs): Step {
  const entry = resolveEntry(r, name, docs);
  const cmds = restricted(r, entry, docs) ?? [plain(r, entry, docs)];
  // A huge negative count asks for that many random elements (repeats allowed): a reply of
  // millions of elements (HRANDFIELD hash -1000000 WITHVALUES: 2M bulks) takes both servers and
  // the fuzzer's reader past the step timeout. LONG_MIN itself is refused by both.
  const c0 = cmds[0]!;
  if (/^(srandmember|hrandfield|zrandmember)$/i.test(c0[0] ?? "") && c0[2] !== undefined) {
    const n = Number(c0[2]);
    if (n < -100_000 && c0[2] !== "-9223372036854775808") c0[2] = "-100000";
  }
  for (const c of cmds) noShortMillisecondTtl(c);
  // SPOP removes random members: delete the key on both sides so the keyspaces stay comparable.
  const first = cmds[0]!;
  if (first[0]?.toLowerCase() === "spop" && first[1] !== undefined) cmds.push(["DEL", first[1]]);
  return { name, cmds };
}

/** The table entries a run covers: Shoal's COMMAND LIST minus EXCLUDED. */
export function fuzzedEntries(shoalCommands: readonly string[]): string[] {
  return shoalCommands.filter((c) => !(c in EXCLUDED)).sort();
}

export { DOUBLE_EDGES, SEEDED_KEYS };

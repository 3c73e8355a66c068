// The directives shoal-server understands, with redis.conf's names, defaults and validation.
// Mirrors the standardConfig table of src/config.c (Redis 7.0): every directive has a type
// (bool, numeric, memory, enum, string, special), a default, bounds, and whether CONFIG SET may
// change it at run time. Error texts are Redis's, because scripts and tests match on them.
import { MAXMEMORY_POLICIES } from "@shoal/keyspace-store";
import { splitArgs } from "./split-args.js";

export type ConfigValue = string | number | boolean | string[] | SavePoint[] | OutputLimits;

export interface SavePoint {
  seconds: number;
  changes: number;
}

export interface OutputLimitClass {
  hard: number;
  soft: number;
  softSeconds: number;
}

export interface OutputLimits {
  normal: OutputLimitClass;
  replica: OutputLimitClass;
  pubsub: OutputLimitClass;
}

/** Thrown by a directive's parser; `message` is the Redis error text. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface Directive {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Config-file form of the default value. */
  readonly defaultText: readonly string[];
  /** CONFIG SET refuses these: "can't set immutable config". */
  readonly immutable?: boolean;
  /**
   * Redis's HIDDEN_CONFIG: answered by CONFIG GET under its exact name only, never matched by a
   * pattern (key-load-delay, rdb-key-save-delay: test-suite knobs).
   */
  readonly hiddenConfig?: boolean;
  /** CONFIG SET refuses these unless `enable-protected-configs` allows it (PROTECTED_CONFIG). */
  readonly protected?: boolean;
  /** Parses the arguments of one config line (or of CONFIG SET's value, split the same way). */
  parse(args: readonly string[], prev: ConfigValue | undefined): ConfigValue;
  /** The CONFIG GET form. */
  format(v: ConfigValue): string;
  /** The CONFIG REWRITE lines (arguments of each line, unquoted). */
  rewrite?(v: ConfigValue): string[][];
  /** Lines may repeat and accumulate (save, client-output-buffer-limit). */
  readonly multiLine?: boolean;
}

function one(args: readonly string[]): string {
  if (args.length !== 1) throw new ConfigError("wrong number of arguments");
  return args[0]!;
}

/** Redis's string2ll(): optional '-', digits, no leading zeros, no spaces, fits in int64. */
export function parseStrictInt(s: string): number | undefined {
  if (!/^(-?[1-9][0-9]*|0)$/.test(s) || s.length > 20) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

const ULLONG_MAX = 2n ** 64n - 1n;

/**
 * Redis 7.0's memtoull() read into a long long: digits, possibly none ("" and "kb" are 0), then
 * an optional k/kb/m/mb/g/gb/b unit (case-insensitive); a sign is refused. strtoull saturates
 * at ULLONG_MAX, the product wraps modulo 2^64, and above LLONG_MAX it reads negative (so the
 * caller's range check refuses it, as Redis's numericBoundaryCheck).
 */
export function parseMemory(s: string): number | undefined {
  const m = /^([0-9]*)(k|kb|m|mb|g|gb|b)?$/i.exec(s);
  if (!m || m[1]!.length >= 128) return undefined;
  const unit = (m[2] ?? "b").toLowerCase();
  const mul: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 ** 2,
    mb: 1024 ** 2,
    g: 1000 ** 3,
    gb: 1024 ** 3,
  };
  const digits = BigInt(m[1] || "0");
  const v = ((digits > ULLONG_MAX ? ULLONG_MAX : digits) * BigInt(mul[unit]!)) & ULLONG_MAX;
  return Number(v >= 2n ** 63n ? v - 2n ** 64n : v);
}

function boolDirective(name: string, def: boolean, extra: Partial<Directive> = {}): Directive {
  return {
    name,
    defaultText: [def ? "yes" : "no"],
    parse(args) {
      const v = one(args).toLowerCase();
      if (v === "yes") return true;
      if (v === "no") return false;
      throw new ConfigError("argument must be 'yes' or 'no'");
    },
    format: (v) => (v ? "yes" : "no"),
    ...extra,
  };
}

function intDirective(
  name: string,
  def: number,
  min: number,
  max: number,
  extra: Partial<Directive> = {},
): Directive {
  return {
    name,
    defaultText: [String(def)],
    parse(args) {
      const n = parseStrictInt(one(args));
      if (n === undefined) throw new ConfigError("argument couldn't be parsed into an integer");
      if (n < min || n > max)
        throw new ConfigError(`argument must be between ${min} and ${boundText(max)} inclusive`);
      return n;
    },
    format: (v) => String(v),
    ...extra,
  };
}

function memoryDirective(
  name: string,
  def: number,
  min: number,
  max: number,
  extra: Partial<Directive> = {},
): Directive {
  return {
    name,
    defaultText: [String(def)],
    parse(args) {
      const n = parseMemory(one(args));
      if (n === undefined) throw new ConfigError("argument must be a memory value");
      if (n < min || n > max)
        throw new ConfigError(`argument must be between ${min} and ${boundText(max)} inclusive`);
      return n;
    },
    format: (v) => String(v),
    ...extra,
  };
}

function enumDirective(
  name: string,
  def: string,
  values: readonly string[],
  extra: Partial<Directive> & { hidden?: readonly string[] } = {},
): Directive {
  const { hidden = [], ...rest } = extra;
  return {
    name,
    defaultText: [def],
    parse(args) {
      const v = one(args).toLowerCase();
      if (!values.includes(v) && !hidden.includes(v))
        throw new ConfigError(`argument(s) must be one of the following: ${values.join(", ")}`);
      return v;
    },
    format: (v) => String(v),
    ...rest,
  };
}

function stringDirective(
  name: string,
  def: string,
  extra: Partial<Directive> & { validate?: (s: string) => void } = {},
): Directive {
  const { validate, ...rest } = extra;
  return {
    name,
    defaultText: [def],
    parse(args) {
      const v = one(args);
      validate?.(v);
      return v;
    },
    format: (v) => String(v),
    ...rest,
  };
}

/** isValidAuxString() of cluster-announce-hostname: letters, digits, '-' and '.' only. */
function validateHostname(s: string): void {
  if (!/^[A-Za-z0-9.-]*$/.test(s))
    throw new ConfigError("Hostnames may only contain alphanumeric characters, hyphens or dots");
  if (s.length > 255) throw new ConfigError("Hostnames must be less than 256 characters");
}

const NOTIFY_CLASSES = "Ag$lshzxeKEtmd";

/** Parses notify-keyspace-events flags; mirrors keyspaceEventsStringToFlags() in src/notify.c. */
export function validateNotifyFlags(s: string): void {
  for (const c of s) {
    if (!NOTIFY_CLASSES.includes(c) && c !== "n")
      throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  }
}

/**
 * keyspaceEventsFlagsToString() of the parsed flags: Redis stores a bit set and reports it in
 * one order ("KEA" reads "AKE"); under "A" the 'n' class is not written out, as in Redis 7.0
 * (it stays enabled).
 */
function canonicalNotifyFlags(s: string): string {
  const has = new Set<string>();
  for (const c of s) {
    if (c === "A") for (const a of "g$lshzxetd") has.add(a);
    else has.add(c);
  }
  let out = "";
  if ([..."g$lshzxetd"].every((c) => has.has(c))) out = "A";
  else for (const c of "g$lshzxetdn") if (has.has(c)) out += c;
  for (const c of "KEm") if (has.has(c)) out += c;
  return out;
}

function parseSave(args: readonly string[], prev: ConfigValue | undefined): SavePoint[] {
  // `save ""` resets the list; otherwise pairs of seconds/changes accumulate over lines.
  if (args.length === 1 && args[0] === "") return [];
  if (args.length === 0 || args.length % 2 !== 0) throw new ConfigError("Invalid save parameters");
  const out: SavePoint[] = Array.isArray(prev) ? [...(prev as SavePoint[])] : [];
  for (let i = 0; i < args.length; i += 2) {
    const seconds = parseStrictInt(args[i]!);
    const changes = parseStrictInt(args[i + 1]!);
    if (seconds === undefined || changes === undefined || seconds < 1 || changes < 0)
      throw new ConfigError("Invalid save parameters");
    out.push({ seconds, changes });
  }
  return out;
}

const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  normal: { hard: 0, soft: 0, softSeconds: 0 },
  replica: { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 },
  pubsub: { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 },
};

function parseOutputLimits(args: readonly string[], prev: ConfigValue | undefined): OutputLimits {
  if (args.length === 0 || args.length % 4 !== 0)
    throw new ConfigError("Wrong number of arguments in buffer limit configuration.");
  const base = (prev as OutputLimits | undefined) ?? DEFAULT_OUTPUT_LIMITS;
  const out: OutputLimits = {
    normal: { ...base.normal },
    replica: { ...base.replica },
    pubsub: { ...base.pubsub },
  };
  for (let i = 0; i < args.length; i += 4) {
    const cls = args[i]!.toLowerCase();
    const key =
      cls === "normal"
        ? "normal"
        : cls === "slave" || cls === "replica"
          ? "replica"
          : cls === "pubsub"
            ? "pubsub"
            : undefined;
    if (key === undefined)
      throw new ConfigError("Invalid client class specified in buffer limit configuration.");
    const hard = parseMemory(args[i + 1]!);
    const soft = parseMemory(args[i + 2]!);
    const secs = parseStrictInt(args[i + 3]!);
    if (
      hard === undefined ||
      soft === undefined ||
      secs === undefined ||
      hard < 0 ||
      soft < 0 ||
      secs < 0
    )
      throw new ConfigError(
        "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
      );
    out[key] = { hard, soft, softSeconds: secs };
  }
  return out;
}

function formatOutputLimits(v: ConfigValue): string {
  const o = v as OutputLimits;
  const c = (name: string, l: OutputLimitClass) => `${name} ${l.hard} ${l.soft} ${l.softSeconds}`;
  return `${c("normal", o.normal)} ${c("slave", o.replica)} ${c("pubsub", o.pubsub)}`;
}

/** shutdown-on-sigterm / shutdown-on-sigint: flags default|save|nosave|now|force (multi-arg). */
function shutdownOnSignal(name: string): Directive {
  const allowed = ["default", "save", "nosave", "now", "force"];
  return {
    name,
    defaultText: ["default"],
    parse(args) {
      const words = args.length === 1 ? args[0]!.split(/\s+/).filter(Boolean) : [...args];
      if (words.length === 0) throw new ConfigError("wrong number of arguments");
      const flags = words.map((w) => w.toLowerCase());
      for (const f of flags)
        if (!allowed.includes(f))
          throw new ConfigError(`argument(s) must be one of the following: ${allowed.join(", ")}`);
      if (flags.includes("save") && flags.includes("nosave"))
        throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously");
      // Reported in the flags' own order, as Redis's enum bit names (`now save` reads `save now`).
      return allowed.filter((f) => f !== "default" && flags.includes(f)).join(" ") || "default";
    },
    format: (v) => String(v),
  };
}

const MAX_INT = 2147483647;

/** Redis prints LONG_MAX for 64-bit bounds; JS numbers stop at 2^53, used as the real bound. */
function boundText(n: number): string {
  return n === Number.MAX_SAFE_INTEGER ? "9223372036854775807" : String(n);
}
const MAX_LL = Number.MAX_SAFE_INTEGER;

/** Every directive shoal-server accepts. Anything else is a fatal config error. */
export const DIRECTIVES: readonly Directive[] = [
  intDirective("port", 6379, 0, 65535),
  {
    name: "bind",
    defaultText: ["*", "-::*"],
    parse(args) {
      if (args.length === 0) throw new ConfigError("wrong number of arguments");
      if (args.length > 16) throw new ConfigError("Too many bind addresses specified.");
      // `bind ""` (empty) means: listen nowhere, as Redis allows.
      if (args.length === 1 && args[0] === "") return [];
      return [...args];
    },
    format: (v) => (v as string[]).join(" "),
    rewrite: (v) => [v as string[]],
  },
  // Source address of this node's outbound connections to other nodes (cluster bus, the
  // replica's link to its master, MIGRATE); "" lets the kernel choose. Redis 7.0 name and default.
  stringDirective("bind-source-addr", ""),
  boolDirective("protected-mode", true),
  // Redis 7's protected actions: DEBUG, MODULE (which Shoal doesn't have) and CONFIG SET of the
  // protected configs (dir, dbfilename) are refused unless allowed, `local` from loopback only.
  enumDirective("enable-debug-command", "no", ["no", "yes", "local"], { immutable: true }),
  enumDirective("enable-module-command", "no", ["no", "yes", "local"], { immutable: true }),
  enumDirective("enable-protected-configs", "no", ["no", "yes", "local"], { immutable: true }),
  {
    name: "dir",
    protected: true,
    defaultText: [""],
    parse(args) {
      return one(args);
    },
    format: (v) => String(v),
  },
  {
    name: "daemonize",
    defaultText: ["no"],
    immutable: true,
    parse(args) {
      const v = one(args).toLowerCase();
      if (v === "no") return false;
      if (v === "yes")
        throw new ConfigError(
          "shoal-server does not daemonize; run it under a process supervisor (systemd, a container, shoal-cluster) and keep 'daemonize no'",
        );
      throw new ConfigError("argument must be 'yes' or 'no'");
    },
    format: (v) => (v ? "yes" : "no"),
  },
  stringDirective("pidfile", "", { immutable: true }),
  stringDirective("logfile", "", { immutable: true }),
  // 7.0.15 lists four levels in its error; "nothing" (7.2) is accepted too.
  enumDirective("loglevel", "notice", ["debug", "verbose", "notice", "warning"], {
    hidden: ["nothing"],
  }),
  intDirective("databases", 16, 1, MAX_INT, { immutable: true }),
  stringDirective("requirepass", ""),
  intDirective("maxclients", 10000, 1, 4294967295),
  intDirective("timeout", 0, 0, MAX_INT),
  intDirective("tcp-keepalive", 300, 0, MAX_INT),
  memoryDirective("proto-max-bulk-len", 512 * 1024 * 1024, 1024 * 1024, MAX_LL),
  memoryDirective("client-query-buffer-limit", 1024 * 1024 * 1024, 1024 * 1024, MAX_LL),
  {
    name: "client-output-buffer-limit",
    defaultText: [
      "normal",
      "0",
      "0",
      "0",
      "slave",
      "268435456",
      "67108864",
      "60",
      "pubsub",
      "33554432",
      "8388608",
      "60",
    ],
    multiLine: true,
    parse: parseOutputLimits,
    format: formatOutputLimits,
    rewrite(v) {
      const o = v as OutputLimits;
      const l = (n: string, c: OutputLimitClass) => [
        n,
        String(c.hard),
        String(c.soft),
        String(c.softSeconds),
      ];
      return [l("normal", o.normal), l("replica", o.replica), l("pubsub", o.pubsub)];
    },
  },
  boolDirective("appendonly", false),
  stringDirective("appendfilename", "appendonly.aof", {
    immutable: true,
    validate(s) {
      if (s.includes("/") || s === "." || s === "..")
        throw new ConfigError("appendfilename can't be a path, just a filename");
    },
  }),
  stringDirective("appenddirname", "appendonlydir", {
    immutable: true,
    validate(s) {
      if (s.includes("/") || s === "." || s === "..")
        throw new ConfigError("appenddirname can't be a path, just a dirname");
    },
  }),
  enumDirective("appendfsync", "everysec", ["everysec", "always", "no"]),
  stringDirective("dbfilename", "dump.rdb", {
    protected: true,
    validate(s) {
      if (s.includes("/")) throw new ConfigError("dbfilename can't be a path, just a filename");
    },
  }),
  {
    name: "save",
    defaultText: ["3600", "1", "300", "100", "60", "10000"],
    multiLine: true,
    parse: parseSave,
    format: (v) => (v as SavePoint[]).map((p) => `${p.seconds} ${p.changes}`).join(" "),
    rewrite(v) {
      const pts = v as SavePoint[];
      return pts.length === 0 ? [[""]] : pts.map((p) => [String(p.seconds), String(p.changes)]);
    },
  },
  boolDirective("cluster-enabled", false, { immutable: true }),
  stringDirective("cluster-config-file", "nodes.conf", { immutable: true }),
  intDirective("cluster-node-timeout", 15000, 0, MAX_LL),
  intDirective("cluster-port", 0, 0, 65535, { immutable: true }),
  stringDirective("cluster-announce-ip", ""),
  intDirective("cluster-announce-port", 0, 0, 65535),
  intDirective("cluster-announce-bus-port", 0, 0, 65535),
  intDirective("cluster-announce-tls-port", 0, 0, 65535),
  stringDirective("cluster-announce-hostname", "", { validate: validateHostname }),
  enumDirective("cluster-preferred-endpoint-type", "ip", ["ip", "hostname", "unknown-endpoint"]),
  boolDirective("cluster-require-full-coverage", true),
  boolDirective("cluster-allow-reads-when-down", false),
  boolDirective("cluster-allow-pubsubshard-when-down", true),
  boolDirective("cluster-allow-replica-migration", true),
  boolDirective("cluster-replica-no-failover", false, { aliases: ["cluster-slave-no-failover"] }),
  intDirective("cluster-replica-validity-factor", 10, 0, MAX_INT, {
    aliases: ["cluster-slave-validity-factor"],
  }),
  intDirective("cluster-migration-barrier", 1, 0, MAX_INT),
  memoryDirective("cluster-link-sendbuf-limit", 0, 0, MAX_LL),
  {
    ...stringDirective("notify-keyspace-events", ""),
    parse(args) {
      const v = one(args);
      validateNotifyFlags(v);
      return v;
    },
    // Stored as given (the flags the notifier reads), reported as Redis reports its bit set.
    format: (v) => canonicalNotifyFlags(String(v)),
  },
  // updateHZ(): read as an int, then held to CONFIG_MIN_HZ..CONFIG_MAX_HZ (CONFIG GET shows it so).
  {
    ...intDirective("hz", 10, 0, MAX_INT),
    parse(args, prev) {
      const n = intDirective("hz", 10, 0, MAX_INT).parse(args, prev) as number;
      return Math.max(1, Math.min(500, n));
    },
  },
  intDirective("shutdown-timeout", 10, 0, MAX_INT),
  shutdownOnSignal("shutdown-on-sigterm"),
  shutdownOnSignal("shutdown-on-sigint"),
  intDirective("slowlog-log-slower-than", 10000, -1, MAX_LL),
  intDirective("slowlog-max-len", 128, 0, MAX_LL),
  // Encoding thresholds: the store reports OBJECT ENCODING by them (redis.conf's defaults).
  intDirective("hash-max-listpack-entries", 512, 0, MAX_LL, {
    aliases: ["hash-max-ziplist-entries"],
  }),
  memoryDirective("hash-max-listpack-value", 64, 0, MAX_LL, {
    aliases: ["hash-max-ziplist-value"],
  }),
  intDirective("set-max-intset-entries", 512, 0, MAX_LL),
  intDirective("zset-max-listpack-entries", 128, 0, MAX_LL, {
    aliases: ["zset-max-ziplist-entries"],
  }),
  memoryDirective("zset-max-listpack-value", 64, 0, MAX_LL, {
    aliases: ["zset-max-ziplist-value"],
  }),
  // Replication (src/replication/): the master to follow, credentials, the backlog, WAIT and
  // min-replicas, replica behaviour, and the failover rank (replica-priority).
  {
    name: "replicaof",
    aliases: ["slaveof"],
    defaultText: [""],
    immutable: true,
    parse(args) {
      if (args.length === 1 && args[0] === "") return "";
      if (args.length !== 2) throw new ConfigError("wrong number of arguments");
      if (args[0]!.toLowerCase() === "no" && args[1]!.toLowerCase() === "one") return "";
      const port = parseStrictInt(args[1]!);
      if (port === undefined || port < 0 || port > 65535)
        throw new ConfigError("Invalid master port");
      return `${args[0]} ${port}`;
    },
    format: (v) => String(v),
    rewrite: (v) => (v === "" ? [] : [String(v).split(" ")]),
  },
  stringDirective("masterauth", ""),
  stringDirective("masteruser", ""),
  memoryDirective("repl-backlog-size", 1024 * 1024, 1, MAX_LL),
  intDirective("repl-backlog-ttl", 3600, 0, MAX_INT),
  intDirective("repl-timeout", 60, 1, MAX_INT),
  intDirective("repl-ping-replica-period", 10, 1, MAX_INT, { aliases: ["repl-ping-slave-period"] }),
  intDirective("min-replicas-to-write", 0, 0, MAX_INT, { aliases: ["min-slaves-to-write"] }),
  intDirective("min-replicas-max-lag", 10, 0, MAX_INT, { aliases: ["min-slaves-max-lag"] }),
  boolDirective("replica-read-only", true, { aliases: ["slave-read-only"] }),
  boolDirective("replica-serve-stale-data", true, { aliases: ["slave-serve-stale-data"] }),
  intDirective("replica-priority", 100, 0, MAX_INT, { aliases: ["slave-priority"] }),
  stringDirective("replica-announce-ip", "", { aliases: ["slave-announce-ip"] }),
  intDirective("replica-announce-port", 0, 0, 65535, { aliases: ["slave-announce-port"] }),
  // Full sync: by disk or diskless (with Redis's delay and max-replicas); the replica loads what
  // it receives from a temp file whatever repl-diskless-load says.
  boolDirective("repl-diskless-sync", true),
  intDirective("repl-diskless-sync-delay", 5, 0, MAX_INT),
  intDirective("repl-diskless-sync-max-replicas", 0, 0, MAX_INT),
  enumDirective("repl-diskless-load", "disabled", ["disabled", "on-empty-db", "swapdb"]),
  boolDirective("repl-disable-tcp-nodelay", false),
  boolDirective("always-show-logo", false, { immutable: true }),
  // The limit eviction keeps used memory under (memory/evict.ts).
  memoryDirective("maxmemory", 0, 0, MAX_LL),
  // Plain booleans and numbers with Redis 7.0.15's names, defaults and bounds, declared by
  // table. Some take effect where they are read (rdbchecksum, rdbcompression,
  // aof-use-rdb-preamble, busy-reply-threshold, the list/HLL/stream encoding limits...); the
  // rest are accepted and reported only (defragmenter, io-threads, syslog, latency
  // monitor): the server README's Configuration section lists which.
  ...tableDirectives(),
  // HIDDEN_CONFIG in Redis: exact name only.
  intDirective("key-load-delay", 0, -MAX_INT - 1, MAX_INT, { hiddenConfig: true }),
  intDirective("rdb-key-save-delay", 0, -MAX_INT - 1, MAX_INT, { hiddenConfig: true }),
  intDirective("loading-process-events-interval-bytes", 2097152, 1024, MAX_INT, {
    hiddenConfig: true,
  }),
  intDirective("watchdog-period", 0, 0, MAX_INT, { hiddenConfig: true }),
];

/** A memory value or, with PERCENT_CONFIG, "N%" of maxmemory (0..100); CONFIG GET shows "N%". */
function percentMemoryDirective(name: string, def: number): Directive {
  return {
    name,
    defaultText: [String(def)],
    parse(args) {
      const s = one(args);
      if (s.endsWith("%")) {
        const pct = parseStrictInt(s.slice(0, -1));
        if (pct === undefined || pct < 0)
          throw new ConfigError("argument must be a memory or percent value");
        if (pct > 100) throw new ConfigError("percentage argument must be less or equal to 100");
        // 0% is no limit, as 0 bytes: Redis stores both as 0.
        return pct === 0 ? 0 : `${pct}%`;
      }
      const n = parseMemory(s);
      if (n === undefined) throw new ConfigError("argument must be a memory or percent value");
      if (n < 0)
        throw new ConfigError(`argument must be between 0 and ${boundText(MAX_LL)} inclusive`);
      return n;
    },
    format: (v) => String(v),
  };
}

/** A config-file line's words, or CONFIG SET's one value split at spaces (sdssplitlen). */
function words(args: readonly string[]): string[] {
  return args.length === 1 ? args[0]!.split(" ").filter((w) => w !== "") : [...args];
}

/** oom-score-adj-values: three integers in -2000..2000 (replica, master, background child). */
function oomScoreAdjValues(): Directive {
  const range = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
  return {
    name: "oom-score-adj-values",
    defaultText: ["0", "200", "800"],
    parse(args) {
      const w = words(args);
      if (w.length !== 3) throw new ConfigError("wrong number of arguments");
      return w
        .map((x) => {
          if (!/^\s*[+-]?[0-9]+$/.test(x)) throw new ConfigError(range);
          const n = Number(x);
          if (n < -2000 || n > 2000) throw new ConfigError(range);
          return String(n);
        })
        .join(" ");
    },
    format: (v) => String(v),
  };
}

/** latency-tracking-info-percentiles: any number of doubles in 0..100, possibly none. */
function latencyPercentiles(): Directive {
  return {
    name: "latency-tracking-info-percentiles",
    defaultText: ["50", "99", "99.9"],
    parse(args) {
      const w = args.length === 1 && args[0] === "" ? [] : words(args);
      return w
        .map((x) => {
          const n = Number(x);
          if (x.trim() === "" || Number.isNaN(n))
            throw new ConfigError("Invalid latency-tracking-info-percentiles parameters");
          if (n < 0 || n > 100)
            throw new ConfigError(
              "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
            );
          return String(n);
        })
        .join(" ");
    },
    format: (v) => String(v),
  };
}

/**
 * A directive Shoal lacks whose non-default value can't be ignored without losing security: an
 * ACL file that would lock the default user out, TLS links that would run in clear text. Read as
 * Redis reads it first, so a malformed value still gets Redis's error.
 */
function onlyDefault(d: Directive, why: string): Directive {
  const def = d.parse(d.defaultText, undefined);
  return {
    ...d,
    parse(args, prev) {
      const v = d.parse(args, prev);
      if (v !== def) throw new ConfigError(`${d.name} is not supported by Shoal: ${why}`);
      return v;
    },
  };
}

function tableDirectives(): Directive[] {
  const immutable = { immutable: true };
  const bools: [string, boolean, Partial<Directive>?][] = [
    ["activedefrag", false],
    ["activerehashing", true],
    ["aof-disable-auto-gc", false],
    ["aof-load-truncated", true],
    ["aof-rewrite-incremental-fsync", true],
    ["aof-timestamp-enabled", false],
    ["aof-use-rdb-preamble", true],
    ["crash-log-enabled", true],
    ["crash-memcheck-enabled", true],
    ["disable-thp", true, immutable],
    ["dynamic-hz", true],
    ["io-threads-do-reads", false, immutable],
    ["jemalloc-bg-thread", true],
    ["latency-tracking", true],
    ["lazyfree-lazy-eviction", false],
    ["lazyfree-lazy-expire", false],
    ["lazyfree-lazy-server-del", false],
    ["lazyfree-lazy-user-del", false],
    ["lazyfree-lazy-user-flush", false],
    ["no-appendfsync-on-rewrite", false],
    ["rdb-del-sync-files", false],
    ["rdb-save-incremental-fsync", true],
    ["rdbchecksum", true, immutable],
    ["rdbcompression", true],
    ["replica-announced", true],
    ["replica-ignore-disk-write-errors", false],
    ["replica-ignore-maxmemory", true, { aliases: ["slave-ignore-maxmemory"] }],
    ["replica-lazy-flush", false, { aliases: ["slave-lazy-flush"] }],
    ["set-proc-title", true, immutable],
    ["stop-writes-on-bgsave-error", true],
    ["syslog-enabled", false, immutable],
    ["tls-prefer-server-ciphers", false],
    ["tls-session-caching", true],
  ];
  const ints: [string, number, number, number, Partial<Directive>?][] = [
    ["acllog-max-len", 128, 0, MAX_LL],
    ["active-defrag-cycle-max", 25, 1, 99],
    ["active-defrag-cycle-min", 1, 1, 99],
    ["active-defrag-max-scan-fields", 1000, 1, MAX_LL],
    ["active-defrag-threshold-lower", 10, 0, 1000],
    ["active-defrag-threshold-upper", 100, 0, 1000],
    ["active-expire-effort", 1, 1, 10],
    ["auto-aof-rewrite-percentage", 100, 0, MAX_INT],
    ["busy-reply-threshold", 5000, 0, MAX_LL, { aliases: ["lua-time-limit"] }],
    ["io-threads", 1, 1, 128, immutable],
    ["latency-monitor-threshold", 0, 0, MAX_LL],
    ["lfu-decay-time", 1, 0, MAX_INT],
    ["lfu-log-factor", 10, 0, MAX_INT],
    ["list-compress-depth", 0, 0, MAX_INT],
    ["list-max-listpack-size", -2, -MAX_INT - 1, MAX_INT, { aliases: ["list-max-ziplist-size"] }],
    ["maxmemory-eviction-tenacity", 10, 0, 100],
    ["maxmemory-samples", 5, 1, MAX_INT],
    ["socket-mark-id", 0, 0, 4294967295, immutable],
    ["stream-node-max-entries", 100, 0, MAX_LL],
    ["tcp-backlog", 511, 0, MAX_INT, immutable],
    ["tls-session-cache-size", 20480, 0, MAX_INT],
    ["tls-session-cache-timeout", 300, 0, MAX_INT],
    ["tracking-table-max-keys", 1000000, 0, MAX_LL],
  ];
  const memories: [string, number][] = [
    ["active-defrag-ignore-bytes", 100 * 1024 * 1024],
    ["auto-aof-rewrite-min-size", 64 * 1024 * 1024],
    ["hll-sparse-max-bytes", 3000],
    ["stream-node-max-bytes", 4096],
  ];
  const enums: [string, string, string[], Partial<Directive>?][] = [
    ["acl-pubsub-default", "resetchannels", ["allchannels", "resetchannels"]],
    ["maxmemory-policy", "noeviction", [...MAXMEMORY_POLICIES]],
    ["oom-score-adj", "no", ["no", "yes", "relative", "absolute"]],
    ["propagation-error-behavior", "ignore", ["ignore", "panic", "panic-on-replicas"]],
    ["sanitize-dump-payload", "no", ["no", "yes", "clients"]],
    ["supervised", "no", ["upstart", "systemd", "auto", "no"], immutable],
    [
      "syslog-facility",
      "local0",
      ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"],
      immutable,
    ],
    ["tls-auth-clients", "yes", ["no", "yes", "optional"]],
  ];
  const strings: [string, string, Partial<Directive>?][] = [
    ["aof_rewrite_cpulist", "", immutable],
    ["bgsave_cpulist", "", immutable],
    ["bio_cpulist", "", immutable],
    ["server_cpulist", "", immutable],
    ["ignore-warnings", ""],
    ["proc-title-template", "{title} {listen-addr} {server-mode}"],
    ["syslog-ident", "redis", immutable],
    ["tls-ca-cert-dir", ""],
    ["tls-ca-cert-file", ""],
    ["tls-cert-file", ""],
    ["tls-ciphers", ""],
    ["tls-ciphersuites", ""],
    ["tls-client-cert-file", ""],
    ["tls-client-key-file", ""],
    ["tls-client-key-file-pass", ""],
    ["tls-dh-params-file", ""],
    ["tls-key-file", ""],
    ["tls-key-file-pass", ""],
    ["tls-protocols", ""],
    ["unixsocket", "", immutable],
    ["unixsocketperm", "0", immutable],
  ];
  const noTls = "it has no TLS; only the default is accepted";
  const refused: Directive[] = [
    onlyDefault(
      stringDirective("aclfile", "", immutable),
      "it has no ACL users beyond 'default'; remove the line",
    ),
    onlyDefault(intDirective("tls-port", 0, 0, 65535), noTls),
    onlyDefault(boolDirective("tls-cluster", false), noTls),
    onlyDefault(boolDirective("tls-replication", false), noTls),
  ];
  return [
    ...refused,
    percentMemoryDirective("maxmemory-clients", 0),
    oomScoreAdjValues(),
    latencyPercentiles(),
    ...bools.map(([n, d, x]) => boolDirective(n, d, x)),
    ...ints.map(([n, d, lo, hi, x]) => intDirective(n, d, lo, hi, x)),
    ...memories.map(([n, d]) => memoryDirective(n, d, 0, MAX_LL)),
    ...enums.map(([n, d, v, x]) => enumDirective(n, d, v, x)),
    ...strings.map(([n, d, x]) => stringDirective(n, d, x)),
  ];
}

const byName = new Map<string, Directive>();
for (const d of DIRECTIVES) {
  byName.set(d.name, d);
  for (const a of d.aliases ?? []) byName.set(a, d);
}

/**
 * Every name CONFIG GET patterns are matched against: each directive's, then its aliases (Redis
 * lists an alias under its own name too), hidden directives left out.
 */
export const DIRECTIVE_NAMES: readonly (readonly [string, Directive])[] = [...byName].filter(
  ([, d]) => !d.hiddenConfig,
);

export function findDirective(name: string): Directive | undefined {
  return byName.get(name.toLowerCase());
}

/** Parses a directive's default text (used to build the initial config). */
export function defaultValue(d: Directive): ConfigValue {
  return d.parse(d.defaultText, undefined);
}

/** Splits a CONFIG SET value the way Redis does for multi-argument directives. */
export function splitSetValue(d: Directive, value: string): string[] {
  if (d.name === "save" || d.name === "bind" || d.name === "client-output-buffer-limit") {
    if (value === "") return [""];
    return splitArgs(value) ?? [value];
  }
  return [value];
}

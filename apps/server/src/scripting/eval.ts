// EVAL and the script cache (Redis 7.0's eval.c and script.c): scripts compiled once into the
// Lua engine under f_<sha1>, run with KEYS/ARGV, their redis.call()s executed as a fake client's
// commands through dispatch's call(), with the checks scriptCall() makes first.
//
// How one EVAL runs:
//  1. numkeys checked, the script found by SHA (EVALSHA) or compiled (EVAL; a shebang's flags
//     read first); scriptPrepareForRun's refusals (no-cluster, *_RO with a writing script).
//  2. The run context is set: the caller, the script client on the caller's db in RESP2, the
//     start time for the busy-script hook, the slot the declared keys hash to (cluster mode).
//  3. The writes the script makes are propagated wrapped in MULTI/EXEC, through the path EXEC
//     uses (beginExecPropagation/endExecPropagation), unless the caller is inside EXEC already.
//  4. Each redis.call: lookup, arity, noscript, read-only scripts, a replica's read-only
//     writes, the cluster checks (local keys, one slot unless allowed), then call() on the
//     script client; its reply bytes go back to Lua.
//  5. The Lua value returned (or the error) comes back as RESP in the caller's protocol and is
//     written to the caller.
import { createHash } from "node:crypto";
import type { CommandArgs } from "@shoal/resp-codec";
import { keySlotRange } from "@shoal/slot-hash";
import { keyPositions } from "../cluster/routing.js";
import type { CommandEntry } from "../commands/command-types.js";
import { call, type DispatchHost } from "../dispatch.js";
import { scriptOomError } from "../memory/evict.js";
import { Client } from "../networking/client-connection.js";
import type { NodeServices, ScriptingMemory } from "../node-services.js";
import { ERR_MASTERDOWN } from "../replication/replication.js";
import { serveClientsWhileBusy } from "./busy.js";
import { FunctionLibraries } from "./functions.js";
import { LuaEngine, type LuaHost, type LuaRunResult, type PendingReply } from "./lua-engine.js";
import { withScriptFlags } from "./script-command-flags.js";
import { parseShebang, ScriptFlag } from "./shebang.js";

/** What scripting takes from the node. */
export type ScriptingHost = DispatchHost &
  Pick<
    NodeServices,
    | "log"
    | "beginExecPropagation"
    | "endExecPropagation"
    | "inExec"
    | "setPropagationTargets"
    | "clients"
    | "processInputBuffer"
    | "acceptWhileBusy"
    | "stopAcceptingWhileBusy"
  >;

export const NOSCRIPT_ERR = "NOSCRIPT No matching script. Please use EVAL.";
export const BUSY_ERR =
  "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
export const BUSY_FUNCTION_ERR =
  "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
/** FUNCTION LOAD's time limit for running a library's code (LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

interface CachedScript {
  body: Buffer;
  flags: number;
  sha: string;
  /** f_<sha>, its registry name: one string, so the engine's lookups reuse its hash. */
  fname: string;
  /** The engine's reference to the compiled function. */
  ref: number;
}

/** One script run (Redis's scriptRunCtx). */
interface RunContext {
  caller: Client;
  /** EVAL (SCRIPT KILL) rather than FCALL (FUNCTION KILL). */
  evalMode: boolean;
  /** The script's SHA or the function's name (run_ctx->funcname). */
  name: string;
  flags: number;
  readOnly: boolean;
  /** `allow-oom`: its commands run even when it started out of memory (SCRIPT_ALLOW_OOM). */
  allowOom: boolean;
  allowCrossSlot: boolean;
  /** A write ran: the script can no longer be refused a write or killed (UNKILLABLE). */
  writeDirty: boolean;
  /** The slot the script's keys hash to so far (-1: none yet). */
  slot: number;
  startMs: number;
  timedOut: boolean;
  killed: boolean;
  /** redis.set_repl: 1 AOF, 2 replicas. */
  replFlags: number;
  /** The caller's command (FUNCTION STATS). */
  callerArgv: Buffer[];
}

export class Scripting {
  private lua: LuaEngine | null = null;
  private fnLua: LuaEngine | null = null;
  readonly libraries = new FunctionLibraries(() => this.functionsEngine());
  /** performance.now() when FUNCTION LOAD started running a library's code (-1: not loading). */
  private loadingSince = -1;
  private readonly scripts = new Map<string, CachedScript>();
  private scriptsBytes = 0;
  /** Cached scripts with a shebang: while there are none, EVALSHA's flags are EVAL's. */
  private shebangScripts = 0;
  /** The script running now (Redis's curr_run_ctx), null between scripts. */
  running: RunContext | null = null;
  private scriptClient: Client;
  private readonly recentCommands = new RecentCommands();
  private readonly recentScripts = new RecentScripts();

  constructor(private readonly server: ScriptingHost) {
    this.scriptClient = makeScriptClient();
  }

  private luaHost(): LuaHost {
    return {
      call: (args, resp) => this.redisCall(args, resp),
      interrupt: () => this.interrupt(),
      log: (level, msg) => this.log(level, msg),
      setRepl: (flags) => {
        if (this.running) this.running.replFlags = flags;
      },
      registerFunction: (name, desc, flags, ref) =>
        this.libraries.registerFunction(name, desc, flags, ref),
    };
  }

  private engine(): LuaEngine {
    this.lua ??= new LuaEngine(this.luaHost());
    return this.lua;
  }

  private functionsEngine(): LuaEngine {
    this.fnLua ??= new LuaEngine(this.luaHost(), "functions");
    return this.fnLua;
  }

  /** FUNCTION LOAD: the library's name, or the error text (without "ERR "). */
  loadLibrary(code: Buffer, replace: boolean): { name: string } | { error: string } {
    this.loadingSince = performance.now();
    try {
      return this.libraries.load(code, replace);
    } finally {
      this.loadingSince = -1;
    }
  }

  /** A script is running (the busy path serves other clients meanwhile). */
  get inScript(): boolean {
    return this.running !== null;
  }

  /** The libraries' code, for a snapshot's FUNCTION2 records (rdbSaveFunctions). */
  functionCodes(): Buffer[] {
    return [...this.libraries.libraries.values()].map((l) => l.code);
  }

  /**
   * A loaded snapshot's libraries replace the current ones (a replica's full sync, DEBUG
   * RELOAD, start-up): the error of the first that fails to load, or null.
   */
  loadFunctions(codes: readonly Buffer[]): string | null {
    this.libraries.flush();
    for (const code of codes) {
      const r = this.loadLibrary(code, true);
      if ("error" in r) return r.error;
    }
    return null;
  }

  /** INFO memory's scripting fields (Redis's evalMemory, functionsMemory and friends). */
  memoryInfo(): ScriptingMemory {
    let functionsBytes = 0;
    for (const lib of this.libraries.libraries.values()) {
      functionsBytes += lib.code.length + lib.name.length;
      for (const f of lib.functions.values()) functionsBytes += f.name.length + 64;
    }
    return {
      vmEval: this.lua?.memory() ?? 0,
      scriptsEval: this.scriptsBytes,
      cachedScripts: this.scripts.size,
      functions: this.libraries.functions.size,
      libraries: this.libraries.libraries.size,
      vmFunctions: this.fnLua?.memory() ?? 0,
      functionsBytes,
    };
  }

  // ---- The cache ------------------------------------------------------------------------------

  /** luaCreateFunction: the SHA, or writes the error to the client and returns null. */
  createFunction(client: Client | null, body: Buffer): string | null {
    const sha = createHash("sha1").update(body).digest("hex");
    if (this.scripts.has(sha)) return sha;
    const shebang = parseShebang(body);
    if ("error" in shebang) {
      client?.reply.error(`ERR ${shebang.error}`);
      return null;
    }
    // The shebang line is skipped but its newline kept, so line numbers stay the user's.
    const ref = this.engine().compile(`f_${sha}`, body.subarray(shebang.length));
    if (typeof ref !== "number") {
      client?.reply.error(errorText(ref));
      return null;
    }
    this.scripts.set(sha, { body, flags: shebang.flags, sha, fname: `f_${sha}`, ref });
    this.scriptsBytes += body.length + 40;
    if (!(shebang.flags & ScriptFlag.EvalCompatMode)) this.shebangScripts++;
    return sha;
  }

  exists(sha: string): boolean {
    return this.scripts.has(sha.toLowerCase());
  }

  /** SCRIPT FLUSH: the cache and the Lua state go. */
  flush(): void {
    this.scripts.clear();
    this.recentScripts.clear();
    this.scriptsBytes = 0;
    this.shebangScripts = 0;
    this.lua?.reset();
  }

  /**
   * evalGetCommandFlags / fcallGetCommandFlags: the entry processCommand checks a script command
   * against (maxmemory, replica, stale data, CLIENT PAUSE WRITE). A script with a shebang (every
   * function) replaces EVAL's static write/denyoom/stale/may_replicate flags with what its flags
   * declare; one without keeps EVAL's, and so does a script not found (it fails later anyway).
   */
  checkedEntry(entry: CommandEntry, args: CommandArgs): CommandEntry {
    const name = entry.spec.name;
    let flags: number;
    if (name === "fcall" || name === "fcall_ro") {
      const f = this.libraries.function(args.latin1(1));
      if (f === undefined) return entry;
      flags = f.flags;
    } else if (name === "evalsha" || name === "evalsha_ro") {
      if (args.len(1) !== 40 || this.shebangScripts === 0) return entry;
      const s = this.recentScripts.get(args) ?? this.scripts.get(args.latin1(1).toLowerCase());
      if (s === undefined) return entry;
      flags = s.flags;
    } else {
      // EVAL: the body's shebang says the same as its cached script's flags would.
      const body = args.view(1);
      if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return entry;
      const shebang = parseShebang(body);
      if ("error" in shebang) return entry;
      flags = shebang.flags;
    }
    if (flags & ScriptFlag.EvalCompatMode) return entry;
    return withScriptFlags(entry, flags);
  }

  // ---- EVAL -----------------------------------------------------------------------------------

  /** evalGenericCommand for EVAL, EVALSHA and their _RO forms. */
  eval(client: Client, args: CommandArgs, evalsha: boolean, ro: boolean): void {
    // Fed to MONITOR here, before the commands the script runs (evalCommand; EVAL is skip_monitor).
    if (this.server.monitors.size > 0) this.server.monitors.feed(client, args);
    // evalShaCommand: anything but 40 characters cannot name a script, answered before numkeys.
    if (evalsha && args.len(1) !== 40) {
      client.reply.error(NOSCRIPT_ERR);
      return;
    }
    const nkeys = numKeys(client, args, "ERR value is not an integer or out of range");
    if (nkeys < 0) return;
    let script: CachedScript | undefined;
    if (evalsha) {
      script = this.recentScripts.get(args);
      if (script === undefined) {
        script = this.scripts.get(args.latin1(1).toLowerCase());
        if (script === undefined) {
          client.reply.error(NOSCRIPT_ERR);
          return;
        }
        this.recentScripts.add(script);
      }
    } else {
      const created = this.createFunction(client, args.copy(1));
      if (created === null) return;
      script = this.scripts.get(created)!;
    }
    const s = script;
    this.runScript(client, true, s.sha, s.flags, ro, args, nkeys, (hook) =>
      this.engine().run(s.ref, s.fname, args, 3, nkeys, client.resp, hook),
    );
  }

  /** fcallCommandGeneric for FCALL and FCALL_RO. */
  fcall(client: Client, args: CommandArgs, ro: boolean): void {
    if (this.server.monitors.size > 0) this.server.monitors.feed(client, args);
    const f = this.libraries.function(args.latin1(1));
    if (f === undefined) {
      client.reply.error("ERR Function not found");
      return;
    }
    const nkeys = numKeys(client, args, "ERR Bad number of keys provided");
    if (nkeys < 0) return;
    this.runScript(client, false, f.name, f.flags, ro, args, nkeys, (hook) =>
      this.functionsEngine().callFunction(f.ref, f.name, args, 3, nkeys, client.resp, hook),
    );
  }

  /** scriptPrepareForRun, luaCallFunction and scriptResetRun; the keys are args[3, 3 + nkeys). */
  private runScript(
    client: Client,
    evalMode: boolean,
    name: string,
    flags: number,
    ro: boolean,
    args: CommandArgs,
    nkeys: number,
    exec: (hook: boolean) => LuaRunResult,
  ): void {
    const server = this.server;
    const compat = (flags & ScriptFlag.EvalCompatMode) !== 0;
    if (!compat) {
      if (flags & ScriptFlag.NoCluster && server.cluster !== null) {
        client.reply.error("ERR Can not run script on cluster, 'no-cluster' flag is set.");
        return;
      }
      if (server.replication.runningStale && !(flags & ScriptFlag.AllowStale)) {
        client.reply.error(
          "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.",
        );
        return;
      }
      const obeyed = client.replRole === "M" || client.id === 0;
      if (
        !(flags & ScriptFlag.NoWrites) &&
        server.replication.isReplica &&
        server.config.get<boolean>("replica-read-only") &&
        !obeyed
      ) {
        client.reply.error("READONLY Can not run script with write flag on readonly replica");
        return;
      }
      // The node can't persist (MISCONF): a script that may write is refused before it runs.
      const denial = server.diskErrors.scriptDenial;
      if (!(flags & ScriptFlag.NoWrites) && denial !== null && !obeyed) {
        client.reply.error(denial);
        return;
      }
      if (!(flags & ScriptFlag.NoWrites) && ro) {
        client.reply.error("ERR Can not execute a script with write flag using *_ro command.");
        return;
      }
      // The no-writes flag implies allow-oom (pre_command_oom_state: processCommand's finding).
      if (
        server.evictor.maxmemory !== 0 &&
        server.evictor.preCommandOom &&
        !(flags & (ScriptFlag.AllowOom | ScriptFlag.NoWrites))
      ) {
        client.reply.error(
          "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
        );
        return;
      }
    } else if (server.replication.runningStale) {
      client.reply.error(ERR_MASTERDOWN);
      return;
    }
    const run: RunContext = {
      caller: client,
      evalMode,
      name,
      flags,
      readOnly: ro || (!compat && (flags & ScriptFlag.NoWrites) !== 0),
      allowOom: !compat && (flags & ScriptFlag.AllowOom) !== 0,
      allowCrossSlot: compat || (flags & ScriptFlag.AllowCrossSlot) !== 0,
      writeDirty: false,
      slot: -1,
      // Its EVAL's or FCALL's start: call() read the clock just before.
      startMs: server.call.callStart,
      timedOut: false,
      killed: false,
      replFlags: 3,
      callerArgv: evalMode ? NO_ARGV : [],
    };
    const callerArgs = server.call.args;
    if (!evalMode && callerArgs !== null) {
      for (let i = 0; i < callerArgs.argc; i++) run.callerArgv.push(callerArgs.copy(i));
    }
    // The declared keys' slot (c->slot after processCommand's routing): the script's
    // undeclared keys must hash there too unless cross-slot access is allowed.
    if (server.cluster !== null && nkeys > 0) {
      const key = args.view(3);
      run.slot = keySlotRange(key, 0, key.length);
    }
    const sc = this.scriptClient;
    sc.db = client.db;
    sc.reply.resp = 2;
    const threshold = server.config.get<number>("busy-reply-threshold");
    // Inside EXEC the script's writes join the transaction's MULTI/EXEC; otherwise they are
    // wrapped in one of their own when there is more than one (propagatePendingCommands).
    const nested = server.inExec;
    if (!nested) server.beginExecPropagation(client.db, true);
    this.running = run;
    let result: LuaRunResult;
    try {
      result = exec(threshold > 0);
    } finally {
      this.running = null;
      if (run.timedOut) server.stopAcceptingWhileBusy();
      server.setPropagationTargets(3);
      if (!nested) server.endExecPropagation(client.db);
    }
    if (result.isError) client.reply.error(errorText(result.reply));
    else result.writeTo(client.reply);
  }

  // ---- redis.call -----------------------------------------------------------------------------

  /** scriptCall: the checks, then the command on the script client, whose reply holds the answer. */
  private redisCall(args: CommandArgs, resp: 2 | 3): PendingReply {
    const run = this.running!;
    const server = this.server;
    const sc = this.scriptClient;
    const entry = lookupForScript(server, this.recentCommands, args);
    if (entry === undefined)
      return scriptError(server, sc, "ERR Unknown Redis command called from script");
    const arity = entry.spec.arity;
    if ((arity > 0 && arity !== args.argc) || args.argc < -arity) {
      return scriptError(
        server,
        sc,
        "ERR Wrong number of args calling Redis command from script",
        entry,
      );
    }
    const traits = scriptTraits(entry);
    if (traits.noscript) {
      return scriptError(server, sc, "ERR This Redis command is not allowed from script", entry);
    }
    const obeyed = run.caller.replRole === "M" || run.caller.id === 0;
    // scriptVerifyAllowStale: a stale replica runs only the commands flagged stale.
    if (server.replication.runningStale && !obeyed && !traits.stale) {
      return scriptError(server, sc, "ERR Can not execute the command on a stale replica", entry);
    }
    if (run.readOnly && (entry.isWrite || traits.mayReplicate)) {
      return scriptError(
        server,
        sc,
        "ERR Write commands are not allowed from read-only scripts.",
        entry,
      );
    }
    if (entry.isWrite && !run.writeDirty) {
      // scriptVerifyWriteCommandAllow, in its order: a read-only replica refuses the script's
      // first write as it would a client's, then a disk error (MISCONF), then min-replicas.
      const repl = server.replication;
      const err = repl.checksActive ? repl.check(run.caller, entry) : undefined;
      if (err?.startsWith("READONLY")) return scriptError(server, sc, err, entry);
      const denial = server.diskErrors.denial;
      if (denial !== null) return scriptError(server, sc, denial, entry);
      if (err?.startsWith("NOREPLICAS")) return scriptError(server, sc, err, entry);
    }
    if (server.evictor.maxmemory !== 0) {
      const oom = scriptOomError(server.evictor, entry, {
        allowOom: run.allowOom,
        wroteSoFar: run.writeDirty,
        obeyed,
      });
      if (oom !== undefined) return scriptError(server, sc, oom, entry);
    }
    if (entry.isWrite) run.writeDirty = true;
    const clusterErr = this.checkCluster(run, entry, args);
    if (clusterErr !== undefined) return scriptError(server, sc, clusterErr, entry);

    sc.reply.resp = resp;
    // redis.set_repl: the consumers this command's effects go to (scriptCall's call_flags).
    server.setPropagationTargets(run.replFlags);
    // call() takes over the call context for the nested command; EVAL's is put back after.
    const ctx = server.call;
    const savedClient = ctx.client;
    const savedArgs = ctx.args;
    const savedEntry = ctx.entry;
    call(server, sc, entry, args);
    ctx.client = savedClient;
    ctx.args = savedArgs;
    ctx.entry = savedEntry;
    if (sc.reply.pendingBytes === 0) sc.reply.raw(EMPTY_NULL);
    return sc.reply;
  }

  /** scriptVerifyClusterState: local keys only, and one slot unless the script allows more. */
  private checkCluster(
    run: RunContext,
    entry: CommandEntry,
    args: CommandArgs,
  ): string | undefined {
    const cluster = this.server.cluster;
    if (cluster === null || run.caller.replRole === "M" || run.caller.id === 0) return undefined;
    const positions = keyPositions(entry.spec, args);
    if (positions.length === 0) return undefined;
    if (!cluster.router.route(run.caller, entry, args, run.caller.asking)) {
      const text = cluster.router.errorText(cluster.state);
      if (text.startsWith("CLUSTERDOWN The cluster is down and only accepts read commands")) {
        return "ERR Script attempted to execute a write command while the cluster is down and readonly";
      }
      if (text.startsWith("CLUSTERDOWN The cluster is down")) {
        return "ERR Script attempted to execute a command while the cluster is down";
      }
      return "ERR Script attempted to access a non local key in a cluster node";
    }
    if (run.allowCrossSlot) return undefined;
    const v = args.view(positions[0]!);
    const slot = keySlotRange(v, 0, v.length);
    if (run.slot === -1) run.slot = slot;
    else if (run.slot !== slot) {
      return "ERR Script attempted to access keys that do not hash to the same slot";
    }
    return undefined;
  }

  // ---- Busy scripts ---------------------------------------------------------------------------

  /**
   * The BUSY error for a command another client sends while a script is past the threshold
   * (processCommand's isInsideYieldingLongCommand check), or undefined. SHUTDOWN NOSAVE, an
   * allow_busy command, stops the script so the shutdown can go on once it returned.
   */
  busyError(entry: CommandEntry, args: CommandArgs): string | undefined {
    const run = this.running;
    if (run === null || !run.timedOut) return undefined;
    const root = entry.parent ?? entry;
    if (root.spec.name === "shutdown") {
      let nosave = false;
      for (let i = 1; i < args.argc; i++)
        if (args.latin1(i).toLowerCase() === "nosave") nosave = true;
      if (!nosave) return run.evalMode ? BUSY_ERR : BUSY_FUNCTION_ERR;
      run.killed = true;
      return undefined;
    }
    if (entry.spec.flags.includes("allow_busy")) return undefined;
    return run.evalMode ? BUSY_ERR : BUSY_FUNCTION_ERR;
  }

  /** scriptInterrupt, every 100k Lua instructions. */
  private interrupt(): boolean {
    // FUNCTION LOAD running a library's code (luaEngineLoadHook): 500 ms at most.
    if (this.loadingSince >= 0) return performance.now() - this.loadingSince > LOAD_TIMEOUT_MS;
    const run = this.running;
    if (run === null) return false;
    if (!run.timedOut) {
      const elapsed = Math.floor(performance.now() - run.startMs);
      if (elapsed < this.server.config.get<number>("busy-reply-threshold")) return false;
      run.timedOut = true;
      this.server.log.warning(
        `Slow script detected: still in execution after ${elapsed} milliseconds. You can try killing the script using the ${run.evalMode ? "SCRIPT KILL" : "FUNCTION KILL"} command. Script name is: ${run.name}.`,
      );
    }
    // processEventsWhileBlocked: the other clients' commands, EVAL's call context kept.
    const ctx = this.server.call;
    const saved = { client: ctx.client, args: ctx.args, entry: ctx.entry };
    serveClientsWhileBusy(this.server, run.caller);
    ctx.client = saved.client;
    ctx.args = saved.args;
    ctx.entry = saved.entry;
    return run.killed;
  }

  /** SCRIPT KILL / FUNCTION KILL: the error, or undefined when the script was told to stop. */
  kill(evalMode: boolean): string | undefined {
    const run = this.running;
    if (run === null) return "NOTBUSY No scripts in execution right now.";
    if (run.caller.replRole === "M") {
      return "UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.";
    }
    if (run.writeDirty) {
      return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
    }
    if (evalMode && !run.evalMode) return BUSY_FUNCTION_ERR;
    if (!evalMode && run.evalMode) return BUSY_ERR;
    run.killed = true;
    return undefined;
  }

  /** FUNCTION STATS' running_script: the function, the caller's command, its duration. */
  runningFunction(): { name: string; argv: Buffer[]; durationMs: number } | null | "eval" {
    const run = this.running;
    if (run === null) return null;
    if (run.evalMode) return "eval";
    return {
      name: run.name,
      argv: run.callerArgv,
      durationMs: Math.floor(performance.now() - run.startMs),
    };
  }

  private log(level: number, msg: string): void {
    const log = this.server.log;
    if (level >= 3) log.warning(msg);
    else if (level === 2) log.notice(msg);
    else log.verbose(msg);
  }
}

const EMPTY_NULL = Buffer.from("$-1\r\n");
/** EVAL's callerArgv: only FUNCTION STATS reads it, for functions. */
const NO_ARGV: Buffer[] = [];

/** The flags scriptCall reads, per table entry, looked up once (flags are a string list). */
interface ScriptTraits {
  noscript: boolean;
  mayReplicate: boolean;
  stale: boolean;
}
const traitsCache = new WeakMap<CommandEntry, ScriptTraits>();
function scriptTraits(entry: CommandEntry): ScriptTraits {
  let t = traitsCache.get(entry);
  if (t === undefined) {
    t = {
      noscript: entry.spec.flags.includes("noscript"),
      mayReplicate: entry.spec.flags.includes("may_replicate"),
      stale: entry.spec.flags.includes("stale"),
    };
    traitsCache.set(entry, t);
  }
  return t;
}

/** A client with no connection that runs the scripts' commands (Redis's lua_client). */
function makeScriptClient(): Client {
  const fake = {
    remoteAddress: "",
    remotePort: 0,
    localAddress: "",
    localPort: 0,
    writableLength: 0,
  };
  // Id -1: never the AOF client (0) nor a connection's; not in the client table.
  return new Client(-1, fake as unknown as ConstructorParameters<typeof Client>[1], false);
}

/**
 * The command names scripts called last, lowercase, with their table entries: a script's
 * redis.call names recur every run, and matching the argument's bytes against a few names in
 * place (args.is, ignoring case as the table does) costs less than decoding the name to a string
 * for the table's map, or making a Buffer of it, on each call.
 */
class RecentCommands {
  private readonly names: string[] = [];
  private readonly entries: CommandEntry[] = [];
  private next = 0;

  get(server: ScriptingHost, args: CommandArgs): CommandEntry | undefined {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (args.is(0, names[i]!)) return this.entries[i];
    const raw = args.latin1(0);
    const e = server.table.lookupRaw(raw);
    if (e === undefined) return undefined;
    // Round robin over 16 slots: a script's handful of commands stay put.
    const slot = this.next;
    this.next = (slot + 1) % 16;
    names[slot] = raw.toLowerCase();
    this.entries[slot] = e;
    return e;
  }
}

/**
 * The scripts EVALSHA named last: their SHA compared with the argument's bytes in place
 * (ignoring case, as the lookup does), before decoding it to a string for the cache's map.
 */
class RecentScripts {
  private readonly scripts: CachedScript[] = [];
  private next = 0;

  get(args: CommandArgs): CachedScript | undefined {
    const scripts = this.scripts;
    for (let i = 0; i < scripts.length; i++) if (args.is(1, scripts[i]!.sha)) return scripts[i];
    return undefined;
  }

  add(script: CachedScript): void {
    this.scripts[this.next] = script;
    this.next = (this.next + 1) % 8;
  }

  clear(): void {
    this.scripts.length = 0;
    this.next = 0;
  }
}

/** lookupCommand on a script's argv: a container needs a known subcommand. */
function lookupForScript(
  server: ScriptingHost,
  recent: RecentCommands,
  args: CommandArgs,
): CommandEntry | undefined {
  const base = recent.get(server, args);
  if (base === undefined) return undefined;
  if (base.subcommands === undefined || args.argc < 2) return base;
  return base.subcommands.get(args.latin1(1).toLowerCase());
}

/** A check of scriptCall refused the command: counted as Redis does, answered to Lua. */
function scriptError(
  server: ScriptingHost,
  sc: Client,
  msg: string,
  entry?: CommandEntry,
): PendingReply {
  if (entry) entry.rejectedCalls++;
  server.stats.countError(msg);
  sc.reply.raw(Buffer.from(`-${msg}\r\n`, "latin1"));
  return sc.reply;
}

/** The text of a RESP error line ("-ERR x\r\n" -> "ERR x"). */
function errorText(reply: Buffer): string {
  return reply.toString("latin1", 1, reply.length - 2);
}

function parseLongLong(s: string): number | undefined {
  // numkeys is nearly always one digit.
  if (s.length === 1) {
    const d = s.charCodeAt(0) - 48;
    return d >= 0 && d <= 9 ? d : undefined;
  }
  if (!/^(-?[1-9][0-9]{0,18}|0)$/.test(s)) return undefined;
  // 19 digits reach past int64: string2ll refuses those.
  if (s.length >= 19 && BigInt.asIntN(64, BigInt(s)) !== BigInt(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * numkeys at argv[2] checked as evalGenericCommand/fcallCommandGeneric do (`notInteger` is each
 * one's error for a numkeys that is not one): the keys are args[3, 3 + numkeys) and the script's
 * arguments the rest; -1 once an error is replied.
 */
function numKeys(client: Client, args: CommandArgs, notInteger: string): number {
  // Nearly always one digit: matched in place, no string made.
  if (args.len(2) === 1) {
    for (let d = 0; d < 10; d++)
      if (args.is(2, DIGITS[d]!)) return d <= args.argc - 3 ? d : tooMany(client);
  }
  const numkeys = parseLongLong(args.latin1(2));
  if (numkeys === undefined) {
    client.reply.error(notInteger);
    return -1;
  }
  if (numkeys > args.argc - 3) return tooMany(client);
  if (numkeys < 0) {
    client.reply.error("ERR Number of keys can't be negative");
    return -1;
  }
  return numkeys;
}

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

function tooMany(client: Client): number {
  client.reply.error("ERR Number of keys can't be greater than number of args");
  return -1;
}

// The server's command table: keyspace-store's specs (their handlers run against a
// CommandContext) merged with the server's own commands (connection, transactions, pub/sub,
// config, persistence), which run with access to the client and the server. Mirrors
// lookupCommand()/lookupSubcommand() in src/server.c (Redis 7.0): lowercase names, containers
// whose argv[1] selects a subcommand, per-command statistics for INFO commandstats.
// Generic over the client type C: the client holds entries (its MULTI queue, its blocked
// command), so the table must not know the client; command-types.ts instantiates it for Client.

import type { CommandFlag, CommandSpec } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";

/** What the table needs of a client: a way to answer a command that has no implementation. */
export interface TableClient {
  readonly reply: { error(msg: string): void };
}

export type RunCommand<C extends TableClient> = (client: C, args: CommandArgs) => void;

export interface CommandEntry<C extends TableClient> {
  readonly spec: CommandSpec;
  /** "get", or "config|get" for a subcommand (the name arity errors and stats use). */
  readonly fullName: string;
  readonly run: RunCommand<C>;
  readonly subcommands: Map<string, CommandEntry<C>> | undefined;
  readonly parent: CommandEntry<C> | undefined;
  readonly isWrite: boolean;
  /** CMD_READONLY: a tracking client's keys are remembered after it (client-side caching). */
  readonly isReadonly: boolean;
  readonly noAuth: boolean;
  /**
   * Redis's CMD_PROTECTED: DEBUG, refused unless `enable-debug-command` allows it, and MODULE
   * LOAD/LOADEX/UNLOAD, unless `enable-module-command` does.
   */
  readonly isProtected: boolean;
  readonly noMulti: boolean;
  /** CMD_DENYOOM: refused while used memory is over maxmemory and eviction can't help. */
  readonly denyoom: boolean;
  readonly isBlocking: boolean;
  /** Not shown to MONITOR (admin commands, skip_monitor). */
  readonly skipMonitor: boolean;
  readonly skipSlowlog: boolean;
  readonly fromKeyspace: boolean;
  // INFO commandstats.
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

const has = (spec: CommandSpec, f: CommandFlag) => spec.flags.includes(f);

/**
 * A server command: declared with keyspace-store's `cmd` like the store's own, its handler a
 * function of the client rather than of a CommandContext.
 */
export type ServerCommandDef<C extends TableClient> = CommandSpec<RunCommand<C>>;

export class CommandTable<C extends TableClient> {
  private readonly commands = new Map<string, CommandEntry<C>>();

  get size(): number {
    return this.commands.size;
  }

  all(): IterableIterator<CommandEntry<C>> {
    return this.commands.values();
  }

  lookup(name: string): CommandEntry<C> | undefined {
    return this.commands.get(name);
  }

  /** Lookup by the name as the client sent it (any case); caches the spellings seen. */
  lookupRaw(raw: string): CommandEntry<C> | undefined {
    const hit = this.rawNames.get(raw);
    if (hit !== undefined) return hit;
    const e = this.commands.get(raw.toLowerCase());
    if (e !== undefined && this.rawNames.size < 4096) this.rawNames.set(raw, e);
    return e;
  }
  private readonly rawNames = new Map<string, CommandEntry<C>>();

  /** Adds keyspace-store specs; `wrap` turns a CommandHandler into a RunCommand. */
  addKeyspace(specs: readonly CommandSpec[], wrap: (spec: CommandSpec) => RunCommand<C>): void {
    for (const spec of specs) {
      // One owner per name: a command the server implements itself (SELECT, DBSIZE: client and
      // admin state) keeps the server's entry; the store's data commands fill in the rest.
      const existing = this.commands.get(spec.name);
      if (existing !== undefined && !existing.fromKeyspace) continue;
      this.commands.set(spec.name, this.makeKeyspaceEntry(spec, wrap, undefined));
    }
  }

  private makeKeyspaceEntry(
    spec: CommandSpec,
    wrap: (spec: CommandSpec) => RunCommand<C>,
    parent: CommandEntry<C> | undefined,
  ): CommandEntry<C> {
    const entry = makeEntry(spec, spec.handler ? wrap(spec) : notImplemented, parent, true);
    if (spec.subcommands) {
      const subs = new Map<string, CommandEntry<C>>();
      for (const s of spec.subcommands) {
        const short = s.name.includes("|") ? s.name.split("|")[1]! : s.name;
        subs.set(short, this.makeKeyspaceEntry(s, wrap, entry));
      }
      (entry as { subcommands: Map<string, CommandEntry<C>> }).subcommands = subs;
    }
    return entry;
  }

  addServer(defs: readonly ServerCommandDef<C>[]): void {
    for (const d of defs) this.commands.set(d.name, makeServerEntry(d, undefined));
  }

  /** Server subcommands of a keyspace container (MEMORY's DOCTOR, STATS, ...). */
  addServerSubcommands(name: string, defs: readonly ServerCommandDef<C>[]): void {
    const parent = this.commands.get(name);
    if (parent?.subcommands === undefined) return;
    for (const d of defs) parent.subcommands.set(d.name, makeServerEntry(d, parent));
  }
}

function notImplemented(client: TableClient): void {
  client.reply.error("ERR this command is not implemented yet by shoal-server");
}

function makeEntry<C extends TableClient>(
  spec: CommandSpec,
  run: RunCommand<C>,
  parent: CommandEntry<C> | undefined,
  fromKeyspace: boolean,
): CommandEntry<C> {
  return {
    spec,
    fullName: parent ? `${parent.fullName}|${spec.name.split("|").pop()}` : spec.name,
    run,
    subcommands: undefined,
    parent,
    isWrite: has(spec, "write"),
    isReadonly: has(spec, "readonly"),
    noAuth: has(spec, "no_auth"),
    isProtected: has(spec, "protected"),
    noMulti: has(spec, "no_multi"),
    denyoom: has(spec, "denyoom"),
    isBlocking: has(spec, "blocking"),
    skipMonitor: has(spec, "admin") || has(spec, "skip_monitor"),
    skipSlowlog: has(spec, "skip_slowlog"),
    fromKeyspace,
    calls: 0,
    usec: 0,
    rejectedCalls: 0,
    failedCalls: 0,
  };
}

function makeServerEntry<C extends TableClient>(
  d: ServerCommandDef<C>,
  parent: CommandEntry<C> | undefined,
): CommandEntry<C> {
  const { handler, subcommands, ...spec } = d;
  const entry = makeEntry(spec, handler ?? notImplemented, parent, false);
  if (subcommands) {
    const subs = new Map<string, CommandEntry<C>>();
    for (const s of subcommands) subs.set(s.name, makeServerEntry(s, entry));
    (entry as { subcommands: Map<string, CommandEntry<C>> }).subcommands = subs;
    (entry as { spec: CommandSpec }).spec = {
      ...spec,
      subcommands: [...subs.values()].map((e) => ({ ...e.spec, name: e.fullName })),
    };
  }
  return entry;
}

// INFO. Mirrors genRedisInfoString() in src/server.c (Redis 7.0): the same sections in the same
// order and the field names tools parse; values Shoal can't measure the way Redis does (RSS,
// allocator, fork) are reported with Redis's neutral values. `shoal_version` is Shoal's own.

import os from "node:os";
import { cmd } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import type { SavePoint } from "../config/directives.js";
import { REDIS_VERSION } from "../config/load.js";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import { replicationInfo } from "../replication/commands.js";
import { SHOAL_VERSION } from "../version.js";
import type { ServerCommandDef } from "./command-types.js";

/** What INFO reads: the owner of every section's figures. */
export type InfoHost = Pick<
  NodeServices,
  | "config"
  | "store"
  | "stats"
  | "pubsub"
  | "clients"
  | "pause"
  | "blocking"
  | "dirty"
  | "databases"
  | "table"
  | "replication"
  | "persistence"
  | "cluster"
  | "migrateLinks"
  | "startTime"
  | "runId"
  | "executable"
  | "scripting"
  | "evictor"
  | "tracking"
  | "clientMemory"
>;

const DEFAULT_SECTIONS = [
  "server",
  "clients",
  "memory",
  "persistence",
  "stats",
  "replication",
  "cpu",
  "modules",
  "errorstats",
  "cluster",
  "keyspace",
];
const ALL_SECTIONS = [
  "server",
  "clients",
  "memory",
  "persistence",
  "stats",
  "replication",
  "cpu",
  "modules",
  "commandstats",
  "errorstats",
  "latencystats",
  "cluster",
  "keyspace",
];

/** used_memory_peak: the largest used_memory an INFO call has seen (Redis samples it in its cron). */
let memoryPeak = 0;

/**
 * The memory figures INFO memory and MEMORY STATS share: used_memory is the figure maxmemory
 * is checked against (memory/evict.ts: start-up heap, the keyspace's accounting, replication
 * and AOF buffers); V8's own heap figures stand in for the allocator's, RSS for resident memory.
 */
export function memoryFigures(server: Pick<InfoHost, "evictor">) {
  const mu = process.memoryUsage();
  const f = server.evictor.memoryFigures();
  if (f.used > memoryPeak) memoryPeak = f.used;
  return {
    ...f,
    mu,
    peak: memoryPeak,
    allocated: mu.heapTotal + mu.external + mu.arrayBuffers,
    rss: mu.rss,
  };
}

export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ["K", "M", "G", "T", "P"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

export function genInfoString(server: InfoHost, requested: string[]): string {
  let sections: string[];
  if (requested.length === 0 || requested.includes("default")) sections = [...DEFAULT_SECTIONS];
  else if (requested.includes("all") || requested.includes("everything"))
    sections = [...ALL_SECTIONS];
  else sections = ALL_SECTIONS.filter((s) => requested.includes(s));
  if (requested.includes("everything")) sections = [...ALL_SECTIONS];
  const parts: string[] = [];
  for (const s of sections) {
    const body = section(server, s);
    parts.push(`# ${s === "cpu" ? "CPU" : s[0]!.toUpperCase() + s.slice(1)}\r\n${body}`);
  }
  return parts.join("\r\n");
}

function lines(obj: Array<[string, string | number]>): string {
  let out = "";
  for (const [k, v] of obj) out += `${k}:${v}\r\n`;
  return out;
}

function section(server: InfoHost, name: string): string {
  const now = Date.now();
  const cfg = server.config;
  const p = server.persistence;
  switch (name) {
    case "server": {
      const uptime = Math.floor((now - server.startTime) / 1000);
      return lines([
        ["redis_version", REDIS_VERSION],
        ["redis_git_sha1", "00000000"],
        ["redis_git_dirty", 0],
        ["redis_build_id", "0"],
        ["redis_mode", cfg.get<boolean>("cluster-enabled") ? "cluster" : "standalone"],
        ["os", `${os.type()} ${os.release()} ${os.machine()}`],
        ["arch_bits", 64],
        ["monotonic_clock", "POSIX clock_gettime"],
        ["multiplexing_api", "epoll"],
        ["atomicvar_api", "c11-builtin"],
        ["gcc_version", "0.0.0"],
        ["process_id", process.pid],
        ["process_supervised", "no"],
        ["run_id", server.runId],
        ["tcp_port", cfg.get<number>("port")],
        ["server_time_usec", now * 1000],
        ["uptime_in_seconds", uptime],
        ["uptime_in_days", Math.floor(uptime / 86400)],
        ["hz", cfg.get<number>("hz")],
        ["configured_hz", cfg.get<number>("hz")],
        ["lru_clock", Math.floor(now / 1000) & 0xffffff],
        ["executable", server.executable],
        ["config_file", cfg.configFile ?? ""],
        ["io_threads_active", 0],
        ["shoal_version", SHOAL_VERSION],
        ["node_version", process.versions.node],
      ]);
    }
    case "clients": {
      let pubsubClients = 0;
      for (const c of server.clients.values()) if (c.subscriptionCount > 0) pubsubClients++;
      void pubsubClients;
      return lines([
        ["connected_clients", server.clients.size],
        ["cluster_connections", server.cluster?.connectionCount ?? 0],
        ["maxclients", cfg.get<number>("maxclients")],
        ["client_recent_max_input_buffer", server.clientMemory.recentMaxInput()],
        ["client_recent_max_output_buffer", server.clientMemory.recentMaxOutput()],
        // Clients held by CLIENT PAUSE count, as Redis's BLOCKED_POSTPONE does.
        ["blocked_clients", server.blocking.count + server.pause.postponedClients],
        ["tracking_clients", server.tracking.clients],
        ["clients_in_timeout_table", 0],
      ]);
    }
    case "memory": {
      // What Shoal doesn't have (defrag, lazyfree, allocator internals)
      // reports Redis's idle values.
      const m = memoryFigures(server);
      const lua = server.scripting.memoryInfo();
      const { mu, used, startup, replBacklog, overhead, dataset, allocated } = m;
      const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(2)}%`;
      const maxmemory = server.config.get<number>("maxmemory");
      return lines([
        ["used_memory", used],
        ["used_memory_human", bytesToHuman(used)],
        ["used_memory_rss", mu.rss],
        ["used_memory_rss_human", bytesToHuman(mu.rss)],
        ["used_memory_peak", memoryPeak],
        ["used_memory_peak_human", bytesToHuman(memoryPeak)],
        ["used_memory_peak_perc", pct(used, memoryPeak)],
        ["used_memory_overhead", overhead],
        ["used_memory_startup", startup],
        ["used_memory_dataset", dataset],
        ["used_memory_dataset_perc", pct(dataset, used - startup)],
        ["allocator_allocated", allocated],
        ["allocator_active", allocated],
        ["allocator_resident", mu.rss],
        ["total_system_memory", os.totalmem()],
        ["total_system_memory_human", bytesToHuman(os.totalmem())],
        ["used_memory_lua", lua.vmEval],
        ["used_memory_vm_eval", lua.vmEval],
        ["used_memory_lua_human", bytesToHuman(lua.vmEval)],
        ["used_memory_scripts_eval", lua.scriptsEval],
        ["number_of_cached_scripts", lua.cachedScripts],
        ["number_of_functions", lua.functions],
        ["number_of_libraries", lua.libraries],
        ["used_memory_vm_functions", lua.vmFunctions],
        ["used_memory_vm_total", lua.vmEval + lua.vmFunctions],
        ["used_memory_vm_total_human", bytesToHuman(lua.vmEval + lua.vmFunctions)],
        ["used_memory_functions", lua.functionsBytes],
        ["used_memory_scripts", lua.scriptsEval + lua.functionsBytes],
        ["used_memory_scripts_human", bytesToHuman(lua.scriptsEval + lua.functionsBytes)],
        ["maxmemory", maxmemory],
        ["maxmemory_human", bytesToHuman(maxmemory)],
        ["maxmemory_policy", server.config.get<string>("maxmemory-policy")],
        ["allocator_frag_ratio", "1.00"],
        ["allocator_frag_bytes", 0],
        ["allocator_rss_ratio", (mu.rss / Math.max(1, allocated)).toFixed(2)],
        ["allocator_rss_bytes", mu.rss - allocated],
        ["rss_overhead_ratio", "1.00"],
        ["rss_overhead_bytes", 0],
        ["mem_fragmentation_ratio", (mu.rss / Math.max(1, used)).toFixed(2)],
        ["mem_fragmentation_bytes", mu.rss - used],
        ["mem_not_counted_for_evict", m.notCountedForEvict],
        ["mem_replication_backlog", replBacklog],
        ["mem_total_replication_buffers", replBacklog + m.replicaBuffers],
        ["mem_clients_slaves", m.replicaBuffers],
        ["mem_clients_normal", m.clientsNormal],
        ["mem_cluster_links", 0],
        ["mem_aof_buffer", p?.aof?.pendingBytes ?? 0],
        ["mem_allocator", `v8-${process.versions.v8}`],
        ["active_defrag_running", 0],
        ["lazyfree_pending_objects", 0],
        ["lazyfreed_objects", 0],
        ["node_heap_used", mu.heapUsed],
        ["node_heap_total", mu.heapTotal],
      ]);
    }
    case "persistence": {
      const aof = p?.aof;
      return lines([
        ["loading", p?.loading ? 1 : 0],
        ["async_loading", 0],
        // Snapshots are taken in-process, without fork(): no copy-on-write to report.
        ["current_cow_peak", 0],
        ["current_cow_size", 0],
        ["current_cow_size_age", 0],
        ["current_fork_perc", "0.00"],
        ["current_save_keys_processed", 0],
        ["current_save_keys_total", 0],
        ["rdb_changes_since_last_save", server.dirty],
        ["rdb_bgsave_in_progress", p?.bgsaveInProgress ? 1 : 0],
        ["rdb_last_save_time", p?.lastSave ?? Math.floor(server.startTime / 1000)],
        ["rdb_last_bgsave_status", p?.lastBgsaveStatus ?? "ok"],
        ["rdb_last_bgsave_time_sec", -1],
        ["rdb_current_bgsave_time_sec", -1],
        ["rdb_saves", p?.rdbSaves ?? 0],
        ["rdb_last_cow_size", 0],
        ["rdb_last_load_keys_expired", p?.lastLoadKeysExpired ?? 0],
        ["rdb_last_load_keys_loaded", p?.lastLoadKeysLoaded ?? 0],
        ["aof_enabled", cfg.get<boolean>("appendonly") ? 1 : 0],
        ["aof_rewrite_in_progress", p?.aofRewriteInProgress ? 1 : 0],
        ["aof_rewrite_scheduled", 0],
        ["aof_last_rewrite_time_sec", -1],
        ["aof_current_rewrite_time_sec", -1],
        ["aof_last_bgrewrite_status", p?.aofLastRewriteStatus ?? "ok"],
        ["aof_rewrites", p?.aofRewrites ?? 0],
        ["aof_rewrites_consecutive_failures", 0],
        ["aof_last_write_status", p?.aofLastWriteStatus ?? "ok"],
        ["aof_last_cow_size", 0],
        ["module_fork_in_progress", 0],
        ["module_fork_last_cow_size", 0],
        ...(aof
          ? ([
              ["aof_current_size", aof.currentSize],
              ["aof_base_size", 0],
              ["aof_pending_rewrite", 0],
              ["aof_buffer_length", aof.pendingBytes],
              ["aof_pending_bio_fsync", 0],
              ["aof_delayed_fsync", 0],
            ] as Array<[string, number]>)
          : []),
      ]);
    }
    case "stats": {
      const s = server.stats;
      const ks = server.store.stats;
      const exceeded = server.evictor.exceededTimes();
      const inst = s.instantaneous;
      const kbps = (m: { get(): number }) => (m.get() / 1024).toFixed(2);
      const repl = server.replication;
      return lines([
        ["total_connections_received", s.connectionsReceived],
        ["total_commands_processed", s.commandsProcessed],
        ["instantaneous_ops_per_sec", Math.round(inst.ops.get())],
        ["total_net_input_bytes", s.netInputBytes],
        ["total_net_output_bytes", s.netOutputBytes],
        ["total_net_repl_input_bytes", repl.netReplInputBytes],
        ["total_net_repl_output_bytes", repl.netReplOutputBytes],
        ["instantaneous_input_kbps", kbps(inst.netInput)],
        ["instantaneous_output_kbps", kbps(inst.netOutput)],
        ["instantaneous_input_repl_kbps", kbps(inst.replInput)],
        ["instantaneous_output_repl_kbps", kbps(inst.replOutput)],
        ["rejected_connections", s.rejectedConnections],
        ["sync_full", repl.syncFull],
        ["sync_partial_ok", repl.syncPartialOk],
        ["sync_partial_err", repl.syncPartialErr],
        ["expired_keys", ks?.expiredKeys ?? s.expiredKeys],
        ["expired_stale_perc", "0.00"],
        ["expired_time_cap_reached_count", 0],
        ["expire_cycle_cpu_milliseconds", 0],
        ["evicted_keys", ks?.evictedKeys ?? 0],
        ["evicted_clients", s.evictedClients],
        ["total_eviction_exceeded_time", exceeded.total],
        ["current_eviction_exceeded_time", exceeded.current],
        ["keyspace_hits", ks?.keyspaceHits ?? s.keyspaceHits],
        ["keyspace_misses", ks?.keyspaceMisses ?? s.keyspaceMisses],
        ["pubsub_channels", server.pubsub.channels.size],
        ["pubsub_patterns", server.pubsub.patterns.size],
        ["pubsubshard_channels", server.pubsub.shardChannels.size],
        ["latest_fork_usec", 0],
        ["total_forks", 0],
        ["migrate_cached_sockets", server.migrateLinks?.size ?? 0],
        ["slave_expires_tracked_keys", 0],
        ["active_defrag_hits", 0],
        ["active_defrag_misses", 0],
        ["active_defrag_key_hits", 0],
        ["active_defrag_key_misses", 0],
        ["total_active_defrag_time", 0],
        ["current_active_defrag_time", 0],
        ["tracking_total_keys", server.tracking.totalKeys],
        ["tracking_total_items", server.tracking.items],
        ["tracking_total_prefixes", server.tracking.prefixCount],
        ["unexpected_error_replies", 0],
        ["total_error_replies", s.errorReplies],
        ["dump_payload_sanitizations", 0],
        ["total_reads_processed", s.readsProcessed],
        ["total_writes_processed", s.writesProcessed],
        ["io_threaded_reads_processed", 0],
        ["io_threaded_writes_processed", 0],
        ["reply_buffer_shrinks", 0],
        ["reply_buffer_expands", 0],
        // Redis 7.2's names for what Redis 7.0 only logs.
        ["client_query_buffer_limit_disconnections", s.clientQueryLimitDisconnections],
        ["client_output_buffer_limit_disconnections", s.clientOutputLimitDisconnections],
      ]);
    }
    case "replication":
      return replicationInfo(server);
    case "cpu": {
      const u = process.cpuUsage();
      const f = (us: number) => (us / 1e6).toFixed(6);
      return lines([
        ["used_cpu_sys", f(u.system)],
        ["used_cpu_user", f(u.user)],
        ["used_cpu_sys_children", "0.000000"],
        ["used_cpu_user_children", "0.000000"],
        ["used_cpu_sys_main_thread", f(u.system)],
        ["used_cpu_user_main_thread", f(u.user)],
      ]);
    }
    case "modules":
      return "";
    case "commandstats": {
      let out = "";
      const emit = (e: {
        fullName: string;
        calls: number;
        usec: number;
        rejectedCalls: number;
        failedCalls: number;
      }) => {
        if (e.calls === 0 && e.rejectedCalls === 0 && e.failedCalls === 0) return;
        out += `cmdstat_${e.fullName}:calls=${e.calls},usec=${e.usec},usec_per_call=${(e.calls ? e.usec / e.calls : 0).toFixed(2)},rejected_calls=${e.rejectedCalls},failed_calls=${e.failedCalls}\r\n`;
      };
      for (const e of server.table.all()) {
        emit(e);
        if (e.subcommands) for (const s of e.subcommands.values()) emit(s);
      }
      return out;
    }
    case "errorstats": {
      let out = "";
      for (const [code, n] of server.stats.errorStats) out += `errorstat_${code}:count=${n}\r\n`;
      return out;
    }
    case "latencystats":
      return "";
    case "cluster":
      return lines([["cluster_enabled", cfg.get<boolean>("cluster-enabled") ? 1 : 0]]);
    case "keyspace": {
      let out = "";
      const now = Date.now();
      for (let i = 0; i < server.databases; i++) {
        const keys = server.store.dbSize(i);
        if (keys === 0) continue;
        const avg = server.store.avgTtl(i, now);
        out += `db${i}:keys=${keys},expires=${server.store.expiresCount(i)},avg_ttl=${avg}\r\n`;
      }
      return out;
    }
  }
  void (undefined as unknown as SavePoint);
  return "";
}

function infoCommand(server: InfoHost, c: Client, a: CommandArgs): void {
  const req: string[] = [];
  for (let i = 1; i < a.argc; i++) req.push(a.latin1(i).toLowerCase());
  c.reply.verbatim("txt", genInfoString(server, req));
}

export function infoCommands(server: InfoHost): ServerCommandDef[] {
  return [
    cmd("info", -1, "loading stale sentinel", [0, 0, 0], "@slow @dangerous", (c, a) =>
      infoCommand(server, c, a),
    ),
  ];
}

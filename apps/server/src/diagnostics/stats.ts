// The node's statistics counters (INFO stats and errorstats; Redis keeps them in the `server`
// struct, stat_*). One object for the node's life: CONFIG RESETSTAT zeroes it in place, so every
// collaborator that counts (dispatch, replication, pub/sub, the connection layer) may hold it.
import { InstantaneousMetrics } from "./instantaneous.js";

export class ServerStats {
  connectionsReceived = 0;
  commandsProcessed = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  errorReplies = 0;
  readonly errorStats = new Map<string, number>();
  pubsubMessages = 0;
  expiredKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  /** Output-buffer and query-buffer limit disconnections. */
  clientOutputLimitDisconnections = 0;
  clientQueryLimitDisconnections = 0;
  /** Clients closed by maxmemory-clients (evicted_clients). */
  evictedClients = 0;
  /** total_reads_processed / total_writes_processed: socket reads and writes for clients. */
  readsProcessed = 0;
  writesProcessed = 0;
  /** instantaneous_ops_per_sec, instantaneous_*_kbps. */
  instantaneous = new InstantaneousMetrics(Date.now());

  /** INFO errorstats: counted by the first word of the error (Redis's incrementErrorCount). */
  countError(msg: string): void {
    this.errorReplies++;
    const sp = msg.indexOf(" ");
    const code = sp < 0 ? msg : msg.slice(0, sp);
    const m = this.errorStats;
    if (m.size >= 128 && !m.has(code)) return;
    m.set(code, (m.get(code) ?? 0) + 1);
  }

  /** CONFIG RESETSTAT (Redis's resetServerStats). */
  reset(): void {
    this.connectionsReceived = this.commandsProcessed = this.rejectedConnections = 0;
    this.netInputBytes = this.netOutputBytes = this.errorReplies = 0;
    this.errorStats.clear();
    this.pubsubMessages = this.expiredKeys = this.keyspaceHits = this.keyspaceMisses = 0;
    this.clientOutputLimitDisconnections = this.clientQueryLimitDisconnections = 0;
    this.evictedClients = 0;
    this.readsProcessed = this.writesProcessed = 0;
    this.instantaneous = new InstantaneousMetrics(Date.now());
  }
}

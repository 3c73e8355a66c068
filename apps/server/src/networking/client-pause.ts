// CLIENT PAUSE and the master's side of a manual failover: clients whose commands must wait,
// held until the pause ends, then run in arrival order. Mirrors pauseClients(),
// unpauseClients(), updateClientPauseTypeAndEndTime(), checkClientPauseTimeoutAndReturnIfPaused()
// and blockPostponeClient() in src/networking.c and src/blocked.c (Redis 7.0): pauses are kept
// by purpose ("client" for CLIENT PAUSE, "failover" for CLUSTER FAILOVER's master side), each
// lifted on its own; the strictest pause in force wins (ALL over WRITE, the latest end time).
import type { CommandArgs } from "@shoal/resp-codec";
import type { CallContext } from "../call-context.js";
import type { CommandEntry } from "../commands/command-types.js";
import { OwnedArgs } from "../protocol/command-decoder.js";
import type { Client } from "./client-connection.js";

/** Why clients are paused (Redis 7.0's pause_purpose). */
export type PausePurpose = "client" | "failover";

/** What the pause takes from the node. */
export interface ClientPauseHost {
  /** The batch clock: held commands run with the time they are released at. */
  readonly call: CallContext;
  scheduleFlush(client: Client): void;
  /** Runs a held command from the top of processCommand (it may be held again). */
  runOneCommand(client: Client, args: CommandArgs): void;
  processInputBuffer(client: Client): void;
  /**
   * While clients are paused, keys past their TTL read as missing but aren't deleted (no DEL to
   * replicas), as a replica does: Redis 7.0's expireIfNeeded during a pause.
   */
  setExpiryPaused(on: boolean): void;
}

export class ClientPause {
  /** Pause state, all purposes combined: until when (0: not paused). */
  pauseUntil = 0;
  /** Whether only writes (and commands that may replicate) are paused. */
  pauseWritesOnly = false;
  /**
   * Pauses by purpose (Redis 7.0's client_pause_per_purpose): CLIENT PAUSE, and the master's
   * side of a manual failover. CLIENT UNPAUSE lifts only its own; the strictest pause wins.
   */
  private readonly pauses = new Map<PausePurpose, { until: number; writesOnly: boolean }>();
  private pausedClients: Client[] = [];
  private pauseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: ClientPauseHost) {}

  /**
   * Whether the decoded command must wait for CLIENT UNPAUSE: with ALL every command does, with
   * WRITE only writes and commands that may replicate (PUBLISH ...), as in Redis 7.0; EXEC
   * when its queue holds one (mstate.cmd_flags), so a read-only transaction runs.
   */
  mustPause(client: Client, entry: CommandEntry): boolean {
    if (Date.now() >= this.pauseUntil) {
      this.unpauseExpired();
      if (this.pauseUntil === 0) return false;
    }
    if (!this.pauseWritesOnly) return true;
    const replicates = (x: CommandEntry) => x.isWrite || x.spec.flags.includes("may_replicate");
    if (entry.spec.name === "exec")
      return client.multiQueue?.some((q) => replicates(q.checked)) ?? false;
    return replicates(entry);
  }

  /**
   * Holds a command until the pause ends (and, through pausedArgs, the client's later ones).
   * The client shows as blocked (flag b, INFO blocked_clients), as Redis's BLOCKED_POSTPONE.
   */
  postponeClient(client: Client, args: CommandArgs): void {
    client.pausedArgs = args instanceof OwnedArgs ? args : OwnedArgs.from(args);
    this.pausedClients.push(client);
    // The replies of the client's earlier commands in this batch still go out now.
    this.host.scheduleFlush(client);
  }

  /** Clients holding a command until the pause ends. */
  get postponedClients(): number {
    return this.pausedClients.length;
  }

  pauseClients(ms: number, writesOnly: boolean, purpose: PausePurpose = "client"): void {
    this.pauses.set(purpose, { until: Date.now() + ms, writesOnly });
    this.updatePause();
  }

  unpauseClients(purpose: PausePurpose = "client"): void {
    this.pauses.delete(purpose);
    this.updatePause();
  }

  /** serverCron's part: a pause whose time is up ends even if no command comes to notice. */
  cron(now: number): void {
    if (this.pauseUntil > 0 && now >= this.pauseUntil) this.unpauseExpired();
  }

  /** updateClientPauseTypeAndEndTime(): the combined pause, and a timer for its end. */
  private updatePause(): void {
    let until = 0;
    let writesOnly = true;
    for (const p of this.pauses.values()) {
      if (p.until > until) until = p.until;
      if (!p.writesOnly) writesOnly = false;
    }
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    if (until === 0) {
      this.releasePausedClients();
      return;
    }
    this.pauseUntil = until;
    this.pauseWritesOnly = writesOnly;
    this.host.setExpiryPaused(true);
    this.pauseTimer = setTimeout(() => this.unpauseExpired(), until - Date.now() + 1);
    this.pauseTimer.unref();
  }

  /** Drops the pauses whose time is up. */
  private unpauseExpired(): void {
    const now = Date.now();
    for (const [purpose, p] of this.pauses) if (now >= p.until) this.pauses.delete(purpose);
    this.updatePause();
  }

  private releasePausedClients(): void {
    if (this.pauseUntil !== 0) this.host.setExpiryPaused(false);
    this.pauseUntil = 0;
    const list = this.pausedClients;
    this.pausedClients = [];
    // The held commands run now: their clock (SET EX, expiry checks) is now, not when they came.
    this.host.call.startTurn();
    // In arrival order, each from the top of processCommand (it may be held again).
    for (const c of list) {
      const args = c.pausedArgs;
      c.pausedArgs = null;
      if (c.closed || args === null) continue;
      this.host.runOneCommand(c, args);
      this.host.processInputBuffer(c);
    }
  }
}

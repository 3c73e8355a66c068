// What persistence takes from the node: the core (node-core.ts), and the replication history a
// snapshot records in its aux fields (rdbPopulateSaveInfo: repl-id, repl-offset, repl-stream-db).
import type { NodeCore } from "../node-core.js";

export interface ReplicationHistory {
  /** Non-null when there is a history to record (a backlog). */
  readonly backlog: object | null;
  readonly isReplica: boolean;
  readonly masterDb: number;
  readonly replid: string;
  readonly offset: number;
  /** The history a dump.rdb loaded at start-up recorded (repl-id, repl-offset, repl-stream-db). */
  restoreStoredHistory(replid: string, offset: number, db: number, whole: boolean): void;
}

export interface PersistenceHost extends NodeCore {
  readonly replication: ReplicationHistory;
  /** The function libraries a snapshot carries (scripting/eval.ts). */
  readonly scripting: {
    functionCodes(): Buffer[];
    /** Replaces the libraries with a loaded snapshot's; the first load error, or null. */
    loadFunctions(codes: readonly Buffer[]): string | null;
  };
}

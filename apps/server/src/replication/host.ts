// What replication takes from the node: the core (node-core.ts), and persistence, for the AOF
// rewrite after a full sync loaded a new data set (readSyncBulkPayload's restartAOFAfterSYNC).
import type { NodeCore } from "../node-core.js";
import type { Persistence } from "../persistence/persistence.js";

export interface ReplicationHost extends NodeCore {
  readonly persistence: Persistence | null;
}

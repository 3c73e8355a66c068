// All server-level commands, as one list the command table registers.
import { clusterCommands } from "../cluster/commands.js";
import { transactionCommands } from "../multi/commands.js";
import type { NodeServices } from "../node-services.js";
import { pubsubCommands } from "../pubsub/commands.js";
import { replicationCommands } from "../replication/commands.js";
import { aclCommands } from "./acl.js";
import { adminCommands } from "./admin.js";
import { commandCommands } from "./command.js";
import type { ServerCommandDef } from "./command-types.js";
import { configCommands } from "./config.js";
import { connectionCommands } from "./connection.js";
import { debugCommands } from "./debug.js";
import { diagnosticsCommands } from "./diagnostics.js";
import { infoCommands } from "./info.js";
import { lolwutCommands } from "./lolwut.js";
import { migrateCommands } from "./migrate.js";
import { moduleCommands } from "./module.js";
import { monitorCommands } from "./monitor.js";
import { shutdownCommands } from "./shutdown.js";
import { slowlogCommands } from "./slowlog.js";

export function serverCommands(server: NodeServices): ServerCommandDef[] {
  return [
    ...connectionCommands(server),
    ...transactionCommands(server),
    ...pubsubCommands(server),
    ...configCommands(server),
    ...infoCommands(server),
    ...adminCommands(server),
    ...shutdownCommands(server),
    ...monitorCommands(server),
    ...slowlogCommands(server),
    ...debugCommands(server),
    ...commandCommands(server),
    ...lolwutCommands(),
    ...aclCommands(server),
    ...moduleCommands(server),
    ...diagnosticsCommands(server),
    ...clusterCommands(server),
    ...migrateCommands(server),
    ...replicationCommands(server),
  ];
}

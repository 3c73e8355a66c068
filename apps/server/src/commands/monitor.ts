// MONITOR: monitorCommand() (src/server.c, Redis 7.0). The feed itself is ../monitor.ts.
import { cmd } from "@shoal/keyspace-store";
import type { Client } from "../networking/client-connection.js";
import type { NodeServices } from "../node-services.js";
import type { ServerCommandDef } from "./command-types.js";

/** What MONITOR takes from the node: the monitors. */
export type MonitorCommandsHost = Pick<NodeServices, "monitors">;

function monitorCommand(server: MonitorCommandsHost, c: Client): void {
  // Already monitoring: ignored, without a reply (monitorCommand).
  if (c.isMonitor) return;
  server.monitors.add(c);
  c.isMonitor = true;
  c.reply.ok();
}

export function monitorCommands(server: MonitorCommandsHost): ServerCommandDef[] {
  return [
    cmd("monitor", 1, "admin noscript loading stale", [0, 0, 0], "@admin @slow @dangerous", (c) =>
      monitorCommand(server, c),
    ),
  ];
}

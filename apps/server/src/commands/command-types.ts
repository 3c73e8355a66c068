// The server's command types: the command table's entries, definitions and handlers for the
// server's Client (command-table.ts is generic over the client, which holds entries itself).
import type { Client } from "../networking/client-connection.js";
import type * as table from "./command-table.js";

export type CommandEntry = table.CommandEntry<Client>;
export type ServerCommandDef = table.ServerCommandDef<Client>;
export type RunCommand = table.RunCommand<Client>;
export type CommandTable = table.CommandTable<Client>;

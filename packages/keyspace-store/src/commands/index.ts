// The full command table of the store: every family's specs, in one array the server merges with
// its own commands. Each family lives in its own module and owns its specs.
import type { CommandSpec } from "../command-types.js";
import { hashCommands } from "./hashes.js";
import { listCommands } from "./lists.js";
import { setCommands } from "./sets.js";
import { zsetCommands } from "./zsets.js";

export const commands: readonly CommandSpec[] = [
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
];

// Placeholder: the hashes command family (owned by its own author; the core only imports this array).
import type { CommandSpec } from "../command-types.js";

export const hashCommands: CommandSpec[] = [];

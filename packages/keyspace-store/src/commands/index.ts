// The full command table of the store: every family's specs, in one array the server merges with
// its own commands. Each family lives in its own module and owns its specs; index.test.ts checks
// that no name appears twice (the server would silently keep only one of them).
import type { CommandSpec } from "../command-types.js";
import { bitfieldCommands } from "./bitfield.js";
import { bitmapCommands } from "./bitops.js";
import { geoCommands } from "./geo.js";
import { hashCommands } from "./hashes.js";
import { hyperloglogCommands } from "./hyperloglog.js";
import { keyCommands } from "./keys.js";
import { listCommands } from "./lists.js";
import { setCommands } from "./sets.js";
import { sortCommands } from "./sort.js";
import { streamClaimCommands } from "./stream-claims.js";
import { streamGroupCommands } from "./stream-groups.js";
import { streamInfoCommands } from "./stream-info.js";
import { streamCommands } from "./streams.js";
import { stringCommands } from "./strings.js";
import { zsetCommands } from "./zsets.js";

export const commands: readonly CommandSpec[] = [
  ...stringCommands,
  ...keyCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
  ...bitmapCommands,
  ...bitfieldCommands,
  ...hyperloglogCommands,
  ...sortCommands,
  ...geoCommands,
  ...streamCommands,
  ...streamGroupCommands,
  ...streamClaimCommands,
  ...streamInfoCommands,
];

#!/usr/bin/env node
// Entry point of the shoal-server executable: `shoal-server [config-file] [--directive value ...]`.
// Mirrors main() in src/server.c (Redis 7.0): argv becomes config text appended to the file, one
// parser reads both, then logging, the data directory, the pid file, data loading, listening,
// and the signal handlers of the graceful shutdown (CONFIGURATION.md 4.6).
import { runServer } from "./run.js";

runServer(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});

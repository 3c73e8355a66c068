// Entry point of the shoal-cli executable (bin/shoal-cli imports the built dist/cli.js).
import { runCli } from "./cli/main.js";

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Interactive sessions and subscribers hold sockets; leave once the work is done.
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

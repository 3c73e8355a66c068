// Turns redis-server's command line into configuration text. Mirrors the argument loop of
// main() in src/server.c (Redis 7.0): the first argument, when it does not start with '-', is
// the config file; every later `--name` starts a new directive line and the words after it are
// its arguments, quoted with sdscatrepr() so one argv word stays one config argument.
// "All the other options are parsed and conceptually appended to the configuration file."
import { quoteRepr, splitArgs } from "./split-args.js";

export type ParsedArgv =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "run"; configFile: string | undefined; fromStdin: boolean; options: string };

export function parseServerArgv(argv: readonly string[]): ParsedArgv {
  if (argv.length >= 1) {
    const a = argv[0]!;
    if (a === "-v" || a === "--version") return { kind: "version" };
    if (a === "-h" || a === "--help") return { kind: "help" };
  }
  let j = 0;
  let configFile: string | undefined;
  if (argv.length >= 1 && !argv[0]!.startsWith("-")) {
    configFile = argv[0];
    j = 1;
  }
  let options = "";
  let fromStdin = false;
  let handledLastConfigArg = true;
  const argc = argv.length;
  for (; j < argc; j++) {
    const a = argv[j]!;
    const next = argv[j + 1];
    if (a === "-" && (j === 0 || j === argc - 1)) {
      fromStdin = true;
    } else if (handledLastConfigArg && a.startsWith("--")) {
      if (options.length > 0) options += "\n";
      options += `${a.slice(2)} `;
      const words = splitArgs(a);
      if (words !== null && words.length === 1) {
        // Only an option name (`--port`); its value comes in the next argument. An empty
        // `--save` (last, or followed by another option) means `save ""`, as in 7.0.1+.
        handledLastConfigArg = false;
        if (next?.startsWith("--") && a.toLowerCase() === "--save") {
          options += '""';
          handledLastConfigArg = true;
        } else if (next === undefined && a.toLowerCase() === "--save") {
          options += '""';
        }
      } else {
        // Name and value in one argument ("--port 6380").
        handledLastConfigArg = true;
      }
    } else {
      options += `${quoteRepr(a)} `;
      handledLastConfigArg = true;
    }
  }
  return { kind: "run", configFile, fromStdin, options };
}

export const USAGE = `Usage: ./shoal-server [/path/to/redis.conf] [options] [-]
       ./shoal-server - (read config from stdin)
       ./shoal-server -v or --version
       ./shoal-server -h or --help

Examples:
       ./shoal-server (run the server with default conf)
       echo 'port 7777' | ./shoal-server -
       ./shoal-server /etc/redis/6379.conf
       ./shoal-server --port 7777
       ./shoal-server --port 7777 --appendonly yes --appendfsync always
       ./shoal-server /etc/myredis.conf --loglevel verbose -
       ./shoal-server /etc/myredis.conf --loglevel verbose
`;

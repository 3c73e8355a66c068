// Start-up and shutdown sequence of shoal-server (Redis 7.0's main(), prepareForShutdown() and
// finishShutdown() in src/server.c), kept apart from main.ts so it can be embedded and tested.
import fs from "node:fs";
import path from "node:path";
import { ClusterRuntime, ClusterStartError } from "./cluster/cluster-runtime.js";
import { restrictCommandsForCluster } from "./cluster/commands.js";
import { parseServerArgv, USAGE } from "./config/argv.js";
import { buildConfigText, FatalConfigError, REDIS_VERSION, ServerConfig } from "./config/load.js";
import { Logger, LogLevel } from "./log.js";
import type { Client } from "./networking/client-connection.js";
import { UnixSocketError } from "./networking/listeners.js";
import { Persistence } from "./persistence/persistence.js";
import { Server } from "./server.js";
import { createStore } from "./store/store-factory.js";
import { SHOAL_VERSION } from "./version.js";

export function versionLine(): string {
  return `Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=shoal-${SHOAL_VERSION}\nShoal server v=${SHOAL_VERSION} node=${process.version}`;
}

export async function runServer(argv: string[]): Promise<Server | undefined> {
  const parsed = parseServerArgv(argv);
  if (parsed.kind === "version") {
    process.stdout.write(`${versionLine()}\n`);
    process.exit(0);
  }
  if (parsed.kind === "help") {
    process.stderr.write(USAGE);
    process.exit(1);
  }
  const config = new ServerConfig();
  const log = new Logger("");
  try {
    const text = buildConfigText(parsed.configFile, parsed.fromStdin, parsed.options);
    config.loadFromString(text);
  } catch (err) {
    if (err instanceof FatalConfigError) {
      if (err.lineNumber === undefined && err.reason.startsWith("Fatal error")) {
        log.warning(err.reason);
        log.flushSync();
      } else {
        process.stderr.write(err.message);
      }
      process.exit(1);
    }
    throw err;
  }
  if (parsed.configFile !== undefined) config.configFile = path.resolve(parsed.configFile);

  // Redis chdir()s into `dir` while it loads the config, and opens `logfile` (a relative path
  // included) from there: so wherever `dir` appears, in the file or on the command line, a
  // relative logfile lands in the last `dir` given (twenty nodes started from one directory each
  // log into their own).
  const dir = config.get<string>("dir");
  if (dir !== "") {
    try {
      process.chdir(dir);
    } catch (err) {
      log.warning(
        `Can't chdir to '${dir}': ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (err as Error).message}`,
      );
      log.flushSync();
      process.exit(1);
    }
  }
  log.setLevel(config.get<string>("loglevel"));
  const logfile = config.get<string>("logfile");
  if (logfile !== "") {
    try {
      log.reopen(logfile);
    } catch (err) {
      // The sanity check after loading the config: no line to point at.
      process.stderr.write(
        new FatalConfigError(`Can't open the log file: ${errnoText(err)}`).message,
      );
      process.exit(1);
    }
  }
  log.warning("oO0OoO0OoO0Oo Shoal is starting oO0OoO0OoO0Oo");
  log.warning(
    `Shoal version=${SHOAL_VERSION}, redis_version=${REDIS_VERSION}, bits=64, node=${process.version}, pid=${process.pid}, just started`,
  );
  if (parsed.configFile === undefined) {
    log.warning(
      "Warning: no config file specified, using the default config. In order to specify a config file use shoal-server /path/to/redis.conf",
    );
  } else {
    log.warning("Configuration loaded");
  }

  log.role = "M";
  const server = new Server(
    config,
    log,
    createStore(config.get<number>("databases"), {
      slotIndex: config.get<boolean>("cluster-enabled"),
    }),
  );
  const pidfile = config.get<string>("pidfile");
  if (pidfile !== "") {
    try {
      fs.writeFileSync(pidfile, `${process.pid}\n`);
    } catch (err) {
      log.warning(`Failed to write PID file: ${(err as Error).message}`);
    }
  }
  logBanner(log, config, logfile);
  log.warning("Server initialized");

  if (config.get<boolean>("cluster-enabled")) {
    // clusterInit(): nodes.conf and the bus port, before the data is loaded.
    try {
      server.cluster = await ClusterRuntime.start(server);
      restrictCommandsForCluster(server.table);
    } catch (err) {
      log.warning(err instanceof ClusterStartError ? err.message : String(err));
      log.flushSync();
      process.exit(1);
    }
  }

  const persistence = new Persistence(server);
  server.persistence = persistence;
  try {
    persistence.loadAtStartup();
  } catch (err) {
    log.warning(`Fatal error loading the DB: ${(err as Error).message}. Exiting.`);
    log.flushSync();
    process.exit(1);
  }

  if (server.cluster !== null && !server.cluster.verifyWithData()) {
    log.warning("You can't have keys in a DB different than DB 0 when in Cluster mode. Exiting.");
    log.flushSync();
    process.exit(1);
  }

  const unixsocket = config.get<string>("unixsocket");
  if (config.get<number>("port") === 0 && unixsocket === "") {
    log.warning("Configured to not listen anywhere, exiting.");
    log.flushSync();
    process.exit(1);
  }
  try {
    await server.listen();
  } catch (err) {
    // The Unix socket's failure was logged as Redis logs it ("Failed opening Unix socket").
    if (!(err instanceof UnixSocketError))
      log.warning(`Failed listening on port ${config.get<number>("port")} (TCP), aborting.`);
    log.flushSync();
    process.exit(1);
  }
  server.startCron();
  server.replication.start(server.cluster?.myselfIsReplica ?? false);
  if (config.get<number>("port") !== 0) log.notice("Ready to accept connections");
  if (unixsocket !== "")
    log.notice(`The server is now ready to accept connections at ${unixsocket}`);

  installShutdown(server, log, pidfile);
  return server;
}

function installShutdown(server: Server, log: Logger, pidfile: string): void {
  let shutdownStarted = false;
  const finish = async (
    opts: { save: boolean | undefined; force: boolean },
    from: Client | null,
  ) => {
    if (shutdownStarted) return false;
    shutdownStarted = true;
    const ok = await server.shutdown(opts);
    if (!ok) {
      shutdownStarted = false;
      return false;
    }
    // The client that sent SHUTDOWN sees its connection close without a reply, as with Redis.
    if (from) from.reply.discard();
    server.closeAllClients();
    if (pidfile !== "") {
      log.notice("Removing the pid file.");
      try {
        fs.unlinkSync(pidfile);
      } catch {
        // Already gone.
      }
    }
    // Closing its listener removed the file (libuv unlinks a pipe it bound).
    if (server.config.get<string>("unixsocket") !== "")
      log.notice("Removing the unix socket file.");
    log.warning("Shoal is now ready to exit, bye bye...");
    await log.close();
    // Let the sockets flush what closeAllClients() wrote, then exit.
    setImmediate(() => process.exit(0));
    return true;
  };
  server.onShutdownRequest = finish;

  let sigints = 0;
  const onSignal = (sig: "SIGTERM" | "SIGINT") => {
    if (sig === "SIGINT" && shutdownStarted && ++sigints >= 1) {
      log.warning("You insist... exiting now.");
      void log.close(500).then(() => process.exit(1));
      return;
    }
    log.raw(
      `${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) Received ${sig} scheduling shutdown...`,
    );
    // shutdown-on-sigterm / shutdown-on-sigint: default, or save|nosave plus now/force.
    const flags = server.config
      .get<string>(sig === "SIGTERM" ? "shutdown-on-sigterm" : "shutdown-on-sigint")
      .split(" ");
    const save = flags.includes("save") ? true : flags.includes("nosave") ? false : undefined;
    void finish({ save, force: flags.includes("force") }, null);
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
}

/** strerror()'s text for the common errno codes of opening a file. */
function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "No such file or directory";
  if (code === "EACCES") return "Permission denied";
  if (code === "EISDIR") return "Is a directory";
  return (err as Error).message;
}

/**
 * Redis's redisAsciiArt(): the ASCII-art logo when `always-show-logo` is set or the log goes to a
 * terminal, else one line. Tools wait for the logo's `PID: <pid>` line (Redis's own test suite
 * runs its servers with always-show-logo yes and reads the pid from it).
 */
function logBanner(log: Logger, config: ServerConfig, logfile: string): void {
  const mode = config.get<boolean>("cluster-enabled") ? "cluster" : "standalone";
  const port = config.get<number>("port");
  const showLogo =
    config.get<boolean>("always-show-logo") || (logfile === "" && process.stdout.isTTY === true);
  if (!showLogo) {
    log.notice(`Running mode=${mode}, port=${port}.`);
    return;
  }
  if (log.level > LogLevel.notice) return;
  const title = `Shoal ${SHOAL_VERSION} (Redis ${REDIS_VERSION} compatible) 64 bit`;
  const art = [
    "                _._                                                  ",
    "           _.-``__ ''-._                                             ",
    `      _.-\`\`    \`.  \`_.  ''-._           ${title}`,
    "  .-`` .-```.  ```\\/    _.,_ ''-._                                  ",
    ` (    '      ,       .-\`  | \`,    )     Running in ${mode} mode`,
    ` |\`-._\`-...-\` __...-.\`\`-._|'\` _.-'|     Port: ${port}`,
    ` |    \`-._   \`._    /     _.-'    |     PID: ${process.pid}`,
    "  `-._    `-._  `-./  _.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |           https://redis.io       ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |                                  ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    "      `-._    `-.__.-'    _.-'                                       ",
    "          `-._        _.-'                                           ",
    "              `-.__.-'                                               ",
    "",
  ];
  log.raw(art.join("\n"));
}

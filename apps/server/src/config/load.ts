// One parser for the config file and the command line. Mirrors loadServerConfigFromString() in
// src/config.c (Redis 7.0): lines are trimmed, blank lines and '#' comments skipped, each line
// split with sdssplitargs(); an unknown directive or a bad value stops start-up with the
// "FATAL CONFIG FILE ERROR" banner naming the line.
import { readFileSync } from "node:fs";
import { configFilesFor } from "./config-glob.js";
import {
  ConfigError,
  type ConfigValue,
  DIRECTIVES,
  type Directive,
  defaultValue,
  findDirective,
} from "./directives.js";
import { splitArgs } from "./split-args.js";

export const REDIS_VERSION = "7.0.15";

/** A fatal config error, carrying the full text redis-server prints to stderr. */
export class FatalConfigError extends Error {
  override name = "FatalConfigError";
  constructor(
    readonly reason: string,
    readonly lineNumber?: number,
    readonly line?: string,
  ) {
    super(
      `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n` +
        (lineNumber !== undefined
          ? `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n`
          : "") +
        `${reason}\n`,
    );
  }
}

/** The live configuration: current values by directive name, plus where they came from. */
/**
 * Redis's MULTI_ARG_CONFIG directives: given as one argument (`save "900 1"`, which is what
 * `--save "900 1"` on the command line becomes), it is split as sdssplitargs splits a line.
 */
const MULTI_ARG: ReadonlySet<string> = new Set([
  "save",
  "client-output-buffer-limit",
  "oom-score-adj-values",
  "bind",
  "replicaof",
  "latency-tracking-info-percentiles",
  "shutdown-on-sigint",
  "shutdown-on-sigterm",
]);

export class ServerConfig {
  private readonly values = new Map<string, ConfigValue>();
  /** Absolute path of the config file, if one was given (CONFIG REWRITE writes it). */
  configFile: string | undefined;

  constructor() {
    for (const d of DIRECTIVES) this.values.set(d.name, defaultValue(d));
  }

  get<T extends ConfigValue>(name: string): T {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`unknown config ${name}`);
    return v as T;
  }

  set(name: string, v: ConfigValue): void {
    this.values.set(name, v);
    this.version++;
  }

  /** Bumped by every change: lets hot paths cache a value and re-read it only after one. */
  version = 0;

  /** Applies one already-split line; throws ConfigError with Redis's reason. */
  applyLine(argv: readonly string[], seen: Set<string>): void {
    const d = findDirective(argv[0]!);
    if (d === undefined) throw new ConfigError("Bad directive or wrong number of arguments");
    // A repeated multi-line directive (save, client-output-buffer-limit) accumulates within one
    // load; its first occurrence replaces the default.
    const prev = d.multiLine && seen.has(d.name) ? this.values.get(d.name) : undefined;
    this.values.set(d.name, d.parse(argv.slice(1), prev));
    this.version++;
    seen.add(d.name);
  }

  /** Loads config text (file contents + "\n" + argv options), throwing FatalConfigError. */
  loadFromString(text: string): void {
    this.loadLines(text, new Set<string>(), 0);
  }

  private loadLines(text: string, seen: Set<string>, depth: number): void {
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
      if (line.length === 0 || line.startsWith("#")) continue;
      const argv = splitArgs(line);
      if (argv === null)
        throw new FatalConfigError("Unbalanced quotes in configuration line", i + 1, line);
      if (argv.length === 0) continue;
      argv[0] = argv[0]!.toLowerCase();
      try {
        if (this.specialLine(argv, seen, depth)) continue;
        const d = findDirective(argv[0]);
        if (d === undefined || (argv.length < 2 && d.name !== "save"))
          throw new ConfigError(
            d === undefined
              ? "Bad directive or wrong number of arguments"
              : "wrong number of arguments",
          );
        // A multi-argument directive given one non-empty argument is split (`--save "900 1"`).
        if (MULTI_ARG.has(d.name) && argv.length === 2 && argv[1] !== "")
          argv.splice(1, 1, ...(splitArgs(argv[1]!) ?? []));
        this.applyLine(argv, seen);
      } catch (err) {
        if (err instanceof ConfigError) throw new FatalConfigError(err.message, i + 1, line);
        throw err;
      }
    }
  }

  /**
   * Config-file-only lines that hold no value: `include` reads another file in place (as Redis's
   * loadServerConfig(argv[1])); `rename-command`, `user` and `loadmodule` are refused: ignoring
   * them would leave a command the operator meant to hide reachable, a user meant to be locked
   * open, or a module's commands missing, without a word.
   */
  private specialLine(argv: readonly string[], seen: Set<string>, depth: number): boolean {
    const name = argv[0];
    if (name === "include") {
      if (argv.length !== 2) throw new ConfigError("Bad directive or wrong number of arguments");
      // Redis has no limit and recurses until the stack gives out; a cycle is a mistake.
      if (depth >= 32) throw new ConfigError("include nested too deeply (an include cycle?)");
      this.loadLines(readConfigFile(argv[1]!), seen, depth + 1);
      return true;
    }
    if (name === "rename-command") {
      if (argv.length !== 3) throw new ConfigError("Bad directive or wrong number of arguments");
      throw new ConfigError(
        "rename-command is not supported by Shoal: the command would stay reachable under its name; remove the line (use ACL rules to deny commands)",
      );
    }
    if (name === "user") {
      if (argv.length < 2) throw new ConfigError("Bad directive or wrong number of arguments");
      // Dropping the line would leave the default user open where the file meant to close it.
      throw new ConfigError(
        "ACL users in the config file are not supported by Shoal (it has only 'default'); remove the 'user' lines",
      );
    }
    if (name === "loadmodule") {
      if (argv.length < 2) throw new ConfigError("Bad directive or wrong number of arguments");
      throw new ConfigError(`Shoal can't load Redis modules; remove 'loadmodule ${argv[1]}'`);
    }
    return false;
  }

  /** All directives with their CONFIG GET text. */
  entries(): Array<[Directive, string]> {
    return DIRECTIVES.map((d) => [d, d.format(this.values.get(d.name)!)]);
  }
}

/** Reads the config file (or stdin) and appends argv options, as redis-server does. */
export function buildConfigText(
  configFile: string | undefined,
  fromStdin: boolean,
  options: string,
): string {
  let text = "";
  if (configFile !== undefined) text = readConfigFile(configFile);
  if (fromStdin) {
    try {
      text += readFileSync(0, "latin1");
    } catch {
      // No stdin: nothing to add.
    }
  }
  if (options.length > 0) text += `\n${options}`;
  return text;
}

/**
 * The text of the config file(s) `name` stands for (a glob pattern reads every match in order,
 * or nothing), or Redis's "can't open config file" fatal error.
 */
function readConfigFile(name: string): string {
  return configFilesFor(name).map(readOneConfigFile).join("");
}

function readOneConfigFile(file: string): string {
  try {
    return readFileSync(file, "latin1");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new FatalConfigError(
      `Fatal error, can't open config file '${file}': ${e.code === "ENOENT" ? "No such file or directory" : e.message}`,
    );
  }
}

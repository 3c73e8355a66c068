// shoal-cli: redis-cli's common form. One-shot commands (`shoal-cli -p 7000 get foo`, repeated
// with -r/-i), an interactive prompt with history, tab completion and argument hints, -c to
// follow cluster redirects, and the `--cluster <verb>` cluster manager (cluster-manager.ts).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { Command } from "commander";
import { ConnectionError, ReplyError } from "../errors.js";
import type { Arg } from "../wire.js";
import { runClusterManager } from "./cluster-manager.js";
import { formatRaw, formatTTY } from "./format.js";
import { completeCommand, HINTS, hintFor } from "./hints.js";
import { Session, type SessionOptions } from "./session.js";
import { splitArgs } from "./split-args.js";

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/** redis-cli spells some flags as bare digits (-2, -3); commander wants names. */
const WITH_VALUE = new Set(["-h", "-p", "-a", "--user", "-u", "-n", "-r", "-i"]);
function normalizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-3") out.push("--resp3");
    else if (a === "-2") out.push("--resp2");
    else if (WITH_VALUE.has(a)) out.push(a, ...argv.slice(i + 1, i + 2));
    else if (a.startsWith("-")) out.push(a);
    else return [...out, ...argv.slice(i)]; // the command starts here: pass it through as is
    if (WITH_VALUE.has(a)) i++;
  }
  return out;
}

interface CliFlags {
  h: string;
  p: string;
  a?: string;
  user?: string;
  u?: string;
  c?: boolean;
  n?: string;
  resp3?: boolean;
  resp2?: boolean;
  r?: string;
  i?: string;
  raw?: boolean;
  tls?: boolean;
}

export function buildProgram(): Command {
  return new Command("shoal-cli")
    .description(
      "Command-line client for Redis-compatible servers and clusters (redis-cli's common form).\n" +
        "Run a command once:   shoal-cli -p 7000 set foo bar\n" +
        "Interactive prompt:   shoal-cli -c -p 7000\n" +
        "Cluster manager:      shoal-cli --cluster help",
    )
    .helpOption("--help", "Output this help and exit")
    .option("-h <hostname>", "Server hostname", "127.0.0.1")
    .option("-p <port>", "Server port", "6379")
    .option("-a <password>", "Password to use when connecting to the server")
    .option("--user <username>", "Used to send ACL style 'AUTH username pass'. Needs -a")
    .option("-u <uri>", "Server URI: redis://[user:password@]host:port[/db]")
    .option("-c", "Enable cluster mode (follow -ASK and -MOVED redirections)")
    .option("-n <db>", "Database number")
    .option("--resp2", "Start session in RESP2 protocol mode (also -2)")
    .option("--resp3", "Start session in RESP3 protocol mode (also -3)")
    .option("-r <repeat>", "Execute specified command N times")
    .option("-i <interval>", "When -r is used, waits <interval> seconds per command (decimals ok)")
    .option("--raw", "Use raw formatting for replies (default when STDOUT is not a tty)")
    .option("--no-raw", "Force formatted output even when STDOUT is not a tty")
    .option("--tls", "Establish a secure TLS connection")
    .option(
      "--cluster <command> [args...]",
      "Cluster manager: create, check, info, add-node, del-node, call, help",
    )
    .argument("[command...]", "Command and arguments to run once; none starts the prompt")
    .passThroughOptions()
    .allowExcessArguments(true)
    .showHelpAfterError();
}

function sessionOptions(flags: CliFlags): SessionOptions {
  let host = flags.h;
  let port = Number(flags.p);
  let password = flags.a ?? process.env.REDISCLI_AUTH;
  let username = flags.user;
  let db = flags.n !== undefined ? Number(flags.n) : undefined;
  let tls = flags.tls ?? false;
  if (flags.u) {
    const u = new URL(flags.u);
    host = u.hostname;
    port = u.port ? Number(u.port) : 6379;
    if (u.username) username = decodeURIComponent(u.username);
    if (u.password) password = decodeURIComponent(u.password);
    const d = u.pathname.replace(/^\//, "");
    if (d) db = Number(d);
    if (u.protocol === "rediss:") tls = true;
  }
  return {
    host,
    port,
    resp: flags.resp3 ? 3 : 2,
    cluster: flags.c ?? false,
    tls,
    ...(password !== undefined ? { password } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(db !== undefined ? { db } : {}),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function printer(io: CliIO, raw: boolean) {
  return (reply: unknown) => {
    if (raw) {
      io.stdout.write(formatRaw(reply));
      io.stdout.write("\n");
    } else io.stdout.write(`${formatTTY(reply)}\n`);
  };
}

const SUBSCRIBE = new Set(["subscribe", "psubscribe", "ssubscribe"]);

/** SUBSCRIBE-family: print confirmations, then every message until the connection ends. */
async function runSubscribe(
  session: Session,
  argv: Buffer[],
  print: (r: unknown) => void,
  io: CliIO,
) {
  const conn = session.client.connection();
  conn.subscriberMode = true;
  io.stderr.write("Reading messages... (press Ctrl-C to quit)\n");
  conn.on("push", (msg: unknown[]) => print(msg));
  const confirmations = (await conn.send(argv, argv.length - 1)) as unknown[];
  for (const c of confirmations) print(c);
  await new Promise<void>((resolve) => conn.once("close", () => resolve()));
}

export async function runCli(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (argv.includes("--cluster")) return runClusterManager(argv, io);
  const program = buildProgram();
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  program.exitOverride();
  try {
    program.parse(normalizeArgv(argv), { from: "user" });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code ?? 1;
  }
  const flags = program.opts<CliFlags>();
  const command = program.args;
  const opts = sessionOptions(flags);
  const raw = flags.raw ?? !io.stdout.isTTY;
  const print = printer(io, raw);
  const session = new Session(opts);
  try {
    if (command.length === 0) return await repl(session, io, raw);
    const args: Arg[] = command;
    if (SUBSCRIBE.has(command[0]!.toLowerCase())) {
      await runSubscribe(
        session,
        command.map((c) => Buffer.from(c)),
        print,
        io,
      );
      return 0;
    }
    const repeat = flags.r !== undefined ? Number(flags.r) : 1;
    const interval = flags.i !== undefined ? Number(flags.i) * 1000 : 0;
    for (let n = 0; repeat < 0 || n < repeat; n++) {
      if (n > 0 && interval > 0) await sleep(interval);
      print(await session.send(args));
    }
    return 0;
  } catch (err) {
    if (err instanceof ConnectionError)
      io.stderr.write(
        `Could not connect to Redis at ${session.host}:${session.port}: ${connectionReason(err)}\n`,
      );
    else io.stderr.write(`${(err as Error).message}\n`);
    return 1;
  } finally {
    session.close();
  }
}

function connectionReason(err: ConnectionError): string {
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ECONNREFUSED") return "Connection refused";
  if (code === "ENOTFOUND") return "Name or service not known";
  return err.message;
}

function historyFile(): string | undefined {
  const env = process.env.SHOAL_CLI_HISTFILE ?? process.env.REDISCLI_HISTFILE;
  if (env === "/dev/null" || env === "-") return undefined;
  return env ?? path.join(os.homedir(), ".shoal_cli_history");
}

/** The interactive prompt. Without a terminal on stdin it reads one command per line. */
async function repl(session: Session, io: CliIO, raw: boolean): Promise<number> {
  const tty = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const print = printer(io, raw);
  const histFile = tty ? historyFile() : undefined;
  let history: string[] = [];
  if (histFile && existsSync(histFile))
    history = readFileSync(histFile, "utf8").split("\n").filter(Boolean).reverse().slice(0, 1000);
  const rl = readline.createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal: tty,
    history,
    historySize: 1000,
    completer: (line: string) => completeCommand(line),
  });
  // Take the line iterator now: lines piped in while we connect must not be lost.
  const lines = rl[Symbol.asyncIterator]();
  let connected = true;
  try {
    await session.connect();
  } catch (err) {
    connected = false;
    io.stderr.write(
      `Could not connect to Redis at ${session.host}:${session.port}: ${err instanceof ConnectionError ? connectionReason(err) : (err as Error).message}\n`,
    );
  }
  const promptText = () => (connected ? session.prompt : "not connected> ");
  session.onRedirect = (slot, host, port) => {
    if (tty) io.stdout.write(`-> Redirected to slot [${slot}] located at ${host}:${port}\n`);
  };
  if (tty) {
    // Hints: the rest of the command's syntax, dimmed, after the cursor (redis-cli shows them
    // the same way through linenoise).
    io.stdin.on("keypress", () => {
      setImmediate(() => {
        const line = (rl as unknown as { line: string }).line;
        const hint = hintFor(line);
        io.stdout.write("\x1b[K");
        if (hint) io.stdout.write(`\x1b7\x1b[90m ${hint}\x1b[0m\x1b8`);
      });
    });
  }
  rl.setPrompt(promptText());
  if (tty) rl.prompt();
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const line = next.value;
    if (tty) io.stdout.write("\x1b[K");
    const trimmed = line.trim();
    if (trimmed === "") {
      if (tty) rl.prompt();
      continue;
    }
    if (histFile) {
      try {
        mkdirSync(path.dirname(histFile), { recursive: true });
        appendFileSync(histFile, `${trimmed}\n`);
      } catch {
        // History is a convenience; a read-only home directory must not stop the prompt.
      }
    }
    const args = splitArgs(trimmed);
    if (!args) {
      io.stdout.write("Invalid argument(s)\n");
    } else {
      const name = args[0]!.toString().toLowerCase();
      if (name === "quit" || name === "exit") break;
      if (name === "clear") io.stdout.write("\x1b[H\x1b[2J");
      else if (name === "help") {
        const cmd = args[1]?.toString().toUpperCase();
        if (cmd && HINTS[cmd] !== undefined) io.stdout.write(`\n  ${cmd} ${HINTS[cmd]}\n\n`);
        else
          io.stdout.write(
            "shoal-cli: type a command and its arguments; `help <command>` shows its syntax; `quit` leaves.\n",
          );
      } else if (name === "connect" && args.length >= 3) {
        session.switchTo(args[1]!.toString(), Number(args[2]!.toString()));
        try {
          await session.connect();
          connected = true;
        } catch (err) {
          connected = false;
          io.stderr.write(`Could not connect: ${(err as Error).message}\n`);
        }
      } else if (SUBSCRIBE.has(name)) {
        await runSubscribe(session, args, print, io);
      } else {
        try {
          print(await session.send(args));
          connected = true;
        } catch (err) {
          connected = false;
          io.stdout.write(
            err instanceof ReplyError
              ? `(error) ${err.message}\n`
              : `Error: ${(err as Error).message}\n`,
          );
          // The next command reconnects (the client reopens its connection on demand).
        }
      }
    }
    rl.setPrompt(promptText());
    if (tty) rl.prompt();
  }
  rl.close();
  return 0;
}

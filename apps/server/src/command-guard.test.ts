// A command that throws must not end the node: an in-process server whose table has commands
// that throw (plainly, after part of a reply, inside EXEC, when a blocked client is re-run, when
// a paused command is replayed) answers each with an error and a warning naming the command, and
// goes on serving. With SHOAL_FAIL_FAST=1 (the test suites' setting) the exception is rethrown.
import type { CommandContext, CommandSpec } from "@shoal/keyspace-store";
import type { CommandArgs, ReplyWriter } from "@shoal/resp-codec";
import { freePort, rawExchange } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerConfig } from "./config/load.js";
import { Logger } from "./log.js";
import { Server } from "./server.js";
import { KeyspaceStore } from "./store/keyspace-adapter.js";

const spec = (
  name: string,
  flags: string,
  handler: (ctx: CommandContext, args: CommandArgs, w: ReplyWriter) => void,
): CommandSpec => ({
  name,
  arity: -1,
  flags: flags.split(" ") as CommandSpec["flags"],
  firstKey: flags.includes("write") || flags.includes("blocking") ? 1 : 0,
  lastKey: flags.includes("write") || flags.includes("blocking") ? 1 : 0,
  step: flags.includes("write") || flags.includes("blocking") ? 1 : 0,
  aclCategories: [],
  handler,
});

const THROWING: CommandSpec[] = [
  spec("boom", "fast", () => {
    throw new Error("kaboom");
  }),
  spec("partial", "fast", (_ctx, _args, w) => {
    w.array(3);
    w.bulk("half a reply");
    throw new TypeError("cannot read properties of undefined");
  }),
  spec("boomwrite", "write", () => {
    throw new Error("write went wrong");
  }),
  // Blocks while the key is missing; throws when re-run because the key became ready.
  spec("blockboom", "write blocking", (ctx, args) => {
    if (ctx.readyKey === null) {
      ctx.block([args.latin1(1)], 0, "nullArray");
      return;
    }
    throw new Error("re-run went wrong");
  }),
];

class CaptureLogger extends Logger {
  readonly lines: string[] = [];
  override log(_level: number, msg: string): void {
    this.lines.push(msg);
  }
}

class StoreWithThrowingCommands extends KeyspaceStore {
  constructor() {
    super({ databases: 16 });
    (this as { commands: readonly CommandSpec[] }).commands = [...this.commands, ...THROWING];
  }
}

const cmd = (...args: string[]) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

function newServer(failFast: string, port: number): { server: Server; log: CaptureLogger } {
  const saved = process.env.SHOAL_FAIL_FAST;
  process.env.SHOAL_FAIL_FAST = failFast;
  try {
    const config = new ServerConfig();
    config.loadFromString(`port ${port}\nbind 127.0.0.1\nsave ""\n`);
    const log = new CaptureLogger("");
    return { server: new Server(config, log, new StoreWithThrowingCommands()), log };
  } finally {
    process.env.SHOAL_FAIL_FAST = saved;
  }
}

describe("a command that throws", () => {
  let server: Server;
  let log: CaptureLogger;
  let port: number;
  const send = (payload: string, expectEnd: string) =>
    rawExchange(port, payload, {
      timeout: 5000,
      done: (b) => b.toString("latin1").endsWith(expectEnd),
    }).then((b) => b.toString("latin1"));

  beforeAll(async () => {
    port = await freePort();
    ({ server, log } = newServer("0", port));
    await server.listen();
    server.startCron();
  });
  afterAll(async () => {
    await server.shutdown({ save: false });
    server.closeAllClients();
  });

  it("is answered with an error naming it, logged with the stack, and the node goes on", async () => {
    const before = server.commandExceptions;
    const out = await send(cmd("BOOM") + cmd("PING"), "+PONG\r\n");
    expect(out).toBe("-ERR internal error in 'boom': kaboom\r\n+PONG\r\n");
    expect(server.commandExceptions).toBe(before + 1);
    const line = log.lines.find((l) => l.startsWith("Exception in command 'boom' from client id="));
    expect(line).toContain("Error: kaboom\n    at ");
    // Counted as a failed call with an ERR error, as any error reply.
    const stats = await send(cmd("INFO", "errorstats"), "\r\n\r\n");
    expect(stats).toMatch(/errorstat_ERR:count=\d+/);
    const cs = await send(cmd("INFO", "commandstats"), "\r\n\r\n");
    expect(cs).toMatch(
      /cmdstat_boom:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=1/,
    );
  });

  it("loses the part of its reply it had written: the stream stays well formed", async () => {
    const out = await send(cmd("PARTIAL") + cmd("ECHO", "next"), "$4\r\nnext\r\n");
    expect(out).toBe(
      "-ERR internal error in 'partial': cannot read properties of undefined\r\n$4\r\nnext\r\n",
    );
  });

  it("inside EXEC: that command's slot holds the error, the others run", async () => {
    const out = await send(
      cmd("MULTI") +
        cmd("SET", "g:a", "1") +
        cmd("PARTIAL") +
        cmd("GET", "g:a") +
        cmd("EXEC") +
        cmd("PING"),
      "+PONG\r\n",
    );
    expect(out).toBe(
      "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n" +
        "-ERR internal error in 'partial': cannot read properties of undefined\r\n$1\r\n1\r\n+PONG\r\n",
    );
    // The transaction's propagation state was closed: a later EXEC works.
    expect(await send(cmd("MULTI") + cmd("PING") + cmd("EXEC"), "+PONG\r\n")).toBe(
      "+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
    );
  });

  it("when a blocked client's command is re-run: that client gets the error, the pusher its reply", async () => {
    const blocked = rawExchange(port, cmd("BLOCKBOOM", "g:list") + cmd("PING"), {
      timeout: 5000,
      done: (b) => b.toString("latin1").endsWith("+PONG\r\n"),
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(server.blocking.count).toBe(1);
    expect(await send(cmd("RPUSH", "g:list", "x"), ":1\r\n")).toBe(":1\r\n");
    expect((await blocked).toString("latin1")).toBe(
      "-ERR internal error in 'blockboom': re-run went wrong\r\n+PONG\r\n",
    );
    expect(server.blocking.count).toBe(0);
  });

  it("when a command held by CLIENT PAUSE WRITE is replayed", async () => {
    // Timed from before the PAUSE is sent, so the bound holds however late its +OK arrives:
    // the pause starts after that moment, and the held write runs only once it ends.
    const t0 = Date.now();
    await send(cmd("CLIENT", "PAUSE", "300", "WRITE"), "+OK\r\n");
    const out = await send(cmd("BOOMWRITE", "g:k") + cmd("PING"), "+PONG\r\n");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(299);
    expect(out).toBe("-ERR internal error in 'boomwrite': write went wrong\r\n+PONG\r\n");
  });

  it("a reply too large for a connection is refused, not attempted", async () => {
    const out = await send(
      cmd("HSET", "g:h", "f", "v") +
        cmd("HRANDFIELD", "g:h", "-4611686018427387903", "WITHVALUES") +
        cmd("PING"),
      "+PONG\r\n",
    );
    expect(out).toBe(
      ":1\r\n-ERR reply too large: an aggregate of 9223372036854776000 elements\r\n+PONG\r\n",
    );
  });

  it("with SHOAL_FAIL_FAST=1 the exception is logged once and rethrown through every guard", async () => {
    const strict = newServer("1", await freePort());
    expect(strict.server.failFast).toBe(true);
    const client = { id: 7, lastCommand: "boom" } as never;
    const err = new Error("loud");
    expect(() => strict.server.commandException(client, "boom", err, 0)).toThrow(err);
    // An outer guard (EXEC around its queued command) passes it on without logging it again.
    expect(() => strict.server.commandException(client, "exec", err, 0)).toThrow(err);
    expect(strict.log.lines.filter((l) => l.startsWith("Exception in command"))).toHaveLength(1);
    expect(strict.server.commandExceptions).toBe(1);
    // The suites run with it set, so a test run surfaces every such exception.
    expect(process.env.SHOAL_FAIL_FAST).toBe("1");
  });
});

// Connections opened while a script is busy (issue 15), against redis-server 7.0.15: past
// busy-reply-threshold a NEW connection is accepted and answered BUSY, and SCRIPT KILL, FUNCTION
// KILL and SHUTDOWN NOSAVE work from it (a fresh `redis-cli SCRIPT KILL` in a second terminal);
// afterwards the adopted connection is an ordinary client. Shoal accepts these on a worker thread
// (networking/busy-accept.ts) while the main thread is inside the script.
import net from "node:net";
import {
  freePort,
  redisCli,
  type ServerHandle,
  sleep,
  startRedisServer,
  waitFor,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, startShoal } from "./helpers.js";

const ARGS = ["--busy-reply-threshold", "100"];
const BUSY_EVAL =
  "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
const BUSY_FUNCTION =
  "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
const SPIN = "while true do end";
const SPIN_LIBRARY =
  "#!lua name=busylib\nredis.register_function('spin', function() while true do end end)";

let shoal: ServerHandle;
let redis: ServerHandle;

beforeAll(async () => {
  [shoal, redis] = await Promise.all([
    startShoal(ARGS, { port: await freePort() }),
    startRedisServer({ port: await freePort(), args: ARGS }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([shoal?.stop(), redis?.stop()]);
});

interface Conn {
  sock: net.Socket;
  data(): string;
  /** Sends `payload` and waits until `n` more CRLF-terminated lines came back. */
  ask(payload: string, lines: number): Promise<string>;
}

/** A connection; resolves once the kernel completed it (nobody needs to have accepted it yet). */
async function open(port: number): Promise<Conn> {
  const sock = net.connect(port, "127.0.0.1");
  // A reset when a server stops under an open connection is not this test's business.
  sock.on("error", () => {});
  await new Promise((r) => sock.once("connect", r));
  let buf = "";
  sock.on("data", (d) => {
    buf += d.toString("latin1");
  });
  return {
    sock,
    data: () => buf,
    async ask(payload, lines) {
      const from = buf.length;
      const want = buf.slice(0, from).split("\r\n").length - 1 + lines;
      sock.write(payload);
      await waitFor(() => buf.split("\r\n").length - 1 >= want, { timeout: 10_000 });
      return buf.slice(from);
    },
  };
}

const servers: [string, () => ServerHandle][] = [
  ["shoal", () => shoal],
  ["redis", () => redis],
];

describe("a connection opened while a script is busy", () => {
  it.each(servers)(
    "%s: gets BUSY, SCRIPT KILL from another new one ends the script, then it works normally",
    async (_n, server) => {
      const port = server().port;
      const runner = await open(port);
      runner.sock.write(cmd("EVAL", SPIN, "0"));
      await sleep(400);
      const fresh = await open(port);
      expect(await fresh.ask(cmd("PING") + cmd("GET", "x"), 2)).toBe(BUSY_EVAL + BUSY_EVAL);
      // redis-cli, as typed in a second terminal.
      expect(await redisCli(port, ["PING"])).toBe(`${BUSY_EVAL.slice(1, -2)}\n\n`);
      const killer = await open(port);
      expect(await killer.ask(cmd("SCRIPT", "KILL"), 1)).toBe("+OK\r\n");
      await waitFor(() => runner.data().length > 0, { timeout: 10_000 });
      expect(runner.data()).toMatch(
        /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/,
      );
      expect(await fresh.ask(cmd("SET", "adopted", "v") + cmd("GET", "adopted"), 3)).toBe(
        "+OK\r\n$1\r\nv\r\n",
      );
      // CLIENT LIST shows the connection's real address (getpeername on the adopted socket).
      const list = await fresh.ask(cmd("CLIENT", "LIST"), 2);
      expect(list).toContain(` addr=127.0.0.1:${fresh.sock.localPort} laddr=127.0.0.1:${port} `);
      for (const c of [runner, fresh, killer]) c.sock.destroy();
    },
  );

  it.each(servers)("%s: redis-cli SCRIPT KILL from a new connection", async (_n, server) => {
    const port = server().port;
    const runner = await open(port);
    runner.sock.write(cmd("EVAL", SPIN, "0"));
    await sleep(400);
    expect(await redisCli(port, ["SCRIPT", "KILL"])).toBe("OK\n");
    await waitFor(() => runner.data().length > 0, { timeout: 10_000 });
    expect(runner.data()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. /);
    expect(await redisCli(port, ["PING"])).toBe("PONG\n");
    runner.sock.destroy();
  });

  it("FUNCTION KILL from a new connection ends an FCALL busy loop, as on redis-server", async () => {
    const seen = async (port: number) => {
      const setup = await open(port);
      await setup.ask(cmd("FUNCTION", "LOAD", "REPLACE", SPIN_LIBRARY), 1);
      const runner = await open(port);
      runner.sock.write(cmd("FCALL", "spin", "0"));
      await sleep(400);
      const fresh = await open(port);
      const busy = await fresh.ask(cmd("PING") + cmd("SCRIPT", "KILL"), 2);
      const killer = await open(port);
      const kill = await killer.ask(cmd("FUNCTION", "KILL"), 1);
      await waitFor(() => runner.data().length > 0, { timeout: 10_000 });
      const after = await fresh.ask(cmd("PING"), 1);
      for (const c of [setup, runner, fresh, killer]) c.sock.destroy();
      return [busy, kill, runner.data(), after];
    };
    const [s, r] = await Promise.all([seen(shoal.port), seen(redis.port)]);
    expect(s).toEqual(r);
    expect(r).toEqual([
      BUSY_FUNCTION + BUSY_FUNCTION,
      "+OK\r\n",
      // Redis 7.0 names SCRIPT KILL in the error whichever command killed it.
      "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n",
      "+PONG\r\n",
    ]);
  });

  it("one opened before the threshold is answered once it passes, its commands in order", async () => {
    // Connected and sent before the threshold: nobody accepts it yet, on either server; once the
    // script is past it, it is accepted and answered BUSY, as Redis's processEventsWhileBlocked.
    const seen = async (port: number) => {
      const admin = await open(port);
      await admin.ask(cmd("CONFIG", "SET", "busy-reply-threshold", "1500"), 1);
      const runner = await open(port);
      runner.sock.write(cmd("EVAL", SPIN, "0"));
      await sleep(100);
      const early = await open(port);
      early.sock.write(cmd("PING") + cmd("SET", "early", "1") + cmd("GET", "early"));
      await sleep(200);
      // Still under the threshold: nothing answered yet.
      const before = early.data();
      await waitFor(() => early.data().split("\r\n").length > 3, { timeout: 10_000 });
      const busy = early.data();
      const kill = await (await open(port)).ask(cmd("SCRIPT", "KILL"), 1);
      await waitFor(() => runner.data().length > 0, { timeout: 10_000 });
      const after = await early.ask(cmd("SET", "early", "2") + cmd("GET", "early"), 3);
      await admin.ask(cmd("CONFIG", "SET", "busy-reply-threshold", "100"), 1);
      for (const c of [admin, runner, early]) c.sock.destroy();
      return [before, busy, kill, after];
    };
    const [s, r] = await Promise.all([seen(shoal.port), seen(redis.port)]);
    expect(s).toEqual(r);
    expect(r).toEqual(["", BUSY_EVAL.repeat(3), "+OK\r\n", "+OK\r\n$1\r\n2\r\n"]);
  });

  it("one opened during a script that ends under the threshold is served after it, in order", async () => {
    const seen = async (port: number) => {
      const admin = await open(port);
      await admin.ask(cmd("CONFIG", "SET", "busy-reply-threshold", "5000"), 1);
      const runner = await open(port);
      // About 400 ms of wall time by the server's clock, then returns.
      runner.sock.write(
        cmd(
          "EVAL",
          "local t = redis.call('TIME') local s = tonumber(t[1]) * 1000000 + tonumber(t[2]) while true do local n = redis.call('TIME') if tonumber(n[1]) * 1000000 + tonumber(n[2]) - s > 400000 then break end end return 'done'",
          "0",
        ),
      );
      await sleep(100);
      const during = await open(port);
      const replies = await during.ask(
        cmd("PING") + cmd("SET", "during", "1") + cmd("INCR", "during") + cmd("GET", "during"),
        5,
      );
      await waitFor(() => runner.data().length > 0, { timeout: 10_000 });
      await admin.ask(cmd("CONFIG", "SET", "busy-reply-threshold", "100"), 1);
      for (const c of [admin, runner, during]) c.sock.destroy();
      return [replies, runner.data()];
    };
    const [s, r] = await Promise.all([seen(shoal.port), seen(redis.port)]);
    expect(s).toEqual(r);
    expect(r).toEqual(["+PONG\r\n+OK\r\n:2\r\n$1\r\n2\r\n", "$4\r\ndone\r\n"]);
  });

  it("accepts again on the main thread after a busy script, over and over", async () => {
    // The accept thread sleeps between busy scripts: each round's new connections get BUSY during
    // the script and ordinary replies after it.
    const port = shoal.port;
    for (let round = 0; round < 3; round++) {
      const runner = await open(port);
      runner.sock.write(cmd("EVAL", SPIN, "0"));
      await sleep(250);
      expect(await (await open(port)).ask(cmd("PING"), 1)).toBe(BUSY_EVAL);
      expect(await (await open(port)).ask(cmd("SCRIPT", "KILL"), 1)).toBe("+OK\r\n");
      await waitFor(() => runner.data().length > 0, { timeout: 10_000 });
      const quiet = await Promise.all(
        Array.from({ length: 20 }, async () => (await open(port)).ask(cmd("PING"), 1)),
      );
      expect(quiet).toEqual(Array(20).fill("+PONG\r\n"));
      runner.sock.destroy();
    }
  });
});

describe("listeners replaced by CONFIG SET port", () => {
  it("shoal: the new listener is accepted on while busy, the old port refuses", async () => {
    // The accept thread keeps a handle on every listening fd it was given; a new listener must
    // not land on such a number, or the thread cannot listen on it (busy-accept.ts).
    const ports: [number, number] = [await freePort(), await freePort()];
    const server = await startShoal(ARGS, { port: ports[0] });
    try {
      let port = ports[0];
      // CONFIG SET goes through a connection opened first, and the others are closed before it:
      // the lowest free fd number when the new listener is created is then the one the listener
      // before last had, which the accept thread still holds.
      const admin = await open(port);
      for (let round = 0; round < 4; round++) {
        const runner = await open(port);
        runner.sock.write(cmd("EVAL", SPIN, "0"));
        await sleep(250);
        const fresh = await open(port);
        expect(await fresh.ask(cmd("PING"), 1)).toBe(BUSY_EVAL);
        const killer = await open(port);
        expect(await killer.ask(cmd("SCRIPT", "KILL"), 1)).toBe("+OK\r\n");
        await waitFor(() => runner.data().length > 0, { timeout: 10_000 });
        for (const c of [runner, fresh, killer]) c.sock.destroy();
        await waitFor(
          async () => (await admin.ask(cmd("CLIENT", "LIST"), 2)).split("id=").length === 2,
          { timeout: 5000 },
        );
        const next = ports[(round + 1) % 2] as number;
        expect(await admin.ask(cmd("CONFIG", "SET", "port", String(next)), 1)).toBe("+OK\r\n");
        const old = port;
        port = next;
        await expect(
          new Promise((resolve, reject) => {
            const s = net.connect(old, "127.0.0.1", () => resolve(s.destroy()));
            s.once("error", reject);
          }),
        ).rejects.toThrow(/ECONNREFUSED/);
      }
      admin.sock.destroy();
      expect(server.output()).not.toContain("accept thread");
    } finally {
      await server.stop();
    }
  });
});

describe("SHUTDOWN NOSAVE from a connection opened while a script is busy", () => {
  it.each([
    ["shoal", () => freePort().then((port) => startShoal(ARGS, { port }))],
    ["redis", () => freePort().then((port) => startRedisServer({ port, args: ARGS }))],
  ])("%s: stops the node", async (_n, start) => {
    const server = await start();
    try {
      const runner = await open(server.port);
      runner.sock.write(cmd("EVAL", SPIN, "0"));
      await sleep(400);
      const exited = new Promise<number | null>((r) =>
        server.process.once("exit", (code) => r(code)),
      );
      const fresh = await open(server.port);
      fresh.sock.write(cmd("SHUTDOWN", "NOSAVE"));
      expect(await exited).toBe(0);
      await waitFor(() => fresh.sock.closed, { timeout: 5000 });
      // Nothing answers on the port any more.
      await expect(
        new Promise((resolve, reject) => {
          const s = net.connect(server.port, "127.0.0.1", () => resolve(s.destroy()));
          s.once("error", reject);
        }),
      ).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await server.stop();
    }
  });
});

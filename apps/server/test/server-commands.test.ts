// CLIENT PAUSE, MONITOR, SLOWLOG, CLIENT KILL/LIST and HELLO/AUTH with requirepass, against the
// built server with its real data store.
import { createHash } from "node:crypto";
import net from "node:net";
import { rawExchange, redisCli, type ServerHandle, spawnServer, waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, MAIN_JS } from "./helpers.js";

function client(port: number) {
  const sock = net.connect({ port, host: "127.0.0.1" });
  const got: string[] = [];
  sock.on("data", (d) => got.push(d.toString("latin1")));
  return { sock, text: () => got.join("") };
}

describe("server commands", () => {
  let s: ServerHandle;
  beforeAll(async () => {
    s = await spawnServer({ command: [process.execPath, MAIN_JS], args: ["--save", ""] });
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("CLIENT PAUSE WRITE holds writes, lets reads through, and UNPAUSE releases them", async () => {
    expect(await redisCli(s.port, ["client", "pause", "10000", "write"])).toBe("OK\n");
    const w = client(s.port);
    w.sock.write(cmd("SET", "p", "1") + cmd("ECHO", "after-set"));
    expect(await exchange(s.port, cmd("GET", "p"))).toBe("$-1\r\n");
    await new Promise((r) => setTimeout(r, 200));
    expect(w.text()).toBe("");
    expect(await redisCli(s.port, ["client", "unpause"])).toBe("OK\n");
    await waitFor(() => w.text() === "+OK\r\n$9\r\nafter-set\r\n");
    w.sock.destroy();
  });

  it("CLIENT PAUSE WRITE runs a read-only transaction and holds one that writes", async () => {
    expect(await redisCli(s.port, ["client", "pause", "10000", "write"])).toBe("OK\n");
    expect(await exchange(s.port, cmd("MULTI") + cmd("GET", "tx-r") + cmd("EXEC"))).toBe(
      "+OK\r\n+QUEUED\r\n*1\r\n$-1\r\n",
    );
    const w = client(s.port);
    w.sock.write(
      cmd("MULTI") + cmd("GET", "tx-r") + cmd("EXEC") + cmd("MULTI") + cmd("SET", "tx-r", "1"),
    );
    await waitFor(() => w.text() === "+OK\r\n+QUEUED\r\n*1\r\n$-1\r\n+OK\r\n");
    await new Promise((r) => setTimeout(r, 200));
    // The SET waits to be queued, as in Redis (the pause check comes before queueing).
    expect(w.text()).toBe("+OK\r\n+QUEUED\r\n*1\r\n$-1\r\n+OK\r\n");
    expect(await redisCli(s.port, ["client", "unpause"])).toBe("OK\n");
    await waitFor(() => w.text().endsWith("+OK\r\n+QUEUED\r\n"));
    w.sock.destroy();
  });

  it("CLIENT PAUSE keeps expired keys until unpaused: read as missing, not deleted", async () => {
    await exchange(s.port, cmd("CONFIG", "RESETSTAT") + cmd("SET", "pause-exp", "v", "PX", "50"));
    expect(await redisCli(s.port, ["client", "pause", "10000", "write"])).toBe("OK\n");
    await new Promise((r) => setTimeout(r, 300));
    const during = await exchange(s.port, cmd("GET", "pause-exp") + cmd("INFO", "stats"));
    expect(during.startsWith("$-1\r\n")).toBe(true);
    expect(during).toContain("expired_keys:0\r\n");
    expect(await exchange(s.port, cmd("INFO", "keyspace"))).toMatch(/expires=1,/);
    expect(await redisCli(s.port, ["client", "unpause"])).toBe("OK\n");
    await waitFor(async () =>
      (await exchange(s.port, cmd("INFO", "stats"))).includes("expired_keys:1\r\n"),
    );
  });

  it("MONITOR streams other clients' commands in Redis's format", async () => {
    const m = client(s.port);
    m.sock.write(cmd("MONITOR"));
    await waitFor(() => m.text() === "+OK\r\n");
    await exchange(s.port, cmd("SET", "mk", "a b"));
    await waitFor(() => /\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "mk" "a b"\r\n/.test(m.text()));
    // Timestamps in microseconds of the wall clock, as Redis's ustime().
    await exchange(s.port, cmd("PING") + cmd("PING") + cmd("PING"));
    await waitFor(() => (m.text().match(/"PING"/g) ?? []).length === 3);
    const stamps = [...m.text().matchAll(/\+(\d+)\.(\d{6}) /g)];
    expect(Math.abs(Number(stamps[0]![1]) - Date.now() / 1000)).toBeLessThan(30);
    expect(stamps.some((x) => !x[2]!.endsWith("000"))).toBe(true);
    // Passwords never reach a monitor.
    await exchange(
      s.port,
      cmd("AUTH", "secret1") + cmd("HELLO", "2", "AUTH", "default", "secret2"),
    );
    await waitFor(() => m.text().includes('"HELLO"'));
    expect(m.text()).toMatch(/\] "AUTH" "\(redacted\)"\r\n/);
    expect(m.text()).toMatch(/\] "HELLO" "2" "AUTH" "\(redacted\)" "\(redacted\)"\r\n/);
    expect(m.text()).not.toContain("secret");
    m.sock.destroy();
  });

  it("MONITOR: fed after the call (SELECT's new db, EXEC after its commands), a monitor sees its own commands, can't touch keys, is flagged O, and RESET ends it", async () => {
    const m = client(s.port);
    m.sock.write(cmd("CLIENT", "SETNAME", "mon") + cmd("MONITOR"));
    await waitFor(() => m.text() === "+OK\r\n+OK\r\n");
    const list = await exchange(s.port, cmd("CLIENT", "LIST", "TYPE", "normal"));
    expect(list).toMatch(/name=mon age=\d+ idle=\d+ flags=O /);
    await exchange(
      s.port,
      cmd("SELECT", "1") + cmd("MULTI") + cmd("SELECT", "2") + cmd("EXEC") + cmd("SELECT", "0"),
    );
    await waitFor(() => m.text().includes('"SELECT" "0"'));
    const lines = m
      .text()
      .split("\r\n")
      .filter((l) => l.startsWith("+1") && /"(SELECT|MULTI|EXEC)"/.test(l))
      .map((l) => l.replace(/^\+[\d.]+ \[(\d+) [^\]]+\]/, "$1"));
    expect(lines).toEqual([
      '1 "SELECT" "1"',
      '1 "MULTI"',
      '2 "SELECT" "2"',
      '2 "EXEC"',
      '0 "SELECT" "0"',
    ]);
    const before = m.text().length;
    m.sock.write(cmd("GET", "k") + cmd("PING") + cmd("MONITOR") + cmd("RESET") + cmd("GET", "k"));
    await waitFor(() => m.text().endsWith("+RESET\r\n$-1\r\n"));
    expect(m.text().slice(before)).toMatch(
      /^-ERR Replica can't interact with the keyspace\r\n\+PONG\r\n\+[\d.]+ \[0 [^\]]+\] "PING"\r\n\+RESET\r\n\$-1\r\n$/,
    );
    m.sock.destroy();
  });

  it("SLOWLOG records commands over the threshold", async () => {
    await redisCli(s.port, ["config", "set", "slowlog-log-slower-than", "0"]);
    await redisCli(s.port, ["slowlog", "reset"]);
    await exchange(s.port, cmd("SET", "slow", "x".repeat(200)));
    const len = Number((await redisCli(s.port, ["slowlog", "len"])).trim());
    expect(len).toBeGreaterThanOrEqual(1);
    const out = await exchange(s.port, cmd("SLOWLOG", "GET", "-1"));
    expect(out).toContain(
      `$3\r\nSET\r\n$4\r\nslow\r\n$147\r\n${"x".repeat(128)}... (72 more bytes)\r\n`,
    );
    await redisCli(s.port, ["config", "set", "slowlog-log-slower-than", "10000"]);
  });

  it("CLIENT UNBLOCK answers a blocked client as a timeout would, or with -UNBLOCKED", async () => {
    const b = client(s.port);
    b.sock.write(cmd("CLIENT", "ID") + cmd("BLPOP", "ub-q", "0") + cmd("ECHO", "next"));
    await waitFor(() => /^:\d+\r\n$/.test(b.text()));
    const id = b.text().slice(1, -2);
    await waitFor(async () => (await exchange(s.port, cmd("CLIENT", "LIST"))).includes("flags=b"));
    expect(await exchange(s.port, cmd("CLIENT", "UNBLOCK", id))).toBe(":1\r\n");
    await waitFor(() => b.text() === `:${id}\r\n*-1\r\n$4\r\nnext\r\n`);
    b.sock.write(cmd("BLPOP", "ub-q", "0"));
    await waitFor(async () => (await exchange(s.port, cmd("CLIENT", "LIST"))).includes("flags=b"));
    expect(await exchange(s.port, cmd("CLIENT", "UNBLOCK", id, "ERROR"))).toBe(":1\r\n");
    await waitFor(() => b.text().endsWith("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"));
    // Not blocked any more: nothing to do.
    expect(await exchange(s.port, cmd("CLIENT", "UNBLOCK", id))).toBe(":0\r\n");
    b.sock.destroy();
  });

  it("RESET keeps CLIENT NO-EVICT, as Redis 7.0 does; clears the name and the database", async () => {
    const out = await exchange(
      s.port,
      cmd("CLIENT", "NO-EVICT", "on") +
        cmd("CLIENT", "SETNAME", "r1") +
        cmd("SELECT", "2") +
        cmd("RESET") +
        cmd("CLIENT", "INFO"),
    );
    expect(out).toMatch(/ name= age=\d+ idle=\d+ flags=e db=0 /);
  });

  it("CLIENT LIST's cmd= and multi=: rejected and queued commands count, NULL after unknown ones, exec while EXEC runs", async () => {
    const w = client(s.port);
    const seen = async (payload: string, until = "sync") => {
      const before = w.text().length;
      w.sock.write(payload + cmd("PING", "sync"));
      await waitFor(() => w.text().slice(before).includes(until));
      const list = await exchange(s.port, cmd("CLIENT", "LIST"));
      const line = list.split("\n").find((l) => l.includes("name=watched")) ?? "";
      return `${/flags=\S+/.exec(line)?.[0]} ${/multi=\S+/.exec(line)?.[0]} ${/cmd=\S+/.exec(line)?.[0]}`;
    };
    // The PING that follows each payload is the last command, except where it is queued.
    expect(await seen(cmd("CLIENT", "SETNAME", "watched"))).toBe("flags=N multi=-1 cmd=ping");
    w.sock.write(cmd("FOO"));
    await waitFor(() => w.text().includes("unknown command"));
    expect(
      (await exchange(s.port, cmd("CLIENT", "LIST")))
        .split("\n")
        .find((l) => l.includes("name=watched")),
    ).toContain(" cmd=NULL ");
    expect(await seen(cmd("MULTI") + cmd("SET", "lc", "1"), "+QUEUED\r\n+QUEUED\r\n")).toBe(
      "flags=x multi=2 cmd=ping",
    );
    const during = await exchange(s.port, cmd("PING"));
    expect(during).toBe("+PONG\r\n");
    w.sock.write(cmd("CLIENT", "INFO") + cmd("EXEC"));
    await waitFor(() => /cmd=exec/.test(w.text()));
    expect(w.text()).toMatch(/flags=x db=0 sub=0 psub=0 ssub=0 multi=3 .* cmd=exec /);
    w.sock.destroy();
  });

  it("ACL GENPASS: hex, (bits+3)/4 characters, 256 bits by default", async () => {
    const out = await exchange(s.port, cmd("ACL", "GENPASS") + cmd("ACL", "GENPASS", "5"));
    expect(out).toMatch(/^\$64\r\n[0-9a-f]{64}\r\n\$2\r\n[0-9a-f]{2}\r\n$/);
  });

  it("CLIENT KILL ID closes that client; CLIENT LIST shows names and flags", async () => {
    const v = client(s.port);
    v.sock.write(cmd("CLIENT", "SETNAME", "victim") + cmd("CLIENT", "ID"));
    await waitFor(() => /^\+OK\r\n:\d+\r\n$/.test(v.text()));
    const id = /:(\d+)/.exec(v.text())![1]!;
    expect(await redisCli(s.port, ["client", "list"])).toMatch(
      new RegExp(`id=${id} .* name=victim .* flags=N `),
    );
    expect(await redisCli(s.port, ["client", "kill", "id", id])).toBe("1\n");
    await waitFor(() => v.sock.destroyed || v.sock.readableEnded);
  });
});

describe("requirepass", () => {
  let s: ServerHandle;
  beforeAll(async () => {
    s = await spawnServer({
      command: [process.execPath, MAIN_JS],
      args: ["--save", "", "--requirepass", "s3cret"],
    });
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  // Without AUTH even the end marker of exchange() is refused: wait for the expected bytes.
  const send = async (payload: string, expected: string) =>
    (
      await rawExchange(s.port, payload, {
        timeout: 3000,
        done: (b) => b.toString("latin1") === expected,
      })
    ).toString("latin1");

  it("ACL LIST and GETUSER show requirepass as the default user's SHA-256", async () => {
    const out = await exchange(
      s.port,
      cmd("AUTH", "default", "s3cret") + cmd("ACL", "LIST") + cmd("ACL", "GETUSER", "default"),
    );
    const sha = createHash("sha256").update("s3cret").digest("hex");
    expect(out).toContain(`user default on #${sha} ~* &* +@all\r\n`);
    expect(out).toContain(
      `$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n${sha}\r\n`,
    );
  });

  it("NOAUTH before AUTH, WRONGPASS on a bad password, HELLO AUTH works", async () => {
    let e = "-NOAUTH Authentication required.\r\n";
    expect(await send(cmd("GET", "k"), e)).toBe(e);
    e =
      "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n";
    expect(await send(cmd("HELLO", "3"), e)).toBe(
      "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n",
    );
    e = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
    expect(await send(cmd("AUTH", "nope"), e)).toBe(
      "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    expect(await exchange(s.port, cmd("AUTH", "s3cret") + cmd("GET", "k"))).toBe("+OK\r\n$-1\r\n");
    const hello = await exchange(
      s.port,
      cmd("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "h") + cmd("CLIENT", "GETNAME"),
    );
    expect(hello).toMatch(
      /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$6\r\n7\.0\.15\r\n\$5\r\nproto\r\n:3\r\n\$2\r\nid\r\n:\d+\r\n\$4\r\nmode\r\n\$10\r\nstandalone\r\n\$4\r\nrole\r\n\$6\r\nmaster\r\n\$7\r\nmodules\r\n\*0\r\n\$1\r\nh\r\n$/,
    );
    // The unauthenticated limits of the protocol (Redis: multibulk > 10, bulk > 16384).
    expect(await exchange(s.port, `*11\r\n`, true)).toBe(
      "-ERR Protocol error: unauthenticated multibulk length\r\n",
    );
  });
});

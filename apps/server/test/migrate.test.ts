// MIGRATE between standalone servers: the same command sequence runs shoal→shoal and, where a
// real redis-server 7.0.15 is installed, redis→redis, and the replies must be byte-identical
// (KEYS and single-key forms, COPY, REPLACE, BUSYKEY, NOKEY, syntax and integer errors, errors
// relayed from the target, a target that is down). Then what only shoal can show: TTLs and types
// arrive intact, replicas see the move as DEL, one cached connection serves consecutive
// MIGRATEs with one SELECT, a silent target times out, and a key being moved is locked for
// other clients until MIGRATE has replied. DUMP payloads being Redis's, keys of every type move
// from Shoal to a real redis-server and back with equal DEBUG DIGEST.
import net from "node:net";
import { freePort, type ServerHandle, startRedisServer, waitFor } from "@shoal/test-utils";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange } from "./helpers.js";
import { digest, fillEveryType } from "./rdb-helpers.js";
import { cleanup, connect, shoal } from "./replication-helpers.js";

let src: ServerHandle;
let dst: ServerHandle;
const redis: ServerHandle[] = [];

beforeAll(async () => {
  [src, dst] = await Promise.all([shoal(), shoal()]);
  redis.push(
    ...(await Promise.all([
      startRedisServer({ args: ["--enable-debug-command", "yes"] }),
      startRedisServer(),
    ])),
  );
}, 60_000);

afterAll(async () => {
  await cleanup();
  await Promise.all(redis.map((r) => r.stop()));
});

const send = (port: number, ...cmds: string[][]) =>
  exchange(port, cmds.map((c) => cmd(...c)).join(""));

/** Runs the scenario from `from` to `to`; returns every reply, in order, as raw RESP. */
async function scenario(from: number, to: number, down: number): Promise<string[]> {
  const t = String(to);
  const m = (...rest: string[]) => ["MIGRATE", "127.0.0.1", t, ...rest];
  await send(from, ["FLUSHALL"]);
  await send(to, ["FLUSHALL"]);
  const out: string[] = [];
  out.push(
    await send(
      from,
      ["SET", "k", "v"],
      ["SET", "k2", "v2"],
      ["RPUSH", "l", "a", "b", "c"],
      ["SET", "e", "v", "PX", "100000"],
      m("k", "0", "1000", "AUTH"),
      m("k", "0", "1000", "AUTH2", "u"),
      m("k", "0", "1000", "KEYS", "a"),
      m("", "0", "1000", "bogus"),
      m("k", "0", "x"),
      m("k", "x", "1000"),
      m("nokey", "0", "1000"),
      m("", "0", "1000", "KEYS", "nokey1", "nokey2"),
      m("", "0", "1000", "KEYS"),
      m("k", "0", "1000", "COPY"),
      ["EXISTS", "k"],
      m("k", "0", "1000"),
      m("k", "0", "1000", "REPLACE"),
      ["EXISTS", "k"],
    ),
  );
  out.push(await send(to, ["SET", "k2", "other"]));
  out.push(
    await send(
      from,
      m("", "0", "1000", "KEYS", "l", "k2", "e"),
      ["EXISTS", "l", "k2", "e"],
      m("k2", "99", "1000"),
      m("k2", "0", "1000", "AUTH", "foo"),
      m("k2", "0", "1000", "AUTH2", "user", "foo"),
      ["MIGRATE", "127.0.0.1", String(down), "k2", "0", "1000"],
      ["MIGRATE", "", "80", "k2", "0", "1000"],
      ["MIGRATE", "127.0.0.1", "-5", "k2", "0", "1000"],
      m("k2", "1", "0"),
      ["EXISTS", "k2"],
    ),
  );
  out.push(
    await send(
      to,
      ["GET", "k"],
      ["LRANGE", "l", "0", "-1"],
      ["GET", "k2"],
      ["GET", "e"],
      ["SELECT", "1"],
      ["GET", "k2"],
    ),
  );
  return out;
}

describe("MIGRATE between standalone servers", () => {
  it("replies as Redis 7.0 does, form by form", async () => {
    const down = await freePort();
    const ours = await scenario(src.port, dst.port, down);
    expect(ours[0]).toBe(
      [
        "+OK\r\n+OK\r\n:3\r\n+OK\r\n",
        "-ERR syntax error\r\n",
        "-ERR syntax error\r\n",
        "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n",
        "-ERR syntax error\r\n",
        "-ERR value is not an integer or out of range\r\n",
        "-ERR value is not an integer or out of range\r\n",
        "+NOKEY\r\n+NOKEY\r\n+NOKEY\r\n",
        "+OK\r\n:1\r\n",
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n",
        "+OK\r\n:0\r\n",
      ].join(""),
    );
    expect(ours[2]).toBe(
      [
        // l and e moved, k2 refused: it stays here.
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n",
        ":1\r\n",
        "-ERR Target instance replied with error: ERR DB index is out of range\r\n",
        "-ERR Target instance replied with error: ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
        "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n",
        "-IOERR error or timeout writing to target instance\r\n",
        "-IOERR error or timeout connecting to the client\r\n",
        "-IOERR error or timeout connecting to the client\r\n",
        // Timeout 0 means 1000 ms; database 1 needs a SELECT on the cached connection.
        "+OK\r\n:0\r\n",
      ].join(""),
    );
    expect(ours[3]).toBe(
      "$1\r\nv\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$5\r\nother\r\n$1\r\nv\r\n+OK\r\n$2\r\nv2\r\n",
    );
    if (redis.length === 2) {
      const theirs = await scenario(redis[0]!.port, redis[1]!.port, down);
      expect(ours).toEqual(theirs);
    }
  }, 60_000);

  it("keeps the remaining TTL and every type's value", async () => {
    await send(src.port, ["FLUSHALL"]);
    await send(dst.port, ["FLUSHALL"]);
    await send(
      src.port,
      ["SET", "s", "str", "PX", "50000"],
      ["HSET", "h", "f1", "v1", "f2", "v2"],
      ["ZADD", "z", "1", "a", "2.5", "b"],
      ["SADD", "set", "x", "y"],
      ["RPUSH", "l", "1", "2"],
    );
    expect(
      await send(src.port, [
        "MIGRATE",
        "127.0.0.1",
        String(dst.port),
        "",
        "0",
        "5000",
        "KEYS",
        "s",
        "h",
        "z",
        "set",
        "l",
      ]),
    ).toBe("+OK\r\n");
    expect(await send(src.port, ["DBSIZE"])).toBe(":0\r\n");
    const pttl = Number((await send(dst.port, ["PTTL", "s"])).slice(1));
    expect(pttl).toBeGreaterThan(40_000);
    expect(pttl).toBeLessThanOrEqual(50_000);
    expect(
      await send(
        dst.port,
        ["HGETALL", "h"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        ["SMEMBERS", "set"],
        ["LRANGE", "l", "0", "-1"],
        ["TTL", "h"],
      ),
    ).toBe(
      "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n" +
        "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n" +
        "*2\r\n$1\r\nx\r\n$1\r\ny\r\n" +
        "*2\r\n$1\r\n1\r\n$1\r\n2\r\n:-1\r\n",
    );
  }, 30_000);

  it("DUMP payloads are Redis's: every type moves Shoal -> redis-server 7.0.15 -> Shoal, equal DEBUG DIGEST", async () => {
    const [from, r, back] = [connect(src.port), connect(redis[0]!.port), connect(dst.port)];
    await Promise.all([from.flushall(), r.flushall(), back.flushall()]);
    await fillEveryType(from, 3000, "m", true);
    const want = await digest(from);
    const n = await from.dbsize();
    /** MIGRATE ... KEYS in batches of 200, binary keys included. */
    const moveAll = async (c: Redis, port: number) => {
      const keys = await c.keysBuffer("*");
      for (let i = 0; i < keys.length; i += 200)
        expect(
          await c.call(
            "MIGRATE",
            "127.0.0.1",
            String(port),
            "",
            "0",
            "5000",
            "KEYS",
            ...keys.slice(i, i + 200),
          ),
        ).toBe("OK");
      expect(await c.dbsize()).toBe(0);
    };
    await moveAll(from, redis[0]!.port);
    expect(await r.dbsize()).toBe(n);
    expect(await r.call("DEBUG", "DIGEST")).toBe(want);
    await moveAll(r, dst.port);
    expect(await back.dbsize()).toBe(n);
    expect(await digest(back)).toBe(want);
  }, 60_000);

  it("replicas see the moved keys as one DEL", async () => {
    const replica = await shoal(["--replicaof", "127.0.0.1", String(src.port)]);
    await send(src.port, ["FLUSHALL"]);
    await send(dst.port, ["FLUSHALL"]);
    await send(src.port, ["SET", "a", "1"], ["SET", "b", "2"], ["SET", "c", "3"]);
    await waitFor(async () => (await send(replica.port, ["DBSIZE"])) === ":3\r\n", {
      timeout: 20_000,
      what: "the replica to sync",
    });
    expect(
      await send(src.port, [
        "MIGRATE",
        "127.0.0.1",
        String(dst.port),
        "",
        "0",
        "1000",
        "KEYS",
        "a",
        "b",
      ]),
    ).toBe("+OK\r\n");
    await waitFor(async () => (await send(replica.port, ["DBSIZE"])) === ":1\r\n", {
      timeout: 10_000,
      what: "the DEL to reach the replica",
    });
    expect(await send(replica.port, ["GET", "c"])).toBe("$1\r\n3\r\n");
  }, 40_000);
});

/** A fake target: records what it receives; answers +OK per command unless told to hold. */
class FakeTarget {
  readonly server = net.createServer();
  connections = 0;
  commands: string[][] = [];
  hold = false;
  private held: (() => void)[] = [];
  port = 0;
  private readonly sockets: net.Socket[] = [];

  async start(): Promise<void> {
    this.server.on("connection", (sock) => {
      this.connections++;
      this.sockets.push(sock);
      let buf = Buffer.alloc(0);
      sock.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const parsed = parseCommand(buf);
          if (parsed === null) break;
          buf = buf.subarray(parsed.used);
          this.commands.push(parsed.args);
          const answer = () => sock.write("+OK\r\n");
          if (this.hold) this.held.push(answer);
          else answer();
        }
      });
      sock.on("error", () => {});
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  release(): void {
    this.hold = false;
    for (const a of this.held.splice(0)) a();
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function parseCommand(b: Buffer): { args: string[]; used: number } | null {
  let pos = 0;
  const line = (): string | null => {
    const nl = b.indexOf("\r\n", pos);
    if (nl === -1) return null;
    const s = b.toString("latin1", pos, nl);
    pos = nl + 2;
    return s;
  };
  const head = line();
  if (head === null) return null;
  const n = Number(head.slice(1));
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = line();
    if (len === null) return null;
    const l = Number(len.slice(1));
    if (b.length < pos + l + 2) return null;
    args.push(b.toString("latin1", pos, pos + l));
    pos += l + 2;
  }
  return { args, used: pos };
}

describe("MIGRATE's connection and concurrency", () => {
  it("caches one connection per target and SELECTs only when the database changes", async () => {
    const fake = new FakeTarget();
    await fake.start();
    try {
      await send(src.port, ["FLUSHALL"], ["SET", "a", "1"], ["SET", "b", "2"], ["SET", "c", "3"]);
      const p = String(fake.port);
      expect(
        await send(
          src.port,
          ["MIGRATE", "127.0.0.1", p, "a", "0", "1000"],
          ["MIGRATE", "127.0.0.1", p, "b", "0", "1000", "REPLACE"],
          ["MIGRATE", "127.0.0.1", p, "c", "3", "1000", "AUTH2", "u", "pw"],
        ),
      ).toBe("+OK\r\n+OK\r\n+OK\r\n");
      expect(fake.connections).toBe(1);
      expect(
        fake.commands.map((c) => (c[0] === "RESTORE" ? [c[0], c[1], c[2], ...c.slice(4)] : c)),
      ).toEqual([
        ["SELECT", "0"],
        ["RESTORE", "a", "0"],
        ["RESTORE", "b", "0", "REPLACE"],
        ["AUTH", "u", "pw"],
        ["SELECT", "3"],
        ["RESTORE", "c", "0"],
      ]);
    } finally {
      await fake.close();
    }
  });

  it("a target that never answers gives IOERR after the timeout and keeps the key", async () => {
    const fake = new FakeTarget();
    await fake.start();
    fake.hold = true;
    try {
      await send(src.port, ["SET", "slow", "1"]);
      expect(
        await send(src.port, ["MIGRATE", "127.0.0.1", String(fake.port), "slow", "0", "200"]),
      ).toBe("-IOERR error or timeout reading to target instance\r\n");
      expect(await send(src.port, ["EXISTS", "slow"])).toBe(":1\r\n");
    } finally {
      await fake.close();
    }
  });

  it("other clients wait for a key being moved, and only for that key", async () => {
    const fake = new FakeTarget();
    await fake.start();
    fake.hold = true;
    const mover = net.connect(src.port, "127.0.0.1");
    let moved = "";
    mover.on("data", (d) => {
      moved += d.toString("latin1");
    });
    try {
      await send(src.port, ["SET", "moving", "1"], ["SET", "staying", "2"]);
      mover.write(cmd("MIGRATE", "127.0.0.1", String(fake.port), "moving", "0", "10000"));
      await waitFor(() => fake.commands.some((c) => c[0] === "RESTORE"), {
        timeout: 5000,
        what: "the RESTORE to reach the target",
      });
      // Another client: a read of the moving key waits; one of another key does not.
      const other = net.connect(src.port, "127.0.0.1");
      let replies = "";
      other.on("data", (d) => {
        replies += d.toString("latin1");
      });
      other.write(cmd("GET", "moving") + cmd("SET", "moving", "again"));
      // A transaction naming it waits as a whole (at EXEC), its queueing does not.
      const tx = net.connect(src.port, "127.0.0.1");
      let txReplies = "";
      tx.on("data", (d) => {
        txReplies += d.toString("latin1");
      });
      tx.write(cmd("MULTI") + cmd("INCR", "moving") + cmd("EXEC"));
      await waitFor(() => txReplies === "+OK\r\n+QUEUED\r\n", {
        timeout: 5000,
        what: "MULTI and the queued INCR",
      });
      const third = await send(src.port, ["GET", "staying"]);
      expect(third).toBe("$1\r\n2\r\n");
      expect(replies).toBe("");
      expect(moved).toBe("");
      fake.release();
      await waitFor(() => moved.length > 0 && replies.length > 0, {
        timeout: 5000,
        what: "both replies",
      });
      expect(moved).toBe("+OK\r\n");
      await waitFor(() => replies.length >= 10 && txReplies.length > 15, {
        timeout: 5000,
        what: "the held commands",
      });
      // They ran after the move, in order: the key was gone, then created anew here.
      expect(replies).toBe("$-1\r\n+OK\r\n");
      expect(txReplies).toBe(
        "+OK\r\n+QUEUED\r\n*1\r\n-ERR value is not an integer or out of range\r\n",
      );
      expect(await send(src.port, ["GET", "moving"])).toBe("$5\r\nagain\r\n");
      other.destroy();
      tx.destroy();
    } finally {
      mover.destroy();
      await fake.close();
    }
  });
});

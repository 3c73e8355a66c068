// Client buffers (issue 17): client-output-buffer-limit for the normal, pub/sub and replica
// classes, client-query-buffer-limit, CLIENT LIST's query-buffer fields and INFO's recent peak
// while a big argument is read, and maxmemory-clients (client eviction, CLIENT NO-EVICT, evicted_clients). Each
// scenario runs against shoal-server and redis-server 7.0.15 where Redis's behaviour is the
// reference, with raw sockets that write and never read.
import net from "node:net";
import { rawExchange, redisCli, type ServerHandle, waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import { cmd, shoalAndRedisForSuite, startShoal } from "./helpers.js";

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
}

/**
 * A socket that is not read from: the server's output for it piles up. A paused socket does not
 * notice the server closing it, so `closed()` starts reading (and discarding) first.
 */
async function deafClient(port: number): Promise<{ sock: net.Socket; closed(): Promise<void> }> {
  const sock = await connect(port);
  sock.on("error", () => {});
  sock.pause();
  const gone = new Promise<void>((r) => sock.once("close", () => r()));
  return {
    sock,
    closed() {
      sock.on("data", () => {});
      sock.resume();
      return gone;
    },
  };
}

async function infoField(port: number, section: string, field: string): Promise<string> {
  const info = await redisCli(port, ["info", section]);
  const m = new RegExp(`^${field}:(.*)$`, "m").exec(info);
  if (!m) throw new Error(`no ${field} in INFO ${section}`);
  return m[1]!.trim();
}

/**
 * Writes `payload` up to `times` times, honouring backpressure, until `stop()` (checked at least
 * every 100 ms while the socket's buffer is full).
 */
async function writeMany(
  sock: net.Socket,
  payload: string,
  times: number,
  stop: () => boolean,
): Promise<void> {
  for (let i = 0; i < times && !sock.destroyed && !stop(); i++) {
    while (!sock.write(payload) && !stop())
      await Promise.race([
        new Promise((r) => sock.once("drain", r)),
        new Promise((r) => setTimeout(r, 100)),
      ]);
  }
}

/** How many times `text` is in the server's output. */
const countLines = (h: ServerHandle, text: string) => h.output().split(text).length - 1;

/**
 * A client sends `header` (a command up to a big bulk's length line) and then the bulk's bytes
 * until the server logs `line` once more; resolves once the server has closed it.
 */
async function bulkUntilClosed(h: ServerHandle, header: string, line: string): Promise<void> {
  const marks = countLines(h, line);
  const c = await deafClient(h.port);
  c.sock.write(header);
  await writeMany(c.sock, "x".repeat(64 * 1024), 100, () => countLines(h, line) > marks);
  await waitFor(() => countLines(h, line) > marks, { what: line });
  await c.closed();
}

/** Sends `payload` on a fresh connection and resolves with the `n` replies' bytes. */
async function send(port: number, payload: string, until: string): Promise<string> {
  const r = await rawExchange(port, payload, {
    timeout: 10_000,
    done: (b) => b.toString("latin1").endsWith(until),
  });
  return r.toString("latin1");
}

const OBUF_LINE = "scheduled to be closed ASAP for overcoming of output buffer limits";

describe("client-output-buffer-limit", () => {
  const servers = shoalAndRedisForSuite();

  for (const who of ["shoal", "redis"] as const) {
    it(`${who}: a normal client pipelining GETs without reading is closed at the hard limit, others unaffected`, async () => {
      const h: ServerHandle = servers[who];
      // 16 MB: above the output Shoal lets a client without limits pile up before it stops
      // reading it (4 MB), so it is the limit that acts.
      await redisCli(h.port, ["config", "set", "client-output-buffer-limit", "normal 16mb 0 0"]);
      expect(await send(h.port, cmd("SET", "big", "v".repeat(512 * 1024)), "+OK\r\n")).toBe(
        "+OK\r\n",
      );
      const before = Number(await infoField(h.port, "stats", "total_connections_received"));
      const marks = countLines(h, OBUF_LINE);
      const closedAtLimit = () => countLines(h, OBUF_LINE) > marks;
      const deaf = await deafClient(h.port);
      const other = await connect(h.port);
      // Up to 4000 GETs of 512 KB: 2 GB of replies asked for, not read.
      await writeMany(deaf.sock, cmd("GET", "big").repeat(100), 40, closedAtLimit);
      await waitFor(closedAtLimit, { what: "the log line" });
      await deaf.closed();
      // Another client is served as usual, by the same server.
      const got = await new Promise<string>((resolve) => {
        let buf = "";
        other.on("data", (d: Buffer) => {
          buf += d.toString("latin1");
          if (buf.endsWith("+PONG\r\n")) resolve(buf);
        });
        other.write(cmd("SET", "x", "1") + cmd("GET", "x") + cmd("PING"));
      });
      expect(got).toBe("+OK\r\n$1\r\n1\r\n+PONG\r\n");
      other.destroy();
      expect(Number(await infoField(h.port, "stats", "total_connections_received"))).toBe(
        before + 3,
      );
      await redisCli(h.port, ["config", "set", "client-output-buffer-limit", "normal 0 0 0"]);
    }, 60_000);
  }

  it("shoal: the soft limit closes a client whose output stays over it past its seconds", async () => {
    const h = servers.shoal;
    await redisCli(h.port, ["config", "set", "client-output-buffer-limit", "normal 0 2mb 1"]);
    await send(h.port, cmd("SET", "mid", "m".repeat(100 * 1024)), "+OK\r\n");
    const deaf = await deafClient(h.port);
    const marks = countLines(h, OBUF_LINE);
    const started = Date.now();
    // 20 GETs of 100 KB every 100 ms: the output keeps growing past 2 MB.
    while (countLines(h, OBUF_LINE) === marks && Date.now() - started < 20_000) {
      deaf.sock.write(cmd("GET", "mid").repeat(20));
      await new Promise((r) => setTimeout(r, 100));
    }
    // Over the soft limit for more than one whole second, never at once.
    expect(countLines(h, OBUF_LINE)).toBe(marks + 1);
    expect(Date.now() - started).toBeGreaterThan(1000);
    await deaf.closed();
    await redisCli(h.port, ["config", "set", "client-output-buffer-limit", "normal 0 0 0"]);
  }, 60_000);

  it("shoal: a pub/sub subscriber that does not read is closed at the pubsub class's limit", async () => {
    const h = servers.shoal;
    await redisCli(h.port, ["config", "set", "client-output-buffer-limit", "pubsub 2mb 1mb 60"]);
    const sub = await deafClient(h.port);
    const marks = countLines(h, OBUF_LINE);
    sub.sock.write(cmd("SUBSCRIBE", "flood"));
    await waitFor(
      async () => (await redisCli(h.port, ["pubsub", "numsub", "flood"])) === "flood\n1\n",
    );
    const publish = cmd("PUBLISH", "flood", "p".repeat(256 * 1024));
    for (let i = 0; i < 200 && countLines(h, OBUF_LINE) === marks; i++)
      await send(h.port, publish, "\r\n");
    await waitFor(() => countLines(h, OBUF_LINE) > marks);
    await sub.closed();
    expect(await redisCli(h.port, ["pubsub", "numsub", "flood"])).toBe("flood\n0\n");
    await redisCli(h.port, ["config", "set", "client-output-buffer-limit", "pubsub 32mb 8mb 60"]);
  }, 60_000);

  it("shoal: a replica that does not read its stream is dropped at the replica class's limit", async () => {
    const h = await startShoal(["--repl-diskless-sync-delay", "0"]);
    try {
      await redisCli(h.port, ["config", "set", "client-output-buffer-limit", "replica 2mb 0 0"]);
      const rep = await deafClient(h.port);
      rep.sock.write(
        cmd("REPLCONF", "listening-port", "1") +
          cmd("REPLCONF", "capa", "eof", "capa", "psync2") +
          cmd("PSYNC", "?", "-1"),
      );
      await waitFor(
        async () => (await infoField(h.port, "replication", "connected_slaves")) === "1",
        {
          what: "the replica attached",
        },
      );
      const set = cmd("SET", "k", "r".repeat(1024 * 1024));
      for (let i = 0; i < 200 && !h.output().includes(OBUF_LINE); i++)
        await send(h.port, set, "+OK\r\n");
      await waitFor(() => h.output().includes(OBUF_LINE));
      await rep.closed();
      expect(h.output()).toMatch(new RegExp(`Client id=\\d+ addr=\\S+ .*flags=S .*${OBUF_LINE}`));
      await waitFor(
        async () => (await infoField(h.port, "replication", "connected_slaves")) === "0",
      );
    } finally {
      await h.stop();
    }
  }, 60_000);
});

describe("client-query-buffer-limit and the query buffer", () => {
  const servers = shoalAndRedisForSuite(["--client-query-buffer-limit", "1mb"]);

  it("CLIENT LIST reports a big argument being read as Redis does (qbuf, argv-mem)", async () => {
    const seen: Record<string, string> = {};
    for (const who of ["shoal", "redis"] as const) {
      const port = servers[who].port;
      const c = await connect(port);
      c.on("error", () => {});
      c.write(cmd("CLIENT", "SETNAME", "bigarg"));
      c.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000\r\n${"a".repeat(300_000)}`);
      const list = await waitFor(async () => {
        const l = (await redisCli(port, ["client", "list"]))
          .split("\n")
          .find((x) => x.includes("name=bigarg"));
        return l?.includes("qbuf=300000") ? l : undefined;
      });
      // qbuf-free is left out: Redis trims the room it made for the bulk (655360 bytes, jemalloc's
      // class) to the bulk's size when its cron next runs: 355350 right after the read, 300000 after.
      const [, qbuf, argvMem] = /(qbuf=\d+) qbuf-free=\d+ (argv-mem=\d+)/.exec(list)!;
      seen[who] = `${qbuf} ${argvMem}`;
      // INFO's recent peak of query buffers sees the big argument's buffer (sized for all of it).
      await waitFor(
        async () =>
          Number(await infoField(port, "clients", "client_recent_max_input_buffer")) >= 600_000,
        { what: `${who}'s client_recent_max_input_buffer` },
      );
      c.destroy();
    }
    expect(seen.shoal).toBe(seen.redis);
    expect(seen.shoal).toBe("qbuf=300000 argv-mem=4");
  });

  for (const who of ["shoal", "redis"] as const) {
    it(`${who}: a bulk longer than the limit (within proto-max-bulk-len) closes the client with the log line`, async () => {
      const h = servers[who];
      await bulkUntilClosed(
        h,
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n",
        "Closing client that reached max query buffer length",
      );
      expect(await redisCli(h.port, ["exists", "k"])).toBe("0\n");
    });
  }
});

describe("maxmemory-clients", () => {
  const servers = shoalAndRedisForSuite();

  for (const who of ["shoal", "redis"] as const) {
    it(`${who}: the client over the limit is evicted; with CLIENT NO-EVICT on it stays`, async () => {
      const h = servers[who];
      await redisCli(h.port, ["config", "set", "maxmemory-clients", "1mb"]);
      try {
        const evictedBefore = Number(await infoField(h.port, "stats", "evicted_clients"));
        await bulkUntilClosed(
          h,
          "*3\r\n$3\r\nSET\r\n$2\r\nka\r\n$4000000\r\n",
          "Evicting client: id=",
        );
        expect(Number(await infoField(h.port, "stats", "evicted_clients"))).toBe(evictedBefore + 1);

        // The same from a client that asked not to be evicted: its SET completes.
        const b = await connect(h.port);
        let replies = "";
        b.on("data", (d: Buffer) => {
          replies += d.toString("latin1");
        });
        b.write(cmd("CLIENT", "NO-EVICT", "on"));
        await waitFor(() => replies === "+OK\r\n");
        b.write(`*3\r\n$3\r\nSET\r\n$2\r\nkb\r\n$3000000\r\n${"b".repeat(2_000_000)}`);
        await new Promise((r) => setTimeout(r, 300));
        b.write(`${"b".repeat(1_000_000)}\r\n`);
        await waitFor(() => replies === "+OK\r\n+OK\r\n", { what: "the SET's reply" });
        b.destroy();
        expect(await redisCli(h.port, ["strlen", "kb"])).toBe("3000000\n");
        expect(Number(await infoField(h.port, "stats", "evicted_clients"))).toBe(evictedBefore + 1);
      } finally {
        await redisCli(h.port, ["config", "set", "maxmemory-clients", "0"]);
      }
    }, 60_000);
  }
});

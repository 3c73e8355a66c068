// Bad and heavy input: each gets Redis's error or limit, the node stays up, other clients don't
// notice, memory stays bounded. Also pipelining and the connection limits (maxclients, timeout,
// client-query-buffer-limit, client-output-buffer-limit).
import net from "node:net";
import { rawExchange, redisCli, type ServerHandle, waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, startShoal } from "./helpers.js";

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
}

function closed(sock: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (sock.destroyed || sock.readableEnded) return resolve();
    sock.once("close", () => resolve());
  });
}

async function rssOf(port: number): Promise<number> {
  const info = await redisCli(port, ["info", "memory"]);
  return Number(/used_memory_rss:(\d+)/.exec(info)![1]);
}

describe("bad and heavy input", () => {
  let s: ServerHandle;
  beforeAll(async () => {
    s = await startShoal();
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("answers 10k pipelined commands sent in one write, in order", async () => {
    let payload = "";
    let expected = "";
    for (let i = 0; i < 10_000; i++) {
      payload += cmd("ECHO", `v${i}`);
      expected += `$${String(i).length + 1}\r\nv${i}\r\n`;
    }
    expect(await exchange(s.port, payload)).toBe(expected);
  });

  it("handles 2 million tiny commands in one packet with bounded output buffering", async () => {
    const n = 2_000_000;
    const one = Buffer.from("*1\r\n$4\r\nPING\r\n");
    const payload = Buffer.alloc(one.length * n);
    for (let i = 0; i < n; i++) one.copy(payload, i * one.length);
    const sock = await connect(s.port);
    let got = 0;
    const done = new Promise<void>((resolve) => {
      sock.on("data", (d: Buffer) => {
        got += d.length;
        if (got >= n * 7) resolve();
      });
    });
    sock.write(payload);
    await done;
    expect(got).toBe(n * "+PONG\r\n".length);
    sock.destroy();
  }, 120_000);

  it("half commands wait for the rest, byte by byte", async () => {
    const sock = await connect(s.port);
    const chunks: Buffer[] = [];
    sock.on("data", (d: Buffer) => chunks.push(d));
    const full = Buffer.from(cmd("ECHO", "split-me"));
    for (const b of full) {
      sock.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => Buffer.concat(chunks).toString() === "$8\r\nsplit-me\r\n");
    sock.destroy();
  });

  it("commands split across reads, interleaved over many connections, arrive intact", async () => {
    // Every connection is read into one shared buffer: each must keep its unfinished command
    // (and the commands a blocked client has not run) before the next connection's read.
    const n = 24;
    const socks = await Promise.all(Array.from({ length: n }, () => connect(s.port)));
    const replies = socks.map((sock) => {
      const got: Buffer[] = [];
      sock.on("data", (d: Buffer) => got.push(d));
      return got;
    });
    const value = (i: number) => Buffer.alloc(3000 + i * 997, 65 + (i % 26));
    const payloads = socks.map((_, i) =>
      Buffer.concat([
        // The first connection blocks, its next commands wait in its buffer meanwhile.
        Buffer.from(i === 0 ? cmd("BLPOP", "interleave:list", "0") : cmd("PING")),
        Buffer.from(`*3\r\n$3\r\nSET\r\n$${`interleave:${i}`.length}\r\ninterleave:${i}\r\n`),
        Buffer.from(`$${value(i).length}\r\n`),
        value(i),
        Buffer.from(`\r\n${cmd("GET", `interleave:${i}`)}`),
      ]),
    );
    // Round-robin pieces of 1–700 bytes, each connection's pieces apart in time.
    const offsets = new Array<number>(n).fill(0);
    let seed = 7;
    while (offsets.some((o, i) => o < payloads[i]!.length)) {
      for (let i = 0; i < n; i++) {
        const p = payloads[i]!;
        if (offsets[i]! >= p.length) continue;
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const end = Math.min(p.length, offsets[i]! + 1 + (seed % 700));
        socks[i]!.write(p.subarray(offsets[i], end));
        offsets[i] = end;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const other = await connect(s.port);
    await waitFor(
      async () => (await redisCli(s.port, ["EXISTS", `interleave:${n - 1}`])).trim() === "1",
    );
    other.write(cmd("RPUSH", "interleave:list", "x"));
    const expected = (i: number) => {
      const v = value(i);
      const head = i === 0 ? "*2\r\n$15\r\ninterleave:list\r\n$1\r\nx\r\n" : "+PONG\r\n";
      return Buffer.concat([Buffer.from(`${head}+OK\r\n$${v.length}\r\n`), v, Buffer.from("\r\n")]);
    };
    await waitFor(() => replies.every((r, i) => Buffer.concat(r).length >= expected(i).length), {
      what: "every connection's replies",
    });
    for (let i = 0; i < n; i++) expect(Buffer.concat(replies[i]!).equals(expected(i))).toBe(true);
    for (const sock of [...socks, other]) sock.destroy();
  });

  it("garbage gets a protocol error and a close; others don't notice", async () => {
    const other = await connect(s.port);
    const r = await rawExchange(s.port, "*\x01\x02garbage\r\n\xff\xfe", { timeout: 3000 });
    expect(r.toString("latin1")).toBe("-ERR Protocol error: invalid multibulk length\r\n");
    const r2 = await rawExchange(s.port, "$5\r\nhello\r\n", { timeout: 3000 });
    // An inline "$5" is an unknown command; the connection stays open for the next line.
    expect(r2.toString()).toContain("-ERR unknown command '$5'");
    other.write(cmd("PING"));
    await new Promise<void>((resolve) =>
      other.once("data", (d) => {
        expect(d.toString()).toBe("+PONG\r\n");
        resolve();
      }),
    );
    other.destroy();
  });

  it("a 2 GB bulk length is refused without allocating", async () => {
    const r = await rawExchange(s.port, "*2\r\n$3\r\nSET\r\n$2147483648\r\n", { timeout: 3000 });
    expect(r.toString()).toBe("-ERR Protocol error: invalid bulk length\r\n");
  });

  it("a million INCRs in one packet: every one applied, in order", async () => {
    const n = 1_000_000;
    const one = Buffer.from(cmd("INCR", "robust:counter"));
    const payload = Buffer.alloc(one.length * n);
    for (let i = 0; i < n; i++) one.copy(payload, i * one.length);
    const sock = await connect(s.port);
    let lines = 0;
    let tail = "";
    const done = new Promise<void>((resolve) => {
      sock.on("data", (d: Buffer) => {
        for (let j = d.indexOf(10); j >= 0; j = d.indexOf(10, j + 1)) lines++;
        tail = (tail + d.toString("latin1")).slice(-32);
        if (lines >= n) resolve();
      });
    });
    sock.write(payload);
    await done;
    expect(tail.endsWith(`:${n}\r\n`)).toBe(true);
    sock.destroy();
    expect(await redisCli(s.port, ["get", "robust:counter"])).toBe(`${n}\n`);
    await redisCli(s.port, ["del", "robust:counter"]);
  }, 120_000);

  it("a client that never reads its GET replies is paused, memory stays bounded", async () => {
    await redisCli(s.port, ["set", "robust:big", "y".repeat(64 * 1024)]);
    const before = await rssOf(s.port);
    const lazy = await connect(s.port);
    lazy.pause(); // never read
    const get = cmd("GET", "robust:big");
    // 4000 x 64 KiB = 256 MB of replies requested.
    for (let i = 0; i < 4000; i++) lazy.write(get);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await redisCli(s.port, ["strlen", "robust:big"])).toBe("65536\n");
    const after = await rssOf(s.port);
    expect(after - before).toBeLessThan(100 * 1024 * 1024);
    lazy.destroy();
    await redisCli(s.port, ["del", "robust:big"]);
  }, 60_000);

  it("garbage and a 2 GB bulk length on one connection leave the data of others intact", async () => {
    await redisCli(s.port, ["rpush", "robust:list", "a", "b"]);
    const r = await rawExchange(
      s.port,
      `${cmd("RPUSH", "robust:list", "c")}*3\r\n$5\r\nRPUSH\r\n$11\r\nrobust:list\r\n$2147483648\r\n`,
      {
        timeout: 3000,
      },
    );
    expect(r.toString()).toBe(":3\r\n-ERR Protocol error: invalid bulk length\r\n");
    expect(await redisCli(s.port, ["lrange", "robust:list", "0", "-1"])).toBe("a\nb\nc\n");
    await redisCli(s.port, ["del", "robust:list"]);
  });

  it("a client that never reads is paused, memory stays bounded, others are served", async () => {
    const before = await rssOf(s.port);
    const lazy = await connect(s.port);
    lazy.pause(); // never read
    const big = "x".repeat(64 * 1024);
    const oneCmd = cmd("ECHO", big);
    // 2000 x 64 KiB = 128 MB of replies requested.
    for (let i = 0; i < 2000; i++) lazy.write(oneCmd);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await redisCli(s.port, ["ping"])).toBe("PONG\n");
    const after = await rssOf(s.port);
    expect(after - before).toBeLessThan(100 * 1024 * 1024);
    lazy.destroy();
  }, 60_000);
});

describe("connection limits", () => {
  let s: ServerHandle;
  beforeAll(async () => {
    s = await startShoal(["--client-query-buffer-limit", "1mb"]);
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("client-query-buffer-limit closes the client and logs why", async () => {
    const sock = await connect(s.port);
    sock.on("error", () => {});
    sock.write("*2\r\n$4\r\nECHO\r\n$5000000\r\n");
    const chunk = Buffer.alloc(256 * 1024, 97);
    for (let i = 0; i < 8 && !sock.destroyed; i++) sock.write(chunk);
    await closed(sock);
    await waitFor(() => s.output().includes("Closing client that reached max query buffer length"));
    expect(await redisCli(s.port, ["ping"])).toBe("PONG\n");
  });

  it("maxclients refuses the extra client with Redis's error", async () => {
    await redisCli(s.port, ["config", "set", "maxclients", "2"]);
    const a = await connect(s.port);
    const b = await connect(s.port);
    await new Promise((r) => setTimeout(r, 100));
    const r = await rawExchange(s.port, cmd("PING"), { timeout: 2000 });
    expect(r.toString()).toBe("-ERR max number of clients reached\r\n");
    a.destroy();
    b.destroy();
    await waitFor(async () => (await rawExchange(s.port, cmd("PING"))).toString() === "+PONG\r\n");
    await redisCli(s.port, ["config", "set", "maxclients", "10000"]);
  });

  it("an idle client is closed after `timeout` seconds", async () => {
    await redisCli(s.port, ["config", "set", "timeout", "1"]);
    const sock = await connect(s.port);
    await waitFor(() => sock.readableEnded || sock.destroyed, { timeout: 10_000 });
    await closed(sock);
    await redisCli(s.port, ["config", "set", "timeout", "0"]);
  });

  it("a pub/sub client over client-output-buffer-limit is closed with Redis's log line", async () => {
    await redisCli(s.port, ["config", "set", "client-output-buffer-limit", "pubsub 1mb 512kb 60"]);
    const sub = await connect(s.port);
    sub.on("error", () => {});
    sub.write(cmd("SUBSCRIBE", "flood"));
    await new Promise((r) => setTimeout(r, 100));
    sub.pause();
    const msg = "m".repeat(256 * 1024);
    let payload = "";
    for (let i = 0; i < 100; i++) payload += cmd("PUBLISH", "flood", msg);
    await rawExchange(s.port, payload, { timeout: 5000, done: (b) => b.length >= 400 });
    await waitFor(() =>
      s.output().includes("scheduled to be closed ASAP for overcoming of output buffer limits"),
    );
    expect(await redisCli(s.port, ["pubsub", "numsub", "flood"])).toBe("flood\n0\n");
  });
});

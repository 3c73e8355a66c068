// Unmodified Redis tools and clients against shoal-server: redis-cli (incl. --pipe),
// redis-benchmark, ioredis and node-redis over RESP2 and RESP3. Data-type commands come from
// keyspace-store; until its command table is wired in, these exercise the server's own commands.

import { hasRedis, redisCli, run, type ServerHandle, waitFor } from "@shoal/test-utils";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, startShoal } from "./helpers.js";

describe.skipIf(!hasRedis())("redis tools and clients", () => {
  let s: ServerHandle;
  beforeAll(async () => {
    s = await startShoal();
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("redis-cli: commands, errors, RESP3", async () => {
    expect(await redisCli(s.port, ["ping"])).toBe("PONG\n");
    expect(await redisCli(s.port, ["echo", "hello world"])).toBe("hello world\n");
    expect(await redisCli(s.port, ["nosuch", "a"])).toContain(
      "ERR unknown command 'nosuch', with args beginning with: 'a' ",
    );
    expect(await redisCli(s.port, ["-3", "hello"])).toMatch(/proto\s+3/);
    expect(await redisCli(s.port, ["client", "info"])).toMatch(
      /^id=\d+ addr=127\.0\.0\.1:\d+ .* cmd=client\|info user=default redir=-1 resp=2\n$/,
    );
  });

  it("redis-cli --pipe mass-sends commands and reports the replies", async () => {
    let input = "";
    for (let i = 0; i < 20_000; i++) input += cmd("ECHO", `e${i}`);
    const r = await run("redis-cli", ["-p", String(s.port), "--pipe"], { input, timeout: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("errors: 0, replies: 20000");
  });

  it("redis-benchmark quick run without errors", async () => {
    const r = await run(
      "redis-benchmark",
      [
        "-p",
        String(s.port),
        "-t",
        "ping_inline,ping_mbulk",
        "-n",
        "20000",
        "-c",
        "20",
        "-q",
        "--csv",
      ],
      { timeout: 60_000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"PING_INLINE"');
    expect(r.stdout).toContain('"PING_MBULK"');
    expect(r.stderr).not.toMatch(/error/i);
  }, 90_000);

  it("redis-benchmark with 1000 clients", async () => {
    const r = await run(
      "redis-benchmark",
      ["-p", String(s.port), "-t", "ping_mbulk", "-n", "50000", "-c", "1000", "-q", "--csv"],
      { timeout: 120_000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"PING_MBULK"');
    expect(r.stderr).not.toMatch(/error/i);
  }, 150_000);

  it("ioredis: commands, pipeline, MULTI, pub/sub", async () => {
    const r = new Redis(s.port, "127.0.0.1", { lazyConnect: true });
    const sub = new Redis(s.port, "127.0.0.1", { lazyConnect: true });
    try {
      await r.connect();
      await sub.connect();
      expect(await r.ping()).toBe("PONG");
      expect(await r.echo("hi")).toBe("hi");
      expect(await r.pipeline().ping().echo("x").exec()).toEqual([
        [null, "PONG"],
        [null, "x"],
      ]);
      expect(await r.multi().ping().echo("y").exec()).toEqual([
        [null, "PONG"],
        [null, "y"],
      ]);
      const got: string[] = [];
      sub.on("message", (ch: string, m: string) => got.push(`${ch}:${m}`));
      await sub.subscribe("news");
      expect(await r.publish("news", "hello")).toBe(1);
      await waitFor(() => got.length === 1);
      expect(got).toEqual(["news:hello"]);
      await expect(r.call("nosuch")).rejects.toThrow("ERR unknown command 'nosuch'");
    } finally {
      r.disconnect();
      sub.disconnect();
    }
  });

  it("node-redis over RESP2 and RESP3", async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { port: s.port, host: "127.0.0.1" }, RESP });
      c.on("error", () => {});
      await c.connect();
      try {
        expect(await c.ping()).toBe("PONG");
        expect(await c.echo("z")).toBe("z");
        expect(await c.multi().ping().echo("w").exec()).toEqual(["PONG", "w"]);
        const sub = c.duplicate();
        sub.on("error", () => {});
        await sub.connect();
        const got: string[] = [];
        await sub.subscribe("ch", (m) => got.push(m));
        expect(await c.publish("ch", `r${RESP}`)).toBe(1);
        await waitFor(() => got.length === 1);
        expect(got).toEqual([`r${RESP}`]);
        await sub.close();
      } finally {
        await c.close();
      }
    }
  });
});

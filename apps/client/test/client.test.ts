// The single-node client against a real redis-server: AUTH, SELECT, RESP3, URLs, reconnects,
// pipelines, transactions and pub/sub without a cluster.
import { type ServerHandle, startRedisServer, waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, createClient, ReplyError } from "../src/index.js";

describe("single-node client", () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startRedisServer({ args: ["--requirepass", "s3cret"] });
  });
  afterAll(async () => server?.stop());

  it("authenticates, selects a database and speaks RESP2 and RESP3", async () => {
    const c = createClient({ port: server.port, password: "s3cret", db: 2 });
    const r3 = createClient({ url: `redis://default:s3cret@127.0.0.1:${server.port}/2`, resp: 3 });
    try {
      await c.set("k", "v");
      expect(await r3.get("k")).toBe("v");
      const hello = (await r3.call("HELLO", "3")) as Record<string, unknown>;
      expect(hello.proto).toBe(3);
      const other = createClient({ port: server.port, password: "s3cret" });
      expect(await other.get("k")).toBeNull(); // db 0
      other.disconnect();
    } finally {
      c.disconnect();
      r3.disconnect();
    }
  });

  it("shows a failed AUTH as ConnectionError with the server's reason", async () => {
    const c = createClient({ port: server.port, password: "wrong" });
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toBe(
      `Handshake with 127.0.0.1:${server.port} failed (AUTH): WRONGPASS invalid username-password pair or user is disabled.`,
    );
    expect((err as Error).cause).toBeInstanceOf(ReplyError);
    c.disconnect();
  });

  it("pipelines, runs transactions and reconnects after the server drops it", async () => {
    const c = createClient({ port: server.port, password: "s3cret" });
    try {
      expect(await c.pipeline().set("a", "1").incr("a").get("a").exec()).toEqual([
        [null, "OK"],
        [null, 2],
        [null, "2"],
      ]);
      expect(await c.multi().incr("a").incr("a").exec()).toEqual([
        [null, 3],
        [null, 4],
      ]);
      await c.call("CLIENT", "KILL", "TYPE", "normal");
      await waitFor(async () => (await c.get("a").catch(() => null)) === "4", { timeout: 5000 });
    } finally {
      c.disconnect();
    }
  });

  it("subscribes on its own connection", async () => {
    const c = createClient({ port: server.port, password: "s3cret" });
    const sub = createClient({ port: server.port, password: "s3cret" });
    try {
      const got: string[] = [];
      await sub.subscribe(["a", "b"], (m, ch) => got.push(`${ch}=${m}`));
      await sub.psubscribe("p.*", (m, ch, p) => got.push(`${p}:${ch}=${m}`));
      await c.publish("a", "1");
      await c.publish("p.x", "2");
      await waitFor(() => got.length === 2, { timeout: 5000 });
      expect(got).toEqual(["a=1", "p.*:p.x=2"]);
      // The subscriber's own client still runs ordinary commands on its normal connection.
      expect(await sub.ping()).toBe("PONG");
    } finally {
      c.disconnect();
      sub.disconnect();
    }
  });
});

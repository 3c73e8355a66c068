import { afterAll, describe, expect, it } from "vitest";
import {
  freeClusterPorts,
  rawExchange,
  redisCli,
  startRedisServer,
  waitFor,
} from "../src/index.js";

describe("test-utils", () => {
  it("hands out distinct ports whose bus port is free too", async () => {
    const ports = await freeClusterPorts(4);
    expect(new Set(ports).size).toBe(4);
    for (const p of ports) expect(p).toBeLessThan(40000);
  });

  it("waitFor reports what it waited for", async () => {
    await expect(waitFor(() => false, { timeout: 100, what: "nothing" })).rejects.toThrow(
      /waiting for nothing/,
    );
  });

  describe("a real redis-server", () => {
    let server: Awaited<ReturnType<typeof startRedisServer>>;
    afterAll(async () => server?.stop());

    it("starts, answers raw RESP and redis-cli, and stops", async () => {
      server = await startRedisServer();
      const reply = await rawExchange(server.port, "*1\r\n$4\r\nPING\r\n", {
        done: (b) => b.length >= 7,
      });
      expect(reply.toString()).toBe("+PONG\r\n");
      expect((await redisCli(server.port, ["set", "k", "v"])).trim()).toBe("OK");
      await server.stop();
      expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
    });
  });
});

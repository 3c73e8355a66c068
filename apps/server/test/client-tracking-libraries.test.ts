// Client-side caching as the client libraries use it, on shoal-server and on redis-server 7.0.15
// alike: node-redis's clientSideCache (RESP3, CLIENT TRACKING ON) and redis-py's cache_config
// (RESP3) serve a read from their cache and drop it when another client writes the key or
// flushes; redis-py's RESP2 subscriber receives a REDIRECTed connection's invalidations on
// __redis__:invalidate. redis-py runs as a child process (redis-py-tracking.py); it must be
// installed (.ci/run installs redis 8.1.0): a missing module fails the test.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { sleep, waitFor } from "@shoal/test-utils";
import { BasicClientSideCache, createClient } from "redis";
import { describe, expect, it } from "vitest";
import { shoalAndRedisForSuite } from "./helpers.js";

const PY_SCRIPT = fileURLToPath(new URL("./redis-py-tracking.py", import.meta.url));

/** node-redis 6.3.1's cache: what a reader sees before and after another client's writes. */
async function nodeRedisCache(port: number) {
  const url = `redis://127.0.0.1:${port}`;
  const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
  const reader = createClient({ url, RESP: 3, clientSideCache: cache });
  const writer = createClient({ url });
  await Promise.all([reader.connect(), writer.connect()]);
  try {
    await writer.del(["csc:a", "csc:b"]);
    await writer.set("csc:a", "v1");
    const first = [await reader.get("csc:a"), await reader.get("csc:a")];
    const hitsBefore = cache.stats().hitCount;
    const tracking = await reader.sendCommand(["CLIENT", "TRACKINGINFO"]);
    await writer.set("csc:a", "v2");
    // The push arrives on the reader's connection after the writer's reply.
    await waitFor(() => cache.size() === 0, { timeout: 5000 });
    const afterWrite = await reader.get("csc:a");
    await reader.get("csc:b");
    const cachedKeys = cache.size();
    await writer.flushAll();
    await waitFor(() => cache.size() === 0, { timeout: 5000 });
    const afterFlush = await reader.get("csc:a");
    // A write nobody cached leaves the cache alone.
    await reader.get("csc:a");
    await writer.set("csc:other", "1");
    await sleep(50);
    return {
      first,
      hitsBefore,
      tracking,
      afterWrite,
      cachedKeys,
      afterFlush,
      sizeAfterUnrelatedWrite: cache.size(),
    };
  } finally {
    await Promise.all([reader.quit(), writer.quit()]);
  }
}

describe("client-side caching with node-redis and redis-py, shoal-server vs redis-server 7.0.15", () => {
  const servers = shoalAndRedisForSuite();

  it("node-redis clientSideCache: served from the cache, invalidated on write and on FLUSHALL", async () => {
    const shoal = await nodeRedisCache(servers.shoal.port);
    const redis = await nodeRedisCache(servers.redis.port);
    expect(shoal).toEqual(redis);
    expect(shoal.first).toEqual(["v1", "v1"]);
    expect(shoal.hitsBefore).toBe(1);
    expect(shoal.afterWrite).toBe("v2");
    expect(shoal.cachedKeys).toBe(2);
    expect(shoal.afterFlush).toBe(null);
    expect(shoal.sizeAfterUnrelatedWrite).toBe(1);
  });

  it("redis-py cache_config (RESP3) and a RESP2 REDIRECT subscriber", async () => {
    const run = async (port: number) => {
      const { stdout } = await promisify(execFile)("python3", [PY_SCRIPT, String(port)], {
        timeout: 30_000,
      });
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    const shoal = await run(servers.shoal.port);
    const redis = await run(servers.redis.port);
    expect(shoal).toEqual(redis);
    expect(shoal).toMatchObject({
      first: ["v1", "v1", 1],
      after_write: ["v2", 1],
      after_flushall: [null, 0],
      tracking: "OK",
      redirect_message: ["message", "__redis__:invalidate", ["py:r"]],
      redirect_flush: ["message", null],
    });
  });
});

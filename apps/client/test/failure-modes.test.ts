// Failure modes a real cluster cannot be made to show on demand, against scripted fake nodes:
// each test pins the error class and message a user sees.
import { afterEach, describe, expect, it } from "vitest";
import {
  ClientClosedError,
  ClusterDiscoveryError,
  ClusterDownError,
  ConnectionError,
  createClient,
  createCluster,
  RedirectionLimitError,
  TimeoutError,
  TryAgainError,
} from "../src/index.js";
import { type FakeNode, startFakeNode } from "./helpers/fake-node.js";

const fakes: FakeNode[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function fake(reply: (args: string[], port: number) => string | undefined) {
  const f = await startFakeNode(reply);
  fakes.push(f);
  return f;
}

describe("failure modes", () => {
  it("caps MOVED loops at 16 redirections with RedirectionLimitError", async () => {
    const node = await fake((args, port) =>
      args[0] === "GET" ? `-MOVED 12182 127.0.0.1:${port}\r\n` : undefined,
    );
    const c = createCluster({ seeds: [{ host: "127.0.0.1", port: node.port }] });
    try {
      const err = await c.get("foo").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedirectionLimitError);
      expect((err as Error).message).toBe(
        `Too many Cluster redirections (16). Last error: MOVED 12182 127.0.0.1:${node.port}`,
      );
      expect(node.commands.filter((a) => a[0] === "GET")).toHaveLength(17);
    } finally {
      c.disconnect();
    }
  });

  it("sends ASKING and the command together after ASK", async () => {
    let asked = false;
    const target = await fake((args) => {
      if (args[0] === "ASKING") {
        asked = true;
        return "+OK\r\n";
      }
      if (args[0] === "GET") return asked ? "$2\r\nok\r\n" : "-ERR not asked\r\n";
      return undefined;
    });
    const source = await fake((args) =>
      args[0] === "GET" ? `-ASK 12182 127.0.0.1:${target.port}\r\n` : undefined,
    );
    const c = createCluster({ seeds: [{ host: "127.0.0.1", port: source.port }] });
    try {
      expect(await c.get("foo")).toBe("ok");
      const i = target.commands.findIndex((a) => a[0] === "ASKING");
      expect(target.commands[i + 1]).toEqual(["GET", "foo"]);
      // ASK does not move the slot.
      expect(c.slotMap!.masterOf(12182)!.port).toBe(source.port);
    } finally {
      c.disconnect();
    }
  });

  it("retries CLUSTERDOWN with backoff, then shows ClusterDownError", async () => {
    const node = await fake((args) =>
      args[0] === "SET" ? "-CLUSTERDOWN The cluster is down\r\n" : undefined,
    );
    const c = createCluster({ seeds: [`127.0.0.1:${node.port}`], retryBudget: 400 });
    try {
      const err = await c.set("k", "v").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterDownError);
      expect(err).toMatchObject({ name: "ClusterDownError", code: "CLUSTERDOWN" });
      expect((err as Error).message).toBe("CLUSTERDOWN The cluster is down");
      expect(node.commands.filter((a) => a[0] === "SET").length).toBeGreaterThan(1);
    } finally {
      c.disconnect();
    }
  });

  it("retries TRYAGAIN, then shows TryAgainError", async () => {
    const node = await fake((args) =>
      args[0] === "MGET"
        ? "-TRYAGAIN Multiple keys request during rehashing of slot\r\n"
        : undefined,
    );
    const c = createCluster({ seeds: [`127.0.0.1:${node.port}`], retryBudget: 300 });
    try {
      const err = await c.mget("{a}1", "{a}2").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TryAgainError);
    } finally {
      c.disconnect();
    }
  });

  it("fails discovery with ClusterDiscoveryError naming every seed", async () => {
    const node = await fake(() => undefined);
    await node.close();
    const c = createCluster({ seeds: [`127.0.0.1:${node.port}`] });
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterDiscoveryError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^Failed to refresh the slot map from any node \\(127\\.0\\.0\\.1:${node.port}: Connection to 127\\.0\\.0\\.1:${node.port} failed: connect ECONNREFUSED`,
      ),
    );
    c.disconnect();
  });

  it("times out a command a node never answers with TimeoutError", async () => {
    const node = await fake((args) => (args[0] === "GET" ? "" : undefined));
    const c = createCluster({ seeds: [`127.0.0.1:${node.port}`], commandTimeout: 200 });
    try {
      const err = await c.get("foo").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toBe("Command timed out after 200 ms: GET");
    } finally {
      c.disconnect();
    }
  });

  it("rejects pending commands with ConnectionError when the server closes", async () => {
    const node = await fake(() => undefined);
    const c = createClient({ port: node.port });
    await c.connect();
    const pending = c.get("foo");
    await new Promise((r) => setTimeout(r, 50));
    await node.close();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toBe(
      `Connection to 127.0.0.1:${node.port} closed by the server`,
    );
    c.disconnect();
    expect(await c.get("x").catch((e: unknown) => e)).toBeInstanceOf(ClientClosedError);
  });

  it("refuses connection-state commands through call()", async () => {
    const c = createCluster({ seeds: ["127.0.0.1:1"] });
    const err = await c.call("MULTI").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe(
      'MULTI changes the state of a shared connection; use multi() instead of call("MULTI")',
    );
    c.disconnect();
  });
});

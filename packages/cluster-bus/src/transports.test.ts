import net from "node:net";
import { freePort, waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import {
  type Node,
  Recorder,
  type TransportEnv,
  transportContract,
} from "../test/transport-contract.js";
import { MemoryNetwork } from "./memory-transport.js";
import { TcpTransport } from "./tcp-transport.js";

transportContract("tcp", (): TransportEnv => {
  const nodes: Node[] = [];
  const sockets: net.Socket[] = [];
  return {
    async start(port) {
      const t = new TcpTransport({
        port: port ?? (await freePort()),
        backoffMinMs: 20,
        backoffMaxMs: 200,
      });
      const rec = new Recorder().attach(t);
      await t.listen();
      const node = { t, rec, host: "127.0.0.1", port: t.port };
      nodes.push(node);
      return node;
    },
    async stopReading(node) {
      // Stop reading on the accepted socket: replace the transport with a raw server that never reads.
      await node.t.shutdown();
      const srv = net.createServer((s) => {
        s.pause();
        sockets.push(s);
      });
      await new Promise<void>((r) => srv.listen(node.port, "127.0.0.1", () => r()));
      nodes.push({
        ...node,
        t: { shutdown: () => new Promise<void>((r) => srv.close(() => r())) } as never,
      });
    },
    async raw(node) {
      const s = net.connect(node.port, node.host);
      sockets.push(s);
      let closed = false;
      s.on("close", () => {
        closed = true;
      });
      s.on("error", () => {});
      await new Promise<void>((r) => s.once("connect", () => r()));
      return { write: (b) => s.write(b), closed: () => closed, end: () => s.destroy() };
    },
    async teardown() {
      for (const s of sockets) s.destroy();
      await Promise.all(nodes.map((n) => n.t.shutdown()));
    },
  };
});

transportContract("memory", (): TransportEnv => {
  const network = new MemoryNetwork({
    schedule: (d, fn) => void setTimeout(fn, d),
    now: Date.now,
    codec: true,
  });
  const nodes: Node[] = [];
  let nextIp = 1;
  const byPort = new Map<number, string>();
  let nextPort = 17000;
  return {
    async start(port) {
      const p = port ?? nextPort++;
      const ip = byPort.get(p) ?? `10.0.0.${nextIp++}`;
      byPort.set(p, ip);
      const t = network.createTransport({ ip, port: p });
      const rec = new Recorder().attach(t);
      await t.listen();
      const node = { t, rec, host: ip, port: p };
      nodes.push(node);
      return node;
    },
    stopReading(node) {
      network.setPaused(node.t as never, true);
    },
    async raw(node) {
      const peer = network.rawConnect("10.9.9.9", node.host, node.port);
      return { write: (b) => peer.write(b), closed: () => peer.closed, end: () => peer.close() };
    },
    async teardown() {
      await Promise.all(nodes.map((n) => n.t.shutdown()));
    },
  };
});

describe("TcpTransport bind addresses", () => {
  it("listens on every address of a bind list, skipping unavailable optional ones", async () => {
    const t = new TcpTransport({ port: 0, host: ["127.0.0.1", "-192.0.2.123"] });
    await t.listen();
    expect(t.port).toBeGreaterThan(0);
    const b = new TcpTransport({ port: 0 });
    const rec = new Recorder().attach(b);
    b.connect("x", "127.0.0.1", t.port);
    await waitFor(() => rec.up.length === 1, { what: "connected" });
    await b.shutdown();
    await t.shutdown();
    await expect(new TcpTransport({ port: 0, host: ["192.0.2.123"] }).listen()).rejects.toThrow();
  });

  it("outbound links leave from localAddress (bind-source-addr), set at construction or later", async () => {
    const t = new TcpTransport({ port: 0 });
    const trec = new Recorder().attach(t);
    await t.listen();
    const b = new TcpTransport({ port: 0, localAddress: "127.1.0.7" });
    const rec = new Recorder().attach(b);
    b.connect("x", "127.0.0.1", t.port);
    await waitFor(() => rec.up.length === 1 && trec.accepted.length === 1, { what: "connected" });
    expect(rec.up[0]!.localIp).toBe("127.1.0.7");
    expect(trec.accepted[0]!.peerIp).toBe("127.1.0.7");
    b.setLocalAddress("127.1.0.8");
    b.connect("y", "127.0.0.1", t.port);
    await waitFor(() => trec.accepted.length === 2, { what: "second link" });
    expect(trec.accepted[1]!.peerIp).toBe("127.1.0.8");
    b.setLocalAddress("");
    b.connect("z", "127.0.0.1", t.port);
    await waitFor(() => trec.accepted.length === 3, { what: "third link" });
    expect(trec.accepted[2]!.peerIp).toBe("127.0.0.1");
    await b.shutdown();
    await t.shutdown();
  });
});

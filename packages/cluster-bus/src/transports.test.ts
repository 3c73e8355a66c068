import net from "node:net";
import { freePort, sleep, waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import { samplePing } from "../test/arbitraries.js";
import {
  type Node,
  Recorder,
  type TransportEnv,
  transportContract,
} from "../test/transport-contract.js";
import { encodeFrame } from "./codec.js";
import { MemoryNetwork } from "./memory-transport.js";
import { type ClusterMessage, MessageType } from "./messages.js";
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

describe("TcpTransport with its event loop held up (pumpLinks)", () => {
  /** Calls `pump` without yielding to the event loop until it read something (2 s at most). */
  function pumpUntilRead(t: TcpTransport): number {
    const end = performance.now() + 2000;
    for (;;) {
      const n = t.pumpLinks();
      if (n > 0 || performance.now() > end) return n;
    }
  }

  it("reads, delivers and answers on the same turn: a PING and its PONG cross without the loop", async () => {
    const a = new TcpTransport({ port: 0 });
    const b = new TcpTransport({ port: 0 });
    const arec = new Recorder().attach(a);
    const bmsgs: string[] = [];
    b.setHandler({
      linkUp() {},
      linkAccepted() {},
      // The answer is sent from inside the delivery, as the cluster state machine does.
      message: (link, msg) => {
        bmsgs.push(`${link}:${msg.type}`);
        b.send(link, { ...samplePing(1), type: MessageType.PONG } as ClusterMessage);
      },
      linkDown() {},
    });
    await Promise.all([a.listen(), b.listen()]);
    a.connect("x", "127.0.0.1", b.port);
    await waitFor(() => arec.up.length === 1, { what: "connected" });
    // The accepted end is set up on b's side too (one PING through the loop shows it).
    a.send("x", samplePing(0));
    await waitFor(() => bmsgs.length === 1 && arec.messages.length === 1, { what: "warm-up" });

    // From here on nothing yields: b reads a's PING from its fd, answers in its handler, and a
    // reads that PONG from its own fd; only a write(2) made at once can get it there.
    a.send("x", samplePing(3));
    const readByB = pumpUntilRead(b);
    const bSaw = [...bmsgs];
    const readByA = pumpUntilRead(a);
    const aSaw = arec.messages.map((m) => `${m.link}:${m.msg.type}`);

    expect(readByB).toBeGreaterThan(0);
    expect(bSaw).toEqual([bmsgs[0], bmsgs[0]]);
    expect(readByA).toBeGreaterThan(0);
    expect(aSaw).toEqual([`x:${MessageType.PONG}`, `x:${MessageType.PONG}`]);
    // Nothing read twice: the loop, running again, finds nothing more.
    await sleep(50);
    expect(bmsgs.length).toBe(2);
    expect(arec.messages.length).toBe(2);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it("a frame half read by the loop is completed by the pump's bytes, in order", async () => {
    const b = new TcpTransport({ port: 0 });
    const rec = new Recorder().attach(b);
    await b.listen();
    const raw = net.connect(b.port, "127.0.0.1");
    raw.on("error", () => {});
    await new Promise<void>((r) => raw.once("connect", () => r()));
    await waitFor(() => rec.accepted.length === 1, { what: "accepted" });
    const first = encodeFrame(samplePing(4, "1".repeat(40)));
    const second = encodeFrame(samplePing(2, "2".repeat(40)));
    const half = Math.floor(first.length / 2);
    raw.write(first.subarray(0, half));
    // Let the loop read the first half into the link's decoder.
    await sleep(100);
    expect(rec.messages.length).toBe(0);
    raw.write(Buffer.concat([first.subarray(half), second]));
    // The raw socket's write went straight to the kernel; b's loop never runs in between.
    expect(pumpUntilRead(b)).toBe(first.length - half + second.length);
    expect(rec.messages.map((m) => m.msg.header.sender)).toEqual(["1".repeat(40), "2".repeat(40)]);
    raw.destroy();
    await b.shutdown();
  });

  it("lists its listening fds and adopts a connection accepted elsewhere as an inbound link", async () => {
    const b = new TcpTransport({ port: 0 });
    const rec = new Recorder().attach(b);
    await b.listen();
    expect(b.listeningFds()).toHaveLength(1);
    // Another listener accepts (as the busy-accept thread does) and hands over the fd. Its own
    // paused socket object stays behind, inert, as the accept thread's do.
    const other = net.createServer({ pauseOnConnect: true });
    const fd = new Promise<number>((resolve) =>
      other.on("connection", (s) =>
        resolve((s as unknown as { _handle: { fd: number } })._handle.fd),
      ),
    );
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
    const raw = net.connect((other.address() as net.AddressInfo).port, "127.0.0.1");
    raw.on("error", () => {});
    await new Promise<void>((r) => raw.once("connect", () => r()));
    b.adoptInbound(await fd);
    expect(rec.accepted).toHaveLength(1);
    expect(rec.accepted[0]!.peerIp).toBe("127.0.0.1");
    raw.write(encodeFrame(samplePing(1, "3".repeat(40))));
    expect(pumpUntilRead(b)).toBeGreaterThan(0);
    expect(rec.messages.map((m) => [m.link, m.msg.header.sender])).toEqual([
      [rec.accepted[0]!.id, "3".repeat(40)],
    ]);
    raw.destroy();
    await b.shutdown();
    other.close();
  });
});

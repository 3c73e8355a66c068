// One behavioural suite run against every Transport implementation (TCP and in-memory).
import { waitFor } from "@shoal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import type { ClusterMessage, PublishMessage } from "../src/messages.js";
import { MessageType } from "../src/messages.js";
import type { LinkDownReason, LinkId, LinkInfo, Transport } from "../src/transport.js";
import { samplePing } from "./arbitraries.js";

export class Recorder {
  up: LinkInfo[] = [];
  accepted: LinkInfo[] = [];
  messages: { link: LinkId; msg: ClusterMessage }[] = [];
  down: { link: LinkId; reason: LinkDownReason }[] = [];
  attach(t: Transport): this {
    t.setHandler({
      linkUp: (l) => this.up.push(l),
      linkAccepted: (l) => this.accepted.push(l),
      message: (link, msg) => this.messages.push({ link, msg }),
      linkDown: (link, reason) => this.down.push({ link, reason }),
    });
    return this;
  }
}

export interface Node {
  t: Transport;
  rec: Recorder;
  host: string;
  port: number;
}

export interface TransportEnv {
  /** A listening transport; `port` reuses a previous node's address (restart). */
  start(port?: number): Promise<Node>;
  /** Makes `node` stop reading from its links. */
  stopReading(node: Node): Promise<void> | void;
  /** Writes raw bytes to node's listener; `closed()` turns true when the node drops us. */
  raw(node: Node): Promise<{ write(b: Uint8Array): void; closed(): boolean; end(): void }>;
  teardown(): Promise<void>;
}

function bigPublish(bytes: number): PublishMessage {
  const ping = samplePing(0);
  return {
    type: MessageType.PUBLISH,
    header: ping.header,
    channel: Buffer.from("ch"),
    message: Buffer.alloc(bytes, 120),
  };
}

export function transportContract(name: string, makeEnv: () => TransportEnv): void {
  describe(`${name} transport contract`, () => {
    let env: TransportEnv;
    afterEach(async () => env?.teardown());

    async function linked() {
      env = makeEnv();
      const a = await env.start();
      const b = await env.start();
      a.t.connect("to-b", b.host, b.port);
      await waitFor(() => a.rec.up.length === 1 && b.rec.accepted.length === 1, {
        what: "link up",
      });
      return { a, b, inbound: b.rec.accepted[0]!.id };
    }

    it("two transports exchange messages both ways and count them by type", async () => {
      const { a, b, inbound } = await linked();
      expect(a.rec.up[0]).toMatchObject({ id: "to-b", direction: "to" });
      expect(b.rec.accepted[0]!.direction).toBe("from");
      const ping = samplePing(10);
      expect(a.t.send("to-b", ping)).toBe(true);
      await waitFor(() => b.rec.messages.length === 1, { what: "ping delivered" });
      expect(b.rec.messages[0]!.link).toBe(inbound);
      expect(b.rec.messages[0]!.msg.header.sender).toBe(ping.header.sender);
      const pong = { ...samplePing(2), type: MessageType.PONG } as ClusterMessage;
      b.t.send(inbound, pong);
      await waitFor(() => a.rec.messages.length === 1, { what: "pong delivered" });
      expect(a.rec.messages[0]).toMatchObject({ link: "to-b", msg: { type: MessageType.PONG } });
      expect(a.t.counters.sent[MessageType.PING]).toBe(1);
      expect(a.t.counters.received[MessageType.PONG]).toBe(1);
      expect(b.t.counters.received[MessageType.PING]).toBe(1);
      expect(a.t.counters.infoFields()).toContainEqual(["cluster_stats_messages_ping_sent", 1]);
      const stats = a.t.linkStats();
      expect(stats).toHaveLength(1);
      expect(stats[0]).toMatchObject({ id: "to-b", direction: "to" });
      expect(typeof stats[0]!.createTime).toBe("number");
      // Locally closed: no linkDown here, but the peer hears about it.
      a.t.close("to-b");
      await waitFor(() => b.rec.down.length === 1, { what: "peer sees close" });
      expect(a.rec.down).toHaveLength(0);
      expect(a.t.send("to-b", ping)).toBe(false);
    });

    it("reports refused connects and reconnects after the peer restarts", async () => {
      const { a, b } = await linked();
      const port = b.port;
      await b.t.shutdown();
      await waitFor(() => a.rec.down.some((d) => d.link === "to-b"), { what: "link down" });
      a.t.connect("try-1", b.host, port);
      await waitFor(() => a.rec.down.some((d) => d.link === "try-1"), { what: "refused" });
      expect(a.rec.down.find((d) => d.link === "try-1")!.reason).toBe("refused");
      const b2 = await env.start(port);
      let n = 2;
      await waitFor(
        () => {
          if (a.rec.up.some((l) => l.id === `try-${n}`)) return true;
          if (n === 2 || a.rec.down.some((d) => d.link === `try-${n}`)) {
            n++;
            a.t.connect(`try-${n}`, b2.host, port);
          }
          return false;
        },
        { what: "reconnect", timeout: 10_000 },
      );
      a.t.send(`try-${n}`, samplePing(1));
      await waitFor(() => b2.rec.messages.length === 1, { what: "message after restart" });
    });

    it("frees a link whose peer stops reading once the send buffer passes the limit", async () => {
      const { a, b } = await linked();
      a.t.setSendBufLimit(256 * 1024);
      await env.stopReading(b);
      let ok = true;
      for (let i = 0; i < 2000 && ok; i++) ok = a.t.send("to-b", bigPublish(64 * 1024));
      await waitFor(() => a.rec.down.some((d) => d.link === "to-b"), { what: "link freed" });
      expect(a.rec.down.find((d) => d.link === "to-b")!.reason).toBe("sendbuf-limit");
      expect(a.t.counters.linksBufferLimitExceeded).toBe(1);
      expect(a.t.linkStats()).toHaveLength(0);
    });

    it("survives a handler that throws: the error is contained, the link keeps working", async () => {
      const { a, b } = await linked();
      let calls = 0;
      b.t.setHandler({
        linkUp() {},
        linkAccepted() {},
        message: () => {
          calls++;
          throw new Error("boom");
        },
        linkDown() {},
      });
      a.t.send("to-b", samplePing(1));
      a.t.send("to-b", samplePing(1));
      await waitFor(() => calls === 2, { what: "both messages handled" });
      expect(a.rec.down).toHaveLength(0);
    });

    it("closes only the link that sends garbage; other links keep working", async () => {
      const { a, b, inbound } = await linked();
      const raw = await env.raw(b);
      raw.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      await waitFor(() => raw.closed(), { what: "garbage link closed" });
      expect(b.rec.down.some((d) => d.reason === "protocol-error")).toBe(true);
      a.t.send("to-b", samplePing(3));
      await waitFor(() => b.rec.messages.length === 1, { what: "good link still works" });
      expect(b.rec.messages[0]!.link).toBe(inbound);
      // A frame announcing an absurd length is refused at the header, before any buffering.
      const raw2 = await env.raw(b);
      const f = Buffer.alloc(10);
      f.write("SHmb", 0, "latin1");
      f.writeUInt16BE(1, 4);
      f.writeUInt32BE(0xfffffff0, 6);
      raw2.write(f);
      await waitFor(() => raw2.closed(), { what: "oversized frame link closed" });
      raw.end();
      raw2.end();
    });
  });
}

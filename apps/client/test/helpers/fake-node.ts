// A scripted fake cluster node for failure modes a real cluster cannot be made to show on
// demand (endless MOVED loops, permanent TRYAGAIN, a node that never answers). It speaks just
// enough RESP: parses command arrays and answers with whatever `reply` returns (raw RESP text).
import net from "node:net";

export interface FakeNode {
  port: number;
  /** Every command received, as strings. */
  commands: string[][];
  close(): Promise<void>;
}

function parseCommands(buf: Buffer): { cmds: string[][]; rest: Buffer } {
  const cmds: string[][] = [];
  let pos = 0;
  outer: while (pos < buf.length) {
    const start = pos;
    if (buf[pos] !== 42) break;
    const nl = buf.indexOf("\r\n", pos);
    if (nl < 0) break;
    const n = Number(buf.toString("latin1", pos + 1, nl));
    pos = nl + 2;
    const args: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = buf.indexOf("\r\n", pos);
      if (l < 0) {
        pos = start;
        break outer;
      }
      const len = Number(buf.toString("latin1", pos + 1, l));
      if (l + 2 + len + 2 > buf.length) {
        pos = start;
        break outer;
      }
      args.push(buf.toString("utf8", l + 2, l + 2 + len));
      pos = l + 2 + len + 2;
    }
    cmds.push(args);
  }
  return { cmds, rest: buf.subarray(pos) };
}

/**
 * Starts a fake node. `reply(args, port)` returns the raw RESP reply, or undefined to stay silent.
 * CLUSTER SHARDS/SLOTS default to "this node owns every slot".
 */
export function startFakeNode(
  reply: (args: string[], port: number) => string | undefined,
): Promise<FakeNode> {
  const commands: string[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    let pending = Buffer.alloc(0);
    sock.on("data", (d) => {
      const { cmds, rest } = parseCommands(Buffer.concat([pending, d]));
      pending = Buffer.from(rest);
      const port = (server.address() as net.AddressInfo).port;
      let out = "";
      for (const args of cmds) {
        commands.push(args);
        const name = args
          .map((a) => a.toUpperCase())
          .slice(0, 2)
          .join(" ");
        const custom = reply(args, port);
        if (custom !== undefined) out += custom;
        else if (name === "CLUSTER SLOTS")
          out += `*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:${port}\r\n$40\r\n${"a".repeat(40)}\r\n`;
        else if (name === "CLUSTER SHARDS") out += "-ERR unknown subcommand 'SHARDS'\r\n";
        else if (args[0]!.toUpperCase() === "PING") out += "+PONG\r\n";
      }
      if (out) sock.write(out);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        commands,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

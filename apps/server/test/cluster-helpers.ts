// Helpers for the cluster process tests: consecutive free ports for the launcher, a RESP
// "shape" to compare replies with a real Redis 7.0 cluster when values (ids, ports, times)
// necessarily differ, and a bus PING from a node nobody knows.
import net from "node:net";
import { fileURLToPath } from "node:url";
import { encodeFrame, MessageType, NodeFlag } from "@shoal/cluster-bus";

export const LAUNCHER = fileURLToPath(new URL("../bin/shoal-cluster", import.meta.url));

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A base port P such that P..P+n-1 and their bus ports are free (the launcher's layout). Bus
 * ports stay below 32768, out of Linux's ephemeral range, so no passing outbound connection
 * (another test's) holds one when a node binds it.
 */
export async function consecutiveClusterPorts(n: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (22700 - n - 20000));
    let ok = true;
    for (let i = 0; i < n && ok; i++)
      ok = (await canListen(base + i)) && (await canListen(base + i + 10000));
    if (ok) return base;
  }
  throw new Error("no consecutive free cluster ports");
}

/**
 * The structure of a RESP reply: aggregates with their element counts, scalars as their type
 * letter. Two replies with the same shape differ only in the values of their scalars.
 */
export function respShape(buf: Buffer): string {
  let pos = 0;
  const one = (): string => {
    const t = String.fromCharCode(buf[pos]!);
    const eol = buf.indexOf("\r\n", pos);
    const line = buf.toString("latin1", pos + 1, eol);
    pos = eol + 2;
    switch (t) {
      case "*":
      case "%":
      case "~":
      case ">": {
        const n = Number(line);
        if (n < 0) return `${t}-1`;
        const items: string[] = [];
        for (let i = 0; i < n * (t === "%" ? 2 : 1); i++) items.push(one());
        return `${t}${n}[${items.join(",")}]`;
      }
      case "$":
      case "=": {
        const n = Number(line);
        if (n < 0) return "$-1";
        pos += n + 2;
        return t;
      }
      default:
        return t;
    }
  };
  const out: string[] = [];
  while (pos < buf.length) out.push(one());
  return out.join(" ");
}

/** A framed bus PING from a master nobody knows (id `sender`), with no slots and no gossip. */
export function strangerPingFrame(sender: string, shardId: string, epoch = 0): Buffer {
  return encodeFrame({
    type: MessageType.PING,
    header: {
      sender,
      currentEpoch: epoch,
      configEpoch: epoch,
      offset: 0,
      slots: [],
      replicaOf: null,
      ip: "",
      port: 1,
      pport: 0,
      cport: 2,
      hostname: "",
      flags: NodeFlag.MASTER,
      state: 0,
      mflags: 0,
      shardId,
    },
    gossip: [],
    forgotten: [],
  });
}

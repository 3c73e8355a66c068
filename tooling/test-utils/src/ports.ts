// Free loopback ports for tests. Tests never assume 6379 or 7000 are free; a cluster node also
// needs its bus port (port + 10000) free, so pairs are probed together.
import net from "node:net";

function canListen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

// Ports handed out by this process, so parallel helpers in one test file never collide.
const handedOut = new Set<number>();

/**
 * A port free on 127.0.0.1 right now, below 32768 (this machine's ephemeral range starts there:
 * the OS's own pick, port 0, would land in it, where an outbound connection can take it back).
 */
export async function freePort(): Promise<number> {
  for (let attempts = 0; attempts < 2000; attempts++) {
    const p = 10000 + Math.floor(Math.random() * 22768);
    if (handedOut.has(p)) continue;
    if (await canListen(p)) {
      handedOut.add(p);
      return p;
    }
  }
  throw new Error("could not find a free port below 32768");
}

/**
 * `count` ports P such that P and P + 10000 (the cluster bus port) are free. Both stay below
 * 32768, where this machine's ephemeral range starts (a port an outbound connection left in
 * TIME_WAIT can't be bound): P is drawn from 10000–22767 at random so concurrent test processes
 * rarely race for the same one.
 */
export async function freeClusterPorts(count: number): Promise<number[]> {
  const out: number[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > 2000) throw new Error("could not find free cluster port pairs");
    const p = 10000 + Math.floor(Math.random() * 12768);
    if (handedOut.has(p) || handedOut.has(p + 10000)) continue;
    if ((await canListen(p)) && (await canListen(p + 10000))) {
      handedOut.add(p);
      out.push(p);
    }
  }
  return out;
}

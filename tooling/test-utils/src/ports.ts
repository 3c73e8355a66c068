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

/** A port the OS reports free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// Ports handed out by this process, so parallel helpers in one test file never collide.
const handedOut = new Set<number>();

/**
 * `count` ports P such that P and P + 10000 (the cluster bus port) are free. Ports are drawn
 * from 20000–39999 at random so concurrent test processes rarely race for the same one.
 */
export async function freeClusterPorts(count: number): Promise<number[]> {
  const out: number[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > 2000) throw new Error("could not find free cluster port pairs");
    const p = 20000 + Math.floor(Math.random() * 20000);
    if (handedOut.has(p) || handedOut.has(p + 10000)) continue;
    if ((await canListen(p)) && (await canListen(p + 10000))) {
      handedOut.add(p);
      out.push(p);
    }
  }
  return out;
}

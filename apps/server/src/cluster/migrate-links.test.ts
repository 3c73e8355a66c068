import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectLink, MigrateLink, MigrateLinks } from "./migrate-links.js";

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server; `onData` sees what a link writes and may answer. */
async function peer(onData: (sock: net.Socket, d: Buffer) => void = () => {}): Promise<number> {
  const srv = net.createServer((sock) => {
    sockets.push(sock);
    sock.on("data", (d) => onData(sock, d));
    sock.on("error", () => {});
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return (srv.address() as net.AddressInfo).port;
}

async function link(port: number): Promise<MigrateLink> {
  const l = await connectLink(`127.0.0.1:${port}`, "127.0.0.1", port, 1000);
  if (typeof l === "string") throw new Error(l);
  return l;
}

describe("MigrateLink", () => {
  it("reads reply lines split across packets, without their CRLF", async () => {
    const port = await peer((sock) => {
      sock.write("+O");
      setTimeout(() => sock.write("K\r\n-ERR x\r\n"), 20);
    });
    const l = await link(port);
    expect(await l.write(Buffer.from("PING\r\n"), 1000)).toBe(null);
    expect(await l.readLine(1000)).toBe("+OK");
    expect(await l.readLine(1000)).toBe("-ERR x");
    expect(await l.readLine(50)).toBe("timeout");
    l.close();
  });

  it("cuts lines longer than syncReadLine's buffer, as Redis reads them", async () => {
    const port = await peer((sock) => sock.write(`-${"e".repeat(2000)}\r\n`));
    const l = await link(port);
    await l.write(Buffer.from("x"), 1000);
    const first = await l.readLine(1000);
    expect(first).toHaveLength(1023);
    expect(await l.readLine(1000)).toBe("e".repeat(2001 - 1023));
    l.close();
  });

  it("reports a peer that goes away as an error, not a timeout", async () => {
    const port = await peer((sock) => sock.destroy());
    const l = await link(port);
    await l.write(Buffer.from("x"), 1000);
    expect(await l.readLine(5000)).toBe("error");
    expect(l.alive).toBe(false);
  });

  it("tells a refused connection from a failed lookup", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    expect(await connectLink("x", "127.0.0.1", port, 1000)).toBe("write");
    expect(await connectLink("x", "nonexistent.invalid", 1, 1000)).toBe("connect");
  });
});

describe("MigrateLinks", () => {
  it("hands a released link back to the next MIGRATE to the same host:port", async () => {
    const port = await peer();
    const links = new MigrateLinks();
    const name = `127.0.0.1:${port}`;
    const a = await links.acquire(name, "127.0.0.1", port, 1000);
    const b = await links.acquire(name, "127.0.0.1", port, 1000);
    expect(a).toBeInstanceOf(MigrateLink);
    expect(b).not.toBe(a); // a is checked out: a concurrent MIGRATE gets its own
    (a as MigrateLink).lastDb = 3;
    links.release(a as MigrateLink);
    links.release(b as MigrateLink); // one per target is kept
    expect(links.size).toBe(1);
    expect((b as MigrateLink).alive).toBe(false);
    const c = await links.acquire(name, "127.0.0.1", port, 1000);
    expect(c).toBe(a);
    expect((c as MigrateLink).lastDb).toBe(3);
    links.release(c as MigrateLink);
    links.closeAll();
    expect(links.size).toBe(0);
  });

  it("does not reuse a link the target closed while it was idle", async () => {
    const port = await peer();
    const links = new MigrateLinks();
    const name = `127.0.0.1:${port}`;
    const a = (await links.acquire(name, "127.0.0.1", port, 1000)) as MigrateLink;
    links.release(a);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const b = await links.acquire(name, "127.0.0.1", port, 1000);
    expect(b).not.toBe(a);
    links.release(b as MigrateLink);
    links.closeAll();
  });
});

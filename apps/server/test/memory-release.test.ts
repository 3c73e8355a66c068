// Memory given back (issue 17): a 500 MB SET costs the value about once (not the three copies it
// used to), and its memory leaves the process after DEL, without anything else happening on the
// server. Memory assertions on the server's resident size (/proc/<pid>/status VmRSS), polled with
// a generous deadline: nothing here depends on how fast the machine is.
import { readFileSync } from "node:fs";
import net from "node:net";
import { waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import { cmd, shoalForSuite } from "./helpers.js";

const MB = 1024 * 1024;
const SIZE = 500 * MB;

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
  if (!m) throw new Error("no VmRSS");
  return Number(m[1]) * 1024;
}

/** Sends SET `key` with a `size`-byte value, streamed from one small buffer; resolves on +OK. */
function bigSet(port: number, key: string, size: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: "127.0.0.1" }, async () => {
      const write = (b: Buffer | string) =>
        sock.write(b) ? Promise.resolve() : new Promise((r) => sock.once("drain", r));
      await write(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${size}\r\n`);
      const piece = Buffer.alloc(4 * MB, 120);
      for (let left = size; left > 0; left -= piece.length)
        await write(left >= piece.length ? piece : piece.subarray(0, left));
      await write("\r\n");
    });
    let got = "";
    sock.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.endsWith("\r\n")) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on("error", reject);
  });
}

function send(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: "127.0.0.1" }, () => sock.write(payload));
    sock.on("data", (d: Buffer) => {
      sock.destroy();
      resolve(d.toString("latin1"));
    });
    sock.on("error", reject);
  });
}

describe("memory given back", () => {
  const suite = shoalForSuite();

  it("a 500 MB SET peaks near the value's size, and DEL gives the memory back", async () => {
    const s = suite.shoal;
    const pid = s.process.pid!;
    const base = rss(pid);
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
    }, 20);
    try {
      expect(await bigSet(s.port, "big", SIZE)).toBe("+OK\r\n");
    } finally {
      clearInterval(sampler);
    }
    const stored = rss(pid);
    peak = Math.max(peak, stored);
    // The value is resident once, plus transient read chunks: it used to be three copies (1.5 GB).
    expect(stored - base).toBeGreaterThan(0.9 * SIZE);
    expect(peak - base).toBeLessThan(1.4 * SIZE);
    expect(await send(s.port, cmd("STRLEN", "big"))).toBe(`:${SIZE}\r\n`);

    expect(await send(s.port, cmd("DEL", "big"))).toBe(":1\r\n");
    // Nothing else runs on the server: the memory must come back by itself.
    await waitFor(() => rss(pid) - base < 100 * MB, {
      timeout: 30_000,
      interval: 200,
      what: `RSS back near ${Math.round(base / MB)} MB (now ${Math.round(rss(pid) / MB)} MB)`,
    });
    expect(s.output()).not.toContain("ExperimentalWarning");
  }, 90_000);
});

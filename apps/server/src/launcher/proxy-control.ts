// The fault proxy of a partitionable cluster runs as its own detached process (proxy-daemon.ts),
// so it outlives the `shoal-cluster start` that launched it and serves every later `partition`
// and `heal`, from the command line or from the library alike. This module starts and stops that
// process and talks to it over a unix socket in the cluster directory: one JSON line per request,
// one JSON line back.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { ProxyStatus } from "./fault-proxy.js";
import { distFile } from "./paths.js";

export type ProxyRequest =
  | { op: "status" }
  | { op: "partition"; groups: number[][] }
  | { op: "heal" }
  | { op: "stop" };

export type ProxyResponse = { ok: true; status: ProxyStatus } | { ok: false; error: string };

/** <dir>/proxy.sock, or a name in the temp directory when that path is too long for a socket. */
export function controlPath(dir: string): string {
  const p = path.join(dir, "proxy.sock");
  if (Buffer.byteLength(p) < 100) return p;
  const h = createHash("sha1").update(dir).digest("hex").slice(0, 16);
  return path.join(os.tmpdir(), `shoal-proxy-${h}.sock`);
}

export const proxyPidFile = (dir: string) => path.join(dir, "proxy.pid");
export const proxyLogFile = (dir: string) => path.join(dir, "proxy.log");

export function proxyRequest(
  dir: string,
  req: ProxyRequest,
  timeoutMs = 3000,
): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ path: controlPath(dir) });
    let buf = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the fault proxy did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("connect", () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      resolve(JSON.parse(buf.slice(0, nl)) as ProxyResponse);
    });
    sock.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Whether the proxy of the cluster in `dir` answers. */
export async function proxyRunning(dir: string): Promise<boolean> {
  try {
    return (await proxyRequest(dir, { op: "status" }, 1000)).ok;
  } catch {
    return false;
  }
}

/** Starts the proxy process for the cluster recorded in `dir` and waits until it answers. */
export async function startProxy(dir: string): Promise<number> {
  const log = fs.openSync(proxyLogFile(dir), "a");
  const child = spawn(process.execPath, [distFile("fault-proxy.js"), dir], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  fs.closeSync(log);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (!(await proxyRunning(dir))) {
    if (exited || Date.now() > deadline)
      throw new Error(`the fault proxy did not start; see ${proxyLogFile(dir)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child.pid!;
}

/** Asks the proxy to exit; resolves once it has (false when none was running). */
export async function stopProxy(dir: string): Promise<boolean> {
  if (!(await proxyRunning(dir))) return false;
  await proxyRequest(dir, { op: "stop" }).catch(() => undefined);
  const deadline = Date.now() + 5000;
  while ((await proxyRunning(dir)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  return true;
}

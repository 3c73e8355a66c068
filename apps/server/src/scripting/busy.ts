// Serving other clients while a script runs past busy-reply-threshold (Redis's
// processEventsWhileBlocked, called from scriptInterrupt).
//
// The Lua VM runs on the main thread, inside one synchronous call: the event loop is stopped
// until the script returns. Once the script is past the threshold, the instruction-count hook
// (every 100k instructions) comes here and does by hand what the event loop would: it reads
// what each connected client sent, straight from the socket's file descriptor (a non-blocking
// read(2); EAGAIN when nothing came), feeds it to the client's decoder, runs the complete
// commands through the normal path, where dispatch answers BUSY to everything but the
// allow_busy commands (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE...), and writes the replies
// with a synchronous write(2). A partial command stays in the decoder for the event loop to
// complete later; bytes read here never reach libuv, so nothing is read twice.
//
// New connections: accept(2) is libuv's, so one worker thread per process accepts them on the
// listening fds (TCP and the Unix socket) while the script is busy (networking/busy-accept.ts);
// each pass first adopts what it took, and a new client's commands are read in the same pass.
//
// The cluster bus is served in the same pass (ClusterRuntime.serveBusWhileBusy): each link's
// socket read the same way, its messages handled as the event loop would handle them, and the
// replies (a PONG to each PING) written at once: Node's socket.write tries write(2) right away
// when the socket's queue is empty, loop or no loop. So the peers don't flag a node that is only
// busy, and no replica takes over its slots. New bus connections come through the accept thread.
//
// What it cannot do: serve clients on TLS, run timers (no cluster cron: the busy node pings and
// suspects nobody, as in Redis), or flush replies to clients that sent nothing (a PUBLISH from
// the bus reaches this node's subscribers after the script). Its cost, nothing before the
// threshold, is one read(2) per client per pass and per bus link at most every 10 ms. An empty
// read costs ~6 us in Node (its EAGAIN becomes an exception, made here without a stack trace), so
// a pass over many clients is not cheap: passes are paced to leave the script at least 4/5 of the
// time (a pass at most every max(1 ms, 4x the last pass's length)). Redis's epoll costs nothing
// per idle client; here 10,000 idle clients make a pass of ~60 ms and BUSY answers ~0.3 s late.
import fs from "node:fs";
import type { Client } from "../networking/client-connection.js";

export interface BusyHost {
  readonly clients: ReadonlyMap<number, Client>;
  processInputBuffer(client: Client): void;
  /** New connections taken by the listeners' accept threads become clients (busy-accept.ts). */
  acceptWhileBusy(): void;
  /** Cluster mode: the bus's links, read and served (cluster/cluster-runtime.ts). */
  readonly cluster: { serveBusWhileBusy(): void } | null;
}

const READ_SIZE = 16 * 1024;
let scratch: Buffer | null = null;
/** performance.now() before which the next pass is skipped (see the pacing above). */
let nextPassAt = 0;
const MIN_PASS_GAP_MS = 1;
const PASS_GAP_FACTOR = 4;

function fdOf(client: Client): number {
  const fd = (client.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === "number" ? fd : -1;
}

/**
 * One pass over the clients (read, run, reply; `caller`, the script's client, is left alone),
 * then over the cluster bus's links.
 */
export function serveClientsWhileBusy(host: BusyHost, caller: Client): void {
  const start = performance.now();
  if (start < nextPassAt) return;
  serveOnce(host, caller);
  const end = performance.now();
  nextPassAt = end + Math.max(MIN_PASS_GAP_MS, (end - start) * PASS_GAP_FACTOR);
}

function serveOnce(host: BusyHost, caller: Client): void {
  scratch ??= Buffer.allocUnsafe(READ_SIZE);
  host.acceptWhileBusy();
  for (const client of host.clients.values()) {
    if (client === caller || client.closed || client.replRole !== "") continue;
    // A client held for backpressure, or with bytes Node already read into the stream's buffer,
    // is left to the event loop: reading its fd here would run what it sent out of order.
    if (client.readPaused || client.socket.readableLength > 0) continue;
    const fd = fdOf(client);
    if (fd < 0) continue;
    let got = false;
    for (;;) {
      const n = readNow(fd, scratch);
      // EAGAIN: nothing more for now (or an error the event loop will see); EOF: the event loop
      // sees it too and frees the client.
      if (n <= 0) break;
      client.decoder.feed(Buffer.from(scratch.subarray(0, n)));
      got = true;
      if (n < READ_SIZE) break;
    }
    if (!got) continue;
    host.processInputBuffer(client);
    writeNow(client, fd);
  }
  host.cluster?.serveBusWhileBusy();
}

/** A non-blocking read(2): bytes read, 0 at EOF, -1 for EAGAIN or an error. */
function readNow(fd: number, into: Buffer): number {
  // The EAGAIN of an idle client is an exception: made without a stack trace it costs half.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fs.readSync(fd, into, 0, READ_SIZE, null);
  } catch {
    return -1;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The replies written synchronously; what the socket does not take waits for the event loop. */
function writeNow(client: Client, fd: number): void {
  const out = client.reply.take();
  if (out === null) return;
  // Bytes already queued in the socket must go first: then this goes behind them.
  if (client.socket.writableLength > 0) {
    client.socket.write(Buffer.from(out));
    return;
  }
  let off = 0;
  while (off < out.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, out, off, out.length - off);
    } catch {
      break;
    }
    if (n <= 0) break;
    off += n;
  }
  if (off < out.length) client.socket.write(Buffer.from(out.subarray(off)));
}

// Accepting connections while a script runs past busy-reply-threshold (the accept half of Redis's
// processEventsWhileBlocked; scripting/busy.ts is the read/reply half).
//
// The script holds the main thread inside one synchronous call, and Node has no synchronous
// accept(2): a connection opened meanwhile would wait in the kernel's backlog until the script
// ends, so a fresh `redis-cli SCRIPT KILL` could never reach it. Redis accepts it and answers
// BUSY. Here one worker thread per process does the accepting, on the SAME listening fds:
//
//  1. Started the first time a script goes past the threshold. A listener is handed to it
//     (registerBusyListener()) the first time it is needed; the thread listens on that fd number with
//     pauseOnConnect (it never reads), so its own epoll polls the main thread's listening socket.
//  2. While no script is busy it sits in Atomics.wait on a SharedArrayBuffer word, its event loop
//     stopped: it costs nothing per connection or per script, and the main thread accepts
//     everything as before. wakeBusyAccept() (the busy hook) sets the word: it returns to its loop and
//     accepts; each accepted socket's fd goes to the main thread over a MessagePort, which the
//     busy hook reads synchronously (receiveMessageOnPort) and adopts as a client through the
//     normal accept path (Listeners' adopt): the same pass reads its commands, and dispatch
//     answers BUSY or runs the allow_busy ones (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE).
//  3. parkBusyAccept() (the script ended) clears the word and pokes the thread, which goes back to
//     Atomics.wait; what it accepted in between reaches the main thread's event loop through the
//     same port.
//
// Fd lifetime, the part that must not go wrong. The thread's libuv handles (each listener and
// every accepted socket) own their fd numbers as far as its loop knows, and the main thread owns
// the same numbers. Closing one of those handles would close an fd the main thread uses, or by
// then a reused number belonging to something else. So:
//  - the thread keeps every accepted socket object for its whole life and closes nothing;
//  - it is never terminated and never exits while the process lives (unref()'d so it does not
//    hold the process up). At exit Node tears it down and its handles close those numbers, while
//    the main thread waits for it and then exits: nothing of the process is used any more. This
//    is why there is ONE thread: a second one's own fds (its epoll fd) are allocated later and
//    could reuse a number the first still holds, which the first's teardown then closes under it
//    (measured: libuv aborts in uv__io_poll, EBADF on the epoll fd, about one exit in ten with a
//    thread per listener). The one thread's own fds predate every number it accepts on. (The
//    same holds against worker threads the embedding program starts later, in a process that
//    runs a Shoal node in-process and lets a script go busy: their fds are at risk at exit.)
//  - forgetBusyListener() (a listener about to close: CONFIG SET port/bind, SHUTDOWN, a server closed
//    in-process) marks the listener dead in shared memory and, if the thread is running, parks
//    it and waits (Atomics.wait, bounded) until it is parked before the main thread closes the
//    fd; only after the close may resumeBusyAccept() let it run again. The stale handle stays in
//    the thread, inert: the kernel drops its epoll registration with the socket, and the thread
//    never touches it again. A listener is listened on only after the thread has read it alive
//    while running, so a dead one is never picked up later.
//  - a stale handle keeps its fd number in the thread's loop, and libuv refuses to open another
//    handle on that number there (uv_tcp_open: EEXIST). So a new listening socket must not get a
//    stale number: reserveStaleListenerFds() fills the free numbers up to the highest stale one
//    with /dev/null while the caller creates its sockets (nothing to do until a listener that
//    saw a busy script is closed). A listener that gets one anyway (another thread freed a
//    number in between) is left to the main thread: no accepting for it while a script is busy.
// The handshakes are Dekker's: the main thread stores a word then reads the thread's state, the
// thread stores its state then reads the word (Atomics are sequentially consistent), so a thread
// seen parked cannot act again without seeing the new word.
//
// Shoal's listeners are plain TCP and the Unix socket (no TLS port): the thread listens on either
// kind of fd alike (Node opens a listening fd as a TCP or a pipe handle by what it is).
import fs from "node:fs";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";

const WANT = 0;
const STATE = 1;
/** WANT values. */
const Want = { Sleep: 0, Accept: 1 } as const;
/** STATE values. */
const State = { Starting: 0, Running: 1, Parked: 2 } as const;
/** Listeners handed to the thread over the life of the process (each bind address, each rebind). */
const MAX_LISTENERS = 4096;
/** How long forgetBusyListener() waits for a running thread to park (it takes microseconds). */
const PARK_WAIT_MS = 2000;

// Plain CommonJS run with `eval: true`: the same code from dist and from source (vitest), no
// separate build entry to ship or find. Messages in: a listener id to listen on, or -1 to re-read
// WANT. Messages out: [id, fd] for an accepted socket, [id, error text].
//
// The thread parks only from a setImmediate callback, never inside an I/O callback: libuv would
// resume the rest of that epoll batch (or uv__server_io's accept loop) after the park, possibly on
// a listener the main thread closed meanwhile. From the check phase the next step is a fresh
// epoll_wait, where a closed listener no longer appears.
const WORKER_SOURCE = `"use strict";
const net = require("node:net");
const { workerData } = require("node:worker_threads");
const { ctl, fds, port } = workerData;
const held = new Set();
const servers = [];
let parkQueued = false;
function park() {
  parkQueued = false;
  for (;;) {
    Atomics.store(ctl, ${STATE}, ${State.Parked});
    Atomics.notify(ctl, ${STATE});
    while (Atomics.load(ctl, ${WANT}) !== ${Want.Accept}) Atomics.wait(ctl, ${WANT}, ${Want.Sleep});
    Atomics.store(ctl, ${STATE}, ${State.Running});
    if (Atomics.load(ctl, ${WANT}) === ${Want.Accept}) return;
  }
}
function parkSoonIfAsked() {
  if (parkQueued || Atomics.load(ctl, ${WANT}) === ${Want.Accept}) return;
  parkQueued = true;
  setImmediate(park);
}
function listen(id) {
  const fd = Atomics.load(fds, id);
  if (fd < 0) return;
  const server = net.createServer({ pauseOnConnect: true }, (sock) => {
    held.add(sock);
    port.postMessage([id, sock._handle.fd]);
    parkSoonIfAsked();
  });
  server.on("error", (err) => port.postMessage([id, String(err && err.message)]));
  servers.push(server);
  server.listen({ fd });
}
port.on("message", (m) => {
  if (m >= 0) listen(m);
  parkSoonIfAsked();
});
// Dying would close every handle, hence fds the main thread owns: an error is reported instead.
process.on("uncaughtException", (err) => port.postMessage([-1, String(err && err.stack)]));
park();
`;

interface Registered {
  adopt(fd: number): void;
  warn(msg: string): void;
}

class AcceptThread {
  readonly ctl = new Int32Array(new SharedArrayBuffer(8));
  /** Each listener id's fd, -1 once forgotten. */
  readonly fds = new Int32Array(new SharedArrayBuffer(4 * MAX_LISTENERS)).fill(-1);
  readonly port: MessagePort;
  readonly listeners = new Map<number, Registered>();
  nextId = 0;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: "shoal-busy-accept",
      workerData: { ctl: this.ctl, fds: this.fds, port: port2 },
      transferList: [port2],
    });
    worker.on("error", (err) => {
      for (const l of this.listeners.values())
        l.warn(`Busy-script accept thread failed: ${err.message}`);
    });
    worker.unref();
    port1.on("message", (m: [number, number | string]) => this.take(m));
    port1.unref();
  }

  take([id, what]: [number, number | string]): void {
    const l = this.listeners.get(id);
    if (typeof what === "number") {
      // A listener forgotten since (not expected: forgetting drains first): nobody adopts the
      // connection without its listener's node, and the fd is the main thread's to close.
      if (l !== undefined) l.adopt(what);
      else fs.closeSync(what);
      return;
    }
    const to = l ?? this.listeners.values().next().value;
    to?.warn(`Busy-script accept thread: ${what}`);
  }
}

/** The process's one accept thread: created on first use, referenced (and alive) until exit. */
let thread: AcceptThread | null = null;
/** Fd numbers the thread holds a stale listener handle on (forgotten listeners). */
const staleFds = new Set<number>();

/**
 * Occupies every free fd number up to the highest stale one, so the sockets created until the
 * returned function is called get other numbers; that function frees them again.
 */
export function reserveStaleListenerFds(): () => void {
  if (staleFds.size === 0) return () => {};
  const max = Math.max(...staleFds);
  const held: number[] = [];
  for (;;) {
    const fd = fs.openSync("/dev/null", "r");
    if (fd > max) {
      fs.closeSync(fd);
      break;
    }
    held.push(fd);
  }
  return () => {
    for (const fd of held) fs.closeSync(fd);
  };
}

/**
 * Hands a listening fd to the accept thread (started now if it is not yet); `adopt` gets each
 * fd accepted on it (the caller owns it from then on), `warn` what goes wrong there. Returns the
 * listener's id for forgetBusyListener(), or -1 when no more listeners can be handed over.
 */
export function registerBusyListener(
  fd: number,
  adopt: (fd: number) => void,
  warn: (msg: string) => void,
): number {
  if (staleFds.has(fd)) return -1;
  thread ??= new AcceptThread();
  const t = thread;
  if (t.nextId >= MAX_LISTENERS) return -1;
  const id = t.nextId++;
  Atomics.store(t.fds, id, fd);
  t.listeners.set(id, { adopt, warn });
  t.port.postMessage(id);
  return id;
}

/** A script is busy (between wakeBusyAccept and parkBusyAccept): forgetting one listener pauses it. */
let busy = false;

/** A script is past the threshold: the thread accepts. */
export function wakeBusyAccept(): void {
  busy = true;
  resumeBusyAccept();
}

/** After forgetBusyListener() and the listener's close: the thread accepts again if still busy. */
export function resumeBusyAccept(): void {
  const t = thread;
  if (!busy || t === null || Atomics.load(t.ctl, WANT) === Want.Accept) return;
  Atomics.store(t.ctl, WANT, Want.Accept);
  Atomics.notify(t.ctl, WANT);
}

/** What the thread accepted so far, adopted now (the busy hook: the event loop is stopped). */
export function drainBusyAccept(): void {
  const t = thread;
  if (t === null) return;
  for (let m = receiveMessageOnPort(t.port); m !== undefined; m = receiveMessageOnPort(t.port))
    t.take(m.message);
}

/** The script ended: the thread goes back to Atomics.wait; later accepts come via the event loop. */
export function parkBusyAccept(): void {
  busy = false;
  const t = thread;
  if (t === null || Atomics.load(t.ctl, WANT) !== Want.Accept) return;
  Atomics.store(t.ctl, WANT, Want.Sleep);
  t.port.postMessage(-1);
}

/**
 * The listener `id` is about to be closed: dead for the thread, which is parked first if it is
 * running. The caller closes the listener, then calls resumeBusyAccept() (never before the close:
 * a running thread could be accepting on the fd as it closes). False when the thread did not park
 * in time: the caller closes anyway and says so.
 */
export function forgetBusyListener(id: number): boolean {
  const t = thread;
  if (t === null || id < 0) return true;
  staleFds.add(Atomics.load(t.fds, id));
  Atomics.store(t.fds, id, -1);
  Atomics.store(t.ctl, WANT, Want.Sleep);
  let parked = true;
  if (Atomics.load(t.ctl, STATE) === State.Running) {
    t.port.postMessage(-1);
    const deadline = performance.now() + PARK_WAIT_MS;
    while (Atomics.load(t.ctl, STATE) === State.Running) {
      const left = deadline - performance.now();
      if (left <= 0) {
        parked = false;
        break;
      }
      Atomics.wait(t.ctl, STATE, State.Running, left);
    }
  }
  drainBusyAccept();
  t.listeners.delete(id);
  return parked;
}

// The floor under every Shoal ratio: the least a Node process can do per request with the same
// I/O design as shoal-server (net.Server, replies gathered per socket and written once per
// event-loop turn from setImmediate, TCP_NODELAY). It answers +PONG to each `*` it reads
// (PING_MBULK's `*1\r\n$4\r\nPING\r\n` has one) and does nothing else: no parsing, no dispatch,
// no keyspace. Two ways to read: `onread` (what shoal-server does since issue 18's third pass,
// networking/shared-read.ts: libuv reads into one shared buffer, a callback gets the byte count)
// and `data` (Node's stream path: a Buffer per read and a `data` event). bench/node-floor.ts runs
// both next to redis-server and shoal-server under `redis-benchmark -t ping_mbulk`.
// Usage: node node-floor-server.mjs <port> [onread|data]
import net from "node:net";

const PONG = Buffer.from("+PONG\r\n");
const pending = new Map();
let scheduled = false;

function flush() {
  scheduled = false;
  for (const [socket, n] of pending) {
    socket.write(n === 1 ? PONG : Buffer.concat(Array(n).fill(PONG)));
  }
  pending.clear();
}

function commandsRead(socket, bytes, length) {
  let commands = 0;
  for (let i = 0; i < length; i++) if (bytes[i] === 42) commands++;
  if (commands === 0) return;
  pending.set(socket, (pending.get(socket) ?? 0) + commands);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

const shared = Buffer.allocUnsafeSlow(64 * 1024);

/** An accepted (paused) socket's handle moved into a Socket that reads into `shared`. */
function withOnread(accepted) {
  const handle = accepted._handle;
  const server = accepted._server;
  accepted._handle = null;
  accepted._server = accepted.server = null;
  const socket = new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: shared,
      callback: (n) => {
        commandsRead(socket, shared, n);
        return true;
      },
    },
  });
  socket._server = socket.server = server;
  return socket;
}

const onread = (process.argv[3] ?? "onread") === "onread";
const server = net.createServer({ noDelay: true, pauseOnConnect: onread }, (accepted) => {
  const socket = onread ? withOnread(accepted) : accepted;
  if (!onread) socket.on("data", (chunk) => commandsRead(socket, chunk, chunk.length));
  socket.on("error", () => socket.destroy());
  socket.on("close", () => pending.delete(socket));
});
server.listen(Number(process.argv[2]), "127.0.0.1", () => console.log("ready"));

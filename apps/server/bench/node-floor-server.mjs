// The floor under every Shoal ratio: the least a Node process can do per request with the same
// I/O design as shoal-server (net.Server, 'data' events, replies gathered per socket and written
// once per event-loop turn from setImmediate, TCP_NODELAY). It answers +PONG to each `*` it
// reads (PING_MBULK's `*1\r\n$4\r\nPING\r\n` has one) and does nothing else: no parsing, no
// dispatch, no keyspace. bench/node-floor.ts runs it next to redis-server and shoal-server under
// `redis-benchmark -t ping_mbulk`.
// Usage: node node-floor-server.mjs <port>
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

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on("data", (chunk) => {
    let commands = 0;
    for (let i = chunk.indexOf(42); i !== -1; i = chunk.indexOf(42, i + 1)) commands++;
    if (commands === 0) return;
    pending.set(socket, (pending.get(socket) ?? 0) + commands);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => pending.delete(socket));
});
server.listen(Number(process.argv[2]), "127.0.0.1", () => console.log("ready"));

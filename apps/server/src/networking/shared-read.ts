// Client connections read into one buffer shared by the whole process, as Redis reads into a
// query buffer, instead of through Node's stream: Node's `onread` mode, where libuv reads
// straight into a given buffer and a callback gets the byte count. The stream path costs, per
// read, a 64 KiB malloc by libuv, an ArrayBuffer and a Buffer over it (freed by the GC later),
// and Readable's push and `data` event; at one request per read (`-P 1`, a cluster node under
// `redis-benchmark --cluster`) that was about a third of a node's user time per request.
// Net only offers `onread` to a Socket it constructs, so an accepted connection's handle is moved
// into a new Socket made with it (`handle` is the option Node's own cluster module passes).
// The buffer is overwritten by the next read of any connection: the reader's consumer must be
// done with the bytes when its callback returns, and a decoder keeps what it still needs with
// retainUnconsumed().
import net from "node:net";

/** Redis reads up to 16 KiB per call (PROTO_IOBUF_LEN), libuv's stream path 64 KiB. */
const SHARED_READ_SIZE = 64 * 1024;
const shared = Buffer.allocUnsafeSlow(SHARED_READ_SIZE);

/** The parts of an accepted Socket that the move touches (Node internals, stable in Node 20). */
interface SocketInternals {
  _handle: object | null;
  _server: net.Server | null;
  server: net.Server | null;
}

/**
 * The connection `sock` (accepted paused: `pauseOnConnect`, or `pauseOnCreate` for one made from
 * an fd) as a Socket that calls `onChunk` with each read's bytes, a view of the shared buffer
 * valid only during the call. `sock` must not be used afterwards. A socket without a handle
 * (already closed) is returned as it is, reading through `data` events.
 */
export function readIntoSharedBuffer(
  sock: net.Socket,
  onChunk: (chunk: Buffer) => void,
): net.Socket {
  const old = sock as unknown as SocketInternals;
  const handle = old._handle;
  if (handle === null) {
    sock.on("data", onChunk);
    return sock;
  }
  // The old wrapper lets go of the handle and of its place in the server's connection count.
  const server = old._server;
  old._handle = null;
  old._server = old.server = null;
  const moved = new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: shared,
      callback: (n: number) => {
        onChunk(shared.subarray(0, n));
        // Anything but `false` keeps the socket reading.
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  const internals = moved as unknown as SocketInternals;
  internals._server = internals.server = server;
  return moved;
}

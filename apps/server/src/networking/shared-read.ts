// Client connections read into one buffer shared by the whole process, as Redis reads into a
// query buffer, instead of through Node's stream: Node's `onread` mode, where libuv reads
// straight into a given buffer and a callback gets the byte count. The stream path costs, per
// read, a 64 KiB malloc by libuv, an ArrayBuffer and a Buffer over it (freed by the GC later),
// and Readable's push and `data` event; at one request per read (`-P 1`, a cluster node under
// `redis-benchmark --cluster`) that was about a third of a node's user time per request.
// Net offers `onread` only to a Socket it is asked to construct, and a net.Server constructs its
// connections' Sockets itself, so a listener's accept callback (its handle's `onconnection`, the
// one Node installs) is replaced by one that constructs them with `onread`, as Node's does
// otherwise (Node internals, stable across Node 20).
// The buffer is overwritten by the next read of any connection: the consumer must be done with
// the bytes when it returns, and a decoder keeps what it still needs with retainUnconsumed().
import net from "node:net";

/** Redis reads up to 16 KiB per call (PROTO_IOBUF_LEN), libuv's stream path 64 KiB. */
const SHARED_READ_SIZE = 64 * 1024;
const shared = Buffer.allocUnsafeSlow(SHARED_READ_SIZE);

const kConsumer = Symbol("shoal.sharedReadConsumer");

type ReadConsumer = (chunk: Buffer) => void;
type SharedReadSocket = net.Socket & { [kConsumer]?: ReadConsumer | undefined };

/** One callback for every connection: Node calls it as a method of the socket that read. */
function onSharedRead(this: SharedReadSocket, n: number): boolean {
  const consume = this[kConsumer];
  if (consume !== undefined) consume(shared.subarray(0, n));
  // Anything but `false` keeps the socket reading.
  return true;
}

const onread = { buffer: shared, callback: onSharedRead };

/** A Socket reading into the shared buffer, with its consumer slot (none yet: reads dropped). */
function sharedReadSocketOf(opts: net.SocketConstructorOpts): SharedReadSocket {
  const sock: SharedReadSocket = new net.Socket({ ...opts, onread } as net.SocketConstructorOpts);
  sock[kConsumer] = undefined;
  return sock;
}

/** The parts of a listening net.Server that accepting touches (Node internals). */
interface ServerInternals {
  _handle: { onconnection: (err: number, clientHandle: object) => void } | null;
  _connections: number;
  maxConnections: number;
  allowHalfOpen: boolean;
  noDelay: boolean;
}

interface ClientHandle {
  setNoDelay?: (on: boolean) => void;
}

/**
 * From now on `server` (listening) hands its `connection` listeners Sockets that read into the
 * shared buffer; they read nothing until readInto() names their consumer. Errors and a full
 * `maxConnections` go through Node's own accept path.
 */
export function acceptIntoSharedBuffer(server: net.Server): void {
  const srv = server as unknown as ServerInternals;
  const handle = srv._handle;
  if (handle === null) return;
  const nodeAccept = handle.onconnection;
  handle.onconnection = function (this: unknown, err: number, clientHandle: object): void {
    if (err || (srv.maxConnections && srv._connections >= srv.maxConnections)) {
      nodeAccept.call(this, err, clientHandle);
      return;
    }
    const sock = sharedReadSocketOf({
      handle: clientHandle,
      allowHalfOpen: srv.allowHalfOpen,
      readable: true,
      writable: true,
    } as net.SocketConstructorOpts);
    const ch = clientHandle as ClientHandle;
    if (srv.noDelay && ch.setNoDelay !== undefined) ch.setNoDelay(true);
    srv._connections++;
    const internals = sock as unknown as { server: net.Server; _server: net.Server };
    internals.server = internals._server = server;
    server.emit("connection", sock);
  };
}

/**
 * A connection the busy-script accept thread accepted on file descriptor `fd`, reading into the
 * shared buffer.
 */
export function sharedReadSocket(fd: number): net.Socket {
  return sharedReadSocketOf({ fd, readable: true, writable: true });
}

/**
 * `sock`'s reads go to `consume`, each a view of the shared buffer valid during the call. A
 * socket not made by this module (none is, in the server) gets its `data` events instead.
 */
export function readInto(sock: net.Socket, consume: ReadConsumer): void {
  if (isSharedRead(sock)) (sock as SharedReadSocket)[kConsumer] = consume;
  else sock.on("data", consume);
}

/** True for a socket made by sharedReadSocketOf (its consumer slot is declared). */
function isSharedRead(sock: net.Socket): boolean {
  return kConsumer in sock;
}

// @shoal/cluster-bus: Redis Cluster bus transport: framing, msgpackr message schemas, TCP and
// in-memory links. Message types alone are available from "@shoal/cluster-bus/messages".

export {
  DEFAULT_MAX_FRAME_BYTES,
  type DecodedBody,
  decodeBody,
  encodeBody,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  PROTOCOL_VERSION,
  validateBody,
} from "./codec.js";
export { readConfigFile, writeConfigFileAtomic } from "./config-file.js";
export { BusErrorCode, BusProtocolError, TransportError } from "./errors.js";
export { FrameDecoder, type FrameDecoderOptions, type FrameSink } from "./frame-decoder.js";
export {
  MemoryNetwork,
  type MemoryNetworkOptions,
  MemoryTransport,
  type RawPeer,
} from "./memory-transport.js";
export * from "./messages.js";
export { TcpTransport, type TcpTransportOptions } from "./tcp-transport.js";
export {
  type LinkDirection,
  type LinkDownReason,
  type LinkId,
  type LinkInfo,
  type LinkStats,
  type Logger,
  type LogLevel,
  MessageCounters,
  noopLogger,
  type Transport,
  type TransportHandler,
  unmapIpv4,
} from "./transport.js";

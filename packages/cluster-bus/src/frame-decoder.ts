// Streaming frame decoder: bytes in any chunking -> validated messages. Mirrors the read loop of
// clusterReadHandler() in src/cluster_legacy.c (Redis 7.0): read the fixed header, check the
// signature and length, buffer exactly one frame, process it, start over. Memory is bounded by
// one frame (maxFrameBytes) plus one chunk; the first bad frame poisons the decoder.
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodeBody,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  PROTOCOL_VERSION,
} from "./codec.js";
import { BusErrorCode, BusProtocolError } from "./errors.js";
import type { ClusterMessage } from "./messages.js";

export interface FrameDecoderOptions {
  /** Largest body accepted; a longer announced length is a FRAME_TOO_LARGE error. */
  maxFrameBytes?: number;
}

export interface FrameSink {
  message(msg: ClusterMessage, frameBytes: number): void;
  /** A well-formed frame of a type this version does not know (ignored by callers). */
  unknown?(type: number, frameBytes: number): void;
}

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: BusProtocolError | null = null;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes currently held (for tests and link stats). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Feeds a chunk. Complete frames go to `sink` in order. Returns the first protocol error (the
   * caller closes the link); after an error every later call returns the same error and ignores
   * its input. Never throws for bad input.
   */
  push(chunk: Uint8Array, sink: FrameSink): BusProtocolError | null {
    if (this.failed) return this.failed;
    if (chunk.length === 0) return null;
    this.chunks.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) return null;
      const head = this.peek(FRAME_HEADER_BYTES);
      const magic = head.readUInt32BE(0);
      if (magic !== FRAME_MAGIC)
        return this.fail(new BusProtocolError(BusErrorCode.BAD_MAGIC, "Bad message signature"));
      const version = head.readUInt16BE(4);
      if (version !== PROTOCOL_VERSION)
        return this.fail(
          new BusProtocolError(
            BusErrorCode.BAD_VERSION,
            `Unsupported bus protocol version ${version}`,
          ),
        );
      const length = head.readUInt32BE(6);
      if (length > this.maxFrameBytes)
        return this.fail(
          new BusProtocolError(
            BusErrorCode.FRAME_TOO_LARGE,
            `Bad message length ${length} (max ${this.maxFrameBytes})`,
          ),
        );
      const total = FRAME_HEADER_BYTES + length;
      if (this.buffered < total) return null;
      const frame = this.take(total);
      let decoded: ReturnType<typeof decodeBody>;
      try {
        decoded = decodeBody(frame.subarray(FRAME_HEADER_BYTES));
      } catch (err) {
        return this.fail(
          err instanceof BusProtocolError
            ? err
            : new BusProtocolError(BusErrorCode.UNDECODABLE, "undecodable message body", {
                cause: err,
              }),
        );
      }
      if (decoded.kind === "message") sink.message(decoded.message, total);
      else sink.unknown?.(decoded.type, total);
    }
  }

  private fail(err: BusProtocolError): BusProtocolError {
    this.failed = err;
    this.chunks = [];
    this.buffered = 0;
    return err;
  }

  /** The first n buffered bytes without consuming them (n <= buffered). */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  /** Consumes and returns the first n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

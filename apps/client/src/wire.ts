// The client's seam to the byte level: encode commands, decode replies. Everything else in the
// client talks to these two functions only. Both are @shoal/resp-codec's; this module chooses
// the client's shapes for replies (its own error classes, plain or RESP-typed values) and turns
// a malformed stream into the client's ProtocolError.
import {
  encodeCommand as encodeResp,
  type ReplyBuilders,
  RespProtocolError,
  ReplyDecoder as RespReplyDecoder,
} from "@shoal/resp-codec";
import { ProtocolError, ReplyError, toReplyError } from "./errors.js";
import { DoubleReply, MapReply, SetReply, StatusReply, VerbatimReply } from "./reply-types.js";

export type Arg = string | Buffer | number;

/** Encodes one command as a RESP array of bulk strings; a string when every argument is text. */
export function encodeCommand(args: readonly Arg[]): string | Buffer {
  return encodeResp(args);
}

export interface ReplyDecoderOptions {
  /** Bulk strings as Buffers instead of UTF-8 strings. */
  returnBuffers: boolean;
  /** Keep RESP types (StatusReply, MapReply, SetReply, DoubleReply, VerbatimReply). */
  typed?: boolean;
  /** A complete reply: a value, or a ReplyError for `-ERR ...` (errors are values). */
  onReply(value: unknown): void;
  /** A RESP3 push (`>`): pub/sub messages, invalidations. */
  onPush(value: unknown[]): void;
}

export interface ReplyDecoder {
  /** Feeds bytes read from the socket; calls onReply/onPush for each complete reply. Throws ProtocolError. */
  feed(chunk: Buffer): void;
}

/** Plain values: maps as objects with string keys, sets as arrays, verbatim as its text. */
const plainBuilders: Partial<ReplyBuilders> = {
  error: (message) => toReplyError(message),
  map: (flat) => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < flat.length; i += 2) {
      const k = flat[i];
      obj[Buffer.isBuffer(k) ? k.toString() : String(k)] = flat[i + 1];
    }
    return obj;
  },
  set: (items) => items,
};

/** RESP-typed values, for callers that print replies as redis-cli does. */
const typedBuilders: Partial<ReplyBuilders> = {
  error: (message) => toReplyError(message),
  simple: (text) => new StatusReply(text),
  map: (flat) => {
    const entries: [unknown, unknown][] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
    return new MapReply(entries);
  },
  set: (items) => new SetReply(items),
  double: (value) => new DoubleReply(value),
  verbatim: (format, text) => new VerbatimReply(format, text.toString()),
};

export function createReplyDecoder(opts: ReplyDecoderOptions): ReplyDecoder {
  const decoder = new RespReplyDecoder({
    returnBuffers: opts.returnBuffers,
    onReply: opts.onReply,
    onPush: opts.onPush,
    builders: opts.typed ? typedBuilders : plainBuilders,
  });
  return {
    feed(chunk: Buffer): void {
      try {
        decoder.feed(chunk);
      } catch (err) {
        if (err instanceof RespProtocolError) throw new ProtocolError(err.message);
        throw err;
      }
    },
  };
}

export function isReplyError(v: unknown): v is ReplyError {
  return v instanceof ReplyError;
}

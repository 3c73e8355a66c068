// @shoal/resp-codec: the Redis protocol for both ends of a connection. Server side: the
// streaming CommandDecoder (multibulk and inline, Redis 7.0's limits and errors, arguments as
// bounds into the read buffer) and the ReplyBuffer encoder. Client side: the ReplyDecoder for
// every RESP2/RESP3 type and the command encoder.
export {
  CommandDecoder,
  type CommandDecoderOptions,
  DEFAULT_MAX_MULTIBULK_LEN,
  DEFAULT_PROTO_MAX_BULK_LEN,
  DecodeResult,
  PROTO_INLINE_MAX_SIZE,
  UNAUTHENTICATED_MAX_BULK_LEN,
  UNAUTHENTICATED_MAX_MULTIBULK_LEN,
} from "./command-decoder.js";
export { type CommandArg, encodeCommand, encodeCommandBuffer } from "./command-encoder.js";
export type { CommandArgs, ReplyWriter } from "./contracts.js";
export { formatDouble17g } from "./double-format.js";
export { splitArgs, splitInlineArgs } from "./inline-args.js";
export { latin1String } from "./latin1-string.js";
export type { NodeBuffer } from "./node-buffer.js";
export { OwnedArgs } from "./owned-args.js";
export { expectedDollar, ProtocolErrors, RespProtocolError } from "./protocol-error.js";
export { MAX_PENDING_REPLY, ReplyBuffer, ReplyTooLargeError } from "./reply-buffer.js";
export {
  type ReplyBuilders,
  ReplyDecoder,
  type ReplyDecoderOptions,
  RespError,
} from "./reply-decoder.js";
export { quoteRepr } from "./repr.js";
export {
  emptyMapReply,
  nullArrayReply,
  nullBulkReply,
  SharedReplies,
} from "./shared-replies.js";
export { string2ll } from "./string2ll.js";

// The one error type a malformed stream produces. The server decoder reports it as a result code
// plus Redis's text (the server replies `-ERR <text>` and closes, as networking.c does); the
// reply decoder throws it. `message` is exactly Redis's text, without the "ERR " prefix.

export class RespProtocolError extends Error {
  override name = "RespProtocolError";
}

/** Redis 7.0's protocol error texts (src/networking.c), as sent after "ERR ". */
export const ProtocolErrors = {
  tooBigInline: "Protocol error: too big inline request",
  unbalancedQuotes: "Protocol error: unbalanced quotes in request",
  tooBigMbulkCount: "Protocol error: too big mbulk count string",
  invalidMultibulkLength: "Protocol error: invalid multibulk length",
  unauthenticatedMultibulkLength: "Protocol error: unauthenticated multibulk length",
  tooBigBulkCount: "Protocol error: too big bulk count string",
  invalidBulkLength: "Protocol error: invalid bulk length",
  unauthenticatedBulkLength: "Protocol error: unauthenticated bulk length",
} as const;

/** `Protocol error: expected '$', got 'X'` for the byte found where a bulk header belongs. */
export function expectedDollar(byte: number): string {
  // addReplyErrorFormat() turns CR and LF into spaces so the reply stays one line.
  const c = byte === 13 || byte === 10 ? " " : String.fromCharCode(byte);
  return `Protocol error: expected '$', got '${c}'`;
}

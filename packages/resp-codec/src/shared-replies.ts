// Ready-made replies, encoded once (Redis's `shared` objects): write them with
// ReplyBuffer.raw(). Those that differ between protocols come in a RESP2 and a RESP3 form.

const b = (s: string) => Buffer.from(s, "latin1");

export const SharedReplies = {
  ok: b("+OK\r\n"),
  pong: b("+PONG\r\n"),
  queued: b("+QUEUED\r\n"),
  zero: b(":0\r\n"),
  one: b(":1\r\n"),
  minusOne: b(":-1\r\n"),
  minusTwo: b(":-2\r\n"),
  emptyBulk: b("$0\r\n\r\n"),
  emptyArray: b("*0\r\n"),
  /** RESP2 null bulk string (`$-1`). */
  nullBulk2: b("$-1\r\n"),
  /** RESP2 null array (`*-1`). */
  nullArray2: b("*-1\r\n"),
  /** RESP3 null. */
  null3: b("_\r\n"),
  emptyMap3: b("%0\r\n"),
  emptySet3: b("~0\r\n"),
  true3: b("#t\r\n"),
  false3: b("#f\r\n"),
} as const;

/** Null bulk string for a protocol: `$-1` (RESP2) or `_` (RESP3). */
export function nullBulkReply(resp: 2 | 3): Buffer {
  return resp === 3 ? SharedReplies.null3 : SharedReplies.nullBulk2;
}

/** Null array for a protocol: `*-1` (RESP2) or `_` (RESP3). */
export function nullArrayReply(resp: 2 | 3): Buffer {
  return resp === 3 ? SharedReplies.null3 : SharedReplies.nullArray2;
}

/** Empty map for a protocol: `*0` (RESP2, a flat array) or `%0` (RESP3). */
export function emptyMapReply(resp: 2 | 3): Buffer {
  return resp === 3 ? SharedReplies.emptyMap3 : SharedReplies.emptyArray;
}

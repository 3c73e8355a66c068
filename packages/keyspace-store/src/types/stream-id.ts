// Stream IDs (t_stream.c's streamID): two unsigned 64-bit halves, milliseconds and sequence, held
// here as one 128-bit bigint (ms << 64 | seq) so that IDs compare with < and > and sort as Redis's
// big-endian rax keys do. Parsing follows streamGenericParseIDOrReply: "-" and "+", "<ms>",
// "<ms>-<seq>", "<ms>-*" where XADD allows it, each half read by string2ull (string2ll, then
// strtoull's leniency: leading blanks, a sign, leading zeros).

export const U64_MAX = (1n << 64n) - 1n;
export const STREAM_ID_MAX = (U64_MAX << 64n) | U64_MAX;
export const ERR_INVALID_STREAM_ID = "ERR Invalid stream ID specified as stream command argument";

export const streamId = (ms: bigint, seq: bigint): bigint => (ms << 64n) | seq;

/** "<ms>-<seq>", as Redis's addReplyStreamID prints it. */
export function formatStreamId(id: bigint): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

const CANONICAL_I64 = /^(?:0|-?[1-9][0-9]{0,18})$/;
const STRTOULL = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/** string2ull: an unsigned 64-bit decimal, or null. */
const I64_MAX = 2n ** 63n - 1n;

export function parseU64(s: string): bigint | null {
  // Up to 15 plain digits (leading zeros included, which strtoull reads too) are exact as a
  // number: the common case, without the regular expressions.
  const len = s.length;
  if (len > 0 && len <= 15) {
    let n = 0;
    let i = 0;
    for (; i < len; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === len) return BigInt(n);
  }
  if (CANONICAL_I64.test(s)) {
    const n = BigInt(s);
    if (n <= I64_MAX) return n < 0n ? null : n;
  }
  const m = STRTOULL.exec(s);
  if (m === null) return null;
  const n = BigInt(m[2] as string);
  if (n > U64_MAX) return null; // ERANGE
  return m[1] === "-" ? (U64_MAX + 1n - n) & U64_MAX : n;
}

export interface ParsedId {
  id: bigint;
  /** False for XADD's "<ms>-*": the sequence is to be generated. */
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: `strict` rejects "-" and "+"; `seqStar` accepts "<ms>-*" (XADD).
 * Returns null for an invalid ID (the caller replies ERR_INVALID_STREAM_ID).
 */
export function parseStreamId(
  s: string,
  missingSeq: bigint,
  strict: boolean,
  seqStar = false,
): ParsedId | null {
  if (s.length > 127) return null;
  // The C code copies into a NUL-terminated buffer: bytes after a NUL are not seen.
  const nul = s.indexOf("\0");
  const buf = nul < 0 ? s : s.slice(0, nul);
  if (buf === "-" || buf === "+") {
    if (strict) return null;
    return { id: buf === "-" ? 0n : STREAM_ID_MAX, seqGiven: true };
  }
  const dash = buf.indexOf("-");
  const ms = parseU64(dash < 0 ? buf : buf.slice(0, dash));
  if (ms === null) return null;
  if (dash < 0) return { id: streamId(ms, missingSeq), seqGiven: true };
  const rest = buf.slice(dash + 1);
  if (seqStar && rest === "*") return { id: streamId(ms, 0n), seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) return null;
  return { id: streamId(ms, seq), seqGiven: true };
}

/** streamIncrID: the next ID, or null past the last possible one. */
export function incrId(id: bigint): bigint | null {
  return id === STREAM_ID_MAX ? null : id + 1n;
}

/** streamDecrID: the previous ID, or null before 0-0. */
export function decrId(id: bigint): bigint | null {
  return id === 0n ? null : id - 1n;
}

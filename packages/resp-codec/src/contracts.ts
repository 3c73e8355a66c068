// The two seams every other layer codes against: the view of one decoded command (what the
// server dispatches and what keyspace commands read their arguments from) and the reply writer
// (what commands write their replies into). Keeping them as interfaces lets keyspace-store be
// benchmarked and tested without sockets, and lets the decoder hand out argument *bounds* into
// its read buffer instead of one Buffer per argument (see DESIGN.md, "Measured hints").

/**
 * One decoded command. Implementations may be reused for the next command: a handler must not
 * keep the object, nor any `view()`, past its own return. Use `copy()` or `latin1()` to keep data.
 */
export interface CommandArgs {
  /** Number of arguments, command name included (argv[0] is the name). */
  readonly argc: number;
  /** Byte length of argument `i`. */
  len(i: number): number;
  /** Zero-copy view of argument `i`; valid only until the decoder is fed again. */
  view(i: number): Buffer;
  /** An owned copy of argument `i`, safe to store. */
  copy(i: number): Buffer;
  /** Argument `i` as a binary-safe string (latin1: one char per byte). Keys, fields and members use this form. */
  latin1(i: number): string;
  /** Argument `i` decoded as UTF-8 (for human text such as CLIENT SETNAME or CONFIG values). */
  utf8(i: number): string;
  /** True when argument `i` equals `lower` ignoring ASCII case; `lower` must be lowercase ASCII. No allocation. */
  is(i: number, lower: string): boolean;
}

/**
 * Where command replies go. The server's implementation encodes straight into the connection's
 * output buffer (RESP2 or RESP3 per the client's HELLO); tests may collect values instead.
 * Aggregate headers (`array`, `map`, `set`, `push`, `attribute`) are followed by exactly their
 * element count of further calls (a map of n entries: 2n calls).
 */
export interface ReplyWriter {
  /** Protocol the client negotiated with HELLO. */
  readonly resp: 2 | 3;
  /** `+OK`. */
  ok(): void;
  /** A simple string `+s` (s must not contain CR or LF). */
  simple(s: string): void;
  /**
   * An error reply. `msg` is the full text including its code, exactly as Redis sends it,
   * e.g. "ERR wrong number of arguments for 'get' command" or "WRONGTYPE Operation against ...".
   * Characters up to U+00FF go out as one byte each (quoted arguments are latin1 strings of their
   * bytes); text with a wider character goes out as UTF-8.
   */
  error(msg: string): void;
  /** `:n`. */
  integer(n: number | bigint): void;
  /** A bulk string. A JS string is sent as UTF-8 (use `bulkLatin1` for binary-safe keys/members). */
  bulk(value: Buffer | Uint8Array | string): void;
  /** A bulk string whose bytes are the latin1 chars of `s` (the binary-safe key/member form). */
  bulkLatin1(s: string): void;
  /**
   * A bulk string of `bytes[start, end)`, copied from there (no view object made): replying from
   * bytes a value keeps packed, such as a stream node's listpack.
   */
  bulkSlice(bytes: Uint8Array, start: number, end: number): void;
  /** Null bulk string: `$-1` in RESP2, `_` in RESP3. */
  nullBulk(): void;
  /** Null array: `*-1` in RESP2, `_` in RESP3. */
  nullArray(): void;
  /** Array header `*n`. */
  array(n: number): void;
  /** Map header: `%n` in RESP3, `*2n` (flat key/value array) in RESP2. */
  map(n: number): void;
  /** Set header: `~n` in RESP3, `*n` in RESP2. */
  set(n: number): void;
  /** Push header: `>n` in RESP3, `*n` in RESP2 (pub/sub messages). */
  push(n: number): void;
  /**
   * A double as Redis 7.0's addReplyDouble sends it: RESP3 `,<repr>`; RESP2 a bulk string of
   * `%.17g` (`inf` / `-inf` for infinities).
   */
  double(d: number): void;
  /** RESP3 `#t`/`#f`; RESP2 `:1`/`:0`. */
  bool(b: boolean): void;
  /** RESP3 verbatim string `=len\r\nfmt:text`; RESP2 a bulk string of `text`. */
  verbatim(format: string, text: string): void;
  /** RESP3 big number `(n`; RESP2 bulk string. */
  bigNumber(digits: string): void;
  /** Bytes already encoded as RESP, copied as they are (for pre-encoded shared replies). */
  raw(bytes: Buffer): void;
}

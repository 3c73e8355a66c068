// sdscatrepr() (src/sds.c, 7.0): bytes as a double-quoted C string literal that sdssplitargs()
// reads back as the same bytes. \\ and \" escaped; \n \r \t \a \b by name; isprint() in the C
// locale (0x20..0x7e) as itself; every other byte as \xHH (lowercase). redis-cli prints bulk
// strings this way, MONITOR its arguments, CONFIG REWRITE its string values.

const NAMED: Record<number, string> = {
  92: "\\\\",
  34: '\\"',
  10: "\\n",
  13: "\\r",
  9: "\\t",
  7: "\\a",
  8: "\\b",
};

/** `bytes` quoted as sdscatrepr() quotes them. */
export function quoteRepr(bytes: Uint8Array): string {
  let out = '"';
  for (const c of bytes) {
    const named = NAMED[c];
    if (named !== undefined) out += named;
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

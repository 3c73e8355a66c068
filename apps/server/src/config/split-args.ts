// Redis's config-line tokenizer, sdssplitargs() (src/sds.c, 7.0), and its quoting counterpart
// sdscatrepr(), for the server's binary-safe latin1 strings (one char per byte). Both are
// resp-codec's (splitArgs, quoteRepr), the functions that split inline commands and that the
// client's prompt uses: blanks (isspace, \v and \f included) between words, but a word ends only
// at space, \t, \r or \n, so "port\v7000" is one word, as in Redis.
import { quoteRepr as quoteReprBytes, splitArgs as splitArgBytes } from "@shoal/resp-codec";

/**
 * Splits `line` into arguments, or returns null when quotes are unbalanced. Results are latin1
 * strings too. Like sdssplitargs() on a C string, nothing after a NUL byte is read.
 */
export function splitArgs(line: string): string[] | null {
  const words = splitArgBytes(Buffer.from(line, "latin1"));
  return words === null ? null : words.map((w) => w.toString("latin1"));
}

/** Quotes `s` the way sdscatrepr() does: "..." with \\ \" \n \r \t \a \b and \xHH escapes. */
export function quoteRepr(s: string): string {
  return quoteReprBytes(Buffer.from(s, "latin1"));
}

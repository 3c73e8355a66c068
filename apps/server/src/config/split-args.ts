// Redis's config-line tokenizer, sdssplitargs() (src/sds.c, 7.0), and its quoting counterpart
// sdscatrepr(). The splitting itself is resp-codec's splitInlineArgs, the same function that
// splits inline commands: blanks (isspace, \v and \f included) between words, but a word ends
// only at space, \t, \r or \n, so "port\v7000" is one word, as in Redis.
import { splitInlineArgs } from "@shoal/resp-codec";

const words: Buffer[] = [];

/**
 * Splits `line` (binary-safe latin1 string: one char per byte) into arguments, or returns null
 * when quotes are unbalanced. Results are latin1 strings too. Like sdssplitargs() on a C string,
 * nothing after a NUL byte is read.
 */
export function splitArgs(line: string): string[] | null {
  const nul = line.indexOf("\u0000");
  const buf = Buffer.from(nul < 0 ? line : line.slice(0, nul), "latin1");
  if (!splitInlineArgs(buf, 0, buf.length, words)) return null;
  const out = words.map((w) => w.toString("latin1"));
  words.length = 0;
  return out;
}

/** Quotes `s` the way sdscatrepr() does: "..." with \\ \" \n \r \t \a \b and \xHH escapes. */
export function quoteRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c:
        out += "\\\\";
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x07:
        out += "\\a";
        break;
      case 0x08:
        out += "\\b";
        break;
      default:
        // isprint() in the C locale: 0x20..0x7e.
        out += c >= 0x20 && c <= 0x7e ? s[i] : `\\x${c.toString(16).padStart(2, "0")}`;
    }
  }
  return `${out}"`;
}

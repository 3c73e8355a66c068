// Redis's config-line and inline-command tokenizer. Mirrors sdssplitargs() and sdscatrepr() in
// src/sds.c (Redis 7.0): words split on whitespace, "double quotes" with C-like escapes
// (\n \r \t \b \a \\ \" \xHH), 'single quotes' with only \' as an escape. A closing quote must be
// followed by whitespace or the end of the line; anything else is an unbalanced line (null).

function isSpace(c: number): boolean {
  // isspace() in the C locale: space, \t \n \v \f \r.
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Splits `line` (binary-safe latin1 string: one char per byte) into arguments, or returns null
 * when quotes are unbalanced. Results are latin1 strings too.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let p = 0;
  for (;;) {
    while (p < n && isSpace(line.charCodeAt(p))) p++;
    if (p >= n) return out;
    let inq = false; // inside "double quotes"
    let insq = false; // inside 'single quotes'
    let done = false;
    let cur = "";
    while (!done) {
      if (inq) {
        if (p >= n) return null; // unterminated quotes
        const c = line[p]!;
        if (c === "\\" && line[p + 1] === "x" && p + 3 < n + 0 && isHexPair(line, p + 2)) {
          cur += String.fromCharCode(
            hexVal(line.charCodeAt(p + 2)) * 16 + hexVal(line.charCodeAt(p + 3)),
          );
          p += 3;
        } else if (c === "\\" && p + 1 < n) {
          p++;
          const e = line[p]!;
          cur +=
            e === "n"
              ? "\n"
              : e === "r"
                ? "\r"
                : e === "t"
                  ? "\t"
                  : e === "b"
                    ? "\b"
                    : e === "a"
                      ? "\x07"
                      : e;
        } else if (c === '"') {
          // The closing quote must be followed by a space or nothing at all.
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (p >= n) return null;
        const c = line[p]!;
        if (c === "\\" && line[p + 1] === "'") {
          p++;
          cur += "'";
        } else if (c === "'") {
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (p >= n) {
          done = true;
          break;
        }
        const c = line[p]!;
        const code = line.charCodeAt(p);
        if (isSpace(code)) done = true;
        else if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      if (p < n) p++;
    }
    out.push(cur);
  }
}

function isHexPair(s: string, i: number): boolean {
  return i + 1 < s.length && hexVal(s.charCodeAt(i)) >= 0 && hexVal(s.charCodeAt(i + 1)) >= 0;
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

// Inline commands (`SET k "a b"` typed into telnet) split as Redis's sdssplitargs() (src/sds.c,
// 7.0) does: blanks (isspace) between words; a word ends at space, \t, \r or \n (not \v or \f);
// "double quotes" with \xHH, \n \r \t \b \a and \<any> escapes; 'single quotes' with only \';
// a closing quote must be followed by a blank or the end of the line. Words without quotes are
// zero-copy views of the line; only quoted words are copied.

/** C isspace() in the C locale: space, \t \n \v \f \r. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Splits buf[start, end) into `out` (cleared first). Returns false on unbalanced quotes (Redis:
 * "unbalanced quotes in request"). The range must hold no NUL byte: Redis never sees past one.
 */
export function splitInlineArgs(buf: Buffer, start: number, end: number, out: Buffer[]): boolean {
  out.length = 0;
  let p = start;
  let scratch: Buffer | null = null;
  for (;;) {
    while (p < end && isSpace(buf[p]!)) p++;
    if (p >= end) return true;
    const wordStart = p;
    // A plain word runs to a terminator; a quote anywhere in it switches to the copying path.
    let c = 0;
    while (p < end) {
      c = buf[p]!;
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 34 || c === 39) break;
      p++;
    }
    if (p >= end || (c !== 34 && c !== 39)) {
      out.push(buf.subarray(wordStart, p));
      if (p < end) p++;
      continue;
    }
    scratch ??= Buffer.allocUnsafe(end - start);
    let w = 0;
    for (let k = wordStart; k < p; k++) scratch[w++] = buf[k]!;
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      if (inq) {
        if (p >= end) return false;
        c = buf[p]!;
        if (
          c === 92 &&
          p + 3 < end &&
          buf[p + 1] === 120 &&
          hexVal(buf[p + 2]!) >= 0 &&
          hexVal(buf[p + 3]!) >= 0
        ) {
          scratch[w++] = hexVal(buf[p + 2]!) * 16 + hexVal(buf[p + 3]!);
          p += 3;
        } else if (c === 92 && p + 1 < end) {
          p++;
          const e = buf[p]!;
          scratch[w++] =
            e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e;
        } else if (c === 34) {
          if (p + 1 < end && !isSpace(buf[p + 1]!)) return false;
          done = true;
        } else {
          scratch[w++] = c;
        }
      } else if (insq) {
        if (p >= end) return false;
        c = buf[p]!;
        if (c === 92 && p + 1 < end && buf[p + 1] === 39) {
          p++;
          scratch[w++] = 39;
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(buf[p + 1]!)) return false;
          done = true;
        } else {
          scratch[w++] = c;
        }
      } else if (p >= end) {
        done = true;
      } else {
        c = buf[p]!;
        if (c === 32 || c === 10 || c === 13 || c === 9) done = true;
        else if (c === 34) inq = true;
        else if (c === 39) insq = true;
        else scratch[w++] = c;
      }
      if (p < end) p++;
    }
    out.push(Buffer.from(scratch.subarray(0, w)));
  }
}

/**
 * sdssplitargs() on a C string: splits `line` up to its first NUL byte (nothing after one is
 * read) into copies of its words, or returns null on unbalanced quotes. Config lines, CONFIG
 * REWRITE's round trip and redis-cli's prompt all split this way.
 */
export function splitArgs(line: Uint8Array): Buffer[] | null {
  const bytes = Buffer.isBuffer(line)
    ? line
    : Buffer.from(line.buffer, line.byteOffset, line.length);
  const nul = bytes.indexOf(0);
  const end = nul < 0 ? bytes.length : nul;
  const out: Buffer[] = [];
  if (!splitInlineArgs(bytes, 0, end, out)) return null;
  // Unquoted words are views of `line`: copied, so the caller owns what it gets back.
  return out.map((w) => Buffer.from(w));
}

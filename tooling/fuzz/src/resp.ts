// Raw RESP on the fuzzer's side: encoding a command, finding where one reply ends in a byte
// stream (RESP2 and RESP3, without materialising it), parsing a reply into a value only when a
// comparison rule needs one, and printing arguments as redis-cli-pasteable text.
// Kept independent of @shoal/resp-codec on purpose: the fuzzer must not share the code it judges.

/** One command as RESP multibulk. */
export function encodeCommand(args: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

function lineEnd(buf: Buffer, from: number): number {
  const i = buf.indexOf("\r\n", from, "latin1");
  return i;
}

/**
 * Offset just past the reply starting at `pos`, or -1 if `buf` does not hold all of it yet.
 * Throws on a type byte RESP does not have (the stream is corrupt).
 */
export function replyEnd(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  const type = buf[pos]!;
  const eol = lineEnd(buf, pos + 1);
  if (eol < 0) return -1;
  const head = eol + 2;
  switch (type) {
    case 0x2b: // + simple string
    case 0x2d: // - error
    case 0x3a: // : integer
    case 0x2c: // , double
    case 0x23: // # boolean
    case 0x28: // ( big number
    case 0x5f: // _ null
      return head;
    case 0x24: // $ bulk
    case 0x21: // ! blob error
    case 0x3d: {
      // = verbatim
      const n = Number(buf.toString("latin1", pos + 1, eol));
      if (n < 0) return head;
      return buf.length >= head + n + 2 ? head + n + 2 : -1;
    }
    case 0x2a: // * array
    case 0x7e: // ~ set
    case 0x3e: // > push
    case 0x25: // % map
    case 0x7c: {
      // | attribute (followed by the reply it annotates)
      let n = Number(buf.toString("latin1", pos + 1, eol));
      if (n < 0) return head;
      if (type === 0x25 || type === 0x7c) n *= 2;
      let at = head;
      for (let i = 0; i < n; i++) {
        at = replyEnd(buf, at);
        if (at < 0) return -1;
      }
      return type === 0x7c ? replyEnd(buf, at) : at;
    }
    default:
      throw new Error(
        `corrupt reply stream: type byte 0x${type.toString(16)} at ${pos}: ${JSON.stringify(buf.toString("latin1", pos, pos + 40))}`,
      );
  }
}

/** A parsed reply: the RESP type byte and its content. */
export type Reply =
  | { t: "+" | "-" | ":" | "," | "#" | "(" | "_"; v: string }
  | { t: "$" | "!" | "="; v: string | null }
  | { t: "*" | "~" | ">" | "%" | "|"; v: Reply[] | null };

/** Parses the reply at `pos` (which must be complete); returns it and the offset past it. */
export function parseReply(buf: Buffer, pos = 0): [Reply, number] {
  const type = String.fromCharCode(buf[pos]!);
  const eol = lineEnd(buf, pos + 1);
  const line = buf.toString("latin1", pos + 1, eol);
  const head = eol + 2;
  switch (type) {
    case "+":
    case "-":
    case ":":
    case ",":
    case "#":
    case "(":
    case "_":
      return [{ t: type, v: line }, head];
    case "$":
    case "!":
    case "=": {
      const n = Number(line);
      if (n < 0) return [{ t: type, v: null }, head];
      return [{ t: type, v: buf.toString("latin1", head, head + n) }, head + n + 2];
    }
    default: {
      const t = type as "*" | "~" | ">" | "%" | "|";
      let n = Number(line);
      if (n < 0) return [{ t, v: null }, head];
      if (t === "%" || t === "|") n *= 2;
      const items: Reply[] = [];
      let at = head;
      for (let i = 0; i < n; i++) {
        const [r, next] = parseReply(buf, at);
        items.push(r);
        at = next;
      }
      return [{ t, v: items }, at];
    }
  }
}

/** All replies in `buf`, in order. */
export function parseAll(buf: Buffer): Reply[] {
  const out: Reply[] = [];
  let at = 0;
  while (at < buf.length) {
    const [r, next] = parseReply(buf, at);
    out.push(r);
    at = next;
  }
  return out;
}

/** A reply as a plain JS value: strings, numbers as strings, arrays, maps as flat arrays. */
export function plain(r: Reply): unknown {
  if (r.v === null) return null;
  if (Array.isArray(r.v)) return r.v.map(plain);
  return r.v;
}

/** One argument the way redis-cli reads it back: bare when safe, else "..." with \xHH escapes. */
export function cliQuote(arg: Buffer): string {
  const s = arg.toString("latin1");
  if (s.length > 0 && /^[\x21-\x7e]+$/.test(s) && !/["'\\]/.test(s)) return s;
  let out = '"';
  for (const b of arg) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += "\\\\";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/** A command line for display: long arguments abbreviated as <N bytes of 'c'>. */
export function showCommand(args: readonly Buffer[]): string {
  return args
    .map((a) => {
      if (a.length > 80) {
        const same = a.every((b) => b === a[0]);
        return same
          ? `<${a.length} x ${cliQuote(a.subarray(0, 1))}>`
          : `${cliQuote(a.subarray(0, 40))}...<${a.length} bytes>`;
      }
      return cliQuote(a);
    })
    .join(" ");
}

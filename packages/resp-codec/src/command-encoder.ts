// The client side of encoding: a command as a RESP array of bulk strings, the only form Redis
// accepts from clients besides inline text. Text-only commands become one JS string (written to
// the socket as UTF-8 in one step, and cheap to concatenate into a pipeline); a command with
// binary arguments becomes one Buffer.
import type { NodeBuffer } from "./node-buffer.js";

export type CommandArg = string | Buffer | Uint8Array | number | bigint;

/** `*<n>\r\n$<len>\r\n<arg>\r\n...`: a string when no argument is binary, else a Buffer. */
export function encodeCommand(args: readonly CommandArg[]): string | Buffer {
  let s = `*${args.length}\r\n`;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (typeof a === "string") {
      s += `$${byteLength(a)}\r\n${a}\r\n`;
    } else if (typeof a === "number" || typeof a === "bigint") {
      const t = String(a);
      s += `$${t.length}\r\n${t}\r\n`;
    } else {
      return encodeCommandBuffer(args);
    }
  }
  return s;
}

/** The same bytes as encodeCommand(), always as one Buffer. */
export function encodeCommandBuffer(args: readonly CommandArg[]): Buffer {
  let size = 16;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    size +=
      (typeof a === "string"
        ? Buffer.byteLength(a)
        : typeof a === "number" || typeof a === "bigint"
          ? 24
          : a.length) + 24;
  }
  const out = Buffer.allocUnsafe(size) as NodeBuffer;
  let off = out.latin1Write(`*${args.length}\r\n`, 0);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (typeof a === "string") {
      const len = Buffer.byteLength(a);
      off += out.latin1Write(`$${len}\r\n`, off);
      off += out.utf8Write(a, off);
    } else if (typeof a === "number" || typeof a === "bigint") {
      const t = String(a);
      off += out.latin1Write(`$${t.length}\r\n${t}`, off);
    } else {
      off += out.latin1Write(`$${a.length}\r\n`, off);
      out.set(a, off);
      off += a.length;
    }
    out[off++] = 13;
    out[off++] = 10;
  }
  return out.subarray(0, off);
}

/** UTF-8 length; ASCII strings (the common case) are counted without calling into C++. */
function byteLength(s: string): number {
  if (s.length > 64) return Buffer.byteLength(s);
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Buffer.byteLength(s);
  return s.length;
}

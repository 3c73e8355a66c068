// The launcher's one-shot admin connection: send one command to a node, read one reply. Only
// what forming a cluster needs (simple strings, errors, integers, bulk strings, flat arrays),
// so the launcher has no client-library dependency and never needs redis-cli.
import net from "node:net";

export type AdminReply = string | number | null | AdminReply[] | Error;

function encode(args: readonly string[]): Buffer {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return Buffer.from(out);
}

/** Parses one reply at `pos`; returns [reply, next position] or null when more bytes are needed. */
function parse(buf: Buffer, pos: number): [AdminReply, number] | null {
  const eol = buf.indexOf("\r\n", pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString("utf8", pos + 1, eol);
  switch (type) {
    case "+":
      return [line, eol + 2];
    case "-":
      return [new Error(line), eol + 2];
    case ":":
      return [Number(line), eol + 2];
    case "$":
    case "=": {
      const n = Number(line);
      if (n < 0) return [null, eol + 2];
      if (buf.length < eol + 2 + n + 2) return null;
      let s = buf.toString("utf8", eol + 2, eol + 2 + n);
      if (type === "=") s = s.slice(4);
      return [s, eol + 2 + n + 2];
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return [null, eol + 2];
      const items: AdminReply[] = [];
      let p = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (r === null) return null;
        items.push(r[0]);
        p = r[1];
      }
      return [items, p];
    }
    default:
      return [new Error(`unexpected reply type '${type}'`), buf.length];
  }
}

/** Sends one command; resolves with the reply (errors as Error values), rejects on I/O failure. */
export function adminCall(
  host: string,
  port: number,
  args: readonly string[],
  timeoutMs = 5000,
): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`${host}:${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("connect", () => sock.write(encode(args)));
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const r = parse(buf, 0);
      if (r === null) return;
      clearTimeout(timer);
      sock.destroy();
      resolve(r[0]);
    });
    sock.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on("close", () => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port} closed the connection`));
    });
  });
}

/** `field:value` lines of INFO / CLUSTER INFO as an object. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

// The launcher's one-shot admin connection: send one command to a node, read one reply. Only
// what forming a cluster needs (simple strings, errors, integers, bulk strings, flat arrays),
// so the launcher has no client-library dependency and never needs redis-cli. The bytes are
// resp-codec's: encodeCommandBuffer out, a ReplyDecoder in (errors as RespError values).
import net from "node:net";
import { encodeCommandBuffer, ReplyDecoder } from "@shoal/resp-codec";

export type AdminReply = string | number | null | AdminReply[] | Error;

/** Sends one command; resolves with the reply (errors as Error values), rejects on I/O failure. */
export function adminCall(
  host: string,
  port: number,
  args: readonly string[],
  timeoutMs = 5000,
): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let done = false;
    const decoder = new ReplyDecoder({
      onReply: (value) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        resolve(value as AdminReply);
      },
    });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`${host}:${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("connect", () => sock.write(encodeCommandBuffer(args)));
    sock.on("data", (d: Buffer) => {
      try {
        decoder.feed(d);
      } catch (err) {
        clearTimeout(timer);
        sock.destroy();
        reject(err);
      }
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

// Prints replies the way redis-cli 7.0 does. Mirrors cliFormatReplyTTY() (the human form:
// `(integer) 1`, `"bar"`, `(nil)`, `1) "a"`, `(error) ERR ...`, `1# "k" => v`, `1~ "m"`) and
// cliFormatReplyRaw() (the --raw form used when stdout is not a terminal) in src/redis-cli.c.
import { quoteRepr } from "@shoal/resp-codec";
import { ReplyError } from "../errors.js";
import { DoubleReply, MapReply, SetReply, StatusReply, VerbatimReply } from "../reply-types.js";

/** sdscatrepr() (resp-codec's quoteRepr): a quoted string with C escapes, as redis-cli shows bulk
 * strings; text is quoted as its UTF-8 bytes. */
export function repr(value: Buffer | string): string {
  return quoteRepr(typeof value === "string" ? Buffer.from(value) : value);
}

function formatDouble(d: number): string {
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  return String(d);
}

/** The human (TTY) form of one reply, without the trailing newline. */
export function formatTTY(reply: unknown, indent = 0): string {
  if (reply instanceof ReplyError) return `(error) ${reply.message}`;
  if (reply instanceof Error) return `(error) ${reply.message}`;
  if (reply === null || reply === undefined) return "(nil)";
  if (reply instanceof StatusReply) return reply.value;
  if (reply instanceof VerbatimReply) return reply.text;
  if (reply instanceof DoubleReply) return `(double) ${formatDouble(reply.value)}`;
  if (typeof reply === "number") return `(integer) ${reply}`;
  if (typeof reply === "bigint") return `(big number) ${reply}`;
  if (typeof reply === "boolean") return `(${reply})`;
  if (typeof reply === "string" || Buffer.isBuffer(reply)) return repr(reply);
  if (reply instanceof MapReply)
    return formatAggregate(
      reply.entries.map(([k, v]) => [k, v]),
      "#",
      indent,
      "(empty hash)",
    );
  if (reply instanceof SetReply)
    return formatAggregate(
      reply.items.map((v) => [v]),
      "~",
      indent,
      "(empty set)",
    );
  if (Array.isArray(reply))
    return formatAggregate(
      reply.map((v) => [v]),
      ")",
      indent,
      "(empty array)",
    );
  return String(reply);
}

// "1) ..." lines; nested aggregates continue on the same line and indent their own lines by the
// width of the prefix, as redis-cli does.
function formatAggregate(items: unknown[][], mark: string, indent: number, empty: string): string {
  if (items.length === 0) return empty;
  const width = String(items.length).length;
  const lines: string[] = [];
  items.forEach((item, i) => {
    const prefix = `${String(i + 1).padStart(width)}${mark} `;
    const pad = indent + prefix.length;
    let body: string;
    if (item.length === 2) {
      const key = formatTTY(item[0], pad);
      body = `${key} => ${formatTTY(item[1], pad + key.length + 4)}`;
    } else body = formatTTY(item[0], pad);
    lines.push((i === 0 ? "" : " ".repeat(indent)) + prefix + body);
  });
  return lines.join("\n");
}

function rawString(v: Buffer | string): Buffer {
  return typeof v === "string" ? Buffer.from(v) : v;
}

/** The --raw form: bulk strings as their bytes, one element per line, errors as their text. */
export function formatRaw(reply: unknown): Buffer {
  if (reply instanceof Error) return Buffer.from(reply.message);
  if (reply === null || reply === undefined) return Buffer.alloc(0);
  if (reply instanceof StatusReply) return Buffer.from(reply.value);
  if (reply instanceof VerbatimReply) return Buffer.from(reply.text);
  if (reply instanceof DoubleReply) return Buffer.from(formatDouble(reply.value));
  if (typeof reply === "string" || Buffer.isBuffer(reply)) return rawString(reply);
  if (reply instanceof MapReply)
    return join(reply.entries.flatMap(([k, v]) => [formatRaw(k), formatRaw(v)]));
  if (reply instanceof SetReply) return join(reply.items.map(formatRaw));
  if (Array.isArray(reply)) return join(reply.map(formatRaw));
  return Buffer.from(String(reply));
}

function join(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(Buffer.from("\n"));
    out.push(p);
  });
  return Buffer.concat(out);
}

// Scenario runner for the client-side caching tests: several raw connections to one server, a
// list of steps (commands sent on one connection, pauses), and the transcript of every byte each
// connection received after each step. Run on shoal-server and on redis-server, two transcripts
// must be equal: replies, RESP3 pushes and RESP2 pub/sub messages alike, in their order.
import net from "node:net";
import { sleep } from "@shoal/test-utils";
import { cmd } from "./helpers.js";

/** Where one RESP frame that starts at `i` ends (the index after it), or -1 if incomplete. */
function frameEnd(b: string, i: number): number {
  const e = b.indexOf("\r\n", i);
  if (e < 0) return -1;
  const t = b[i];
  const n = Number(b.slice(i + 1, e));
  if (t === "$" || t === "=" || t === "!") {
    if (n < 0) return e + 2;
    return b.length >= e + 2 + n + 2 ? e + 2 + n + 2 : -1;
  }
  if (t === "*" || t === ">" || t === "~" || t === "%" || t === "|") {
    if (n < 0) return e + 2;
    let q = e + 2;
    const count = t === "%" || t === "|" ? n * 2 : n;
    for (let k = 0; k < count; k++) {
      q = frameEnd(b, q);
      if (q < 0) return -1;
    }
    // An attribute annotates the value after it.
    return t === "|" ? frameEnd(b, q) : q;
  }
  return e + 2;
}

/** Complete frames at the start of `b`: how many are replies (not RESP3 pushes). */
function countReplies(b: string): number {
  let n = 0;
  for (let i = 0; i < b.length; ) {
    const end = frameEnd(b, i);
    if (end < 0) break;
    if (b[i] !== ">") n++;
    i = end;
  }
  return n;
}

class Conn {
  private data = "";
  closed = false;
  private constructor(readonly sock: net.Socket) {
    sock.on("data", (d) => {
      this.data += d.toString("latin1");
    });
    sock.on("close", () => {
      this.closed = true;
    });
    sock.on("error", () => {});
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host: "127.0.0.1" }, () => resolve(new Conn(s)));
      s.once("error", reject);
    });
  }

  send(cmds: string[][]): void {
    this.sock.write(Buffer.from(cmds.map((c) => cmd(...c)).join(""), "latin1"));
  }

  /** Waits for `n` replies (pushes not counted), or the connection's end. */
  async waitReplies(n: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (countReplies(this.data) < n && !this.closed) {
      if (Date.now() > deadline)
        throw new Error(`no reply after 5s; got ${JSON.stringify(this.data)}`);
      await sleep(2);
    }
  }

  take(): string {
    const d = this.data;
    this.data = "";
    return d;
  }

  close(): void {
    this.sock.destroy();
  }
}

export interface SendStep {
  /** The connection that sends. */
  on: string;
  /** Commands, sent in one write; `{id:X}` in an argument is connection X's client id. */
  send: string[][];
  /** Replies to wait for (default: one per command). */
  replies?: number;
  /** Keeps part of the sender's output only (INFO's tracking lines, CLIENT INFO's flags). */
  filter?: (text: string) => string;
  /** Closes the sender after its replies (a REDIRECT target that goes away). */
  thenClose?: boolean;
}

export type Step = SendStep | { sleep: number };

/** INFO's tracking_* lines. */
export const trackingInfo = (t: string): string => (t.match(/^tracking_\w+:\d+/gm) ?? []).join(",");

/** CLIENT INFO's flags and redir fields. */
export const flagsAndRedir = (t: string): string => (t.match(/ (flags|redir)=\S+/g) ?? []).join("");

/**
 * Runs `steps` against the server on `port` with fresh connections named by `conns` (name ->
 * protocol), after a FLUSHALL that also empties the tracking table. Returns the transcript:
 * after each step, what each connection received (client ids written as <name>).
 */
export async function runScenario(
  port: number,
  conns: Record<string, 2 | 3>,
  steps: readonly Step[],
  settleMs = 40,
): Promise<string[]> {
  const admin = await Conn.open(port);
  admin.send([["FLUSHALL"], ["CONFIG", "SET", "tracking-table-max-keys", "1000000"]]);
  await admin.waitReplies(2);
  admin.close();
  const byName = new Map<string, Conn>();
  const ids = new Map<string, string>();
  for (const [name, resp] of Object.entries(conns)) {
    const c = await Conn.open(port);
    c.send(
      resp === 3
        ? [
            ["HELLO", "3"],
            ["CLIENT", "ID"],
          ]
        : [["CLIENT", "ID"]],
    );
    await c.waitReplies(resp === 3 ? 2 : 1);
    const out = c.take();
    ids.set(name, /:(\d+)\r\n$/.exec(out)![1]!);
    byName.set(name, c);
  }
  const names = [...byName.keys()];
  const anonymize = (t: string) => {
    for (const [name, id] of ids) {
      t = t
        .replaceAll(`:${id}\r\n`, `:<${name}>\r\n`)
        .replaceAll(` redir=${id}`, ` redir=<${name}>`);
    }
    return t;
  };
  const transcript: string[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      if ("sleep" in step) {
        await sleep(step.sleep);
      } else {
        const c = byName.get(step.on)!;
        const args = step.send.map((a) =>
          a.map((s) => s.replace(/\{id:(\w+)\}/g, (_, n) => ids.get(n)!)),
        );
        c.send(args);
        await c.waitReplies(step.replies ?? args.length);
      }
      // Pushes to the other connections leave in the same event-loop turn as the reply.
      await sleep(settleMs);
      for (const name of names) {
        const c = byName.get(name)!;
        let out = c.take();
        if (!("sleep" in step) && step.on === name && step.filter) out = step.filter(out);
        if (out !== "") transcript.push(`${i} ${name}: ${anonymize(out)}`);
      }
      if (!("sleep" in step) && step.thenClose) {
        byName.get(step.on)!.close();
        await sleep(settleMs);
      }
    }
  } finally {
    for (const c of byName.values()) c.close();
  }
  return transcript;
}

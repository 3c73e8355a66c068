// What a real redis-server 7.0.15 emits besides replies, for a script of commands: the keyspace
// events it publishes and the commands it appends to its AOF. Each helper starts its own server,
// runs every command there and through `mine` (the Shoal side, called just before), and returns
// Redis's stream in the shape the tests compare: "db:event key" lines, and AOF commands joined
// by spaces with SELECT/MULTI/EXEC framing left out.
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import { type CommandSpec, infoFlags } from "../../src/command-types.js";
import { ArrayArgs, TestStore } from "../../src/test-kit.js";
import { decodeReply, RedisOracle, replyLength } from "../redis-oracle.js";

/** Keyspace events (every class, new and keymiss too) Redis publishes for `script`. */
export async function keyEvents(
  script: readonly string[][],
  mine: (argv: string[]) => void,
): Promise<string[]> {
  const oracle = await RedisOracle.start(["--notify-keyspace-events", "KEAnm"]);
  const sub = net.connect({ port: oracle.server.port, host: "127.0.0.1" });
  const theirs: string[] = [];
  try {
    let buf = Buffer.alloc(0);
    sub.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let n = replyLength(buf); n > 0; n = replyLength(buf)) {
        const m = decodeReply(buf.subarray(0, n)) as string[];
        buf = buf.subarray(n);
        if (m[0] === "pmessage")
          theirs.push(`${String(m[2]).replace(/^__keyevent@(\d+)__:/, "$1:")} ${m[3]}`);
      }
    });
    sub.write("*2\r\n$10\r\nPSUBSCRIBE\r\n$14\r\n__keyevent@*:*\r\n");
    await new Promise((r) => setTimeout(r, 100));
    for (const argv of script) {
      mine(argv);
      await oracle.command(...argv);
    }
    await oracle.command("SET", "__end__", "1");
    await waitFor(() => theirs.at(-1) === "0:set __end__", { timeout: 5000, what: "events" });
    return theirs.slice(0, -2); // the end marker's new + set
  } finally {
    sub.destroy();
    await oracle.stop();
  }
}

/** Keyspace events a TestStore over `table` publishes for `script` (mine) and Redis's (theirs). */
export async function keyEventsOfBoth(
  table: readonly CommandSpec[],
  script: readonly string[][],
): Promise<{ mine: string[]; theirs: string[] }> {
  const mine: string[] = [];
  const t = new TestStore(table, {
    hooks: { notify: (db, _cls, event, key) => mine.push(`${db}:${event} ${key}`) },
  });
  const theirs = await keyEvents(script, (argv) => {
    t.now = Date.now();
    t.run(...argv);
  });
  return { mine, theirs };
}

/** Commands Redis appends to its AOF for `script`. */
export async function aofCommands(
  script: readonly string[][],
  mine: (argv: string[]) => void,
): Promise<string[]> {
  const oracle = await RedisOracle.start(["--appendonly", "yes", "--appendfsync", "always"]);
  try {
    for (const argv of script) {
      mine(argv);
      await oracle.command(...argv);
    }
    await oracle.command("PING");
    const dir = path.join(oracle.server.dir, "appendonlydir");
    const incr = readdirSync(dir).find((f) => f.endsWith(".incr.aof")) as string;
    const buf = readFileSync(path.join(dir, incr));
    const out: string[] = [];
    for (let at = 0; at < buf.length; ) {
      const n = replyLength(buf, at);
      const cmd = decodeReply(buf.subarray(at, at + n)) as string[];
      at += n;
      if (["select", "multi", "exec"].includes(String(cmd[0]).toLowerCase())) continue;
      out.push(cmd.join(" "));
    }
    return out;
  } finally {
    await oracle.stop();
  }
}

/** Commands a TestStore over `table` propagates for `script` (mine) and Redis's AOF (theirs). */
export async function aofCommandsOfBoth(
  table: readonly CommandSpec[],
  script: readonly string[][],
): Promise<{ mine: string[]; theirs: string[] }> {
  const mine: string[] = [];
  const t = new TestStore(table);
  const theirs = await aofCommands(script, (argv) => {
    t.now = Date.now();
    t.run(...argv);
    for (const p of t.last.propagated) mine.push(p.map((x) => x.toString()).join(" "));
  });
  return { mine, theirs };
}

/**
 * The two checks every family's differential file makes on a scripted run: the same keyspace
 * events as Redis (at least `minEvents` of them, so an empty script can't pass) and the same
 * propagated commands as Redis's AOF, with `aofShape` for a family-specific look at the AOF.
 */
export function describeEventsAndPropagation(
  family: string,
  table: readonly CommandSpec[],
  script: readonly string[][],
  opts: { minEvents: number; aofTitle?: string; aofShape?: (theirs: string[]) => void },
): void {
  describe(`${family} events and propagation vs redis-server 7.0.15`, () => {
    it("publish the same keyspace events", async () => {
      const { mine, theirs } = await keyEventsOfBoth(table, script);
      expect(theirs.length).toBeGreaterThan(opts.minEvents);
      expect(mine).toEqual(theirs);
    });

    it(opts.aofTitle ?? "propagate the same commands as the AOF holds", async () => {
      const { mine, theirs } = await aofCommandsOfBoth(table, script);
      opts.aofShape?.(theirs);
      expect(mine).toEqual(theirs);
    });
  });
}

/**
 * Specs whose COMMAND INFO fields (name, arity, flags, key positions, ACL categories) differ from
 * what `oracle` answers, as { mine, theirs } pairs; tips and key specs are not compared.
 */
export async function commandInfoMismatches(
  oracle: RedisOracle,
  specs: readonly CommandSpec[],
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const c of specs) {
    const [r] = decodeReply(await oracle.command("COMMAND", "INFO", c.name)) as unknown[][];
    const theirs = (r as unknown[]).slice(0, 7);
    const mine = [
      c.name,
      c.arity,
      infoFlags(c).map((f) => `+${f}`),
      c.firstKey,
      c.lastKey,
      c.step,
      c.aclCategories.map((a) => `+${a}`),
    ];
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) out.push({ mine, theirs });
  }
  return out;
}

/**
 * The keys `spec.getKeys` finds in each argv (mine) and what COMMAND GETKEYS answers for it
 * (theirs: a key list, or Redis's error), in the same order, for one toEqual.
 */
export async function getKeysOfBoth(
  oracle: RedisOracle,
  spec: CommandSpec | undefined,
  argvs: readonly string[][],
): Promise<{ mine: string[][]; theirs: unknown[] }> {
  const mine: string[][] = [];
  const theirs: unknown[] = [];
  for (const argv of argvs) {
    theirs.push(decodeReply(await oracle.command("COMMAND", "GETKEYS", ...argv)));
    const at = spec?.getKeys?.(new ArrayArgs(argv.map((a) => Buffer.from(a)))) ?? [];
    mine.push(at.map((i) => argv[i] as string));
  }
  return { mine, theirs };
}

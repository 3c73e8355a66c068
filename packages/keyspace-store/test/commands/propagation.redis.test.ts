// What strings and key commands propagate (to the AOF and replicas), compared with what real
// redis-server 7.0.15 writes to its append-only file for the same commands. Absolute times
// (PXAT/PEXPIREAT/ABSTTL arguments computed from the clock) are masked as "<ms>".
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyCommands } from "../../src/commands/keys.js";
import { stringCommands } from "../../src/commands/strings.js";
import { TestStore } from "../../src/test-kit.js";
import { decodeReply, RedisOracle, replyLength } from "../redis-oracle.js";
import { SCRIPT } from "./strings-keys.script.js";

/** Commands in an AOF, without SELECT/MULTI/EXEC framing, with clock-derived times masked. */
function parseAof(buf: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = replyLength(buf, at);
    const cmd = decodeReply(buf.subarray(at, at + n)) as string[];
    at += n;
    if (["select", "multi", "exec"].includes(String(cmd[0]).toLowerCase())) continue;
    out.push(mask(cmd));
  }
  return out;
}
const mask = (argv: string[]) => argv.map((a) => (/^1[0-9]{12}$/.test(a) ? "<ms>" : a)).join(" ");

describe("propagation vs redis-server 7.0.15's AOF", () => {
  let oracle: RedisOracle;
  beforeAll(async () => {
    oracle = await RedisOracle.start(["--appendonly", "yes", "--appendfsync", "always"]);
  }, 30_000);
  afterAll(async () => {
    await oracle?.stop();
  });

  it("matches command for command", async () => {
    const t = new TestStore([...stringCommands, ...keyCommands]);
    const mine: string[] = [];
    t.keyspace.hooks = { propagate: (_db, argv) => mine.push(mask(argv.map(String))) };
    for (const argv of SCRIPT) {
      t.now = Date.now();
      t.run(...argv);
      for (const p of t.last.propagated) mine.push(mask(p.map((x) => x.toString())));
      await oracle.command(...argv);
    }
    await oracle.command("PING");
    const dir = path.join(oracle.server.dir, "appendonlydir");
    const incr = readdirSync(dir).find((f) => f.endsWith(".incr.aof")) as string;
    expect(mine).toEqual(parseAof(readFileSync(path.join(dir, incr))));
  });
});

// Keyspace events of strings and key commands, compared with what real redis-server 7.0.15
// publishes (notify-keyspace-events "KEA" plus new and keymiss: every class) on
// __keyevent@<db>__:<event> channels for the same commands.
import net from "node:net";
import { waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyCommands } from "../../src/commands/keys.js";
import { stringCommands } from "../../src/commands/strings.js";
import { TestStore } from "../../src/test-kit.js";
import { decodeReply, RedisOracle, replyLength } from "../redis-oracle.js";
import { SCRIPT } from "./strings-keys.script.js";

describe("keyspace events vs redis-server 7.0.15", () => {
  let oracle: RedisOracle;
  let sub: net.Socket;
  const theirs: string[] = [];
  beforeAll(async () => {
    oracle = await RedisOracle.start(["--notify-keyspace-events", "KEAnm"]);
    sub = net.connect({ port: oracle.server.port, host: "127.0.0.1" });
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
  }, 30_000);
  afterAll(async () => {
    sub?.destroy();
    await oracle?.stop();
  });

  it("publish the same events in the same order", async () => {
    const mine: string[] = [];
    const t = new TestStore([...stringCommands, ...keyCommands], {
      hooks: { notify: (db, _cls, event, key) => mine.push(`${db}:${event} ${key}`) },
    });
    const reads = [
      ["GET", "nokey"],
      ["EXISTS", "nokey", "nokey2"],
      ["TOUCH", "nokey"],
      ["TYPE", "nokey"],
      ["TTL", "nokey"],
      ["PTTL", "nokey"],
      ["EXPIRETIME", "nokey"],
      ["MGET", "nokey", "nokey2"],
      ["STRLEN", "nokey"],
      ["GETRANGE", "nokey", "0", "1"],
      ["OBJECT", "ENCODING", "nokey"],
      ["LCS", "nokey", "nokey2"],
      ["COPY", "nokey", "x"],
      ["DUMP", "nokey"],
      ["GETDEL", "nokey"],
      ["GETEX", "nokey"],
      ["SET", "nokey", "v", "GET"],
      ["INCR", "ctr"],
      ["APPEND", "app", "x"],
      ["SETRANGE", "sr", "1", "x"],
      ["INCRBYFLOAT", "fl", "1"],
      ["MEMORY", "USAGE", "nokey"],
    ];
    for (const argv of [...SCRIPT, ...reads]) {
      t.now = Date.now();
      t.run(...argv);
      await oracle.command(...argv);
    }
    await oracle.command("SET", "done", "1");
    mine.push("0:new done", "0:set done");
    await waitFor(() => theirs.at(-1) === "0:set done", { timeout: 5000, what: "events" });
    expect(theirs.length).toBeGreaterThan(60);
    expect(mine).toEqual(theirs);
  });
});

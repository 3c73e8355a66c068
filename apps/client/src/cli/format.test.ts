import { describe, expect, it } from "vitest";
import { ReplyError } from "../errors.js";
import { DoubleReply, MapReply, SetReply, StatusReply } from "../reply-types.js";
import { formatRaw, formatTTY, repr } from "./format.js";
import { completeCommand, hintFor } from "./hints.js";
import { splitArgs } from "./split-args.js";

// Expected strings were printed by redis-cli 7.0.15 against redis-server 7.0.15.
describe("redis-cli formatting", () => {
  it("formats scalars", () => {
    expect(formatTTY(new StatusReply("OK"))).toBe("OK");
    expect(formatTTY(Buffer.from("bar"))).toBe('"bar"');
    expect(formatTTY(null)).toBe("(nil)");
    expect(formatTTY(1)).toBe("(integer) 1");
    expect(formatTTY(new DoubleReply(1.5))).toBe("(double) 1.5");
    expect(formatTTY(true)).toBe("(true)");
    expect(formatTTY(new ReplyError("ERR unknown command"))).toBe("(error) ERR unknown command");
    expect(repr(Buffer.from('a\nb\x01"\\'))).toBe('"a\\nb\\x01\\"\\\\"');
  });

  it("formats aggregates with redis-cli's numbering and nesting", () => {
    expect(formatTTY([])).toBe("(empty array)");
    expect(formatTTY(["a", "b c"])).toBe('1) "a"\n2) "b c"');
    expect(formatTTY([["1-1", ["f", "v"]]])).toBe('1) 1) "1-1"\n   2) 1) "f"\n      2) "v"');
    expect(formatTTY(Array.from({ length: 10 }, (_, i) => i))).toMatch(/^ 1\) \(integer\) 0\n/);
    expect(
      formatTTY(
        new MapReply([
          ["proto", 3],
          ["modules", []],
        ]),
      ),
    ).toBe('1# "proto" => (integer) 3\n2# "modules" => (empty array)');
    expect(formatTTY(new MapReply([]))).toBe("(empty hash)");
    expect(formatTTY(new SetReply(["a"]))).toBe('1~ "a"');
  });

  it("formats raw output", () => {
    expect(formatRaw(["x", Buffer.from("y")]).toString()).toBe("x\ny");
    expect(formatRaw(null).toString()).toBe("");
    expect(formatRaw(new ReplyError("ERR x")).toString()).toBe("ERR x");
  });

  it("splits arguments like sdssplitargs", () => {
    const s = (l: string) => splitArgs(l)?.map((b) => b.toString("latin1"));
    expect(s('set "a b" c')).toEqual(["set", "a b", "c"]);
    expect(s(`set 'it\\'s' "x\\x41\\n"`)).toEqual(["set", "it's", "xA\n"]);
    expect(s('get "unterminated')).toBeUndefined();
    expect(s('get "a"b')).toBeUndefined();
    expect(s("   ")).toEqual([]);
    // redis-cli 7.0.15 (`RPUSH l <line>`, LRANGE --no-raw): \v and \f do not end a word, a
    // non-ASCII character is its UTF-8 bytes and no blank ("\xc2\xa0y"), `"a\x4"` is "ax4".
    expect(s("a\fb c")).toEqual(["a\fb", "c"]);
    expect(s("a\vb")).toEqual(["a\vb"]);
    expect(s("\u00a0y")).toEqual(["\xc2\xa0y"]);
    expect(s('"a\\x4" "\\z"')).toEqual(["ax4", "z"]);
    expect(repr("\u00e9")).toBe('"\\xc3\\xa9"');
  });

  it("hints the remaining arguments and completes command names", () => {
    expect(hintFor("set ")).toMatch(/^key value/);
    expect(hintFor("set foo ")).toMatch(/^value/);
    expect(hintFor("get foo")).toBeUndefined();
    expect(completeCommand("hg")[0]).toEqual(["hget", "hgetall"]);
  });
});

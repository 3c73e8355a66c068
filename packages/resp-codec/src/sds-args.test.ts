import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { splitArgs } from "./inline-args.js";
import { quoteRepr } from "./repr.js";

const split = (line: string) =>
  splitArgs(Buffer.from(line, "latin1"))?.map((w) => w.toString("latin1")) ?? null;
const repr = (s: string) => quoteRepr(Buffer.from(s, "latin1"));

// Each case was typed into redis-cli 7.0.15 (`RPUSH l <line>`, then LRANGE l 0 -1 --no-raw) and
// read back from redis-server 7.0.15 config files (CONFIG GET, CONFIG REWRITE): the words Redis
// stored and the quoted form it printed.
describe("sdssplitargs and sdscatrepr as Redis 7.0", () => {
  it("splits words, quotes and escapes", () => {
    expect(split('"a\\x41\\x4g" x')).toEqual(["aAx4g", "x"]);
    expect(split('"a\\x4" "\\z"')).toEqual(["ax4", "z"]);
    expect(split("a\fb c")).toEqual(["a\fb", "c"]);
    expect(split("a\vb")).toEqual(["a\vb"]);
    expect(split('"a"\vx')).toEqual(["a", "x"]);
    expect(split("\"\\xff\\x00\\x7f\\x80\" 'it\\'s'")).toEqual(["\xff\x00\x7f\x80", "it's"]);
    expect(split('"q\\"\\\\\\a\\b\\t\\r\\n"')).toEqual(['q"\\\x07\b\t\r\n']);
    expect(split('masterauth "p\\x41 \\"q\\"\\t"')).toEqual(["masterauth", 'pA "q"\t']);
    expect(split("a\u0000b c")).toEqual(["a"]);
    expect(split("")).toEqual([]);
    expect(split('""')).toEqual([""]);
  });
  it("refuses unbalanced quotes and a closing quote glued to a word (Invalid argument(s))", () => {
    expect(split('"abc"x')).toBeNull();
    expect(split('"abc')).toBeNull();
    expect(split("'abc'x")).toBeNull();
  });
  it("quotes as redis-cli prints and CONFIG REWRITE writes", () => {
    expect(repr("\xff\x00\x7f\x80")).toBe('"\\xff\\x00\\x7f\\x80"');
    expect(repr('q"\\\x07\b\t\r\n')).toBe('"q\\"\\\\\\a\\b\\t\\r\\n"');
    expect(repr("\xc3\xa9")).toBe('"\\xc3\\xa9"');
    expect(repr("a\vb")).toBe('"a\\x0bb"');
    expect(repr('pA "q"\t')).toBe('"pA \\"q\\"\\t"');
  });
  test.prop([fc.uint8Array({ maxLength: 40 })])("quoteRepr splits back to the same bytes", (b) => {
    expect(splitArgs(Buffer.from(quoteRepr(b)))).toEqual([Buffer.from(b)]);
  });
});

// Shebang parsing, each error text as redis-server 7.0.15 answers EVAL of the same script.
import { describe, expect, it } from "vitest";
import { parseShebang, ScriptFlag } from "./shebang.js";

const parse = (s: string) => parseShebang(Buffer.from(s));

describe("parseShebang", () => {
  it("no shebang: EVAL compatibility mode", () => {
    expect(parse("return 1")).toEqual({ flags: ScriptFlag.EvalCompatMode, length: 0 });
  });
  it("flags, the line's length kept for the body", () => {
    expect(parse("#!lua flags=no-writes,allow-cross-slot-keys\nreturn 1")).toEqual({
      flags: ScriptFlag.NoWrites | ScriptFlag.AllowCrossSlot,
      length: 43,
    });
    expect(parse("#!lua flags=\nreturn 1")).toEqual({ flags: 0, length: 12 });
    expect(parse("#!lua\nreturn 1")).toEqual({ flags: 0, length: 5 });
  });
  it.each([
    ["#!lua", "Invalid script shebang"],
    ["#!lua flags=bogus\nreturn 1", "Unexpected flag in script shebang: bogus"],
    ["#!lua foo=bar\nreturn 1", "Unknown lua shebang option: foo=bar"],
    ["#!js\nreturn 1", "Unexpected engine in script shebang: #!js"],
    ["#!lua flags=no-writes,allow-oom name=x\nreturn 1", "Unknown lua shebang option: name=x"],
    ["#!  \nreturn 1", "Unexpected engine in script shebang: #!"],
  ])("%j -> %s", (body, error) => {
    expect(parse(body)).toEqual({ error });
  });
});

import { describe, expect, it } from "vitest";
import { CollectingWriter, Simple } from "../test-kit.js";
import { cmd, replyHelp } from "./define.js";

describe("cmd", () => {
  it("splits flags and categories and keeps the key range", () => {
    const spec = cmd(
      "save",
      1,
      "admin noscript no_async_loading no_multi",
      [0, 0, 0],
      "@admin @slow",
    );
    expect(spec.flags).toEqual(["admin", "noscript", "no_async_loading", "no_multi"]);
    expect(spec.aclCategories).toEqual(["@admin", "@slow"]);
    expect([spec.firstKey, spec.lastKey, spec.step]).toEqual([0, 0, 0]);
    expect(spec.handler).toBeUndefined();
  });

  it("refuses a flag Redis doesn't have, and movablekeys written by hand", () => {
    expect(() => cmd("x", 1, "readonly fsat", [0, 0, 0], "")).toThrow(
      'x: unknown command flag "fsat"',
    );
    expect(() => cmd("x", 1, "readonly movablekeys", [0, 0, 0], "")).toThrow(
      "x: movablekeys is derived from getKeys, not listed",
    );
  });
});

describe("replyHelp", () => {
  it("writes addReplyHelp's header, the lines, then the HELP entry", () => {
    const w = new CollectingWriter();
    replyHelp(w, "OBJECT", ["FREQ <key>", "    Return the access frequency index of the <key>."]);
    expect(w.values).toEqual([
      [
        new Simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
        new Simple("FREQ <key>"),
        new Simple("    Return the access frequency index of the <key>."),
        new Simple("HELP"),
        new Simple("    Prints this help."),
      ],
    ]);
  });
});

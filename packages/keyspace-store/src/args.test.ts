// parseDouble reads like Redis 7.0.15's getDoubleFromObject: each case is what INCRBYFLOAT's
// sibling commands that take a double (ZADD, ZINCRBY) answered on a real server.
import { describe, expect, it } from "vitest";
import { parseDouble } from "./args.js";

describe("parseDouble (getDoubleFromObject)", () => {
  it.each([
    ["1.5", 1.5],
    ["+5", 5],
    ["5.", 5],
    [".5", 0.5],
    ["0x10", 16],
    ["0X1p3", 8],
    ["inf", Infinity],
    ["-inf", -Infinity],
    ["Infinity", Infinity],
    ["1e308", 1e308],
    ["1e-310", 1e-310],
  ])("takes %j", (s, v) => expect(parseDouble(s)).toBe(v));

  it.each(["1e400", "-1e400", "2e308", "1e-400", "nan", "-nan", " 1", "1 ", "", "0x", "1e", "1_0"])(
    "refuses %j",
    (s) => expect(parseDouble(s)).toBeNull(),
  );
});

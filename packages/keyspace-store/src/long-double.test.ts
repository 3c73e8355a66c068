import { describe, expect, it } from "vitest";
import {
  addLongDouble,
  formatLongDouble,
  type LongDouble,
  parseLongDouble,
} from "./long-double.js";

// Sums as redis-server 7.0.15 (x86-64, 80-bit long double) answers INCRBYFLOAT.
const REDIS: [string, string, string][] = [
  ["10.5", "0.1", "10.6"],
  ["1000.1", "0.2", "1000.29999999999999999"],
  ["5.0e3", "2.0e2", "5200"],
  ["3.0", "1.1", "4.1"],
  ["0", "1e-20", "0"],
  ["123456789.123", "0.000001", "123456789.12300099999993108"],
  ["0.1", "0.2", "0.3"],
  ["-1", "0.9", "-0.1"],
  ["1.5", "-1.5", "0"],
  ["0x10", "1", "17"],
];

describe("long double emulation", () => {
  for (const [a, b, want] of REDIS)
    it(`${a} + ${b}`, () => {
      const s = addLongDouble(parseLongDouble(a) as LongDouble, parseLongDouble(b) as LongDouble);
      expect(s === "inf" ? "inf" : formatLongDouble(s)).toBe(want);
    });

  it("goes past the double range like Redis, and refuses what strtold refuses", () => {
    const big = addLongDouble(
      parseLongDouble("1e308") as LongDouble,
      parseLongDouble("1e308") as LongDouble,
    );
    expect(
      big !== "inf" && formatLongDouble(big).startsWith("19999999999999999999337175931169129132"),
    ).toBe(true);
    expect(parseLongDouble("1e5000")).toBeNull();
    expect(parseLongDouble("1e-5000")).toBeNull();
    expect(parseLongDouble("nan")).toBeNull();
    expect(parseLongDouble(" 1")).toBeNull();
    expect(parseLongDouble("1 ")).toBeNull();
    expect(parseLongDouble("")).toBeNull();
    expect(parseLongDouble(".")).toBeNull();
    expect(parseLongDouble("-inf")).toBe("-inf");
    expect(parseLongDouble("Infinity")).toBe("inf");
    const huge = parseLongDouble("1.1e4932") as LongDouble;
    expect(addLongDouble(huge, huge)).toBe("inf");
  });
});

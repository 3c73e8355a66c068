import { describe, expect, it } from "vitest";
import { formatDistance, formatFixed, formatHumanLongDouble } from "./fixed-format.js";

describe("fixed-format: printf %.Nf, ld2string HUMAN, fixedpoint_d2string", () => {
  it("%f rounds the exact binary value, ties to even, with no exponent form", () => {
    expect(formatFixed(181, 6)).toBe("181.000000");
    expect(formatFixed(-0, 6)).toBe("-0.000000");
    expect(formatFixed(-1e-9, 6)).toBe("-0.000000");
    expect(formatFixed(0.0078125, 6)).toBe("0.007812"); // exact tie: to even
    expect(formatFixed(0.0234375, 6)).toBe("0.023438"); // exact tie: to even (up)
    expect(formatFixed(0.1, 6)).toBe("0.100000");
    expect(formatFixed(1e22, 2)).toBe("10000000000000000000000.00");
    expect(formatFixed(1e300, 0)).toBe(BigInt(1e300).toString());
    expect(formatFixed(Number.POSITIVE_INFINITY, 6)).toBe("inf");
    expect(formatFixed(Number.NEGATIVE_INFINITY, 6)).toBe("-inf");
    expect(formatFixed(5e-324, 17)).toBe("0.00000000000000000");
  });

  it("coordinates: %.17Lf with trailing zeros trimmed, -0 as 0", () => {
    expect(formatHumanLongDouble(13.361389338970184)).toBe("13.36138933897018433");
    expect(formatHumanLongDouble(-180)).toBe("-180");
    expect(formatHumanLongDouble(0.5)).toBe("0.5");
    expect(formatHumanLongDouble(-0)).toBe("0");
    expect(formatHumanLongDouble(-1e-20)).toBe("0");
    expect(formatHumanLongDouble(85.05112878)).toBe("85.0511287799999991"); // glibc: 85.05112877999999910
  });

  it("distances: llrint(d * 10^4), ties to even, four decimals", () => {
    expect(formatDistance(0)).toBe("0.0000");
    expect(formatDistance(166274.15156960033)).toBe("166274.1516");
    expect(formatDistance(0.00625)).toBe("0.0062"); // 62.5: to even
    expect(formatDistance(0.00375)).toBe("0.0038"); // 37.5: to even
    expect(formatDistance(0.00005)).toBe("0.0000"); // 0.5: to even
    expect(formatDistance(2.00015)).toBe("2.0002"); // 20001.5: to even
    expect(formatDistance(0.7775)).toBe("0.7775");
    expect(formatDistance(12)).toBe("12.0000");
  });
});

import { describe, expect, it } from "vitest";
import { parseTimeoutMs } from "./list-timeout.js";

const NF = "ERR timeout is not a float or out of range";
const NEG = "ERR timeout is negative";

// Expected values come from glibc's strtold and `(long long)(ld * 1000.0)` on x86-64, the exact
// code path of Redis 7.0's getTimeoutFromObjectOrReply (see the module comment).
const vectors: [string, number | string][] = [
  ["0", 0],
  ["5", 5000],
  ["0.001", 0], // 0.000999...L * 1000 truncates to 0: Redis blocks forever
  ["0.003", 3],
  ["0.0015", 1],
  ["0.1", 100],
  ["1.001", 1001],
  ["4.35", 4350],
  ["2.3", 2300],
  ["100.0005", 100000],
  ["-0", 0],
  ["-0.0001", 0],
  ["-0.5", NEG],
  ["1e-400", 0],
  ["1e-4940", 0], // subnormal in long double: accepted
  ["1e-5000", NF], // underflows to zero: refused
  ["1e4932", NEG], // finite in long double, cast overflows
  ["1.2e4932", NF], // overflows long double
  ["9.2e15", 9.2e18],
  ["9.3e15", NEG],
  ["9223372036854775", 9223372036854775000],
  ["9223372036854776", NEG],
  ["inf", NEG],
  ["-inf", NEG],
  ["INFINITY", NEG],
  ["nan", NF],
  ["0x10", 16000],
  ["0x1p-2", 250],
  ["0X.8", 500],
  ["0x", NF],
  ["1e", NF],
  ["1.", 1000],
  [".5", 500],
  ["+1", 1000],
  ["00012", 12000],
  ["1e+2", 100000],
  ["", NF],
  [".", NF],
  ["-", NF],
  [" 1", NF],
  ["1 ", NF],
  ["1e18", NEG],
  ["0.000999999999999999999", 0],
];

describe("parseTimeoutMs", () => {
  it.each(vectors)("%j -> %s", (input, want) => {
    expect(parseTimeoutMs(Buffer.from(input, "latin1"))).toBe(want);
  });

  it("refuses arguments of 5 KiB or more and never throws on junk", () => {
    expect(parseTimeoutMs(Buffer.alloc(5120, "1"))).toBe(NF);
    expect(parseTimeoutMs(Buffer.alloc(5119, "0"))).toBe(0);
    expect(parseTimeoutMs(Buffer.from([0x31, 0x00]))).toBe(NF);
    expect(parseTimeoutMs(Buffer.from(`1e${"9".repeat(400)}`))).toBe(NF);
    expect(parseTimeoutMs(Buffer.from(`1e-${"9".repeat(400)}`))).toBe(NF);
  });
});

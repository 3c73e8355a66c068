import { describe, expect, it } from "vitest";
import { parseTimeoutMs } from "./list-timeout.js";

const NF = "ERR timeout is not a float or out of range";
const NEG = "ERR timeout is negative";

// Expected values come from glibc's strtold and `(long long)ceill(ld * 1000.0)` on x86-64, the
// code path of Redis 7.0's getTimeoutFromObjectOrReply (see the module comment); "0.0001",
// "0.001" and "1e-400" timing out after one tick on redis-server 7.0.15 confirmed the ceil.
const vectors: [string, number | string][] = [
  ["0", 0],
  ["5", 5000],
  ["0.001", 1],
  ["0.0001", 1], // rounds up: any positive timeout waits
  ["0.000999999999999999999", 1],
  ["0x1p-20", 1],
  ["0.003", 3],
  ["0.0015", 2],
  ["0.1", 100],
  ["1.001", 1001],
  ["4.35", 4350],
  ["4107.35", 4107350], // in doubles 4107350.0000000005 would round up to 4107351
  ["2.3", 2300],
  ["100.0005", 100001],
  ["-0", 0],
  ["-0.0001", 0], // ceil(-0.1) is -0: not negative
  ["-0.5", NEG],
  ["-0.9999", NEG],
  ["1e-400", 1],
  ["1e-4940", 1], // subnormal in long double: accepted
  ["1e-5000", NF], // underflows to zero: refused
  ["1e4932", NEG], // finite in long double, the cast overflows
  ["1.2e4932", NF], // overflows long double
  ["9.2e15", 9.2e18],
  ["9.3e15", NEG],
  ["9223372036854775", 9223372036854775000],
  ["9223372036854776", NEG],
  ["1e18", NEG],
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

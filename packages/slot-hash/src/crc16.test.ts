// crc16 against the check value, Redis's crc16tab and the bitwise definition (property tests),
// including ranges and continuation from a previous crc.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { naiveCrc16 } from "../test/support.js";
import { CRC_TABLE, crc16 } from "./crc16.js";

const ascii = (s: string) => Buffer.from(s, "latin1");

describe("crc16", () => {
  test("check value of CRC-16/XMODEM", () => {
    expect(crc16(ascii("123456789"))).toBe(0x31c3);
  });

  test("empty input is 0", () => {
    expect(crc16(new Uint8Array(0))).toBe(0);
  });

  test("table matches Redis crc16tab at known entries", () => {
    // First, second, last and a middle entry of crc16tab in src/crc16.c.
    expect(CRC_TABLE[0]).toBe(0x0000);
    expect(CRC_TABLE[1]).toBe(0x1021);
    expect(CRC_TABLE[2]).toBe(0x2042);
    expect(CRC_TABLE[0x80]).toBe(0x9188);
    expect(CRC_TABLE[0xff]).toBe(0x1ef0);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])("equals the bitwise definition", (bytes) => {
    expect(crc16(bytes)).toBe(naiveCrc16(bytes));
  });

  test.prop([fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.nat()])(
    "hashes a sub-range without copying, same as the copied slice",
    (bytes, a, b) => {
      const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
      expect(crc16(bytes, start, end)).toBe(naiveCrc16(bytes.slice(start, end)));
    },
  );

  test.prop([fc.uint8Array({ maxLength: 50 }), fc.uint8Array({ maxLength: 50 })])(
    "continues from a previous crc",
    (a, b) => {
      const both = Buffer.concat([a, b]);
      expect(crc16(b, 0, b.length, crc16(a))).toBe(naiveCrc16(both));
    },
  );
});

// SlotBitmap: Redis's bit layout pinned by hand, then random operation sequences against a
// Set<number> model, with every round trip (bytes, text, ranges, clone) checked at the end.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { SLOT_BITMAP_BYTES, SlotBitmap } from "./slot-bitmap.js";
import { formatSlotRanges } from "./slot-ranges.js";

const slot = fc.integer({ min: 0, max: 16383 });
const op = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), slot }),
  fc.record({ kind: fc.constant("clear" as const), slot }),
  fc.record({ kind: fc.constant("setRange" as const), a: slot, len: fc.nat(300) }),
  fc.record({ kind: fc.constant("clearRange" as const), a: slot, len: fc.nat(300) }),
);

// Ranges of a sorted list of slots, computed the obvious way.
function runsOf(slots: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < slots.length; ) {
    let j = i;
    while (j + 1 < slots.length && slots[j + 1] === slots[j]! + 1) j++;
    parts.push(i === j ? `${slots[i]}` : `${slots[i]}-${slots[j]}`);
    i = j + 1;
  }
  return parts.join(" ");
}

describe("SlotBitmap", () => {
  test("Redis bit order: slot s is bit (s & 7) of byte (s >> 3)", () => {
    const bm = new SlotBitmap();
    for (const s of [0, 7, 8, 16383]) bm.set(s);
    const bytes = bm.toBytes();
    expect(bytes.length).toBe(SLOT_BITMAP_BYTES);
    expect(bytes[0]).toBe(0x81);
    expect(bytes[1]).toBe(0x01);
    expect(bytes[2047]).toBe(0x80);
    expect(bytes.reduce((n, b) => n + (b ? 1 : 0), 0)).toBe(3);
  });

  test("the three-master layout of redis-cli --cluster create", () => {
    const bm = SlotBitmap.parse("0-5460 5461 5462-10922");
    expect(bm.count()).toBe(10923);
    expect(bm.toString()).toBe("0-10922");
    expect(bm.test(10922)).toBe(true);
    expect(bm.test(10923)).toBe(false);
    // 0-10922 covers bytes 0..1364 fully and the low 3 bits of byte 1365.
    const bytes = bm.toBytes();
    expect(bytes[1364]).toBe(0xff);
    expect(bytes[1365]).toBe(0x07);
    expect(bytes[1366]).toBe(0);
  });

  test("empty and full", () => {
    const bm = new SlotBitmap();
    expect(bm.toString()).toBe("");
    expect([...bm.ranges()]).toEqual([]);
    expect(bm.setRange(0, 16383)).toBe(16384);
    expect(bm.count()).toBe(16384);
    expect(bm.toString()).toBe("0-16383");
    expect(bm.toBytes().every((b) => b === 0xff)).toBe(true);
    bm.clearAll();
    expect(bm.count()).toBe(0);
  });

  test("set/clear report whether they changed anything", () => {
    const bm = new SlotBitmap();
    expect(bm.set(42)).toBe(true);
    expect(bm.set(42)).toBe(false);
    expect(bm.clear(42)).toBe(true);
    expect(bm.clear(42)).toBe(false);
    expect(bm.setRange(10, 20)).toBe(11);
    expect(bm.setRange(15, 25)).toBe(5);
    expect(bm.clearRange(0, 12)).toBe(3);
    expect(bm.count()).toBe(13);
  });

  test("rejects invalid slots and bitmaps", () => {
    const bm = new SlotBitmap();
    for (const s of [-1, 16384, 1.5, Number.NaN]) {
      expect(() => bm.set(s)).toThrow(RangeError);
      expect(() => bm.test(s)).toThrow(RangeError);
      expect(() => bm.clear(s)).toThrow(RangeError);
    }
    expect(() => bm.setRange(5, 4)).toThrow(RangeError);
    expect(() => SlotBitmap.fromBytes(new Uint8Array(2047))).toThrow(RangeError);
  });

  test.prop([fc.array(op, { maxLength: 60 })])("behaves like a Set<number>", (ops) => {
    const bm = new SlotBitmap();
    const model = new Set<number>();
    for (const o of ops) {
      if (o.kind === "set") expect(bm.set(o.slot)).toBe(!model.has(o.slot) && !!model.add(o.slot));
      else if (o.kind === "clear") expect(bm.clear(o.slot)).toBe(model.delete(o.slot));
      else {
        const end = Math.min(16383, o.a + o.len);
        let changed = 0;
        for (let s = o.a; s <= end; s++) {
          if (o.kind === "setRange" ? !model.has(s) : model.has(s)) changed++;
          if (o.kind === "setRange") model.add(s);
          else model.delete(s);
        }
        expect(o.kind === "setRange" ? bm.setRange(o.a, end) : bm.clearRange(o.a, end)).toBe(
          changed,
        );
      }
      expect(bm.count()).toBe(model.size);
    }
    const sorted = [...model].sort((a, b) => a - b);
    expect([...bm.slots()]).toEqual(sorted);
    expect(bm.toString()).toBe(runsOf(sorted));
    expect(formatSlotRanges(bm.ranges())).toBe(runsOf(sorted));
    for (const s of [0, 1, 8191, 16383, ...sorted.slice(0, 5)])
      expect(bm.test(s)).toBe(model.has(s));
    // Byte form, string form and clone all round-trip.
    const back = SlotBitmap.fromBytes(bm.toBytes());
    expect(back.equals(bm)).toBe(true);
    expect(back.count()).toBe(model.size);
    expect(SlotBitmap.parse(bm.toString()).equals(bm)).toBe(true);
    expect(SlotBitmap.fromRanges(bm.ranges()).equals(bm)).toBe(true);
    // A clone is independent: changing it leaves the original alone.
    const copy = bm.clone();
    expect(copy.equals(bm)).toBe(true);
    if (copy.test(12345)) copy.clear(12345);
    else copy.set(12345);
    expect(copy.equals(bm)).toBe(false);
    expect(bm.test(12345)).toBe(model.has(12345));
  });

  test.prop([fc.uint8Array({ minLength: 2048, maxLength: 2048 })])(
    "fromBytes counts bits and writeTo copies them back",
    (bytes) => {
      const bm = SlotBitmap.fromBytes(bytes);
      let bits = 0;
      for (const b of bytes) for (let k = 0; k < 8; k++) bits += (b >> k) & 1;
      expect(bm.count()).toBe(bits);
      const frame = new Uint8Array(2048 + 80);
      bm.writeTo(frame, 80);
      expect(Buffer.from(frame.subarray(80)).equals(bytes)).toBe(true);
      expect([...bm.slots()].length).toBe(bits);
    },
  );
});

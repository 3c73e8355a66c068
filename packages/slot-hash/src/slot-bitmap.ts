// The set of slots a node serves, as the 16384-bit bitmap Redis keeps in clusterNode.slots and
// sends in every bus header (myslots). Mirrors bitmapTestBit/bitmapSetBit/bitmapClearBit in
// src/cluster.c (Redis 7.0; cluster_legacy.c from 7.2 on): slot s is bit (s & 7) of byte (s >> 3), least significant
// bit first, so toBytes() is byte-for-byte the 2048-byte field of a Redis bus header.
import { CLUSTER_SLOTS } from "./key-slot.js";
import { formatSlotRanges, parseSlotRanges, type SlotRange } from "./slot-ranges.js";

/** Size in bytes of a slot bitmap (16384 / 8). */
export const SLOT_BITMAP_BYTES = CLUSTER_SLOTS / 8;

// Bits set in each byte value, for O(1)-per-byte counting when whole bytes change at once.
const POPCOUNT = new Uint8Array(256);
for (let v = 1; v < 256; v++) POPCOUNT[v] = (v & 1) + POPCOUNT[v >> 1]!;

function checkSlot(slot: number): void {
  // One comparison chain instead of Number.isInteger: this guards every lookup on a hot path.
  if (!(slot >= 0 && slot < CLUSTER_SLOTS && (slot | 0) === slot))
    throw new RangeError(`invalid slot ${slot}: expected an integer 0-16383`);
}

function checkRange(start: number, end: number): void {
  checkSlot(start);
  checkSlot(end);
  if (end < start) throw new RangeError(`slot range ${start}-${end} ends before it starts`);
}

/** A mutable set of slots with an O(1) count, in Redis's wire layout. */
export class SlotBitmap {
  readonly #bits = new Uint8Array(SLOT_BITMAP_BYTES);
  // Maintained on every change so count() never scans 2048 bytes.
  #count = 0;

  /** A bitmap with the slots of `ranges` set. */
  static fromRanges(ranges: Iterable<SlotRange>): SlotBitmap {
    const bm = new SlotBitmap();
    for (const r of ranges) bm.setRange(r.start, r.end);
    return bm;
  }

  /** Parses CLUSTER NODES style slots, e.g. "0-5460 5461 5462-10922". */
  static parse(text: string): SlotBitmap {
    return SlotBitmap.fromRanges(parseSlotRanges(text));
  }

  /** Copies a 2048-byte bitmap in Redis's layout (e.g. myslots of a bus header). */
  static fromBytes(bytes: Uint8Array): SlotBitmap {
    if (bytes.length !== SLOT_BITMAP_BYTES)
      throw new RangeError(`slot bitmap must be ${SLOT_BITMAP_BYTES} bytes, got ${bytes.length}`);
    const bm = new SlotBitmap();
    bm.#bits.set(bytes);
    let n = 0;
    for (let i = 0; i < SLOT_BITMAP_BYTES; i++) n += POPCOUNT[bytes[i]!]!;
    bm.#count = n;
    return bm;
  }

  /** A copy of the 2048 bytes in Redis's layout. */
  toBytes(): Uint8Array {
    return this.#bits.slice();
  }

  /** Writes the 2048 bytes into `target` at `offset`, for building a frame without a copy. */
  writeTo(target: Uint8Array, offset = 0): void {
    target.set(this.#bits, offset);
  }

  /** Whether `slot` is set. */
  test(slot: number): boolean {
    checkSlot(slot);
    return (this.#bits[slot >> 3]! & (1 << (slot & 7))) !== 0;
  }

  /** Sets `slot`; returns true if it was not set before. */
  set(slot: number): boolean {
    checkSlot(slot);
    const i = slot >> 3;
    const bit = 1 << (slot & 7);
    const b = this.#bits[i]!;
    if (b & bit) return false;
    this.#bits[i] = b | bit;
    this.#count++;
    return true;
  }

  /** Clears `slot`; returns true if it was set before. */
  clear(slot: number): boolean {
    checkSlot(slot);
    const i = slot >> 3;
    const bit = 1 << (slot & 7);
    const b = this.#bits[i]!;
    if (!(b & bit)) return false;
    this.#bits[i] = b & ~bit;
    this.#count--;
    return true;
  }

  /** Sets every slot of `start..end` (inclusive); returns how many were newly set. */
  setRange(start: number, end: number): number {
    checkRange(start, end);
    return this.#applyRange(start, end, true);
  }

  /** Clears every slot of `start..end` (inclusive); returns how many were set before. */
  clearRange(start: number, end: number): number {
    checkRange(start, end);
    return this.#applyRange(start, end, false);
  }

  #applyRange(start: number, end: number, on: boolean): number {
    const bits = this.#bits;
    let changed = 0;
    let s = start;
    // Partial bytes at either end go bit by bit; whole bytes in between in one store each.
    while (s <= end && (s & 7) !== 0) changed += this.#flip(s++, on);
    for (; s + 7 <= end; s += 8) {
      const i = s >> 3;
      const before = POPCOUNT[bits[i]!]!;
      bits[i] = on ? 0xff : 0;
      changed += on ? 8 - before : before;
    }
    while (s <= end) changed += this.#flip(s++, on);
    this.#count += on ? changed : -changed;
    return changed;
  }

  // Sets or clears one slot without touching the count; returns 1 if the bit changed.
  #flip(slot: number, on: boolean): number {
    const i = slot >> 3;
    const bit = 1 << (slot & 7);
    const b = this.#bits[i]!;
    if (((b & bit) !== 0) === on) return 0;
    this.#bits[i] = on ? b | bit : b & ~bit;
    return 1;
  }

  /** Clears every slot. */
  clearAll(): void {
    this.#bits.fill(0);
    this.#count = 0;
  }

  /** Number of slots set, in O(1). */
  count(): number {
    return this.#count;
  }

  /** Maximal runs of set slots in ascending order, as CLUSTER NODES prints them. */
  *ranges(): Generator<SlotRange> {
    const bits = this.#bits;
    let runStart = -1;
    for (let i = 0; i < SLOT_BITMAP_BYTES; i++) {
      const b = bits[i]!;
      // Whole bytes that continue the current state need no per-bit work.
      if (b === 0 && runStart < 0) continue;
      if (b === 0xff && runStart >= 0) continue;
      for (let k = 0; k < 8; k++) {
        const slot = (i << 3) | k;
        if (b & (1 << k)) {
          if (runStart < 0) runStart = slot;
        } else if (runStart >= 0) {
          yield { start: runStart, end: slot - 1 };
          runStart = -1;
        }
      }
    }
    if (runStart >= 0) yield { start: runStart, end: CLUSTER_SLOTS - 1 };
  }

  /** Every set slot in ascending order. */
  *slots(): Generator<number> {
    const bits = this.#bits;
    for (let i = 0; i < SLOT_BITMAP_BYTES; i++) {
      const b = bits[i]!;
      if (b === 0) continue;
      for (let k = 0; k < 8; k++) if (b & (1 << k)) yield (i << 3) | k;
    }
  }

  /** Whether both bitmaps hold exactly the same slots. */
  equals(other: SlotBitmap): boolean {
    if (this.#count !== other.#count) return false;
    const a = this.#bits;
    const b = other.#bits;
    for (let i = 0; i < SLOT_BITMAP_BYTES; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** An independent copy. */
  clone(): SlotBitmap {
    const bm = new SlotBitmap();
    bm.#bits.set(this.#bits);
    bm.#count = this.#count;
    return bm;
  }

  /** CLUSTER NODES style: "0-5460 5461 5462-10922" ("" when empty). */
  toString(): string {
    return formatSlotRanges(this.ranges());
  }
}

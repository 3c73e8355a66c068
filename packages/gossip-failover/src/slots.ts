// Slot helpers used by the state machine: bitmap bit tests (bit order of Redis's bitmapTestBit:
// byte s/8, bit s%8) and conversion between bitmaps and inclusive ranges. Kept local and tiny
// until @shoal/slot-hash ships its bitmap class; the wire form is ranges (cluster-bus).

export const CLUSTER_SLOTS = 16384;
export const SLOT_BITMAP_BYTES = CLUSTER_SLOTS / 8;

export function testSlot(bitmap: Uint8Array, slot: number): boolean {
  return (bitmap[slot >> 3]! & (1 << (slot & 7))) !== 0;
}
export function setSlot(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3]! |= 1 << (slot & 7);
}
export function clearSlot(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3]! &= ~(1 << (slot & 7));
}

/** Maximal runs of set bits as a flat [start, end, ...] list. */
export function bitmapToRanges(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  let start = -1;
  for (let byte = 0; byte < SLOT_BITMAP_BYTES; byte++) {
    const b = bitmap[byte]!;
    if (b === 0) {
      if (start >= 0) {
        out.push(start, byte * 8 - 1);
        start = -1;
      }
      continue;
    }
    if (b === 0xff) {
      if (start < 0) start = byte * 8;
      continue;
    }
    for (let bit = 0; bit < 8; bit++) {
      const slot = byte * 8 + bit;
      if (b & (1 << bit)) {
        if (start < 0) start = slot;
      } else if (start >= 0) {
        out.push(start, slot - 1);
        start = -1;
      }
    }
  }
  if (start >= 0) out.push(start, CLUSTER_SLOTS - 1);
  return out;
}

/** "0-5460 5462" style tokens for CLUSTER NODES / nodes.conf. */
export function formatRanges(ranges: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    const s = ranges[i]!;
    const e = ranges[i + 1]!;
    out.push(s === e ? String(s) : `${s}-${e}`);
  }
  return out;
}

export function rangesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function countRanges(ranges: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < ranges.length; i += 2) n += ranges[i + 1]! - ranges[i]! + 1;
  return n;
}

// Slot helpers around @shoal/slot-hash's SlotBitmap: the flat [start, end, ...] range form the
// bus carries (cluster-bus SlotRanges) and the CLUSTER NODES tokens built from it.
import { CLUSTER_SLOTS, type SlotBitmap } from "@shoal/slot-hash";

export { CLUSTER_SLOTS };

/** Maximal runs of set slots as a flat [start, end, ...] list. */
export function bitmapToRanges(bitmap: SlotBitmap): number[] {
  const out: number[] = [];
  for (const r of bitmap.ranges()) out.push(r.start, r.end);
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

// Slot ranges as Redis prints and takes them: "0-5460 5461 5462-10922" in CLUSTER NODES lines,
// start/end pairs in CLUSTER SLOTS and CLUSTER ADDSLOTSRANGE. Mirrors the slot part of
// clusterGenNodeDescription() and getSlotOrReply() in src/cluster.c (Redis 7.0).
import { CLUSTER_SLOTS } from "./key-slot.js";

/** An inclusive range of slots, `start <= end`, as Redis writes `start-end`. */
export interface SlotRange {
  readonly start: number;
  readonly end: number;
}

/** True for an integer slot number 0..16383. */
export function isValidSlot(slot: number): boolean {
  return Number.isInteger(slot) && slot >= 0 && slot < CLUSTER_SLOTS;
}

/** Throws a RangeError unless `slot` is an integer 0..16383. */
export function assertValidSlot(slot: number): void {
  if (!isValidSlot(slot)) throw new RangeError(`invalid slot ${slot}: expected an integer 0-16383`);
}

const SLOT_TOKEN = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/**
 * Parses whitespace-separated slots and ranges ("0-5460 5461 5462-10922"), keeping their order.
 * Only plain slots and ranges are accepted: CLUSTER NODES also prints importing/migrating
 * entries such as "[93->-e7d1...]", which callers must drop before parsing, because they say
 * nothing about which slots the node serves.
 */
export function parseSlotRanges(text: string): SlotRange[] {
  const out: SlotRange[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === "") continue;
    const m = SLOT_TOKEN.exec(token);
    if (!m) throw new SyntaxError(`invalid slot range "${token}"`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (start >= CLUSTER_SLOTS || end >= CLUSTER_SLOTS)
      throw new RangeError(`slot out of range in "${token}": expected 0-16383`);
    if (end < start) throw new RangeError(`slot range "${token}" ends before it starts`);
    out.push({ start, end });
  }
  return out;
}

/** Formats ranges the way CLUSTER NODES does: "start-end", or just "slot" when start === end. */
export function formatSlotRanges(ranges: Iterable<SlotRange>): string {
  const parts: string[] = [];
  for (const r of ranges) parts.push(r.start === r.end ? String(r.start) : `${r.start}-${r.end}`);
  return parts.join(" ");
}

/** Sorts ranges and merges overlapping and adjacent ones ("0-5 6-9 3" -> "0-9"). */
export function normalizeSlotRanges(ranges: Iterable<SlotRange>): SlotRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end + 1) {
      if (r.end > last.end) last.end = r.end;
    } else {
      out.push({ start: r.start, end: r.end });
    }
  }
  return out;
}

/** Number of slots covered by `ranges`, each slot counted once even if ranges overlap. */
export function countSlots(ranges: Iterable<SlotRange>): number {
  let n = 0;
  for (const r of normalizeSlotRanges(ranges)) n += r.end - r.start + 1;
  return n;
}

/**
 * The 16384 slots split among `masters` as redis-cli --cluster create does
 * (clusterManagerCommandCreate): master i gets lround(cursor) .. lround(cursor + 16384/masters
 * - 1), the last master everything up to 16383, and no range ever empty.
 */
export function splitSlots(masters: number): SlotRange[] {
  if (!Number.isInteger(masters) || masters < 1 || masters > CLUSTER_SLOTS)
    throw new RangeError(`cannot split the slots among ${masters} masters`);
  const per = CLUSTER_SLOTS / masters;
  const out: SlotRange[] = [];
  let first = 0;
  let cursor = 0;
  for (let i = 0; i < masters; i++) {
    let last = Math.round(cursor + per - 1);
    if (last > CLUSTER_SLOTS - 1 || i === masters - 1) last = CLUSTER_SLOTS - 1;
    if (last < first) last = first;
    out.push({ start: first, end: last });
    first = last + 1;
    cursor += per;
  }
  return out;
}

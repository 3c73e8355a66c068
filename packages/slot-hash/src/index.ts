// @shoal/slot-hash: CRC16 (XMODEM) key -> hash slot for Redis Cluster, hash tags, slot ranges and
// bitmaps. Pure functions and one class; no runtime dependencies.
export { crc16 } from "./crc16.js";
export {
  CLUSTER_SLOTS,
  crc16Latin1,
  crc16Utf8,
  keySlot,
  keySlotBytes,
  keySlotLatin1,
  keySlotRange,
  keySlotString,
} from "./key-slot.js";
export { SLOT_BITMAP_BYTES, SlotBitmap } from "./slot-bitmap.js";
export {
  assertValidSlot,
  countSlots,
  formatSlotRanges,
  isValidSlot,
  normalizeSlotRanges,
  parseSlotRanges,
  type SlotRange,
  splitSlots,
} from "./slot-ranges.js";

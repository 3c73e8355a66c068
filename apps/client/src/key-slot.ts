// Slot of a command's keys, with @shoal/slot-hash doing the hashing (CRC16/XMODEM, hash tags).
import { keySlot } from "@shoal/slot-hash";
import { CrossSlotError } from "./errors.js";
import type { Arg } from "./wire.js";

export function slotOfArg(a: Arg): number {
  return keySlot(typeof a === "number" ? String(a) : a);
}

/**
 * The one slot every key of `argv` at `keyIdx` hashes to; -1 for a keyless command. Throws
 * CrossSlotError (Redis's own text) when the keys disagree and the caller cannot split them.
 */
export function commandSlot(argv: readonly Arg[], keyIdx: readonly number[]): number {
  if (keyIdx.length === 0) return -1;
  const slot = slotOfArg(argv[keyIdx[0]!]!);
  for (let i = 1; i < keyIdx.length; i++)
    if (slotOfArg(argv[keyIdx[i]!]!) !== slot)
      throw new CrossSlotError("CROSSSLOT Keys in request don't hash to the same slot");
  return slot;
}

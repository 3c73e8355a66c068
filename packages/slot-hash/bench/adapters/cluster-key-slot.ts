// The competitor: cluster-key-slot 1.1.2 (used by ioredis and node-redis), called the way a user
// would. It has no range form, so a slice of a read buffer is hashed through subarray().
import clusterKeySlot from "cluster-key-slot";

export function competitorStrings(keys: string[]): number {
  let sum = 0;
  for (let i = 0; i < keys.length; i++) sum += clusterKeySlot(keys[i]!);
  return sum;
}

export function competitorBuffers(keys: Buffer[]): number {
  let sum = 0;
  for (let i = 0; i < keys.length; i++) sum += clusterKeySlot(keys[i]!);
  return sum;
}

export function competitorRanges(arena: Buffer, bounds: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < bounds.length; i += 2)
    sum += clusterKeySlot(arena.subarray(bounds[i]!, bounds[i + 1]!));
  return sum;
}

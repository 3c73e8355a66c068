// Which set reads come out in an intset's (ascending) order on redis-server, so that the fuzzer
// compares them byte for byte instead of sorted: SMEMBERS/SSCAN of an intset, SINTER of intsets
// (Redis walks the smallest, ascending), SUNION/SDIFF whose result set (Redis builds it with
// createIntsetObject + setTypeAdd) stays an intset. Hashtable sets keep the "unordered" rule:
// their order is each implementation's dict order.

import type { Reply } from "./resp.js";

/** The set keys a single-command step reads, when its reply order can follow an intset's. */
export function intsetReadKeys(entry: string, cmd: readonly string[]): string[] {
  if (entry === "smembers" || entry === "sscan") return cmd.length >= 2 ? [cmd[1]!] : [];
  if (entry === "sinter" || entry === "sunion" || entry === "sdiff") return cmd.slice(1);
  return [];
}

/** The probe sent to both servers before the step: each key's TYPE, OBJECT ENCODING, SCARD. */
export function intsetProbe(keys: readonly string[]): string[][] {
  return [
    ["CONFIG", "GET", "set-max-intset-entries"],
    ...keys.flatMap((k) => [
      ["TYPE", k],
      ["OBJECT", "ENCODING", k],
      ["SCARD", k],
    ]),
  ];
}

/**
 * Whether redis-server's reply to the step is in ascending intset order, from its replies to
 * intsetProbe (`probe`) and to the step (`reply`). Every key read must be an intset or missing;
 * SUNION's result must fit in set-max-intset-entries, and SDIFF's first set too (algorithm 2
 * adds all of it before removing the others).
 */
export function intsetOrdered(
  entry: string,
  keys: readonly string[],
  probe: readonly Reply[],
  reply: Reply | undefined,
): boolean {
  if (keys.length === 0 || reply === undefined || reply.t === "-") return false;
  const cfg = probe[0]?.v;
  const limit = Array.isArray(cfg) ? Number(cfg[1]?.v) : Number.NaN;
  if (!Number.isFinite(limit)) return false;
  const cards: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const type = probe[1 + i * 3]?.v;
    const enc = probe[2 + i * 3]?.v;
    if (type === "none") cards.push(0);
    else if (type === "set" && enc === "intset") cards.push(Number(probe[3 + i * 3]?.v));
    else return false;
  }
  if (entry === "sunion") return Array.isArray(reply.v) && reply.v.length <= limit;
  if (entry === "sdiff") return (cards[0] ?? 0) <= limit;
  return true;
}

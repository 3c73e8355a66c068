// A small hash loaded from an RDB listpack (HASH_LISTPACK), held as that listpack until its first
// use, as Redis holds a listpack hash. Building the Map at load time (a field string and a Buffer
// per entry) was most of what a small hash cost to load, and most of what the load's scavenges
// copied; many loaded keys are never touched before the next save.
//
// It is a Map: every member of Map's API (get, set, has, delete, clear, size, forEach, keys,
// values, entries, iteration) expands the listpack into the Map first, so no reader can see the
// difference, and `instanceof Map` (the hash type test) holds. Only three places read the
// listpack itself, each giving what the expanded Map would give: the RDB writer (which re-encodes
// the entries from it, see writer.ts), the memory accounting's sample (`sample`, or
// listpackElementLengths) and `size`.
import type { NodeBuffer } from "@shoal/resp-codec";
import { readListpack } from "../rdb/listpack.js";
import type { ListElement } from "../value.js";
import { elementFromBytes } from "./list.js";

// Listpack element sinks filling a hash: fields as latin1 strings, values as list elements are
// (latin1 strings when short, owned Buffers beyond: types/list.ts).
// Module-level, so no closure is made per value (the RDB reader fills eager hashes with them).
let hashOut: Map<string, ListElement> = new Map();
let hashField: string | null = null;
let hashEntries = 0;

/** Starts filling `m` through hashStr/hashInt; hashFillEntries() counts the elements seen. */
export function startHashFill(m: Map<string, ListElement>): void {
  hashOut = m;
  hashField = null;
  hashEntries = 0;
}

export const hashFillEntries = (): number => hashEntries;

export const hashStr = (b: Uint8Array, s: number, e: number): void => {
  hashEntries++;
  if (hashField === null) hashField = (b as NodeBuffer).latin1Slice(s, e);
  else {
    hashOut.set(hashField, elementFromBytes(b, s, e));
    hashField = null;
  }
};

export const hashInt = (v: number | bigint): void => {
  hashEntries++;
  if (hashField === null) hashField = String(v);
  else {
    hashOut.set(hashField, String(v)); // at most 20 digits: always the string shape
    hashField = null;
  }
};

const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, "size")?.get as (
  this: Map<unknown, unknown>,
) => number;

export class PackedHash extends Map<string, ListElement> {
  /** The listpack (one char per byte) until the first use expands it into the Map, then null. */
  packed: string | null;
  /** Field count of the listpack. */
  private readonly fields: number;
  /** memory.ts's sample of the first MEMORY_SAMPLES entries (field and value bytes), as read. */
  readonly sample: number;

  /**
   * `packed`: a validated listpack of `fields` distinct fields (the RDB reader checks both);
   * `sample`: the accounting's sample of its first entries, summed by the reader's walk.
   */
  constructor(packed: string, fields: number, sample: number) {
    super();
    this.packed = packed;
    this.fields = fields;
    this.sample = sample;
  }

  private expand(): void {
    const lp = Buffer.from(this.packed as string, "latin1");
    this.packed = null;
    startHashFill(this);
    readListpack(lp, 0, lp.length, hashStr, hashInt);
  }

  override get size(): number {
    return this.packed === null ? mapSize.call(this) : this.fields;
  }

  override get(k: string): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.get(k);
  }

  override has(k: string): boolean {
    if (this.packed !== null) this.expand();
    return super.has(k);
  }

  override set(k: string, v: ListElement): this {
    if (this.packed !== null) this.expand();
    return super.set(k, v);
  }

  override delete(k: string): boolean {
    if (this.packed !== null) this.expand();
    return super.delete(k);
  }

  override clear(): void {
    this.packed = null;
    super.clear();
  }

  override forEach(
    fn: (v: ListElement, k: string, m: Map<string, ListElement>) => void,
    thisArg?: unknown,
  ): void {
    if (this.packed !== null) this.expand();
    super.forEach(fn, thisArg);
  }

  override keys(): MapIterator<string> {
    if (this.packed !== null) this.expand();
    return super.keys();
  }

  override values(): MapIterator<ListElement> {
    if (this.packed !== null) this.expand();
    return super.values();
  }

  override entries(): MapIterator<[string, ListElement]> {
    if (this.packed !== null) this.expand();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, ListElement]> {
    if (this.packed !== null) this.expand();
    return super[Symbol.iterator]();
  }
}

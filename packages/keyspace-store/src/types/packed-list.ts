// A small list loaded from an RDB quicklist of one listpack node, held as that listpack until its
// first use, as Redis holds a quicklist node (the list twin of packed-hash.ts). Building the
// Denque at load time (an element per entry) was most of what a small list cost to load.
//
// It is a Denque: every public member of Denque's API expands the listpack into the deque first,
// so no reader can see the difference, and `instanceof Denque` (the list type test) holds. Only
// three places read the listpack itself, each giving what the expanded deque would give: the RDB
// writer (which re-encodes the elements from it, see writer.ts), the memory accounting's sample
// (`sample`, or listpackElementLengths) and the length.
import Denque from "denque";
import { readListpack } from "../rdb/listpack.js";
import type { ListElement } from "../value.js";
import { elementFromBytes } from "./list.js";

let listOut: Denque<ListElement> = new Denque();
const pushStr = (b: Uint8Array, s: number, e: number): void => {
  listOut.push(elementFromBytes(b, s, e));
};
const pushInt = (v: number | bigint): void => {
  listOut.push(String(v)); // at most 20 digits: always the string shape
};

const dequeLength = Object.getOwnPropertyDescriptor(Denque.prototype, "length")?.get as (
  this: Denque<ListElement>,
) => number;

const dequePeek = (
  Denque.prototype as unknown as { peek(this: Denque<ListElement>): ListElement | undefined }
).peek;

export class PackedList extends Denque<ListElement> {
  /** The listpack (one char per byte) until the first use expands it into the deque, then null. */
  packed: string | null;
  /** Element count of the listpack. */
  private readonly count: number;
  /** memory.ts's sample of the first MEMORY_SAMPLES elements, as the reader summed it. */
  readonly sample: number;

  /** `packed`: a validated listpack of `count` elements; `sample`: the accounting's sample. */
  constructor(packed: string, count: number, sample: number) {
    super();
    this.packed = packed;
    this.count = count;
    this.sample = sample;
  }

  private expand(): void {
    const lp = Buffer.from(this.packed as string, "latin1");
    this.packed = null;
    listOut = this;
    readListpack(lp, 0, lp.length, pushStr, pushInt);
  }

  // @ts-expect-error denque's typings declare length a property; it is an accessor on its prototype.
  override get length(): number {
    return this.packed === null ? dequeLength.call(this) : this.count;
  }

  override size(): number {
    return this.packed === null ? super.size() : this.count;
  }

  override isEmpty(): boolean {
    return this.packed === null ? super.isEmpty() : this.count === 0;
  }

  override peekAt(i: number): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.peekAt(i);
  }

  override get(i: number): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.get(i);
  }

  /** denque's peek (peekFront's body, missing from its typings). */
  peek(): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return dequePeek.call(this);
  }

  override peekFront(): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.peekFront();
  }

  override peekBack(): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.peekBack();
  }

  override push(x: ListElement): number {
    if (this.packed !== null) this.expand();
    return super.push(x);
  }

  override unshift(x: ListElement): number {
    if (this.packed !== null) this.expand();
    return super.unshift(x);
  }

  override pop(): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.pop();
  }

  override shift(): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.shift();
  }

  override remove(i: number, count: number): ListElement[] {
    if (this.packed !== null) this.expand();
    return super.remove(i, count);
  }

  override removeOne(i: number): ListElement | undefined {
    if (this.packed !== null) this.expand();
    return super.removeOne(i);
  }

  override splice(i: number, count: number, ...items: ListElement[]): ListElement[] | undefined {
    if (this.packed !== null) this.expand();
    return super.splice(i, count, ...items);
  }

  override clear(): void {
    this.packed = null;
    super.clear();
  }

  override toArray(): ListElement[] {
    if (this.packed !== null) this.expand();
    return super.toArray();
  }
}

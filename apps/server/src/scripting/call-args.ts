// The arguments of one redis.call, as the command sees them: one Buffer copied out of the Lua
// engine's memory (the engine reuses that region for the next call) and the bounds of each
// argument in it. Keys and names are read straight from the copy (latin1Slice on a range), so a
// call makes no Buffer per argument unless a command asks for one.
import type { CommandArgs, NodeBuffer } from "@shoal/resp-codec";

export class CallArgs implements CommandArgs {
  readonly argc: number;
  /** `bounds[2i]` is where argument i starts in `buf`, `bounds[2i + 1]` its length. */
  constructor(
    private readonly buf: Buffer,
    private readonly bounds: Uint32Array,
  ) {
    this.argc = bounds.length >>> 1;
  }

  len(i: number): number {
    return this.bounds[2 * i + 1]!;
  }

  view(i: number): Buffer {
    const s = this.bounds[2 * i]!;
    return this.buf.subarray(s, s + this.bounds[2 * i + 1]!);
  }

  copy(i: number): Buffer {
    return Buffer.from(this.view(i));
  }

  latin1(i: number): string {
    const s = this.bounds[2 * i]!;
    return (this.buf as NodeBuffer).latin1Slice(s, s + this.bounds[2 * i + 1]!);
  }

  utf8(i: number): string {
    const s = this.bounds[2 * i]!;
    return (this.buf as NodeBuffer).utf8Slice(s, s + this.bounds[2 * i + 1]!);
  }

  is(i: number, lower: string): boolean {
    if (this.bounds[2 * i + 1] !== lower.length) return false;
    const b = this.buf;
    const s = this.bounds[2 * i]!;
    for (let k = 0; k < lower.length; k++) {
      let c = b[s + k]!;
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== lower.charCodeAt(k)) return false;
    }
    return true;
  }
}

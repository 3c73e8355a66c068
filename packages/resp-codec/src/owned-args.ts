// A CommandArgs over owned Buffers: what outlives the read buffer (a MULTI queue, a blocked or
// paused client's command, AOF replay, commands a test builds by hand).
import type { CommandArgs } from "./contracts.js";
import { latin1String } from "./latin1-string.js";
import type { NodeBuffer } from "./node-buffer.js";

export class OwnedArgs implements CommandArgs {
  readonly argc: number;
  constructor(readonly argv: Buffer[]) {
    this.argc = argv.length;
  }
  /** Copies every argument of a (possibly borrowed) view. */
  static from(args: CommandArgs): OwnedArgs {
    const out: Buffer[] = new Array(args.argc);
    for (let i = 0; i < args.argc; i++) out[i] = args.copy(i);
    return new OwnedArgs(out);
  }
  /** Arguments given as UTF-8 strings. */
  static of(...words: string[]): OwnedArgs {
    return new OwnedArgs(words.map((w) => Buffer.from(w)));
  }
  len(i: number): number {
    return this.argv[i]!.length;
  }
  view(i: number): Buffer {
    return this.argv[i]!;
  }
  copy(i: number): Buffer {
    return Buffer.from(this.argv[i]!);
  }
  latin1(i: number): string {
    const b = this.argv[i]!;
    return latin1String(b, 0, b.length);
  }
  utf8(i: number): string {
    return (this.argv[i] as NodeBuffer).utf8Slice();
  }
  is(i: number, lower: string): boolean {
    const b = this.argv[i]!;
    if (b.length !== lower.length) return false;
    for (let k = 0; k < lower.length; k++) {
      let c = b[k]!;
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== lower.charCodeAt(k)) return false;
    }
    return true;
  }
}

// The arguments of one redis.call, as the command sees them: a view of the region of the Lua
// engine's memory the shim wrote them to, and the bounds it wrote beside them. No copy is taken:
// CommandArgs' views are only valid until the next command (commands copy() what they keep, as
// they must for the network decoder's), and the engine writes that region again only for the
// next redis.call. One object serves every call of an engine, pointed at the region anew.
import { type CommandArgs, latin1String, type NodeBuffer } from "@shoal/resp-codec";

const NO_BYTES = Buffer.alloc(0) as NodeBuffer;
const NO_BOUNDS = new Uint32Array(0);

export class CallArgs implements CommandArgs {
  argc = 0;
  /** The engine's memory; `base` is where the arguments start in it. */
  private mem: NodeBuffer = NO_BYTES;
  private base = 0;
  /** The engine's memory as 32-bit words: argument i starts at `bounds[at + 2i]` past `base`. */
  private bounds: Uint32Array = NO_BOUNDS;
  private at = 0;

  /**
   * Points the view at `argc` arguments the engine laid out. The memory views are passed each
   * time: the engine's memory may have grown (and its old views emptied) since the last call.
   */
  point(mem: Buffer, base: number, bounds: Uint32Array, at: number, argc: number): this {
    this.mem = mem as NodeBuffer;
    this.base = base;
    this.bounds = bounds;
    this.at = at;
    this.argc = argc;
    return this;
  }

  len(i: number): number {
    return this.bounds[this.at + 2 * i + 1]!;
  }

  view(i: number): Buffer {
    const s = this.base + this.bounds[this.at + 2 * i]!;
    return this.mem.subarray(s, s + this.bounds[this.at + 2 * i + 1]!);
  }

  copy(i: number): Buffer {
    // Copied out of the memory directly: no view made first (Buffer.from(view) makes one), and
    // small values by hand, as the network decoder's copy(): no native call.
    const s = this.base + this.bounds[this.at + 2 * i]!;
    const n = this.bounds[this.at + 2 * i + 1]!;
    const out = Buffer.allocUnsafe(n);
    const mem = this.mem;
    if (n <= 16) for (let k = 0; k < n; k++) out[k] = mem[s + k]!;
    else mem.copy(out, 0, s, s + n);
    return out;
  }

  latin1(i: number): string {
    // Short ones (keys, hash fields, stream fields) built in V8 rather than by latin1Slice's
    // call into C++ (latin1Slice was 7% of the server's busy time in a BullMQ Queue.add profile).
    const s = this.base + this.bounds[this.at + 2 * i]!;
    return latin1String(this.mem, s, s + this.bounds[this.at + 2 * i + 1]!);
  }

  utf8(i: number): string {
    const s = this.base + this.bounds[this.at + 2 * i]!;
    return this.mem.utf8Slice(s, s + this.bounds[this.at + 2 * i + 1]!);
  }

  is(i: number, lower: string): boolean {
    if (this.bounds[this.at + 2 * i + 1] !== lower.length) return false;
    const b = this.mem;
    const s = this.base + this.bounds[this.at + 2 * i]!;
    for (let k = 0; k < lower.length; k++) {
      let c = b[s + k]!;
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== lower.charCodeAt(k)) return false;
    }
    return true;
  }
}

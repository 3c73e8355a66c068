// Node's Buffer has fast latin1/utf8 slice and write methods (what Buffer.prototype.toString and
// write() dispatch to), present on every Buffer at run time but absent from @types/node. The hot
// paths call them directly to skip that encoding dispatch. This is a local type, never a global
// augmentation: view a Buffer through it with `buf as NodeBuffer` (a cast, no run-time cost), and
// no consumer's `Buffer` type changes.

/** A Buffer seen with Node's native latin1/utf8 slice and write methods. */
export interface NodeBuffer extends Buffer {
  latin1Slice(start?: number, end?: number): string;
  utf8Slice(start?: number, end?: number): string;
  latin1Write(s: string, offset?: number, length?: number): number;
  utf8Write(s: string, offset?: number, length?: number): number;
}

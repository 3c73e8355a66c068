// Short latin1 strings from bytes without a native call. Keys, hash fields and small values
// become one-byte JS strings (one char per byte) on every command; Buffer's latin1Slice costs a
// call into C++ of about 75 ns whatever the length, where String.fromCharCode with the bytes as
// its arguments builds the same flat one-byte string inside V8 in 20-50 ns up to 24 bytes
// (interleaved runs of 2M strings on Node 20). Past SHORT_LATIN1 the native copy wins.
import type { NodeBuffer } from "./node-buffer.js";

/** Longest string built from call arguments; longer ones go through latin1Slice. */
export const SHORT_LATIN1 = 24;

type Build = (b: Uint8Array, s: number) => string;

/**
 * BUILD[n](b, s) = String.fromCharCode(b[s], ..., b[s + n - 1]): one function per length with
 * its arguments spelled out (an apply() over an array of the bytes costs more than the native
 * slice). Generated once at load, since 24 hand-written cases say nothing more.
 */
const BUILD: readonly Build[] = Array.from({ length: SHORT_LATIN1 + 1 }, (_, n) => {
  const args = Array.from({ length: n }, (_, k) => `b[s + ${k}]`).join(", ");
  return new Function("b", "s", `return String.fromCharCode(${args});`) as Build;
});

/** Bytes `start` to `end` of `b` as a latin1 string (each byte one char, 0-255). */
export function latin1String(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  return n <= SHORT_LATIN1 ? BUILD[n]!(b, start) : (b as NodeBuffer).latin1Slice(start, end);
}

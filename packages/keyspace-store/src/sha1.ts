// SHA-1 in JS for DEBUG DIGEST's many short inputs (a key name, a 4-byte type id, a 20-byte
// digest, a set member...: several per key). Node's hashes cross into OpenSSL per call, whose
// fixed cost dwarfs hashing 20 bytes: a one-shot crypto.hash took ~14 us and createHash ~34 us a
// call on the busy 2-core box, where this takes well under 1 us. Long inputs go to OpenSSL.
import { createHash } from "node:crypto";

/** Inputs from this length up are hashed by OpenSSL (its per-call cost is then paid back). */
const NATIVE_FROM = 1024;

const W = new Int32Array(80);
const H = new Int32Array(5);
const pad = new Uint8Array(128);

/** One 64-byte block of `b` at `off` into the state H. */
function compress(b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (b[j]! << 24) | (b[j + 1]! << 16) | (b[j + 2]! << 8) | b[j + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = H[0]!;
  let bb = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (bb & c) | (~bb & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = bb ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (bb & c) | (bb & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = bb ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = t;
  }
  H[0] = H[0]! + a;
  H[1] = H[1]! + bb;
  H[2] = H[2]! + c;
  H[3] = H[3]! + d;
  H[4] = H[4]! + e;
}

/**
 * SHA-1 of `data[start, end)` written as 20 bytes at `out[at]`. `out` may overlap the input (the
 * input is read whole before the digest is written).
 */
export function sha1Into(
  data: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at = 0,
): void {
  const len = end - start;
  if (len >= NATIVE_FROM) {
    out.set(createHash("sha1").update(data.subarray(start, end)).digest(), at);
    return;
  }
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  let p = start;
  for (const full = start + (len & ~63); p < full; p += 64) compress(data, p);
  // The tail: the bytes left, 0x80, zeros, and the length in bits as a big-endian uint64.
  const r = end - p;
  const tail = r + 9 <= 64 ? 64 : 128;
  pad.fill(0, 0, tail);
  for (let i = 0; i < r; i++) pad[i] = data[p + i]!;
  pad[r] = 0x80;
  const hi = Math.floor(len / 0x20000000);
  const lo = (len * 8) >>> 0;
  pad[tail - 8] = hi >>> 24;
  pad[tail - 7] = hi >>> 16;
  pad[tail - 6] = hi >>> 8;
  pad[tail - 5] = hi;
  pad[tail - 4] = lo >>> 24;
  pad[tail - 3] = lo >>> 16;
  pad[tail - 2] = lo >>> 8;
  pad[tail - 1] = lo;
  compress(pad, 0);
  if (tail === 128) compress(pad, 64);
  for (let i = 0; i < 5; i++) {
    const h = H[i]!;
    out[at + i * 4] = h >>> 24;
    out[at + i * 4 + 1] = h >>> 16;
    out[at + i * 4 + 2] = h >>> 8;
    out[at + i * 4 + 3] = h;
  }
}

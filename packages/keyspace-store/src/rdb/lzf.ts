// LZF as Redis builds it (liblzf 3.6's lzf_c.c / lzf_d.c with lzfP.h's settings: HLOG 16, VERY_FAST, no
// ULTRA_FAST), so a compressed string in an RDB file or DUMP payload is byte-for-byte the one
// redis-server writes for the same input. Format:
//   000LLLLL <L+1 literal bytes>          literal run
//   LLLooooo oooooooo                     back reference of L+2 bytes at distance o+1 (L < 7)
//   111ooooo LLLLLLLL oooooooo            back reference of L+9 bytes
// One difference: Redis leaves the hash table uninitialised (INIT_HTAB 0), so a stale slot from an
// earlier call may, rarely, offer a match this table does not; both outputs decompress the same.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** Slot -> input position + 1 (0 = empty), stamped by `gen` so it need not be cleared per call. */
const htab = new Int32Array(HSIZE);
const hgen = new Uint32Array(HSIZE);
let gen = 0;

const idx = (h: number): number => ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);

/**
 * lzf_compress(in[start, end), out, outLen): the compressed length written at `out[0..]`, or 0
 * when the result would not fit in `outLen` bytes (Redis then stores the string uncompressed).
 */
export function lzfCompress(
  inp: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outLen: number,
): number {
  const inLen = end - start;
  if (inLen === 0 || outLen === 0) return 0;
  if (++gen === 0xffffffff) {
    hgen.fill(0);
    gen = 1;
  }
  let ip = start;
  let op = 0;
  const outEnd = outLen;
  let lit = 0;
  op++; // start run
  let hval = (inp[ip]! << 8) | inp[ip + 1]!;
  while (ip < end - 2) {
    hval = (hval << 8) | inp[ip + 2]!;
    const slot = idx(hval);
    const ref = hgen[slot] === gen ? htab[slot]! : -1;
    htab[slot] = ip;
    hgen[slot] = gen;
    const off = ip - ref - 1;
    // liblzf 3.6, as Redis 7.0 has it: no "ip + 4 < in_end" test (3.5 had one), so a match may
    // start 3 bytes from the end; pinned against redis-server's output.
    if (
      ref > start &&
      off < MAX_OFF &&
      inp[ref] === inp[ip] &&
      inp[ref + 1] === inp[ip + 1] &&
      inp[ref + 2] === inp[ip + 2]
    ) {
      let len = 2;
      let maxlen = end - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      out[op - lit - 1] = lit - 1; // stop run
      if (lit === 0) op--; // undo run if length is zero
      // lzf_c.c compares 16 bytes unrolled first when maxlen > 16, without checking maxlen, so
      // a match may run up to 2 bytes past it (to the end of the input): Redis's output has it.
      let mismatch = false;
      if (maxlen > 16)
        for (let k = 0; k < 16; k++) {
          len++;
          if (inp[ref + len] !== inp[ip + len]) {
            mismatch = true;
            break;
          }
        }
      if (!mismatch)
        do len++;
        while (len < maxlen && inp[ref + len] === inp[ip + len]);
      len -= 2; // now #octets - 1
      ip++;
      if (len < 7) out[op++] = (off >>> 8) + (len << 5);
      else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= end - 2) break;
      // VERY_FAST: hash the last two positions of the match.
      ip -= 2;
      hval = (inp[ip]! << 8) | inp[ip + 1]!;
      hval = (hval << 8) | inp[ip + 2]!;
      let s = idx(hval);
      htab[s] = ip;
      hgen[s] = gen;
      ip++;
      hval = (hval << 8) | inp[ip + 2]!;
      s = idx(hval);
      htab[s] = ip;
      hgen[s] = gen;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = inp[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < end) {
    lit++;
    out[op++] = inp[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1; // end run
  if (lit === 0) op--;
  return op;
}

/**
 * lzf_decompress into exactly `outLen` bytes; null when the input is corrupt or does not produce
 * exactly `outLen` bytes (Redis: "Invalid LZF compressed string").
 */
export function lzfDecompress(
  inp: Uint8Array,
  start: number,
  end: number,
  outLen: number,
): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  return lzfDecompressInto(inp, start, end, out, outLen) ? out : null;
}

/**
 * lzfDecompress into `out[0, outLen)` (`out` at least that long, e.g. a reused scratch buffer);
 * false when the input is corrupt or does not produce exactly `outLen` bytes.
 */
export function lzfDecompressInto(
  inp: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outLen: number,
): boolean {
  let ip = start;
  let op = 0;
  while (ip < end) {
    let ctrl = inp[ip++]!;
    if (ctrl < 1 << 5) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > end) return false;
      for (let k = 0; k < ctrl; k++) out[op++] = inp[ip++]!;
    } else {
      let len = ctrl >>> 5;
      if (len === 7) {
        if (ip >= end) return false;
        len += inp[ip++]!;
      }
      if (ip >= end) return false;
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - inp[ip++]!;
      len += 2;
      if (op + len > outLen || ref < 0) return false;
      for (let k = 0; k < len; k++) out[op++] = out[ref++]!;
    }
  }
  return op === outLen;
}

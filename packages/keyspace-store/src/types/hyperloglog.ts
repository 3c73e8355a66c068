// HyperLogLog as Redis 7.0 lays it out in a string value (hyperloglog.c), byte for byte, so that a
// GET, DUMP or RDB of an HLL key is what Redis would write and PFCOUNT estimates the same number.
//
// A 16-byte header: "HYLL", the encoding (0 dense, 1 sparse), three zero bytes, and the cached
// cardinality as a little-endian uint64 whose top bit set means "stale". Then 16384 registers
// (HLL_P = 14), each the longest run of trailing zeros + 1 seen among the hashes addressed to it
// (MurmurHash64A, seed 0xadc83b19: the low 14 bits pick the register, the other 50 the run):
// - dense: 6 bits per register, packed little-endian within bytes (12288 bytes);
// - sparse: run-length opcodes, used while they fit in hll-sparse-max-bytes and no register
//   exceeds 32: ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy (1..16384 zero
//   registers), VAL 1vvvvvxx (1..4 registers of value 1..32). A new HLL is two XZERO opcodes.
// Updates to the sparse form split and merge opcodes exactly as hllSparseSet does, since the
// bytes (not only the registers) must come out the same. The estimate is Ertl's improved
// estimator (hllCount in Redis 7: the register histogram through hllTau and hllSigma).
//
// The 64-bit hash is computed on 32-bit halves: PFADD hashes every element, and BigInt
// arithmetic would cost several times as much.

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
export const HLL_BITS = 6;
export const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
// HLL_ALPHA_INF, 0.5 / ln(2): the double nearest Redis's 0.721347520444481703680.
const ALPHA_INF = 0.7213475204444817;

// ---- MurmurHash64A ---------------------------------------------------------------------------

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
/** Result of mul64 (high and low 32 bits), kept in module state to spare an allocation. */
let mulHi = 0;
let mulLo = 0;

/** (ah:al) * (bh:bl) mod 2^64, into mulHi:mulLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  // The low word is Math.imul's; the high word of al * bl comes from 16-bit pieces, whose sums
  // stay exact in a double (below 2^34).
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a1 * b0 + a0 * b1 + ((a0 * b0) >>> 16);
  mulLo = Math.imul(al, bl) >>> 0;
  mulHi = (a1 * b1 + Math.floor(mid / 65536) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** Redis's MurmurHash64A of b[start, end) with `seed`, into mulHi:mulLo (hi, lo). */
export function murmurHash64A(b: Uint8Array, start: number, end: number, seed: number): void {
  const len = end - start;
  mul64(0, len, M_HI, M_LO);
  let hh = mulHi;
  let hl = (mulLo ^ seed) >>> 0;
  let p = start;
  const stop = start + (len - (len & 7));
  while (p !== stop) {
    let kl =
      ((b[p] as number) |
        ((b[p + 1] as number) << 8) |
        ((b[p + 2] as number) << 16) |
        ((b[p + 3] as number) << 24)) >>>
      0;
    let kh =
      ((b[p + 4] as number) |
        ((b[p + 5] as number) << 8) |
        ((b[p + 6] as number) << 16) |
        ((b[p + 7] as number) << 24)) >>>
      0;
    mul64(kh, kl, M_HI, M_LO);
    kh = mulHi;
    kl = mulLo;
    kl = (kl ^ (kh >>> 15)) >>> 0; // k ^= k >> 47
    mul64(kh, kl, M_HI, M_LO);
    hh = (hh ^ mulHi) >>> 0;
    hl = (hl ^ mulLo) >>> 0;
    mul64(hh, hl, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
    p += 8;
  }
  const rest = len & 7;
  if (rest > 0) {
    if (rest >= 7) hh ^= (b[p + 6] as number) << 16;
    if (rest >= 6) hh ^= (b[p + 5] as number) << 8;
    if (rest >= 5) hh ^= b[p + 4] as number;
    if (rest >= 4) hl ^= (b[p + 3] as number) << 24;
    if (rest >= 3) hl ^= (b[p + 2] as number) << 16;
    if (rest >= 2) hl ^= (b[p + 1] as number) << 8;
    hl ^= b[p] as number;
    mul64(hh >>> 0, hl >>> 0, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
  }
  hl = (hl ^ (hh >>> 15)) >>> 0;
  mul64(hh, hl, M_HI, M_LO);
  hh = mulHi;
  hl = (mulLo ^ (mulHi >>> 15)) >>> 0;
  mulHi = hh;
  mulLo = hl;
}

/** The last murmurHash64A result as a bigint (tests). */
export function lastHash(): bigint {
  return (BigInt(mulHi) << 32n) | BigInt(mulLo);
}

/** Register index of the last hllPatLen call. */
let patIndex = 0;

/**
 * hllPatLen: hashes the element, sets patIndex to its register and returns the run length of
 * zeros (from bit 14 up) + 1, at most HLL_Q + 1.
 */
function patLen(ele: Uint8Array): number {
  murmurHash64A(ele, 0, ele.length, 0xadc83b19);
  patIndex = mulLo & (HLL_REGISTERS - 1);
  const low = mulLo >>> HLL_P; // hash bits 14..31
  if (low !== 0) return 31 - Math.clz32(low & -low) + 1;
  if (mulHi !== 0) return 32 - HLL_P + (31 - Math.clz32(mulHi & -mulHi)) + 1;
  return HLL_Q + 1;
}

// ---- Header ------------------------------------------------------------------------------------

/** isHLLObjectOrReply's checks on a string's bytes. */
export function isValidHll(b: Uint8Array): boolean {
  if (b.length < HLL_HDR_SIZE) return false;
  if (b[0] !== 0x48 || b[1] !== 0x59 || b[2] !== 0x4c || b[3] !== 0x4c) return false; // HYLL
  const enc = b[4] as number;
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || b.length === HLL_DENSE_SIZE;
}

/** createHLLObject: an empty sparse HLL (two XZERO opcodes), cached cardinality 0. */
export function createHll(): Uint8Array {
  const b = new Uint8Array(HLL_HDR_SIZE + 2);
  b.set([0x48, 0x59, 0x4c, 0x4c, HLL_SPARSE]);
  b[16] = 0x40 | ((SPARSE_XZERO_MAX_LEN - 1) >> 8);
  b[17] = (SPARSE_XZERO_MAX_LEN - 1) & 0xff;
  return b;
}

/** The cached cardinality, or -1 when it is stale (HLL_VALID_CACHE). */
export function cachedCard(b: Uint8Array): number {
  if (((b[15] as number) & 0x80) !== 0) return -1;
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + (b[8 + i] as number);
  return n;
}

export function setCachedCard(b: Uint8Array, card: number): void {
  let n = card;
  for (let i = 0; i < 8; i++) {
    b[8 + i] = n % 256;
    n = Math.floor(n / 256);
  }
}

/** HLL_INVALIDATE_CACHE. */
export function invalidateCache(b: Uint8Array): void {
  b[15] = (b[15] as number) | 0x80;
}

// ---- Dense registers ---------------------------------------------------------------------------

/** HLL_DENSE_GET_REGISTER on a whole dense string (registers start at the header's end). */
export function denseGet(b: Uint8Array, i: number): number {
  const bit = i * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < b.length ? (b[byte + 1] as number) : 0;
  return (((b[byte] as number) >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

/** HLL_DENSE_SET_REGISTER. */
export function denseSet(b: Uint8Array, i: number, v: number): void {
  const bit = i * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  b[byte] = ((b[byte] as number) & ~(HLL_REGISTER_MAX << fb)) | (v << fb);
  // The last register ends inside its byte: C writes zeros into the sds terminator here.
  if (byte + 1 < b.length)
    b[byte + 1] = ((b[byte + 1] as number) & ~(HLL_REGISTER_MAX >> (8 - fb))) | (v >> (8 - fb));
}

// ---- A value being updated -----------------------------------------------------------------------

/**
 * An HLL string being updated: `b` holds its `len` bytes (a sparse one with spare room for
 * opcodes that split). Commands build one from the stored value and store `bytes()` back.
 */
export class HllWork {
  constructor(
    public b: Uint8Array,
    public len: number,
  ) {}

  get dense(): boolean {
    return this.b[4] === HLL_DENSE;
  }

  bytes(): Uint8Array {
    return this.b.subarray(0, this.len);
  }

  /** hllAdd: 1 when a register grew, 0 when not, -1 for a corrupt sparse HLL. */
  add(ele: Uint8Array, sparseMaxBytes: number): number {
    const count = patLen(ele);
    const index = patIndex;
    if (this.dense) {
      if (count <= denseGet(this.b, index)) return 0;
      denseSet(this.b, index, count);
      return 1;
    }
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  /** The register at `index` raised to `count` when lower (hllDenseSet / hllSparseSet). */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.dense) {
      if (count <= denseGet(this.b, index)) return 0;
      denseSet(this.b, index, count);
      return 1;
    }
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  /** hllSparseToDense; false (and unchanged) when the sparse opcodes do not cover 16384 registers. */
  toDense(): boolean {
    if (this.dense) return true;
    const d = sparseToDense(this.bytes());
    if (d === null) return false;
    this.b = d;
    this.len = d.length;
    return true;
  }

  /** hllSparseSet, step for step (see the header comment). */
  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.room(3);
    const b = this.b;
    let end = this.len;
    // Step 1: the opcode covering `index`.
    let p = HLL_HDR_SIZE;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p] as number;
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 0x3) + 1;
      else {
        span = (((op & 0x3f) << 8) | (b[p + 1] as number)) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p] as number;
    const isXzero = (op & 0xc0) === 0x40;
    const isZero = (op & 0xc0) === 0;
    const isVal = !isXzero && !isZero;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = isZero
      ? (op & 0x3f) + 1
      : isXzero
        ? (((op & 0x3f) << 8) | (b[p + 1] as number)) + 1
        : (op & 0x3) + 1;
    let updated = false;
    if (isVal) {
      const old = ((op >> 2) & 0x1f) + 1;
      if (old >= count) return 0; // case A
      if (runlen === 1) {
        b[p] = valOp(count, 1); // case B
        updated = true;
      }
    }
    if (!updated && isZero && runlen === 1) {
      b[p] = valOp(count, 1); // case C
      updated = true;
    }
    if (!updated) {
      // Case D: split the opcode into up to three (XZERO VAL XZERO at worst).
      const seq: number[] = [];
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) pushZeros(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(seq, last - index);
      } else {
        const cur = ((op >> 2) & 0x1f) + 1;
        if (index !== first) seq.push(valOp(cur, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(cur, last - index));
      }
      const oldlen = isXzero ? 2 : 1;
      const delta = seq.length - oldlen;
      if (delta > 0 && this.len + delta > sparseMaxBytes) return this.promote(index, count);
      if (delta !== 0 && next !== -1) b.copyWithin(next + delta, next, end);
      this.len += delta;
      for (let i = 0; i < seq.length; i++) b[p + i] = seq[i] as number;
      end += delta;
    }
    // Step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from prev.
    p = prev >= 0 ? prev : HLL_HDR_SIZE;
    let scanlen = 5;
    while (p < end && scanlen-- !== 0) {
      const o = b[p] as number;
      if ((o & 0xc0) === 0x40) {
        p += 2;
        continue;
      }
      if ((o & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && ((b[p + 1] as number) & 0x80) !== 0) {
        const o2 = b[p + 1] as number;
        const v1 = ((o >> 2) & 0x1f) + 1;
        const v2 = ((o2 >> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (o & 0x3) + 1 + (o2 & 0x3) + 1;
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len);
            b.copyWithin(p, p + 1, end);
            this.len--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    invalidateCache(b);
    return 1;
  }

  /** The promote: label of hllSparseSet: to dense, then the register set there. */
  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    denseSet(this.b, index, count);
    return 1;
  }

  /** sdsMakeRoomFor: at least `n` bytes of spare room past len. */
  private room(n: number): void {
    if (this.b.length - this.len >= n) return;
    const nb = new Uint8Array(Math.max(this.len + n, this.len * 2));
    nb.set(this.b.subarray(0, this.len));
    this.b = nb;
  }
}

function valOp(value: number, len: number): number {
  return 0x80 | ((value - 1) << 2) | (len - 1);
}

function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    seq.push((l >> 8) | 0x40, l & 0xff);
  } else seq.push(len - 1);
}

/** hllSparseToDense of a whole sparse string (header copied, encoding set), or null if corrupt. */
export function sparseToDense(s: Uint8Array): Uint8Array | null {
  const d = new Uint8Array(HLL_DENSE_SIZE);
  d.set(s.subarray(0, HLL_HDR_SIZE));
  d[4] = HLL_DENSE;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < s.length) {
    const op = s[p] as number;
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += (((op & 0x3f) << 8) | (s[p + 1] as number)) + 1;
      p += 2;
    } else {
      let runlen = (op & 0x3) + 1;
      const v = ((op >> 2) & 0x1f) + 1;
      if (runlen + idx > HLL_REGISTERS) break;
      while (runlen-- > 0) denseSet(d, idx++, v);
      p++;
    }
  }
  return idx === HLL_REGISTERS ? d : null;
}

// ---- Merging and counting ----------------------------------------------------------------------

/** hllMerge: max[i] = MAX(max[i], register i of `b`); false for a corrupt sparse HLL. */
export function mergeInto(max: Uint8Array, b: Uint8Array): boolean {
  if (b[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(b, i);
      if (v > (max[i] as number)) max[i] = v;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HDR_SIZE;
  while (p < b.length) {
    const op = b[p] as number;
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | (b[p + 1] as number)) + 1;
      p += 2;
    } else {
      let runlen = (op & 0x3) + 1;
      const v = ((op >> 2) & 0x1f) + 1;
      if (runlen + i > HLL_REGISTERS) break;
      while (runlen-- > 0) {
        if (v > (max[i] as number)) max[i] = v;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** The register histogram of an HLL string, or null for a sparse one not covering 16384 registers. */
export function histogram(b: Uint8Array): Int32Array | null {
  const h = new Int32Array(64);
  if (b[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) (h[denseGet(b, i)] as number)++;
    return h;
  }
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < b.length) {
    const op = b[p] as number;
    let runlen: number;
    if ((op & 0xc0) === 0) {
      runlen = (op & 0x3f) + 1;
      h[0] = (h[0] as number) + runlen;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      runlen = (((op & 0x3f) << 8) | (b[p + 1] as number)) + 1;
      h[0] = (h[0] as number) + runlen;
      p += 2;
    } else {
      runlen = (op & 0x3) + 1;
      const v = ((op >> 2) & 0x1f) + 1;
      h[v] = (h[v] as number) + runlen;
      p++;
    }
    idx += runlen;
  }
  return idx === HLL_REGISTERS ? h : null;
}

/** The histogram of raw registers, one byte each (PFCOUNT of several keys). */
export function rawHistogram(regs: Uint8Array): Int32Array {
  const h = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) (h[regs[i] as number] as number)++;
  return h;
}

function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (zPrime !== z);
  return z / 3;
}

/** hllCount's estimate from a register histogram. */
export function estimate(h: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - (h[HLL_Q + 1] as number)) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += h[j] as number;
    z *= 0.5;
  }
  z += m * sigma((h[0] as number) / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

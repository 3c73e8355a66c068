// PFSELFTEST (pfselftestCommand in Redis 7.0): checks the dense register packing with random
// values, then adds 10 million distinct 8-byte elements to a dense and a sparse HLL at once and, at
// 1, 10, 100, ... elements, checks that the sparse one is still sparse while small, that both
// estimate the same, and that the error stays within six standard errors. Like Redis's, it
// blocks for the seconds it takes.
import {
  createHll,
  denseGet,
  denseSet,
  estimate,
  HLL_REGISTER_MAX,
  HLL_REGISTERS,
  HllWork,
  histogram,
  sparseToDense,
} from "../types/hyperloglog.js";

const TEST_CYCLES = 1000;

/** Runs the self test; null when it passes, else the error to reply ("TESTFAILED ..."). */
export function hllSelfTest(
  sparseMaxBytes = 3000,
  random: () => number = Math.random,
): string | null {
  const dense = sparseToDense(createHll()) as Uint8Array;
  const expect = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < TEST_CYCLES; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(random() * 256) & HLL_REGISTER_MAX;
      expect[i] = r;
      denseSet(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, i);
      if (val !== expect[i])
        return `ERR TESTFAILED Register ${i} should be ${expect[i]} but is ${val}`;
    }
  }

  dense.fill(0, 16);
  const d = new HllWork(dense, dense.length);
  const fresh = createHll();
  const s = new HllWork(fresh, fresh.length);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seedLo = Math.floor(random() * 2 ** 32);
  const seedHi = Math.floor(random() * 2 ** 32);
  const ele = new Uint8Array(8);
  const view = new DataView(ele.buffer);
  view.setUint32(4, seedHi, true);
  let checkpoint = 1;
  for (let j = 1; j <= 10_000_000; j++) {
    view.setUint32(0, (j ^ seedLo) >>> 0, true);
    d.add(ele, sparseMaxBytes);
    s.add(ele, sparseMaxBytes);
    if (j !== checkpoint) continue;
    if (j < sparseMaxBytes / 2 && s.dense) return "ERR TESTFAILED sparse encoding not used";
    const card = estimate(histogram(d.bytes()) as Int32Array);
    if (card !== estimate(histogram(s.bytes()) as Int32Array))
      return "ERR TESTFAILED dense/sparse disagree";
    let maxerr = Math.ceil(relerr * 6 * checkpoint);
    // At 10 a collision is likely enough to make a larger error common.
    if (j === 10) maxerr = 1;
    const abserr = Math.abs(checkpoint - card);
    if (abserr > maxerr) return `ERR TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
    checkpoint *= 10;
  }
  return null;
}

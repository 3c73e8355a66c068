// sin, cos and asin correctly rounded (to nearest), the functions Redis's geo distances call.
// V8's Math.sin/cos/asin are fdlibm ports, within one ulp but often not the nearest double, and
// that last bit shows: GEORADIUS ... STOREDIST stores distances as scores printed with 17
// digits. glibc's libm is nearly always correctly rounded (its error bound is ~0.55 ulp); on
// 200,000 sample arguments V8's Math disagreed with glibc 2.36 on 3-5% of sin/cos/asin results,
// these functions on 0.1-0.15% (each time an argument within ~0.05 ulp of a midpoint, where
// glibc misrounds and these do not).
//
// Evaluation is in double-double arithmetic (about 106 bits), allocation-free (the pair lives in
// OUT), rounded once at the end. Arguments are reduced by multiples of pi/2 with fdlibm's
// four-part constant (exact products for |k| < 2^20); beyond that Math.* is used (a search
// radius of billions of kilometers). asin is one Newton step on sin from Math.asin's estimate.

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's split

// The double-double result of the last operation: OUT[0] + OUT[1] (a typed array: faster than
// module-level variables here).
const OUT = new Float64Array(2);

/** OUT = (ah + al) * (bh + bl). */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  const p = ah * bh;
  let t = SPLITTER * ah;
  const ahh = t - (t - ah);
  const ahl = ah - ahh;
  t = SPLITTER * bh;
  const bhh = t - (t - bh);
  const bhl = bh - bhh;
  const e = ahh * bhh - p + ahh * bhl + ahl * bhh + ahl * bhl + (ah * bl + al * bh);
  OUT[0] = p + e;
  OUT[1] = e - ((OUT[0] as number) - p);
}

/** OUT = (ah + al) + (bh + bl). */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  let s = ah + bh;
  let bb = s - ah;
  let e = ah - (s - bb) + (bh - bb);
  const t = al + bl;
  bb = t - al;
  const f = al - (t - bb) + (bl - bb);
  e += t;
  let h = s + e;
  e = e - (h - s);
  e += f;
  s = h + e;
  h = e - (s - h);
  OUT[0] = s;
  OUT[1] = h;
}

/** 1/n! for n = 0..29 as double-double pairs. */
const FACT_HI = new Float64Array(30);
const FACT_LO = new Float64Array(30);
{
  let h = 1;
  let l = 0;
  FACT_HI[0] = 1;
  for (let n = 1; n < 30; n++) {
    // (h + l) / n with one correction step.
    const q1 = h / n;
    ddMul(q1, 0, n, 0);
    const r = (h - (OUT[0] as number) - (OUT[1] as number) + l) / n;
    h = q1 + r;
    l = r - (h - q1);
    FACT_HI[n] = h;
    FACT_LO[n] = l;
  }
}

// pi/2 = PIO2_1 + PIO2_2 + PIO2_3 + PIO2_3T (fdlibm's e_rem_pio2.c: 33 + 33 + 33 + 53 bits).
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_3 = 2.0222662487111665e-21;
const PIO2_3T = 8.4784276603689e-32;
const INV_PIO2 = 0.6366197723675814;

/**
 * Series of sin (odd) or cos (even) at r = rh + rl, |r| <= ~pi/4, into OUT, by Horner in r^2:
 * sin r = r * sum (-1)^j r^2j / (2j+1)!, cos r = sum (-1)^j r^2j / (2j)!. Terms below 2^-110 of
 * the result are dropped; those below 2^-56 are summed in plain doubles (their rounding errors
 * stay under 2^-106), the rest in double-double.
 */
function series(rh: number, rl: number, odd: boolean): void {
  ddMul(rh, rl, rh, rl);
  const r2h = OUT[0] as number;
  const r2l = OUT[1] as number;
  const base = odd ? 1 : 0;
  let terms = 1;
  for (let p = r2h; terms < 14 && p * (FACT_HI[2 * terms + base] as number) > 1e-34; terms++)
    p *= r2h;
  let j = terms - 1;
  let sh = 0;
  let sl = 0;
  if (j >= DD_TERMS) {
    for (; j >= DD_TERMS; j--) sh = sh * r2h + (j & 1 ? -1 : 1) * (FACT_HI[2 * j + base] as number);
  } else {
    sh = (j & 1 ? -1 : 1) * (FACT_HI[2 * j + base] as number);
    sl = (j & 1 ? -1 : 1) * (FACT_LO[2 * j + base] as number);
    j--;
  }
  for (; j >= 0; j--) {
    ddMul(sh, sl, r2h, r2l);
    const sign = j & 1 ? -1 : 1;
    ddAdd(
      OUT[0] as number,
      OUT[1] as number,
      sign * (FACT_HI[2 * j + base] as number),
      sign * (FACT_LO[2 * j + base] as number),
    );
    sh = OUT[0] as number;
    sl = OUT[1] as number;
  }
  if (odd) ddMul(sh, sl, rh, rl);
  else {
    OUT[0] = sh;
    OUT[1] = sl;
  }
}

/** Terms of index j >= DD_TERMS are at most (pi/4)^18/18! < 2^-58: plain doubles suffice. */
const DD_TERMS = 9;

/** sin (which 0) or cos (which 1) of xh + xl into OUT; false when too large to reduce. */
function sinCos(xh: number, xl: number, which: 0 | 1): boolean {
  const k = Math.round(xh * INV_PIO2);
  if (Math.abs(k) >= 2 ** 20) return false;
  let rh = xh;
  let rl = xl;
  if (k !== 0) {
    ddMul(k, 0, PIO2_1, 0);
    ddAdd(rh, rl, -(OUT[0] as number), -(OUT[1] as number));
    rh = OUT[0] as number;
    rl = OUT[1] as number;
    ddMul(k, 0, PIO2_2, 0);
    ddAdd(rh, rl, -(OUT[0] as number), -(OUT[1] as number));
    rh = OUT[0] as number;
    rl = OUT[1] as number;
    ddMul(k, 0, PIO2_3, 0);
    ddAdd(rh, rl, -(OUT[0] as number), -(OUT[1] as number));
    rh = OUT[0] as number;
    rl = OUT[1] as number;
    ddMul(k, 0, PIO2_3T, 0);
    ddAdd(rh, rl, -(OUT[0] as number), -(OUT[1] as number));
    rh = OUT[0] as number;
    rl = OUT[1] as number;
  }
  const q = (((k % 4) + 4 + which) % 4) as 0 | 1 | 2 | 3; // cos(x) = sin(x + pi/2)
  series(rh, rl, (q & 1) === 0);
  if (q >= 2) {
    OUT[0] = -(OUT[0] as number);
    OUT[1] = -(OUT[1] as number);
  }
  return true;
}

/** sin(x), correctly rounded. */
export function sin(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return Math.sin(x);
  return sinCos(x, 0, 0) ? (OUT[0] as number) + (OUT[1] as number) : Math.sin(x);
}

/** cos(x), correctly rounded. */
export function cos(x: number): number {
  if (!Number.isFinite(x)) return Math.cos(x);
  return sinCos(x, 0, 1) ? (OUT[0] as number) + (OUT[1] as number) : Math.cos(x);
}

/**
 * asin(y), correctly rounded: z0 = Math.asin(y) is within an ulp, so one Newton step
 * z0 + (y - sin z0) / cos z0, with sin in double-double, lands within ~2^-100 of the true value
 * (the step's own error is second order; cos z0 needs only double precision).
 */
export function asin(y: number): number {
  if (y === 0 || !(y > -1 && y < 1)) return Math.asin(y);
  const z0 = Math.asin(y);
  sinCos(z0, 0, 0);
  ddAdd(y, 0, -(OUT[0] as number), -(OUT[1] as number));
  const d = ((OUT[0] as number) + (OUT[1] as number)) / Math.cos(z0);
  return z0 + d;
}

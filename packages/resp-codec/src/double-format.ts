// Doubles as C's printf("%.17g") prints them, which is what Redis 7.0's addReplyDouble() sends
// (7.2 moved to shortest round-trip form; 7.0 did not). JS's toExponential() rounds ties away
// from zero while glibc rounds exact ties to even, so the rare exact tie is settled on the
// double's exact decimal expansion (BigInt), which only that case pays for.

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** `%.17g` of `d`; `inf`, `-inf`, `nan`/`-nan` as glibc prints them. */
export function formatDouble17g(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return "inf";
  if (d === Number.NEGATIVE_INFINITY) return "-inf";
  if (Number.isNaN(d)) {
    f64[0] = d;
    return u64[0]! >> 63n ? "-nan" : "nan";
  }
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const neg = d < 0;
  const a = neg ? -d : d;
  let digits: string;
  let exp: number;
  const e17 = a.toExponential(16);
  const wide = a.toExponential(20);
  if (wide.charCodeAt(18) === 53 /* 5 */ && wide.startsWith("000", 19)) {
    [digits, exp] = exactRound17(a);
  } else {
    const ePos = e17.indexOf("e");
    digits = e17[0]! + e17.slice(2, ePos);
    exp = Number(e17.slice(ePos + 1));
  }
  return (neg ? "-" : "") + layout(digits, exp);
}

/** Places 17 significant digits (d.ddd × 10^exp) as %g does, trailing zeros removed. */
function layout(digits: string, exp: number): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  const sig = digits.slice(0, end);
  if (exp < -4 || exp >= 17) {
    const mant = sig.length > 1 ? `${sig[0]}.${sig.slice(1)}` : sig;
    const ae = Math.abs(exp);
    return `${mant}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  if (exp < 0) return `0.${"0".repeat(-exp - 1)}${sig}`;
  if (sig.length <= exp + 1) return sig + "0".repeat(exp + 1 - sig.length);
  return `${sig.slice(0, exp + 1)}.${sig.slice(exp + 1)}`;
}

/** 17 significant digits of a positive finite double, rounded half to even on its exact value. */
function exactRound17(a: number): [string, number] {
  f64[0] = a;
  const bits = u64[0]!;
  const be = Number((bits >> 52n) & 0x7ffn);
  let m = bits & 0xfffffffffffffn;
  let q: number;
  if (be === 0) q = -1074;
  else {
    m |= 1n << 52n;
    q = be - 1075;
  }
  // a = m * 2^q = N * 10^p exactly.
  let n: bigint;
  let p: number;
  if (q >= 0) {
    n = m << BigInt(q);
    p = 0;
  } else {
    n = m * 5n ** BigInt(-q);
    p = q;
  }
  let s = n.toString();
  let exp = s.length - 1 + p;
  if (s.length > 17) {
    const head = s.slice(0, 17);
    const rest = s.slice(17);
    let up: boolean;
    if (rest.charCodeAt(0) > 53) up = true;
    else if (rest.charCodeAt(0) < 53) up = false;
    else if (/[1-9]/.test(rest.slice(1))) up = true;
    else up = (head.charCodeAt(16) - 48) % 2 === 1;
    s = up ? (BigInt(head) + 1n).toString() : head;
    if (s.length > 17) {
      s = s.slice(0, 17);
      exp++;
    }
  }
  return [s.padEnd(17, "0"), exp];
}

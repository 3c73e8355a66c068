// Reading sorted-set arguments exactly as Redis 7.0 does. Redis reads scores and bounds
// with C's strtod, so it accepts what a stricter parser would not (hex floats
// "0x10", a leading space and an empty string inside a range bound) and refuses what it would
// take (a score that overflows to infinity, "1e400"). The rules differ per call site:
// - scores, increments, weights (getDoubleFromObject): whole string, no leading space, no
//   overflow or underflow to zero, no NaN;
// - range bounds (zslParseRange): only "no trailing garbage before a NUL" and no NaN;
// - lex bounds (zslParseLexRange): `[x`, `(x`, `-`, `+`.
// (Blocking timeouts are read by types/list-timeout.ts, shared with the list commands.)
import type { CommandArgs } from "@shoal/resp-codec";
import { LEX_MAX, LEX_MIN, LEX_STR, type LexRange, type ScoreRange } from "./skiplist.js";

const DEC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/;
const SPECIAL_RE = /^([+-]?)(inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** Result of strtod: the value, characters consumed (0 = nothing parsed), and ERANGE. */
export interface StrtodResult {
  value: number;
  end: number;
  erange: boolean;
}
const out: StrtodResult = { value: 0, end: 0, erange: false };

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * glibc strtod in the C locale over a latin1 string. Returns a shared result object (valid until
 * the next call).
 */
export function strtod(s: string): StrtodResult {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const t = i === 0 ? s : s.slice(i);
  out.value = 0;
  out.end = 0;
  out.erange = false;
  let m = HEX_RE.exec(t);
  if (m !== null && ((m[2] as string).length > 0 || (m[3] ?? "").length > 0)) {
    const v = hexToDouble(`${m[2]}${m[3] ?? ""}`, (m[3] ?? "").length, m[4]);
    out.value = m[1] === "-" ? -v : v;
    out.end = i + (m[0] as string).length;
    out.erange = !Number.isFinite(v) || (v === 0 && /[1-9a-fA-F]/.test(m[2] + (m[3] ?? "")));
    return out;
  }
  m = DEC_RE.exec(t);
  if (m !== null) {
    const lit = m[0] as string;
    const v = Number(lit);
    out.value = v;
    out.end = i + lit.length;
    const mant = lit.split(/[eE]/)[0] as string;
    out.erange = !Number.isFinite(v) || (v === 0 && /[1-9]/.test(mant));
    return out;
  }
  m = SPECIAL_RE.exec(t);
  if (m !== null) {
    const word = (m[2] as string).toLowerCase();
    out.value = word.startsWith("inf")
      ? m[1] === "-"
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY
      : Number.NaN;
    out.end = i + (m[0] as string).length;
    return out;
  }
  return out;
}

/**
 * The hex float 0x<digits>p<exp> (fracDigits of them after the point), rounded once to the
 * nearest double, ties to even, subnormals included, as glibc's strtod does: summing digit by
 * digit in doubles would round more than once.
 */
function hexToDouble(digits: string, fracDigits: number, exp: string | undefined): number {
  const lead = digits.replace(/^0+/, "");
  if (lead === "") return 0;
  const n = BigInt(`0x${lead}`);
  const bits = (lead.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(lead[0] as string, 16)));
  const e = Number(exp ?? "0") - 4 * fracDigits;
  const top = bits - 1 + e; // exponent of the leading bit
  if (top > 1023) return Number.POSITIVE_INFINITY;
  if (top < -1076) return 0;
  // Bits the result can hold: 53, fewer once it is subnormal.
  const precision = top >= -1022 ? 53 : top + 1075;
  const shift = bits - precision;
  let q = n;
  if (shift > 0) {
    const s = BigInt(shift);
    q = n >> s;
    const rem = n & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  // q fits the result's precision, so scaling by 2^k is exact; in steps, as 2^k alone may not be
  // a double.
  let v = Number(q);
  let k = e + Math.max(shift, 0);
  while (k > 1023) {
    v *= 2 ** 1023;
    k -= 1023;
  }
  while (k < -1022) {
    v *= 2 ** -1022;
    k += 1022;
  }
  return v * 2 ** k;
}

/**
 * `[+-]?[0-9]{1,15}`, the usual score, without strtod's regular expressions: up to 15 digits the
 * value is exact, as strtod's (a minus zero stays -0).
 */
function plainInteger(s: string): number | null {
  const len = s.length;
  if (len > 16) return null;
  let i = 0;
  const c0 = s.charCodeAt(0);
  const neg = c0 === 0x2d;
  if (neg || c0 === 0x2b) i = 1;
  if (i === len || len - i > 15) return null;
  let n = 0;
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/** Redis's getDoubleFromObject: a score, increment or weight; null when invalid. */
export function parseScore(s: string): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  const n = plainInteger(s);
  if (n !== null) return n;
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) return null;
  if (r.erange && (!Number.isFinite(r.value) || r.value === 0)) return null;
  return r.value;
}

export function argScore(args: CommandArgs, i: number): number | null {
  return parseScore(args.latin1(i));
}

/** One bound of zslParseRange: `(x` exclusive or `x`; strtod must stop at the end or at a NUL. */
function parseBound(s: string, exclusive: boolean): number | null {
  const body = exclusive ? s.slice(1) : s;
  const r = strtod(body);
  if (r.end !== body.length && body.charCodeAt(r.end) !== 0) return null;
  if (Number.isNaN(r.value)) return null;
  return r.value;
}

/** zslParseRange into `range`; false when a bound is not a float. */
export function parseScoreRange(min: string, max: string, range: ScoreRange): boolean {
  range.minex = min.charCodeAt(0) === 0x28;
  range.maxex = max.charCodeAt(0) === 0x28;
  const a = parseBound(min, range.minex);
  if (a === null) return false;
  const b = parseBound(max, range.maxex);
  if (b === null) return false;
  range.min = a;
  range.max = b;
  return true;
}

/** zslParseLexRangeItem for one side; false when invalid. */
function parseLexItem(s: string, range: LexRange, isMin: boolean): boolean {
  const c = s.charCodeAt(0);
  let kind = LEX_STR;
  let ex = true;
  let v = "";
  if (c === 0x2b || c === 0x2d) {
    // '+' / '-' alone (C stops at a NUL, so "+\0..." counts too)
    if (s.length > 1 && s.charCodeAt(1) !== 0) return false;
    kind = c === 0x2b ? LEX_MAX : LEX_MIN;
  } else if (c === 0x28 || c === 0x5b) {
    ex = c === 0x28;
    v = s.slice(1);
  } else return false;
  if (isMin) {
    range.min = v;
    range.minKind = kind;
    range.minex = ex;
  } else {
    range.max = v;
    range.maxKind = kind;
    range.maxex = ex;
  }
  return true;
}

export function parseLexRange(min: string, max: string, range: LexRange): boolean {
  return parseLexItem(min, range, true) && parseLexItem(max, range, false);
}

export function newScoreRange(): ScoreRange {
  return { min: 0, max: 0, minex: false, maxex: false };
}
export function newLexRange(): LexRange {
  return { min: "", max: "", minKind: LEX_STR, maxKind: LEX_STR, minex: false, maxex: false };
}

/** %.17g, as Redis formats scores in text (ZSCAN, RESP2 doubles). */
export function formatScore(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return "inf";
  if (d === Number.NEGATIVE_INFINITY) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const e = d.toExponential(16);
  const at = e.indexOf("e");
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 17) {
    let mant = e.slice(0, at);
    if (mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  let f = d.toPrecision(17);
  if (f.includes(".")) f = f.replace(/0+$/, "").replace(/\.$/, "");
  return f;
}

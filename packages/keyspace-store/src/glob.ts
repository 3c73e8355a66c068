// Glob matching for KEYS and the SCAN family's MATCH: a port of stringmatchlen() from Redis 7.0's
// util.c (* ? [abc] [^a] [a-z] and backslash escapes) on latin1 strings, one char per byte,
// including its guard against abusive patterns (nesting limit and the skip-longer-matches cut).

/**
 * True when `str` matches the glob `pattern` exactly as Redis's stringmatchlen() decides: even
 * "*" does not match "" (its loop never starts). KEYS and SCAN short-circuit "*" before calling
 * it (allkeys, use_pattern; globMatcher below), PUBLISH's patterns and PUBSUB CHANNELS do not.
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const state = { skipLongerMatches: false };
  return matchFrom(pattern, 0, str, 0, nocase, state, 0);
}

/** A matcher for one pattern, with "*" short-circuited (SCAN's MATCH * filters nothing). */
export function globMatcher(pattern: string, nocase = false): ((s: string) => boolean) | null {
  if (pattern === "*") return null;
  return (s) => globMatch(pattern, s, nocase);
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c | 0x20 : c);

function matchFrom(
  p: string,
  pi: number,
  s: string,
  si: number,
  nocase: boolean,
  state: { skipLongerMatches: boolean },
  nesting: number,
): boolean {
  if (nesting > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    if (pc === 42 /* * */) {
      while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
      if (pi + 1 === plen) return true;
      while (si < slen) {
        if (matchFrom(p, pi + 1, s, si, nocase, state, nesting + 1)) return true;
        if (state.skipLongerMatches) return false;
        si++;
      }
      // No match for the rest of the pattern from anywhere in the rest of the string: an
      // earlier '*' matching more cannot help either.
      state.skipLongerMatches = true;
      return false;
    }
    if (pc === 63 /* ? */) {
      si++;
    } else if (pc === 91 /* [ */) {
      pi++;
      const not = p.charCodeAt(pi) === 94; /* ^ */
      if (not) pi++;
      let match = false;
      const c = s.charCodeAt(si);
      for (;;) {
        if (pi >= plen) {
          pi--; // unterminated class: the loop's step below lands on the end
          break;
        }
        const q = p.charCodeAt(pi);
        if (q === 92 /* \ */ && plen - pi >= 2) {
          pi++;
          if (p.charCodeAt(pi) === c) match = true;
        } else if (q === 93 /* ] */) {
          break;
        } else if (plen - pi >= 3 && p.charCodeAt(pi + 1) === 45 /* - */) {
          let start = q;
          let end = p.charCodeAt(pi + 2);
          let cc = c;
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(start);
            end = lower(end);
            cc = lower(cc);
          }
          pi += 2;
          if (cc >= start && cc <= end) match = true;
        } else if (nocase ? lower(q) === lower(c) : q === c) {
          match = true;
        }
        pi++;
      }
      if (not) match = !match;
      if (!match) return false;
      si++;
    } else {
      let q = pc;
      if (q === 92 /* \ */ && plen - pi >= 2) {
        pi++;
        q = p.charCodeAt(pi);
      }
      const c = s.charCodeAt(si);
      if (nocase ? lower(q) !== lower(c) : q !== c) return false;
      si++;
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}

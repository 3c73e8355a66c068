// Glob matching for PSUBSCRIBE, PUBSUB CHANNELS and CONFIG GET. Mirrors stringmatchlen() in
// src/util.c (Redis 7.0): * ? [abc] [^a] [a-z] and backslash escapes, on latin1 strings.

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return match(pattern, 0, str, 0, nocase, { skipLongerMatches: false });
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

function match(
  p: string,
  pi: number,
  s: string,
  si: number,
  nocase: boolean,
  state: { skipLongerMatches: boolean },
): boolean {
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si <= slen) {
    const pc = p.charCodeAt(pi);
    if (pc === 42 /* * */) {
      while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
      if (pi + 1 === plen) return true;
      for (let k = si; k < slen; k++) {
        if (match(p, pi + 1, s, k, nocase, state)) return true;
        if (state.skipLongerMatches) return false;
      }
      state.skipLongerMatches = true;
      return false;
    }
    if (si >= slen) break;
    const sc = s.charCodeAt(si);
    if (pc === 63 /* ? */) {
      si++;
    } else if (pc === 91 /* [ */) {
      pi++;
      const not = p.charCodeAt(pi) === 94; /* ^ */
      if (not) pi++;
      let matched = false;
      for (;;) {
        if (pi >= plen) {
          pi--;
          break;
        }
        const c = p.charCodeAt(pi);
        if (c === 92 /* \ */ && pi + 2 <= plen) {
          pi++;
          if (p.charCodeAt(pi) === sc) matched = true;
        } else if (c === 93 /* ] */) {
          break;
        } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45 /* - */) {
          let start = c;
          let end = p.charCodeAt(pi + 2);
          let cc = sc;
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(start);
            end = lower(end);
            cc = lower(cc);
          }
          pi += 2;
          if (cc >= start && cc <= end) matched = true;
        } else if (nocase ? lower(c) === lower(sc) : c === sc) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si++;
    } else {
      let want = pc;
      if (pc === 92 /* \ */ && pi + 1 < plen) {
        pi++;
        want = p.charCodeAt(pi);
      }
      if (nocase ? lower(want) !== lower(sc) : want !== sc) return false;
      si++;
    }
    pi++;
    if (si >= slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi >= plen && si >= slen;
}

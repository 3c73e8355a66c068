// Splits an interactive input line into arguments the way redis-cli does (sdssplitargs() in
// src/sds.c): whitespace separates; "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes;
// 'single quotes' take only \'. Returns undefined for unbalanced quotes, as sdssplitargs does.

export function splitArgs(line: string): Buffer[] | undefined {
  const out: Buffer[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return out;
    const bytes: number[] = [];
    const add = (s: string) => {
      for (const b of Buffer.from(s)) bytes.push(b);
    };
    let inDq = false;
    let inSq = false;
    for (;;) {
      const c = line[i];
      if (inDq) {
        if (c === undefined) return undefined;
        if (
          c === "\\" &&
          line[i + 1] === "x" &&
          /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))
        ) {
          bytes.push(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === "\\" && i + 1 < n) {
          i++;
          const e = line[i]!;
          add({ n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" }[e] ?? e);
        } else if (c === '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return undefined;
          inDq = false;
          i++;
          break;
        } else add(c);
      } else if (inSq) {
        if (c === undefined) return undefined;
        if (c === "\\" && line[i + 1] === "'") {
          i++;
          add("'");
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return undefined;
          inSq = false;
          i++;
          break;
        } else add(c);
      } else {
        if (c === undefined || /\s/.test(c)) break;
        if (c === '"') inDq = true;
        else if (c === "'") inSq = true;
        else add(c);
      }
      i++;
    }
    out.push(Buffer.from(bytes));
  }
}

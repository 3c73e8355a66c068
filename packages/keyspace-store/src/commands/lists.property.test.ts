// Random sequences of list commands on the store against a model built on plain arrays, written
// from Redis's documentation of each command. Replies and the whole keyspace must agree after
// every step; an emptied list must be gone.
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ReplyErr, Simple, TestStore } from "../test-kit.js";
import { ELEMENT_INLINE_MAX, elementLatin1 } from "../types/list.js";
import { isList, type ListValue } from "../value.js";
import { listCommands } from "./lists.js";

type Model = Map<string, string[]>;
type Argv = (string | number)[];

const KEYS = ["a", "b"];
const key = fc.constantFrom(...KEYS);
// Short elements are held as strings, long ones as Buffers (types/list.ts): both shapes, and
// the lengths either side of the line, meet in one list.
const el = fc.constantFrom(
  "x",
  "y",
  "z",
  "\xff\x00",
  "v".repeat(ELEMENT_INLINE_MAX),
  "w".repeat(ELEMENT_INLINE_MAX + 1),
  "\x80\xfe".repeat(150),
);
const idx = fc.integer({ min: -7, max: 7 });
const dir = fc.constantFrom("LEFT", "RIGHT");

const command: fc.Arbitrary<Argv> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom("LPUSH", "RPUSH"), key, fc.array(el, { minLength: 1, maxLength: 4 }))
      .map(([c, k, es]) => [c, k, ...es]),
  },
  fc.tuple(fc.constantFrom("LPUSHX", "RPUSHX"), key, el).map((t) => [...t]),
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("LPOP", "RPOP"), key).map((t) => [...t]) },
  fc.tuple(fc.constantFrom("LPOP", "RPOP"), key, fc.nat(4)).map((t) => [...t]),
  fc.tuple(fc.constant("LLEN"), key).map((t) => [...t]),
  fc.tuple(fc.constant("LINDEX"), key, idx).map((t) => [...t]),
  fc.tuple(fc.constant("LSET"), key, idx, el).map((t) => [...t]),
  fc.tuple(fc.constant("LRANGE"), key, idx, idx).map((t) => [...t]),
  fc.tuple(fc.constant("LTRIM"), key, idx, idx).map((t) => [...t]),
  fc
    .tuple(fc.constant("LINSERT"), key, fc.constantFrom("BEFORE", "AFTER"), el, el)
    .map((t) => [...t]),
  fc.tuple(fc.constant("LREM"), key, fc.integer({ min: -3, max: 3 }), el).map((t) => [...t]),
  fc
    .tuple(
      key,
      el,
      fc.option(fc.integer({ min: -3, max: 3 }).filter((r) => r !== 0)),
      fc.option(fc.nat(3)),
      fc.option(fc.nat(5)),
    )
    .map(([k, e, rank, count, maxlen]) => [
      "LPOS",
      k,
      e,
      ...(rank !== null ? ["RANK", rank] : []),
      ...(count !== null ? ["COUNT", count] : []),
      ...(maxlen !== null ? ["MAXLEN", maxlen] : []),
    ]),
  fc.tuple(fc.constant("LMOVE"), key, key, dir, dir).map((t) => [...t]),
  fc.tuple(fc.constant("RPOPLPUSH"), key, key).map((t) => [...t]),
  fc
    .tuple(dir, fc.integer({ min: 1, max: 4 }))
    .map(([d, n]) => ["LMPOP", 2, "a", "b", d, "COUNT", n]),
  fc.constantFrom<Argv>(["BLPOP", "a", "b", 0], ["BRPOP", "b", "a", 0]),
);

/** LRANGE/LTRIM's index normalisation: [start, end] within the list, or null when empty. */
function span(len: number, s: number, e: number): [number, number] | null {
  let start = s < 0 ? len + s : s;
  let end = e < 0 ? len + e : e;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function model(m: Model, argv: Argv): unknown {
  const [name, ...a] = argv as [string, ...(string | number)[]];
  const k = String(a[0]);
  const store = (key: string, l: string[]) => {
    if (l.length > 0) m.set(key, l);
    else m.delete(key);
  };
  const l = m.get(k);
  switch (name) {
    case "LPUSH":
    case "RPUSH":
    case "LPUSHX":
    case "RPUSHX": {
      if (!l && name.endsWith("X")) return 0;
      const list = l ?? [];
      for (const e of a.slice(1)) name[0] === "L" ? list.unshift(String(e)) : list.push(String(e));
      m.set(k, list);
      return list.length;
    }
    case "LPOP":
    case "RPOP": {
      const take = () => (name === "LPOP" ? l?.shift() : l?.pop()) as string;
      if (a.length === 1) {
        if (!l) return null;
        const v = take();
        store(k, l);
        return v;
      }
      if (!l) return null;
      const out: string[] = [];
      while (out.length < Number(a[1]) && l.length > 0) out.push(take());
      store(k, l);
      return out;
    }
    case "LLEN":
      return l?.length ?? 0;
    case "LINDEX": {
      if (!l) return null;
      const i = Number(a[1]) < 0 ? l.length + Number(a[1]) : Number(a[1]);
      return i >= 0 && i < l.length ? l[i] : null;
    }
    case "LSET": {
      if (!l) return new ReplyErr("ERR no such key");
      const i = Number(a[1]) < 0 ? l.length + Number(a[1]) : Number(a[1]);
      if (i < 0 || i >= l.length) return new ReplyErr("ERR index out of range");
      l[i] = String(a[2]);
      return new Simple("OK");
    }
    case "LRANGE": {
      const r = l && span(l.length, Number(a[1]), Number(a[2]));
      return r ? (l as string[]).slice(r[0], r[1] + 1) : [];
    }
    case "LTRIM": {
      if (!l) return new Simple("OK");
      const r = span(l.length, Number(a[1]), Number(a[2]));
      store(k, r ? l.slice(r[0], r[1] + 1) : []);
      return new Simple("OK");
    }
    case "LINSERT": {
      if (!l) return 0;
      const p = l.indexOf(String(a[2]));
      if (p < 0) return -1;
      l.splice(a[1] === "AFTER" ? p + 1 : p, 0, String(a[3]));
      return l.length;
    }
    case "LREM": {
      if (!l) return 0;
      const count = Number(a[1]);
      const v = String(a[2]);
      let at = l.map((x, i) => (x === v ? i : -1)).filter((i) => i >= 0);
      if (count > 0) at = at.slice(0, count);
      if (count < 0) at = at.slice(Math.max(0, at.length + count));
      const gone = new Set(at);
      store(
        k,
        l.filter((_, i) => !gone.has(i)),
      );
      return gone.size;
    }
    case "LPOS": {
      const opts = new Map<string, number>();
      for (let j = 2; j < a.length; j += 2) opts.set(String(a[j]), Number(a[j + 1]));
      const rank = opts.get("RANK") ?? 1;
      const count = opts.get("COUNT");
      const maxlen = opts.get("MAXLEN") ?? 0;
      if (!l) return count === undefined ? null : [];
      const order = l.map((_, i) => i);
      if (rank < 0) order.reverse();
      const scanned = maxlen > 0 ? order.slice(0, maxlen) : order;
      const hits = scanned.filter((i) => l[i] === String(a[1])).slice(Math.abs(rank) - 1);
      if (count === undefined) return hits[0] ?? null;
      return count === 0 ? hits : hits.slice(0, count);
    }
    case "LMOVE":
    case "RPOPLPUSH": {
      if (!l) return null;
      const [src, dst, from, to] =
        name === "LMOVE" ? a.map(String) : [String(a[0]), String(a[1]), "RIGHT", "LEFT"];
      const v = (from === "LEFT" ? l.shift() : l.pop()) as string;
      const d = m.get(dst as string) ?? [];
      to === "LEFT" ? d.unshift(v) : d.push(v);
      m.set(dst as string, d);
      if (l.length === 0 && src !== dst) m.delete(src as string);
      return v;
    }
    case "LMPOP": {
      for (const key of ["a", "b"]) {
        const list = m.get(key);
        if (!list) continue;
        const out: string[] = [];
        while (out.length < Number(a[5]) && list.length > 0)
          out.push((a[3] === "LEFT" ? list.shift() : list.pop()) as string);
        store(key, list);
        return [key, out];
      }
      return null;
    }
    case "BLPOP":
    case "BRPOP": {
      for (const key of a.slice(0, -1).map(String)) {
        const list = m.get(key);
        if (!list) continue;
        const v = (name === "BLPOP" ? list.shift() : list.pop()) as string;
        store(key, list);
        return [key, v];
      }
      return undefined; // blocked
    }
  }
  throw new Error(`no model for ${name}`);
}

test.prop([fc.array(command, { minLength: 1, maxLength: 150, size: "max" })], { numRuns: 200 })(
  "list commands agree with an array model",
  (cmds) => {
    const t = new TestStore(listCommands);
    const db = t.keyspace.db(0);
    const m: Model = new Map();
    for (const argv of cmds) {
      const want = model(m, argv);
      const got = t.run(...argv);
      expect(got, argv.join(" ")).toEqual(want);
      for (const k of KEYS) {
        const v = db.dict.get(k);
        const list = v !== undefined && isList(v) ? (v as ListValue) : undefined;
        expect(list?.length === 0, `${k} kept empty`).toBe(false);
        expect(list?.toArray().map(elementLatin1), argv.join(" ")).toEqual(m.get(k));
      }
    }
  },
);

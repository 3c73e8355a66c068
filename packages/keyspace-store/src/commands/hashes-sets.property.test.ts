// Random command sequences on a few keys, run on the store and on a plain model of Redis's hash
// and set semantics (Maps of Maps and Sets, no cleverness): every reply and the final contents
// must agree. Random-choice commands (SPOP, SRANDMEMBER, HRANDFIELD) are checked for what they
// promise (distinct members of the collection, the right count) and the model follows the store.
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ReplyErr, TestStore } from "../test-kit.js";
import { elementLatin1 } from "../types/list.js";
import type { HashValue } from "../value.js";
import { hashCommands } from "./hashes.js";
import { setCommands } from "./sets.js";

type ModelValue = Map<string, string> | Set<string>;
type Model = Map<string, ModelValue>;

const WRONGTYPE = new ReplyErr("WRONGTYPE Operation against a key holding the wrong kind of value");

const keyArb = fc.constantFrom("k1", "k2", "k3");
const memberArb = fc.constantFrom("a", "b", "c", "d", "e", "1", "2", "\x00\xff");
const valueArb = fc.constantFrom("", "v", "7", "-3", "xyz");
const membersArb = fc.array(memberArb, { minLength: 1, maxLength: 4 });
const keysArb = fc.array(keyArb, { minLength: 1, maxLength: 3 });

const commandArb: fc.Arbitrary<string[]> = fc.oneof(
  fc
    .tuple(keyArb, fc.array(fc.tuple(memberArb, valueArb), { minLength: 1, maxLength: 3 }))
    .map(([k, pairs]) => ["HSET", k, ...pairs.flat()]),
  fc.tuple(keyArb, memberArb, valueArb).map(([k, f, v]) => ["HSETNX", k, f, v]),
  fc.tuple(keyArb, membersArb).map(([k, fs]) => ["HDEL", k, ...fs]),
  fc.tuple(keyArb, memberArb).map(([k, f]) => ["HGET", k, f]),
  fc.tuple(keyArb, membersArb).map(([k, fs]) => ["HMGET", k, ...fs]),
  fc.tuple(keyArb, memberArb).map(([k, f]) => ["HEXISTS", k, f]),
  fc.tuple(keyArb, memberArb).map(([k, f]) => ["HSTRLEN", k, f]),
  keyArb.map((k) => ["HLEN", k]),
  keyArb.map((k) => ["HGETALL", k]),
  keyArb.map((k) => ["HKEYS", k]),
  fc
    .tuple(keyArb, memberArb, fc.integer({ min: -5, max: 5 }))
    .map(([k, f, n]) => ["HINCRBY", k, f, String(n)]),
  fc.tuple(keyArb, fc.integer({ min: 1, max: 6 })).map(([k, n]) => ["HRANDFIELD", k, String(n)]),
  fc.tuple(keyArb, membersArb).map(([k, ms]) => ["SADD", k, ...ms]),
  fc.tuple(keyArb, membersArb).map(([k, ms]) => ["SREM", k, ...ms]),
  fc.tuple(keyArb, memberArb).map(([k, m]) => ["SISMEMBER", k, m]),
  fc.tuple(keyArb, membersArb).map(([k, ms]) => ["SMISMEMBER", k, ...ms]),
  keyArb.map((k) => ["SCARD", k]),
  keyArb.map((k) => ["SMEMBERS", k]),
  fc.tuple(keyArb, keyArb, memberArb).map(([a, b, m]) => ["SMOVE", a, b, m]),
  fc.tuple(keyArb, fc.integer({ min: 0, max: 6 })).map(([k, n]) => ["SPOP", k, String(n)]),
  keyArb.map((k) => ["SPOP", k]),
  fc.tuple(keyArb, fc.integer({ min: -6, max: 6 })).map(([k, n]) => ["SRANDMEMBER", k, String(n)]),
  keysArb.map((ks) => ["SINTER", ...ks]),
  keysArb.map((ks) => ["SUNION", ...ks]),
  keysArb.map((ks) => ["SDIFF", ...ks]),
  keysArb.map((ks) => ["SINTERCARD", String(ks.length), ...ks]),
  fc.tuple(keyArb, keysArb).map(([d, ks]) => ["SINTERSTORE", d, ...ks]),
  fc.tuple(keyArb, keysArb).map(([d, ks]) => ["SUNIONSTORE", d, ...ks]),
  fc.tuple(keyArb, keysArb).map(([d, ks]) => ["SDIFFSTORE", d, ...ks]),
);

const isSetV = (v: ModelValue | undefined): v is Set<string> => v instanceof Set;
const isHashV = (v: ModelValue | undefined): v is Map<string, string> => v instanceof Map;
/** Replies whose order Redis leaves unspecified are compared sorted. */
const UNORDERED = new Set(["SMEMBERS", "SINTER", "SUNION", "SDIFF", "SPOP", "SRANDMEMBER"]);
const normalize = (name: string, r: unknown): unknown =>
  UNORDERED.has(name) && Array.isArray(r) ? [...r].sort() : r;

/** Hash or set at `k` for the model, or WRONGTYPE. */
function modelHash(m: Model, k: string): Map<string, string> | undefined | ReplyErr {
  const v = m.get(k);
  if (v === undefined) return undefined;
  return isHashV(v) ? v : WRONGTYPE;
}
function modelSet(m: Model, k: string): Set<string> | undefined | ReplyErr {
  const v = m.get(k);
  if (v === undefined) return undefined;
  return isSetV(v) ? v : WRONGTYPE;
}

/** Runs one command on the model; `actual` is the store's reply, used only for random picks. */
function applyModel(m: Model, argv: string[], actual: unknown): unknown {
  const [name, k = "", ...rest] = argv as [string, string, ...string[]];
  const dropEmpty = (key: string) => {
    const v = m.get(key);
    if (v !== undefined && v.size === 0) m.delete(key);
  };
  const setsOf = (keys: string[]): (Set<string> | undefined)[] | ReplyErr => {
    const out: (Set<string> | undefined)[] = [];
    for (const key of keys) {
      const s = modelSet(m, key);
      if (s instanceof ReplyErr) return s;
      out.push(s);
    }
    return out;
  };
  const inter = (sets: (Set<string> | undefined)[]) =>
    sets.includes(undefined)
      ? new Set<string>()
      : new Set([...(sets[0] as Set<string>)].filter((x) => sets.every((s) => s?.has(x))));
  const union = (sets: (Set<string> | undefined)[]) =>
    new Set(sets.flatMap((s) => (s ? [...s] : [])));
  const diff = (sets: (Set<string> | undefined)[]) =>
    new Set([...(sets[0] ?? [])].filter((x) => !sets.slice(1).some((s) => s?.has(x))));
  const store = (dst: string, r: Set<string>) => {
    if (r.size > 0) m.set(dst, r);
    else m.delete(dst);
    return r.size;
  };
  switch (name) {
    case "HSET":
    case "HSETNX": {
      const h = modelHash(m, k);
      if (h instanceof ReplyErr) return h;
      const hash = h ?? new Map<string, string>();
      m.set(k, hash);
      if (name === "HSETNX") {
        if (hash.has(rest[0] as string)) return 0;
        hash.set(rest[0] as string, rest[1] as string);
        return 1;
      }
      let created = 0;
      for (let i = 0; i < rest.length; i += 2) {
        if (!hash.has(rest[i] as string)) created++;
        hash.set(rest[i] as string, rest[i + 1] as string);
      }
      return created;
    }
    case "HDEL": {
      const h = modelHash(m, k);
      if (h instanceof ReplyErr || h === undefined) return h ?? 0;
      let n = 0;
      for (const f of rest) if (h.delete(f)) n++;
      dropEmpty(k);
      return n;
    }
    case "HGET": {
      const h = modelHash(m, k);
      return h instanceof ReplyErr ? h : (h?.get(rest[0] as string) ?? null);
    }
    case "HMGET": {
      const h = modelHash(m, k);
      return h instanceof ReplyErr ? h : rest.map((f) => h?.get(f) ?? null);
    }
    case "HEXISTS": {
      const h = modelHash(m, k);
      return h instanceof ReplyErr ? h : h?.has(rest[0] as string) ? 1 : 0;
    }
    case "HSTRLEN": {
      const h = modelHash(m, k);
      return h instanceof ReplyErr ? h : (h?.get(rest[0] as string)?.length ?? 0);
    }
    case "HLEN": {
      const h = modelHash(m, k);
      return h instanceof ReplyErr ? h : (h?.size ?? 0);
    }
    case "HGETALL": {
      const h = modelHash(m, k);
      return h instanceof ReplyErr ? h : [...(h ?? [])];
    }
    case "HKEYS": {
      const h = modelHash(m, k);
      return h instanceof ReplyErr ? h : [...(h?.keys() ?? [])];
    }
    case "HINCRBY": {
      const h = modelHash(m, k);
      if (h instanceof ReplyErr) return h;
      const hash = h ?? new Map<string, string>();
      const cur = hash.get(rest[0] as string) ?? "0";
      if (!/^(0|-?[1-9]\d*)$/.test(cur)) return new ReplyErr("ERR hash value is not an integer");
      const n = Number(cur) + Number(rest[1]);
      hash.set(rest[0] as string, String(n));
      m.set(k, hash);
      return n;
    }
    case "HRANDFIELD": {
      const h = modelHash(m, k);
      if (h instanceof ReplyErr) return h;
      if (h === undefined) return [];
      const got = actual as string[];
      expect(got).toHaveLength(Math.min(Number(rest[0]), h.size));
      expect(new Set(got).size).toBe(got.length);
      for (const f of got) expect(h.has(f)).toBe(true);
      return actual;
    }
    case "SADD": {
      const s = modelSet(m, k);
      if (s instanceof ReplyErr) return s;
      const set = s ?? new Set<string>();
      m.set(k, set);
      const before = set.size;
      for (const x of rest) set.add(x);
      return set.size - before;
    }
    case "SREM": {
      const s = modelSet(m, k);
      if (s instanceof ReplyErr || s === undefined) return s ?? 0;
      let n = 0;
      for (const x of rest) if (s.delete(x)) n++;
      dropEmpty(k);
      return n;
    }
    case "SISMEMBER": {
      const s = modelSet(m, k);
      return s instanceof ReplyErr ? s : s?.has(rest[0] as string) ? 1 : 0;
    }
    case "SMISMEMBER": {
      const s = modelSet(m, k);
      return s instanceof ReplyErr ? s : rest.map((x) => (s?.has(x) ? 1 : 0));
    }
    case "SCARD": {
      const s = modelSet(m, k);
      return s instanceof ReplyErr ? s : (s?.size ?? 0);
    }
    case "SMEMBERS": {
      const s = modelSet(m, k);
      return s instanceof ReplyErr ? s : [...(s ?? [])];
    }
    case "SMOVE": {
      const [dst, member] = rest as [string, string];
      const src = m.get(k);
      if (src === undefined) return 0;
      const d = m.get(dst);
      if (!isSetV(src) || (d !== undefined && !isSetV(d))) return WRONGTYPE;
      if (k === dst) return src.has(member) ? 1 : 0;
      if (!src.delete(member)) return 0;
      dropEmpty(k);
      const target = (d as Set<string> | undefined) ?? new Set<string>();
      target.add(member);
      m.set(dst, target);
      return 1;
    }
    case "SPOP":
    case "SRANDMEMBER": {
      const s = modelSet(m, k);
      if (s instanceof ReplyErr) return s;
      if (rest.length === 0) {
        if (s === undefined) return null;
        expect(s.has(actual as string)).toBe(true);
        if (name === "SPOP") {
          s.delete(actual as string);
          dropEmpty(k);
        }
        return actual;
      }
      const n = Number(rest[0]);
      if (s === undefined) return [];
      const got = actual as string[];
      if (n < 0) expect(got).toHaveLength(-n);
      else expect(got).toHaveLength(Math.min(n, s.size));
      if (n >= 0) expect(new Set(got).size).toBe(got.length);
      for (const x of got) expect(s.has(x)).toBe(true);
      if (name === "SPOP") {
        for (const x of got) s.delete(x);
        dropEmpty(k);
      }
      return actual;
    }
    case "SINTER":
    case "SUNION":
    case "SDIFF": {
      const sets = setsOf([k, ...rest]);
      if (sets instanceof ReplyErr) return sets;
      const op = name === "SINTER" ? inter : name === "SUNION" ? union : diff;
      return [...op(sets)];
    }
    case "SINTERCARD": {
      const sets = setsOf(rest);
      return sets instanceof ReplyErr ? sets : inter(sets).size;
    }
    case "SINTERSTORE":
    case "SUNIONSTORE":
    case "SDIFFSTORE": {
      const sets = setsOf(rest);
      if (sets instanceof ReplyErr) return sets;
      const op = name === "SINTERSTORE" ? inter : name === "SUNIONSTORE" ? union : diff;
      return store(k, op(sets));
    }
  }
  throw new Error(`model lacks ${name}`);
}

test.prop([fc.array(commandArb, { minLength: 1, maxLength: 100, size: "max" })], { numRuns: 200 })(
  "hash and set commands agree with a plain model",
  (script) => {
    const t = new TestStore([...hashCommands, ...setCommands]);
    const model: Model = new Map();
    for (const argv of script) {
      const got = t.run(...argv);
      const want = applyModel(model, argv, got);
      const name = argv[0] as string;
      expect(normalize(name, got), argv.join(" ")).toEqual(normalize(name, want));
    }
    const db = t.keyspace.db(0);
    expect([...db.dict.keys()].sort()).toEqual([...model.keys()].sort());
    for (const [k, v] of model) {
      const actual = db.dict.get(k);
      if (v instanceof Set) expect(actual).toEqual(v);
      else
        expect(new Map([...(actual as HashValue)].map(([f, b]) => [f, elementLatin1(b)]))).toEqual(
          v,
        );
    }
  },
);

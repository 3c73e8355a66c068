import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { globMatch } from "./glob.js";
import { Keyspace } from "./keyspace.js";
import { parseScanCursor, scanContainer } from "./scan.js";

const v = Buffer.from("v");

/** Operations interleaved with a scan: add a key, delete a key, or take one SCAN step. */
const op = fc.oneof(
  fc.record({ t: fc.constant("add" as const), k: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ t: fc.constant("del" as const), k: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ t: fc.constant("step" as const), count: fc.integer({ min: 1, max: 20 }) }),
);

describe("Database.scan", () => {
  test.prop([fc.integer({ min: 0, max: 400 }), fc.array(op, { maxLength: 600 })], { numRuns: 150 })(
    "returns every key present for the whole scan, while the dict grows and shrinks",
    (initial, ops) => {
      const db = new Keyspace({ databases: 1 }).db(0);
      for (let i = 0; i < initial; i++) db.add(`k${i}`, v);
      const start = new Set(db.dict.keys());
      const removed = new Set<string>();
      const seen = new Set<string>();
      let cursor = 0;
      let started = false;
      const step = (count: number) => {
        cursor = db.scan(cursor, count, 0, (k) => seen.add(k));
        started = true;
      };
      for (const o of ops) {
        if (started && cursor === 0) break;
        if (o.t === "step") step(o.count);
        else if (o.t === "add") {
          if (!db.dict.has(`n${o.k}`)) db.add(`n${o.k}`, v);
        } else {
          const key = o.k % 2 === 0 ? `k${o.k}` : `n${o.k}`;
          if (db.delete(key)) removed.add(key);
        }
      }
      // Finish the scan.
      let guard = 0;
      do step(7);
      while (cursor !== 0 && ++guard < 10_000);
      for (const k of start) if (!removed.has(k)) expect(seen.has(k)).toBe(true);
    },
  );

  it("skips and deletes expired keys, and never returns a key twice without churn", () => {
    const db = new Keyspace({ databases: 1 }).db(0);
    for (let i = 0; i < 100; i++) db.add(`k${i}`, v);
    db.setExpire("k5", 10);
    const out: string[] = [];
    let c = 0;
    do c = db.scan(c, 10, 100, (k) => out.push(k));
    while (c !== 0);
    expect(out).toHaveLength(99);
    expect(new Set(out).size).toBe(99);
    expect(db.dict.has("k5")).toBe(false);
  });

  it("restarts rather than skips when SWAPDB replaced the logs mid-scan", () => {
    const ks = new Keyspace({ databases: 2 });
    const db = ks.db(0);
    for (let i = 0; i < 500; i++) db.add(`k${i}`, v);
    for (let i = 0; i < 50; i++) ks.db(1).add(`o${i}`, v);
    const seen = new Set<string>();
    let c = db.scan(0, 300, 0, (k) => seen.add(k));
    ks.swapDbs(0, 1);
    ks.swapDbs(0, 1);
    seen.clear(); // only what the continued scan returns counts
    do c = db.scan(c, 40, 0, (k) => seen.add(k));
    while (c !== 0);
    expect(seen.size).toBe(500);
  });

  it("keeps cursors valid across compaction of deleted slots", () => {
    const db = new Keyspace({ databases: 1 }).db(0);
    for (let i = 0; i < 1000; i++) db.add(`k${i}`, v);
    const seen = new Set<string>();
    let c = db.scan(0, 100, 0, (k) => seen.add(k));
    // Delete most keys before the cursor (forces a compaction), keep those after it.
    for (let i = 0; i < 90; i++) db.delete(`k${i}`);
    for (let i = 100; i < 700; i += 2) db.delete(`k${i}`);
    do c = db.scan(c, 50, 0, (k) => seen.add(k));
    while (c !== 0);
    for (let i = 701; i < 1000; i++) expect(seen.has(`k${i}`)).toBe(true);
  });
});

describe("scanContainer", () => {
  test.prop([fc.integer({ min: 0, max: 300 }), fc.array(op, { maxLength: 400 })], { numRuns: 100 })(
    "covers every member present throughout a SSCAN-like walk of a Set",
    (initial, ops) => {
      const s = new Set<string>();
      for (let i = 0; i < initial; i++) s.add(`k${i}`);
      const start = new Set(s);
      const removed = new Set<string>();
      const seen = new Set<string>();
      let cursor = 0;
      let started = false;
      for (const o of ops) {
        if (started && cursor === 0) break;
        if (o.t === "step") {
          cursor = scanContainer(s, cursor, o.count, false, (k) => seen.add(k));
          started = true;
        } else if (o.t === "add") s.add(`n${o.k}`);
        else if (s.delete(`k${o.k}`)) removed.add(`k${o.k}`);
      }
      if (!started || cursor !== 0)
        do cursor = scanContainer(s, cursor, 5, false, (k) => seen.add(k));
        while (cursor !== 0);
      for (const k of start) if (!removed.has(k)) expect(seen.has(k)).toBe(true);
    },
  );

  it("walks a Map with values, whole when asked, and restarts on an unknown cursor", () => {
    const m = new Map([
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ]);
    const got: [string, number | undefined][] = [];
    expect(scanContainer(m, 0, 100, true, (k, val) => got.push([k, val]))).toBe(0);
    expect(got).toEqual([...m]);
    const again: string[] = [];
    let c = scanContainer(m, 0, 1, false, (k) => again.push(k));
    expect(c).not.toBe(0);
    c = scanContainer(m, 999_999_999, 10, false, (k) => again.push(k));
    expect(c).toBe(0);
    expect(again).toEqual(["a", "a", "b", "c"]);
  });
});

describe("cursor parsing", () => {
  it("follows strtoul", () => {
    expect(parseScanCursor("0")).toBe(0);
    expect(parseScanCursor("")).toBe(0);
    expect(parseScanCursor("+5")).toBe(5);
    expect(parseScanCursor("-1")).toBe(2 ** 64 - 1);
    expect(parseScanCursor(" 1")).toBeNull();
    expect(parseScanCursor("1x")).toBeNull();
    expect(parseScanCursor("18446744073709551616")).toBeNull();
  });
});

describe("globMatch (stringmatchlen)", () => {
  const cases: [string, string, boolean][] = [
    ["h?llo", "hello", true],
    ["h*llo", "heeeello", true],
    ["h[ae]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-b]llo", "hbllo", true],
    ["h[b-a]llo", "hallo", true],
    ["h\\*llo", "h*llo", true],
    ["h\\*llo", "hallo", false],
    ["*", "", false], // stringmatchlen's loop needs a byte; KEYS/SCAN short-circuit "*" first
    ["a*", "a", true],
    ["**", "", false],
    ["[abc", "a", true],
    ["a[", "a", false],
    ["*a*b*c*", "xxaxxbxxcxx", true],
    ["*a*b*c*", "xxaxxbxx", false],
    ["\\", "\\", true],
    ["[\\]]", "]", true],
  ];
  for (const [p, s, want] of cases)
    it(`${p} ~ ${JSON.stringify(s)}`, () => expect(globMatch(p, s)).toBe(want));

  it("gives up on pathological patterns quickly", () => {
    expect(globMatch(`${"*a".repeat(40)}b`, "a".repeat(60))).toBe(false);
  });
});

import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Keyspace } from "../keyspace.js";
import { ZSet } from "../types/zset.js";
import { Denque, type HashValue, type ListValue, type Value } from "../value.js";
import { decodeValue, encodeValue } from "../value-codec.js";

const now = 1_700_000_000_000;

function fill(ks: Keyspace) {
  const db = ks.db(0);
  db.add("s", Buffer.from([0, 255, 10, 13]));
  db.add("l", new Denque(["a", "b"]));
  db.add("h", new Map([["f\u00ff", "v"]]));
  db.add("set", new Set(["x", "\u0080y"]));
  db.add("z", decodeValue(4, ["a", 1, "b", -2.5]));
  db.setExpire("l", now + 60_000);
  db.setExpire("s", now - 1); // already expired: not in the snapshot
  ks.db(5).add("other", Buffer.from("db5"));
}

/** Every key as [db, key, [tag, data], ttl] for comparisons. */
function dumpAll(ks: Keyspace): unknown[] {
  const out: unknown[] = [];
  for (const db of ks.dbs)
    for (const [k, v] of db.dict) out.push([db.index, k, encodeValue(v as Value), db.getExpire(k)]);
  return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe("RDB snapshot walk", () => {
  it("round-trips every type with TTLs and databases, skipping expired keys", async () => {
    const ks = new Keyspace();
    fill(ks);
    const chunks: Uint8Array[] = [];
    for await (const c of ks.rdbSnapshot({ now, batchKeys: 2 })) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(2);
    expect(ks.openSnapshots.size).toBe(0);
    const back = new Keyspace();
    expect(back.loadRdb(chunks, { now }).loaded).toBe(5);
    ks.db(0).delete("s");
    expect(dumpAll(back)).toEqual(dumpAll(ks));
  });

  it("is a point-in-time copy: writes after the call do not show, strings and collections alike", () => {
    const ks = new Keyspace();
    fill(ks);
    const before = dumpAll(ks).filter((r) => (r as unknown[])[1] !== "s");
    const it = ks.rdbSnapshotSync({ now, batchKeys: 1 })[Symbol.iterator]();
    const chunks: Uint8Array[] = [it.next().value as Uint8Array];
    // Mutate through the write path as commands do, after the capture.
    const db = ks.db(0);
    (db.lookupWrite("l", now) as ListValue).push("c");
    (db.lookupWrite("h", now) as HashValue).set("g", "w");
    (db.lookupWrite("set", now) as Set<string>).clear();
    db.setKey("z", Buffer.from("replaced"));
    db.delete("other");
    db.add("new", Buffer.from("n"));
    for (let r = it.next(); !r.done; r = it.next()) chunks.push(r.value);
    const back = new Keyspace();
    back.loadRdb(Buffer.concat(chunks), { now });
    expect(dumpAll(back)).toEqual(before);
  });

  it("carries the access records under an LRU or LFU policy, a changed or read key's as of the call", () => {
    for (const policy of ["allkeys-lru", "allkeys-lfu", "noeviction"]) {
      const ks = new Keyspace();
      ks.maxmemoryPolicy = policy;
      ks.lfuSettings.decayTime = 0;
      const db = ks.db(0);
      db.add("a", Buffer.from("1"));
      db.add("b", new Set(["x"]));
      db.add("c", Buffer.from("3"));
      db.setAccess("a", 300, 40, now);
      db.setAccess("b", 7, 200, now);
      db.setAccess("c", 50, 9, now);
      const it = ks.rdbSnapshotSync({ now, batchKeys: 1 })[Symbol.iterator]();
      const chunks: Uint8Array[] = [it.next().value as Uint8Array];
      // Changed before the walk reaches them: written from their pre-images, access included.
      db.setKey("a", Buffer.from("2"));
      (db.lookupWrite("b", now) as Set<string>).add("y");
      // Read, not changed: the walk writes the record it had at the call.
      expect(db.lookupRead("c", now)).toEqual(Buffer.from("3"));
      for (let r = it.next(); !r.done; r = it.next()) chunks.push(r.value);
      const back = new Keyspace();
      back.clock = () => now;
      back.maxmemoryPolicy = policy;
      back.lfuSettings.decayTime = 0;
      back.loadRdb(Buffer.concat(chunks), { now });
      const got = ["a", "b", "c"].map((k) =>
        policy === "allkeys-lfu" ? back.db(0).lfuFrequency(k, now) : back.db(0).idleSeconds(k, now),
      );
      // noeviction writes none: the loaded keys count as accessed by the load.
      expect([policy, got]).toEqual([
        policy,
        policy === "allkeys-lfu"
          ? [40, 200, 9]
          : policy === "allkeys-lru"
            ? [300, 7, 50]
            : [0, 0, 0],
      ]);
    }
  });

  const write = fc.oneof(
    fc.record({ t: fc.constant("set" as const), k: fc.nat(40), db: fc.nat(1) }),
    fc.record({ t: fc.constant("del" as const), k: fc.nat(40), db: fc.nat(1) }),
    fc.record({ t: fc.constant("over" as const), k: fc.nat(40), db: fc.nat(1) }),
    fc.record({ t: fc.constant("push" as const), k: fc.nat(40), db: fc.nat(1) }),
    fc.record({
      t: fc.constant("ttl" as const),
      k: fc.nat(40),
      db: fc.nat(1),
      ms: fc.integer({ min: -5, max: 5 }),
    }),
    fc.record({ t: fc.constant("persist" as const), k: fc.nat(40), db: fc.nat(1) }),
    fc.record({ t: fc.constant("rename" as const), k: fc.nat(40), to: fc.nat(40), db: fc.nat(1) }),
    fc.record({ t: fc.constant("flush" as const), db: fc.nat(1) }),
    fc.record({ t: fc.constant("swap" as const) }),
    fc.record({ t: fc.constant("chunk" as const) }),
  );

  test.prop([fc.array(write, { maxLength: 120 }), fc.integer({ min: 1, max: 8 })], {
    numRuns: 200,
  })(
    "streams exactly the keyspace as of the call, whatever writes interleave",
    (ops, batchKeys) => {
      const ks = new Keyspace({ databases: 2 });
      for (let d = 0; d < 2; d++)
        for (let i = 0; i < 30; i += 1 + d) {
          const db = ks.db(d);
          if (i % 3 === 0) db.add(`k${i}`, new Denque([`e${i}`]));
          else db.add(`k${i}`, Buffer.from(`v${i}`));
          if (i % 4 === 0) db.setExpire(`k${i}`, now + (i % 8 === 0 ? 1000 : -1));
        }
      const expected = dumpAll(ks).filter((r) => {
        const ttl = (r as unknown[])[3] as number;
        return ttl === -1 || ttl > now;
      });
      const it = ks.rdbSnapshotSync({ now, batchKeys })[Symbol.iterator]();
      const chunks: Uint8Array[] = [];
      let done = false;
      const pull = () => {
        const r = it.next();
        if (r.done) done = true;
        else chunks.push(r.value);
      };
      pull();
      for (const o of ops) {
        if (o.t === "chunk") {
          if (!done) pull();
          continue;
        }
        if (o.t === "swap") {
          ks.swapDbs(0, 1);
          continue;
        }
        const db = ks.db(o.db);
        if (o.t === "flush") {
          db.clear();
          continue;
        }
        const key = `k${o.k}`;
        // Only writes that change a value in place go through lookupWrite: the others must be
        // caught by the Database's own hooks (setKey, delete, setExpire, persist, add).
        const v =
          o.t === "push" || o.t === "rename" ? db.lookupWrite(key, now - 10) : db.dict.get(key);
        if (o.t === "set") db.setKey(key, Buffer.from("new"));
        else if (o.t === "over") {
          if (v !== undefined) db.overwrite(key, Buffer.from("over"));
        } else if (o.t === "del") db.delete(key);
        else if (o.t === "push") {
          if (v === undefined) db.add(key, new Denque(["fresh"]));
          else if (v instanceof Denque) v.push("more");
        } else if (o.t === "ttl") {
          if (v !== undefined) db.setExpire(key, now + o.ms);
        } else if (o.t === "persist") db.persist(key);
        else if (o.t === "rename" && v !== undefined && o.to !== o.k) {
          const to = `k${o.to}`;
          const when = db.getExpire(key);
          if (db.dict.has(to)) db.delete(to);
          db.delete(key);
          db.add(to, v);
          if (when !== -1) db.setExpire(to, when);
        }
      }
      while (!done) pull();
      expect(ks.openSnapshots.size).toBe(0);
      const back = new Keyspace({ databases: 2 });
      back.loadRdb(chunks, { now });
      expect(dumpAll(back)).toEqual(expected);
    },
  );

  test.prop([fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 })])(
    "loads from arbitrary splits of the stream",
    (cuts) => {
      const ks = new Keyspace({ databases: 2 });
      for (let i = 0; i < 50; i++) ks.db(i % 2).add(`k${i}`, Buffer.alloc(i, i));
      const whole = Buffer.concat([...ks.rdbSnapshotSync({ now, batchKeys: 7 })]);
      const pieces: Buffer[] = [];
      let at = 0;
      for (const c of cuts) {
        if (at >= whole.length) break;
        pieces.push(whole.subarray(at, at + c));
        at += c;
      }
      pieces.push(whole.subarray(at));
      const back = new Keyspace({ databases: 2 });
      expect(back.loadRdb(pieces, { now }).loaded).toBe(50);
      expect(dumpAll(back)).toEqual(dumpAll(ks));
    },
  );

  it("keeps expired keys when loading on a replica", () => {
    const ks = new Keyspace();
    ks.db(0).add("old", Buffer.from("x"));
    ks.db(0).setExpire("old", now + 10);
    const bytes = Buffer.concat([...ks.rdbSnapshotSync({ now })]);
    const replica = new Keyspace();
    replica.deleteExpired = false;
    expect(replica.loadRdb(bytes, { now: now + 100 }).loaded).toBe(1);
    expect(new Keyspace().loadRdb(bytes, { now: now + 100 }).loaded).toBe(0);
  });

  it("refuses a file whose databases this keyspace does not have", () => {
    const ks = new Keyspace();
    fill(ks);
    const whole = Buffer.concat([...ks.rdbSnapshotSync({ now })]);
    expect(() => new Keyspace({ databases: 2 }).loadRdb(whole, { now })).toThrow(
      "FATAL: Data file was created with a Redis server configured to handle more than 2 databases. Exiting",
    );
  });

  it("keeps the slot index in step and stays silent while loading", () => {
    const events: string[] = [];
    const ks = new Keyspace({
      slotIndex: true,
      hooks: { notify: (_d, _c, e, k) => events.push(`${e} ${k}`) },
    });
    const src = new Keyspace({ slotIndex: true });
    for (let i = 0; i < 20; i++) src.db(0).add(`{t}${i}`, Buffer.from("x"));
    ks.loadRdb(Buffer.concat([...src.rdbSnapshotSync({ now })]), { now });
    expect(events).toEqual([]);
    expect(ks.db(0).countKeysInSlot(15891)).toBe(20);
  });

  const bigWrite = fc.oneof(
    fc.constant({ t: "chunk" as const }),
    fc.record({ t: fc.constant("mutate" as const), k: fc.constantFrom("h", "s", "z", "l") }),
    fc.record({ t: fc.constant("del" as const), k: fc.constantFrom("h", "s", "z", "l") }),
    fc.record({ t: fc.constant("rename" as const), k: fc.constantFrom("h", "s", "z", "l") }),
    fc.constant({ t: "swap" as const }),
    fc.constant({ t: "flush" as const }),
  );

  test.prop([fc.array(bigWrite, { maxLength: 60 }), fc.integer({ min: 1, max: 40 })], {
    numRuns: 150,
  })(
    "a big collection written in steps is the value as of the call, whatever changes it meanwhile",
    (ops, batchKeys) => {
      // Past the listpack/intset limits: hashtable hash and set, skiplist zset, a long list.
      const ks = new Keyspace({ databases: 2 });
      const db = ks.db(0);
      const n = 300;
      db.add("h", new Map(Array.from({ length: n }, (_, i) => [`f${i}`, Buffer.from(`v${i}`)])));
      db.add("s", new Set(Array.from({ length: n }, (_, i) => `m${i}`)));
      const z = new ZSet();
      for (let i = 0; i < n; i++) z.add(`m${i}`, i / 3);
      db.add("z", z);
      db.add("l", new Denque(Array.from({ length: n }, (_, i) => `e${i}`)));
      db.setExpire("z", now + 60_000);
      for (let i = 0; i < 10; i++) db.add(`small${i}`, Buffer.from(`x${i}`));
      ks.db(1).add("other", Buffer.from("1"));
      const expected = dumpAll(ks);
      const it = ks.rdbSnapshotSync({ now, batchKeys })[Symbol.iterator]();
      const chunks: Uint8Array[] = [];
      let done = false;
      const pull = () => {
        const r = it.next();
        if (r.done) done = true;
        else chunks.push(r.value);
      };
      pull();
      let seq = 0;
      for (const o of ops) {
        if (o.t === "chunk") {
          if (!done) pull();
        } else if (o.t === "swap") ks.swapDbs(0, 1);
        else if (o.t === "flush") ks.db(seq++ % 2).clear();
        else if (o.t === "del") ks.db(0).delete(o.k);
        else if (o.t === "rename") {
          const d = ks.db(0);
          const v = d.dict.get(o.k);
          if (v !== undefined) {
            d.delete(o.k);
            if (d.dict.has(`${o.k}2`)) d.delete(`${o.k}2`);
            d.add(`${o.k}2`, v);
          }
        } else {
          // In place, through the write door, as commands change collections.
          const v = ks.db(0).lookupWrite(o.k, now);
          const m = `new${seq++}`;
          if (v instanceof Map) {
            v.delete("f1");
            v.set(m, Buffer.from("w"));
          } else if (v instanceof Set) {
            v.delete("m2");
            v.add(m);
          } else if (v instanceof ZSet) v.add(m, -1);
          else if (v instanceof Denque) {
            v.shift();
            v.push(m);
          }
        }
      }
      while (!done) pull();
      const back = new Keyspace({ databases: 2 });
      back.loadRdb(chunks, { now });
      expect(dumpAll(back)).toEqual(expected);
    },
  );

  it("a big collection goes out in several chunks, not one", () => {
    const ks = new Keyspace({ databases: 1 });
    ks.db(0).add("h", new Map(Array.from({ length: 5000 }, (_, i) => [`f${i}`, Buffer.from("v")])));
    const chunks = [...ks.rdbSnapshotSync({ now, batchKeys: 256 })];
    expect(chunks.length).toBeGreaterThan(5000 / 256);
    const back = new Keyspace({ databases: 1 });
    back.loadRdb(chunks, { now });
    expect(dumpAll(back)).toEqual(dumpAll(ks));
  });
});

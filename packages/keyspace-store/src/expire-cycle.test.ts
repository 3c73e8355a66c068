import { describe, expect, it } from "vitest";
import { runActiveExpireCycle } from "./expire-cycle.js";
import { Keyspace } from "./keyspace.js";

const v = Buffer.from("v");

describe("activeExpireCycle", () => {
  it("deletes expired keys nobody reads, across databases, and propagates DEL", () => {
    const dels: string[] = [];
    const ks = new Keyspace({
      databases: 3,
      hooks: { propagate: (db, a) => dels.push(`${db}:${a.join(" ")}`) },
    });
    for (let d = 0; d < 3; d++) {
      const db = ks.db(d);
      for (let i = 0; i < 1000; i++) {
        db.add(`k${i}`, v);
        db.setExpire(`k${i}`, i < 900 ? 100 : 10_000);
      }
    }
    // Most keys are expired: the cycle keeps sampling until the stale share drops.
    let total = 0;
    for (let round = 0; round < 50; round++) total += ks.activeExpireCycle(200, 1000).expired;
    expect(total).toBe(2700);
    for (let d = 0; d < 3; d++) expect(ks.db(d).size).toBe(100);
    expect(dels).toHaveLength(2700);
    expect(ks.stats.expiredKeys).toBe(2700);
    expect(ks.db(0).avgTtl).toBeGreaterThan(0);
  });

  it("stops when the time budget is spent and resumes where it stopped", () => {
    const ks = new Keyspace({ databases: 1 });
    const db = ks.db(0);
    for (let i = 0; i < 10_000; i++) {
      db.add(`k${i}`, v);
      db.setExpire(`k${i}`, 1);
    }
    let t = 0;
    const clock = () => (t += 1); // every clock read costs 1 ms
    const r = runActiveExpireCycle(ks, 100, 5, clock);
    expect(r.timedOut).toBe(true);
    expect(r.expired).toBeLessThan(10_000);
    expect(r.expired).toBeGreaterThan(0);
    let left = db.size;
    for (let i = 0; i < 1000 && left > 0; i++) {
      runActiveExpireCycle(ks, 100, 5, clock);
      left = db.size;
    }
    expect(left).toBe(0);
  });

  it("leaves live keys alone and does nothing on a replica", () => {
    const ks = new Keyspace({ databases: 1 });
    const db = ks.db(0);
    for (let i = 0; i < 100; i++) {
      db.add(`k${i}`, v);
      db.setExpire(`k${i}`, 1);
    }
    ks.deleteExpired = false;
    expect(ks.activeExpireCycle(100, 10)).toEqual({ sampled: 0, expired: 0, timedOut: false });
    expect(db.size).toBe(100);
    ks.deleteExpired = true;
    db.add("live", v);
    db.setExpire("live", 1000);
    for (let i = 0; i < 10; i++) ks.activeExpireCycle(100, 10);
    expect([...db.dict.keys()]).toEqual(["live"]);
  });
});

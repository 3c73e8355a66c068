import { keySlotLatin1 } from "@shoal/slot-hash";
import { describe, expect, it } from "vitest";
import { Keyspace } from "./keyspace.js";

describe("Database", () => {
  it("expires lazily and keeps the slot index in step", () => {
    const events: string[] = [];
    const ks = new Keyspace({
      slotIndex: true,
      hooks: {
        propagate: (_db, argv) => events.push(`propagate ${argv.join(" ")}`),
        notify: (_db, _c, ev, key) => events.push(`${ev} ${key}`),
      },
    });
    const db = ks.db(0);
    db.add("a", Buffer.from("1"));
    db.setExpire("a", 1000);
    expect(db.countKeysInSlot(keySlotLatin1("a"))).toBe(1);
    expect(db.lookupRead("a", 999)).toEqual(Buffer.from("1"));
    // keyIsExpired is `now > when`: the key still exists at its expiry millisecond.
    expect(db.lookupRead("a", 1000)).toEqual(Buffer.from("1"));
    expect(db.lookupRead("a", 1001)).toBeUndefined();
    expect(db.size).toBe(0);
    expect(db.countKeysInSlot(keySlotLatin1("a"))).toBe(0);
    expect(events).toEqual(["new a", "propagate DEL a", "expired a", "keymiss a"]);
    expect(ks.stats).toEqual({
      keyspaceHits: 2,
      keyspaceMisses: 1,
      expiredKeys: 1,
      evictedKeys: 0,
    });
  });

  it("lists and deletes the keys of a slot", () => {
    const ks = new Keyspace({ slotIndex: true });
    const db = ks.db(0);
    for (let i = 0; i < 10; i++) db.add(`{t}${i}`, Buffer.from("x"));
    const slot = keySlotLatin1("t");
    expect(db.getKeysInSlot(slot, 3)).toHaveLength(3);
    expect(db.deleteSlot(slot)).toBe(10);
    expect(db.size).toBe(0);
  });

  it("on a replica applying its master's stream, expired keys are still there", () => {
    const ks = new Keyspace();
    const db = ks.db(0);
    db.add("k", Buffer.from("v"));
    db.setExpire("k", 10);
    ks.deleteExpired = false;
    expect(db.lookupRead("k", 20)).toBeUndefined();
    ks.ignoreExpiry = true;
    expect(db.lookupWrite("k", 20)).toEqual(Buffer.from("v"));
    ks.ignoreExpiry = false;
    expect(db.has("k", 20)).toBe(false);
    expect(db.dict.has("k")).toBe(true);
    // A write that recreates it replaces it, stale TTL included.
    db.add("k", Buffer.from("w"));
    expect(db.getExpire("k")).toBe(-1);
    expect(db.lookupRead("k", 20)).toEqual(Buffer.from("w"));
  });
});

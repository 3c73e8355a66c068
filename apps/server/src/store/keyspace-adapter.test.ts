// KeyspaceStore without sockets: the slot index cluster mode reads, the config it takes,
// INFO's numbers, the paced expiry cycle and a snapshot round trip through the adapter.
import { DEFAULT_ENCODING_LIMITS, type StringValue, valueBytes } from "@shoal/keyspace-store";
import { keySlot } from "@shoal/slot-hash";
import { describe, expect, it } from "vitest";
import { slotKeysOf } from "../cluster/slot-keys.js";
import { KeyspaceStore } from "./keyspace-adapter.js";
import { createStore } from "./store-factory.js";

const buf = (s: string) => Buffer.from(s, "latin1");

describe("KeyspaceStore", () => {
  it("createStore builds the real store; slotIndex gives db(0) the per-slot view", () => {
    const store = createStore(1, { slotIndex: true });
    expect(store).toBeInstanceOf(KeyspaceStore);
    expect(store.commands.some((c) => c.name === "set")).toBe(true);
    const db = store.db(0);
    for (const k of ["{user}:1", "{user}:2", "other"]) db.add(k, buf("v"));
    const slot = keySlot(Buffer.from("user"));
    expect(db.countKeysInSlot(slot)).toBe(2);
    expect(db.getKeysInSlot(slot, 10).sort()).toEqual(["{user}:1", "{user}:2"]);
    expect(db.deleteSlot(slot)).toBe(2);
    expect(store.dbSize(0)).toBe(1);
    expect(slotKeysOf(store)).toBe(db);
    // Standalone: no slot index, and cluster mode refuses such a store.
    const plain = createStore(16);
    expect(db.hasSlotIndex).toBe(true);
    expect(plain.db(0).hasSlotIndex).toBe(false);
    expect(() => plain.db(0).countKeysInSlot(0)).toThrow(/slot index/);
    expect(() => slotKeysOf(plain)).toThrow(/slotIndex: true/);
  });

  it("configure sets its own keyspace's encoding thresholds and ignores other names", () => {
    const store = new KeyspaceStore({ databases: 1 });
    const other = new KeyspaceStore({ databases: 1 });
    expect(store.configNames).toContain("zset-max-listpack-entries");
    expect(store.configNames).toContain("list-max-listpack-size");
    store.configure("zset-max-listpack-entries", 3);
    store.configure("hash-max-listpack-value", 10);
    store.configure("list-max-listpack-size", 5);
    store.configure("hll-sparse-max-bytes", 100);
    store.configure("stream-node-max-bytes", 0);
    store.configure("stream-node-max-entries", 7);
    store.configure("maxclients", 5);
    expect(store.keyspace.encodingLimits).toEqual({
      ...DEFAULT_ENCODING_LIMITS,
      zsetMaxListpackEntries: 3,
      hashMaxListpackValue: 10,
      listMaxListpackSize: 5,
      hllSparseMaxBytes: 100,
      streamNodeMaxBytes: 0,
      streamNodeMaxEntries: 7,
    });
    expect(other.keyspace.encodingLimits).toEqual(DEFAULT_ENCODING_LIMITS);
  });

  it("counts, expires and avg_ttl for INFO; the expiry cycle deletes what is due", () => {
    const store = new KeyspaceStore({ databases: 2 });
    const db = store.db(1);
    const now = Date.now();
    db.add("a", buf("1"));
    db.add("b", buf("2"));
    db.setExpire("b", now + 10_000);
    db.add("c", buf("3"));
    db.setExpire("c", now - 1);
    expect([store.dbSize(1), store.expiresCount(1)]).toEqual([3, 2]);
    const avg = store.avgTtl(1, now);
    expect(avg).toBeGreaterThan(9_000);
    expect(avg).toBeLessThanOrEqual(10_000);
    store.activeExpireCycle(now);
    expect([store.dbSize(1), store.expiresCount(1)]).toEqual([2, 1]);
    expect(store.stats.expiredKeys).toBe(1);
    expect(store.avgTtl(0, now)).toBe(0);
  });

  it("snapshot and loadSnapshot carry every database through the adapter", async () => {
    const a = new KeyspaceStore({ databases: 3 });
    a.db(0).add("k", buf("v0"));
    a.db(2).add("k", buf("v2"));
    a.db(2).setExpire("k", Date.now() + 60_000);
    const chunks: Uint8Array[] = [];
    for await (const c of a.snapshot()) chunks.push(c);
    const b = new KeyspaceStore({ databases: 3 });
    b.db(1).add("stale", buf("x"));
    b.loadSnapshot(Buffer.concat(chunks));
    // A loaded small string may come back as a latin1 JS string: compare bytes.
    const bytes = (db: number) => valueBytes(b.db(db).lookupRead("k", Date.now()) as StringValue);
    expect(bytes(0)).toEqual(buf("v0"));
    expect(bytes(2)).toEqual(buf("v2"));
    expect(b.db(2).getExpire("k")).toBe(a.db(2).getExpire("k"));
    expect(b.dbSize(1)).toBe(0);
  });

  it("flushAll empties every database and signals WATCH once", () => {
    const store = new KeyspaceStore({ databases: 2 });
    const flushed: number[] = [];
    store.setHooks({ dbFlushed: (db) => flushed.push(db) });
    store.db(0).add("x", buf("1"));
    store.db(1).add("y", buf("1"));
    store.flushAll();
    expect([store.dbSize(0), store.dbSize(1)]).toEqual([0, 0]);
    expect(flushed).toEqual([-1]);
  });
});

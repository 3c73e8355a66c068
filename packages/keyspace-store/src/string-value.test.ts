import { describe, expect, it } from "vitest";
import { keyCommands } from "./commands/keys.js";
import { stringCommands } from "./commands/strings.js";
import { Keyspace } from "./keyspace.js";
import { keyMemoryUsage } from "./memory.js";
import { INLINE_STRING_MAX, parseInt64Latin1, valueFromBytes } from "./string-value.js";
import { Simple, TestStore } from "./test-kit.js";

const store = () => new TestStore([...stringCommands, ...keyCommands]);
/** Every byte value, and the CR LF a reply must carry through untouched. */
const ALL_BYTES = Buffer.from([...Array.from({ length: 256 }, (_, i) => i), 13, 10]);
const raw = (t: TestStore, key: string) => t.keyspace.db(0).dict.get(key);

describe("string values in their two shapes", () => {
  it("keeps small values as latin1 JS strings, byte for byte", () => {
    const t = store();
    t.run("SET", "k", ALL_BYTES);
    expect(typeof raw(t, "k")).toBe("string");
    expect(t.runBuffers("GET", "k")).toEqual(ALL_BYTES);
    expect(t.runBuffers("GETRANGE", "k", "250", "-1")).toEqual(ALL_BYTES.subarray(250));
    expect(t.run("STRLEN", "k")).toBe(ALL_BYTES.length);
    t.run("MSET", "a", Buffer.from([0xff, 0]), "b", Buffer.from([0x80]));
    expect(t.runBuffers("MGET", "a", "b")).toEqual([Buffer.from([0xff, 0]), Buffer.from([0x80])]);
    expect(t.runBuffers("GETSET", "a", Buffer.from([0xe9]))).toEqual(Buffer.from([0xff, 0]));
    expect(t.runBuffers("GETDEL", "a")).toEqual(Buffer.from([0xe9]));
    expect(t.run("SET", "e", "")).toEqual(new Simple("OK"));
    expect(t.runBuffers("GET", "e")).toEqual(Buffer.alloc(0));
    expect(t.run("EXISTS", "e")).toBe(1);
  });

  it("keeps values longer than INLINE_STRING_MAX as Buffers", () => {
    const t = store();
    const big = Buffer.alloc(INLINE_STRING_MAX + 1, 0xfe);
    t.run("SET", "big", big);
    expect(Buffer.isBuffer(raw(t, "big"))).toBe(true);
    expect(t.runBuffers("GET", "big")).toEqual(big);
    t.run("SET", "edge", big.subarray(1));
    expect(typeof raw(t, "edge")).toBe("string");
    expect(t.run("OBJECT", "ENCODING", "edge")).toBe("raw");
  });

  it("grows a string value into a raw Buffer on APPEND and SETRANGE", () => {
    const t = store();
    t.run("SET", "k", Buffer.from([0xff, 0x00]));
    expect(t.run("APPEND", "k", Buffer.from([0x80]))).toBe(3);
    expect(Buffer.isBuffer(raw(t, "k"))).toBe(true);
    expect(t.runBuffers("GET", "k")).toEqual(Buffer.from([0xff, 0x00, 0x80]));
    expect(t.run("OBJECT", "ENCODING", "k")).toBe("raw");
    t.run("SET", "r", Buffer.from([0xe9, 0xe9]));
    expect(t.run("SETRANGE", "r", "3", Buffer.from([0xff]))).toBe(4);
    expect(t.runBuffers("GET", "r")).toEqual(Buffer.from([0xe9, 0xe9, 0, 0xff]));
    expect(t.run("OBJECT", "ENCODING", "r")).toBe("raw");
    t.run("APPEND", "new", "12");
    expect(typeof raw(t, "new")).toBe("string");
    expect(t.run("OBJECT", "ENCODING", "new")).toBe("int");
  });

  it("counts on strings: INCR stores digits, INCRBYFLOAT stays embstr", () => {
    const t = store();
    t.run("SET", "n", "9223372036854775806");
    expect(t.run("INCR", "n")).toBe(9223372036854775807n);
    expect(typeof raw(t, "n")).toBe("string");
    expect(t.run("OBJECT", "ENCODING", "n")).toBe("int");
    t.run("SET", "s", "17");
    expect(t.run("OBJECT", "REFCOUNT", "s")).toBe(2147483647);
    expect(t.run("INCRBYFLOAT", "f", "5")).toBe("5");
    expect(t.run("OBJECT", "ENCODING", "f")).toBe("embstr");
    expect(t.run("INCR", "f")).toBe(6);
    expect(t.run("OBJECT", "ENCODING", "f")).toBe("int");
    expect(t.run("INCRBYFLOAT", "n2", "1.5")).toBe("1.5");
    t.run("SET", "x", "1.5");
    expect(t.run("INCRBYFLOAT", "x", "1")).toBe("2.5");
  });

  it("parses int64 from latin1 strings as string2ll does", () => {
    for (const [s, n] of [
      ["0", 0],
      ["-1", -1],
      ["123456789012345", 123456789012345],
      ["9223372036854775807", 9223372036854775807n],
      ["-9223372036854775808", -9223372036854775808n],
    ] as const)
      expect(parseInt64Latin1(s)).toBe(n);
    for (const s of ["", "-", "-0", "01", "+1", " 1", "1 ", "9223372036854775808", "1\u00ff"])
      expect(parseInt64Latin1(s)).toBeNull();
  });

  it("DUMP/RESTORE and COPY round-trip string values, even ones that read like errors", () => {
    const t = store();
    for (const v of ["ERR Bad data format", "ERR DUMP payload version or checksum are wrong"]) {
      t.run("SET", "k", v);
      const payload = t.runBuffers("DUMP", "k") as Buffer;
      expect(t.run("RESTORE", "k2", "0", payload, "REPLACE")).toEqual(new Simple("OK"));
      expect(t.run("GET", "k2")).toBe(v);
      expect(typeof raw(t, "k2")).toBe("string");
    }
    t.run("SET", "b", ALL_BYTES);
    expect(t.run("COPY", "b", "c")).toBe(1);
    expect(t.runBuffers("GET", "c")).toEqual(ALL_BYTES);
  });

  it("snapshots carry both shapes and load small ones as strings", () => {
    const t = store();
    t.run("SET", "s", ALL_BYTES);
    t.run("SET", "b", Buffer.alloc(INLINE_STRING_MAX + 10, 0x81));
    t.run("APPEND", "a", "x");
    t.run("APPEND", "a", Buffer.from([0xff]));
    const ks = new Keyspace();
    ks.loadRdb([...t.keyspace.rdbSnapshotSync()]);
    const db = ks.db(0);
    expect(Buffer.from(db.dict.get("s") as string, "latin1")).toEqual(ALL_BYTES);
    expect(typeof db.dict.get("a")).toBe("string");
    expect(db.dict.get("b")).toEqual(Buffer.alloc(INLINE_STRING_MAX + 10, 0x81));
  });

  it("estimates a string value below the Buffer it replaces", () => {
    const s = keyMemoryUsage("key:1", "value:1", false);
    const b = keyMemoryUsage("key:1", Buffer.from("value:1"), false);
    expect(s).toBeLessThan(b - 64);
    expect(valueFromBytes(Buffer.from([0xff]))).toBe("\u00ff");
  });
});

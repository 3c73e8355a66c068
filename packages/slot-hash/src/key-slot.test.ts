// Key -> slot: every vector of cluster-internals.md 1.2 in every input form, property tests
// against a transcription of keyHashSlot() and against cluster-key-slot, and the two places where
// cluster-key-slot departs from Redis.
import { fc, test } from "@fast-check/vitest";
import clusterKeySlot from "cluster-key-slot";
import { describe, expect } from "vitest";
import {
  hasEmptyTagThenBrace,
  hasLoneSurrogate,
  keyBytes,
  keyString,
  latin1String,
  naiveCrc16,
  naiveKeySlot,
} from "../test/support.js";
import {
  crc16Latin1,
  crc16Utf8,
  keySlot,
  keySlotBytes,
  keySlotLatin1,
  keySlotRange,
  keySlotString,
} from "./key-slot.js";

// Every vector of shared/reference/cluster-internals.md section 1.2, as raw bytes.
const VECTORS: [key: Buffer, slot: number][] = [
  [Buffer.from(""), 0],
  [Buffer.from("123456789"), 12739],
  [Buffer.from("foo"), 12182],
  [Buffer.from("bar"), 5061],
  [Buffer.from("hello"), 866],
  [Buffer.from("somekey"), 11058],
  [Buffer.from("foo{hash_tag}"), 2515],
  [Buffer.from("bar{hash_tag}"), 2515],
  [Buffer.from("{user1000}.following"), 3443],
  [Buffer.from("{user1000}.followers"), 3443],
  [Buffer.from("user1000"), 3443],
  [Buffer.from("{}"), 15257],
  [Buffer.from("{}foo"), 9500],
  [Buffer.from("{{a}}"), 10276],
  [Buffer.from("a{}{b}"), 15033],
  [Buffer.from("foo{}{bar}"), 8363],
  [Buffer.from("foo{{bar}}zap"), 4015],
  [Buffer.from("foo{bar}{zap}"), 5061],
  [Buffer.from("a{b}}"), 3300],
  [Buffer.from("a{{b}"), 6215],
  [Buffer.from("}"), 12090],
  [Buffer.from("{"), 4092],
  [Buffer.from("a}b{c"), 13587],
  [Buffer.from([0x00, 0xff, 0x7b, 0x01, 0x7d]), 4129],
  [Buffer.from([0xc3, 0xa9]), 10180],
];

describe("reference vectors", () => {
  for (const [key, slot] of VECTORS) {
    const label = JSON.stringify(key.toString("latin1"));
    test(`${label} -> ${slot}`, () => {
      expect(naiveKeySlot(key)).toBe(slot);
      expect(keySlotBytes(key)).toBe(slot);
      expect(keySlot(key)).toBe(slot);
      expect(keySlot(new Uint8Array(key))).toBe(slot);
      expect(keySlotLatin1(key.toString("latin1"))).toBe(slot);
      // Inside a larger read buffer, with braces around it that must not leak in.
      const framed = Buffer.concat([Buffer.from("{x}"), key, Buffer.from("{y}")]);
      expect(keySlotRange(framed, 3, 3 + key.length)).toBe(slot);
      // As a string wherever the bytes are valid UTF-8 (all but the binary vector).
      const asString = key.toString("utf8");
      if (Buffer.from(asString).equals(key)) {
        expect(keySlotString(asString)).toBe(slot);
        expect(keySlot(asString)).toBe(slot);
      }
    });
  }

  test("é as a JS string hashes its UTF-8 bytes, not its UTF-16 unit", () => {
    expect(keySlot("é")).toBe(10180);
    expect(keySlotLatin1("é")).not.toBe(10180);
    expect(keySlotLatin1("\xc3\xa9")).toBe(10180);
  });
});

describe("strings are hashed as their UTF-8 bytes", () => {
  test("surrogate pairs and lone surrogates encode like Buffer.from", () => {
    for (const s of [
      "😀",
      "a😀b",
      "{😀}",
      "\ud800",
      "\udc00",
      "x\ud800}",
      "{\ud83d}",
      "\ud83d\ud83d\ude00",
      "\ude00\ud83d",
    ]) {
      expect(crc16Utf8(s)).toBe(naiveCrc16(Buffer.from(s, "utf8")));
      expect(keySlotString(s)).toBe(naiveKeySlot(Buffer.from(s, "utf8")));
    }
  });

  test.prop([keyString])("keySlot(string) = keyHashSlot(Buffer.from(string))", (s) => {
    expect(keySlot(s)).toBe(naiveKeySlot(Buffer.from(s, "utf8")));
  });

  test.prop([keyString, fc.nat(), fc.nat()])(
    "crc16Utf8 over a range equals the bytes of that range",
    (s, a, b) => {
      // Bounds may split a surrogate pair: both halves then count as lone surrogates.
      const start = s.length === 0 ? 0 : a % (s.length + 1);
      const end = start + (s.length === 0 ? 0 : b % (s.length - start + 1));
      expect(crc16Utf8(s, start, end)).toBe(naiveCrc16(Buffer.from(s.slice(start, end), "utf8")));
    },
  );
});

describe("binary keys", () => {
  test.prop([keyBytes])("keySlot(bytes) = keyHashSlot(bytes)", (b) => {
    expect(keySlotBytes(b)).toBe(naiveKeySlot(b));
    expect(keySlot(b)).toBe(naiveKeySlot(b));
  });

  test.prop([keyBytes, keyBytes, keyBytes])(
    "keySlotRange hashes only its slice",
    (pre, key, post) => {
      const buf = Buffer.concat([pre, key, post]);
      expect(keySlotRange(buf, pre.length, pre.length + key.length)).toBe(naiveKeySlot(key));
    },
  );

  test.prop([latin1String])("keySlotLatin1(s) = keyHashSlot(Buffer.from(s, 'latin1'))", (s) => {
    expect(keySlotLatin1(s)).toBe(naiveKeySlot(Buffer.from(s, "latin1")));
    expect(crc16Latin1(s)).toBe(naiveCrc16(Buffer.from(s, "latin1")));
  });

  test.prop([fc.string({ unit: "binary", maxLength: 30 })])(
    "keySlotLatin1 keeps the low byte of chars above 0xFF, like Buffer.from(s, 'latin1')",
    (s) => {
      expect(keySlotLatin1(s)).toBe(naiveKeySlot(Buffer.from(s, "latin1")));
    },
  );
});

describe("agreement with cluster-key-slot 1.1.2", () => {
  test.prop([keyBytes])("on binary keys (where it follows Redis)", (b) => {
    fc.pre(!hasEmptyTagThenBrace(b));
    expect(keySlotBytes(b)).toBe(clusterKeySlot(Buffer.from(b)));
  });

  test.prop([keyString])("on well-formed strings (where it follows Redis)", (s) => {
    fc.pre(!hasLoneSurrogate(s) && !hasEmptyTagThenBrace(Buffer.from(s)));
    expect(keySlotString(s)).toBe(clusterKeySlot(s));
  });

  // Known departures of cluster-key-slot from Redis; the Redis side of each is checked against a
  // real server in test/redis-keyslot.test.ts.
  test("after an empty tag, Redis hashes the whole key; cluster-key-slot does not", () => {
    expect(keySlot("a{}b}")).toBe(naiveKeySlot(Buffer.from("a{}b}")));
    expect(clusterKeySlot("a{}b}")).toBe(keySlot("b"));
    expect(keySlot("a{}b}")).not.toBe(keySlot("b"));
  });

  test("lone surrogates: Buffer.from writes U+FFFD; cluster-key-slot encodes the surrogate", () => {
    expect(keySlot("\ud800")).toBe(keySlot("\ufffd"));
    expect(clusterKeySlot("\ud800")).toBe(keySlot(Buffer.from([0xed, 0xa0, 0x80])));
  });
});

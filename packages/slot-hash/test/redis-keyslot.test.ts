// keySlot against the reference: a real redis-server 7.0.15 in cluster mode answers CLUSTER
// KEYSLOT for a few thousand random keys, sent pipelined in one raw RESP payload.
import { rawExchange, type ServerHandle, startRedisServer } from "@shoal/test-utils";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { keySlot, keySlotLatin1, keySlotRange } from "../src/index.js";
import { keyBytes, keyString } from "./support.js";

// Keys that pin the edge cases by name: every reference vector, the places where
// cluster-key-slot departs from Redis, CR/LF/NUL inside keys and tags, astral characters.
const PINNED_STRINGS = [
  "",
  "123456789",
  "foo",
  "bar",
  "hello",
  "somekey",
  "foo{hash_tag}",
  "bar{hash_tag}",
  "{user1000}.following",
  "{user1000}.followers",
  "user1000",
  "{}",
  "{}foo",
  "{{a}}",
  "a{}{b}",
  "foo{}{bar}",
  "foo{{bar}}zap",
  "foo{bar}{zap}",
  "a{b}}",
  "a{{b}",
  "}",
  "{",
  "a}b{c",
  "é",
  "a{}b}",
  "{}x}",
  "\ud800",
  "x{\udc00}",
  "{😀}",
  "😀{é}",
  "k\r\n{\0}",
  "{\r\n}",
  "\u{10ffff}",
];

function bulk(key: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`*3\r\n$7\r\nCLUSTER\r\n$7\r\nKEYSLOT\r\n$${key.length}\r\n`),
    key,
    Buffer.from("\r\n"),
  ]);
}

async function clusterKeyslots(port: number, keys: Buffer[]): Promise<number[]> {
  const countReplies = (b: Buffer) => {
    let n = 0;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    return n;
  };
  const reply = await rawExchange(port, Buffer.concat(keys.map(bulk)), {
    done: (b) => countReplies(b) >= keys.length,
    timeout: 15_000,
  });
  const lines = reply.toString("latin1").split("\r\n").slice(0, -1);
  expect(lines.length).toBe(keys.length);
  return lines.map((l) => {
    if (!/^:\d+$/.test(l)) throw new Error(`unexpected reply ${JSON.stringify(l)}`);
    return Number(l.slice(1));
  });
}

describe("agreement with CLUSTER KEYSLOT of redis-server 7.0.15", () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startRedisServer({
      args: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("binary keys: Buffer, Uint8Array, range inside a read buffer, latin1 string", async () => {
    const keys = fc.sample(keyBytes, { numRuns: 2500, seed: 20261125 }).map((b) => Buffer.from(b));
    keys.push(...PINNED_STRINGS.map((s) => Buffer.from(s)));
    const expected = await clusterKeyslots(server.port, keys);
    // One read buffer holding every key back to back, as a RESP decoder would see them.
    const arena = Buffer.concat(keys);
    let offset = 0;
    const mismatches: string[] = [];
    keys.forEach((key, i) => {
      const want = expected[i];
      const got = [
        keySlot(key),
        keySlot(new Uint8Array(key)),
        keySlotRange(arena, offset, offset + key.length),
        keySlotLatin1(key.toString("latin1")),
      ];
      offset += key.length;
      if (got.some((g) => g !== want))
        mismatches.push(`${key.toString("hex")}: redis ${want}, shoal ${got.join("/")}`);
    });
    expect(mismatches).toEqual([]);
    expect(keys.length).toBeGreaterThan(2500);
  });

  test("string keys are sent and hashed as UTF-8", async () => {
    const strings = fc.sample(keyString, { numRuns: 2500, seed: 1125 });
    strings.push(...PINNED_STRINGS);
    // What a client puts on the wire for a JS string: its UTF-8 bytes (lone surrogates -> U+FFFD).
    const expected = await clusterKeyslots(
      server.port,
      strings.map((s) => Buffer.from(s, "utf8")),
    );
    const mismatches = strings
      .map((s, i) => ({ s, want: expected[i], got: keySlot(s) }))
      .filter((m) => m.got !== m.want)
      .map((m) => `${JSON.stringify(m.s)}: redis ${m.want}, shoal ${m.got}`);
    expect(mismatches).toEqual([]);
    // The sample really contains the hard cases.
    expect(strings.some((s) => /\p{Cs}/u.test(s))).toBe(true);
    expect(strings.some((s) => /[\u{10000}-\u{10ffff}]/u.test(s))).toBe(true);
    expect(strings.filter((s) => /\{[^}]+\}/.test(s)).length).toBeGreaterThan(100);
  });
});

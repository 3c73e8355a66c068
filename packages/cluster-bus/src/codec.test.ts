import { fc, test } from "@fast-check/vitest";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { messageArb, normalize, samplePing } from "../test/arbitraries.js";
import {
  encodeBody,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  PROTOCOL_VERSION,
} from "./codec.js";
import { BusErrorCode, BusProtocolError } from "./errors.js";
import { FrameDecoder } from "./frame-decoder.js";
import type { ClusterMessage } from "./messages.js";

function decodeAll(chunks: Uint8Array[], max?: number) {
  const dec = new FrameDecoder(max !== undefined ? { maxFrameBytes: max } : {});
  const out: ClusterMessage[] = [];
  let error: BusProtocolError | null = null;
  for (const c of chunks) {
    error = dec.push(c, { message: (m) => out.push(m) }) ?? error;
  }
  return { out, error, dec };
}

function frameWith(
  body: Uint8Array,
  opts: { magic?: number; version?: number; length?: number } = {},
) {
  const f = Buffer.alloc(FRAME_HEADER_BYTES + body.length);
  f.writeUInt32BE(opts.magic ?? FRAME_MAGIC, 0);
  f.writeUInt16BE(opts.version ?? PROTOCOL_VERSION, 4);
  f.writeUInt32BE(opts.length ?? body.length, 6);
  Buffer.from(body).copy(f, FRAME_HEADER_BYTES);
  return f;
}

describe("codec", () => {
  test.prop([messageArb])("every message round-trips through a frame", (msg) => {
    const { out, error } = decodeAll([encodeFrame(msg)]);
    expect(error).toBeNull();
    expect(out).toHaveLength(1);
    expect(normalize(out[0])).toEqual(normalize(msg));
  });

  test.prop([
    fc.array(messageArb, { minLength: 1, maxLength: 5 }),
    fc.array(fc.nat(), { maxLength: 8 }),
  ])("a stream of frames decodes the same under any chunking", (msgs, cuts) => {
    const all = Buffer.concat(msgs.map(encodeFrame));
    const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let prev = 0;
    for (const p of points) {
      chunks.push(all.subarray(prev, p));
      prev = p;
    }
    chunks.push(all.subarray(prev));
    const { out, error } = decodeAll(chunks);
    expect(error).toBeNull();
    expect(normalize(out)).toEqual(normalize(msgs));
  });

  it("decodes a PING split at every byte, and fed byte by byte", () => {
    const frame = encodeFrame(samplePing(10));
    for (let i = 0; i <= frame.length; i++) {
      const { out, error } = decodeAll([frame.subarray(0, i), frame.subarray(i)]);
      expect(error).toBeNull();
      expect(out).toHaveLength(1);
    }
    const bytes = [...frame].map((b) => Uint8Array.of(b));
    expect(decodeAll(bytes).out).toHaveLength(1);
  });

  it("uses shared records: a 10-entry PING is far smaller than Redis's 3296 bytes", () => {
    const frame = encodeFrame(samplePing(10));
    expect(frame.length).toBeLessThan(3296 * 0.5);
    // No field name travels on the wire.
    expect(frame.includes(Buffer.from("currentEpoch"))).toBe(false);
  });

  it("rejects a wrong magic, a wrong version and an absurd length with typed errors", () => {
    const body = encodeBody(samplePing(1));
    expect(decodeAll([frameWith(body, { magic: 0x52436d62 })]).error?.code).toBe(
      BusErrorCode.BAD_MAGIC,
    );
    expect(decodeAll([frameWith(body, { version: 2 })]).error?.code).toBe(BusErrorCode.BAD_VERSION);
    const huge = decodeAll([frameWith(body, { length: 0xffffffff })], 1 << 20);
    expect(huge.error?.code).toBe(BusErrorCode.FRAME_TOO_LARGE);
    expect(huge.dec.bufferedBytes).toBe(0);
  });

  it("rejects undecodable and schema-invalid bodies", () => {
    expect(decodeAll([frameWith(Uint8Array.of(0x93, 0x01))]).error?.code).toBe(
      BusErrorCode.UNDECODABLE,
    );
    const plain = new Packr({ useRecords: false });
    const bad = (o: unknown) => decodeAll([frameWith(plain.pack(o))]).error?.code;
    const ping = samplePing(1) as unknown as { header: Record<string, unknown> };
    expect(bad({ type: 0 })).toBe(BusErrorCode.INVALID_MESSAGE);
    expect(bad([1, 2, 3])).toBe(BusErrorCode.INVALID_MESSAGE);
    expect(bad({ ...ping, header: { ...ping.header, sender: "short" } })).toBe(
      BusErrorCode.INVALID_MESSAGE,
    );
    expect(bad({ ...ping, header: { ...ping.header, currentEpoch: -1 } })).toBe(
      BusErrorCode.INVALID_MESSAGE,
    );
    expect(bad({ ...ping, header: { ...ping.header, currentEpoch: 2 ** 64 } })).toBe(
      BusErrorCode.INVALID_MESSAGE,
    );
    expect(bad({ ...ping, header: { ...ping.header, slots: [5, 3] } })).toBe(
      BusErrorCode.INVALID_MESSAGE,
    );
    expect(bad({ ...ping, header: { ...ping.header, slots: [0, 16384] } })).toBe(
      BusErrorCode.INVALID_MESSAGE,
    );
    expect(bad({ ...ping, header: { ...ping.header, port: 70000 } })).toBe(
      BusErrorCode.INVALID_MESSAGE,
    );
    expect(bad({ ...ping, gossip: [{ id: "x" }] })).toBe(BusErrorCode.INVALID_MESSAGE);
    // The same message with plain maps (no records) is valid: field names are what matter.
    expect(decodeAll([frameWith(plain.pack(ping))]).error).toBeNull();
  });

  it("ignores (without error) a well-formed frame of an unknown type", () => {
    const plain = new Packr({ useRecords: false });
    const dec = new FrameDecoder();
    const unknown: number[] = [];
    const err = dec.push(frameWith(plain.pack({ type: 42, header: {} })), {
      message: () => {},
      unknown: (t) => unknown.push(t),
    });
    expect(err).toBeNull();
    expect(unknown).toEqual([42]);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])("random bytes never throw", (bytes) => {
    const dec = new FrameDecoder({ maxFrameBytes: 1 << 16 });
    const res = dec.push(bytes, { message: () => {} });
    expect(res === null || res instanceof BusProtocolError).toBe(true);
    expect(dec.bufferedBytes).toBeLessThanOrEqual(bytes.length);
  });

  test.prop([fc.uint8Array({ maxLength: 300 }), fc.nat(400)])(
    "valid-looking frames with random bodies never throw",
    (body, len) => {
      const dec = new FrameDecoder({ maxFrameBytes: 1 << 16 });
      const res = dec.push(frameWith(body, { length: Math.min(len, body.length) }), {
        message: () => {},
      });
      expect(res === null || res instanceof BusProtocolError).toBe(true);
    },
  );

  test.prop([messageArb, fc.nat(), fc.integer({ min: 0, max: 255 })])(
    "a corrupted byte in a valid frame never throws",
    (msg, pos, value) => {
      const frame = encodeFrame(msg);
      frame[pos % frame.length] = value;
      const res = new FrameDecoder().push(frame, { message: () => {} });
      expect(res === null || res instanceof BusProtocolError).toBe(true);
    },
  );

  it("stays failed after the first bad frame", () => {
    const dec = new FrameDecoder();
    const err = dec.push(Buffer.from("GET / HTTP/1.1\r\n\r\n"), { message: () => {} });
    expect(err?.code).toBe(BusErrorCode.BAD_MAGIC);
    const got: unknown[] = [];
    expect(dec.push(encodeFrame(samplePing(1)), { message: (m) => got.push(m) })).toBe(err);
    expect(got).toHaveLength(0);
  });
});

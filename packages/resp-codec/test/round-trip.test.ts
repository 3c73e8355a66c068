// Property tests: random values encoded by ReplyBuffer decode back to themselves through
// ReplyDecoder (RESP3, and RESP2 with its flattening), random commands encoded by the command
// encoder (and random inline lines) decode back through CommandDecoder, whatever the chunking.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  CommandDecoder,
  DecodeResult,
  encodeCommandBuffer,
  formatDouble17g,
  quoteRepr,
  ReplyBuffer,
  type ReplyBuilders,
  ReplyDecoder,
} from "../src/index.js";

// A RESP value model, tagged so that every RESP type is told apart after decoding.
type V =
  | { t: "simple"; s: string }
  | { t: "error"; s: string }
  | { t: "int"; n: number }
  | { t: "bulk"; b: Buffer }
  | { t: "null" }
  | { t: "bool"; b: boolean }
  | { t: "double"; d: number }
  | { t: "big"; digits: string }
  | { t: "verbatim"; fmt: string; text: string }
  | { t: "array"; items: V[] }
  | { t: "map"; flat: V[] }
  | { t: "set"; items: V[] };

const line = fc.string({ maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));
const leaf: fc.Arbitrary<V> = fc.oneof(
  line.map((s) => ({ t: "simple", s }) as V),
  line.map((s) => ({ t: "error", s: `ERR ${s}` }) as V),
  fc.maxSafeInteger().map((n) => ({ t: "int", n }) as V),
  fc.uint8Array({ maxLength: 40 }).map((b) => ({ t: "bulk", b: Buffer.from(b) }) as V),
  fc.constant({ t: "null" } as V),
  fc.boolean().map((b) => ({ t: "bool", b }) as V),
  fc.double().map((d) => ({ t: "double", d }) as V),
  fc.bigInt().map((n) => ({ t: "big", digits: n.toString() }) as V),
  fc
    .tuple(fc.constantFrom("txt", "mkd"), fc.string({ maxLength: 20 }))
    .map(([fmt, text]) => ({ t: "verbatim", fmt, text }) as V),
);
const value: fc.Arbitrary<V> = fc.letrec<{ v: V }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("v"), { maxLength: 5 }).map((items) => ({ t: "array", items }) as V),
    fc
      .array(fc.tuple(tie("v"), tie("v")), { maxLength: 4 })
      .map((es) => ({ t: "map", flat: es.flat() }) as V),
    fc.array(tie("v"), { maxLength: 5 }).map((items) => ({ t: "set", items }) as V),
  ),
})).v;

function write(w: ReplyBuffer, v: V): void {
  switch (v.t) {
    case "simple":
      w.simple(v.s);
      return;
    case "error":
      w.error(v.s);
      return;
    case "int":
      w.integer(v.n);
      return;
    case "bulk":
      w.bulk(v.b);
      return;
    case "null":
      w.nullBulk();
      return;
    case "bool":
      w.bool(v.b);
      return;
    case "double":
      w.double(v.d);
      return;
    case "big":
      w.bigNumber(v.digits);
      return;
    case "verbatim":
      w.verbatim(v.fmt, v.text);
      return;
    case "array":
      w.array(v.items.length);
      for (const x of v.items) write(w, x);
      return;
    case "map":
      w.map(v.flat.length / 2);
      for (const x of v.flat) write(w, x);
      return;
    case "set":
      w.set(v.items.length);
      for (const x of v.items) write(w, x);
      return;
  }
}

/** What a RESP2 client sees of a value (Redis's RESP2 fallbacks). */
function asResp2(v: V): V {
  switch (v.t) {
    case "bool":
      return { t: "int", n: v.b ? 1 : 0 };
    case "double":
      return { t: "bulk", b: Buffer.from(formatDouble17g(v.d)) };
    case "big":
      return { t: "bulk", b: Buffer.from(v.digits) };
    case "verbatim":
      return { t: "bulk", b: Buffer.from(v.text) };
    case "array":
    case "set":
      return { t: "array", items: v.items.map(asResp2) };
    case "map":
      return { t: "array", items: v.flat.map(asResp2) };
    default:
      return v;
  }
}

const builders: Partial<ReplyBuilders> = {
  simple: (s) => ({ t: "simple", s }),
  error: (s) => ({ t: "error", s }),
  double: (d) => ({ t: "double", d }),
  bigNumber: (digits) => ({ t: "big", digits }),
  verbatim: (fmt, text) => ({ t: "verbatim", fmt, text: text.toString() }),
  map: (flat) => ({ t: "map", flat }),
  set: (items) => ({ t: "set", items }),
};

function decoder(out: unknown[]): ReplyDecoder {
  return new ReplyDecoder({ returnBuffers: true, onReply: (x) => out.push(x), builders });
}

/** The decoded form of a model value with the builders above. */
function decoded(v: V): unknown {
  switch (v.t) {
    case "int":
      return v.n;
    case "bulk":
      return v.b;
    case "null":
      return null;
    case "bool":
      return v.b;
    case "array":
      return v.items.map(decoded);
    case "map":
      return { t: "map", flat: v.flat.map(decoded) };
    case "set":
      return { t: "set", items: v.items.map(decoded) };
    default:
      return v;
  }
}

function feedInChunks(feed: (b: Buffer) => void, bytes: Buffer, sizes: number[]): void {
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = sizes.length > 0 ? sizes[i % sizes.length]! : bytes.length;
    feed(bytes.subarray(off, off + n));
    off += n;
  }
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 10 });

describe("round trips", () => {
  test.prop([fc.array(value, { maxLength: 8 }), chunkSizes], { numRuns: 300 })(
    "RESP3 replies: encode, then decode under random chunking",
    (values, sizes) => {
      const w = new ReplyBuffer({ resp: 3 });
      for (const v of values) write(w, v);
      const bytes = w.take() ?? Buffer.alloc(0);
      const out: unknown[] = [];
      const d = decoder(out);
      feedInChunks((b) => d.feed(b), bytes, sizes);
      expect(out).toEqual(values.map(decoded));
      expect(d.bufferedBytes).toBe(0);
    },
  );

  // Top-level pushes and attributes interleaved with replies: each goes to its own callback.
  const event = fc.oneof(
    value.map((v) => ({ kind: "reply" as const, v })),
    fc.array(value, { maxLength: 3 }).map((items) => ({ kind: "push" as const, items })),
    fc
      .tuple(fc.array(fc.tuple(value, value), { maxLength: 2 }), value)
      .map(([attrs, v]) => ({ kind: "attr" as const, flat: attrs.flat(), v })),
  );
  test.prop([fc.array(event, { maxLength: 8 }), chunkSizes], { numRuns: 200 })(
    "RESP3 pushes and attributes go to their own callbacks",
    (events, sizes) => {
      const w = new ReplyBuffer({ resp: 3 });
      const want: unknown[] = [];
      for (const e of events) {
        if (e.kind === "reply") {
          write(w, e.v);
          want.push(["reply", decoded(e.v)]);
        } else if (e.kind === "push") {
          w.push(e.items.length);
          for (const x of e.items) write(w, x);
          want.push(["push", e.items.map(decoded)]);
        } else {
          w.attribute(e.flat.length / 2);
          for (const x of e.flat) write(w, x);
          write(w, e.v);
          want.push(["attr", { t: "map", flat: e.flat.map(decoded) }], ["reply", decoded(e.v)]);
        }
      }
      const got: unknown[] = [];
      const d2 = new ReplyDecoder({
        returnBuffers: true,
        onReply: (x) => got.push(["reply", x]),
        onPush: (x) => got.push(["push", x]),
        onAttribute: (x) => got.push(["attr", x]),
        builders: {
          ...builders,
          attribute: (flat) => ({ t: "map", flat }),
        },
      });
      feedInChunks((b) => d2.feed(b), w.take() ?? Buffer.alloc(0), sizes);
      expect(got).toEqual(want);
    },
  );

  test.prop([fc.array(value, { maxLength: 8 }), chunkSizes], { numRuns: 200 })(
    "RESP2 replies: RESP3 types fall back as Redis does",
    (values, sizes) => {
      const w = new ReplyBuffer({ resp: 2 });
      for (const v of values) write(w, v);
      const bytes = w.take() ?? Buffer.alloc(0);
      const out: unknown[] = [];
      const d = decoder(out);
      feedInChunks((b) => d.feed(b), bytes, sizes);
      expect(out).toEqual(values.map((v) => decoded(asResp2(v))));
    },
  );

  test.prop(
    [
      fc.array(fc.array(fc.uint8Array({ maxLength: 30 }), { minLength: 1, maxLength: 6 }), {
        maxLength: 12,
      }),
      chunkSizes,
    ],
    { numRuns: 300 },
  )("commands: encodeCommandBuffer, then CommandDecoder under random chunking", (cmds, sizes) => {
    const bytes = Buffer.concat(cmds.map((c) => encodeCommandBuffer(c.map((a) => Buffer.from(a)))));
    const d = new CommandDecoder();
    const got: Buffer[][] = [];
    feedInChunks(
      (b) => {
        d.feed(b);
        for (;;) {
          const r = d.next();
          expect(r).not.toBe(DecodeResult.Error);
          if (r !== DecodeResult.Command) break;
          got.push(Array.from({ length: d.argc }, (_, i) => d.copy(i)));
        }
      },
      bytes,
      sizes,
    );
    expect(got).toEqual(cmds.map((c) => c.map((a) => Buffer.from(a))));
    expect(d.bufferedBytes).toBe(0);
  });

  // Inline words quoted the way redis-cli prints them (sdscatrepr), NUL excluded: Redis never
  // sees past a NUL in an inline request.
  const word = fc.uint8Array({ maxLength: 12 }).filter((b) => !b.includes(0));
  test.prop(
    [fc.array(fc.array(word, { minLength: 1, maxLength: 5 }), { maxLength: 8 }), chunkSizes],
    {
      numRuns: 300,
    },
  )("inline commands: quoted with escapes, then split back", (lines, sizes) => {
    const text = lines.map((ws) => `${ws.map((w) => quoteRepr(w)).join(" ")}\r\n`).join("");
    const bytes = Buffer.from(text, "latin1");
    const d = new CommandDecoder();
    const got: string[][] = [];
    feedInChunks(
      (b) => {
        d.feed(b);
        while (d.next() === DecodeResult.Command)
          got.push(Array.from({ length: d.argc }, (_, i) => d.latin1(i)));
      },
      bytes,
      sizes,
    );
    expect(got).toEqual(lines.map((ws) => ws.map((w) => Buffer.from(w).toString("latin1"))));
  });
});

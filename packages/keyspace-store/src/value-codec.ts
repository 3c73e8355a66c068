// How each value type becomes plain data and back, and a deep copy of a value (COPY). One small
// registry keyed by type, so the author of a type can supply a faster or richer codec
// (registerValueCodec). Snapshots and DUMP payloads do not go through it: they are RDB (rdb/).
// The defaults go through the types' public shapes: Denque.toArray(), Map entries, Set values,
// ZSet.entries()/add().
//
// Encoded forms (members and fields stay latin1 JS strings; list elements and hash values are
// Buffers of their bytes):
//   string: Buffer (of either shape)  list: Buffer[]  hash: [field, Buffer, field, Buffer, ...]
//   set: string[]         zset: [member, score, member, score, ...] in rank order
//   stream: [lastId, entriesAdded, maxDeletedId, [id, [field, value, ...]], ...] (IDs as
//   "<ms>-<seq>" strings; consumer groups are not carried: COPY clones them with Stream.clone)
import Denque from "denque";
import { DEFAULT_ENCODING_LIMITS, keepEncoding } from "./encoding.js";
import { cloneString, type StringValue, valueBytes, valueFromBytes } from "./string-value.js";
import { elementBytes, elementFromBytes } from "./types/list.js";
import { Stream } from "./types/stream.js";
import { formatStreamId, parseStreamId } from "./types/stream-id.js";
import { ZSet } from "./types/zset.js";
import { type ListElement, type ListValue, type TypeName, typeName, type Value } from "./value.js";

export interface ValueCodec {
  /** Plain data. Must not keep references into the value that it may mutate later. */
  encode(v: Value): unknown;
  /** A fresh value from `encode`'s output; throws on malformed data. */
  decode(data: unknown): Value;
  /** A deep copy (COPY); defaults to decode(encode(v)). */
  clone?(v: Value): Value;
}

/** Type tags of the [tag, data] pairs encodeValue gives. */
export const TYPE_TAGS: Record<TypeName, number> = {
  string: 0,
  list: 1,
  hash: 2,
  set: 3,
  zset: 4,
  stream: 5,
};
const TAG_NAMES: TypeName[] = ["string", "list", "hash", "set", "zset", "stream"];

/** `x` checked to be bytes, not copied (for a maker that copies them itself). */
function byteView(x: unknown): Uint8Array {
  if (x instanceof Uint8Array) return x;
  throw new TypeError("expected bytes");
}
/** A copy of an element's bytes: one copy for either shape. */
function elementCopy(e: ListElement): Buffer {
  return typeof e === "string" ? elementBytes(e) : Buffer.from(e);
}
function array(x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  throw new TypeError("expected an array");
}
function str(x: unknown): string {
  if (typeof x === "string") return x;
  throw new TypeError("expected a string");
}

const defaults: Record<TypeName, ValueCodec> = {
  string: {
    encode: (v) => valueBytes(v as StringValue),
    decode: (d) => {
      if (d instanceof Uint8Array) return valueFromBytes(d);
      throw new TypeError("expected bytes");
    },
    clone: (v) => cloneString(v as StringValue),
  },
  list: {
    encode: (v) => (v as ListValue).toArray().map(elementCopy),
    decode: (d) => {
      const a = array(d);
      const out = new Array<ListElement>(a.length);
      for (let i = 0; i < a.length; i++) out[i] = elementFromBytes(byteView(a[i]));
      return new Denque(out);
    },
    // Strings are immutable and shared; a Buffer element is copied.
    clone: (v) =>
      new Denque(
        (v as ListValue)
          .toArray()
          .map((e): ListElement => (typeof e === "string" ? e : Buffer.from(e))),
      ),
  },
  hash: {
    encode: (v) => {
      const m = v as Map<string, ListElement>;
      const out: unknown[] = [];
      for (const [f, val] of m) out.push(f, elementCopy(val));
      return out;
    },
    decode: (d) => {
      const a = array(d);
      if (a.length % 2 !== 0) throw new TypeError("odd hash encoding");
      const m = new Map<string, ListElement>();
      for (let i = 0; i < a.length; i += 2) m.set(str(a[i]), elementFromBytes(byteView(a[i + 1])));
      return m;
    },
    clone: (v) => {
      const m = new Map<string, ListElement>();
      // Strings are immutable and shared; a Buffer value is copied.
      for (const [f, val] of v as Map<string, ListElement>)
        m.set(f, typeof val === "string" ? val : Buffer.from(val));
      keepEncoding(v as object, m); // COPY keeps the encoding, as Redis's dup
      return m;
    },
  },
  set: {
    encode: (v) => Array.from(v as Set<string>),
    decode: (d) => {
      const a = array(d);
      const s = new Set<string>();
      for (const m of a) s.add(str(m));
      return s;
    },
    clone: (v) => {
      const s = new Set(v as Set<string>);
      keepEncoding(v as object, s);
      return s;
    },
  },
  zset: {
    encode: (v) => {
      const out: unknown[] = [];
      for (const [m, s] of (v as ZSet).entries()) out.push(m, s);
      return out;
    },
    decode: (d) => {
      const a = array(d);
      if (a.length % 2 !== 0) throw new TypeError("odd zset encoding");
      return zsetFromPairs(a);
    },
    clone: (v) => (v as ZSet).clone(),
  },
  stream: {
    encode: (v) => {
      const st = v as Stream;
      const entries: unknown[] = [];
      st.range(0n, (1n << 128n) - 1n, false, 0, (id, fv) => {
        entries.push([formatStreamId(id), fv.slice()]);
        return true;
      });
      return [formatStreamId(st.lastId), st.entriesAdded, formatStreamId(st.maxDeletedId), entries];
    },
    decode: (d) => {
      const [last, added, maxDel, entries] = array(d);
      const id = (x: unknown): bigint => {
        const p = parseStreamId(str(x), 0n, true);
        if (p === null) throw new TypeError("bad stream ID");
        return p.id;
      };
      const st = new Stream();
      for (const e of array(entries)) {
        const [eid, fv] = array(e);
        st.append(id(eid), array(fv).map(str), DEFAULT_ENCODING_LIMITS);
      }
      st.lastId = id(last);
      st.maxDeletedId = id(maxDel);
      if (typeof added !== "number" && typeof added !== "bigint")
        throw new TypeError("bad entries-added");
      st.entriesAdded = added;
      return st;
    },
    clone: (v) => (v as Stream).clone(),
  },
};

/** Builds a ZSet through its public `add` (or the member map of the skeleton class). */
function zsetFromPairs(a: unknown[]): ZSet {
  let maxLen = 0;
  for (let i = 0; i < a.length; i += 2) maxLen = Math.max(maxLen, str(a[i]).length);
  // Size hints let the ZSet pick Redis's starting encoding, where its constructor takes them.
  const Ctor = ZSet as unknown as new (size?: number, maxLen?: number) => ZSet;
  const z = new Ctor(a.length / 2, maxLen);
  const add = (z as unknown as { add?: (m: string, s: number) => void }).add;
  for (let i = 0; i < a.length; i += 2) {
    const m = str(a[i]);
    const s = a[i + 1];
    if (typeof s !== "number" || Number.isNaN(s)) throw new TypeError("bad zset score");
    if (add) add.call(z, m, s);
    else z.dict.set(m, s);
  }
  return z;
}

const codecs: Record<TypeName, ValueCodec> = { ...defaults };

/** Replaces the codec of one type (call at module load, before any COPY). */
export function registerValueCodec(type: TypeName, codec: ValueCodec): void {
  codecs[type] = codec;
}

/** [type tag, encoded data] for a value. */
export function encodeValue(v: Value): [number, unknown] {
  const t = typeName(v);
  return [TYPE_TAGS[t], codecs[t].encode(v)];
}

/** The value for a [tag, data] pair; throws on an unknown tag or malformed data. */
export function decodeValue(tag: unknown, data: unknown): Value {
  const t = typeof tag === "number" ? TAG_NAMES[tag] : undefined;
  if (t === undefined) throw new TypeError(`unknown value type tag ${String(tag)}`);
  return codecs[t].decode(data);
}

/** A deep copy of a value (COPY), sharing nothing mutable with the original. */
export function cloneValue(v: Value): Value {
  const c = codecs[typeName(v)];
  return c.clone ? c.clone(v) : c.decode(c.encode(v));
}

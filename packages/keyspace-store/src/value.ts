// The shapes a key's value takes, one JS type per Redis type, with no wrapper object per key
// (memory per key is measured against Redis's). The type is told by the value's class: a JS
// string or a Buffer = string (string-value.ts), Denque = list, Map = hash, Set = set,
// ZSet = sorted set, Stream = stream.
// Keys, hash fields, set and sorted-set members are latin1 strings (one char per byte, so
// binary-safe); string values, list elements and hash values are latin1 strings too when small,
// else owned Buffers (string-value.ts and types/list.ts say where each draws the line; a hash value
// takes a list element's shapes).
import Denque from "denque";
import type { StringValue } from "./string-value.js";
import { Stream } from "./types/stream.js";
import { ZSet } from "./types/zset.js";

export type { StringValue };
/** A list element: a latin1 string up to ELEMENT_INLINE_MAX bytes, else an owned Buffer. */
export type ListElement = string | Buffer;
export type ListValue = Denque<ListElement>;
export type HashValue = Map<string, ListElement>;
export type SetValue = Set<string>;
export type ZSetValue = ZSet;
export type StreamValue = Stream;
export type Value = StringValue | ListValue | HashValue | SetValue | ZSetValue | StreamValue;

export type TypeName = "string" | "list" | "hash" | "set" | "zset" | "stream";

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

export function typeName(v: Value): TypeName {
  if (typeof v === "string" || v instanceof Uint8Array) return "string";
  if (v instanceof Map) return "hash";
  if (v instanceof Set) return "set";
  if (v instanceof ZSet) return "zset";
  if (v instanceof Stream) return "stream";
  return "list";
}

export const isString = (v: Value): v is StringValue =>
  typeof v === "string" || v instanceof Uint8Array;
export const isList = (v: Value): v is ListValue => v instanceof Denque;
export const isHash = (v: Value): v is HashValue => v instanceof Map;
export const isSet = (v: Value): v is SetValue => v instanceof Set;
export const isZSet = (v: Value): v is ZSetValue => v instanceof ZSet;
export const isStream = (v: Value): v is StreamValue => v instanceof Stream;

export { Denque, Stream, ZSet };

// DEBUG DIGEST and DEBUG DIGEST-VALUE: the same 20-byte fingerprints Redis 7.0 computes in
// debug.c (computeDatasetDigest, xorObjectDigest), so two servers holding the same data print the
// same hex whatever their internals, and test suites can compare a master with its replicas or
// a dataset before and after a reload.
//
// Two primitives over SHA1: xorDigest(d, data) xors SHA1(data) into d (order-independent: set
// members, hash fields, keys), and mixDigest(d, data) sets d = SHA1(d xor SHA1(data)) (order
// matters: list elements, a key then its value). Each key's digest starts at zero, mixes the key
// name, the type as a big-endian uint32, then the value, and is xored into the database's result;
// a key with a TTL also xors in "!!expire!!". Sorted-set scores go in as %.17g, as 7.0 prints
// them (7.2 moved to the shortest form).
import type { NodeBuffer } from "@shoal/resp-codec";
import { formatDouble17g } from "@shoal/resp-codec";
import type { Database, Keyspace } from "./keyspace.js";
import { sha1Into } from "./sha1.js";
import { formatStreamId } from "./types/stream-id.js";
import {
  isHash,
  isList,
  isSet,
  isStream,
  isString,
  type ListElement,
  type Value,
} from "./value.js";

type Digest = Buffer;

// Scratch space, so a digest allocates nothing per key or element: the SHA-1 being xored in, and
// a latin1 string's bytes.
const h = Buffer.alloc(20);
let text = Buffer.allocUnsafe(256);

function xorDigest(d: Digest, data: Uint8Array, start = 0, end = data.length): void {
  sha1Into(data, start, end, h);
  for (let j = 0; j < 20; j++) d[j] = (d[j] as number) ^ (h[j] as number);
}

function mixDigest(d: Digest, data: Uint8Array, start = 0, end = data.length): void {
  xorDigest(d, data, start, end);
  sha1Into(d, 0, 20, d);
}

/** The bytes of a latin1 string, in the scratch buffer: text[0, returned length). */
function latin1(s: string): number {
  if (text.length < s.length) text = Buffer.allocUnsafe(s.length * 2);
  return (text as NodeBuffer).latin1Write(s, 0);
}

const mixLatin1 = (d: Digest, s: string): void => mixDigest(d, text, 0, latin1(s));
/** A string value, list element or hash value, in either of its shapes. */
const mixBytes = (d: Digest, v: string | Uint8Array): void =>
  typeof v === "string" ? mixLatin1(d, v) : mixDigest(d, v);
const xorLatin1 = (d: Digest, s: string): void => xorDigest(d, text, 0, latin1(s));

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** The type ids as mixed in (typeId's range). */
const TYPE_IDS = [0, 1, 2, 3, 4, 5, 6].map(uint32);

/** Redis's type ids (OBJ_STRING 0, OBJ_LIST 1, OBJ_SET 2, OBJ_ZSET 3, OBJ_HASH 4). */
function typeId(v: Value): number {
  if (isString(v)) return 0;
  if (isList(v)) return 1;
  if (isSet(v)) return 2;
  if (isHash(v)) return 4;
  if (isStream(v)) return 6;
  return 3;
}

/** A hash field's or sorted-set member's own digest, before it is xored in. */
const entry = Buffer.alloc(20);

/** xorObjectDigest: mixes the value of `key` into `d`. */
function xorObjectDigest(db: Database, key: string, d: Digest, v: Value): void {
  mixDigest(d, TYPE_IDS[typeId(v)] as Buffer);
  if (isString(v)) mixBytes(d, v);
  else if (isList(v)) for (let i = 0; i < v.length; i++) mixBytes(d, v.peekAt(i) as ListElement);
  else if (isSet(v)) for (const m of v) xorLatin1(d, m);
  else if (isHash(v)) {
    for (const [f, val] of v) {
      entry.fill(0);
      mixLatin1(entry, f);
      mixBytes(entry, val);
      xorDigest(d, entry);
    }
  } else if (isStream(v)) {
    // Each entry's "<ms>.<seq>", then its fields and values, in ID order (groups are left out).
    v.range(0n, (1n << 128n) - 1n, false, 0, (id, fv) => {
      mixLatin1(d, formatStreamId(id).replace("-", "."));
      for (const s of fv) mixLatin1(d, s);
      return true;
    });
  } else {
    for (const [m, score] of v.entries()) {
      entry.fill(0);
      mixLatin1(entry, m);
      mixLatin1(entry, formatDouble17g(score));
      xorDigest(d, entry);
    }
  }
  if (db.getExpire(key) !== -1) xorLatin1(d, "!!expire!!");
}

const hex = (d: Digest): string => d.toString("hex");

/**
 * DEBUG DIGEST: every database, keys logically expired but not yet deleted included (Redis walks
 * the dict). All zeros for an empty keyspace.
 */
export function datasetDigest(ks: Keyspace): string {
  const final = Buffer.alloc(20);
  ks.dbs.forEach((db, j) => {
    if (db.dict.size === 0) return;
    // The database number goes in, so the same data in another database digests differently.
    mixDigest(final, uint32(j));
    const d = Buffer.alloc(20);
    for (const [key, v] of db.dict) {
      d.fill(0);
      mixLatin1(d, key);
      xorObjectDigest(db, key, d, v);
      xorDigest(final, d);
    }
  });
  return hex(final);
}

/** DEBUG DIGEST-VALUE: one key's value (without its name); all zeros for a missing key. */
export function valueDigest(db: Database, key: string): string {
  const d = Buffer.alloc(20);
  const v = db.dict.get(key);
  if (v !== undefined) xorObjectDigest(db, key, d, v);
  return hex(d);
}

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
import { createHash } from "node:crypto";
import { formatDouble17g } from "@shoal/resp-codec";
import type { Database, Keyspace } from "./keyspace.js";
import { formatStreamId } from "./types/stream-id.js";
import { isHash, isList, isSet, isStream, isString, type Value } from "./value.js";

type Digest = Buffer;

function sha1(data: Uint8Array): Buffer {
  return createHash("sha1").update(data).digest();
}

function xorDigest(d: Digest, data: Uint8Array): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) d[j] = (d[j] as number) ^ (h[j] as number);
}

function mixDigest(d: Digest, data: Uint8Array): void {
  xorDigest(d, data);
  sha1(d).copy(d);
}

const latin1 = (s: string): Buffer => Buffer.from(s, "latin1");

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Redis's type ids (OBJ_STRING 0, OBJ_LIST 1, OBJ_SET 2, OBJ_ZSET 3, OBJ_HASH 4). */
function typeId(v: Value): number {
  if (isString(v)) return 0;
  if (isList(v)) return 1;
  if (isSet(v)) return 2;
  if (isHash(v)) return 4;
  if (isStream(v)) return 6;
  return 3;
}

/** xorObjectDigest: mixes the value of `key` into `d`. */
function xorObjectDigest(db: Database, key: string, d: Digest, v: Value): void {
  mixDigest(d, uint32(typeId(v)));
  if (isString(v)) mixDigest(d, typeof v === "string" ? latin1(v) : v);
  else if (isList(v)) for (let i = 0; i < v.length; i++) mixDigest(d, v.peekAt(i) as Buffer);
  else if (isSet(v)) for (const m of v) xorDigest(d, latin1(m));
  else if (isHash(v)) {
    for (const [f, val] of v) {
      const e = Buffer.alloc(20);
      mixDigest(e, latin1(f));
      mixDigest(e, val);
      xorDigest(d, e);
    }
  } else if (isStream(v)) {
    // Each entry's "<ms>.<seq>", then its fields and values, in ID order (groups are left out).
    v.range(0n, (1n << 128n) - 1n, false, 0, (id, fv) => {
      mixDigest(d, latin1(formatStreamId(id).replace("-", ".")));
      for (const s of fv) mixDigest(d, latin1(s));
      return true;
    });
  } else {
    for (const [m, score] of v.entries()) {
      const e = Buffer.alloc(20);
      mixDigest(e, latin1(m));
      mixDigest(e, latin1(formatDouble17g(score)));
      xorDigest(d, e);
    }
  }
  if (db.getExpire(key) !== -1) xorDigest(d, latin1("!!expire!!"));
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
    for (const [key, v] of db.dict) {
      const d = Buffer.alloc(20);
      mixDigest(d, latin1(key));
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

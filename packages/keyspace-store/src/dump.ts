// DUMP/RESTORE payloads exactly as Redis 7.0 lays them out (createDumpPayload/verifyDumpPayload):
// the value in RDB form (type byte and rdbSaveObject, rdb/writer.ts), the RDB version as 2 bytes
// little endian, then the CRC-64/Jones of everything before it, 8 bytes little endian. So a
// payload moves between Shoal and Redis both ways (MIGRATE, redis-cli --cluster import), and
// Redis's "version or checksum" refusal applies to the same payloads.
import { crc64 } from "./crc64.js";
import { DEFAULT_ENCODING_LIMITS, type EncodingLimits } from "./encoding.js";
import { RDB_TYPE_STREAM_LISTPACKS_2, RDB_VERSION } from "./rdb/format.js";
import { readDumpBody } from "./rdb/reader.js";
import { createDumpPayload } from "./rdb/writer.js";
import type { Value } from "./value.js";

/** Version written into DUMP payloads: Redis 7.0's RDB version, the newest RESTORE accepts. */
export const DUMP_VERSION = RDB_VERSION;
export const ERR_DUMP_PAYLOAD = "ERR DUMP payload version or checksum are wrong";
export const ERR_BAD_DATA = "ERR Bad data format";

/**
 * The DUMP payload of a value; `compression` is rdbcompression (default yes), `limits` the
 * encoding limits of the value's keyspace (they decide a list's quicklist nodes).
 */
export function dumpValue(
  v: Value,
  compression = true,
  limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
): Buffer {
  return createDumpPayload(v, compression, limits);
}

/**
 * verifyDumpPayload: at least 10 bytes, an RDB version no newer than ours, and (unless
 * `skipChecksum`, DEBUG SET-SKIP-CHECKSUM-VALIDATION 1) a matching CRC-64.
 */
export function verifyDumpPayload(p: Uint8Array, skipChecksum = false): boolean {
  if (p.length < 10) return false;
  const footer = p.length - 10;
  const rdbver = (p[footer + 1]! << 8) | p[footer]!;
  if (rdbver > RDB_VERSION) return false;
  if (skipChecksum) return true;
  const b = Buffer.from(p.buffer, p.byteOffset, p.length);
  return crc64(b.subarray(0, footer + 2)) === b.readBigUInt64LE(footer + 2);
}

/** Why a payload was refused: ERR_DUMP_PAYLOAD or ERR_BAD_DATA. */
export class DumpPayloadError {
  constructor(readonly message: string) {}
}
const BAD_PAYLOAD = new DumpPayloadError(ERR_DUMP_PAYLOAD);
const BAD_DATA = new DumpPayloadError(ERR_BAD_DATA);

/**
 * The value in a verified payload, or why not: ERR_DUMP_PAYLOAD when the version or checksum is
 * wrong, ERR_BAD_DATA when the object does not decode or is an empty collection. As Redis, the
 * object is read from the payload's start and bytes left before the footer are not checked.
 * (An error is not a plain string: a small string value is one.) Encodings are decided under
 * `limits`, those of the keyspace the value goes to.
 */
export function restoreValue(
  p: Uint8Array,
  skipChecksum = false,
  limits: Readonly<EncodingLimits> = DEFAULT_ENCODING_LIMITS,
): Value | DumpPayloadError {
  if (!verifyDumpPayload(p, skipChecksum)) return BAD_PAYLOAD;
  // Redis 7.2's types (20 SET_LISTPACK, 21 STREAM_LISTPACKS_3) are read from RDB 11 files, but a
  // payload that passed the check claims RDB 10 or older, where rdbIsObjectType refuses them.
  if (p[0]! > RDB_TYPE_STREAM_LISTPACKS_2) return BAD_DATA;
  const v = readDumpBody(Buffer.from(p.buffer, p.byteOffset, p.length), limits);
  return v === null ? BAD_DATA : v;
}

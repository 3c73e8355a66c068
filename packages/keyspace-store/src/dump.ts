// DUMP/RESTORE payloads, laid out as Redis lays out its own: a body, then a 2-byte version (little
// endian), then the CRC-64/Jones of everything before it (8 bytes, little endian). The body is
// msgpack of [type tag, encoded value] (value-codec.ts) rather than RDB. The version is Shoal's
// own and above any RDB version, so real Redis refuses a Shoal payload, and Shoal a real Redis
// one, with the same "version or checksum" error instead of misreading the bytes.
import { Packr, Unpackr } from "msgpackr";
import { crc64 } from "./crc64.js";
import type { Value } from "./value.js";
import { decodeValue, encodeValue } from "./value-codec.js";

/** Version written into DUMP payloads ("SH" little endian; Redis 7.0's RDB is 10). */
export const DUMP_VERSION = 0x4853;
export const ERR_DUMP_PAYLOAD = "ERR DUMP payload version or checksum are wrong";
export const ERR_BAD_DATA = "ERR Bad data format";

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false });

/** The DUMP payload of a value. */
export function dumpValue(v: Value): Buffer {
  const body = packr.pack(encodeValue(v));
  const out = Buffer.allocUnsafe(body.length + 10);
  out.set(body, 0);
  out.writeUInt16LE(DUMP_VERSION, body.length);
  const crc = crc64(out.subarray(0, body.length + 2));
  out.writeBigUInt64LE(crc, body.length + 2);
  return out;
}

/**
 * True when the payload's version is ours and its checksum matches (verifyDumpPayload). With
 * `skipChecksum` (DEBUG SET-SKIP-CHECKSUM-VALIDATION 1) only the version is checked, as Redis.
 */
export function verifyDumpPayload(p: Uint8Array, skipChecksum = false): boolean {
  if (p.length < 10) return false;
  const b = Buffer.from(p.buffer, p.byteOffset, p.length);
  const footer = p.length - 10;
  if (b.readUInt16LE(footer) !== DUMP_VERSION) return false;
  if (skipChecksum) return true;
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
 * wrong, ERR_BAD_DATA when the body does not decode to a value. (An error is not a plain string:
 * a small string value is one.)
 */
export function restoreValue(p: Uint8Array, skipChecksum = false): Value | DumpPayloadError {
  if (!verifyDumpPayload(p, skipChecksum)) return BAD_PAYLOAD;
  try {
    const rec = unpackr.unpack(p.subarray(0, p.length - 10)) as unknown;
    if (!Array.isArray(rec) || rec.length !== 2) return BAD_DATA;
    return decodeValue(rec[0], rec[1]);
  } catch {
    return BAD_DATA;
  }
}

// @shoal/keyspace-store: Redis data types and command semantics, exact to Redis 7.0.
export { argDouble, argInt64, argLong, parseDouble, parseInt64 } from "./args.js";
export type {
  BlockTimeoutReply,
  CommandContext,
  CommandFlag,
  CommandHandler,
  CommandSpec,
  KeyspaceHooks,
  NotifyClass,
} from "./command-types.js";
export { INFO_FLAG_ORDER, infoFlags } from "./command-types.js";
export { cmd, replyHelp } from "./commands/define.js";
export { commands } from "./commands/index.js";
export { keyCommands } from "./commands/keys.js";
export { expireMillis, PROTO_MAX_BULK_LEN, stringCommands } from "./commands/strings.js";
export { Crc64, crc64 } from "./crc64.js";
export { datasetDigest, valueDigest } from "./digest.js";
export {
  DUMP_VERSION,
  DumpPayloadError,
  dumpValue,
  ERR_BAD_DATA,
  ERR_DUMP_PAYLOAD,
  restoreValue,
  verifyDumpPayload,
} from "./dump.js";
export {
  DEFAULT_ENCODING_LIMITS,
  type EncodingLimits,
  isInt64String,
  isMarkedHashtable,
  markHashtable,
  objectEncoding,
} from "./encoding.js";
export * as errors from "./errors.js";
export {
  EVPOOL_SIZE,
  type EvictionPick,
  MAXMEMORY_POLICIES,
  type MaxmemoryPolicy,
} from "./eviction.js";
export { ACCEPTABLE_STALE, type ExpireCycleResult, KEYS_PER_LOOP } from "./expire-cycle.js";
export { globMatch, globMatcher } from "./glob.js";
export { Database, Keyspace, type KeyspaceOptions, type KeyspaceStats } from "./keyspace.js";
export {
  addLongDouble,
  formatLongDouble,
  type LongDouble,
  parseLongDouble,
} from "./long-double.js";
export { LFU_INIT_VAL, lfuDecrAndReturn, lfuLogIncr } from "./lru-lfu.js";
export { keyMemoryUsage, valueMemoryUsage } from "./memory.js";
export { RDB_READ_VERSION_MAX, RDB_VERSION, RdbFormatError } from "./rdb/format.js";
export { lzfCompress, lzfDecompress } from "./rdb/lzf.js";
export { RdbCursor, RdbLoader, type RdbLoadOptions, readRdbObject } from "./rdb/reader.js";
export type { RdbLoadWholeOptions, RdbSaveOptions } from "./rdb/stream.js";
export {
  type RdbAuxFields,
  RdbWriter,
  rdbObjectType,
  rdbSavedObjectLen,
  writeRdbEof,
  writeRdbHeader,
  writeRdbKey,
  writeRdbSelectDb,
} from "./rdb/writer.js";
export {
  parseScanArgs,
  parseScanCursor,
  parseScanOptions,
  replyScan,
  type ScanOptions,
  ScanOrder,
  scanContainer,
} from "./scan.js";
export {
  appendBytes,
  INLINE_STRING_MAX,
  replyValue,
  stringEncoding,
  valueBytes,
  valueFromBytes,
} from "./string-value.js";
export { elementLatin1 } from "./types/list.js";
export { Stream, StreamGroup } from "./types/stream.js";
export { formatStreamId } from "./types/stream-id.js";
export { ZSet } from "./types/zset.js";
export {
  type HashValue,
  isHash,
  isList,
  isSet,
  isStream,
  isString,
  isZSet,
  type ListElement,
  type ListValue,
  type SetValue,
  type StreamValue,
  type StringValue,
  type TypeName,
  typeName,
  type Value,
  WRONGTYPE,
  type ZSetValue,
} from "./value.js";
export {
  cloneValue,
  decodeValue,
  encodeValue,
  registerValueCodec,
  TYPE_TAGS,
  type ValueCodec,
} from "./value-codec.js";

// @shoal/keyspace-store: Redis data types and command semantics, exact to Redis 7.0.
export type {
  BlockTimeoutReply,
  CommandContext,
  CommandFlag,
  CommandHandler,
  CommandSpec,
  KeyspaceHooks,
  NotifyClass,
} from "./command-types.js";
export { commands } from "./commands/index.js";
export { Database, Keyspace, type KeyspaceOptions, type KeyspaceStats } from "./keyspace.js";
export { ZSet } from "./types/zset.js";
export {
  type HashValue,
  isHash,
  isList,
  isSet,
  isString,
  isZSet,
  type ListValue,
  type SetValue,
  type StringValue,
  type TypeName,
  typeName,
  type Value,
  type ZSetValue,
} from "./value.js";

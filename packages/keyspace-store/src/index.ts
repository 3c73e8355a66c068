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

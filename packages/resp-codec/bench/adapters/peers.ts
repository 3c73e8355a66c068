// The competitors, called the way their users' code calls them: redis-parser 3.0.0 (ioredis's
// and node-redis 3's reply parser) and node-redis 5's RESP decoder and command encoder
// (@redis/client 6.3.1, dist/lib/RESP). Each returns a count so no work is optimised away.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface RedisParser {
  execute(chunk: Buffer): void;
}
type RedisParserCtor = new (opts: {
  returnReply(reply: unknown): void;
  returnError(err: Error): void;
  returnBuffers?: boolean;
}) => RedisParser;
interface NodeRedisDecoder {
  write(chunk: Buffer): void;
}
type NodeRedisDecoderCtor = new (opts: {
  onReply(reply: unknown): void;
  onErrorReply(err: Error): void;
  onPush(push: unknown[]): void;
  getTypeMapping(): Record<number, unknown>;
}) => NodeRedisDecoder;

const Parser = require("redis-parser") as RedisParserCtor;
const { Decoder } = require("@redis/client/dist/lib/RESP/decoder.js") as {
  Decoder: NodeRedisDecoderCtor;
};
const encodeNodeRedis = (
  require("@redis/client/dist/lib/RESP/encoder.js") as {
    default: (args: readonly (string | Buffer)[]) => readonly (string | Buffer)[];
  }
).default;

/** Feeds chunks to redis-parser; returns the number of replies (or commands) it produced. */
export function redisParserDecode(chunks: Buffer[], returnBuffers = false): number {
  let n = 0;
  const p = new Parser({
    returnReply: () => {
      n++;
    },
    returnError: () => {
      n++;
    },
    returnBuffers,
  });
  for (let i = 0; i < chunks.length; i++) p.execute(chunks[i]!);
  return n;
}

const NO_MAPPING = {};
const BUFFER_MAPPING = { 36: Buffer };

/** Feeds chunks to node-redis's decoder; returns the number of replies it produced. */
export function nodeRedisDecode(chunks: Buffer[], returnBuffers = false): number {
  let n = 0;
  const mapping = returnBuffers ? BUFFER_MAPPING : NO_MAPPING;
  const d = new Decoder({
    onReply: () => {
      n++;
    },
    onErrorReply: () => {
      n++;
    },
    onPush: () => {},
    getTypeMapping: () => mapping,
  });
  for (let i = 0; i < chunks.length; i++) d.write(chunks[i]!);
  return n;
}

/** node-redis's command encoder; returns the number of parts produced. */
export function nodeRedisEncode(commands: readonly (readonly string[])[]): number {
  let n = 0;
  for (let i = 0; i < commands.length; i++) n += encodeNodeRedis(commands[i]!).length;
  return n;
}

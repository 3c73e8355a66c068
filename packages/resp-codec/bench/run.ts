// Decode and encode throughput of @shoal/resp-codec against redis-parser 3.0.0 and node-redis's
// RESP decoder (@redis/client 6.3.1), side by side in one process:
//   (a) 100k pipelined `SET key:NNN <16-byte value>` commands (the server's side),
//   (b) 100k 100-byte bulk string replies (a client's side),
// each fed whole and in random 1-4096-byte chunks (a fixed seed, the same chunks for everyone),
// then reply encoding (ReplyBuffer) and command encoding. One call processes all 100k.
import { compare as compareAll, writeResults } from "@shoal/bench";
import {
  CommandDecoder,
  DecodeResult,
  encodeCommand,
  encodeCommandBuffer,
  ReplyBuffer,
  ReplyDecoder,
} from "../src/index.js";
import { nodeRedisDecode, nodeRedisEncode, redisParserDecode } from "./adapters/peers.js";

const N = 100_000;

// mulberry32: deterministic chunking.
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function randomChunks(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    const n = 1 + Math.floor(random() * 4096);
    // Copies, as socket reads are separate buffers.
    out.push(Buffer.from(buf.subarray(off, off + n)));
    off += n;
  }
  return out;
}

const commands: string[][] = Array.from({ length: N }, (_, i) => [
  "SET",
  `key:${String(i).padStart(6, "0")}`,
  `value-${String(i).padStart(10, "0")}`,
]);
const commandBytes = Buffer.concat(commands.map((c) => encodeCommandBuffer(c)));
const commandChunks = randomChunks(commandBytes);
const value100 = "v".repeat(90);
const replyBytes = Buffer.concat(
  Array.from({ length: N }, (_, i) =>
    Buffer.from(`$100\r\n${String(i).padStart(10, "0")}${value100}\r\n`),
  ),
);
const replyChunks = randomChunks(replyBytes);

function shoalCommands(chunks: Buffer[]): number {
  const d = new CommandDecoder();
  let n = 0;
  for (let i = 0; i < chunks.length; i++) {
    d.feed(chunks[i]!);
    while (d.next() === DecodeResult.Command) n += d.argc;
  }
  return n;
}

function shoalReplies(chunks: Buffer[], returnBuffers = false): number {
  let n = 0;
  const d = new ReplyDecoder({
    returnBuffers,
    onReply: () => {
      n++;
    },
  });
  for (let i = 0; i < chunks.length; i++) d.feed(chunks[i]!);
  return n;
}

function check(name: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${name}: decoded ${got}, expected ${want}`);
}
check("shoal commands", shoalCommands([commandBytes]), 3 * N);
check("shoal commands chunked", shoalCommands(commandChunks), 3 * N);
check("redis-parser commands", redisParserDecode(commandChunks), N);
check("node-redis commands", nodeRedisDecode(commandChunks), N);
check("shoal replies", shoalReplies(replyChunks), N);
check("redis-parser replies", redisParserDecode(replyChunks), N);
check("node-redis replies", nodeRedisDecode(replyChunks), N);

// BENCH_FILTER=<substring> runs only the matching cases.
const filter = process.env.BENCH_FILTER;
const compare: typeof compareAll = (name, ...rest) =>
  filter === undefined || name.includes(filter)
    ? compareAll(name, ...rest)
    : Promise.resolve({ case: name, results: [], ratios: {} });

const opts = (bytes: number) => ({ opsPerCall: N, bytesPerCall: bytes, time: 400, rounds: 5 });

console.log(
  `commands: ${N} x SET, ${(commandBytes.length / 1e6).toFixed(2)} MB, ${commandChunks.length} random chunks; replies: ${N} x 100-byte bulk, ${(replyBytes.length / 1e6).toFixed(2)} MB, ${replyChunks.length} chunks`,
);

const whole = (b: Buffer) => [b];
const cmdWhole = whole(commandBytes);
const repWhole = whole(replyBytes);

await compare(
  "decode 100k pipelined SET commands, whole (commands/s)",
  { name: "shoal", fn: () => shoalCommands(cmdWhole) },
  [
    { name: "redis-parser", fn: () => redisParserDecode(cmdWhole) },
    { name: "node-redis", fn: () => nodeRedisDecode(cmdWhole) },
  ],
  opts(commandBytes.length),
);
await compare(
  "decode 100k pipelined SET commands, random 1-4096-byte chunks (commands/s)",
  { name: "shoal", fn: () => shoalCommands(commandChunks) },
  [
    { name: "redis-parser", fn: () => redisParserDecode(commandChunks) },
    { name: "node-redis", fn: () => nodeRedisDecode(commandChunks) },
  ],
  opts(commandBytes.length),
);
await compare(
  "decode 100k 100-byte bulk replies as strings, whole (replies/s)",
  { name: "shoal", fn: () => shoalReplies(repWhole) },
  [
    { name: "redis-parser", fn: () => redisParserDecode(repWhole) },
    { name: "node-redis", fn: () => nodeRedisDecode(repWhole) },
  ],
  opts(replyBytes.length),
);
await compare(
  "decode 100k 100-byte bulk replies as strings, random 1-4096-byte chunks (replies/s)",
  { name: "shoal", fn: () => shoalReplies(replyChunks) },
  [
    { name: "redis-parser", fn: () => redisParserDecode(replyChunks) },
    { name: "node-redis", fn: () => nodeRedisDecode(replyChunks) },
  ],
  opts(replyBytes.length),
);
await compare(
  "decode 100k 100-byte bulk replies as Buffers, random 1-4096-byte chunks (replies/s)",
  { name: "shoal", fn: () => shoalReplies(replyChunks, true) },
  [
    { name: "redis-parser", fn: () => redisParserDecode(replyChunks, true) },
    { name: "node-redis", fn: () => nodeRedisDecode(replyChunks, true) },
  ],
  opts(replyBytes.length),
);

// Encoding. Replies: what a server does per pipelined GET hit, flushed every 64 replies (one
// event-loop turn's worth); the baseline builds each reply as its own Buffer, as a naive server
// would. Commands: node-redis's encoder against ours on the same 100k SETs.
const payload = Buffer.from(`${"0".repeat(10)}${value100}`);
function shoalEncodeReplies(): number {
  const w = new ReplyBuffer();
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    w.bulk(payload);
    if ((i & 63) === 63) bytes += w.take()!.length;
  }
  return bytes + (w.take()?.length ?? 0);
}
function naiveEncodeReplies(): number {
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const b = Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload, Buffer.from("\r\n")]);
    bytes += b.length;
  }
  return bytes;
}
function shoalEncodeCommands(): number {
  let n = 0;
  for (let i = 0; i < N; i++) n += encodeCommand(commands[i]!).length;
  return n;
}
await compare(
  "encode 100k 100-byte bulk replies (replies/s)",
  { name: "shoal", fn: shoalEncodeReplies },
  [{ name: "naive Buffer.concat", fn: naiveEncodeReplies }],
  opts(replyBytes.length),
);
await compare(
  "encode 100k SET commands (commands/s)",
  { name: "shoal", fn: shoalEncodeCommands },
  [{ name: "node-redis", fn: () => nodeRedisEncode(commands) }],
  opts(commandBytes.length),
);

console.log(
  `\nresults: ${writeResults("resp-codec", new URL("../../..", import.meta.url).pathname)}`,
);

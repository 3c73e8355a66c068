// Encode+decode rate of a PING with 10 gossip entries: Shoal's msgpackr record frames versus the
// same message as JSON, plus bytes per message beside Redis's 2256-byte header + 104 bytes per
// gossip entry. Run with `pnpm --filter @shoal/cluster-bus bench`.
import { compare, writeResults } from "@shoal/bench";
import { encodeFrame, FrameDecoder } from "../src/index.js";
import type { ClusterMessage } from "../src/messages.js";
import { samplePing } from "../test/arbitraries.js";

const REDIS_HEADER = 2256;
const REDIS_GOSSIP_ENTRY = 104;

const ping = samplePing(10);
const decoder = () => new FrameDecoder();
const sink = { message: (_m: ClusterMessage) => {} };

const frame = encodeFrame(ping);
const json = Buffer.from(JSON.stringify(ping));
const redisBytes = REDIS_HEADER + 10 * REDIS_GOSSIP_ENTRY;

// A Redis-style PING always carries the 2048-byte bitmap; ours carries ranges. For a master with
// many fragmented ranges (after resharding) the range list grows: measure that too.
const fragmented: ClusterMessage = {
  ...ping,
  header: {
    ...ping.header,
    slots: Array.from({ length: 200 }, (_, i) => [i * 80, i * 80 + 39]).flat(),
  },
} as ClusterMessage;

console.log("bytes per PING with 10 gossip entries");
console.log(`  redis (C struct)        ${redisBytes} B`);
console.log(
  `  shoal msgpackr frame    ${frame.length} B  (ratio ${(frame.length / redisBytes).toFixed(2)}x of Redis)`,
);
console.log(
  `  shoal, 200 slot ranges  ${encodeFrame(fragmented).length} B  (ratio ${(encodeFrame(fragmented).length / redisBytes).toFixed(2)}x of Redis)`,
);
console.log(
  `  JSON                    ${json.length} B  (ratio ${(json.length / redisBytes).toFixed(2)}x of Redis)`,
);

await compare(
  "PING (10 gossip entries) encode+decode",
  {
    name: "shoal-msgpackr",
    fn: () => {
      decoder().push(encodeFrame(ping), sink);
    },
  },
  [
    {
      name: "JSON",
      fn: () => {
        JSON.parse(JSON.stringify(ping));
      },
    },
  ],
  { bytesPerCall: frame.length },
);

writeResults("cluster-bus", new URL("../../..", import.meta.url).pathname);

// fast-check generators for bus messages, shared by the codec and transport tests.
import fc from "fast-check";
import {
  type ClusterMessage,
  type GossipEntry,
  type MessageHeader,
  MessageType,
  type SlotRanges,
} from "../src/messages.js";

export const nodeIdArb = fc.string({
  unit: fc.constantFrom(..."0123456789abcdefghijklmnopqrstuvwxyz".split("")),
  minLength: 40,
  maxLength: 40,
});

export const slotRangesArb: fc.Arbitrary<SlotRanges> = fc
  .uniqueArray(fc.integer({ min: 0, max: 16383 }), { maxLength: 40 })
  .map((xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const out: number[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) out.push(sorted[i]!, sorted[i + 1]!);
    return out;
  });

const u16 = fc.integer({ min: 0, max: 65535 });
const epoch = fc.oneof(fc.nat(), fc.maxSafeNat());

export const headerArb: fc.Arbitrary<MessageHeader> = fc.record({
  sender: nodeIdArb,
  currentEpoch: epoch,
  configEpoch: epoch,
  offset: fc.maxSafeInteger(),
  slots: slotRangesArb,
  replicaOf: fc.option(nodeIdArb, { nil: null }),
  ip: fc.oneof(fc.constant(""), fc.ipV4(), fc.ipV6()),
  port: u16,
  pport: u16,
  cport: u16,
  hostname: fc.string({ maxLength: 30 }),
  flags: u16,
  state: fc.constantFrom(0 as const, 1 as const),
  mflags: fc.integer({ min: 0, max: 255 }),
  shardId: fc.oneof(fc.constant(""), nodeIdArb),
});

export const gossipArb: fc.Arbitrary<GossipEntry> = fc.record({
  id: nodeIdArb,
  pingSent: fc.integer({ min: 0, max: 0xffffffff }),
  pongReceived: fc.integer({ min: 0, max: 0xffffffff }),
  ip: fc.ipV4(),
  port: u16,
  cport: u16,
  pport: u16,
  flags: u16,
});

export const messageArb: fc.Arbitrary<ClusterMessage> = fc.oneof(
  fc.record({
    type: fc.constantFrom(MessageType.PING, MessageType.PONG, MessageType.MEET),
    header: headerArb,
    gossip: fc.array(gossipArb, { maxLength: 12 }),
    forgotten: fc.array(fc.record({ id: nodeIdArb, ttl: fc.nat(60) }), { maxLength: 3 }),
  }),
  fc.record({ type: fc.constant(MessageType.FAIL), header: headerArb, nodeId: nodeIdArb }),
  fc.record({
    type: fc.constantFrom(MessageType.PUBLISH, MessageType.PUBLISHSHARD),
    header: headerArb,
    channel: fc.uint8Array({ maxLength: 20 }),
    message: fc.uint8Array({ maxLength: 200 }),
  }),
  fc.record({
    type: fc.constant(MessageType.UPDATE),
    header: headerArb,
    configEpoch: epoch,
    nodeId: nodeIdArb,
    slots: slotRangesArb,
  }),
  fc.record({
    type: fc.constantFrom(
      MessageType.FAILOVER_AUTH_REQUEST,
      MessageType.FAILOVER_AUTH_ACK,
      MessageType.MFSTART,
    ),
    header: headerArb,
  }),
) as fc.Arbitrary<ClusterMessage>;

/** A typical PING: a master owning one range, `n` gossip entries. */
export function samplePing(n = 10, sender = "a".repeat(40)): ClusterMessage {
  const gossip: GossipEntry[] = [];
  for (let i = 0; i < n; i++)
    gossip.push({
      id: i.toString(16).padStart(40, "0"),
      pingSent: 0,
      pongReceived: 1795576809 + i,
      ip: "127.0.0.1",
      port: 7000 + i,
      cport: 17000 + i,
      pport: 0,
      flags: 1,
    });
  return {
    type: MessageType.PING,
    header: {
      sender,
      currentEpoch: 6,
      configEpoch: 1,
      offset: 3937,
      slots: [0, 5460],
      replicaOf: null,
      ip: "",
      port: 7000,
      pport: 0,
      cport: 17000,
      hostname: "",
      flags: 1,
      state: 0,
      mflags: 4,
      shardId: "b".repeat(40),
    },
    gossip,
    forgotten: [],
  };
}

/** Message -> plain comparable value (Buffers become arrays). */
export function normalize(msg: unknown): unknown {
  return JSON.parse(
    JSON.stringify(msg, (_k, v) =>
      v instanceof Uint8Array || (v && v.type === "Buffer" && Array.isArray(v.data))
        ? { bytes: Array.from(v instanceof Uint8Array ? v : v.data) }
        : v,
    ),
  );
}

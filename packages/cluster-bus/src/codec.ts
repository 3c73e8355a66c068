// Frame codec: magic, protocol version, body length, then a msgpackr body using predefined record
// structures so field names never travel on the wire. Plays the role of clusterBuildMessageHdr()
// and the length/signature checks of clusterReadHandler() / clusterProcessPacket() in
// src/cluster_legacy.c (Redis 7.0); the body is validated field by field before anyone sees it.
import { Packr, Unpackr } from "msgpackr";
import { BusErrorCode, BusProtocolError } from "./errors.js";
import {
  type ClusterMessage,
  type ForgottenNode,
  type GossipEntry,
  isValidNodeId,
  type MessageHeader,
  MessageLimits,
  MessageType,
  type SlotRanges,
} from "./messages.js";

/** ASCII "SHmb": Shoal message bus (Redis uses "RCmb"). */
export const FRAME_MAGIC = 0x53486d62;
/** Bumped on any incompatible change; a mismatch closes the link. */
export const PROTOCOL_VERSION = 1;
/** magic u32 + version u16 + body length u32. */
export const FRAME_HEADER_BYTES = 10;
/** Default largest body accepted (PUBLISH payloads included). */
export const DEFAULT_MAX_FRAME_BYTES = 32 * 1024 * 1024;

// Record structures shared by both ends. Order matters: it is part of the protocol version.
const HEADER_KEYS = [
  "sender",
  "currentEpoch",
  "configEpoch",
  "offset",
  "slots",
  "replicaOf",
  "ip",
  "port",
  "pport",
  "cport",
  "hostname",
  "flags",
  "state",
  "mflags",
  "shardId",
];
const GOSSIP_KEYS = ["id", "pingSent", "pongReceived", "ip", "port", "cport", "pport", "flags"];
const STRUCTURES = [
  HEADER_KEYS,
  GOSSIP_KEYS,
  ["type", "header", "gossip", "forgotten"],
  ["type", "header", "nodeId"],
  ["type", "header", "channel", "message"],
  ["type", "header"],
  ["type", "header", "configEpoch", "nodeId", "slots"],
  ["id", "ttl"],
];

function structures(): string[][] {
  return STRUCTURES.map((s) => s.slice());
}

const packr = new Packr({
  structures: structures(),
  useRecords: true,
  maxSharedStructures: STRUCTURES.length,
  saveStructures: () => false,
});
const unpackr = new Unpackr({
  structures: structures(),
  useRecords: true,
  maxSharedStructures: STRUCTURES.length,
  mapsAsObjects: true,
});

// Wire objects are rebuilt in structure key order so every message hits a shared record.
function wireHeader(h: MessageHeader) {
  return {
    sender: h.sender,
    currentEpoch: h.currentEpoch,
    configEpoch: h.configEpoch,
    offset: h.offset,
    slots: h.slots,
    replicaOf: h.replicaOf,
    ip: h.ip,
    port: h.port,
    pport: h.pport,
    cport: h.cport,
    hostname: h.hostname,
    flags: h.flags,
    state: h.state,
    mflags: h.mflags,
    shardId: h.shardId,
  };
}

function wireGossip(g: GossipEntry) {
  return {
    id: g.id,
    pingSent: g.pingSent,
    pongReceived: g.pongReceived,
    ip: g.ip,
    port: g.port,
    cport: g.cport,
    pport: g.pport,
    flags: g.flags,
  };
}

function wireBody(msg: ClusterMessage): unknown {
  const header = wireHeader(msg.header);
  switch (msg.type) {
    case MessageType.PING:
    case MessageType.PONG:
    case MessageType.MEET:
      return {
        type: msg.type,
        header,
        gossip: msg.gossip.map(wireGossip),
        forgotten: msg.forgotten.map((f) => ({ id: f.id, ttl: f.ttl })),
      };
    case MessageType.FAIL:
      return { type: msg.type, header, nodeId: msg.nodeId };
    case MessageType.PUBLISH:
    case MessageType.PUBLISHSHARD:
      return { type: msg.type, header, channel: msg.channel, message: msg.message };
    case MessageType.UPDATE:
      return {
        type: msg.type,
        header,
        configEpoch: msg.configEpoch,
        nodeId: msg.nodeId,
        slots: msg.slots,
      };
    default:
      return { type: msg.type, header };
  }
}

/** Encodes only the msgpackr body of a message (no frame header). */
export function encodeBody(msg: ClusterMessage): Buffer {
  return packr.pack(wireBody(msg));
}

/** Encodes one complete frame: magic, version, length, body. */
export function encodeFrame(msg: ClusterMessage): Buffer {
  const body = encodeBody(msg);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(FRAME_MAGIC, 0);
  frame.writeUInt16BE(PROTOCOL_VERSION, 4);
  frame.writeUInt32BE(body.length, 6);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** Result of decoding a body: a message, or a well-formed message of a type we do not know. */
export type DecodedBody =
  | { kind: "message"; message: ClusterMessage }
  | { kind: "unknown"; type: number };

/** Decodes and validates one body. Throws BusProtocolError (UNDECODABLE / INVALID_MESSAGE). */
export function decodeBody(body: Uint8Array): DecodedBody {
  let raw: unknown;
  try {
    raw = unpackr.unpack(body);
  } catch (err) {
    throw new BusProtocolError(BusErrorCode.UNDECODABLE, "undecodable message body", {
      cause: err,
    });
  }
  return validateBody(raw);
}

// ---------------------------------------------------------------------------------------------
// Validation. Everything a peer sends is hostile until proven otherwise: every field is checked
// for type and range, so the state machine only ever sees well-typed messages.

function invalid(what: string): never {
  throw new BusProtocolError(BusErrorCode.INVALID_MESSAGE, `invalid message: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function uint(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) invalid(what);
  return v;
}

function int(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) invalid(what);
  return v;
}

function str(v: unknown, what: string, maxLen: number): string {
  if (typeof v !== "string" || v.length > maxLen) invalid(what);
  return v;
}

function nodeId(v: unknown, what: string): string {
  if (!isValidNodeId(v)) invalid(what);
  return v;
}

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) invalid(what);
  return v;
}

function slotRanges(v: unknown, what: string): SlotRanges {
  if (!Array.isArray(v) || v.length % 2 !== 0 || v.length > MessageLimits.SLOTS * 2) invalid(what);
  let prevEnd = -1;
  for (let i = 0; i < v.length; i += 2) {
    const s = v[i];
    const e = v[i + 1];
    if (
      typeof s !== "number" ||
      typeof e !== "number" ||
      !Number.isInteger(s) ||
      !Number.isInteger(e) ||
      s <= prevEnd ||
      e < s ||
      e >= MessageLimits.SLOTS
    )
      invalid(what);
    prevEnd = e;
  }
  return v as SlotRanges;
}

function header(v: unknown): MessageHeader {
  if (!isObject(v)) invalid("header");
  const replicaOf = v.replicaOf === null ? null : nodeId(v.replicaOf, "header.replicaOf");
  const state = uint(v.state, "header.state", 1) as 0 | 1;
  return {
    sender: nodeId(v.sender, "header.sender"),
    currentEpoch: uint(v.currentEpoch, "header.currentEpoch"),
    configEpoch: uint(v.configEpoch, "header.configEpoch"),
    offset: int(v.offset, "header.offset"),
    slots: slotRanges(v.slots, "header.slots"),
    replicaOf,
    ip: str(v.ip, "header.ip", MessageLimits.MAX_IP_LENGTH),
    port: uint(v.port, "header.port", 65535),
    pport: uint(v.pport, "header.pport", 65535),
    cport: uint(v.cport, "header.cport", 65535),
    hostname: str(v.hostname, "header.hostname", MessageLimits.MAX_HOSTNAME_LENGTH),
    flags: uint(v.flags, "header.flags", 0xffff),
    state,
    mflags: uint(v.mflags, "header.mflags", 0xff),
    shardId: v.shardId === "" ? "" : nodeId(v.shardId, "header.shardId"),
  };
}

function gossipEntry(v: unknown): GossipEntry {
  if (!isObject(v)) invalid("gossip entry");
  return {
    id: nodeId(v.id, "gossip.id"),
    pingSent: uint(v.pingSent, "gossip.pingSent", 0xffffffff),
    pongReceived: uint(v.pongReceived, "gossip.pongReceived", 0xffffffff),
    ip: str(v.ip, "gossip.ip", MessageLimits.MAX_IP_LENGTH),
    port: uint(v.port, "gossip.port", 65535),
    cport: uint(v.cport, "gossip.cport", 65535),
    pport: uint(v.pport, "gossip.pport", 65535),
    flags: uint(v.flags, "gossip.flags", 0xffff),
  };
}

function forgottenNode(v: unknown): ForgottenNode {
  if (!isObject(v)) invalid("forgotten entry");
  return { id: nodeId(v.id, "forgotten.id"), ttl: uint(v.ttl, "forgotten.ttl", 0xffffffff) };
}

function list<T>(v: unknown, what: string, max: number, item: (x: unknown) => T): T[] {
  if (!Array.isArray(v) || v.length > max) invalid(what);
  const out = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = item(v[i]);
  return out;
}

/** Checks a decoded msgpack value against the message schemas. */
export function validateBody(raw: unknown): DecodedBody {
  if (!isObject(raw)) invalid("body is not a record");
  const type = raw.type;
  if (typeof type !== "number" || !Number.isInteger(type) || type < 0 || type > 0xffff)
    invalid("type");
  switch (type) {
    case MessageType.PING:
    case MessageType.PONG:
    case MessageType.MEET:
      return {
        kind: "message",
        message: {
          type,
          header: header(raw.header),
          gossip: list(raw.gossip, "gossip", MessageLimits.MAX_GOSSIP_ENTRIES, gossipEntry),
          forgotten: list(raw.forgotten, "forgotten", MessageLimits.MAX_FORGOTTEN, forgottenNode),
        },
      };
    case MessageType.FAIL:
      return {
        kind: "message",
        message: { type, header: header(raw.header), nodeId: nodeId(raw.nodeId, "nodeId") },
      };
    case MessageType.PUBLISH:
    case MessageType.PUBLISHSHARD:
      return {
        kind: "message",
        message: {
          type,
          header: header(raw.header),
          channel: bytes(raw.channel, "channel"),
          message: bytes(raw.message, "message"),
        },
      };
    case MessageType.UPDATE:
      return {
        kind: "message",
        message: {
          type,
          header: header(raw.header),
          configEpoch: uint(raw.configEpoch, "configEpoch"),
          nodeId: nodeId(raw.nodeId, "nodeId"),
          slots: slotRanges(raw.slots, "slots"),
        },
      };
    case MessageType.FAILOVER_AUTH_REQUEST:
    case MessageType.FAILOVER_AUTH_ACK:
    case MessageType.MFSTART:
      return { kind: "message", message: { type, header: header(raw.header) } };
    default:
      // Forward compatibility: a well-formed frame of an unknown type is ignored, not fatal.
      return { kind: "unknown", type };
  }
}

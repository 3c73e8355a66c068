// Packet processing: one cluster bus message in. Mirrors clusterProcessPacket() and
// getNodeFromLinkAndMsg() in src/cluster_legacy.c (Redis 7.0).
//
// The sender is the node bound to the link, or (on an inbound link not bound yet) the known node
// the header names, which binds the link to it. A known sender's header is merged first: its
// currentEpoch and configEpoch if greater, its replication offset, a paused master's final offset
// for a manual failover. PING, PONG and MEET go to gossip.ts, the only types accepted from
// strangers; any other type from an unknown sender is dropped, and so is the inbound link it came
// on. The rest are dispatched to their mechanism: FAIL (failure-detection.ts), UPDATE
// (slot-config.ts), FAILOVER_AUTH_REQUEST (failover-auth.ts), FAILOVER_AUTH_ACK (election.ts),
// MFSTART (manual-failover.ts), PUBLISH/PUBLISHSHARD (delivered to local subscribers).
import {
  type ClusterMessage,
  MessageFlag,
  MessageType,
  NodeFlag,
} from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { receiveFailoverAuthAck } from "./election.js";
import { sendFailoverAuthIfNeeded } from "./failover-auth.js";
import { receiveFail } from "./failure-detection.js";
import { processPing } from "./gossip.js";
import { noteMasterPausedOffset, receiveManualFailoverStart } from "./manual-failover.js";
import { type ClusterNode, inHandshake, isSlave } from "./node.js";
import { receiveUpdate } from "./slot-config.js";
import type { LinkId } from "./types.js";

const NF = { ...NodeFlag };

/** clusterProcessPacket() */
export function processPacket(cs: ClusterState, linkId: LinkId, msg: ClusterMessage): void {
  const link = cs.links.get(linkId);
  if (!link) return;
  const now = cs.now();
  const type = msg.type;
  const hdr = msg.header;

  // getNodeFromLinkAndMsg()
  let sender: ClusterNode | null = null;
  if (link.node && !inHandshake(link.node)) sender = link.node;
  else {
    sender = cs.nodes.get(hdr.sender) ?? null;
    if (sender && link.inbound && !link.node) {
      // setClusterNodeToInboundClusterLink(): a newer inbound link replaces the old one.
      if (sender.inboundLink && sender.inboundLink !== link) cs.freeLink(sender.inboundLink);
      sender.inboundLink = link;
      link.node = sender;
    }
  }
  if (sender === cs.myself) sender = null;

  if (sender) {
    sender.dataReceived = now;
    if (hdr.mflags & MessageFlag.EXT_DATA) sender.flags |= NF.EXTENSIONS_SUPPORTED;
  }
  if (sender && !inHandshake(sender)) {
    if (hdr.currentEpoch > cs.currentEpoch) {
      cs.currentEpoch = hdr.currentEpoch;
      cs.scheduleSave(true);
    }
    if (hdr.configEpoch > sender.configEpoch) {
      sender.configEpoch = hdr.configEpoch;
      cs.scheduleSave(true);
    }
    sender.replOffset = hdr.offset;
    sender.replOffsetTime = now;
    if (
      cs.manualFailover.end !== 0 &&
      isSlave(cs.myself) &&
      cs.myself.slaveof === sender &&
      hdr.mflags & MessageFlag.PAUSED
    )
      noteMasterPausedOffset(cs, hdr.offset);
  }

  if (type === MessageType.PING || type === MessageType.PONG || type === MessageType.MEET) {
    processPing(cs, link, msg, sender);
    return;
  }

  if (!sender) {
    // Only PING/MEET are accepted from strangers; anything else on an unbound inbound link
    // means the peer is not who it should be: drop the link (Redis ignores the packet).
    if (type === MessageType.FAIL)
      cs.log("notice", `Ignoring FAIL message from unknown node ${hdr.sender} about ${msg.nodeId}`);
    if (link.inbound && !link.node) {
      cs.log(
        "verbose",
        `Closing cluster bus link ${link.id}: message type ${type} from unknown node ${hdr.sender}`,
      );
      cs.freeLink(link);
    }
    return;
  }

  switch (msg.type) {
    case MessageType.FAIL:
      receiveFail(cs, hdr.sender, msg.nodeId, now);
      break;
    case MessageType.PUBLISH:
    case MessageType.PUBLISHSHARD:
      cs.emit({
        type: "publish",
        shard: msg.type === MessageType.PUBLISHSHARD,
        channel: msg.channel,
        message: msg.message,
      });
      break;
    case MessageType.UPDATE:
      receiveUpdate(cs, msg);
      break;
    case MessageType.FAILOVER_AUTH_REQUEST:
      sendFailoverAuthIfNeeded(cs, sender, hdr);
      break;
    case MessageType.FAILOVER_AUTH_ACK:
      receiveFailoverAuthAck(cs, sender, hdr.currentEpoch);
      break;
    case MessageType.MFSTART:
      receiveManualFailoverStart(cs, sender, link);
      break;
    default:
      break;
  }
}

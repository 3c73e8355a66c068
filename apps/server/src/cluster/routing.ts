// Cluster routing of client commands: which node serves a command, from the slots of its keys.
// Mirrors getNodeByQuery() and clusterRedirectClient() in src/cluster.c (Redis 7.0): every key
// (from the command table's key positions) must hash to one slot; an unassigned slot, or a
// cluster in the fail state, is CLUSTERDOWN; a slot served elsewhere is MOVED; an open slot
// (MIGRATING/IMPORTING) answers ASK or TRYAGAIN by which keys are present. EXEC is routed over
// every queued command, so a transaction touches one slot only.

import {
  type ClusterNode,
  type ClusterState,
  isSlave,
  preferredEndpoint,
} from "@shoal/gossip-failover";
import type { CommandSpec } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import { keySlotBytes, keySlotRange } from "@shoal/slot-hash";
import type { CommandEntry } from "../commands/command-types.js";
import type { Client } from "../networking/client-connection.js";
import { CommandDecoder } from "../protocol/command-decoder.js";
import type { SlotKeys } from "./slot-keys.js";

/** Redis's CLUSTER_REDIR_* codes. */
export const Redir = {
  None: 0,
  CrossSlot: 1,
  Unstable: 2,
  Ask: 3,
  Moved: 4,
  DownState: 5,
  DownUnbound: 6,
  DownRoState: 7,
} as const;
export type RedirCode = (typeof Redir)[keyof typeof Redir];

/** True when Redis would route the command at all (it has key positions, or it is EXEC). */
export function hasKeyPositions(spec: CommandSpec): boolean {
  return spec.firstKey > 0 || spec.getKeys !== undefined;
}

/** Positions of the keys in `args` by the spec (Redis's getKeysFromCommand, legacy ranges). */
export function keyPositions(spec: CommandSpec, args: CommandArgs): number[] {
  if (spec.getKeys !== undefined) return spec.getKeys(args);
  const out: number[] = [];
  const first = spec.firstKey;
  if (first <= 0) return out;
  const last = spec.lastKey < 0 ? args.argc + spec.lastKey : spec.lastKey;
  const step = spec.step > 0 ? spec.step : 1;
  for (let i = first; i <= last && i < args.argc; i += step) out.push(i);
  return out;
}

/**
 * The slot of argument `i`: a client's command is hashed in its read buffer, with no Buffer made
 * per key (view() would make one per routed command); owned arguments have their Buffer already.
 */
function argSlot(args: CommandArgs, i: number): number {
  if (!(args instanceof CommandDecoder)) return keySlotBytes(args.view(i));
  const start = args.argOffset(i);
  return keySlotRange(args.argBuffer(i), start, start + args.len(i));
}

const isPubsubShard = (name: string) =>
  name === "ssubscribe" || name === "sunsubscribe" || name === "spublish";

/**
 * One router per server. `route()` leaves its verdict in fields (no allocation per command):
 * `code`, `slot` and, for MOVED/ASK, `target`.
 */
export class Router {
  /** cluster-allow-pubsubshard-when-down (kept here by the runtime, read per routed command). */
  allowPubsubShardWhenDown = true;
  code: RedirCode = Redir.None;
  slot = 0;
  target: ClusterNode | null = null;
  // Scratch state of one route() call.
  private firstArgs: CommandArgs | null = null;
  private firstPos = 0;
  private open = 0; // 1 migrating, 2 importing
  private multipleKeys = false;
  private missingKeys = 0;
  private existingKeys = 0;
  private owner: ClusterNode | null = null;

  constructor(
    private readonly state: () => ClusterState,
    private readonly keys: () => SlotKeys,
  ) {}

  /**
   * Routes a command (for EXEC: the queued transaction). Returns true when this node serves it;
   * otherwise `code` says why (Redis's error_code).
   */
  route(client: Client, entry: CommandEntry, args: CommandArgs, asking: boolean): boolean {
    const state = this.state();
    // Fast path, the common case: fixed key positions, all in one slot this node serves, no
    // open slots, cluster ok. Anything else takes the full walk below.
    const spec = entry.spec;
    if (
      spec.getKeys === undefined &&
      spec.firstKey > 0 &&
      state.state === "ok" &&
      state.migratingSlotsTo.size === 0 &&
      state.importingSlotsFrom.size === 0
    ) {
      let last = spec.lastKey < 0 ? args.argc + spec.lastKey : spec.lastKey;
      if (last >= args.argc) last = args.argc - 1;
      const step = spec.step > 0 ? spec.step : 1;
      let slot = -1;
      let local = true;
      for (let k = spec.firstKey; k <= last; k += step) {
        const s = argSlot(args, k);
        if (slot === -1) slot = s;
        else if (s !== slot) {
          local = false;
          break;
        }
      }
      if (local && (slot === -1 || state.slots[slot] === state.myself)) return true;
    }
    this.code = Redir.None;
    this.slot = 0;
    this.target = null;
    this.firstArgs = null;
    this.open = 0;
    this.multipleKeys = false;
    this.missingKeys = 0;
    this.existingKeys = 0;
    this.owner = null;
    const name = (entry.parent ?? entry).spec.name;
    const shardPubsub = isPubsubShard(name);
    let isWrite = entry.isWrite;

    if (name === "exec") {
      const queue = client.multiQueue;
      if (queue === null) return true; // EXEC will just reply "EXEC without MULTI".
      for (const q of queue) {
        if (q.entry.isWrite) isWrite = true;
        if (!this.scan(state, q.entry.spec, q.args, shardPubsub)) return false;
      }
    } else if (!this.scan(state, entry.spec, args, shardPubsub)) {
      return false;
    }

    const n = this.owner;
    // No key at all: served here, whatever the cluster state.
    if (n === null) return true;
    const me = state.myself;

    if (state.state !== "ok") {
      if (shardPubsub) {
        if (!this.allowPubsubShardWhenDown) {
          this.code = Redir.DownState;
          return false;
        }
      } else if (!state.config.allowReadsWhenDown) {
        this.code = Redir.DownState;
        return false;
      } else if (isWrite) {
        this.code = Redir.DownRoState;
        return false;
      }
    }

    // MIGRATE works on this node's keys whenever the slot is open, to move them freely.
    if (this.open !== 0 && name === "migrate") return true;
    // Some keys here and some gone already: the client must retry; all gone: ASK the target.
    if (this.open === 1 && this.missingKeys > 0) {
      if (this.existingKeys > 0) {
        this.code = Redir.Unstable;
        return false;
      }
      this.code = Redir.Ask;
      this.target = state.migratingSlotsTo.get(this.slot) ?? null;
      return false;
    }
    if (this.open === 2 && (asking || entry.spec.flags.includes("asking"))) {
      if (this.multipleKeys && this.missingKeys > 0) {
        this.code = Redir.Unstable;
        return false;
      }
      return true;
    }
    // A replica serves reads of its master's slots to READONLY clients (and sharded pub/sub).
    if ((client.readOnly || shardPubsub) && !isWrite && isSlave(me) && me.slaveof === n)
      return true;
    if (n !== me) {
      this.code = Redir.Moved;
      this.target = n;
      return false;
    }
    return true;
  }

  /** Walks one command's keys; false on CROSSSLOT or an unassigned slot. */
  private scan(
    state: ClusterState,
    spec: CommandSpec,
    args: CommandArgs,
    shardPubsub: boolean,
  ): boolean {
    const getKeys = spec.getKeys;
    let positions: number[] | null = null;
    let first = spec.firstKey;
    let last = 0;
    let step = 1;
    if (getKeys !== undefined) {
      positions = getKeys(args);
      first = 0;
      last = positions.length - 1;
    } else {
      if (first <= 0) return true;
      last = spec.lastKey < 0 ? args.argc + spec.lastKey : spec.lastKey;
      if (last >= args.argc) last = args.argc - 1;
      step = spec.step > 0 ? spec.step : 1;
    }
    for (let k = first; k <= last; k += step) {
      const pos = positions !== null ? positions[k]! : k;
      const slot = argSlot(args, pos);
      if (this.firstArgs === null) {
        this.firstArgs = args;
        this.firstPos = pos;
        this.slot = slot;
        const n = state.slots[slot] ?? null;
        if (n === null) {
          this.code = Redir.DownUnbound;
          return false;
        }
        this.owner = n;
        if (n === state.myself && state.migratingSlotsTo.has(slot)) this.open = 1;
        else if (state.importingSlotsFrom.has(slot)) this.open = 2;
      } else if (slot !== this.slot) {
        this.code = Redir.CrossSlot;
        return false;
      } else if (this.open !== 0 && !this.multipleKeys) {
        // Only an open slot cares whether the keys are all the same one.
        if (!args.view(pos).equals(this.firstArgs.view(this.firstPos))) this.multipleKeys = true;
      }
      if (this.open !== 0 && !shardPubsub) {
        if (!this.keys().has(args.latin1(pos), Date.now())) this.missingKeys++;
        else this.existingKeys++;
      }
    }
    return true;
  }

  /** The error reply for the last verdict (Redis's clusterRedirectClient). */
  errorText(state: ClusterState): string {
    switch (this.code) {
      case Redir.CrossSlot:
        return "CROSSSLOT Keys in request don't hash to the same slot";
      case Redir.Unstable:
        return "TRYAGAIN Multiple keys request during rehashing of slot";
      case Redir.DownState:
        return "CLUSTERDOWN The cluster is down";
      case Redir.DownRoState:
        return "CLUSTERDOWN The cluster is down and only accepts read commands";
      case Redir.DownUnbound:
        return "CLUSTERDOWN Hash slot not served";
      case Redir.Moved:
      case Redir.Ask:
        return redirectText(
          state,
          this.code === Redir.Ask ? "ASK" : "MOVED",
          this.slot,
          this.target,
        );
      default:
        return "ERR routing error";
    }
  }
}

/** `MOVED <slot> <endpoint>:<port>` (or ASK). */
export function redirectText(
  state: ClusterState,
  kind: "MOVED" | "ASK",
  slot: number,
  n: ClusterNode | null,
): string {
  if (n === null) return "CLUSTERDOWN Hash slot not served";
  return `${kind} ${slot} ${preferredEndpoint(state, n) ?? ""}:${n.port}`;
}

// CLUSTER subcommands owned by the state machine, with Redis 7.0's arities and error texts
// (clusterCommand() in src/cluster.c and clusterCommandSpecial() in src/cluster_legacy.c).
// Keyspace-dependent checks take a CommandContext; routing commands (KEYSLOT, COUNTKEYSINSLOT,
// GETKEYSINSLOT) and rendering stay in the server.
import { NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { ClusterErrors } from "./errors.js";
import { clusterFailoverCommand } from "./manual-failover.js";
import { isMaster, isSlave } from "./node.js";
import { clusterNodesText, nodeDescription } from "./nodes-conf.js";
import { CLUSTER_SLOTS } from "./slots.js";
import type { CommandContext, CommandResult, Effect, Reply } from "./types.js";
import { clusterInfoText } from "./views.js";

const OK: Reply = { type: "ok" };
const err = (message: string): Reply => ({ type: "error", message });

/** Subcommand arities as in Redis's command table (negative = at least). */
const ARITY: Record<string, number> = {
  addslots: -3,
  addslotsrange: -4,
  bumpepoch: 2,
  "count-failure-reports": 3,
  failover: -2,
  delslots: -3,
  delslotsrange: -4,
  flushslots: 2,
  forget: 3,
  info: 2,
  meet: -4,
  myid: 2,
  myshardid: 2,
  nodes: 2,
  reset: -2,
  saveconfig: 2,
  "set-config-epoch": 3,
  setslot: -4,
  replicate: 3,
  replicas: 3,
  slaves: 3,
};

/** Subcommands `clusterCommand` answers. */
export const CLUSTER_SUBCOMMANDS = Object.keys(ARITY);

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** getLongLongFromObject(): a strict base-10 integer. */
function parseInteger(s: string): number | null {
  if (!/^-?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** getSlotOrReply() */
function parseSlot(s: string): number | null {
  const n = parseInteger(s);
  return n === null || n < 0 || n >= CLUSTER_SLOTS ? null : n;
}

/**
 * Runs `CLUSTER <argv...>` (argv[0] is the subcommand). Returns the reply and the effects to
 * execute (saveConfig first). Unknown subcommands get Redis's "unknown subcommand" error, so the
 * server can try its own table first and fall back to this one.
 */
export function clusterCommand(
  state: ClusterState,
  argv: string[],
  ctx: CommandContext = {},
): CommandResult {
  let reply: Reply = OK;
  const effects: Effect[] = state.run(() => {
    reply = dispatch(state, argv, ctx);
  });
  return { reply, effects };
}

function dispatch(state: ClusterState, argv: string[], ctx: CommandContext): Reply {
  const sub = (argv[0] ?? "").toLowerCase();
  const arity = ARITY[sub];
  if (arity === undefined) return err(ClusterErrors.unknownSubcommand(argv[0] ?? ""));
  // argc counts "CLUSTER" itself, as Redis does.
  if (!arityOk(arity, argv.length + 1)) return err(ClusterErrors.arity(sub));
  const me = state.myself;
  switch (sub) {
    case "myid":
      return { type: "bulk", value: me.name };
    case "myshardid":
      return { type: "bulk", value: me.shardId };
    case "nodes":
      return { type: "bulk", value: clusterNodesText(state) };
    case "info":
      return { type: "bulk", value: clusterInfoText(state, ctx) };
    case "meet": {
      const [, ip = "", portText = "", cportText] = argv;
      const port = parseInteger(portText);
      if (port === null) return err(ClusterErrors.invalidPort(portText));
      let cport = port + 10000;
      if (cportText !== undefined) {
        const c = parseInteger(cportText);
        if (c === null) return err(ClusterErrors.invalidBusPort(cportText));
        cport = c;
      }
      if (argv.length > 4) return err(ClusterErrors.arity(sub));
      if (!state.startHandshake(ip, port, cport))
        return err(ClusterErrors.invalidAddress(ip, portText));
      return OK;
    }
    case "forget": {
      const id = argv[1]!;
      const n = state.lookupNode(id);
      if (!n) {
        if (state.blacklistExists(id)) return OK;
        return err(ClusterErrors.unknownNode(id));
      }
      if (n === me) return err(ClusterErrors.forgetMyself);
      if (isSlave(me) && me.slaveof === n) return err(ClusterErrors.forgetMaster);
      state.blacklistAdd(n.name);
      state.delNode(n);
      state.scheduleSave();
      state.scheduleUpdateState();
      return OK;
    }
    case "addslots":
    case "delslots": {
      const slots: number[] = [];
      const seen = new Set<number>();
      for (const a of argv.slice(1)) {
        const s = parseSlot(a);
        if (s === null) return err(ClusterErrors.invalidSlot);
        slots.push(s);
      }
      for (const s of slots) {
        if (sub === "addslots" && state.slots[s]) return err(ClusterErrors.slotBusy(s));
        if (sub === "delslots" && !state.slots[s]) return err(ClusterErrors.slotUnassigned(s));
        if (seen.has(s)) return err(ClusterErrors.slotTwice(s));
        seen.add(s);
      }
      applySlots(state, slots, sub === "addslots");
      return OK;
    }
    case "addslotsrange":
    case "delslotsrange": {
      if (argv.length % 2 === 0) return err(ClusterErrors.arity(sub));
      const slots: number[] = [];
      const seen = new Set<number>();
      for (let i = 1; i < argv.length; i += 2) {
        const s = parseSlot(argv[i]!);
        const e = parseSlot(argv[i + 1]!);
        if (s === null || e === null) return err(ClusterErrors.invalidSlot);
        if (s > e) return err(ClusterErrors.startAfterEnd(s, e));
        for (let j = s; j <= e; j++) {
          if (sub === "addslotsrange" && state.slots[j]) return err(ClusterErrors.slotBusy(j));
          if (sub === "delslotsrange" && !state.slots[j])
            return err(ClusterErrors.slotUnassigned(j));
          if (seen.has(j)) return err(ClusterErrors.slotTwice(j));
          seen.add(j);
          slots.push(j);
        }
      }
      applySlots(state, slots, sub === "addslotsrange");
      return OK;
    }
    case "flushslots":
      if (ctx.dbEmpty === false) return err(ClusterErrors.flushSlotsNotEmpty);
      state.delNodeSlots(me);
      state.scheduleSave();
      state.scheduleUpdateState();
      return OK;
    case "set-config-epoch": {
      const text = argv[1]!;
      const epoch = parseInteger(text);
      if (epoch === null) return err(ClusterErrors.notInteger);
      if (epoch < 0) return err(ClusterErrors.invalidConfigEpoch(text));
      if (state.nodes.size > 1) return err(ClusterErrors.epochOthersKnown);
      if (me.configEpoch !== 0) return err(ClusterErrors.epochNonZero);
      me.configEpoch = epoch;
      state.log("warning", `configEpoch set to ${epoch} via CLUSTER SET-CONFIG-EPOCH`);
      if (state.currentEpoch < epoch) state.currentEpoch = epoch;
      state.scheduleSave(true);
      state.scheduleUpdateState();
      return OK;
    }
    case "bumpepoch": {
      const bumped = state.bumpConfigEpochWithoutConsensus();
      state.scheduleUpdateState();
      return { type: "status", value: `${bumped ? "BUMPED" : "STILL"} ${me.configEpoch}` };
    }
    case "count-failure-reports": {
      const n = state.lookupNode(argv[1]!);
      if (!n) return err(ClusterErrors.unknownNode(argv[1]!));
      return { type: "integer", value: state.failureReportsCount(n) };
    }
    case "reset": {
      let hard = false;
      if (argv.length === 2) {
        const how = argv[1]!.toLowerCase();
        if (how === "hard") hard = true;
        else if (how !== "soft") return err(ClusterErrors.syntax);
      } else if (argv.length > 2) return err(ClusterErrors.syntax);
      if (isMaster(me) && ctx.dbEmpty === false) return err(ClusterErrors.resetWithKeys);
      state.reset(hard);
      return OK;
    }
    case "saveconfig":
      state.scheduleSave(true);
      return OK;
    case "failover":
      // clusterCommandSpecial() only takes 2 or 3 words; more falls to the generic error.
      if (argv.length > 2) return err(ClusterErrors.subcommandSyntax(argv[0]!));
      return clusterFailoverCommand(state, argv);
    case "setslot":
      return setSlot(state, argv, ctx);
    case "replicate": {
      const n = state.lookupNode(argv[1]!);
      if (!n) return err(ClusterErrors.unknownNode(argv[1]!));
      if (n === me) return err(ClusterErrors.replicateMyself);
      if (isSlave(n)) return err(ClusterErrors.replicateReplica);
      if (isMaster(me) && (me.numSlots !== 0 || ctx.dbEmpty === false))
        return err(ClusterErrors.replicateNotEmpty);
      state.setMyselfAsReplicaOf(n);
      state.scheduleSave();
      state.scheduleUpdateState();
      return OK;
    }
    case "replicas":
    case "slaves": {
      const n = state.lookupNode(argv[1]!);
      if (!n) return err(ClusterErrors.unknownNode(argv[1]!));
      if (isSlave(n)) return err(ClusterErrors.notAMaster);
      return { type: "array", value: n.slaves.map((r) => nodeDescription(state, r, false)) };
    }
  }
  return err(ClusterErrors.unknownSubcommand(argv[0] ?? ""));
}

function applySlots(state: ClusterState, slots: number[], add: boolean): void {
  for (const s of slots) {
    // Adding a slot we were importing completes the import (Redis clears importing_slots_from).
    if (add) {
      state.importingSlotsFrom.delete(s);
      state.addSlot(state.myself, s);
    } else {
      state.delSlot(s);
    }
  }
  void NodeFlag;
  state.scheduleSave();
  state.scheduleUpdateState();
}

/** CLUSTER SETSLOT <slot> MIGRATING|IMPORTING <id> | STABLE | NODE <id> (Redis 7.0). */
function setSlot(state: ClusterState, argv: string[], ctx: CommandContext): Reply {
  const me = state.myself;
  if (isSlave(me)) return err(ClusterErrors.setSlotOnReplica);
  const slot = parseSlot(argv[1]!);
  if (slot === null) return err(ClusterErrors.invalidSlot);
  const action = argv[2]!.toLowerCase();
  const keys = (s: number) => ctx.countKeysInSlot?.(s) ?? 0;
  if (action === "migrating" && argv.length === 4) {
    if (state.slots[slot] !== me) return err(ClusterErrors.notOwner(slot));
    const n = state.lookupNode(argv[3]!);
    if (!n) return err(ClusterErrors.dontKnowNode(argv[3]!));
    if (isSlave(n)) return err(ClusterErrors.targetNotMaster);
    state.migratingSlotsTo.set(slot, n);
  } else if (action === "importing" && argv.length === 4) {
    if (state.slots[slot] === me) return err(ClusterErrors.alreadyOwner(slot));
    const n = state.lookupNode(argv[3]!);
    if (!n) return err(ClusterErrors.dontKnowNode(argv[3]!));
    if (isSlave(n)) return err(ClusterErrors.targetNotMaster);
    state.importingSlotsFrom.set(slot, n);
  } else if (action === "stable" && argv.length === 3) {
    state.importingSlotsFrom.delete(slot);
    state.migratingSlotsTo.delete(slot);
  } else if (action === "node" && argv.length === 4) {
    const n = state.lookupNode(argv[3]!);
    if (!n) return err(ClusterErrors.unknownNode(argv[3]!));
    if (isSlave(n)) return err(ClusterErrors.targetNotMaster);
    if (state.slots[slot] === me && n !== me && keys(slot) !== 0)
      return err(ClusterErrors.slotHasKeys(slot));
    // A migrating slot with no keys left is closed by assigning it.
    if (keys(slot) === 0) state.migratingSlotsTo.delete(slot);
    const slotWasMine = state.slots[slot] === me;
    state.delSlot(slot);
    state.addSlot(n, slot);
    if (slotWasMine && n !== me && me.numSlots === 0 && state.config.allowReplicaMigration) {
      state.log(
        "warning",
        `Configuration change detected. Reconfiguring myself as a replica of ${n.name}`,
      );
      state.setMyselfAsReplicaOf(n);
      state.scheduleSave(true);
    }
    if (n === me && state.importingSlotsFrom.has(slot)) {
      // A manually migrated slot: bump our epoch so the new owner wins everywhere.
      if (state.bumpConfigEpochWithoutConsensus())
        state.log("warning", `configEpoch updated after importing slot ${slot}`);
      state.importingSlotsFrom.delete(slot);
      state.broadcastPong();
    }
  } else {
    return err(ClusterErrors.setSlotSyntax);
  }
  state.scheduleSave();
  state.scheduleUpdateState();
  return OK;
}

// nodes.conf in Redis's format: serialisation mirrors clusterGenNodeDescription() for the file
// form, parsing mirrors clusterLoadConfig() in src/cluster_legacy.c (Redis 7.0; the 7.2 aux
// fields `tls-port=`, `tcp-port=`, `shard-id=`, `nodename=` are accepted on load). Text only: the
// atomic write is cluster-bus's writeConfigFileAtomic().
import { NodeFlag } from "@shoal/cluster-bus/messages";
import type { ClusterState } from "./cluster-state.js";
import { ClusterConfigError } from "./errors.js";
import {
  type ClusterNode,
  createNode,
  flagsToString,
  inHandshake,
  isSlave,
  parseFlags,
} from "./node.js";
import { CLUSTER_SLOTS, formatRanges } from "./slots.js";

/** One CLUSTER NODES / nodes.conf line (without the trailing newline). */
export function nodeDescription(state: ClusterState, n: ClusterNode, forFile: boolean): string {
  const addr = `${n.ip}:${n.port}@${n.cport}${n.hostname ? `,${n.hostname}` : ""}`;
  const master = isSlave(n) && n.slaveof ? n.slaveof.name : "-";
  const epoch = isSlave(n) && n.slaveof ? n.slaveof.configEpoch : n.configEpoch;
  const isMyself = n === state.myself;
  const linked = isMyself || (n.link?.connected ?? false);
  let line = `${n.name} ${addr} ${flagsToString(n.flags)} ${master} ${n.pingSent} ${n.pongReceived} ${epoch} ${linked ? "connected" : "disconnected"}`;
  const slotTokens = formatRanges(state.nodeRanges(n));
  if (slotTokens.length) line += ` ${slotTokens.join(" ")}`;
  if (isMyself && (state.migratingSlotsTo.size || state.importingSlotsFrom.size)) {
    const open = new Set([...state.migratingSlotsTo.keys(), ...state.importingSlotsFrom.keys()]);
    for (const j of [...open].sort((a, b) => a - b)) {
      const to = state.migratingSlotsTo.get(j);
      if (to) line += ` [${j}->-${to.name}]`;
      const from = state.importingSlotsFrom.get(j);
      if (from) line += ` [${j}-<-${from.name}]`;
    }
  }
  void forFile;
  return line;
}

/** clusterGenNodesDescription(): every node, handshake ones included (CLUSTER NODES). */
export function clusterNodesText(state: ClusterState): string {
  let out = "";
  for (const n of state.nodes.values()) out += `${nodeDescription(state, n, false)}\n`;
  return out;
}

/** The nodes.conf file: every node but handshake ones, then the vars line. */
export function serializeNodesConf(state: ClusterState): string {
  let out = "";
  for (const n of state.nodes.values()) {
    if (inHandshake(n)) continue;
    out += `${nodeDescription(state, n, true)}\n`;
  }
  out += `vars currentEpoch ${state.currentEpoch} lastVoteEpoch ${state.lastVoteEpoch}\n`;
  return out;
}

const AUX_KEYS = new Set(["tls-port", "tcp-port", "shard-id", "nodename"]);

function isUint(s: string, maxDigits = 20): boolean {
  return s.length > 0 && s.length <= maxDigits && /^\d+$/.test(s);
}

/**
 * Loads nodes.conf text into a fresh state machine (clusterLoadConfig()). Throws
 * ClusterConfigError for a corrupted file. Returns the log lines Redis prints.
 */
export function loadNodesConf(state: ClusterState, text: string): string[] {
  const now = state.now();
  const logs: string[] = [];
  const fail = (line: number, why: string): never => {
    throw new ClusterConfigError(
      `Unrecoverable error: corrupted cluster config file (line ${line}: ${why})`,
      line,
    );
  };
  // Start from an empty table: the file says who we are.
  for (const n of [...state.nodeList]) state.delNode(n);
  let myself: ClusterNode | null = null;
  let maxEpochSeen = 0;
  const getOrCreate = (name: string): ClusterNode => {
    let n = state.nodes.get(name);
    if (!n) {
      n = createNode(name, 0, now);
      state.addNode(n);
    }
    return n;
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    if (raw.trim() === "") continue;
    const argv = raw.trim().split(/\s+/);
    const lineNo = i + 1;
    if (argv[0] === "vars") {
      for (let j = 1; j + 1 < argv.length; j += 2) {
        const key = argv[j]!;
        const value = argv[j + 1]!;
        if (key === "currentEpoch" && isUint(value)) state.currentEpoch = Number(value);
        else if (key === "lastVoteEpoch" && isUint(value)) state.lastVoteEpoch = Number(value);
        else logs.push(`Skipping unknown cluster config variable '${key}'`);
      }
      continue;
    }
    if (argv.length < 8) fail(lineNo, "fewer than 8 fields");
    const name = argv[0]!;
    if (!/^[a-z0-9]{40}$/.test(name)) fail(lineNo, "bad node id");
    const n = getOrCreate(name);

    // Address: ip:port@cport[,hostname[,aux=val...]]
    const [addrPart, hostname = "", ...aux] = argv[1]!.split(",");
    const at = addrPart!.lastIndexOf("@");
    const hostPort = at >= 0 ? addrPart!.slice(0, at) : addrPart!;
    const colon = hostPort.lastIndexOf(":");
    if (colon < 0) fail(lineNo, "bad address");
    const portText = hostPort.slice(colon + 1);
    if (!isUint(portText, 5) || Number(portText) > 65535) fail(lineNo, "bad port");
    n.ip = hostPort.slice(0, colon);
    n.port = Number(portText);
    if (at >= 0) {
      const c = addrPart!.slice(at + 1);
      if (!isUint(c, 5) || Number(c) > 65535) fail(lineNo, "bad bus port");
      n.cport = Number(c);
    } else n.cport = n.port + 10000;
    n.hostname = hostname;
    for (const kv of aux) {
      const eq = kv.indexOf("=");
      const key = eq < 0 ? kv : kv.slice(0, eq);
      const value = eq < 0 ? "" : kv.slice(eq + 1);
      if (!AUX_KEYS.has(key)) fail(lineNo, `unknown aux field ${key}`);
      if (key === "shard-id" && /^[a-z0-9]{40}$/.test(value)) n.shardId = value;
      if ((key === "tls-port" || key === "tcp-port") && isUint(value, 5)) n.pport = Number(value);
    }

    const flags = parseFlags(argv[2]!);
    if (flags === null) fail(lineNo, "Unknown flag in redis cluster config file");
    n.flags = flags as number;
    if (n.flags & NodeFlag.MYSELF) {
      if (myself) fail(lineNo, "more than one myself");
      myself = n;
    }
    if (n.flags & NodeFlag.FAIL) n.failTime = now;

    if (argv[3] !== "-") {
      if (!/^[a-z0-9]{40}$/.test(argv[3]!)) fail(lineNo, "bad master id");
      const master = getOrCreate(argv[3]!);
      n.slaveof = master;
      if (!master.slaves.includes(n)) master.slaves.push(n);
    }
    if (!isUint(argv[4]!) || !isUint(argv[5]!) || !isUint(argv[6]!)) fail(lineNo, "bad number");
    if (Number(argv[4])) n.pingSent = now;
    if (Number(argv[5])) n.pongReceived = now;
    n.configEpoch = Number(argv[6]);
    if (n.configEpoch > maxEpochSeen) maxEpochSeen = n.configEpoch;

    for (let j = 8; j < argv.length; j++) {
      const tok = argv[j]!;
      if (tok.startsWith("[")) {
        const m = /^\[(\d+)-([<>])-([a-z0-9]{40})\]$/.exec(tok);
        if (!m || Number(m[1]) >= CLUSTER_SLOTS) fail(lineNo, `bad open slot ${tok}`);
        const slot = Number(m![1]);
        const other = getOrCreate(m![3]!);
        if (m![2] === ">") state.migratingSlotsTo.set(slot, other);
        else state.importingSlotsFrom.set(slot, other);
        continue;
      }
      const dash = tok.indexOf("-");
      const start = Number(dash < 0 ? tok : tok.slice(0, dash));
      const end = Number(dash < 0 ? tok : tok.slice(dash + 1));
      if (
        !Number.isInteger(start) ||
        !Number.isInteger(end) ||
        start < 0 ||
        end >= CLUSTER_SLOTS ||
        start > end
      )
        fail(lineNo, `bad slot range ${tok}`);
      for (let s = start; s <= end; s++) {
        if (state.slots[s]) state.delSlot(s);
        state.addSlot(n, s);
      }
    }
  }
  if (!myself) fail(0, "no myself line");
  const me = myself as ClusterNode;
  if (!(me.flags & (NodeFlag.MASTER | NodeFlag.SLAVE)))
    fail(0, "myself is neither master nor replica");
  if (me.flags & NodeFlag.SLAVE && !me.slaveof) fail(0, "replica myself without a master");
  state.myself = me;
  if (!me.shardId) me.shardId = me.slaveof?.shardId || randomShard(state);
  for (const n of state.nodeList) {
    if (!n.shardId) n.shardId = n.slaveof?.shardId ?? "";
    if (isSlave(n) && n.slaveof) n.configEpoch = n.configEpoch || 0;
  }
  state.currentEpoch = Math.max(state.currentEpoch, maxEpochSeen);
  logs.push(`Node configuration loaded, I'm ${me.name}`);
  return logs;
}

function randomShard(state: ClusterState): string {
  let s = "";
  for (let i = 0; i < 40; i++) s += "0123456789abcdef"[Math.floor(state.random() * 16) & 15];
  return s;
}

// Routing verdicts on a state machine loaded from nodes.conf text (no sockets): the cases the
// process tests can't reach cheaply — reads when the cluster is down, READONLY on a replica,
// unassigned slots, movable keys — plus the key-position rules themselves.

import { createClusterState, defaultClusterConfig } from "@shoal/gossip-failover";
import { type CommandSpec, Keyspace } from "@shoal/keyspace-store";
import { OwnedArgs } from "@shoal/resp-codec";
import { keySlot } from "@shoal/slot-hash";
import { describe, expect, it } from "vitest";
import type { CommandEntry } from "../commands/command-types.js";
import type { Client } from "../networking/client-connection.js";
import { keyPositions, Redir, Router } from "./routing.js";

const A = "a".repeat(40);
const B = "b".repeat(40);

function stateFrom(nodesConf: string, overrides = {}) {
  let t = 1_000_000;
  const { state } = createClusterState({
    config: defaultClusterConfig({ port: 7000, nodeTimeout: 2000, ...overrides }),
    now: () => t,
    random: Math.random,
    nodesConf,
  });
  // Past the start-up delay, then one cron run: the state becomes ok.
  t += 10_000;
  state.handle({ type: "tick" });
  return state;
}

const TWO_MASTERS = `${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191
${B} 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383
vars currentEpoch 2 lastVoteEpoch 0
`;

const spec = (name: string, keys: [number, number, number], flags: string[] = []) =>
  ({
    name,
    arity: -2,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    aclCategories: [],
  }) as unknown as CommandSpec;

const entry = (s: CommandSpec): CommandEntry =>
  ({ spec: s, parent: undefined, isWrite: s.flags.includes("write") }) as unknown as CommandEntry;

const GET = entry(spec("get", [1, 1, 1], ["readonly"]));
const SET = entry(spec("set", [1, 1, 1], ["write"]));
const MSET = entry(spec("mset", [1, -1, 2], ["write"]));
const args = (...a: string[]) => OwnedArgs.of(...a);

function client(over: Partial<Client> = {}): Client {
  return { multiQueue: null, readOnly: false, ...over } as Client;
}

/** Keys on each side of the 8192 split. */
function keyOn(side: "A" | "B"): string {
  for (let i = 0; ; i++) {
    const k = `k${i}`;
    if (keySlot(k) < 8192 === (side === "A")) return k;
  }
}

/** An empty db 0 with the slot index, as a cluster node's store has. */
const empty = new Keyspace({ databases: 1, slotIndex: true }).db(0);
const noKeys = () => empty;

describe("keyPositions", () => {
  it("follows first/last/step, negative last, and getKeys", () => {
    expect(keyPositions(spec("mset", [1, -1, 2]), args("MSET", "a", "1", "b", "2"))).toEqual([
      1, 3,
    ]);
    expect(keyPositions(spec("blpop", [1, -2, 1]), args("BLPOP", "a", "b", "0"))).toEqual([1, 2]);
    expect(keyPositions(spec("ping", [0, 0, 0]), args("PING"))).toEqual([]);
    const movable = { ...spec("eval", [0, 0, 0]), getKeys: () => [3] } as CommandSpec;
    expect(keyPositions(movable, args("EVAL", "s", "1", "k"))).toEqual([3]);
  });
});

describe("Router", () => {
  it("serves local keys, MOVEDs remote ones, refuses keys of two slots", () => {
    const state = stateFrom(TWO_MASTERS);
    expect(state.state).toBe("ok");
    const r = new Router(() => state, noKeys);
    expect(r.route(client(), GET, args("GET", keyOn("A")), false)).toBe(true);
    expect(r.route(client(), GET, args("GET", keyOn("B")), false)).toBe(false);
    expect(r.code).toBe(Redir.Moved);
    expect(r.errorText(state)).toBe(`MOVED ${keySlot(keyOn("B"))} 127.0.0.1:7001`);
    expect(r.route(client(), MSET, args("MSET", "{x}1", "v", "{y}2", "v"), false)).toBe(false);
    expect(r.errorText(state)).toBe("CROSSSLOT Keys in request don't hash to the same slot");
    expect(r.route(client(), MSET, args("MSET", "{x}1", "v", "{x}2", "v"), false)).toBe(
      keySlot("x") < 8192,
    );
  });

  it("an unassigned slot is CLUSTERDOWN Hash slot not served; a down cluster refuses or serves reads per config", () => {
    const partial = `${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191
vars currentEpoch 1 lastVoteEpoch 0
`;
    const state = stateFrom(partial);
    expect(state.state).toBe("fail");
    const r = new Router(() => state, noKeys);
    expect(r.route(client(), GET, args("GET", keyOn("B")), false)).toBe(false);
    expect(r.errorText(state)).toBe("CLUSTERDOWN Hash slot not served");
    expect(r.route(client(), GET, args("GET", keyOn("A")), false)).toBe(false);
    expect(r.errorText(state)).toBe("CLUSTERDOWN The cluster is down");

    const lenient = stateFrom(partial, { allowReadsWhenDown: true });
    const r2 = new Router(() => lenient, noKeys);
    expect(r2.route(client(), GET, args("GET", keyOn("A")), false)).toBe(true);
    expect(r2.route(client(), SET, args("SET", keyOn("A"), "v"), false)).toBe(false);
    expect(r2.errorText(lenient)).toBe(
      "CLUSTERDOWN The cluster is down and only accepts read commands",
    );

    // Sharded pub/sub keeps working while down unless cluster-allow-pubsubshard-when-down no.
    const SPUBLISH = entry(spec("spublish", [1, 1, 1]));
    expect(r.route(client(), SPUBLISH, args("SPUBLISH", keyOn("A"), "m"), false)).toBe(true);
    r.allowPubsubShardWhenDown = false;
    expect(r.route(client(), SPUBLISH, args("SPUBLISH", keyOn("A"), "m"), false)).toBe(false);
    expect(r.errorText(state)).toBe("CLUSTERDOWN The cluster is down");
  });

  it("a replica serves its master's reads to READONLY clients only, and never writes", () => {
    const replica = `${A} 127.0.0.1:7000@17000 myself,slave ${B} 0 0 2 connected
${B} 127.0.0.1:7001@17001 master - 0 0 2 connected 0-16383
vars currentEpoch 2 lastVoteEpoch 0
`;
    const state = stateFrom(replica);
    const r = new Router(() => state, noKeys);
    const k = keyOn("A");
    expect(r.route(client(), GET, args("GET", k), false)).toBe(false);
    expect(r.errorText(state)).toBe(`MOVED ${keySlot(k)} 127.0.0.1:7001`);
    expect(r.route(client({ readOnly: true }), GET, args("GET", k), false)).toBe(true);
    expect(r.route(client({ readOnly: true }), SET, args("SET", k, "v"), false)).toBe(false);
    expect(r.code).toBe(Redir.Moved);
  });

  it("EXEC routes the whole queue: one slot or CROSSSLOT; a write anywhere makes it a write", () => {
    const state = stateFrom(TWO_MASTERS);
    const r = new Router(() => state, noKeys);
    const EXEC = entry(spec("exec", [0, 0, 0]));
    const q = (...keys: string[]) =>
      client({ multiQueue: keys.map((k) => ({ entry: GET, args: args("GET", k) })) } as never);
    expect(r.route(q(`{${keyOn("A")}}1`, `{${keyOn("A")}}2`), EXEC, args("EXEC"), false)).toBe(
      true,
    );
    expect(r.route(q(`{x}1`, `{y}1`), EXEC, args("EXEC"), false)).toBe(false);
    expect(r.code).toBe(Redir.CrossSlot);
    expect(r.route(client(), EXEC, args("EXEC"), false)).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { seqRandom, TestNet } from "../test/harness.js";
import {
  clusterCommand,
  clusterInfoText,
  createClusterState,
  defaultClusterConfig,
} from "./index.js";

function fresh(overrides = {}) {
  return createClusterState({
    config: defaultClusterConfig({ port: 7100, busPort: 17100, ...overrides }),
    now: () => 1_795_576_800_000,
    random: seqRandom(42),
  });
}

const err = (message: string) => ({ type: "error", message });

describe("a fresh node", () => {
  it("announces its new identity, saves with fsync first, and looks like redis-server 7.0", () => {
    const { state, effects } = fresh();
    expect(effects[0]).toMatchObject({ type: "saveConfig", fsync: true });
    expect(effects).toContainEqual({
      type: "log",
      level: "notice",
      message: `No cluster configuration found, I'm ${state.myself.name}`,
    });
    expect(state.myself.name).toMatch(/^[0-9a-f]{40}$/);
    expect(clusterCommand(state, ["nodes"]).reply).toEqual({
      type: "bulk",
      value: `${state.myself.name} :7100@17100 myself,master - 0 0 0 connected\n`,
    });
    expect(clusterInfoText(state)).toBe(
      "cluster_state:fail\r\ncluster_slots_assigned:0\r\ncluster_slots_ok:0\r\ncluster_slots_pfail:0\r\n" +
        "cluster_slots_fail:0\r\ncluster_known_nodes:1\r\ncluster_size:0\r\ncluster_current_epoch:0\r\n" +
        "cluster_my_epoch:0\r\ncluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n" +
        "total_cluster_links_buffer_limit_exceeded:0\r\n",
    );
    expect(clusterCommand(state, ["myid"]).reply).toEqual({
      type: "bulk",
      value: state.myself.name,
    });
  });
});

describe("CLUSTER slot commands", () => {
  it("ADDSLOTS / DELSLOTS / ranges with Redis's errors", () => {
    const { state } = fresh();
    const run = (...argv: string[]) => clusterCommand(state, argv).reply;
    expect(run("addslots", "0", "1", "2")).toEqual({ type: "ok" });
    expect(run("addslots", "0")).toEqual(err("ERR Slot 0 is already busy"));
    expect(run("addslots", "99999")).toEqual(err("ERR Invalid or out of range slot"));
    expect(run("addslots", "abc")).toEqual(err("ERR Invalid or out of range slot"));
    expect(run("addslots", "5", "5")).toEqual(err("ERR Slot 5 specified multiple times"));
    expect(run("addslotsrange", "5", "1")).toEqual(
      err("ERR start slot number 5 is greater than end slot number 1"),
    );
    expect(run("addslotsrange", "5")).toEqual(
      err("ERR wrong number of arguments for 'cluster|addslotsrange' command"),
    );
    expect(run("addslotsrange", "10", "20", "30", "40")).toEqual({ type: "ok" });
    expect(run("delslots", "5")).toEqual(err("ERR Slot 5 is already unassigned"));
    expect(run("delslots", "1")).toEqual({ type: "ok" });
    expect(run("delslotsrange", "30", "35")).toEqual({ type: "ok" });
    expect(run("nodes")).toMatchObject({
      value: expect.stringContaining("connected 0 2 10-20 36-40\n"),
    });
    expect(state.assignedSlots).toBe(2 + 11 + 5);
    expect(run("flushslots")).toEqual({ type: "ok" });
    expect(state.assignedSlots).toBe(0);
    expect(clusterCommand(state, ["flushslots"], { dbEmpty: false }).reply).toEqual(
      err("ERR DB must be empty to perform CLUSTER FLUSHSLOTS."),
    );
  });

  it("every slot assigned turns the state ok after the writable delay; full coverage off needs none", () => {
    let now = 1_795_576_800_000;
    const { state } = createClusterState({
      config: defaultClusterConfig(),
      now: () => now,
      random: seqRandom(1),
    });
    const { effects } = clusterCommand(state, ["addslotsrange", "0", "16383"]);
    expect(state.state).toBe("fail");
    expect(effects.some((e) => e.type === "stateChanged")).toBe(false);
    now += 2001;
    const out = state.handle({ type: "tick" });
    expect(out).toContainEqual({ type: "stateChanged", state: "ok" });
    expect(out).toContainEqual({
      type: "log",
      level: "warning",
      message: "Cluster state changed: ok",
    });

    const partial = createClusterState({
      config: defaultClusterConfig({ requireFullCoverage: false }),
      now: () => now,
      random: seqRandom(2),
    }).state;
    clusterCommand(partial, ["addslots", "1"]);
    now += 2001;
    partial.handle({ type: "tick" });
    expect(partial.state).toBe("ok");
  });
});

describe("CLUSTER epoch commands", () => {
  it("SET-CONFIG-EPOCH and BUMPEPOCH", () => {
    const { state } = fresh();
    const run = (...argv: string[]) => clusterCommand(state, argv);
    expect(run("set-config-epoch", "-1").reply).toEqual(
      err("ERR Invalid config epoch specified: -1"),
    );
    expect(run("set-config-epoch", "x").reply).toEqual(
      err("ERR value is not an integer or out of range"),
    );
    const set = run("set-config-epoch", "3");
    expect(set.reply).toEqual({ type: "ok" });
    expect(set.effects[0]).toMatchObject({ type: "saveConfig", fsync: true });
    expect(set.effects).toContainEqual({
      type: "log",
      level: "warning",
      message: "configEpoch set to 3 via CLUSTER SET-CONFIG-EPOCH",
    });
    expect(state.currentEpoch).toBe(3);
    expect(run("set-config-epoch", "4").reply).toEqual(
      err("ERR Node config epoch is already non-zero"),
    );
    expect(run("bumpepoch").reply).toEqual({ type: "status", value: "STILL 3" });
    state.currentEpoch = 5;
    expect(run("bumpepoch").reply).toEqual({ type: "status", value: "BUMPED 6" });
  });

  it("SET-CONFIG-EPOCH is refused once another node is known", () => {
    const net = new TestNet();
    const a = net.add("10.0.0.1");
    net.add("10.0.0.2");
    expect(clusterCommand(a, ["meet", "10.0.0.2", "7000"]).reply).toEqual({ type: "ok" });
    expect(clusterCommand(a, ["set-config-epoch", "1"]).reply).toEqual(
      err(
        "ERR The user can assign a config epoch only when the node does not know any other node.",
      ),
    );
  });
});

describe("CLUSTER MEET / FORGET / RESET / COUNT-FAILURE-REPORTS", () => {
  it("validates addresses like Redis", () => {
    const { state } = fresh();
    const run = (...argv: string[]) => clusterCommand(state, argv).reply;
    expect(run("meet", "1.2.3", "7000")).toEqual(
      err("ERR Invalid node address specified: 1.2.3:7000"),
    );
    expect(run("meet", "127.0.0.1", "abc")).toEqual(
      err("ERR Invalid TCP base port specified: abc"),
    );
    expect(run("meet", "127.0.0.1", "7100", "x")).toEqual(
      err("ERR Invalid TCP bus port specified: x"),
    );
    expect(run("meet", "127.0.0.1", "70000")).toEqual(
      err("ERR Invalid node address specified: 127.0.0.1:70000"),
    );
    expect(run("meet", "127.0.0.1", "7101")).toEqual({ type: "ok" });
    // A second MEET to the same address while the handshake runs is a no-op.
    expect(run("meet", "127.0.0.1", "7101")).toEqual({ type: "ok" });
    expect(state.nodes.size).toBe(2);
    const text = (run("nodes") as { value: string }).value;
    expect(text).toMatch(/^[0-9a-f]{40} 127\.0\.0\.1:7101@17101 handshake - 0 0 0 disconnected$/m);
    expect(run("meet", "::1", "7102")).toEqual({ type: "ok" });
    expect(run("meet")).toEqual(err("ERR wrong number of arguments for 'cluster|meet' command"));
  });

  it("FORGET, the blacklist and RESET", () => {
    const { state } = fresh();
    const run = (...argv: string[]) => clusterCommand(state, argv).reply;
    const id = "a".repeat(40);
    expect(run("forget", id)).toEqual(err(`ERR Unknown node ${id}`));
    expect(run("forget", state.myself.name)).toEqual(
      err("ERR I tried hard but I can't forget myself..."),
    );
    expect(run("count-failure-reports", id)).toEqual(err(`ERR Unknown node ${id}`));
    expect(run("count-failure-reports", state.myself.name)).toEqual({ type: "integer", value: 0 });
    expect(run("reset", "bogus")).toEqual(err("ERR syntax error"));
    expect(clusterCommand(state, ["reset"], { dbEmpty: false }).reply).toEqual(
      err("ERR CLUSTER RESET can't be called with master nodes containing keys"),
    );
    const oldId = state.myself.name;
    clusterCommand(state, ["set-config-epoch", "7"]);
    clusterCommand(state, ["addslots", "1"]);
    expect(run("reset", "soft")).toEqual({ type: "ok" });
    expect(state.myself.name).toBe(oldId);
    expect(state.myself.configEpoch).toBe(7);
    expect(state.assignedSlots).toBe(0);
    expect(run("reset", "hard")).toEqual({ type: "ok" });
    expect(state.myself.name).not.toBe(oldId);
    expect([state.myself.configEpoch, state.currentEpoch]).toEqual([0, 0]);
    expect(run("foo")).toEqual(err("ERR unknown subcommand 'foo'. Try CLUSTER HELP."));
  });
});

describe("CLUSTER SETSLOT", () => {
  it("moves a slot the way redis-cli reshard does, with Redis's errors on the way", () => {
    const net = new TestNet();
    const a = net.add("10.0.0.1");
    const b = net.add("10.0.0.2");
    clusterCommand(a, ["addslotsrange", "0", "8191"]);
    clusterCommand(b, ["addslotsrange", "8192", "16383"]);
    clusterCommand(a, ["set-config-epoch", "1"]);
    clusterCommand(b, ["set-config-epoch", "2"]);
    net.apply("10.0.0.2", clusterCommand(b, ["meet", "10.0.0.1", "7000"]).effects);
    net.run(5000);
    const A = a.myself.name;
    const B = b.myself.name;
    const on = (s: typeof a, ...argv: string[]) => {
      const r = clusterCommand(s, argv, { countKeysInSlot: () => 0 });
      net.apply(net.ipOf(s), r.effects);
      net.deliver();
      return r.reply;
    };
    expect(on(a, "setslot", "9000", "migrating", B)).toEqual(
      err("ERR I'm not the owner of hash slot 9000"),
    );
    expect(on(a, "setslot", "100", "importing", B)).toEqual(
      err("ERR I'm already the owner of hash slot 100"),
    );
    expect(on(a, "setslot", "100", "migrating", "0".repeat(40))).toEqual(
      err(`ERR I don't know about node ${"0".repeat(40)}`),
    );
    expect(on(a, "setslot", "100", "foo")).toEqual(
      err("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"),
    );
    expect(on(a, "setslot", "99999", "stable")).toEqual(err("ERR Invalid or out of range slot"));
    expect(
      clusterCommand(a, ["setslot", "100", "node", B], { countKeysInSlot: () => 3 }).reply,
    ).toEqual(
      err(
        "ERR Can't assign hashslot 100 to a different node while I still hold keys for this hash slot.",
      ),
    );

    expect(on(b, "setslot", "100", "importing", A)).toEqual({ type: "ok" });
    expect(on(a, "setslot", "100", "migrating", B)).toEqual({ type: "ok" });
    const nodesA = (clusterCommand(a, ["nodes"]).reply as { value: string }).value;
    expect(nodesA).toContain(`myself,master - 0 0 1 connected 0-8191 [100->-${B}]`);
    const nodesB = (clusterCommand(b, ["nodes"]).reply as { value: string }).value;
    expect(nodesB).toContain(`8192-16383 [100-<-${A}]`);
    // Target first, then source, as redis-cli does.
    expect(on(b, "setslot", "100", "node", B)).toEqual({ type: "ok" });
    // B already holds the greatest epoch, so no bump is needed (clusterBumpConfigEpochWithoutConsensus).
    expect(b.myself.configEpoch).toBe(2);
    expect(on(a, "setslot", "100", "node", B)).toEqual({ type: "ok" });
    net.run(2000);
    for (const s of [a, b]) {
      expect(s.slots[100]!.name).toBe(B);
      expect(s.migratingSlotsTo.size + s.importingSlotsFrom.size).toBe(0);
    }
    expect(a.nodeRanges(a.myself)).toEqual([0, 99, 101, 8191]);
  });
});

describe("CLUSTER REPLICATE / REPLICAS", () => {
  it("turns an empty master into a replica that every node sees as such", () => {
    const net = new TestNet();
    const a = net.add("10.0.0.1");
    const b = net.add("10.0.0.2");
    const c = net.add("10.0.0.3");
    clusterCommand(a, ["addslotsrange", "0", "8191"]);
    clusterCommand(b, ["addslotsrange", "8192", "16383"]);
    clusterCommand(a, ["set-config-epoch", "1"]);
    clusterCommand(b, ["set-config-epoch", "2"]);
    for (const [ip, s] of [
      ["10.0.0.2", b],
      ["10.0.0.3", c],
    ] as const)
      net.apply(ip, clusterCommand(s, ["meet", "10.0.0.1", "7000"]).effects);
    net.run(10_000);
    const A = a.myself.name;
    const run = (s: typeof a, ...argv: string[]) => {
      const r = clusterCommand(s, argv, { dbEmpty: true });
      net.apply(net.ipOf(s), r.effects);
      return r;
    };
    expect(run(c, "replicate", c.myself.name).reply).toEqual(err("ERR Can't replicate myself"));
    expect(run(a, "replicate", b.myself.name).reply).toEqual(
      err("ERR To set a master the node must be empty and without assigned slots."),
    );
    const r = run(c, "replicate", A);
    expect(r.reply).toEqual({ type: "ok" });
    expect(r.effects).toContainEqual({
      type: "replicate",
      master: A,
      host: "10.0.0.1",
      port: 7000,
    });
    net.run(10_000);
    expect(run(b, "replicate", c.myself.name).reply).toEqual(
      err("ERR I can only replicate a master, not a replica."),
    );
    for (const s of [a, b]) {
      const line = (clusterCommand(s, ["nodes"]).reply as { value: string }).value
        .split("\n")
        .find((l) => l.startsWith(c.myself.name))!;
      expect(line).toMatch(
        new RegExp(`^\\S+ 10\\.0\\.0\\.3:7000@17000 slave ${A} \\d+ \\d+ 1 connected$`),
      );
    }
    const replicas = clusterCommand(b, ["replicas", A]).reply as { type: string; value: string[] };
    expect(replicas.type).toBe("array");
    expect(replicas.value).toHaveLength(1);
    expect(replicas.value[0]).toContain(`slave ${A}`);
    expect(clusterCommand(b, ["replicas", c.myself.name]).reply).toEqual(
      err("ERR The specified node is not a master"),
    );
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { type ClusterHandle, startCluster } from "@shoal/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { seqRandom, TestNet } from "../test/harness.js";
import {
  ClusterConfigError,
  type ClusterState,
  clusterCommand,
  createClusterState,
  defaultClusterConfig,
  serializeNodesConf,
} from "./index.js";

const NOW = 1_795_576_800_000;

function load(text: string, port = 7100): ClusterState {
  // Myself's ports come from the config at start-up, as in Redis.
  const { state } = createClusterState({
    config: defaultClusterConfig({ port, busPort: port + 10000 }),
    now: () => NOW,
    random: seqRandom(9),
    nodesConf: text,
  });
  return state;
}

/** Lines sorted, with ping_sent / pong_recv / link-state blanked (they are runtime values). */
function normalize(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const f = l.split(" ");
      if (f[0] === "vars") return l;
      f[4] = "*";
      f[5] = "*";
      f[7] = "*";
      return f.join(" ");
    })
    .sort();
}

const A = "d0172f984a807adce0c0c6711e2fc1fbf56fe5f0";
const B = "425c29950917134c707cee7c32b2b39e00c9caaf";
const C = "62bd9306200f880ce07f00499f86818e798104f0";
const SAMPLE = [
  `${A} 127.0.0.1:7100@17100 myself,master - 0 1795576809000 1 connected 0-5460 [2724->-${C}]`,
  `${B} 127.0.0.1:7104@17104 slave ${A} 0 1795576809786 1 connected`,
  `${C} 127.0.0.1:7102@17102,node-7102.local master,fail - 1795577172404 1795576809787 3 disconnected 5461 10923-16383`,
  "vars currentEpoch 6 lastVoteEpoch 2",
  "",
].join("\n");

describe("nodes.conf", () => {
  it("loads Redis's format: identity, epochs, roles, flags, hostnames, slots, open slots", () => {
    const s = load(SAMPLE);
    expect(s.myself.name).toBe(A);
    expect([s.currentEpoch, s.lastVoteEpoch]).toEqual([6, 2]);
    expect(s.nodes.get(B)!.slaveof).toBe(s.myself);
    expect(s.nodes.get(C)!.hostname).toBe("node-7102.local");
    expect(s.slots[10923]!.name).toBe(C);
    expect(s.slots[5461]!.name).toBe(C);
    expect(s.migratingSlotsTo.get(2724)!.name).toBe(C);
    expect(s.nodes.get(C)!.failTime).toBe(NOW);
    // ping_sent / pong_recv are not trusted: non-zero means "now".
    expect(s.nodes.get(C)!.pingSent).toBe(NOW);
  });

  it("round-trips: serialize(load(x)) == x up to runtime columns", () => {
    const s = load(SAMPLE);
    expect(normalize(serializeNodesConf(s))).toEqual(normalize(SAMPLE));
    const again = load(serializeNodesConf(s));
    expect(serializeNodesConf(again)).toBe(serializeNodesConf(s));
  });

  it("accepts 7.2 aux fields and files without @cport", () => {
    const s = load(
      `${A} 127.0.0.1:7100@17100,,tls-port=0,shard-id=${"9".repeat(40)} myself,master - 0 0 1 connected 0-5460\n${B} 127.0.0.1:30002 master - 0 0 2 connected\nvars currentEpoch 2 lastVoteEpoch 0\n`,
    );
    expect(s.myself.shardId).toBe("9".repeat(40));
    expect(s.nodes.get(B)!.cport).toBe(40002);
  });

  it("rejects corrupted files", () => {
    const bad = [
      `${A} 127.0.0.1:7100@17100 myself,master - 0 0`,
      `${A} 127.0.0.1:7100@17100 myself,bogus - 0 0 0 connected`,
      `${A} 127.0.0.1:7100@17100 master - 0 0 0 connected`,
      `${A} 127.0.0.1:7100@17100 myself,master - 0 0 0 connected 5-1`,
      `${A} 127.0.0.1 myself,master - 0 0 0 connected`,
      `${A} 127.0.0.1:7100@17100 myself,master - 0 0 0 connected\n${B} 1.2.3.4:1@2 myself,master - 0 0 0 connected`,
    ];
    for (const text of bad) expect(() => load(text), text).toThrow(ClusterConfigError);
  });

  it("a node restarted from its saved file keeps id, epochs and slots", () => {
    const net = new TestNet();
    const a = net.add("10.0.0.1");
    const b = net.add("10.0.0.2");
    clusterCommand(a, ["addslotsrange", "0", "8191"]);
    clusterCommand(b, ["addslotsrange", "8192", "16383"]);
    clusterCommand(a, ["set-config-epoch", "1"]);
    clusterCommand(b, ["set-config-epoch", "2"]);
    net.apply("10.0.0.2", clusterCommand(b, ["meet", "10.0.0.1", "7000"]).effects);
    net.run(5000);
    const saves = net.effects.get(a)!.filter((e) => e.type === "saveConfig");
    const text = (saves.at(-1) as { text: string }).text;
    const { state, effects } = createClusterState({
      config: defaultClusterConfig({ port: 7000 }),
      now: () => net.now,
      random: seqRandom(77),
      nodesConf: text,
    });
    expect(effects).toContainEqual({
      type: "log",
      level: "notice",
      message: `Node configuration loaded, I'm ${a.myself.name}`,
    });
    expect(state.myself.name).toBe(a.myself.name);
    expect(state.myself.configEpoch).toBe(1);
    expect(state.currentEpoch).toBe(2);
    expect(state.nodeRanges(state.myself)).toEqual([0, 8191]);
    expect(state.nodes.get(b.myself.name)!.ip).toBe("10.0.0.2");
  });

  describe("files written by a real redis-server 7.0.15 cluster", () => {
    let cluster: ClusterHandle | undefined;
    afterAll(async () => cluster?.stop());

    it("parse and re-serialise to the same lines", async () => {
      cluster = await startCluster({ masters: 3 });
      for (const node of cluster.nodes) {
        const text = readFileSync(path.join(node.dir, `nodes-${node.port}.conf`), "utf8");
        const s = load(text, node.port);
        expect(normalize(serializeNodesConf(s))).toEqual(normalize(text));
        expect(s.nodes.size).toBe(3);
        expect(s.assignedSlots).toBe(16384);
      }
    }, 60_000);
  });
});

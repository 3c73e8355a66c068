// Deterministic simulation: clusters of 3, 10, 50 and 200 nodes formed through MEET and gossip
// alone, over a network that delays messages, breaks links and refuses connects, per seed.
// SHOAL_SIM_SEEDS=<n> multiplies the number of seeds per group for a bigger sweep.
import { describe, expect, it } from "vitest";
import { type FormOptions, formCluster, hostilePeer, replay } from "./index.js";

// SHOAL_TEST_SIM_SEEDS works through turbo (which passes only SHOAL_TEST_* variables).
const SWEEP = Math.max(
  1,
  Number(process.env.SHOAL_SIM_SEEDS ?? process.env.SHOAL_TEST_SIM_SEEDS ?? "1") || 1,
);
const FAULTS = { resetProbability: 0.002, refuseProbability: 0.02, minDelay: 0.1, maxDelay: 20 };

function sweep(label: string, seeds: number, make: (seed: number) => FormOptions): void {
  let max = 0;
  let worst = 0;
  let total = 0;
  let retries = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = formCluster(make(seed));
    total += r.convergedAfter;
    retries += r.meetRetries;
    if (r.convergedAfter > max) {
      max = r.convergedAfter;
      worst = seed;
    }
  }
  console.log(
    `${label}: ${seeds} seeds converged, mean ${(total / seeds / 1000).toFixed(1)} s, max ${(max / 1000).toFixed(1)} s virtual (seed ${worst}), ${retries} MEETs re-sent by the operator`,
  );
}

describe("cluster formation through MEET and gossip", () => {
  it(`3 nodes, ${200 * SWEEP} seeds`, () => {
    sweep("3 nodes", 200 * SWEEP, (seed) => ({
      nodes: 3,
      seed,
      // Every other seed leaves all configEpochs at 0: collisions must be resolved on the bus.
      distinctEpochs: seed % 2 === 0,
      ...(seed % 3 !== 0 ? { faults: FAULTS } : {}),
      codec: seed % 4 === 0,
      bound: 60_000,
    }));
  });

  it(`10 nodes, ${200 * SWEEP} seeds`, () => {
    sweep("10 nodes", 200 * SWEEP, (seed) => ({
      nodes: 10,
      seed,
      distinctEpochs: seed % 2 === 0,
      ...(seed % 3 !== 0 ? { faults: FAULTS } : {}),
      bound: 120_000,
    }));
  });

  it(`50 nodes, ${6 * SWEEP} seeds`, () => {
    sweep("50 nodes", 6 * SWEEP, (seed) => ({
      nodes: 50,
      seed,
      ...(seed % 2 === 1 ? { faults: FAULTS } : {}),
      bound: 120_000,
    }));
  });

  it(`10 nodes split by a 20 s partition while forming, ${50 * SWEEP} seeds`, () => {
    sweep(
      "10 nodes, partitioned while forming (time counted from the first MEET)",
      50 * SWEEP,
      (seed) => ({
        nodes: 10,
        seed,
        distinctEpochs: seed % 2 === 0,
        faults: FAULTS,
        partition: {
          at: 200 + (seed % 10) * 300,
          duration: 20_000,
          groups: [
            [0, 1, 2, 3, 4],
            [5, 6, 7, 8, 9],
          ],
        },
        bound: 180_000,
      }),
    );
  });

  it("50 nodes, all configEpochs colliding at 0", () => {
    sweep("50 nodes (epoch collisions)", 1 * SWEEP, (seed) => ({
      nodes: 50,
      seed,
      distinctEpochs: false,
      bound: 600_000,
      checkEvery: 500,
    }));
  });

  it(`200 nodes, ${2 * SWEEP} seeds`, () => {
    sweep("200 nodes", 2 * SWEEP, (seed) => ({
      nodes: 200,
      seed,
      ...(seed % 2 === 1 ? { faults: FAULTS } : {}),
      bound: 120_000,
      checkEvery: 250,
    }));
  });
});

describe("replay and restarts", () => {
  it("replay(seed) reproduces a run exactly", () => {
    const a = replay(7, { nodes: 10, faults: FAULTS, distinctEpochs: false });
    const b = replay(7, { nodes: 10, faults: FAULTS, distinctEpochs: false });
    expect([a.convergedAfter, a.messages, a.events]).toEqual([
      b.convergedAfter,
      b.messages,
      b.events,
    ]);
    const views = (r: typeof a) => r.sim.nodes.map((n) => r.sim.viewSignature(n));
    expect(views(a)).toEqual(views(b));
  });

  it("a failing seed names itself for replay", () => {
    expect(() => formCluster({ nodes: 3, seed: 99, bound: 100 })).toThrow(/replay\(99/);
  });

  it("a node restarted from its nodes.conf keeps its id, epoch and slots and the cluster reconverges", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { sim } = formCluster({ nodes: 5, seed, faults: FAULTS });
      const node = sim.nodes[2]!;
      const before = {
        id: node.id,
        epoch: node.state.myself.configEpoch,
        slots: node.state.nodeRanges(node.state.myself),
      };
      sim.kill(node);
      sim.runFor(3000);
      sim.restart(node);
      expect(node.id).toBe(before.id);
      expect(node.state.myself.configEpoch).toBe(before.epoch);
      expect(node.state.nodeRanges(node.state.myself)).toEqual(before.slots);
      let t = 0;
      while (!sim.converged()) {
        sim.runFor(100);
        t += 100;
        sim.assertNoViolations();
        sim.checkGlobalInvariants();
        if (t > 60_000) throw new Error(`seed ${seed}: no reconvergence after restart`);
      }
    }
  });

  it("a partition heals and views agree again", () => {
    const { sim } = formCluster({ nodes: 6, seed: 3, nodeTimeout: 2000 });
    sim.partition([
      [0, 1, 2, 3],
      [4, 5],
    ]);
    sim.runFor(10_000);
    sim.assertNoViolations();
    // The majority side marked the minority FAIL; the minority side lost its quorum.
    expect(sim.nodes[4]!.state.state).toBe("fail");
    sim.heal();
    let t = 0;
    while (!sim.converged()) {
      sim.runFor(100);
      t += 100;
      sim.checkGlobalInvariants();
      if (t > 60_000) throw new Error("no convergence after heal");
    }
    sim.assertNoViolations();
  });
});

describe("failure detection", () => {
  it("a killed master is flagged FAIL by every survivor within a bound; the cluster goes fail", () => {
    const nt = 15000;
    let worst = 0;
    for (let seed = 1; seed <= 10 * SWEEP; seed++) {
      const { sim } = formCluster({ nodes: 6, seed, faults: FAULTS, nodeTimeout: nt });
      const victim = sim.nodes[seed % 6]!;
      sim.kill(victim);
      const start = sim.now;
      const survivors = sim.nodes.filter((n) => n.alive);
      const allFail = () =>
        survivors.every(
          (n) => (n.state.nodes.get(victim.id)!.flags & 8) !== 0 && n.state.state === "fail",
        );
      while (!allFail()) {
        sim.runFor(100);
        sim.assertNoViolations();
        sim.checkGlobalInvariants();
        if (sim.now - start > 4 * nt)
          throw new Error(`seed ${seed}: FAIL not agreed within ${4 * nt} ms`);
      }
      worst = Math.max(worst, sim.now - start);
      // PFAIL needs NT of silence after a pending ping, FAIL a quorum of reports: never before NT.
      expect(sim.now - start, `seed ${seed}`).toBeGreaterThan(nt);
    }
    console.log(
      `failure detection (NT ${nt} ms, 6 masters): all survivors agree on FAIL within ${(worst / 1000).toFixed(1)} s virtual`,
    );
  });
});

describe("a failed master comes back", () => {
  it("survivors clear FAIL once it answers again (after 2 x NT for a master with slots)", () => {
    for (let seed = 1; seed <= 3 * SWEEP; seed++) {
      const nt = 5000;
      const { sim } = formCluster({ nodes: 5, seed, faults: FAULTS, nodeTimeout: nt });
      const victim = sim.nodes[1]!;
      sim.kill(victim);
      const survivors = sim.nodes.filter((n) => n.alive);
      while (!survivors.every((n) => (n.state.nodes.get(victim.id)!.flags & 8) !== 0)) {
        sim.runFor(100);
        sim.assertNoViolations();
      }
      const failedAt = sim.now;
      sim.restart(victim);
      while (!sim.converged()) {
        sim.runFor(100);
        sim.assertNoViolations();
        sim.checkGlobalInvariants();
        if (sim.now - failedAt > 20 * nt) throw new Error(`seed ${seed}: FAIL never cleared`);
      }
      // Nobody took its slots, so FAIL is only undone after FAIL_UNDO_TIME (2 x NT).
      expect(sim.now - failedAt, `seed ${seed}`).toBeGreaterThan(2 * nt);
    }
  });
});

describe("hostile peer", () => {
  it("garbage and hostile-but-valid messages never change the victim's view", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = hostilePeer(seed);
      expect(r.after, `seed ${seed}`).toBe(r.before);
      expect(r.victimEpochAfter, `seed ${seed}`).toBe(r.victimEpochBefore);
      expect(r.linksClosedByVictim, `seed ${seed}`).toBeGreaterThanOrEqual(21);
      expect(r.convergedAfterAttack, `seed ${seed}`).toBe(true);
    }
  });
});

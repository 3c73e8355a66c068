// A cluster master busy in a script stays in the cluster (issue 15), on a Shoal cluster and on a
// redis-server 7.0.15 one formed the same way (3 masters, 1 replica each): while
// `EVAL "while true do end" 0` runs on a master for more than 3x cluster-node-timeout, the node
// keeps answering its peers' PINGs (Redis's processEventsWhileBlocked runs the bus's file
// events), so no peer ever flags it fail? or fail and its replica is not promoted; after SCRIPT
// KILL the cluster is ok with the same master. On Shoal also: a NEW bus connection made during
// the script is accepted and its PING answered with a PONG, and SHUTDOWN NOSAVE of a busy node
// whose bus listener the accept thread took exits cleanly.
import net from "node:net";
import {
  type BusProtocolError,
  type ClusterMessage,
  FrameDecoder,
  MessageType,
} from "@shoal/cluster-bus";
import { type ClusterHandle, sleep, startCluster, waitFor } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strangerPingFrame } from "./cluster-helpers.js";
import { cmd, exchange, MAIN_JS } from "./helpers.js";

const NODE_TIMEOUT = 2000;
/** How long the script spins: past 3x the node timeout. */
const BUSY_MS = 3.5 * NODE_TIMEOUT;
const ARGS = ["--busy-reply-threshold", "100"];
const BUSY_EVAL =
  "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";

let shoal: ClusterHandle;
let redis: ClusterHandle;

beforeAll(async () => {
  [shoal, redis] = await Promise.all([
    startCluster({
      command: [process.execPath, MAIN_JS],
      masters: 3,
      replicasPerMaster: 1,
      nodeTimeout: NODE_TIMEOUT,
      args: ARGS,
    }),
    startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeout: NODE_TIMEOUT, args: ARGS }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([shoal?.stop(), redis?.stop()]);
});

interface NodeLine {
  id: string;
  port: number;
  cport: number;
  flags: string[];
  /** The master's id, "-" for a master. */
  master: string;
  slots: string;
}

/** CLUSTER NODES as `observer` prints it. */
async function clusterNodes(observer: number): Promise<NodeLine[]> {
  const reply = await exchange(observer, cmd("CLUSTER", "NODES"));
  const text = reply.slice(reply.indexOf("\r\n") + 2);
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const f = l.trim().split(" ");
      const [, port, cport] = /:(\d+)@(\d+)/.exec(f[1]!)!;
      return {
        id: f[0]!,
        port: Number(port),
        cport: Number(cport),
        flags: f[2]!.split(",").filter((x) => x !== "myself"),
        master: f[3]!,
        slots: f.slice(8).join(" "),
      };
    });
}

/** A connection that collects what comes back. */
async function open(port: number) {
  const sock = net.connect(port, "127.0.0.1");
  sock.on("error", () => {});
  await new Promise((r) => sock.once("connect", r));
  let buf = "";
  sock.on("data", (d) => {
    buf += d.toString("latin1");
  });
  return { sock, data: () => buf };
}

/** One command on a new connection; its first reply line (works while the node is busy). */
async function askNew(port: number, ...args: string[]): Promise<string> {
  const c = await open(port);
  c.sock.write(cmd(...args));
  await waitFor(() => c.data().includes("\r\n"), { timeout: 10_000, what: args.join(" ") });
  c.sock.destroy();
  return c.data();
}

/**
 * A PING from a node nobody knows, on a new connection to `cport`: the PONG it gets back (a
 * node answers any PING, as clusterProcessPacket does), or null when nothing came in 5 s.
 */
async function strangerPing(cport: number): Promise<ClusterMessage | null> {
  const sock = net.connect(cport, "127.0.0.1");
  sock.on("error", () => {});
  await new Promise((r) => sock.once("connect", r));
  const decoder = new FrameDecoder();
  const got: ClusterMessage[] = [];
  let error: BusProtocolError | null = null;
  sock.on("data", (d) => {
    error ??= decoder.push(d, { message: (m) => got.push(m) });
  });
  sock.write(strangerPingFrame("5".repeat(40), "6".repeat(40)));
  const end = Date.now() + 5000;
  while (got.length === 0 && error === null && Date.now() < end) await sleep(20);
  sock.destroy();
  if (error !== null) throw error;
  return got[0] ?? null;
}

/** Polls every observer's CLUSTER NODES until stopped; every flag set seen for each node id. */
function watch(observers: readonly number[]) {
  const seen = new Map<string, Set<string>>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        observers.map(async (p) => {
          // A node that does not answer (a failed run's teardown) is asked again next round.
          const view = await clusterNodes(p).catch(() => []);
          for (const n of view) {
            const s = seen.get(n.id) ?? new Set<string>();
            seen.set(n.id, s);
            for (const f of n.flags) s.add(f);
          }
        }),
      );
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

/**
 * The scenario on cluster `c`; `duringBusy` runs while the script spins, its result is returned
 * (checked by the caller after the failover checks).
 */
async function busyMaster<T>(
  c: ClusterHandle,
  duringBusy?: (master: NodeLine) => Promise<T>,
): Promise<T | undefined> {
  await c.waitHealthy();
  // Steady first: every node sees 3 masters with slots and 3 replicas, nobody flagged (a replica
  // just made by --cluster create shows as a master until the gossip about it spread).
  const nodes = await waitFor(
    async () => {
      const views = await Promise.all(c.ports.map(clusterNodes));
      for (const v of views) {
        if (v.some((n) => n.flags.some((f) => f.startsWith("fail")))) return null;
        if (v.filter((n) => n.flags.includes("master") && n.slots !== "").length !== 3) return null;
        if (v.filter((n) => n.flags.includes("slave")).length !== 3) return null;
      }
      return views[0]!;
    },
    { timeout: 20_000, interval: 100, what: "every node sees 3 masters and 3 replicas" },
  );
  const master = nodes.find((n) => n.flags.includes("master") && n.slots !== "")!;
  const replica = nodes.find((n) => n.master === master.id)!;
  expect(replica).toBeDefined();
  const others = c.ports.filter((p) => p !== master.port);
  const watcher = watch(others);
  try {
    return await spinAndCheck(c, master, replica, watcher, duringBusy);
  } finally {
    await watcher.stop();
  }
}

async function spinAndCheck<T>(
  c: ClusterHandle,
  master: NodeLine,
  replica: NodeLine,
  watcher: ReturnType<typeof watch>,
  duringBusy?: (master: NodeLine) => Promise<T>,
): Promise<T | undefined> {
  const runner = await open(master.port);
  const t0 = Date.now();
  runner.sock.write(cmd("EVAL", "while true do end", "0"));
  await sleep(500);
  // Busy indeed: others get BUSY.
  expect(await askNew(master.port, "PING")).toBe(BUSY_EVAL);
  const during = await duringBusy?.(master);
  await sleep(Math.max(0, BUSY_MS - (Date.now() - t0)));
  expect(runner.data()).toBe("");
  expect(await askNew(master.port, "SCRIPT", "KILL")).toBe("+OK\r\n");
  await waitFor(() => runner.data() !== "", { timeout: 10_000, what: "the script's error" });
  expect(runner.data()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. /);
  runner.sock.destroy();
  // A node that went silent would be failed over about now: watch a while longer.
  await sleep(NODE_TIMEOUT);
  const seen = await watcher.stop();

  // Nobody ever suspected the master; its replica never became a master.
  expect([...seen.get(master.id)!].sort()).toEqual(["master"]);
  expect([...seen.get(replica.id)!].sort()).toEqual(["slave"]);
  // Nor did the busy node suspect anyone once its cron ran again.
  for (const n of await clusterNodes(master.port))
    expect(n.flags.filter((f) => f.startsWith("fail"))).toEqual([]);
  // The same master serves the same slots, everywhere; the cluster is ok on every node.
  for (const p of c.ports) {
    const view = await clusterNodes(p);
    expect(view.find((n) => n.id === master.id)).toMatchObject({
      flags: ["master"],
      slots: master.slots,
    });
    expect(view.find((n) => n.id === replica.id)?.master).toBe(master.id);
  }
  await c.waitHealthy(10_000);
  expect(await exchange(replica.port, cmd("ROLE"))).toMatch(/^\*5\r\n\$5\r\nslave\r\n/);
  return during;
}

describe("a master busy in a script past 3x cluster-node-timeout", () => {
  it("shoal: keeps answering the bus; no failover; a new bus connection is answered too", async () => {
    let busyId = "";
    const pong = await busyMaster(shoal, (master) => {
      busyId = master.id;
      return strangerPing(master.cport);
    });
    expect(pong?.type).toBe(MessageType.PONG);
    expect(pong?.header.sender).toBe(busyId);
  }, 60_000);

  it("redis: the same, as redis-server 7.0.15 does it", async () => {
    await busyMaster(redis);
  }, 60_000);

  it("shoal: SHUTDOWN NOSAVE of a busy node whose bus listener the accept thread took", async () => {
    // The bus listener's fd is let go by the accept thread before it closes (busy-accept.ts):
    // the node exits cleanly, both ports closed.
    const nodes = await clusterNodes(shoal.ports[0]!);
    const victim = nodes.find((n) => n.flags.includes("slave"))!;
    const handle = shoal.nodes.find((n) => n.port === victim.port)!;
    const runner = await open(victim.port);
    runner.sock.write(cmd("EVAL", "while true do end", "0"));
    await sleep(400);
    expect((await strangerPing(victim.cport))?.type).toBe(MessageType.PONG);
    const exited = new Promise<number | null>((r) => handle.process.once("exit", (c) => r(c)));
    const fresh = await open(victim.port);
    fresh.sock.write(cmd("SHUTDOWN", "NOSAVE"));
    expect(await exited).toBe(0);
    for (const port of [victim.port, victim.cport])
      await expect(
        new Promise((resolve, reject) => {
          const s = net.connect(port, "127.0.0.1", () => resolve(s.destroy()));
          s.once("error", reject);
        }),
      ).rejects.toThrow(/ECONNREFUSED/);
    expect(handle.output()).not.toContain("did not stop");
    runner.sock.destroy();
    fresh.sock.destroy();
  }, 30_000);
});

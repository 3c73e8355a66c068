// Cluster factories the process-level tests run against. Every test body is written against a
// ClusterHandle from @shoal/test-utils: a real Redis 7.0.15 cluster, and a shoal-server cluster
// (apps/server's build, formed by the same `redis-cli --cluster create`). Both are always on:
// the suite builds apps/server and installs Redis first, so a missing binary fails the tests
// that need it instead of skipping them.
import { fileURLToPath } from "node:url";
import { type ClusterHandle, redisServerPath, startCluster } from "@shoal/test-utils";
import { type Client, createClient } from "../../src/index.js";

export interface ClusterFactory {
  name: string;
  /** The server command, to restart a killed node by hand. */
  command(): string[];
  start(opts: { masters: number; replicasPerMaster: number }): Promise<ClusterHandle>;
}

/** The built shoal-server; the whole-suite command builds every package before testing. */
const SHOAL_MAIN = fileURLToPath(new URL("../../../server/dist/main.js", import.meta.url));

export const clusterFactories: ClusterFactory[] = [
  {
    name: "redis 7.0.15",
    command: () => [redisServerPath()],
    // validity-factor 0: a replica may always be promoted, however long ago it last heard from
    // its master, so a failover test doesn't depend on how loaded the machine is.
    start: (opts) =>
      startCluster({
        ...opts,
        nodeTimeout: 2000,
        args: ["--cluster-replica-validity-factor", "0"],
      }),
  },
  {
    name: "shoal",
    command: () => [process.execPath, SHOAL_MAIN],
    start: (opts) =>
      startCluster({
        ...opts,
        command: [process.execPath, SHOAL_MAIN],
        nodeTimeout: 2000,
        args: ["--protected-mode", "no", "--cluster-replica-validity-factor", "0"],
      }),
  },
];

/** Runs `fn` against one node directly (admin commands: SETSLOT, MIGRATE, MYID...). */
export async function onNode<T>(port: number, fn: (c: Client<string>) => Promise<T>): Promise<T> {
  const c = createClient({ host: "127.0.0.1", port });
  try {
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: "master" | "slave";
  masterId?: string;
  slots: [number, number][];
  flags: string[];
}

/** CLUSTER NODES of `port`, parsed. */
export async function clusterNodes(port: number): Promise<ClusterNodeInfo[]> {
  const text = String(await onNode(port, (c) => c.call("CLUSTER", "NODES")));
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id, addr, flags, master, , , , , ...slots] = line.split(" ");
      const p = Number(addr!.split("@")[0]!.split(":").pop());
      const fl = flags!.split(",");
      return {
        id: id!,
        port: p,
        role: fl.includes("slave") ? ("slave" as const) : ("master" as const),
        ...(master !== "-" ? { masterId: master! } : {}),
        flags: fl,
        slots: slots
          .filter((s) => !s.startsWith("["))
          .map((s) => {
            const [a, b] = s.split("-");
            return [Number(a), Number(b ?? a)] as [number, number];
          }),
      };
    });
}

/** Port of the master that owns `slot`, as `port` sees it. */
export async function ownerPort(port: number, slot: number): Promise<number> {
  const nodes = await clusterNodes(port);
  const owner = nodes.find((n) => n.slots.some(([a, b]) => slot >= a && slot <= b));
  if (!owner) throw new Error(`nobody owns slot ${slot}`);
  return owner.port;
}

/** Step 1 of a slot move: IMPORTING on the target, MIGRATING on the source. */
export async function openSlot(slot: number, source: number, target: number) {
  const sourceId = String(await onNode(source, (c) => c.call("CLUSTER", "MYID")));
  const targetId = String(await onNode(target, (c) => c.call("CLUSTER", "MYID")));
  await onNode(target, (c) => c.call("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId));
  await onNode(source, (c) => c.call("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId));
  return { sourceId, targetId };
}

/** Step 2: MIGRATE `keys` (or every key of the slot) from source to target. */
export async function migrateKeys(slot: number, source: number, target: number, keys?: string[]) {
  await onNode(source, async (c) => {
    for (;;) {
      const batch = keys ?? ((await c.call("CLUSTER", "GETKEYSINSLOT", slot, 100)) as string[]);
      if (batch.length === 0) return;
      await c.call("MIGRATE", "127.0.0.1", target, "", 0, 5000, "KEYS", ...batch);
      if (keys) return;
    }
  });
}

/** Step 3: SETSLOT NODE on the target, the source and every other master. */
export async function closeSlot(slot: number, targetId: string, masters: number[], target: number) {
  await onNode(target, (c) => c.call("CLUSTER", "SETSLOT", slot, "NODE", targetId));
  for (const p of masters)
    if (p !== target) await onNode(p, (c) => c.call("CLUSTER", "SETSLOT", slot, "NODE", targetId));
}

/** A full move of one slot, as redis-cli --cluster reshard does it. */
export async function moveSlot(slot: number, source: number, target: number, masters: number[]) {
  const { targetId } = await openSlot(slot, source, target);
  await migrateKeys(slot, source, target);
  await closeSlot(slot, targetId, masters, target);
}

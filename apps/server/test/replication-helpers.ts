// Helpers for the replication process tests: start shoal masters/replicas on free ports, read
// INFO fields, and dump a whole keyspace type by type so two nodes can be compared.
import { createHash } from "node:crypto";
import { type ServerHandle, spawnServer, waitFor } from "@shoal/test-utils";
import { Redis } from "ioredis";
import { MAIN_JS } from "./helpers.js";

export const handles: ServerHandle[] = [];
export const conns: Redis[] = [];

export async function shoal(args: string[] = []): Promise<ServerHandle> {
  const s = await spawnServer({
    command: [process.execPath, MAIN_JS],
    args: ["--save", "", "--protected-mode", "no", "--enable-debug-command", "yes", ...args],
  });
  handles.push(s);
  return s;
}

export function connect(port: number): Redis {
  const r = new Redis(port, "127.0.0.1", {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: false,
  });
  r.on("error", () => {
    // Killed servers: the test asserts on replies, not on connection noise.
  });
  conns.push(r);
  return r;
}

export async function cleanup(): Promise<void> {
  for (const c of conns.splice(0)) c.disconnect();
  await Promise.all(handles.splice(0).map((h) => h.stop()));
}

/** INFO fields of one section as a map. */
export async function info(r: Redis, section = "replication"): Promise<Record<string, string>> {
  const text = (await r.info(section)) as string;
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Waits until the replica's link is up and it applied everything the master produced. */
export async function waitInSync(master: Redis, replica: Redis, timeout = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const m = await info(master);
      const r = await info(replica);
      return r.master_link_status === "up" && r.master_repl_offset === m.master_repl_offset;
    },
    { timeout, interval: 100, what: "replica in sync with its master" },
  );
}

/** A canonical dump of databases `dbs`: every key with its type, value and whether it has a TTL. */
export async function dump(port: number, dbs: number[] = [0]): Promise<string[]> {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on("error", () => {});
  const lines: string[] = [];
  try {
    for (const db of dbs) {
      await r.select(db);
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await r.scan(cursor, "COUNT", 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== "0");
      for (let i = 0; i < keys.length; i += 2000) {
        const part = keys.slice(i, i + 2000);
        const tp = r.pipeline();
        for (const k of part) tp.type(k);
        const types = (await tp.exec())!.map(([, t]) => t as string);
        const vp = r.pipeline();
        part.forEach((k, j) => {
          const t = types[j];
          if (t === "string") vp.get(k);
          else if (t === "list") vp.lrange(k, 0, -1);
          else if (t === "hash") vp.hgetall(k);
          else if (t === "set") vp.smembers(k);
          else if (t === "zset") vp.call("ZRANGE", k, "0", "-1", "WITHSCORES");
          else vp.call("ECHO", String(t));
          vp.pttl(k);
        });
        const vals = (await vp.exec())!.map(([, v]) => v);
        part.forEach((k, j) => {
          const t = types[j]!;
          let v = vals[j * 2];
          if (t === "set") v = [...(v as string[])].sort();
          if (t === "hash") v = Object.entries(v as Record<string, string>).sort();
          const ttl = (vals[j * 2 + 1] as number) >= 0 ? "ttl" : "nottl";
          lines.push(`${db}\u0000${k}\u0000${t}\u0000${JSON.stringify(v)}\u0000${ttl}`);
        });
      }
    }
  } finally {
    r.disconnect();
  }
  return lines.sort();
}

export function digest(lines: string[]): string {
  return createHash("sha1").update(lines.join("\n")).digest("hex");
}

/** A deterministic mix of writes over strings, lists, hashes, sets, zsets, TTLs, MULTI, db 2. */
export function mixedWrites(r: Redis, from: number, count: number): Promise<unknown> {
  const p = r.pipeline();
  for (let i = from; i < from + count; i++) {
    const k = i % 5000;
    switch (i % 10) {
      case 0:
        p.set(`s:${k}`, `v${i}`);
        break;
      case 1:
        p.incr(`n:${k % 500}`);
        break;
      case 2:
        p.rpush(`l:${k % 300}`, `e${i}`, `f${i}`);
        break;
      case 3:
        p.lpop(`l:${(k + 7) % 300}`);
        break;
      case 4:
        p.hset(`h:${k % 400}`, `f${i % 50}`, `${i}`);
        break;
      case 5:
        p.sadd(`set:${k % 200}`, `m${i % 97}`);
        p.srem(`set:${(k + 3) % 200}`, `m${(i + 5) % 97}`);
        break;
      case 6:
        p.zadd(`z:${k % 200}`, i % 1000, `m${i % 61}`);
        break;
      case 7:
        p.del(`s:${(k + 11) % 5000}`);
        p.set(`t:${k}`, `${i}`, "EX", 3600);
        break;
      case 8:
        p.call("MULTI");
        p.incrby(`n:${k % 500}`, 5);
        p.set(`s:${(k + 1) % 5000}`, `tx${i}`);
        p.call("EXEC");
        break;
      case 9:
        p.select(2);
        p.set(`d2:${k % 1000}`, `${i}`);
        p.select(0);
        break;
    }
  }
  return p.exec();
}

// Helpers for the tests where data moves between Shoal and a real redis-server 7.0.15 (RDB files,
// AOF directories, replication, MIGRATE): data of every type across the encodings' boundaries,
// a stream of writes, and the one number that compares two keyspaces (DEBUG DIGEST, the same
// algorithm on both sides).
import { createHash } from "node:crypto";
import { type ServerHandle, spawnServer, startRedisServer } from "@shoal/test-utils";
import type { Redis } from "ioredis";
import { MAIN_JS } from "./helpers.js";
import { handles } from "./replication-helpers.js";

export { cleanup, connect, info } from "./replication-helpers.js";

/** shoal-server with DEBUG allowed; `dir` to start on files already there, `port` to come back. */
export async function shoalAt(
  args: string[] = [],
  dir?: string,
  port?: number,
): Promise<ServerHandle> {
  const s = await spawnServer({
    command: [process.execPath, MAIN_JS],
    args: ["--save", "", "--protected-mode", "no", "--enable-debug-command", "yes", ...args],
    ...(dir !== undefined ? { dir } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  handles.push(s);
  return s;
}

/** redis-server 7.0.15 with DEBUG allowed; `dir` to start on files already there, `port` to come back. */
export async function redisAt(
  args: string[] = [],
  dir?: string,
  port?: number,
): Promise<ServerHandle> {
  const s = await startRedisServer({
    args: ["--enable-debug-command", "yes", ...args],
    ...(dir !== undefined ? { dir } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  handles.push(s);
  return s;
}

export async function digest(r: Redis): Promise<string> {
  return (await r.call("DEBUG", "DIGEST")) as string;
}

/**
 * DEBUG DIGEST of the union of the nodes' keyspaces (db 0 only), comparable with one server's
 * DEBUG DIGEST of the same keys. computeDatasetDigest starts a non-empty db 0 from
 * D0 = SHA1(SHA1(htonl(0))) (mixDigest of the db number), then xors in each key's digest, so
 * the xor of k non-empty nodes' digests is the whole keyspace's when k is odd, and that xor D0
 * when k is even (checked against redis-server 7.0.15: two servers holding half the keys each,
 * and three holding a third, against one holding all).
 */
export async function unionDigest(nodes: Redis[]): Promise<string> {
  const acc = Buffer.alloc(20);
  let nonEmpty = 0;
  for (const hex of await Promise.all(nodes.map(digest))) {
    const d = Buffer.from(hex, "hex");
    if (d.every((b) => b === 0)) continue;
    nonEmpty++;
    for (let i = 0; i < 20; i++) acc[i]! ^= d[i]!;
  }
  if (nonEmpty % 2 === 0 && nonEmpty > 0) {
    const d0 = createHash("sha1").update(createHash("sha1").update(Buffer.alloc(4)).digest());
    const b = d0.digest();
    for (let i = 0; i < 20; i++) acc[i]! ^= b[i]!;
  }
  return acc.toString("hex");
}

/**
 * `n` keys of every type Shoal has, across the encodings Redis 7.0 picks: int and raw strings
 * (some over 20 bytes, LZF-compressible), binary keys, lists short and long (several quicklist
 * nodes, a plain node), intset/listpack and plain sets, listpack and hashtable hashes and sorted
 * sets, TTLs, and a few keys in db 1 (unless `db0Only`).
 */
export async function fillEveryType(
  r: Redis,
  n: number,
  prefix = "k",
  db0Only = false,
  nul = true,
): Promise<void> {
  let p = r.pipeline();
  const big = "x".repeat(70);
  for (let i = 0; i < n; i++) {
    const k = `${prefix}:${i}`;
    // One collection in ten crosses the encoding thresholds; the rest stay small (cheap to fill).
    const len = (max: number) => (Math.floor(i / 10) % 10 === 0 ? 1 + (i % max) : 1 + (i % 12));
    switch (i % 10) {
      case 0:
        p.set(k, String(i * 7919 - 50_000));
        break;
      case 1:
        p.set(k, `value-${i}-${"abc".repeat(i % 40)}`);
        break;
      case 2:
        p.rpush(k, ...Array.from({ length: len(300) }, (_, j) => `e${j}`));
        if (i % 100 === 2) p.rpush(k, "p".repeat(9000));
        break;
      case 3:
        p.sadd(k, ...Array.from({ length: len(600) }, (_, j) => String(j * 3)));
        break;
      case 4:
        p.sadd(k, ...Array.from({ length: len(200) }, (_, j) => `m${j}`));
        break;
      case 5:
        p.hset(k, ...Array.from({ length: len(200) }, (_, j) => [`f${j}`, `v${j}`]).flat());
        if (i % 50 === 5) p.hset(k, "long", big);
        break;
      case 6:
        p.zadd(k, ...Array.from({ length: len(200) }, (_, j) => [j / 3, `z${j}`]).flat());
        if (i % 50 === 6) p.zadd(k, "-inf", "min", "inf", "max", 1e300, "huge");
        break;
      case 7:
        p.set(k, big + i, "PX", 3_600_000 + i);
        break;
      case 8:
        // redis-cli --cluster import sends keys with %s: a NUL byte would cut them (`nul` false).
        p.set(
          Buffer.concat([Buffer.from(nul ? [0, 255, 13, 10] : [255, 13, 10]), Buffer.from(k)]),
          Buffer.from([1, 2, 0, 200]),
        );
        break;
      default:
        p.hset(k, "a", "1", "b", String(i));
        p.pexpire(k, 7_200_000);
    }
    if (i % 2000 === 1999) {
      await p.exec();
      p = r.pipeline();
    }
  }
  await p.exec();
  if (!db0Only) {
    await r.select(1);
    await r.set("in-db1", "yes");
    await r.rpush("list-db1", "a", "b");
    await r.select(0);
  }
}

/**
 * A stream of `n` writes of every type (SET/INCR/RPUSH/SADD/HSET/ZADD/DEL/EXPIRE), pipelined in
 * batches; resolves when every reply came back.
 */
export async function writeStream(r: Redis, n: number, prefix = "w", batch = 500): Promise<void> {
  for (let done = 0; done < n; ) {
    const p = r.pipeline();
    const end = Math.min(n, done + batch);
    for (let i = done; i < end; i++) {
      const k = `${prefix}:${i % 2000}`;
      switch (i % 8) {
        case 0:
          p.set(`${k}:s`, `v${i}`);
          break;
        case 1:
          p.incr(`${k}:n`);
          break;
        case 2:
          p.rpush(`${k}:l`, `e${i}`);
          break;
        case 3:
          p.sadd(`${k}:set`, `m${i % 97}`);
          break;
        case 4:
          p.hset(`${k}:h`, `f${i % 31}`, `v${i}`);
          break;
        case 5:
          p.zadd(`${k}:z`, i % 1000, `z${i % 53}`);
          break;
        case 6:
          p.del(`${k}:s`);
          break;
        default:
          p.pexpire(`${k}:h`, 3_600_000);
      }
    }
    await p.exec();
    done = end;
  }
}

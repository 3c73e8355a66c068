// What client connections hold, and client eviction (maxmemory-clients). Mirrors Redis 7.0's
// getClientMemoryUsage, updateClientMemUsage, getClientEvictionLimit, clientEvictionAllowed and
// evictClients (src/networking.c).
//
// Each connection's figure (CLIENT LIST tot-mem) is its fixed cost plus its query buffer (a big
// argument's whole buffer), the arguments of a partly read command and its output (encoded replies and bytes the socket still
// holds). The figures of normal and pub/sub clients are kept as one running sum, `normalBytes`,
// updated whenever a connection's buffers change (after a read and its commands, after a flush,
// when the socket drains, each cron tick for sockets the kernel drained part of): it is what
// maxmemory-clients is compared with, INFO's mem_clients_normal, and the clients' part of
// used_memory. Replicas' buffers are the replication stream's (mem_clients_slaves), not here.
//
// Eviction: when the sum reaches the limit, clients are closed from the biggest down until it is
// under, by Redis's buckets (powers of two from 32 KB; within a bucket, oldest first). Clients
// with CLIENT NO-EVICT on, replicas and our master are never evicted, though the first count.
import type { Client } from "./client-connection.js";

/**
 * A connection's fixed cost: the 16 KB reply slab, and about 4 KB for the Client object, its
 * decoder and the net.Socket with its handle (Redis: the client struct and its 16 KB buffer).
 */
export const CLIENT_FIXED_BYTES = 16 * 1024 + 4 * 1024;
/** Redis's smallest eviction limit: below it nobody could talk to the server. */
const MIN_EVICTION_LIMIT = 128 * 1024;
/** CLIENT_MEM_USAGE_BUCKET_MIN_LOG / _MAX_LOG. */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;

/** Seconds of history of INFO's client_recent_max_* (CLIENTS_PEAK_MEM_USAGE_SLOTS). */
const PEAK_SLOTS = 8;

/**
 * A connection's query buffer: a big argument's buffer counts whole from when its length is
 * read, as Redis sizes its query buffer for it (sdsZmallocSize counts the allocation).
 */
function queryBufferBytes(c: Client): number {
  return Math.max(c.decoder.bufferedBytes, c.decoder.bigArgLength);
}

/** One connection's memory (getClientMemoryUsage; CLIENT LIST tot-mem). */
export function clientMemoryUsage(c: Client): number {
  return CLIENT_FIXED_BYTES + queryBufferBytes(c) + c.decoder.partialArgBytes + c.outputBytes;
}

/** maxmemory-clients in bytes (0: no client eviction); a percent is of maxmemory. */
export function clientEvictionLimit(setting: number | string, maxmemory: number): number {
  let limit: number;
  if (typeof setting === "string") {
    if (maxmemory <= 0) return 0;
    limit = Math.floor((maxmemory * Number.parseInt(setting, 10)) / 100);
  } else if (setting > 0) limit = setting;
  else return 0;
  return Math.max(limit, MIN_EVICTION_LIMIT);
}

/** The bucket Redis files a client of `mem` bytes under (0: up to 32 KB). */
function bucketOf(mem: number): number {
  const bits = mem > 0 ? Math.floor(Math.log2(mem)) + 1 : 0;
  return Math.min(BUCKET_MAX_LOG, Math.max(BUCKET_MIN_LOG, bits)) - BUCKET_MIN_LOG;
}

export class ClientMemory {
  /** Sum of the normal and pub/sub clients' figures (INFO mem_clients_normal). */
  normalBytes = 0;
  /** Per second of the last PEAK_SLOTS: the largest query and output buffers seen. */
  private readonly peakIn = new Array<number>(PEAK_SLOTS).fill(0);
  private readonly peakOut = new Array<number>(PEAK_SLOTS).fill(0);
  private peakSecond = 0;

  /**
   * clientsCronTrackExpansiveClients: one client's buffers into the current second's slot (the
   * slots of seconds since the last call are cleared first).
   */
  trackPeaks(c: Client, nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    for (let s = Math.max(this.peakSecond + 1, sec - PEAK_SLOTS + 1); s <= sec; s++) {
      this.peakIn[s % PEAK_SLOTS] = 0;
      this.peakOut[s % PEAK_SLOTS] = 0;
    }
    this.peakSecond = Math.max(this.peakSecond, sec);
    const i = sec % PEAK_SLOTS;
    this.peakIn[i] = Math.max(this.peakIn[i]!, queryBufferBytes(c));
    this.peakOut[i] = Math.max(this.peakOut[i]!, c.outputBytes);
  }

  /** INFO clients client_recent_max_input_buffer / client_recent_max_output_buffer. */
  recentMaxInput(): number {
    return Math.max(...this.peakIn);
  }
  recentMaxOutput(): number {
    return Math.max(...this.peakOut);
  }

  /** Re-measures one connection (updateClientMemUsage). */
  update(c: Client): void {
    // A replica's output is the replication stream's; our master's link is counted with normal
    // clients by Redis, and so here.
    const mem = c.closed || c.replRole === "S" ? 0 : clientMemoryUsage(c);
    this.normalBytes += mem - c.memUsage;
    c.memUsage = mem;
  }

  /** The connection is gone. */
  remove(c: Client): void {
    this.normalBytes -= c.memUsage;
    c.memUsage = 0;
  }

  /**
   * evictClients: while the sum is at or over `limit`, the biggest evictable client goes to
   * `close` (which must end in remove()); `overLimit` is told when none is left to close.
   * Returns how many were closed.
   */
  evict(
    limit: number,
    clients: Iterable<Client>,
    close: (c: Client) => void,
    overLimit: () => void,
  ): number {
    if (limit === 0 || this.normalBytes < limit) return 0;
    const candidates: Array<{ c: Client; bucket: number; order: number }> = [];
    let order = 0;
    for (const c of clients) {
      if (c.noEvict || c.replRole !== "" || c.closed) continue;
      this.update(c);
      candidates.push({ c, bucket: bucketOf(c.memUsage), order: order++ });
    }
    candidates.sort((a, b) => b.bucket - a.bucket || a.order - b.order);
    let evicted = 0;
    for (const { c } of candidates) {
      if (this.normalBytes < limit) return evicted;
      close(c);
      evicted++;
    }
    if (this.normalBytes >= limit) overLimit();
    return evicted;
  }
}

// WAIT numreplicas timeout (waitCommand, processClientsWaitingReplicas and
// replicationRequestAckFromSlaves in src/replication.c, Redis 7.0): a client waits until enough
// replicas acknowledged the offset right after its last write, or the timeout. Each WAIT asks the
// replicas for their offset (REPLCONF GETACK * in the next flush of the stream); every REPLCONF
// ACK and every replica lost re-counts the waiters. When the node turns into a replica the
// waiters get the count they have.
import type { Client } from "../networking/client-connection.js";
import type { ReplicaRegistry } from "./replicas.js";
import type { ReplicationStream } from "./stream.js";

interface WaitRequest {
  client: Client;
  target: number;
  numReplicas: number;
  done: (count: number) => void;
}

export class Waiters {
  private readonly waiters: WaitRequest[] = [];

  constructor(
    private readonly registry: ReplicaRegistry,
    private readonly stream: ReplicationStream,
  ) {}

  /** WAIT: resolves with the count once enough replicas acknowledged, or at the timeout. */
  wait(client: Client, numReplicas: number, timeoutMs: number): Promise<number> {
    const target = client.woff;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const req: WaitRequest = {
        client,
        target,
        numReplicas,
        done: (count) => {
          if (timer) clearTimeout(timer);
          const i = this.waiters.indexOf(req);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(count);
        },
      };
      this.waiters.push(req);
      if (timeoutMs > 0)
        timer = setTimeout(() => req.done(this.registry.countAcks(target)), timeoutMs);
      this.stream.requestAck();
    });
  }

  /** An ACK arrived or a replica left: the waiters whose count is reached (or gone) return. */
  check(): void {
    if (this.waiters.length === 0) return;
    for (const w of [...this.waiters]) {
      if (w.client.closed) {
        w.done(0);
        continue;
      }
      const n = this.registry.countAcks(w.target);
      if (n >= w.numReplicas) w.done(n);
    }
  }

  /** Turning into a replica: writes waiting for acknowledgements will not get more. */
  releaseAll(): void {
    for (const w of [...this.waiters]) w.done(this.registry.countAcks(w.target));
  }
}
